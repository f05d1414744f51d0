/*
 * Mappings as the memory calls see them: mmap's placement (with an
 * object, MAP_FIXED replacing what is there, MAP_FIXED_NOREPLACE),
 * populating a range, mremap, and what asks about mappings: mincore,
 * mlock and mlockall, msync's walk and futex keys.
 *
 * Everything that looks at regions does it under d->lock ([lock] in
 * domain.h); faulting pages in (populate, mlock) goes through
 * domain_fault, which drops the lock while an object's page is read and
 * may park (invariant 3: the calls that populate run again from the
 * start, and find what they did already done).
 */
#include "mm/domain_impl.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ---- mmap ---- */

vaddr_t domain_mmap(struct domain *d, const struct map_req *q)
{
	u64 len = ALIGN_UP(q->len, PAGE_SIZE);
	if (!len || !in_user_half(q->addr, len))
		return (vaddr_t)-ENOMEM;
	struct region *r = region_new(d, 0, 0, q->flags, q->obj, q->pgoff, q->name);
	if (!r)
		return (vaddr_t)-ENOMEM;
	long err = 0;
	vaddr_t va = 0;
	spin_lock(&d->lock);
	if (d->lock_future)
		r->flags |= REGION_LOCKED;
	if (q->fixed) {
		va = q->addr;
		if (!range_allowed(d, va, va + len, r->flags))
			err = -ENOMEM;
		else if (!range_free(d, va, va + len))
			err = q->noreplace ? -EEXIST : unmap_locked(d, va, va + len);
	} else {
		/* A hint is taken if that range is free; otherwise we choose. */
		va = q->addr;
		if (!va || !IS_ALIGNED(va, PAGE_SIZE) || !range_allowed(d, va, va + len, r->flags) ||
		    !range_free(d, va, va + len))
			va = find_free_locked(d, len);
		if (!va)
			err = -ENOMEM;
	}
	if (!err) {
		r->start = va;
		r->end = va + len;
		region_insert_locked(d, r);
		r = NULL;
	}
	domain_unlock(d);
	if (r)
		region_free(r);
	if (err)
		return (vaddr_t)err;
	/*
	 * MAP_POPULATE and MAP_LOCKED fill what they can without waiting (as
	 * Linux, they never fail the call): pages still to be read from a
	 * disk are started, and fault in later.
	 */
	if (q->populate || d->lock_future)
		populate(d, va, len, REGION_READ, true);
	return va;
}

/*
 * Region by region: gaps, PROT_NONE regions and the rest of a region
 * whose page is refused (past the end of its file, or an access it does
 * not allow: those fault when touched) are passed over whole. So the work
 * is bounded by what can be filled, not by the length asked for: nothing
 * preempts the kernel, and a fuzzer's MADV_WILLNEED over the whole user
 * half once held its core here, page by empty page, for hours.
 */
int populate(struct domain *d, vaddr_t start, u64 len, u32 access, bool nopark)
{
	vaddr_t end = start + len;
	for (vaddr_t va = start; va < end;) {
		spin_lock(&d->lock);
		struct region *reg = region_from(d, va);
		vaddr_t s = reg ? MAX(reg->start, va) : end, e = reg ? MIN(reg->end, end) : end;
		bool none = reg && !(reg->flags & (REGION_READ | REGION_WRITE | REGION_EXEC));
		spin_unlock(&d->lock);
		if (s >= end)
			break;
		va = e;
		for (vaddr_t page = s; page < e && !none; page += PAGE_SIZE) {
			int r = fault_at(d, page, access, nopark);
			if (r == -EAGAIN)
				continue; /* its read is started */
			if (r == -EFAULT || r == -ENXIO || r == -EIO)
				break; /* the same for the rest of the region */
			if (r)
				return r;
		}
	}
	return 0;
}

int domain_populate_range(struct domain *d, vaddr_t start, u64 len, u32 access, bool nopark)
{
	if (!in_user_half(start, len))
		return -EFAULT;
	return populate(d, ALIGN_DOWN(start, PAGE_SIZE),
			ALIGN_UP(start + len, PAGE_SIZE) - ALIGN_DOWN(start, PAGE_SIZE), access, nopark);
}

bool domain_range_mapped(struct domain *d, vaddr_t start, u64 len)
{
	if (!in_user_half(start, len))
		return false;
	spin_lock(&d->lock);
	bool mapped = range_mapped(d, ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(start + len, PAGE_SIZE));
	spin_unlock(&d->lock);
	return mapped;
}

/* ---- mremap ---- */

/*
 * Move the pages of [from, from+len) to [to, to+len) within d: frames and
 * page bits go as they are (no copy). All or nothing. Caller holds d->lock.
 */
static int move_pages(struct domain *d, vaddr_t from, vaddr_t to, u64 len)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = vm_walk(d->root, from + off);
		if (!src || !*src)
			continue;
		pte_t e = *src;
		int level;
		pte_t *dst = pt_walk(d->root, to + off, 1, pt_alloc_page, &level);
		if (!dst || level != 1) {
			/* No table for the new place: put back what moved (their old tables remain). */
			for (u64 o = 0; o < off; o += PAGE_SIZE) {
				pte_t *n = vm_walk(d->root, to + o);
				if (n && *n) {
					*vm_walk(d->root, from + o) = *n;
					*n = 0;
				}
			}
			return -ENOMEM;
		}
		*dst = e;
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
	if (r->flags & (REGION_MSG | REGION_HEAP | REGION_SPECIAL)) {
		err = -EINVAL; /* messages, the brk heap and the vDSO stay where they are */
		goto out;
	}
	if (!fixed && new_len <= old_len) {
		if (new_len < old_len)
			err = unmap_locked(d, old + new_len, old + old_len);
		goto out;
	}
	vaddr_t grow_end = old + new_len;
	if (!fixed && r->end == old + old_len && range_free(d, r->end, grow_end) &&
	    range_allowed(d, r->start, grow_end, r->flags)) {
		/* Room right after it: grow in place (an object's pages past its end fault SIGBUS). */
		if (r->flags & REGION_LOCKED)
			d->locked += (grow_end - r->end) >> PAGE_SHIFT;
		r->end = grow_end;
		goto out;
	}
	if (!may_move) {
		err = -ENOMEM;
		goto out;
	}
	if (fixed && (err = unmap_locked(d, fixed, fixed + new_len)) < 0)
		goto out;
	to = fixed ? fixed : find_free_locked(d, new_len);
	r = find_region(d, old); /* the unmap may have split it */
	struct region *n = to && r ? region_new(d, to, to + new_len, r->flags, r->obj,
					       r->obj ? region_idx(r, old) : 0, r->name)
				   : NULL;
	if (!n || split_at(d, old, old + old_len) < 0) {
		if (n)
			region_free(n);
		err = -ENOMEM;
		goto out;
	}
	u64 moved = MIN(old_len, new_len);
	if ((err = move_pages(d, old, to, moved)) < 0) {
		region_free(n);
		goto out;
	}
	region_insert_locked(d, n);
	/* What did not move (a shrink) goes; the old place is unmapped either way. */
	err = unmap_locked(d, old, old + old_len);
out:
	domain_unlock(d);
	return err < 0 ? (vaddr_t)err : to;
}

/* ---- shmdt ---- */

int domain_shm_detach(struct domain *d, vaddr_t va)
{
	spin_lock(&d->lock);
	struct region *r = find_region(d, va);
	if (!r || r->start != va || !(r->flags & REGION_SYSVSHM) || r->pgoff != 0) {
		spin_unlock(&d->lock);
		return -EINVAL;
	}
	/* The pieces an mprotect split it into, as long as they continue it. */
	struct vmobj *obj = r->obj;
	vaddr_t end = r->end;
	for (struct list_node *pos = r->node.next; pos != &d->regions; pos = pos->next) {
		struct region *n = container_of(pos, struct region, node);
		if (n->obj != obj || !(n->flags & REGION_SYSVSHM) ||
		    n->pgoff != (n->start - va) >> PAGE_SHIFT)
			break;
		end = n->end;
	}
	int err = unmap_locked(d, va, end);
	domain_unlock(d);
	return err;
}

void domain_shm_detach_all(struct domain *d)
{
	spin_lock(&d->lock);
	for (struct list_node *pos = d->regions.next; pos != &d->regions;) {
		struct region *r = container_of(pos, struct region, node);
		pos = pos->next; /* r may go */
		if (r->flags & REGION_SYSVSHM)
			unmap_locked(d, r->start, r->end);
	}
	domain_unlock(d);
}

/* ---- mincore ---- */

int domain_mincore(struct domain *d, vaddr_t start, u64 len, u8 *vec)
{
	vaddr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	spin_lock(&d->lock);
	if (!range_mapped(d, start, end)) {
		spin_unlock(&d->lock);
		return -ENOMEM;
	}
	for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(d->root, va);
		bool in = pte && (*pte & PTE_P);
		if (!in && (!pte || !*pte) && find_region(d, va)->obj) {
			/* Never touched here: an object's page may be in its cache all the same. */
			struct region *r = find_region(d, va);
			in = r->obj->ops->cached(r->obj, region_idx(r, va));
		}
		vec[(va - start) >> PAGE_SHIFT] = in;
	}
	spin_unlock(&d->lock);
	return 0;
}

/* ---- mlock ---- */

/* Set or clear REGION_LOCKED on every region of [start, end). Caller holds d->lock. */
static int set_locked(struct domain *d, vaddr_t start, vaddr_t end, bool lock)
{
	if (split_at(d, start, end) < 0)
		return -ENOMEM;
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start < start || r->end > end || !!(r->flags & REGION_LOCKED) == lock)
			continue;
		u64 n = (r->end - r->start) >> PAGE_SHIFT;
		r->flags ^= REGION_LOCKED;
		d->locked = lock ? d->locked + n : d->locked - n;
	}
	merge_locked(d, start, end);
	return 0;
}

int domain_mlock(struct domain *d, vaddr_t start, vaddr_t end, bool lock, u64 limit, bool onfault)
{
	if (!in_user_half(start, end - start))
		return -ENOMEM;
	if (start == end)
		return 0;
	spin_lock(&d->lock);
	int r = range_mapped(d, start, end) ? 0 : -ENOMEM;
	if (r == 0 && lock) {
		/* RLIMIT_MEMLOCK: what is locked already and what this adds. */
		u64 have = locked_in_locked(d, 0, ~0UL, true);
		u64 more = locked_in_locked(d, start, end, false);
		if (more > limit || have > limit - more)
			r = -ENOMEM;
	}
	spin_unlock(&d->lock);
	if (r)
		return r;
	/* mlock: every page in memory first (parks while pages are read; runs again after). */
	if (lock && !onfault && (r = populate(d, start, end - start, REGION_READ, false)))
		return r;
	spin_lock(&d->lock);
	r = range_mapped(d, start, end) ? set_locked(d, start, end, lock) : -ENOMEM;
	domain_unlock(d);
	return r;
}

int domain_mlock_all(struct domain *d, bool lock, u64 limit, bool onfault)
{
	if (lock) {
		/*
		 * Ferry reserves a thread's whole stack up front (Linux grows it):
		 * stacks do not count against the limit, and are not filled in.
		 */
		u64 total = 0;
		spin_lock(&d->lock);
		struct list_node *pos;
		list_for_each(pos, &d->regions)
		{
			struct region *r = container_of(pos, struct region, node);
			if (!(r->flags & (REGION_STACK | REGION_MSG)))
				total += r->end - r->start;
		}
		spin_unlock(&d->lock);
		if (total > limit)
			return -ENOMEM;
	}
	if (lock && !onfault) {
		/* Every mapping's pages in memory, the user half walked region by region. */
		for (vaddr_t va = 0;;) {
			spin_lock(&d->lock);
			struct region *next = NULL;
			struct list_node *pos;
			list_for_each(pos, &d->regions)
			{
				struct region *r = container_of(pos, struct region, node);
				if (r->end > va && (r->flags & REGION_READ) &&
				    !(r->flags & (REGION_MSG | REGION_STACK))) {
					next = r;
					break;
				}
			}
			vaddr_t s = next ? MAX(next->start, va) : 0, e = next ? next->end : 0;
			spin_unlock(&d->lock);
			if (!next)
				break;
			int r = populate(d, s, e - s, REGION_READ, false);
			if (r)
				return r;
			va = e;
		}
	}
	spin_lock(&d->lock);
	set_locked(d, USER_PRIVATE_BASE, USER_TOP, lock);
	domain_unlock(d);
	return 0;
}

/* ---- msync ---- */

#define MSYNC_BATCH 16

int domain_msync(struct domain *d, vaddr_t start, u64 len,
		 int (*fn)(struct vmobj *obj, u64 first, u64 last, void *arg), void *arg)
{
	vaddr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	struct {
		struct vmobj *obj;
		u64 first, last;
	} todo[MSYNC_BATCH];
	/* A batch of the range's shared object mappings at a time, from va on. */
	for (vaddr_t va = start; va < end;) {
		u32 n = 0;
		spin_lock(&d->lock);
		if (!range_mapped(d, va, end)) {
			spin_unlock(&d->lock);
			return -ENOMEM;
		}
		struct list_node *pos;
		list_for_each(pos, &d->regions)
		{
			struct region *r = container_of(pos, struct region, node);
			if (r->end <= va || r->start >= end)
				continue;
			if (n == MSYNC_BATCH)
				break;
			vaddr_t s = MAX(r->start, va), e = MIN(r->end, end);
			if (r->obj && (r->flags & REGION_SHARED)) {
				r->obj->ops->get(r->obj);
				todo[n].obj = r->obj;
				todo[n].first = region_idx(r, s);
				todo[n].last = region_idx(r, e - PAGE_SIZE);
				n++;
			}
			va = e;
		}
		if (!n)
			va = end;
		spin_unlock(&d->lock);
		int err = 0;
		for (u32 i = 0; i < n; i++) {
			if (!err)
				err = fn(todo[i].obj, todo[i].first, todo[i].last, arg);
			todo[i].obj->ops->put(todo[i].obj);
		}
		if (err)
			return err;
	}
	return 0;
}

/* ---- futex keys ---- */

int domain_futex_key(struct domain *d, vaddr_t uaddr, struct vmobj **obj, u64 *off)
{
	spin_lock(&d->lock);
	struct region *r = find_region(d, uaddr);
	int err = r ? 0 : -EFAULT;
	*obj = NULL;
	if (r && r->obj && (r->flags & REGION_SHARED)) {
		*obj = r->obj;
		*off = (region_idx(r, uaddr) << PAGE_SHIFT) | (uaddr & (PAGE_SIZE - 1));
	}
	spin_unlock(&d->lock);
	return err;
}

/* ---- what /proc/<pid>/smaps counts ---- */

static void usage_one(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	struct region_usage *u = ctx;
	if (!(*pte & PTE_P)) {
		u->swap++;
		return;
	}
	paddr_t pa = *pte & PTE_ADDR_MASK;
	struct frame *f = pa_to_frame(pa);
	/* Sharers: the mappings of the frame; a cache's own reference is not one. */
	u32 refs = f ? frame_refs(pa) : 1;
	u32 sharers = f && f->owner && refs > 1 ? refs - 1 : MAX(refs, 1u);
	bool dirty = *pte & PTE_D;
	u->rss++;
	u->pss_x1000 += 1000 / sharers;
	if (*pte & PTE_A)
		u->referenced++;
	if (!f || !f->owner)
		u->anon++;
	if (sharers > 1)
		dirty ? u->shared_dirty++ : u->shared_clean++;
	else
		dirty ? u->private_dirty++ : u->private_clean++;
}

void region_usage_locked(struct domain *d, struct region *r, struct region_usage *u)
{
	assert(spin_is_locked(&d->lock));
	*u = (struct region_usage){0};
	walk_range(d, r->start, r->end, usage_one, u);
}
