/*
 * Reassembly of IPv4 fragments (RFC 791 section 3.2, RFC 815's holes,
 * RFC 1122 section 3.3.2).
 *
 * A datagram's pieces wait in a queue keyed by (source, destination,
 * protocol, identification), sorted by offset. Memory is bounded three
 * ways: at most FRAG_QUEUES datagrams, FRAG_PIECES_MAX pieces each, and
 * FRAG_MEM_MAX bytes in all (the oldest datagram goes first when a new
 * piece would pass it). A datagram not whole after FRAG_TIMEOUT_NS is
 * dropped by the timer task.
 *
 * Overlaps: a piece that repeats one already held byte for byte (same
 * offset, same length) is a duplicate and dropped; any other overlap
 * drops the whole datagram, as Linux does since the FragmentSmack fixes:
 * a receiver that picked one side's bytes could be fooled by a crafted
 * overlap, and no honest sender makes one.
 *
 * Locks: frag_lock guards every queue.
 */
#include "net/ip.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "sched/task.h"
#include "sched/timer.h"

#define FRAG_QUEUES 64
#define FRAG_PIECES_MAX 64
#define FRAG_MEM_MAX (1u << 20)
#define FRAG_TIMEOUT_NS (30 * 1000000000UL)

struct fragq {
	bool used;		 /* [frag_lock] */
	u32 src, dst;		 /* [frag_lock] */
	u16 id;			 /* [frag_lock] */
	u8 proto;		 /* [frag_lock] */
	u64 expires;		 /* [frag_lock] */
	u32 total;		 /* [frag_lock] payload length, known once the last piece is in */
	u32 have;		 /* [frag_lock] payload bytes held */
	u32 mem;		 /* [frag_lock] truesize of the pieces */
	u32 npieces;		 /* [frag_lock] */
	struct list_node pieces; /* [frag_lock] pkbs from their IP header, by offset */
};

static struct spinlock frag_lock = SPINLOCK_INIT;
static struct fragq queues[FRAG_QUEUES]; /* [frag_lock] */
static u32 frag_mem;			 /* [frag_lock] */
static struct task frag_task;
static struct timer frag_timer;

static u32 piece_off(struct pkb *p)
{
	return (ntohs(((struct iphdr *)p->data)->frag) & IP_OFFMASK) * 8u;
}

static u32 piece_len(struct pkb *p)
{
	struct iphdr *h = (struct iphdr *)p->data;
	return ntohs(h->len) - (h->vhl & 0xf) * 4u;
}

static void drop_locked(struct fragq *q, struct list_node *dead)
{
	while (!list_empty(&q->pieces))
		list_push_back(dead, list_pop_front(&q->pieces));
	frag_mem -= q->mem;
	q->used = false;
	__atomic_add_fetch(&ip_stats.reasm_fails, 1, __ATOMIC_RELAXED);
}

static struct fragq *lookup_locked(struct iphdr *h, u64 now, struct list_node *dead)
{
	struct fragq *free = NULL, *oldest = NULL;
	for (u32 i = 0; i < FRAG_QUEUES; i++) {
		struct fragq *q = &queues[i];
		if (q->used && q->expires <= now)
			drop_locked(q, dead);
		if (!q->used) {
			if (!free)
				free = q;
			continue;
		}
		if (q->src == h->src && q->dst == h->dst && q->id == h->id && q->proto == h->proto)
			return q;
		if (!oldest || q->expires < oldest->expires)
			oldest = q;
	}
	if (!free) {
		drop_locked(oldest, dead); /* a flood of new datagrams pushes out the oldest */
		free = oldest;
	}
	*free = (struct fragq){.used = true, .src = h->src, .dst = h->dst, .id = h->id,
			       .proto = h->proto, .expires = now + FRAG_TIMEOUT_NS};
	list_init(&free->pieces);
	return free;
}

/* The whole datagram from a complete queue: the first piece's header, then every payload. */
static struct pkb *join_locked(struct fragq *q)
{
	struct pkb *first = container_of(q->pieces.next, struct pkb, node);
	struct iphdr *fh = (struct iphdr *)first->data;
	u32 hlen = (fh->vhl & 0xf) * 4u;
	struct pkb *d = pkb_alloc(PKB_HEADROOM, hlen + q->total);
	if (!d)
		return NULL;
	memcpy(d->data, fh, hlen);
	struct list_node *pos;
	list_for_each(pos, &q->pieces)
	{
		struct pkb *p = container_of(pos, struct pkb, node);
		struct iphdr *h = (struct iphdr *)p->data;
		memcpy(d->data + hlen + piece_off(p), p->data + (h->vhl & 0xf) * 4u, piece_len(p));
	}
	struct iphdr *h = (struct iphdr *)d->data;
	h->len = htons((u16)(hlen + q->total));
	h->frag = 0;
	h->csum = 0;
	h->csum = csum_fold(csum_add(0, h, hlen));
	d->flags = first->flags & PKB_BCAST;
	d->ifindex = first->ifindex;
	return d;
}

struct pkb *ip_reassemble(struct pkb *p)
{
	__atomic_add_fetch(&ip_stats.reasm_reqds, 1, __ATOMIC_RELAXED);
	struct iphdr *h = (struct iphdr *)p->data;
	u32 hlen = (h->vhl & 0xf) * 4u;
	bool more = ntohs(h->frag) & IP_MF;
	u32 off = piece_off(p), len = piece_len(p), end = off + len;
	struct list_node dead;
	list_init(&dead);
	struct pkb *whole = NULL;
	/* Every piece but the last carries a multiple of 8 bytes; nothing ends past 64 KiB. */
	if ((more && (len == 0 || len % 8)) || hlen + end > IP_MAXPACKET) {
		__atomic_add_fetch(&ip_stats.reasm_fails, 1, __ATOMIC_RELAXED);
		pkb_free(p);
		return NULL;
	}
	u64 now = tsc_ns();
	bool arm = false;
	spin_lock(&frag_lock);
	struct fragq *q = lookup_locked(h, now, &dead);
	arm = q->npieces == 0;
	if ((!more && q->total && q->total != end) || (q->total && end > q->total) ||
	    q->npieces == FRAG_PIECES_MAX)
		goto drop_all;
	if (!more) {
		/* Nothing held may lie past the end. */
		if (!list_empty(&q->pieces)) {
			struct pkb *last = container_of(q->pieces.prev, struct pkb, node);
			if (piece_off(last) + piece_len(last) > end)
				goto drop_all;
		}
		q->total = end;
	}
	/* Find the place by offset; any overlap but an exact duplicate drops the datagram. */
	struct list_node *pos, *at = &q->pieces;
	list_for_each(pos, &q->pieces)
	{
		struct pkb *o = container_of(pos, struct pkb, node);
		u32 ooff = piece_off(o), oend = ooff + piece_len(o);
		if (ooff == off && oend == end) {
			spin_unlock(&frag_lock);
			pkb_free(p); /* a duplicate */
			pkb_free_list(&dead);
			return NULL;
		}
		if (off < oend && ooff < end)
			goto drop_all;
		if (ooff < off)
			at = pos;
	}
	/* Room: the oldest other datagrams go first. */
	while (frag_mem + p->truesize > FRAG_MEM_MAX) {
		struct fragq *oldest = NULL;
		for (u32 i = 0; i < FRAG_QUEUES; i++)
			if (queues[i].used && &queues[i] != q &&
			    (!oldest || queues[i].expires < oldest->expires))
				oldest = &queues[i];
		if (!oldest)
			goto drop_all;
		drop_locked(oldest, &dead);
	}
	list_insert_after(at, &p->node);
	q->npieces++;
	q->have += len;
	q->mem += p->truesize;
	frag_mem += p->truesize;
	if (q->total && q->have == q->total) {
		whole = join_locked(q);
		if (whole)
			__atomic_add_fetch(&ip_stats.reasm_oks, 1, __ATOMIC_RELAXED);
		drop_locked(q, &dead);
		if (whole)
			__atomic_sub_fetch(&ip_stats.reasm_fails, 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&frag_lock);
	pkb_free_list(&dead);
	if (arm)
		task_wake(&frag_task);
	return whole;
drop_all:
	list_push_back(&dead, &p->node);
	drop_locked(q, &dead);
	spin_unlock(&frag_lock);
	pkb_free_list(&dead);
	return NULL;
}

static enum poll_result frag_poll(struct task *t)
{
	u64 now = tsc_ns(), next = 0;
	struct list_node dead;
	list_init(&dead);
	spin_lock(&frag_lock);
	for (u32 i = 0; i < FRAG_QUEUES; i++) {
		struct fragq *q = &queues[i];
		if (!q->used)
			continue;
		if (q->expires <= now)
			drop_locked(q, &dead);
		else if (!next || q->expires < next)
			next = q->expires;
	}
	spin_unlock(&frag_lock);
	pkb_free_list(&dead);
	if (next)
		timer_arm(&frag_timer, t, next);
	return PENDING;
}

void ip_frag_init(void)
{
	task_init(&frag_task, "ip-frag", frag_poll, NULL);
	task_spawn(&frag_task, -1);
}

u64 ip_frag_bytes(void)
{
	spin_lock(&frag_lock);
	u64 m = frag_mem;
	spin_unlock(&frag_lock);
	return m;
}
