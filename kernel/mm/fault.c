/*
 * Page faults on user memory: demand-zero pages, copy-on-write copies,
 * and the pages of objects (mm/vmobj.h), checked against the region's
 * permissions. Also the zero-page helper and the fault that the
 * user-copy loops (uaccess.c) take when a page is missing.
 *
 * Runs under d->lock ([lock] in domain.h), except while an object's page
 * is fetched: fault_locked says what it needs (FAULT_NEED), fault_slow
 * gets it with the lock dropped (the object may read it from a disk, and
 * park the caller: invariant 3), then maps it if the region and the entry
 * are still as they were. A frame shared copy-on-write loses this
 * domain's reference only after the TLB shootdown of its page.
 *
 * What a page table entry of an object's page means: in a private
 * mapping, the object's frame read-only and copy-on-write (a write
 * copies it; the object's frame is never written there); in a shared
 * mapping, the object's frame, writable only once a write fault has
 * marked it dirty (so write-back sees every write: vmobj_wrprotect takes
 * write access away before a page is written back).
 */
#include "mm/domain_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ---- fresh frames ---- */

/* 8 bytes a step: a quarter of the work of memset's byte-wise rep stosb. */
static void page_zero(void *page)
{
	u64 n = PAGE_SIZE / 8;
	asm volatile("rep stosq" : "+D"(page), "+c"(n) : "a"(0UL) : "memory");
}

static void page_copy(void *dst, const void *src)
{
	u64 n = PAGE_SIZE / 8;
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static paddr_t frame_new_zeroed(void)
{
	paddr_t pa = page_alloc_user();
	if (!pa)
		return 0;
	page_zero(phys_to_virt(pa));
	__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
	return pa;
}

/* A private copy of the frame at src, referenced once; 0 when out of memory. */
static paddr_t frame_copy(paddr_t src)
{
	paddr_t pa = page_alloc_user();
	if (!pa)
		return 0;
	page_copy(phys_to_virt(pa), phys_to_virt(src));
	__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
	return pa;
}

/* Does a cache (the layer above's page cache) hold this frame? Such a frame is never written
 * through a private mapping. */
static inline bool cached_frame(paddr_t pa)
{
	return __atomic_load_n(&pa_to_frame(pa)->owner, __ATOMIC_ACQUIRE) != NULL;
}

/* ---- faults ---- */

int map_zero_page(struct domain *d, vaddr_t va, u32 flags)
{
	paddr_t pa = frame_new_zeroed();
	if (!pa)
		return -ENOMEM;
	if (vm_map(d->root, va, pa, prot_of(flags)) < 0) {
		frame_unref(pa);
		return -ENOMEM;
	}
	resident_inc(d);
	return 0;
}

/* May access be made through r? 0, or -EFAULT. */
static int allowed(const struct region *r, u32 access)
{
	if ((access & REGION_WRITE) && (!(r->flags & REGION_WRITE) || (r->flags & REGION_RO_LOCK)))
		return -EFAULT;
	if ((access & REGION_EXEC) && !(r->flags & REGION_EXEC))
		return -EFAULT;
	if (access && !(r->flags & (REGION_READ | REGION_WRITE | REGION_EXEC)))
		return -EFAULT; /* PROT_NONE (access 0: swapoff bringing the page back, not a touch) */
	return 0;
}

static int need_object(struct region *r, vaddr_t page, u32 access, struct fault_need *need)
{
	r->obj->ops->get(r->obj);
	*need = (struct fault_need){.obj = r->obj,
				    .idx = region_idx(r, page),
				    .page = page,
				    .access = access,
				    .shared = r->flags & REGION_SHARED,
				    .pattern = (r->flags & REGION_SEQUENTIAL ? VMO_SEQUENTIAL : 0) |
					       (r->flags & REGION_RANDOM ? VMO_RANDOM : 0)};
	return FAULT_NEED;
}

int fault_locked(struct domain *d, vaddr_t va, u32 access, struct fault_need *need)
{
	assert(spin_is_locked(&d->lock));
	struct region *r = find_region(d, va);
	if (!r)
		return -EFAULT;
	int err = allowed(r, access);
	if (err)
		return err;
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	pte_t *pte = vm_walk(d->root, page);
	if (pte && pte_is_swap(*pte)) {
		/* Out in swap: read back (perhaps from the disk) with the lock let go. */
		*need = (struct fault_need){.swap = pte_swap_entry(*pte), .page = page, .access = access};
		return FAULT_NEED;
	}
	if (!pte || !(*pte & PTE_P))
		return r->obj ? need_object(r, page, access, need) : map_zero_page(d, page, r->flags);
	if (!(*pte & PTE_U)) {
		/* Made accessible again since (mprotect after PROT_NONE). */
		*pte |= PTE_U;
	}
	if ((access & REGION_WRITE) && !(*pte & PTE_W)) {
		paddr_t old = *pte & PTE_ADDR_MASK;
		if (r->obj && (r->flags & REGION_SHARED)) {
			/* The first write to a shared object page: the object dirties it first. */
			int n = need_object(r, page, access, need);
			need->mkwrite = true;
			need->mapped = old;
			return n;
		}
		if ((*pte & PTE_COW) && (frame_refs(old) > 1 || cached_frame(old))) {
			paddr_t copy = frame_copy(old);
			if (!copy)
				return -ENOMEM;
			*pte = (*pte & ~(PTE_ADDR_MASK | PTE_COW)) | copy | PTE_W;
			domain_tlb_flush(d, page, page + PAGE_SIZE);
			frame_unref(old);
			return 0;
		}
		/* Last sharer of a copy-on-write page, or a page made writable since. */
		*pte = (*pte & ~PTE_COW) | PTE_W;
		domain_tlb_flush(d, page, page + PAGE_SIZE);
		return 0;
	}
	/* Already allowed: a stale TLB entry on this core. */
	tlb_flush_page(page);
	return 0;
}

/*
 * Map what fault_slow fetched, if the region still maps the same page of
 * the same object there with the same permission and nothing mapped it
 * meanwhile. 0, FAULT_RETRY, -EFAULT, -ENOMEM. Caller holds d->lock.
 */
static int install_locked(struct domain *d, struct fault_need *need)
{
	assert(spin_is_locked(&d->lock));
	struct region *r = find_region(d, need->page);
	if (!r || r->obj != need->obj || region_idx(r, need->page) != need->idx)
		return FAULT_RETRY;
	int err = allowed(r, need->access);
	if (err)
		return err;
	struct vmobj *o = need->obj;
	if (!o->ops->holds(o, need->idx, need->pa))
		return FAULT_RETRY; /* truncated or replaced meanwhile */
	pte_t *pte = vm_walk(d->root, need->page);
	bool present = pte && (*pte & PTE_P);
	bool write = need->access & REGION_WRITE;
	bool shared = r->flags & REGION_SHARED;
	if (need->mkwrite) {
		if (!present || (*pte & PTE_ADDR_MASK) != need->mapped || need->mapped != need->pa)
			return FAULT_RETRY;
		*pte |= PTE_W | PTE_U;
		domain_tlb_flush(d, need->page, need->page + PAGE_SIZE);
		return 0;
	}
	if (present)
		return 0; /* another thread mapped it meanwhile */
	paddr_t pa = need->pa;
	unsigned prot = prot_of(r->flags);
	if (write && !shared) {
		/* A write through a private mapping: the caller's own copy at once. */
		pa = frame_copy(need->pa);
		if (!pa)
			return -ENOMEM;
	} else {
		frame_ref(pa); /* the mapping's own; the need's goes in fault_slow */
		if (!write)
			prot &= ~VM_WRITE; /* read-only until a write fault (copy or dirty) */
	}
	if (vm_map(d->root, need->page, pa, prot) < 0) {
		frame_unref(pa);
		return -ENOMEM;
	}
	if (!shared && pa == need->pa)
		*vm_walk(d->root, need->page) |= PTE_COW;
	resident_inc(d);
	return 0;
}

/*
 * Map the page read back from swap for the entry the table still holds.
 * The entry's slot is let go; the page is writable only if nothing else
 * holds it (the swap cache, another mapping): else copy-on-write, as
 * after a fork. 0, FAULT_RETRY, -EFAULT. Caller holds d->lock.
 */
static int install_swap_locked(struct domain *d, struct fault_need *need)
{
	assert(spin_is_locked(&d->lock));
	struct region *r = find_region(d, need->page);
	pte_t *pte = r ? vm_walk(d->root, need->page) : NULL;
	if (!pte || *pte != swap_pte(need->swap))
		return FAULT_RETRY; /* brought back by another thread, or unmapped */
	int err = allowed(r, need->access);
	if (err)
		return err;
	frame_ref(need->pa); /* the mapping's own; the need's goes in fault_slow */
	*pte = 0;
	if (vm_map(d->root, need->page, need->pa, prot_of(r->flags)) < 0) {
		*pte = swap_pte(need->swap);
		frame_unref(need->pa);
		return -ENOMEM;
	}
	d->swapped--;
	resident_inc(d);
	mm_swap->free(need->swap);
	pte = vm_walk(d->root, need->page);
	*pte |= PTE_A; /* just wanted: the reclaim clock's hand passes it by once */
	/* The need's reference still counts: exclusive means this mapping's and the need's alone. */
	if (!mm_swap->exclusive(need->pa))
		*pte = (*pte & ~PTE_W) | PTE_COW;
	if (!(r->flags & (REGION_READ | REGION_WRITE | REGION_EXEC))) {
		*pte &= ~PTE_U; /* PROT_NONE, as mprotect leaves it */
		__atomic_store_n(&d->hidden_frames, true, __ATOMIC_RELAXED);
	}
	return 0;
}

int fault_slow(struct domain *d, struct fault_need *need, bool nopark)
{
	if (!need->obj) {
		int r = mm_swap->page(need->swap, nopark, &need->pa);
		if (r == -ENOENT)
			return FAULT_RETRY; /* brought back and let go by another thread meanwhile */
		if (r)
			return r;
		spin_lock(&d->lock);
		r = install_swap_locked(d, need);
		spin_unlock(&d->lock);
		frame_unref(need->pa);
		return r;
	}
	struct vmobj *o = need->obj;
	bool dirty = need->mkwrite || ((need->access & REGION_WRITE) && need->shared);
	unsigned flags = (nopark ? VMO_NOPARK : 0) | (dirty ? VMO_WRITE : 0) | need->pattern;
	int r = o->ops->page(o, need->idx, flags, &need->pa);
	if (r == 0) {
		spin_lock(&d->lock);
		r = install_locked(d, need);
		domain_unlock(d);
		frame_unref(need->pa);
	}
	o->ops->put(o);
	return r;
}

int fault_at(struct domain *d, vaddr_t va, u32 access, bool nopark)
{
	if (va >= USER_TOP)
		return -EFAULT;
	/* Something changed under a fetch (truncated, remapped): look again; a loop is a bug. */
	for (int tries = 0; tries < 64; tries++) {
		struct fault_need need;
		spin_lock(&d->lock);
		int r = fault_locked(d, va, access, &need);
		spin_unlock(&d->lock);
		if (r == -ENOMEM && mm_swap && !nopark)
			return mm_swap->wait_memory(); /* parks until reclaim frees some */
		if (r != FAULT_NEED)
			return r;
		r = fault_slow(d, &need, nopark);
		if (r == -ENOMEM && mm_swap && !nopark)
			return mm_swap->wait_memory(); /* parks until reclaim frees some */
		if (r != FAULT_RETRY)
			return r;
	}
	return -EFAULT;
}

int domain_fault(struct domain *d, vaddr_t va, u32 access)
{
	return fault_at(d, va, access, false);
}
