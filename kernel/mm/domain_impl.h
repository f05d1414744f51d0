/*
 * The domain code's insides, shared by its files and included by nothing
 * else: domain.c (slots, life cycle), tlb.c (shootdowns, PCID loading),
 * region.c (regions, page-table range walks), fault.c (faults), uaccess.c
 * (user access through the page tables) and msgpages.c (message pages).
 *
 * Locking is domain.h's: whatever takes a struct domain and says "caller
 * holds d->lock" reads or changes the region list or the page tables'
 * user half. Frame reference counts are atomic ([a]); a count drops to 0
 * only once no TLB may hold the frame.
 *
 * The helpers here are static inline because they sit on hot paths (the
 * user-copy loops, faults, munmap) that the one-file domain.c inlined
 * them into; the cross-file functions below were out-of-line calls there
 * already.
 */
#pragma once

#include "mm/domain.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "mm/pagetable.h"
#include "mm/vm.h"

static inline unsigned prot_of(u32 flags)
{
	unsigned p = VM_USER;
	if (flags & (REGION_READ | REGION_WRITE | REGION_EXEC))
		p |= VM_READ;
	if ((flags & REGION_WRITE) && !(flags & REGION_RO_LOCK))
		p |= VM_WRITE;
	if (flags & REGION_EXEC)
		p |= VM_EXEC;
	return p;
}

/* One more page mapped; the peak is getrusage's ru_maxrss. Caller holds d->lock. */
static inline void resident_inc(struct domain *d)
{
	if (++d->resident > d->peak)
		__atomic_store_n(&d->peak, d->resident, __ATOMIC_RELAXED);
}

/* ---- regions (region.c) ---- */

/* user_range_ok's test, inlined into every check here (one is in each user copy). */
static inline bool in_user_half(vaddr_t va, u64 len)
{
	return va < USER_TOP && len <= USER_TOP - va;
}

/* The region holding va, or NULL. Caller holds d->lock. */
static inline struct region *find_region(struct domain *d, vaddr_t va)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (va < r->start)
			return NULL;
		if (va < r->end)
			return r;
	}
	return NULL;
}

/*
 * A new region [start, start+len) with flags (and xr, REGION_MSG: its
 * reference goes to the region on success), alone there unless replace:
 * then whatever was there goes. 0, -EINVAL (range_allowed), -EEXIST, -ENOMEM.
 */
int map_region(struct domain *d, vaddr_t start, u64 len, u32 flags, struct xrange *xr,
	       bool replace);
/* Free a region taken off its domain's list (a message's drops its range). */
void region_free(struct region *r);

/* Remove every region and page of [start, end), TLBs shot down. Caller holds d->lock. */
int unmap_locked(struct domain *d, vaddr_t start, vaddr_t end);

/*
 * Call fn on each present last-level entry of [start, end), skipping empty
 * tables. Caller holds d->lock.
 */
typedef void (*pte_fn)(struct domain *d, vaddr_t va, pte_t *pte, void *ctx);
void walk_level(struct domain *d, paddr_t table, int level, vaddr_t base, vaddr_t start,
		vaddr_t end, pte_fn fn, void *ctx);

static inline void walk_range(struct domain *d, vaddr_t start, vaddr_t end, pte_fn fn, void *ctx)
{
	if (end > USER_TOP)
		end = USER_TOP;
	if (start < end)
		walk_level(d, d->root, 3, 0, start, end, fn, ctx);
}

/* ---- faults (fault.c) ---- */

/* domain_fault's work: 0, -EFAULT or -ENOMEM. Caller holds d->lock. */
int fault_locked(struct domain *d, vaddr_t va, u32 access);
/* A fresh zero page at va with a region's flags: 0 or -ENOMEM. Caller holds d->lock. */
int map_zero_page(struct domain *d, vaddr_t va, u32 flags);

/* ---- TLB (tlb.c) ---- */

/*
 * d is going away: every core leaves its root and forgets its PCID tag.
 * Before its frames are freed; d->lock not held.
 */
void domain_tlb_drop(struct domain *d);
