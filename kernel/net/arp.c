/*
 * The ARP cache (arp.h). A fixed table: an entry is INCOMPLETE while its
 * request is out (up to three tries a second apart, with at most
 * ARP_PENDING_MAX packets waiting on it), then REACHABLE for
 * ARP_REACHABLE_NS, after which it is dropped and the next packet asks
 * again. When the table is full the oldest resolved entry goes.
 *
 * Locks: arp_lock guards the table; frames are sent after it is dropped.
 * The timer task retries requests and ages entries; it is woken early
 * when a new request goes out.
 */
#include "net/arp.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "lib/errno.h"
#include "sched/task.h"
#include "sched/timer.h"

#define ARP_TABLE 128
#define ARP_PENDING_MAX 8
#define ARP_TRIES 3
#define ARP_RETRY_NS 1000000000UL
#define ARP_REACHABLE_NS (60 * 1000000000UL)

#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arphdr {
	u16 hrd, pro;
	u8 hln, pln;
	u16 op;
	u8 sha[6];
	u32 spa;
	u8 tha[6];
	u32 tpa;
} __packed;

enum { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	u32 ip;			/* [arp_lock] */
	u32 ifindex;		/* [arp_lock] */
	u8 mac[ETH_ALEN];	/* [arp_lock] */
	u8 state;		/* [arp_lock] ARP_* */
	u8 tries;		/* [arp_lock] requests sent */
	u64 expires;		/* [arp_lock] next retry, or the end of REACHABLE */
	struct list_node pending; /* [arp_lock] packets (IP) waiting for the address */
	u32 npending;		/* [arp_lock] */
};

static struct spinlock arp_lock = SPINLOCK_INIT;
static struct arp_entry table[ARP_TABLE]; /* [arp_lock] */
static struct task arp_task;
static struct timer arp_timer;

static const u8 zero_mac[ETH_ALEN];
static const u8 bcast_mac[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct arp_entry *find_locked(u32 ifindex, u32 ip)
{
	for (u32 i = 0; i < ARP_TABLE; i++)
		if (table[i].state != ARP_FREE && table[i].ip == ip && table[i].ifindex == ifindex)
			return &table[i];
	return NULL;
}

/* A free entry, or the resolved one closest to expiry; NULL if all are being resolved. */
static struct arp_entry *alloc_locked(void)
{
	struct arp_entry *victim = NULL;
	for (u32 i = 0; i < ARP_TABLE; i++) {
		struct arp_entry *e = &table[i];
		if (e->state == ARP_FREE)
			return e;
		if (e->state == ARP_REACHABLE && (!victim || e->expires < victim->expires))
			victim = e;
	}
	return victim;
}

static void arp_send(struct netif *ifp, u16 op, const u8 *tha, u32 tpa, const u8 *dst)
{
	struct pkb *p = pkb_alloc(PKB_HEADROOM, sizeof(struct arphdr));
	if (!p)
		return;
	struct arphdr *a = (struct arphdr *)p->data;
	a->hrd = htons(ARP_HRD_ETHER);
	a->pro = htons(ETH_P_IP);
	a->hln = ETH_ALEN;
	a->pln = 4;
	a->op = htons(op);
	memcpy(a->sha, ifp->mac, ETH_ALEN);
	spin_lock(&netcfg_lock);
	a->spa = ifp->addr;
	spin_unlock(&netcfg_lock);
	memcpy(a->tha, tha, ETH_ALEN);
	a->tpa = tpa;
	eth_output(ifp, dst, ETH_P_ARP, p);
}

int arp_output(struct netif *ifp, u32 nexthop, struct pkb *p)
{
	u8 mac[ETH_ALEN];
	spin_lock(&arp_lock);
	struct arp_entry *e = find_locked(ifp->index, nexthop);
	if (e && e->state == ARP_REACHABLE) {
		memcpy(mac, e->mac, ETH_ALEN);
		spin_unlock(&arp_lock);
		return eth_output(ifp, mac, ETH_P_IP, p);
	}
	bool ask = false;
	if (!e) {
		e = alloc_locked();
		if (!e) {
			spin_unlock(&arp_lock);
			pkb_free(p);
			return -ENOBUFS;
		}
		if (e->state != ARP_FREE)
			pkb_free_list(&e->pending);
		*e = (struct arp_entry){.ip = nexthop, .ifindex = ifp->index,
					.state = ARP_INCOMPLETE, .tries = 1,
					.expires = tsc_ns() + ARP_RETRY_NS};
		list_init(&e->pending);
		ask = true;
	}
	if (e->npending == ARP_PENDING_MAX) {
		/* Keep the newest, as RFC 1122 section 2.3.2.2 suggests. */
		pkb_free(container_of(list_pop_front(&e->pending), struct pkb, node));
		e->npending--;
	}
	list_push_back(&e->pending, &p->node);
	e->npending++;
	spin_unlock(&arp_lock);
	if (ask) {
		arp_send(ifp, ARP_OP_REQUEST, zero_mac, nexthop, bcast_mac);
		task_wake(&arp_task);
	}
	return 0;
}

void arp_input(struct netif *ifp, struct pkb *p)
{
	if (p->len < sizeof(struct arphdr))
		goto drop;
	struct arphdr *a = (struct arphdr *)p->data;
	if (ntohs(a->hrd) != ARP_HRD_ETHER || ntohs(a->pro) != ETH_P_IP || a->hln != ETH_ALEN ||
	    a->pln != 4)
		goto drop;
	u16 op = ntohs(a->op);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		goto drop;
	u32 spa = a->spa, tpa = a->tpa;
	u8 sha[ETH_ALEN];
	memcpy(sha, a->sha, ETH_ALEN);
	/* A sender with a broadcast, multicast or our own hardware address is lying. */
	if ((sha[0] & 1) || !memcmp(sha, ifp->mac, ETH_ALEN) || ip_is_martian(spa) ||
	    ip_is_multicast(spa) || spa == INADDR_BROADCAST)
		goto drop;
	spin_lock(&netcfg_lock);
	u32 mine = ifp->addr;
	spin_unlock(&netcfg_lock);
	if (mine && spa == mine)
		goto drop; /* someone claims our address: nothing to learn from it */
	bool for_us = mine && tpa == mine;

	/* RFC 826's merge: update a known sender; learn it if the packet was for us. */
	struct list_node ready;
	list_init(&ready);
	spin_lock(&arp_lock);
	struct arp_entry *e = find_locked(ifp->index, spa);
	if (!e && for_us) {
		e = alloc_locked();
		if (e) {
			if (e->state != ARP_FREE)
				pkb_free_list(&e->pending);
			*e = (struct arp_entry){.ip = spa, .ifindex = ifp->index};
			list_init(&e->pending);
		}
	}
	if (e) {
		memcpy(e->mac, sha, ETH_ALEN);
		e->state = ARP_REACHABLE;
		e->expires = tsc_ns() + ARP_REACHABLE_NS;
		/* Move the waiting packets out. */
		while (!list_empty(&e->pending))
			list_push_back(&ready, list_pop_front(&e->pending));
		e->npending = 0;
	}
	spin_unlock(&arp_lock);
	while (!list_empty(&ready)) {
		struct pkb *q = container_of(list_pop_front(&ready), struct pkb, node);
		eth_output(ifp, sha, ETH_P_IP, q);
	}
	if (for_us && op == ARP_OP_REQUEST)
		arp_send(ifp, ARP_OP_REPLY, sha, spa, sha);
drop:
	pkb_free(p);
}

static enum poll_result arp_poll(struct task *t)
{
	u64 now = tsc_ns(), next = 0;
	struct {
		u32 ifindex, ip;
	} ask[16];
	u32 nask = 0;
	struct list_node dead;
	list_init(&dead);
	spin_lock(&arp_lock);
	for (u32 i = 0; i < ARP_TABLE; i++) {
		struct arp_entry *e = &table[i];
		if (e->state == ARP_FREE)
			continue;
		if (e->expires <= now) {
			if (e->state == ARP_INCOMPLETE && e->tries < ARP_TRIES && nask < 16) {
				e->tries++;
				e->expires = now + ARP_RETRY_NS;
				ask[nask].ifindex = e->ifindex;
				ask[nask++].ip = e->ip;
			} else if (e->state == ARP_REACHABLE || e->tries >= ARP_TRIES) {
				while (!list_empty(&e->pending))
					list_push_back(&dead, list_pop_front(&e->pending));
				e->npending = 0;
				e->state = ARP_FREE;
				continue;
			}
		}
		if (!next || e->expires < next)
			next = e->expires;
	}
	spin_unlock(&arp_lock);
	pkb_free_list(&dead);
	for (u32 i = 0; i < nask; i++) {
		struct netif *ifp = netif_by_index(ask[i].ifindex);
		if (ifp)
			arp_send(ifp, ARP_OP_REQUEST, zero_mac, ask[i].ip, bcast_mac);
	}
	net_flush();
	if (next)
		timer_arm(&arp_timer, t, next);
	return PENDING;
}

void arp_init(void)
{
	task_init(&arp_task, "arp", arp_poll, NULL);
	task_spawn(&arp_task, -1);
}

u32 arp_list(struct arp_info *out, u32 max)
{
	u32 n = 0;
	spin_lock(&arp_lock);
	for (u32 i = 0; i < ARP_TABLE && n < max; i++) {
		struct arp_entry *e = &table[i];
		if (e->state == ARP_FREE)
			continue;
		out[n] = (struct arp_info){.ip = e->ip, .ifindex = e->ifindex,
					   .complete = e->state == ARP_REACHABLE};
		memcpy(out[n].mac, e->mac, ETH_ALEN);
		n++;
	}
	spin_unlock(&arp_lock);
	return n;
}
