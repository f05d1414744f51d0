/*
 * A domain's regions: making and freeing them (with their objects'
 * references), mapping, unmapping, protecting and discarding ranges, the
 * mmap search and brk; and the walk over the page tables of a range that
 * they and fork share. mmap's placement, mremap and the questions asked
 * of mappings are in mapping.c.
 *
 * Everything here runs under d->lock ([lock] in domain.h): the region list
 * and the page tables' user half change together, and the frames that an
 * unmap drops are freed only after the TLB shootdown for their range. A
 * region taken out goes to d->dead; domain_unlock lets go of its object
 * after the lock (a file's last reference may end the file).
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
		if (!t[i] || (level > 0 && !(t[i] & PTE_P)))
			continue;
		vaddr_t lo = base + (u64)i * span;
		if (level == 0)
			fn(d, lo, &t[i], ctx); /* present, or a swap entry */
		else if (!(t[i] & PTE_PS)) /* user memory is never mapped with large pages */
			walk_level(d, t[i] & PTE_ADDR_MASK, level - 1, lo, start, end, fn, ctx);
	}
}

/* ---- regions ---- */

bool user_range_ok(vaddr_t va, u64 len)
{
	return in_user_half(va, len);
}

bool range_mapped(struct domain *d, vaddr_t start, vaddr_t end)
{
	for (vaddr_t va = start; va < end;) {
		struct region *r = find_region(d, va);
		if (!r)
			return false;
		va = r->end;
	}
	return true;
}

bool range_free(struct domain *d, vaddr_t start, vaddr_t end)
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

struct region *region_new(struct domain *d, vaddr_t start, vaddr_t end, u32 flags,
			  struct vmobj *obj, u64 pgoff, struct vmname *name)
{
	struct region *r = knew(struct region);
	if (!r)
		return NULL;
	r->start = start;
	r->end = end;
	r->flags = flags;
	r->obj = obj;
	r->pgoff = pgoff;
	r->dom = d;
	r->name = name ? vmname_get(name) : NULL;
	list_init(&r->objnode);
	if (obj)
		obj->ops->get(obj);
	return r;
}

static bool shared_writable(const struct region *r)
{
	return (r->flags & REGION_SHARED) && !(r->flags & REGION_NOWRITE);
}

static u64 npages(const struct region *r)
{
	return (r->end - r->start) >> PAGE_SHIFT;
}

void region_insert_locked(struct domain *d, struct region *n)
{
	assert(spin_is_locked(&d->lock));
	struct list_node *pos = &d->regions;
	struct list_node *it;
	list_for_each(it, &d->regions)
	{
		if (container_of(it, struct region, node)->start > n->start)
			break;
		pos = it;
	}
	list_insert_after(pos, &n->node);
	if (n->obj) {
		spin_lock(&n->obj->lock);
		list_push_back(&n->obj->maps, &n->objnode);
		if (shared_writable(n))
			n->obj->nshared_w++;
		spin_unlock(&n->obj->lock);
		if (n->flags & REGION_SYSVSHM)
			mm_shm->attach(n->obj);
	}
	if (n->flags & REGION_LOCKED)
		d->locked += npages(n);
}

void region_remove_locked(struct domain *d, struct region *r)
{
	assert(spin_is_locked(&d->lock));
	list_remove(&r->node);
	if (r->obj) {
		spin_lock(&r->obj->lock);
		list_remove(&r->objnode);
		if (shared_writable(r))
			r->obj->nshared_w--;
		spin_unlock(&r->obj->lock);
		if (r->flags & REGION_SYSVSHM)
			mm_shm->detach(r->obj);
	}
	if (r->flags & REGION_LOCKED)
		d->locked -= npages(r);
	list_push_back(&d->dead, &r->node);
}

void region_free(struct region *r)
{
	if (r->flags & REGION_MSG)
		xrange_put(r->xr); /* after its pages left every TLB: domain_unlock frees after the zap */
	if (r->obj)
		r->obj->ops->put(r->obj);
	vmname_put(r->name);
	kfree(r);
}

void domain_unlock(struct domain *d)
{
	assert(spin_is_locked(&d->lock));
	struct list_node dead;
	list_init(&dead);
	while (!list_empty(&d->dead))
		list_push_back(&dead, list_pop_front(&d->dead));
	spin_unlock(&d->lock);
	while (!list_empty(&dead))
		region_free(container_of(list_pop_front(&dead), struct region, node));
}

int split_region(struct domain *d, struct region *r, vaddr_t at)
{
	assert(spin_is_locked(&d->lock));
	if (at <= r->start || at >= r->end)
		return 0;
	struct region *tail =
	    region_new(d, at, r->end, r->flags, r->obj, r->obj ? region_idx(r, at) : 0, r->name);
	if (!tail)
		return -ENOMEM;
	tail->xr = r->xr;
	if (r->flags & REGION_MSG)
		xrange_get(r->xr); /* each piece holds the range */
	/* The locked count follows the pages: r's share out, both halves' back in. */
	if (r->flags & REGION_LOCKED)
		d->locked -= npages(r);
	r->end = at;
	if (r->flags & REGION_LOCKED)
		d->locked += npages(r);
	region_insert_locked(d, tail);
	return 0;
}

/* Can b (right after a) join a: the same kind of mapping of the same thing, continued? */
static bool mergeable(const struct region *a, const struct region *b)
{
	if (a->end != b->start || a->flags != b->flags || a->obj != b->obj ||
	    (a->flags & (REGION_MSG | REGION_SPECIAL | REGION_STACK | REGION_SYSVSHM)))
		return false;
	if (a->obj && b->pgoff != region_idx(a, a->end))
		return false;
	if (a->name != b->name && (!a->name || !b->name || strcmp(a->name->s, b->name->s)))
		return false;
	return true;
}

void merge_locked(struct domain *d, vaddr_t start, vaddr_t end)
{
	assert(spin_is_locked(&d->lock));
	struct list_node *pos = d->regions.next;
	while (pos != &d->regions && pos->next != &d->regions) {
		struct region *a = container_of(pos, struct region, node);
		struct region *b = container_of(pos->next, struct region, node);
		if (b->start > end)
			break;
		if (a->end >= start && mergeable(a, b)) {
			/* b's pages become a's; its references go with it to d->dead. */
			region_remove_locked(d, b);
			a->end = b->end;
			if (a->flags & REGION_LOCKED)
				d->locked += npages(b); /* still locked, now as a's */
			continue;
		}
		pos = pos->next;
	}
}

/*
 * May d have a region with these flags at [start, end)? Every path that
 * places one asks (mmap, mremap, brk, the loader, messages): a process's
 * memory lies in the private window or its own slot, and the exchange
 * region holds message buffers only, at the addresses exchange.c handed
 * out (invariant 5: one address names one thing).
 */
bool range_allowed(struct domain *d, vaddr_t start, vaddr_t end, u32 flags)
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
	struct region *r = region_new(d, start, end, flags, NULL, 0, NULL);
	if (!r)
		return -ENOMEM;
	r->xr = xr; /* the caller's reference to a message's range passes to the region */
	spin_lock(&d->lock);
	int err = replace ? unmap_locked(d, start, end) : range_free(d, start, end) ? 0 : -EEXIST;
	if (err) {
		domain_unlock(d);
		r->flags &= ~(u32)REGION_MSG; /* the range stays the caller's */
		region_free(r);
		return err;
	}
	region_insert_locked(d, r);
	domain_unlock(d);
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

/* ---- dropping pages ---- */

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
	if (pte_is_swap(*pte)) {
		/* Out in swap: only its swap slot goes (no TLB can hold it). */
		u64 entry = pte_swap_entry(*pte);
		*pte = 0;
		d->swapped--;
		mm_swap->free(entry);
		return;
	}
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

void zap_range_locked(struct domain *d, vaddr_t start, vaddr_t end)
{
	assert(spin_is_locked(&d->lock));
	struct unmap_batch b = {0};
	walk_range(d, start, end, unmap_one, &b);
	batch_flush(d, &b);
}

int split_at(struct domain *d, vaddr_t start, vaddr_t end)
{
	assert(spin_is_locked(&d->lock));
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
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start >= start && r->end <= end)
			region_remove_locked(d, r);
	}
	zap_range_locked(d, start, end);
	return 0;
}

int domain_unmap(struct domain *d, vaddr_t start, u64 len)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || len == 0 || !in_user_half(start, len))
		return -EINVAL;
	spin_lock(&d->lock);
	int r = unmap_locked(d, start, start + ALIGN_UP(len, PAGE_SIZE));
	domain_unlock(d);
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
	/* Locked and special mappings refuse it, as on Linux. */
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end > start && r->start < end && (r->flags & (REGION_LOCKED | REGION_SPECIAL))) {
			spin_unlock(&d->lock);
			return -EINVAL;
		}
	}
	/*
	 * Anonymous memory comes back as zeros; an object's pages come back
	 * from the object (a private copy is lost, a shared page stays the
	 * object's). Kept: an executable's own data copied in at exec (no
	 * object to refill it from), messages and write-locked pages, which
	 * are not the caller's to change; advice allows that.
	 */
	struct unmap_batch b = {0};
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end <= start || r->start >= end || (r->flags & (REGION_MSG | REGION_RO_LOCK)) ||
		    ((r->flags & REGION_IMAGE) && !r->obj))
			continue;
		walk_range(d, MAX(r->start, start), MIN(r->end, end), unmap_one, &b);
	}
	batch_flush(d, &b);
	spin_unlock(&d->lock);
	return 0;
}

/* ---- protection ---- */

struct protect_ctx {
	u32 flags;
};

static void protect_one(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	struct protect_ctx *p = ctx;
	if (!(*pte & PTE_P))
		return; /* in swap: it comes back with the region's protection */
	unsigned prot = prot_of(p->flags);
	bool was_w = *pte & PTE_W;
	pte_t e = *pte & ~(PTE_W | PTE_NX | PTE_U);
	/*
	 * A copy-on-write page stays read-only: the fault makes the private
	 * copy. A shared object page becomes writable only by a write fault,
	 * which marks it dirty first (so write-back sees every write); one
	 * writable already may stay so.
	 */
	if ((prot & VM_WRITE) && !(e & PTE_COW) && (!(p->flags & REGION_SHARED) || was_w))
		e |= PTE_W;
	if (!(prot & VM_EXEC) && cpu_has.nx)
		e |= PTE_NX;
	/* PROT_NONE keeps the frame mapped for the kernel's walk but denies user access. */
	if (prot & VM_READ)
		e |= PTE_U;
	else
		__atomic_store_n(&d->hidden_frames, true, __ATOMIC_RELAXED);
	*pte = e;
}

static int protect_locked(struct domain *d, vaddr_t start, vaddr_t end, u32 set, u32 mask)
{
	assert(spin_is_locked(&d->lock));
	if (!range_mapped(d, start, end))
		return -ENOMEM; /* all of it must be mapped, as on Linux */
	/* What a mapping may never become: writable, or executable (Linux: EACCES). */
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end <= start || r->start >= end)
			continue;
		if (((set & REGION_WRITE) && (r->flags & REGION_NOWRITE)) ||
		    ((set & REGION_EXEC) && (r->flags & REGION_NOEXEC)))
			return -EACCES;
	}
	if (split_at(d, start, end) < 0)
		return -ENOMEM;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start < start || r->end > end)
			continue;
		bool sw = shared_writable(r);
		r->flags = (r->flags & ~mask) | set;
		if (r->obj && sw != shared_writable(r)) {
			spin_lock(&r->obj->lock);
			r->obj->nshared_w += shared_writable(r) ? 1 : -1;
			spin_unlock(&r->obj->lock);
		}
		struct protect_ctx p = {r->flags};
		walk_range(d, r->start, r->end, protect_one, &p);
	}
	domain_tlb_flush(d, start, end);
	merge_locked(d, start, end); /* pieces alike again join up (mremap wants one mapping) */
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
	domain_unlock(d);
	return r;
}

int domain_advise(struct domain *d, vaddr_t start, u64 len, u32 pattern)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || !in_user_half(start, len))
		return -EINVAL;
	if (len == 0)
		return 0;
	spin_lock(&d->lock);
	int r = protect_locked(d, start, start + ALIGN_UP(len, PAGE_SIZE), pattern,
			       REGION_SEQUENTIAL | REGION_RANDOM);
	domain_unlock(d);
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
	domain_unlock(d);
	return r == -ENOMEM ? -EINVAL : r;
}

/* ---- the mmap area ---- */

#define MMAP_AREA_START (4UL << 30) /* offset in the slot */
#define MMAP_AREA_END   (SLOT_SIZE - STACK_SIZE - (1UL << 30))

/* Bytes of d's locked regions inside [start, end) (all of them: 0, ~0). */
u64 locked_in_locked(struct domain *d, vaddr_t start, vaddr_t end, bool want_locked)
{
	assert(spin_is_locked(&d->lock));
	u64 n = 0;
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (!!(r->flags & REGION_LOCKED) != want_locked || (r->flags & REGION_STACK))
			continue; /* stacks: see domain_mlock_all */
		vaddr_t s = MAX(r->start, start), e = MIN(r->end, end);
		if (s < e)
			n += e - s;
	}
	return n;
}

u64 domain_locked_bytes(struct domain *d)
{
	spin_lock(&d->lock);
	u64 n = locked_in_locked(d, 0, ~0UL, true);
	spin_unlock(&d->lock);
	return n;
}

u64 domain_vm_size(struct domain *d, u64 *data)
{
	u64 total = 0, priv = 0;
	spin_lock(&d->lock);
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		u64 len = r->end - r->start;
		total += len;
		if ((r->flags & REGION_WRITE) && !(r->flags & (REGION_SHARED | REGION_STACK)))
			priv += len;
	}
	spin_unlock(&d->lock);
	if (data)
		*data = priv;
	return total;
}

vaddr_t domain_find_free(struct domain *d, u64 len)
{
	spin_lock(&d->lock);
	vaddr_t va = find_free_locked(d, len);
	spin_unlock(&d->lock);
	return va;
}

vaddr_t find_free_locked(struct domain *d, u64 len)
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
		if (!range_allowed(d, old_top, new_top, REGION_HEAP) || !range_free(d, old_top, new_top)) {
			spin_unlock(&d->lock);
			return cur;
		}
		struct region *heap = old_top > d->brk_start ? find_region(d, old_top - 1) : NULL;
		if (heap && (heap->flags & REGION_HEAP)) {
			if (heap->flags & REGION_LOCKED)
				d->locked += (new_top - heap->end) >> PAGE_SHIFT;
			heap->end = new_top;
		} else {
			u32 flags = REGION_READ | REGION_WRITE | REGION_HEAP |
				    (d->lock_future ? REGION_LOCKED : 0);
			struct region *r = region_new(d, old_top, new_top, flags, NULL, 0, NULL);
			if (!r) {
				spin_unlock(&d->lock);
				return cur;
			}
			region_insert_locked(d, r);
		}
	} else if (new_top < old_top) {
		unmap_locked(d, new_top, old_top);
	}
	d->brk = new_end;
	domain_unlock(d);
	return new_end;
}
