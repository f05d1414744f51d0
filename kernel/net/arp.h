/*
 * ARP (RFC 826, with RFC 1122 section 2.3.2's cache rules): the cache of
 * IPv4-to-Ethernet addresses, requests and replies, and the few packets
 * that wait while an address is being resolved.
 */
#pragma once

#include "lib/types.h"

struct netif;
struct pkb;

/* Send an IP packet to nexthop on ifp: now if its address is known, else after resolving. */
int arp_output(struct netif *ifp, u32 nexthop, struct pkb *p);
/* An ARP packet from ifp (p->data: the ARP header). Takes p. */
void arp_input(struct netif *ifp, struct pkb *p);
/* Boot: start the cache's timer task. */
void arp_init(void);

/* One cache entry as /proc/net/arp shows it. */
struct arp_info {
	u32 ip, ifindex;
	u8 mac[6];
	bool complete;
};
u32 arp_list(struct arp_info *out, u32 max);
