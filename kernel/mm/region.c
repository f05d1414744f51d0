/*
 * A domain's regions: mapping, unmapping, protecting, moving (mremap) and
 * discarding ranges, the mmap search and brk; and the walk over the page
 * tables of a range that they and fork share.
 *
 * Everything here runs under d->lock ([lock] in domain.h): the region list
 * and the page tables' user half change together, and the frames that an
 * unmap drops are freed only after the TLB shootdown for their range.
 */
#include "mm/domain_impl.h"
#include "mm/kheap.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ---- page-table walking over a range, skipping empty tables ---- */

void walk_level(struct domain *d, paddr_t table, int level, vaddr_t base, vaddr_t start,
		vaddr_t end, pte_fn fn, void *ctx)
{
	pte_t *t = phys_to_virt(table);
	int shift = 12 + 9 * level;
	u64 span = 1UL << shift;
	/* Only the entries that overlap [start, end): a one-page walk is four steps. */
	int first = start > base ? (int)((start - base) >> shift) : 0;
	int last = (int)MIN(511UL, (end - 1 - base) >> shift);
	for (int i = first; i <= last; i++) {
		if (i % 8 == 0 && i + 7 <= last && pt_eight_clear(&t[i])) {
			i += 7;
			continue;
		}
		if (!(t[i] & PTE_P))
			continue;
		vaddr_t lo = base + (u64)i * span;
		if (level == 0)
			fn(d, lo, &t[i], ctx);
		else if (!(t[i] & PTE_PS)) /* user memory is never mapped with large pages */
			walk_level(d, t[i] & PTE_ADDR_MASK, level - 1, lo, start, end, fn, ctx);
	}
}

/* ---- regions ---- */

bool user_range_ok(vaddr_t va, u64 len)
{
	return in_user_half(va, len);
}

/* Does every page of [start, end) lie in some region? Caller holds d->lock. */
static bool range_mapped(struct domain *d, vaddr_t start, vaddr_t end)
{
	for (vaddr_t va = start; va < end;) {
		struct region *r = find_region(d, va);
		if (!r)
			return false;
		va = r->end;
	}
	return true;
}

static bool range_free(struct domain *d, vaddr_t start, vaddr_t end)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start < end && start < r->end)
			return false;
	}
	return true;
}

static void insert_region(struct domain *d, struct region *n)
{
	struct list_node *pos = &d->regions;
	struct list_node *it;
	list_for_each(it, &d->regions)
	{
		if (container_of(it, struct region, node)->start > n->start)
			break;
		pos = it;
	}
	list_insert_after(pos, &n->node);
}

void region_free(struct region *r)
{
	if (r->flags & REGION_MSG)
		xrange_put(r->xr); /* after its pages left every TLB: the caller's order */
	kfree(r);
}

/* Split so that `at` is a region boundary (at inside r). */
static int split_region(struct domain *d, struct region *r, vaddr_t at)
{
	if (at <= r->start || at >= r->end)
		return 0;
	struct region *tail = knew(struct region);
	if (!tail)
		return -ENOMEM;
	tail->start = at;
	tail->end = r->end;
	tail->flags = r->flags;
	tail->xr = r->xr;
	if (r->flags & REGION_MSG)
		xrange_get(r->xr); /* each piece holds the range */
	r->end = at;
	list_insert_after(&r->node, &tail->node);
	return 0;
}

/*
 * May d have a region with these flags at [start, end)? Every path that
 * places one asks (mmap, mremap, brk, the loader, messages): a process's
 * memory lies in the private window or its own slot, and the exchange
 * region holds message buffers only, at the addresses exchange.c handed
 * out (invariant 5: one address names one thing).
 */
static bool range_allowed(struct domain *d, vaddr_t start, vaddr_t end, u32 flags)
{
	if (start < USER_PRIVATE_BASE || end <= start || end > USER_TOP)
		return false;
	if (flags & REGION_MSG)
		return start >= USER_EXCHANGE_BASE && end <= USER_EXCHANGE_END;
	if (end <= USER_PRIVATE_END)
		return true; /* the private window */
	return start >= d->slot_base && end <= d->slot_base + SLOT_SIZE;
}

int map_region(struct domain *d, vaddr_t start, u64 len, u32 flags, struct xrange *xr,
		      bool replace)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || len == 0 || !in_user_half(start, len))
		return -EINVAL;
	vaddr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	if (!range_allowed(d, start, end, flags))
		return -EINVAL;
	struct region *r = knew(struct region);
	if (!r)
		return -ENOMEM;
	r->start = start;
	r->end = end;
	r->flags = flags;
	r->xr = xr;
	spin_lock(&d->lock);
	int err = replace ? unmap_locked(d, start, end) : range_free(d, start, end) ? 0 : -EEXIST;
	if (err) {
		spin_unlock(&d->lock);
		kfree(r);
		return err;
	}
	insert_region(d, r);
	spin_unlock(&d->lock);
	return 0;
}

int domain_map(struct domain *d, vaddr_t start, u64 len, u32 flags)
{
	if (flags & REGION_MSG)
		return -EINVAL; /* domain_map_msg: a message needs its range */
	return map_region(d, start, len, flags, NULL, false);
}

int domain_map_fixed(struct domain *d, vaddr_t start, u64 len, u32 flags)
{
	if (flags & REGION_MSG)
		return -EINVAL;
	return map_region(d, start, len, flags, NULL, true);
}

int domain_map_msg(struct domain *d, struct xrange *x)
{
	return map_region(d, xrange_start(x), xrange_len(x), REGION_READ | REGION_WRITE | REGION_MSG,
			  x, false);
}

#define UNMAP_BATCH 64

struct unmap_batch {
	paddr_t frames[UNMAP_BATCH];
	int n;
	vaddr_t lo, hi; /* range whose translations must be flushed first */
};

static inline void batch_flush(struct domain *d, struct unmap_batch *b)
{
	if (b->hi > b->lo)
		domain_tlb_flush(d, b->lo, b->hi);
	for (int i = 0; i < b->n; i++)
		frame_unref(b->frames[i]);
	b->n = 0;
	b->lo = b->hi = 0;
}

static void unmap_one(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	struct unmap_batch *b = ctx;
	paddr_t pa = *pte & PTE_ADDR_MASK;
	*pte = 0;
	d->resident--;
	if (b->n == UNMAP_BATCH)
		batch_flush(d, b);
	if (b->hi == b->lo)
		b->lo = va;
	b->hi = va + PAGE_SIZE;
	b->frames[b->n++] = pa;
}

/* Make start and end region boundaries wherever a region straddles them. */
static int split_at(struct domain *d, vaddr_t start, vaddr_t end)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		/* A tail split off here comes next in the list and is checked too. */
		if (split_region(d, r, start) < 0 || split_region(d, r, end) < 0)
			return -ENOMEM;
	}
	return 0;
}

int unmap_locked(struct domain *d, vaddr_t start, vaddr_t end)
{
	assert(spin_is_locked(&d->lock));
	if (split_at(d, start, end) < 0)
		return -ENOMEM;
	struct unmap_batch b = {0};
	walk_range(d, start, end, unmap_one, &b);
	batch_flush(d, &b);
	/* The regions after their pages: a message's range is free to reuse once they go. */
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start >= start && r->end <= end) {
			list_remove(&r->node);
			region_free(r);
		}
	}
	return 0;
}

int domain_unmap(struct domain *d, vaddr_t start, u64 len)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || len == 0 || !in_user_half(start, len))
		return -EINVAL;
	spin_lock(&d->lock);
	int r = unmap_locked(d, start, start + ALIGN_UP(len, PAGE_SIZE));
	spin_unlock(&d->lock);
	return r;
}

int domain_discard(struct domain *d, vaddr_t start, u64 len)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || !in_user_half(start, len))
		return -EINVAL;
	vaddr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	spin_lock(&d->lock);
	/* Every page must be mapped (Linux: ENOMEM), before anything is dropped. */
	if (!range_mapped(d, start, end)) {
		spin_unlock(&d->lock);
		return -ENOMEM;
	}
	struct list_node *pos;
	/*
	 * Only private anonymous memory comes back as zeros. Shared memory
	 * would lose its other users' frame, an executable's pages would have
	 * to come back from the file (there is no page cache to refill them
	 * from), and messages and write-locked pages are not the caller's to
	 * change: those keep their pages, which advice allows.
	 */
	u32 keep = REGION_SHARED | REGION_IMAGE | REGION_MSG | REGION_RO_LOCK;
	struct unmap_batch b = {0};
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end <= start || r->start >= end || (r->flags & keep))
			continue;
		walk_range(d, MAX(r->start, start), MIN(r->end, end), unmap_one, &b);
	}
	batch_flush(d, &b);
	spin_unlock(&d->lock);
	return 0;
}

struct protect_ctx {
	u32 flags;
};

static void protect_one(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	struct protect_ctx *p = ctx;
	unsigned prot = prot_of(p->flags);
	pte_t e = *pte & ~(PTE_W | PTE_NX | PTE_U);
	/* A copy-on-write page stays read-only: the fault makes the private copy. */
	if ((prot & VM_WRITE) && !(e & PTE_COW))
		e |= PTE_W;
	if (!(prot & VM_EXEC) && cpu_has.nx)
		e |= PTE_NX;
	/* PROT_NONE keeps the frame mapped for the kernel's walk but denies user access. */
	if (prot & VM_READ)
		e |= PTE_U;
	*pte = e;
}

static int protect_locked(struct domain *d, vaddr_t start, vaddr_t end, u32 set, u32 mask)
{
	assert(spin_is_locked(&d->lock));
	if (!range_mapped(d, start, end))
		return -ENOMEM; /* all of it must be mapped, as on Linux */
	if (split_at(d, start, end) < 0)
		return -ENOMEM;
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start < start || r->end > end)
			continue;
		r->flags = (r->flags & ~mask) | set;
		struct protect_ctx p = {r->flags};
		walk_range(d, r->start, r->end, protect_one, &p);
	}
	domain_tlb_flush(d, start, end);
	return 0;
}

int domain_protect(struct domain *d, vaddr_t start, u64 len, u32 prot_flags)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || !in_user_half(start, len))
		return -EINVAL;
	if (len == 0)
		return 0;
	u32 mask = REGION_READ | REGION_WRITE | REGION_EXEC;
	spin_lock(&d->lock);
	int r = protect_locked(d, start, start + ALIGN_UP(len, PAGE_SIZE), prot_flags & mask, mask);
	spin_unlock(&d->lock);
	return r;
}

int domain_write_lock(struct domain *d, vaddr_t start, u64 npages, bool lock)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || npages == 0 || npages > USER_TOP / PAGE_SIZE ||
	    !in_user_half(start, npages * PAGE_SIZE))
		return -EINVAL;
	vaddr_t end = start + npages * PAGE_SIZE;
	spin_lock(&d->lock);
	/* munprotect never makes writable what was not (text stays W^X). */
	for (vaddr_t va = start; !lock && va < end;) {
		struct region *r = find_region(d, va);
		if (!r)
			break; /* protect_locked reports the hole */
		if (!(r->flags & REGION_WRITE)) {
			spin_unlock(&d->lock);
			return -EINVAL;
		}
		va = r->end;
	}
	int r = protect_locked(d, start, end, lock ? REGION_RO_LOCK : 0, REGION_RO_LOCK);
	spin_unlock(&d->lock);
	return r == -ENOMEM ? -EINVAL : r;
}

#define MMAP_AREA_START (4UL << 30) /* offset in the slot */
#define MMAP_AREA_END   (SLOT_SIZE - STACK_SIZE - (1UL << 30))

static vaddr_t find_free_locked(struct domain *d, u64 len);

vaddr_t domain_find_free(struct domain *d, u64 len)
{
	spin_lock(&d->lock);
	vaddr_t va = find_free_locked(d, len);
	spin_unlock(&d->lock);
	return va;
}

/* A free range of len bytes in the slot's mmap area, or 0. Caller holds d->lock. */
static vaddr_t find_free_locked(struct domain *d, u64 len)
{
	assert(spin_is_locked(&d->lock));
	len = ALIGN_UP(len, PAGE_SIZE);
	vaddr_t lo = d->slot_base + MMAP_AREA_START, hi = d->slot_base + MMAP_AREA_END;
	if (len == 0 || len > hi - lo)
		return 0;
	/* Two passes: from the hint, then from the start of the area. */
	for (int pass = 0; pass < 2; pass++) {
		vaddr_t va = pass == 0 ? MAX(d->mmap_hint, lo) : lo;
		struct list_node *pos;
		list_for_each(pos, &d->regions)
		{
			struct region *r = container_of(pos, struct region, node);
			if (r->end <= va)
				continue;
			if (r->start >= va + len)
				break;
			va = r->end;
		}
		if (va + len <= hi) {
			d->mmap_hint = va + len;
			return va;
		}
	}
	return 0;
}

/*
 * Move the pages of [from, from+len) to [to, to+len) within d: frames and
 * page bits go as they are (no copy). All or nothing. Caller holds d->lock.
 */
static int move_pages(struct domain *d, vaddr_t from, vaddr_t to, u64 len)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = vm_walk(d->root, from + off);
		if (!src || !(*src & PTE_P))
			continue;
		pte_t e = *src;
		if (vm_map(d->root, to + off, e & PTE_ADDR_MASK, VM_USER | VM_READ) < 0) {
			/* No table for the new place: put back what moved (their old tables remain). */
			for (u64 o = 0; o < off; o += PAGE_SIZE) {
				pte_t *n = vm_walk(d->root, to + o);
				if (n && (*n & PTE_P)) {
					*vm_walk(d->root, from + o) = *n;
					*n = 0;
				}
			}
			return -ENOMEM;
		}
		*vm_walk(d->root, to + off) = e;
		*src = 0;
	}
	domain_tlb_flush(d, from, from + len);
	return 0;
}

vaddr_t domain_remap(struct domain *d, vaddr_t old, u64 old_len, u64 new_len, bool may_move,
		     vaddr_t fixed)
{
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!IS_ALIGNED(old, PAGE_SIZE) || !new_len || !old_len || !in_user_half(old, old_len) ||
	    (fixed && (!IS_ALIGNED(fixed, PAGE_SIZE) || !in_user_half(fixed, new_len) ||
		       (fixed < old + old_len && old < fixed + new_len))))
		return (vaddr_t)-EINVAL;
	/* The new place must be the caller's: its slot or the private window, never messages. */
	if (fixed && !range_allowed(d, fixed, fixed + new_len, 0))
		return (vaddr_t)-EINVAL;
	spin_lock(&d->lock);
	long err = 0;
	vaddr_t to = old;
	struct region *r = find_region(d, old);
	if (!r || old + old_len > r->end) {
		err = -EFAULT; /* not one mapping */
		goto out;
	}
	if (r->flags & (REGION_MSG | REGION_HEAP)) {
		err = -EINVAL; /* messages and the brk heap stay where they are */
		goto out;
	}
	u32 flags = r->flags;
	if (!fixed && new_len <= old_len) {
		if (new_len < old_len)
			err = unmap_locked(d, old + new_len, old + old_len);
		goto out;
	}
	vaddr_t grow_end = old + new_len;
	if (!fixed && r->end == old + old_len && range_free(d, r->end, grow_end) &&
	    range_allowed(d, r->start, grow_end, flags)) {
		r->end = grow_end; /* room right after it: grow in place */
		goto out;
	}
	if (!may_move) {
		err = -ENOMEM;
		goto out;
	}
	if (fixed && (err = unmap_locked(d, fixed, fixed + new_len)) < 0)
		goto out;
	to = fixed ? fixed : find_free_locked(d, new_len);
	struct region *n = knew(struct region);
	if (!to || !n || split_at(d, old, old + old_len) < 0) {
		kfree(n);
		err = -ENOMEM;
		goto out;
	}
	*n = (struct region){.start = to, .end = to + new_len, .flags = flags};
	u64 moved = MIN(old_len, new_len);
	if ((err = move_pages(d, old, to, moved)) < 0) {
		kfree(n);
		goto out;
	}
	insert_region(d, n);
	/* What did not move (a shrink) goes; the old place is unmapped either way. */
	err = unmap_locked(d, old, old + old_len);
out:
	spin_unlock(&d->lock);
	return err < 0 ? (vaddr_t)err : to;
}

vaddr_t domain_brk(struct domain *d, vaddr_t new_end)
{
	spin_lock(&d->lock);
	vaddr_t cur = d->brk;
	/*
	 * Linux's answer to a break it will not set is the current one. Past
	 * the user half, rounding up to a page would wrap to 0 and "shrink"
	 * the heap over the program itself (brk(-1)).
	 */
	if (new_end < d->brk_start || new_end == cur || new_end > USER_TOP - PAGE_SIZE) {
		spin_unlock(&d->lock);
		return cur;
	}
	vaddr_t old_top = ALIGN_UP(cur, PAGE_SIZE), new_top = ALIGN_UP(new_end, PAGE_SIZE);
	if (new_top > old_top) {
		if (!range_allowed(d, old_top, new_top, REGION_HEAP) ||
		    !range_free(d, old_top, new_top)) {
			spin_unlock(&d->lock);
			return cur;
		}
		struct region *heap = old_top > d->brk_start ? find_region(d, old_top - 1) : NULL;
		if (heap && (heap->flags & REGION_HEAP)) {
			heap->end = new_top;
		} else {
			struct region *r = knew(struct region);
			if (!r) {
				spin_unlock(&d->lock);
				return cur;
			}
			r->start = old_top;
			r->end = new_top;
			r->flags = REGION_READ | REGION_WRITE | REGION_HEAP;
			insert_region(d, r);
		}
	} else if (new_top < old_top) {
		unmap_locked(d, new_top, old_top);
	}
	d->brk = new_end;
	spin_unlock(&d->lock);
	return new_end;
}
