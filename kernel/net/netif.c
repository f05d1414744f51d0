/*
 * Interfaces, routes and Ethernet framing (netif.h). The table of
 * interfaces is filled once at boot; their configuration and the routing
 * table change under netcfg_lock, a short spinlock no other lock nests in.
 */
#include "net/netif.h"
#include "net/arp.h"
#include "net/inet.h"
#include "net/ip.h"
#include "dev/pkb.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct spinlock netcfg_lock = SPINLOCK_INIT;
static struct netif ifs[NETIF_MAX]; /* [I] index i+1 at i */
static u32 nifs;		    /* [I] */
static struct route routes[ROUTE_MAX]; /* [c] */

static const u8 eth_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct netif *netif_by_index(u32 index)
{
	return index >= 1 && index <= nifs ? &ifs[index - 1] : NULL;
}

struct netif *netif_by_name(const char *name)
{
	for (u32 i = 0; i < nifs; i++)
		if (!strcmp(ifs[i].name, name))
			return &ifs[i];
	return NULL;
}

u32 netif_count(void)
{
	return nifs;
}

void netif_snapshot(struct netif *ifp, struct netif *out)
{
	spin_lock(&netcfg_lock);
	*out = *ifp;
	spin_unlock(&netcfg_lock);
}

/* The class default mask (RFC 791's classes), for an address set without one. */
static u32 default_mask(u32 a)
{
	u32 h = ntohl(a);
	if (h >> 31 == 0)
		return htonl(0xff000000);
	if (h >> 30 == 2)
		return htonl(0xffff0000);
	return htonl(0xffffff00);
}

static int route_add_locked(const struct route *r);
static void route_del_if_locked(u32 ifindex, bool keep_gateways);

/* The subnet route an interface's address implies (Linux adds it with the address). */
static void subnet_route_locked(struct netif *ifp)
{
	if (ifp->index == 1)
		return;
	route_del_if_locked(ifp->index, true);
	if (!ifp->addr)
		return;
	struct route r = {.dst = ifp->addr & ifp->mask, .mask = ifp->mask,
			  .ifindex = ifp->index, .flags = RTF_UP};
	route_add_locked(&r);
}

int netif_set_addr(struct netif *ifp, u32 addr, u32 mask)
{
	if (ifp->index == 1 && addr && !ip_is_loopback(addr))
		return -EINVAL; /* lo keeps its range */
	if (addr && (ip_is_multicast(addr) || addr == INADDR_BROADCAST))
		return -EINVAL;
	spin_lock(&netcfg_lock);
	if (!mask)
		mask = ifp->addr && (ifp->addr & ifp->mask) == (addr & ifp->mask) && ifp->mask
			   ? ifp->mask
			   : default_mask(addr);
	ifp->addr = addr;
	ifp->mask = addr ? mask : 0;
	ifp->bcast = addr && !(ifp->flags & IFF_LOOPBACK) ? (addr | ~mask) : 0;
	subnet_route_locked(ifp);
	spin_unlock(&netcfg_lock);
	return 0;
}

int netif_set_flags(struct netif *ifp, u32 flags)
{
	const u32 settable = IFF_UP;
	spin_lock(&netcfg_lock);
	ifp->flags = (ifp->flags & ~settable) | (flags & settable);
	if (ifp->flags & IFF_UP)
		ifp->flags |= IFF_RUNNING;
	else
		ifp->flags &= ~IFF_RUNNING;
	spin_unlock(&netcfg_lock);
	return 0;
}

int netif_set_mtu(struct netif *ifp, u32 mtu)
{
	u32 max = ifp->nic ? ifp->nic->mtu : LO_MTU;
	if (mtu < 68 || mtu > max)
		return -EINVAL;
	spin_lock(&netcfg_lock);
	ifp->mtu = mtu;
	spin_unlock(&netcfg_lock);
	return 0;
}

bool ip_is_local(u32 a, bool *bcast)
{
	if (bcast)
		*bcast = false;
	if (ip_is_loopback(a))
		return true;
	bool local = false;
	spin_lock(&netcfg_lock);
	for (u32 i = 0; i < nifs && !local; i++) {
		struct netif *ifp = &ifs[i];
		if (!(ifp->flags & IFF_UP))
			continue;
		if (ifp->addr && a == ifp->addr)
			local = true;
		else if (bcast && (a == INADDR_BROADCAST || (ifp->bcast && a == ifp->bcast)))
			local = *bcast = true;
	}
	spin_unlock(&netcfg_lock);
	return local;
}

bool netif_configured(void)
{
	bool yes = false;
	spin_lock(&netcfg_lock);
	for (u32 i = 1; i < nifs; i++)
		if ((ifs[i].flags & IFF_UP) && ifs[i].addr)
			yes = true;
	spin_unlock(&netcfg_lock);
	return yes;
}

/* ---- routes ---- */

static int route_add_locked(const struct route *r)
{
	struct route *free = NULL;
	for (u32 i = 0; i < ROUTE_MAX; i++) {
		struct route *e = &routes[i];
		if (!e->ifindex) {
			if (!free)
				free = e;
		} else if (e->dst == r->dst && e->mask == r->mask && e->metric == r->metric &&
			   e->ifindex == r->ifindex && e->gw == r->gw) {
			return -EEXIST;
		}
	}
	if (!free)
		return -ENOBUFS;
	*free = *r;
	free->dst &= free->mask;
	free->flags |= RTF_UP;
	return 0;
}

static void route_del_if_locked(u32 ifindex, bool keep_gateways)
{
	for (u32 i = 0; i < ROUTE_MAX; i++)
		if (routes[i].ifindex == ifindex && !(keep_gateways && routes[i].flags & RTF_GATEWAY))
			routes[i].ifindex = 0;
}

int route_add(const struct route *r)
{
	struct netif *ifp = netif_by_index(r->ifindex);
	if (!ifp || (r->dst & ~r->mask))
		return -EINVAL;
	/* A mask must be contiguous ones. */
	u32 m = ntohl(r->mask);
	if (m & (~m >> 1))
		return -EINVAL;
	spin_lock(&netcfg_lock);
	int rc = route_add_locked(r);
	spin_unlock(&netcfg_lock);
	return rc;
}

int route_del(const struct route *r)
{
	int rc = -ESRCH;
	spin_lock(&netcfg_lock);
	for (u32 i = 0; i < ROUTE_MAX; i++) {
		struct route *e = &routes[i];
		if (e->ifindex && e->dst == (r->dst & r->mask) && e->mask == r->mask &&
		    (!r->ifindex || e->ifindex == r->ifindex) && (!r->gw || e->gw == r->gw) &&
		    (!r->metric || e->metric == r->metric)) {
			e->ifindex = 0;
			rc = 0;
			break;
		}
	}
	spin_unlock(&netcfg_lock);
	return rc;
}

u32 route_list(struct route *out, u32 max)
{
	u32 n = 0;
	spin_lock(&netcfg_lock);
	for (u32 i = 0; i < ROUTE_MAX && n < max; i++)
		if (routes[i].ifindex)
			out[n++] = routes[i];
	spin_unlock(&netcfg_lock);
	return n;
}

int route_lookup(u32 dst, struct route_result *rr)
{
	int rc = -ENETUNREACH;
	spin_lock(&netcfg_lock);
	/* Our own addresses go through lo, as Linux's local table sends them. */
	if (ip_is_loopback(dst)) {
		*rr = (struct route_result){&ifs[0], dst, IP4(127, 0, 0, 1), ifs[0].mtu};
		rc = ifs[0].flags & IFF_UP ? 0 : -ENETUNREACH;
		goto out;
	}
	for (u32 i = 1; i < nifs; i++) {
		struct netif *ifp = &ifs[i];
		if ((ifp->flags & IFF_UP) && ifp->addr == dst) {
			*rr = (struct route_result){&ifs[0], dst, dst, ifs[0].mtu};
			rc = 0;
			goto out;
		}
	}
	/* The limited broadcast leaves by the first card that is up (DHCP before any address). */
	if (dst == INADDR_BROADCAST) {
		for (u32 i = 1; i < nifs; i++) {
			struct netif *ifp = &ifs[i];
			if (ifp->flags & IFF_UP) {
				*rr = (struct route_result){ifp, dst, ifp->addr, ifp->mtu};
				rc = 0;
				goto out;
			}
		}
		goto out;
	}
	struct route *best = NULL;
	for (u32 i = 0; i < ROUTE_MAX; i++) {
		struct route *e = &routes[i];
		if (!e->ifindex || (dst & e->mask) != e->dst)
			continue;
		struct netif *ifp = &ifs[e->ifindex - 1];
		if (!(ifp->flags & IFF_UP))
			continue;
		if (!best || ntohl(e->mask) > ntohl(best->mask) ||
		    (e->mask == best->mask && e->metric < best->metric))
			best = e;
	}
	if (best) {
		struct netif *ifp = &ifs[best->ifindex - 1];
		*rr = (struct route_result){ifp, best->flags & RTF_GATEWAY ? best->gw : dst, ifp->addr,
					    ifp->mtu};
		rc = 0;
	}
out:
	spin_unlock(&netcfg_lock);
	return rc;
}

/* ---- Ethernet ---- */

int eth_output(struct netif *ifp, const u8 *dst, u16 type, struct pkb *p)
{
	struct ethhdr *h = (struct ethhdr *)pkb_push(p, ETH_HLEN);
	memcpy(h->dst, dst, ETH_ALEN);
	memcpy(h->src, ifp->mac, ETH_ALEN);
	h->type = htons(type);
	return ifp->nic->xmit(ifp->nic, p);
}

int netif_output(struct netif *ifp, u32 nexthop, struct pkb *p)
{
	if (!ifp->nic) {
		/* lo: the packet comes back in through the deferred queue. */
		__atomic_add_fetch(&ifp->stats->tx_packets, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&ifp->stats->tx_bytes, p->len, __ATOMIC_RELAXED);
		net_defer_input(ifp, p);
		return 0;
	}
	if (nexthop == INADDR_BROADCAST || nexthop == ifp->bcast) {
		p->flags |= PKB_BCAST;
		return eth_output(ifp, eth_bcast, ETH_P_IP, p);
	}
	return arp_output(ifp, nexthop, p);
}

/* A frame from a card (its receive task): check the header, hand it to ARP or IP. */
static void eth_input(struct nic *n, struct pkb *p)
{
	struct netif *ifp = n->up;
	if (!(__atomic_load_n(&ifp->flags, __ATOMIC_RELAXED) & IFF_UP) || p->len < ETH_HLEN) {
		__atomic_add_fetch(&n->stats.rx_dropped, 1, __ATOMIC_RELAXED);
		pkb_free(p);
		net_flush();
		return;
	}
	struct ethhdr *h = (struct ethhdr *)p->data;
	bool bcast = !memcmp(h->dst, eth_bcast, ETH_ALEN);
	if (!bcast && memcmp(h->dst, ifp->mac, ETH_ALEN)) {
		pkb_free(p); /* someone else's, or a multicast we did not join */
		net_flush();
		return;
	}
	u16 type = ntohs(h->type);
	pkb_pull(p, ETH_HLEN);
	p->ifindex = ifp->index;
	if (bcast)
		p->flags |= PKB_BCAST;
	if (type == ETH_P_IP)
		ip_input(ifp, p);
	else if (type == ETH_P_ARP)
		arp_input(ifp, p);
	else
		pkb_free(p);
	net_flush();
}

void netif_init(void)
{
	struct netif *lo = &ifs[nifs++];
	strlcpy(lo->name, "lo", sizeof lo->name);
	lo->index = 1;
	lo->flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
	lo->mtu = LO_MTU;
	lo->addr = IP4(127, 0, 0, 1);
	lo->mask = IP4(255, 0, 0, 0);
	lo->stats = &lo->lo_stats;
	routes[0] = (struct route){.dst = IP4(127, 0, 0, 0), .mask = IP4(255, 0, 0, 0),
				   .ifindex = 1, .flags = RTF_UP};
	for (u32 i = 0; i < nic_count() && nifs < NETIF_MAX; i++) {
		struct nic *n = nic_get(i);
		struct netif *ifp = &ifs[nifs];
		strlcpy(ifp->name, n->name, sizeof ifp->name);
		ifp->index = nifs + 1;
		ifp->mtu = n->mtu;
		memcpy(ifp->mac, n->mac, ETH_ALEN);
		ifp->nic = n;
		ifp->stats = &n->stats;
		ifp->flags = IFF_BROADCAST | IFF_MULTICAST;
		if (!nic_start(n, eth_input, ifp)) {
			pr_warn("net: %s did not start\n", n->name);
			continue;
		}
		nifs++;
		netif_set_flags(ifp, IFF_UP);
	}
}
