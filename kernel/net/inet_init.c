/*
 * Starting the network stack at boot: the interfaces (lo and one per
 * card), the ARP cache's and the reassembly queues' timer tasks.
 */
#include "net/inet_init.h"
#include "net/arp.h"
#include "net/ip.h"
#include "net/netif.h"
#include "net/netcfg.h"
#include "lib/kernel.h"

void inet_init(void)
{
	netif_init();
	arp_init();
	ip_frag_init();
	netcfg_start();
}
