/*
 * The loopback path and the deferred input queue (netif.h).
 *
 * A packet to one of our own addresses is not processed inside the call
 * that sent it: the sender may hold its connection's lock, and the answer
 * (an ACK) would come straight back to it. It waits in `backlog` until
 * the sender, with every lock dropped, calls net_flush. One core drains
 * at a time (`draining`), taking the whole queue at once, so packets are
 * processed in the order they were sent, as on a wire; a core that finds
 * another draining leaves its packets to it, and the drainer looks again
 * before it stops.
 *
 * Locks: backlog_lock guards backlog and draining; nothing nests in it.
 */
#include "net/netif.h"
#include "net/ip.h"
#include "dev/pkb.h"
#include "lib/kernel.h"

#define BACKLOG_MAX 4096 /* packets; past it lo drops, as a full queue would */

static struct spinlock backlog_lock = SPINLOCK_INIT;
static struct list_node backlog = LIST_INIT(backlog); /* [backlog_lock] */
static u32 nbacklog;				       /* [backlog_lock] */
static bool draining;				       /* [backlog_lock] */

void net_defer_input(struct netif *ifp, struct pkb *p)
{
	p->ifindex = ifp->index;
	spin_lock(&backlog_lock);
	if (nbacklog >= BACKLOG_MAX) {
		spin_unlock(&backlog_lock);
		__atomic_add_fetch(&ifp->stats->rx_dropped, 1, __ATOMIC_RELAXED);
		pkb_free(p);
		return;
	}
	list_push_back(&backlog, &p->node);
	nbacklog++;
	spin_unlock(&backlog_lock);
}

void net_flush(void)
{
	if (!__atomic_load_n(&nbacklog, __ATOMIC_RELAXED))
		return;
	for (;;) {
		struct list_node batch;
		spin_lock(&backlog_lock);
		if (draining || list_empty(&backlog)) {
			spin_unlock(&backlog_lock);
			return;
		}
		draining = true;
		/* Take the whole queue. */
		batch.next = backlog.next;
		batch.prev = backlog.prev;
		batch.next->prev = &batch;
		batch.prev->next = &batch;
		list_init(&backlog);
		nbacklog = 0;
		spin_unlock(&backlog_lock);
		while (!list_empty(&batch)) {
			struct pkb *p = container_of(list_pop_front(&batch), struct pkb, node);
			struct netif *ifp = netif_by_index(p->ifindex);
			__atomic_add_fetch(&ifp->stats->rx_packets, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&ifp->stats->rx_bytes, p->len, __ATOMIC_RELAXED);
			ip_input(ifp, p);
		}
		spin_lock(&backlog_lock);
		draining = false;
		spin_unlock(&backlog_lock);
	}
}
