/*
 * /proc/net: the network's files as Linux prints them (busybox netstat,
 * route and ifconfig read them): the IPv4 stack's dev, route, arp, tcp
 * and udp, and the local sockets' unix. Each generator copies what it
 * shows under its owner's locks (netcfg_lock, the ARP cache's, each
 * socket's, a family's own walk of its sockets: net/net.h) and touches no
 * user memory while it holds one. A new family's file is a generator here
 * and a line in the table below.
 */
#include "procfs/procfs_impl.h"
#include "net/arp.h"
#include "net/net.h"
#include "net/inet.h"
#include "net/inet_sock.h"
#include "net/netif.h"
#include "net/tcp.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static int gen_dev(u32 pid, struct text *t)
{
	tprintf(t, "Inter-|   Receive                                                |  Transmit\n"
		   " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		   "packets errs drop fifo colls carrier compressed\n");
	for (u32 i = 1; i <= netif_count(); i++) {
		struct netif *ifp = netif_by_index(i);
		struct nic_stats s;
		s.rx_bytes = __atomic_load_n(&ifp->stats->rx_bytes, __ATOMIC_RELAXED);
		s.rx_packets = __atomic_load_n(&ifp->stats->rx_packets, __ATOMIC_RELAXED);
		s.rx_errors = __atomic_load_n(&ifp->stats->rx_errors, __ATOMIC_RELAXED);
		s.rx_dropped = __atomic_load_n(&ifp->stats->rx_dropped, __ATOMIC_RELAXED);
		s.tx_bytes = __atomic_load_n(&ifp->stats->tx_bytes, __ATOMIC_RELAXED);
		s.tx_packets = __atomic_load_n(&ifp->stats->tx_packets, __ATOMIC_RELAXED);
		s.tx_errors = __atomic_load_n(&ifp->stats->tx_errors, __ATOMIC_RELAXED);
		s.tx_dropped = __atomic_load_n(&ifp->stats->tx_dropped, __ATOMIC_RELAXED);
		tprintf(t,
			"%6s:%8lu %7lu %4lu %4lu %4u %5u %10u %9u %8lu %7lu %4lu %4lu %4u %5u %7u "
			"%10u\n",
			ifp->name, s.rx_bytes, s.rx_packets, s.rx_errors, s.rx_dropped, 0, 0, 0, 0,
			s.tx_bytes, s.tx_packets, s.tx_errors, s.tx_dropped, 0, 0, 0, 0);
	}
	return 0;
}

/* Linux pads each line of these tables to a fixed width. */
static void pad_line(struct text *t, size_t start, size_t width)
{
	while (t->len < t->cap && t->len - start < width)
		t->buf[t->len++] = ' ';
	tprintf(t, "\n");
}

static int gen_route(u32 pid, struct text *t)
{
	size_t s = t->len;
	tprintf(t, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
	pad_line(t, s, 127);
	struct route r[ROUTE_MAX];
	u32 n = route_list(r, ROUTE_MAX);
	for (u32 i = 0; i < n; i++) {
		struct netif *ifp = netif_by_index(r[i].ifindex);
		if (!ifp || ifp->index == 1)
			continue; /* lo's range is Linux's local table, which this file does not show */
		s = t->len;
		tprintf(t, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", ifp->name, r[i].dst,
			r[i].gw, r[i].flags, 0, 0, r[i].metric, r[i].mask, 0, 0, 0);
		pad_line(t, s, 127);
	}
	return 0;
}

static int gen_arp(u32 pid, struct text *t)
{
	tprintf(t, "IP address       HW type     Flags       HW address            Mask     Device\n");
	struct arp_info a[32];
	u32 n = arp_list(a, ARRAY_SIZE(a));
	for (u32 i = 0; i < n; i++) {
		struct netif *ifp = netif_by_index(a[i].ifindex);
		u32 ip = ntohl(a[i].ip);
		char ipstr[16];
		snprintf(ipstr, sizeof ipstr, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
			 ip & 255);
		tprintf(t, "%-16s 0x%-10x0x%-10x%02x:%02x:%02x:%02x:%02x:%02x     *        %s\n",
			ipstr, 1, a[i].complete ? 2 : 0, a[i].mac[0], a[i].mac[1], a[i].mac[2],
			a[i].mac[3], a[i].mac[4], a[i].mac[5], ifp ? ifp->name : "?");
	}
	return 0;
}

struct sock_walk {
	struct text *t;
	int n;
};

static void tcp_line(struct tcb *c, void *arg)
{
	struct sock_walk *w = arg;
	/* Children of a listener share its port in the table: each is a line of its own. */
	u32 txq = c->snd_max - c->snd_una, rxq = c->state == TCP_LISTEN ? c->naccept : c->rcv.len;
	size_t s = w->t->len;
	tprintf(w->t, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08X %08X %5u %8d %lu 1 "
		      "0000000000000000 %u 4 30 10 -1",
		w->n++, c->laddr, ntohs(c->lport), c->faddr, ntohs(c->fport), c->state, txq, rxq,
		c->t_rexmt ? 1 : 0, 0, c->retries, 0, 0, c->inode, c->rto_us / 10000);
	pad_line(w->t, s, 149);
}

static int gen_tcp(u32 pid, struct text *t)
{
	size_t s = t->len;
	tprintf(t, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
		   "uid  timeout inode");
	pad_line(t, s, 149);
	struct sock_walk w = {t, 0};
	tcp_foreach(tcp_line, &w);
	return 0;
}

static void udp_line(struct dgram_sock *d, void *arg)
{
	struct sock_walk *w = arg;
	size_t s = w->t->len;
	tprintf(w->t, "%5d: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu 2 "
		      "0000000000000000 %lu",
		w->n++, d->laddr, ntohs(d->lport), d->faddr, ntohs(d->fport),
		d->connected ? TCP_ESTABLISHED : TCP_CLOSED, 0, d->rx_bytes, 0, 0, d->inode, d->drops);
	pad_line(w->t, s, 127);
}

static int gen_udp(u32 pid, struct text *t)
{
	size_t s = t->len;
	tprintf(t, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
		   "uid  timeout inode ref pointer drops");
	pad_line(t, s, 127);
	struct sock_walk w = {t, 0};
	udp_foreach(udp_line, &w);
	return 0;
}

/* No IPv6: its tables are empty (busybox netstat reads them whatever the family). */
static int gen_tcp6(u32 pid, struct text *t)
{
	size_t s = t->len;
	tprintf(t, "  sl  local_address                         remote_address                        "
		   "st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	pad_line(t, s, 149);
	return 0;
}

static int gen_udp6(u32 pid, struct text *t)
{
	size_t s = t->len;
	tprintf(t, "  sl  local_address                         remote_address                        "
		   "st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops");
	pad_line(t, s, 127);
	return 0;
}

static void put_line(void *t, const char *line)
{
	tprintf(t, "%s", line);
}

static int gen_unix(u32 pid, struct text *t)
{
	unix_proc_lines(put_line, t);
	return 0;
}

static const struct pf_entry net_entries[] = {
	{"dev", S_IFREG | 0444, .gen = gen_dev},
	{"route", S_IFREG | 0444, .gen = gen_route},
	{"arp", S_IFREG | 0444, .gen = gen_arp},
	{"tcp", S_IFREG | 0444, .gen = gen_tcp, .text_cap = TEXT_SIZE_BIG},
	{"udp", S_IFREG | 0444, .gen = gen_udp, .text_cap = TEXT_SIZE_BIG},
	{"tcp6", S_IFREG | 0444, .gen = gen_tcp6},
	{"udp6", S_IFREG | 0444, .gen = gen_udp6},
	{"unix", S_IFREG | 0444, .gen = gen_unix, .text_cap = TEXT_SIZE_BIG},
};

const struct pf_table pf_net_table = {net_entries, ARRAY_SIZE(net_entries)};
