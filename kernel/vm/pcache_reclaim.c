/*
 * The page cache's side of memory pressure (pcache.h): pages of swap-backed
 * caches out to swap and back in for swapoff, reclaim of clean pages from
 * the LRU's cold end, dropping clean pages on request (drop_caches,
 * posix_fadvise's DONTNEED), and the memory tasks' start. The cache and
 * its LRU are pcache.c's; this file takes their locks in the same order
 * (a cache's, then the LRU's; reclaim, starting from the LRU, only
 * trylocks a cache).
 */
#include "vm/pcache.h"
#include "vm/pcache_impl.h"
#include "vm/reclaim.h"
#include "vm/swap.h"
#include "vm/writeback.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define RECLAIM_MIN (256 * PAGE_SIZE) /* one call frees a batch, not a page at a time */
#define RECLAIM_SCAN 8192 /* LRU entries one reclaim call looks at, at most */

/* Is any listed cache still holding an entry match accepts? */
static bool any_matching(bool (*match)(u64, void *), void *arg)
{
	bool found = false;
	spin_lock(&swapped_lock);
	struct list_node *pos;
	list_for_each(pos, &swapped_caches)
	{
		struct pcache *c = container_of(pos, struct pcache, swapped_link);
		spin_lock(&c->lock);
		u64 i = 0, v;
		while (!found && (v = pagemap_next(&c->pages, i, &i))) {
			found = is_swap_value(v) && match(swap_value_entry(v), arg);
			i++;
		}
		spin_unlock(&c->lock);
		if (found)
			break;
	}
	spin_unlock(&swapped_lock);
	return found;
}

/* The list of caches with pages in swap: on it from the first such page. */
static void note_swapped(struct pcache *pc)
{
	spin_lock(&swapped_lock);
	if (list_empty(&pc->swapped_link))
		list_push_back(&swapped_caches, &pc->swapped_link);
	spin_unlock(&swapped_lock);
}

#define SWAPOUT_BATCH 16

u64 pcache_swap_out(u64 max)
{
	struct {
		struct pcache *pc;
		paddr_t pa;
		u64 idx;
	} c[SWAPOUT_BATCH];
	u32 n = 0;
	max = MIN(max, (u64)SWAPOUT_BATCH);
	/* Candidates from the cold end, each referenced (page and owner) under the LRU lock. */
	spin_lock(&lru.lock);
	u64 budget = MIN(lru.n, (u64)1024);
	u32 cur = lru.head;
	while (cur != NIL && budget-- && n < max) {
		paddr_t pa = pfn_pa(cur);
		struct frame *f = F(pa);
		u32 next = f->next;
		struct pcache *pc = f->owner;
		u32 pf = page_flags(pa);
		if ((pc->flags & PC_SWAPBACKED) && frame_refs(pa) == 1 &&
		    !(pf & (PG_LOCKED | PG_WRITEBACK)) &&
		    !__atomic_load_n(&pc->unevictable, __ATOMIC_RELAXED)) {
			if (pf & PG_REFERENCED) {
				clear_flags(pa, PG_REFERENCED); /* a second chance */
			} else if (pc->ops->tryget(pc)) {
				frame_ref(pa);
				c[n++] = (typeof(c[0])){pc, pa, f->index};
			}
		}
		if (next != NIL) {
			lru_del_locked(pa);
			lru_add_locked(pa);
		}
		cur = next;
	}
	spin_unlock(&lru.lock);
	u64 moved = 0;
	for (u32 i = 0; i < n; i++) {
		struct pcache *pc = c[i].pc;
		paddr_t pa = c[i].pa;
		spin_lock(&pc->lock);
		/* Still its page, held by the cache and us alone: out it goes. */
		if (F(pa)->owner == pc && F(pa)->index == c[i].idx && frame_refs(pa) == 2 &&
		    !(page_flags(pa) & (PG_LOCKED | PG_WRITEBACK))) {
			remove_locked(pc, c[i].idx, pa, false);
			u64 entry;
			if (swap_take_page_locked(pc, c[i].idx, pa, &entry) == 0) {
				pagemap_set(&pc->pages, c[i].idx, swap_cache_value(entry)); /* node kept */
				pc->nswapped++;
				moved++;
			} else if (adopt_locked(pc, c[i].idx, pa, PG_UPTODATE) < 0) {
				/* Cannot be: the tree's node is still there. */
				pr_err("pcache: a page lost its place while going to swap\n");
			}
		}
		bool swapped = pc->nswapped;
		spin_unlock(&pc->lock);
		if (swapped)
			note_swapped(pc);
		frame_unref(pa);
		pc->ops->put(pc);
	}
	return moved;
}

int pcache_swapin_all(bool (*match)(u64 entry, void *arg), void *arg)
{
	for (;;) {
		/* One cache at a time, referenced; from the list's start (finished ones leave it). */
		struct pcache *pc = NULL;
		spin_lock(&swapped_lock);
		struct list_node *pos;
		list_for_each(pos, &swapped_caches)
		{
			struct pcache *c = container_of(pos, struct pcache, swapped_link);
			if (c->nswapped && c->ops->tryget(c)) {
				pc = c;
				break;
			}
		}
		spin_unlock(&swapped_lock);
		if (!pc)
			return 0;
		int r = 0;
		for (u64 i = 0; r == 0;) {
			spin_lock(&pc->lock);
			u64 v;
			while ((v = pagemap_next(&pc->pages, i, &i)) && !(is_swap_value(v) && match(swap_value_entry(v), arg)))
				i++;
			bool none = !v;
			spin_unlock(&pc->lock);
			if (none) {
				/* Off the list if nothing of it is out any more (lock order: list, cache). */
				spin_lock(&swapped_lock);
				spin_lock(&pc->lock);
				if (!pc->nswapped) {
					list_remove(&pc->swapped_link);
					list_init(&pc->swapped_link);
				}
				spin_unlock(&pc->lock);
				spin_unlock(&swapped_lock);
				break;
			}
			paddr_t back;
			r = swap_back(pc, i, v, false, &back);
			if (r == 0)
				frame_unref(back);
			if (r == 1)
				r = 0;
		}
		if (!r) {
			/* Pages of other areas keep it listed: move it to the end, past the ones to do. */
			spin_lock(&swapped_lock);
			if (!list_empty(&pc->swapped_link)) {
				list_remove(&pc->swapped_link);
				list_push_back(&swapped_caches, &pc->swapped_link);
			}
			spin_unlock(&swapped_lock);
		}
		pc->ops->put(pc);
		if (r)
			return r;
		/* A cache whose entries are all in other areas stays listed: stop once all are done. */
		if (!any_matching(match, arg))
			return 0;
	}
}

/* ---- reclaim ---- */

/*
 * Free up to `want` bytes of clean pages that only their cache holds,
 * looking at no more than `scan` LRU entries (all of them: ~0). A page
 * used since reclaim last passed goes to the hot end once (a clock's
 * second chance). Never waits; every cache lock is a trylock.
 */
static u64 reclaim_clean(u64 want, u64 scan)
{
	if (!spin_trylock(&lru.lock))
		return 0;
	paddr_t batch[64];
	u32 nb = 0;
	u64 freed = 0;
	u64 budget = MIN(scan, lru.n);
	u32 cur = lru.head;
	while (cur != NIL && budget-- && freed < want && nb < ARRAY_SIZE(batch)) {
		paddr_t pa = pfn_pa(cur);
		struct frame *f = F(pa);
		u32 next = f->next;
		u32 pf = page_flags(pa);
		struct pcache *pc = f->owner;
		bool freeable = !(pf & (PG_DIRTY | PG_WRITEBACK | PG_LOCKED)) &&
				!(pc->flags & PC_SWAPBACKED) && frame_refs(pa) == 1;
		if (pf & PG_REFERENCED) {
			clear_flags(pa, PG_REFERENCED);
			freeable = false;
		}
		if (freeable && spin_trylock(&pc->lock)) {
			/* Checked again under the cache's lock: nothing new can reach it now. */
			if (f->owner == pc && frame_refs(pa) == 1 &&
			    !(page_flags(pa) & (PG_DIRTY | PG_WRITEBACK | PG_LOCKED))) {
				frame_ref(pa); /* ours: freed below, outside the locks */
				remove_locked(pc, f->index, pa, true);
				batch[nb++] = pa;
				freed += PAGE_SIZE;
			}
			spin_unlock(&pc->lock);
		} else if (next != NIL) {
			/* Kept: to the hot end, so the next pass starts with others. */
			lru_del_locked(pa);
			lru_add_locked(pa);
		}
		cur = next;
	}
	spin_unlock(&lru.lock);
	for (u32 i = 0; i < nb; i++)
		frame_unref(batch[i]);
	return freed;
}

u64 pcache_reclaim(u64 want)
{
	u64 freed = 0;
	want = MAX(want, RECLAIM_MIN);
	/*
	 * In batches of what one pass can hold, up to RECLAIM_SCAN entries
	 * (or twice round a short LRU: the first round may only take away
	 * second chances): each call costs a bounded time, and the entries it
	 * passed over go to the hot end, so the next call looks at others.
	 */
	u64 limit = MIN(2 * __atomic_load_n(&lru.n, __ATOMIC_RELAXED) + 256, (u64)RECLAIM_SCAN);
	for (u64 scanned = 0; freed < want && scanned < limit; scanned += 256)
		freed += reclaim_clean(want - freed, 256);
	return freed;
}

u64 pcache_drop_clean(void)
{
	u64 freed = 0, got;
	/* The first pass may only take away second chances. */
	for (int empty = 0; empty < 2; empty = got ? 0 : empty + 1) {
		got = reclaim_clean(~0UL, ~0UL);
		freed += got;
	}
	return freed;
}

#define INVALIDATE_BATCH 64 /* pages looked at per hold of a cache's lock */

u64 pcache_invalidate(struct pcache *pc, u64 first, u64 last)
{
	if ((pc->flags & PC_SWAPBACKED) || !pc->ops)
		return 0;
	last = MIN(last, MAX_INDEX);
	u64 dropped = 0;
	for (u64 from = first; from <= last;) {
		spin_lock(&pc->lock);
		for (u32 n = 0; n < INVALIDATE_BATCH && from <= last; n++) {
			u64 at;
			u64 v = pagemap_next(&pc->pages, from, &at);
			if (!v || at > last) {
				from = last + 1;
				break;
			}
			from = at + 1;
			/* The cache's own reference is the only one: nothing maps, reads or writes it. */
			if (!is_swap_value(v) && frame_refs(v) == 1 &&
			    !(page_flags(v) & (PG_DIRTY | PG_WRITEBACK | PG_LOCKED))) {
				remove_locked(pc, at, v, false);
				dropped++;
			}
		}
		spin_unlock(&pc->lock);
	}
	return dropped;
}

void vm_tasks_init(void)
{
	buddy_add_reclaim(pcache_reclaim);
	swap_init();
	reclaim_init();
	wb_init();
}
