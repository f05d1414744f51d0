/*
 * Network interfaces and routes: the loopback interface "lo" and one
 * "ethN" per network card, each with an IPv4 address, netmask and
 * flags; the routing table; Ethernet framing; and the deferred input
 * queue loopback packets wait in.
 *
 * Configuration (addresses, flags, MTU, routes) is changed by the boot
 * configuration (ip= and DHCP) and by ioctls (ifconfig, route); readers
 * on every packet take netcfg_lock for the few words they copy.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after the interface is made
 *  c  netcfg_lock (netif.c)
 *  a  atomic
 */
#pragma once

#include "dev/nic.h"
#include "lib/spinlock.h"
#include "lib/types.h"

struct pkb;

#define NETIF_MAX (NIC_MAX + 1)
#define IFNAMSIZ 16

/* Interface flags (Linux's values: SIOCGIFFLAGS shows them) */
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000

#define LO_MTU 65536

struct netif {
	char name[IFNAMSIZ]; /* [I] */
	u32 index;	     /* [I] 1 for lo, then the cards */
	u32 flags;	     /* [c] IFF_* */
	u32 mtu;	     /* [c] */
	u8 mac[ETH_ALEN];    /* [I] zero for lo */
	u32 addr, mask;	     /* [c] network order; 0: none */
	u32 bcast;	     /* [c] */
	struct nic *nic;     /* [I] NULL for lo */
	struct nic_stats *stats; /* [I] the card's, or lo's own */
	struct nic_stats lo_stats;
};

/* Routing table entries (what SIOCADDRT takes and /proc/net/route shows) */
#define RTF_UP 0x1
#define RTF_GATEWAY 0x2
#define RTF_HOST 0x4
#define ROUTE_MAX 32

struct route {
	u32 dst, mask, gw; /* [c] network order */
	u32 ifindex;	   /* [c] 0: a free entry */
	u32 flags;	   /* [c] RTF_* */
	u32 metric;	   /* [c] */
};

/* Where a packet to some address goes. */
struct route_result {
	struct netif *ifp;
	u32 nexthop; /* the address to resolve on the link */
	u32 src;     /* the source address a new socket would use */
	u32 mtu;
};

extern struct spinlock netcfg_lock;

/* Boot: lo and the cards, with the routes lo needs (after the executors). */
void netif_init(void);
/* By index (1..), or NULL; interfaces are never removed. */
struct netif *netif_by_index(u32 index);
struct netif *netif_by_name(const char *name);
u32 netif_count(void); /* the largest index */

/* Configuration. Addresses in network order; a 0 mask means the class default. */
int netif_set_addr(struct netif *ifp, u32 addr, u32 mask);
int netif_set_flags(struct netif *ifp, u32 flags);
int netif_set_mtu(struct netif *ifp, u32 mtu);
/* Copy an interface's configuration under the lock. */
void netif_snapshot(struct netif *ifp, struct netif *out);

int route_add(const struct route *r);
int route_del(const struct route *r);
/* Copy the table; returns the number of entries written. */
u32 route_list(struct route *out, u32 max);
/* -ENETUNREACH when nothing leads there. */
int route_lookup(u32 dst, struct route_result *rr);

/* Is a one of our addresses (lo's range, an interface's)? Broadcasts too, with bcast. */
bool ip_is_local(u32 a, bool *bcast);
/* Any up interface but lo has an address (DHCP or ip= has configured one). */
bool netif_configured(void);

/* Send an IP packet (p->data: the IP header) on ifp to nexthop. Takes p. */
int netif_output(struct netif *ifp, u32 nexthop, struct pkb *p);
/* Send an Ethernet frame of the given type to dst (p->data: the payload). Takes p. */
int eth_output(struct netif *ifp, const u8 *dst, u16 type, struct pkb *p);

/*
 * The deferred input queue: a packet sent to ourselves is queued here,
 * not processed inside the sender (which may hold its socket's lock).
 * Every entry into the stack (a system call, a timer, the receive task)
 * calls net_flush before it goes back to the executor, with no lock held;
 * one core at a time drains the queue, in order.
 */
void net_defer_input(struct netif *ifp, struct pkb *p);
void net_flush(void);
