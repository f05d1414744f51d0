/*
 * The page cache's insides, shared by pcache.c (lookup, reads, dirty
 * pages, write-back, truncation, the LRU) and pcache_reclaim.c (swap,
 * reclaim, dropping clean pages); nothing else includes it.
 *
 * The LRU is one list of every cached page, linked through the frames'
 * free-list links (struct frame.next/prev, frame numbers), coldest first.
 * Locks: [lru.lock] for the LRU, taken inside a cache's lock;
 * [swapped_lock] for the list of caches with pages in swap, taken before
 * a cache's lock.
 */
#pragma once

#include "vm/pcache.h"
#include "lib/list.h"
#include "lib/spinlock.h"

#define NIL 0xffffffffu /* no frame: the LRU's ends */
#define MAX_INDEX 0xffffffffULL /* page indices fit struct frame.index */

struct pcache_lru {
	struct spinlock lock;
	u32 head, tail; /* [lock] coldest and hottest frame numbers, NIL when empty */
	u64 n;		/* [lock] */
};
extern struct pcache_lru lru;

/* Memory file systems' and shared memory's caches with pages out in swap (swapoff's list). */
extern struct spinlock swapped_lock;
extern struct list_node swapped_caches; /* [swapped_lock] */

static inline struct frame *F(paddr_t pa)
{
	return pa_to_frame(pa);
}

static inline paddr_t pfn_pa(u32 n)
{
	return (paddr_t)n << PAGE_SHIFT;
}

static inline void clear_flags(paddr_t pa, u32 bits)
{
	__atomic_fetch_and(&F(pa)->pflags, ~bits, __ATOMIC_RELEASE);
}

/* pa to the LRU's hot end, or off it; caller holds lru.lock. */
void lru_add_locked(paddr_t pa);
void lru_del_locked(paddr_t pa);
/*
 * Take page idx (at pa) out of pc and drop the cache's reference. What
 * else holds the page keeps it: a mapping, a reader, I/O in flight.
 * Caller holds pc->lock; the LRU lock too when lru_held.
 */
void remove_locked(struct pcache *pc, u64 idx, paddr_t pa, bool lru_held);
/*
 * Put pa (referenced by the caller, in no cache) back as page idx of pc,
 * with the cache's own reference; its I/O flags stay. 0 or -ENOMEM.
 * Caller holds pc->lock.
 */
int adopt_locked(struct pcache *pc, u64 idx, paddr_t pa, u32 flags);
/*
 * Page idx of the PC_SWAPBACKED cache pc is out in swap (v, its value):
 * read it back and make it pc's page again. 0 with *out referenced;
 * -ERESTART_PARK or -EAGAIN (nopark) while it is read; 1 when pc's page
 * changed meanwhile (look again); -EIO, -ENOMEM.
 */
int swap_back(struct pcache *pc, u64 idx, u64 v, bool nopark, paddr_t *out);
