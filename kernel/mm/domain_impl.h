/*
 * The domain code's insides, shared by its files and included by nothing
 * else: domain.c (slots, life cycle), tlb.c (shootdowns, PCID loading),
 * region.c (regions, page-table range walks), mapping.c (mmap, mremap,
 * and what asks about mappings: mincore, mlock, msync, futex keys),
 * rmap.c (objects' lists of mappings), fault.c (faults), uaccess.c (user
 * access through the page tables) and msgpages.c (message pages).
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

/*
 * A page-table entry that is not present but holds a swap entry: the
 * layer above's number for where the page went (never 0), shifted past
 * the low bits, with PTE_SWAP set. The processor ignores the whole entry.
 */
#define PTE_SWAP (1UL << 10)
static inline bool pte_is_swap(pte_t e)
{
	return !(e & PTE_P) && (e & PTE_SWAP);
}
static inline pte_t swap_pte(u64 entry)
{
	return (entry << PAGE_SHIFT) | PTE_SWAP;
}
static inline u64 pte_swap_entry(pte_t e)
{
	return e >> PAGE_SHIFT;
}
extern const struct mm_swap_ops *mm_swap; /* NULL until the layer above sets it */
extern const struct mm_shm_ops *mm_shm;   /* set before any REGION_SYSVSHM region exists */

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

/* The first region that ends after va (holding it, or above it), or NULL. Caller holds d->lock. */
static inline struct region *region_from(struct domain *d, vaddr_t va)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (va < r->end)
			return r;
	}
	return NULL;
}

/* The region holding va, or NULL. Caller holds d->lock. */
static inline struct region *find_region(struct domain *d, vaddr_t va)
{
	struct region *r = region_from(d, va);
	return r && va >= r->start ? r : NULL;
}

/*
 * A new region [start, start+len) with flags (and xr, REGION_MSG: its
 * reference goes to the region on success), alone there unless replace:
 * then whatever was there goes. 0, -EINVAL (range_allowed), -EEXIST, -ENOMEM.
 */
int map_region(struct domain *d, vaddr_t start, u64 len, u32 flags, struct xrange *xr,
	       bool replace);
/* Remove every region and page of [start, end), TLBs shot down. Caller holds d->lock. */
int unmap_locked(struct domain *d, vaddr_t start, vaddr_t end);

/*
 * A new region (not yet in any list) holding its own references to obj
 * and name; NULL when out of memory. Then into d's list and obj's with
 * region_insert_locked; out of both with region_remove_locked, which
 * leaves it on d->dead for domain_unlock to let go of (a file's last
 * reference may free it, which must not happen under d->lock).
 */
struct region *region_new(struct domain *d, vaddr_t start, vaddr_t end, u32 flags,
			  struct vmobj *obj, u64 pgoff, struct vmname *name);
void region_insert_locked(struct domain *d, struct region *r);
void region_remove_locked(struct domain *d, struct region *r);
/* Free a region never inserted, or taken off d->dead: its references go (a message's, its range). */
void region_free(struct region *r);
/* Release d->lock, then free the regions removed meanwhile. */
void domain_unlock(struct domain *d);
/* Split so that `at` is a region boundary (at inside r). Caller holds d->lock. */
int split_region(struct domain *d, struct region *r, vaddr_t at);
/* Join regions touching [start, end) with neighbours alike (same flags, object, offsets). Caller
 * holds d->lock. */
void merge_locked(struct domain *d, vaddr_t start, vaddr_t end);
/* Make start and end region boundaries wherever a region straddles them. Caller holds d->lock. */
int split_at(struct domain *d, vaddr_t start, vaddr_t end);
/* Does every page of [start, end) lie in some region? Caller holds d->lock. */
bool range_mapped(struct domain *d, vaddr_t start, vaddr_t end);
/* Is no page of [start, end) in a region? Caller holds d->lock. */
bool range_free(struct domain *d, vaddr_t start, vaddr_t end);
/* May d have a region with flags at [start, end) (the private window, its slot; messages: the exchange region)? */
bool range_allowed(struct domain *d, vaddr_t start, vaddr_t end, u32 flags);
/* Bytes of d's regions (locked ones, or not) inside [start, end), stacks left out. Caller holds d->lock. */
u64 locked_in_locked(struct domain *d, vaddr_t start, vaddr_t end, bool want_locked);
/* A free range of len bytes in the slot's mmap area, or 0. Caller holds d->lock. */
vaddr_t find_free_locked(struct domain *d, u64 len);

/* The object page index behind page va of r (which maps an object). */
static inline u64 region_idx(const struct region *r, vaddr_t va)
{
	return r->pgoff + ((va - r->start) >> PAGE_SHIFT);
}

/* Drop the pages of [start, end) from d's tables (frames freed after the shootdown). */
void zap_range_locked(struct domain *d, vaddr_t start, vaddr_t end);

/*
 * Call fn on each used last-level entry of [start, end): present, or a
 * swap entry (fn tells them apart with PTE_P); empty tables are skipped.
 * Caller holds d->lock.
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

/*
 * What a fault needs that the domain's lock cannot wait for: an object's
 * page (read from a disk, perhaps). fault_locked fills it and returns
 * FAULT_NEED; fault_slow fetches with the lock dropped, then maps what it
 * got if nothing changed meanwhile.
 */
#define FAULT_NEED 1
#define FAULT_RETRY 2
struct fault_need {
	struct vmobj *obj; /* referenced while the need is out */
	u64 idx;
	u64 swap;      /* not an object's page: the swap entry the page table holds */
	vaddr_t page;
	u32 access;
	bool shared;   /* the region is a shared mapping */
	unsigned pattern; /* VMO_SEQUENTIAL, VMO_RANDOM: the region's madvise */
	bool mkwrite;  /* the page is mapped read-only already (at `mapped`): make it writable */
	paddr_t mapped;
	paddr_t pa;    /* what the object gave (referenced) */
};
/*
 * domain_fault's work under d->lock: 0, -EFAULT, -ENOMEM, or FAULT_NEED
 * with *need filled (and an object reference in it).
 */
int fault_locked(struct domain *d, vaddr_t va, u32 access, struct fault_need *need);
/*
 * The rest of a FAULT_NEED, called without d->lock: 0 (mapped),
 * FAULT_RETRY (something changed: fault again), -ERESTART_PARK (parked;
 * never with nopark), -EAGAIN (nopark: the read is started), -ENXIO,
 * -EIO, -ENOMEM, -EFAULT. The need's references are let go either way.
 */
int fault_slow(struct domain *d, struct fault_need *need, bool nopark);
/* domain_fault, and with nopark: -EAGAIN (the read started) instead of parking. */
int fault_at(struct domain *d, vaddr_t va, u32 access, bool nopark);
/* Fault in every page of [start, start+len) (page-aligned); PROT_NONE and past-the-end pages are
 * left. */
int populate(struct domain *d, vaddr_t start, u64 len, u32 access, bool nopark);
/* A fresh zero page at va with a region's flags: 0 or -ENOMEM. Caller holds d->lock. */
int map_zero_page(struct domain *d, vaddr_t va, u32 flags);

/* ---- TLB (tlb.c) ---- */

/*
 * d is going away: every core leaves its root and forgets its PCID tag.
 * Before its frames are freed; d->lock not held.
 */
void domain_tlb_drop(struct domain *d);
