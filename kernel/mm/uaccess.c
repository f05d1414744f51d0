/*
 * User access through the page tables: copies to and from a domain,
 * strings, zeroing, and filling a domain that exec is building. A copy to
 * or from the domain loaded on this core goes first through the hardware
 * (arch/x86_64/usercopy.h); the rest, and a copy that faulted there, go
 * through d's tables to the frame's kernel address, faulting the page in
 * (fault.c) when it is missing or read-only, so it works on any domain,
 * loaded on this core or not.
 *
 * Each walk holds d->lock ([lock] in domain.h) while it copies, so no
 * unmap or shootdown frees a frame under it; it lets go only to fetch an
 * object's page (a mapped file's), which may park the calling thread
 * until the page is read: the copy then says -ERESTART_PARK, which its
 * caller passes up so that the call runs again (invariant 3).
 */
#include "mm/domain_impl.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/usercopy.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/*
 * The frame backing va, faulting it in for the access; caller holds
 * d->lock. Inlined: it is most of the work of a short copy.
 */
static inline __attribute__((always_inline)) int user_page(struct domain *d, vaddr_t va,
							   bool write, paddr_t *pa)
{
	for (int tries = 0; tries < 3; tries++) {
		pte_t *pte = vm_walk(d->root, ALIGN_DOWN(va, PAGE_SIZE));
		if (pte && (*pte & PTE_P) && (*pte & PTE_U) && (!write || (*pte & PTE_W))) {
			*pa = (*pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
			return 0;
		}
		struct fault_need need;
		int r = fault_locked(d, va, write ? REGION_WRITE : REGION_READ, &need);
		if (r == FAULT_NEED) {
			/* An object's page, or one in swap: fetched with the lock let go, then look again. */
			spin_unlock(&d->lock);
			r = fault_slow(d, &need, false);
			spin_lock(&d->lock);
			if (r == FAULT_RETRY)
				r = 0;
		}
		if (r == -ENOMEM && mm_swap) {
			/* No frame: wait for reclaim (parked), then the call runs again. */
			spin_unlock(&d->lock);
			r = mm_swap->wait_memory();
			spin_lock(&d->lock);
		}
		if (r == -ERESTART_PARK)
			return r;
		if (r < 0)
			return r == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	return -EFAULT;
}

/* The walk through d's tables, for a domain not loaded here or a copy that faulted. */
static __attribute__((noinline)) int copy_user_walk(struct domain *d, vaddr_t uva, void *kbuf,
						     size_t len, bool to_user)
{
	spin_lock(&d->lock);
	while (len) {
		paddr_t pa;
		int r = user_page(d, uva, to_user, &pa);
		if (r < 0) {
			spin_unlock(&d->lock);
			return r;
		}
		size_t chunk = MIN(len, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
		if (to_user)
			memcpy(phys_to_virt(pa), kbuf, chunk);
		else
			memcpy(kbuf, phys_to_virt(pa), chunk);
		uva += chunk;
		kbuf = (u8 *)kbuf + chunk;
		len -= chunk;
	}
	spin_unlock(&d->lock);
	return 0;
}

static inline __attribute__((always_inline)) int copy_user(struct domain *d, vaddr_t uva,
							   void *kbuf, size_t len, bool to_user)
{
	if (!in_user_half(uva, len))
		return -EFAULT;
	/*
	 * The caller's own memory, most often: the hardware walks the tables
	 * the core has loaded (arch/x86_64/usercopy.h). A fault there (a page
	 * to fetch, copy-on-write, or none) leaves it to the walk, which
	 * copies the whole range again. Not in a domain with PROT_NONE pages
	 * that keep their frames: they lack PTE_U, which only the walk checks
	 * (SMAP stops supervisor access to user pages, not to others).
	 */
	if (likely(domain_loaded_here(d) && !__atomic_load_n(&d->hidden_frames, __ATOMIC_RELAXED))) {
		assert(!irqs_enabled()); /* no shootdown is answered, so no frame freed, meanwhile */
		void *u = (void *)uva;
		if (likely(!(to_user ? usercopy(u, kbuf, len) : usercopy(kbuf, u, len))))
			return 0;
	}
	return copy_user_walk(d, uva, kbuf, len, to_user);
}

/*
 * The page of va in a domain being built: mapped with its region's
 * permissions, a fresh frame zeroed only outside [va, va + len), which
 * the caller is about to write. Caller holds d->lock.
 */
static void *fill_page(struct domain *d, vaddr_t va, size_t len, int *err)
{
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	struct region *r = find_region(d, va);
	if (!r || r->obj) {
		/* An object's page (a file's cache) is never written here, whatever maps it. */
		*err = -EFAULT;
		return NULL;
	}
	pte_t *pte = vm_walk(d->root, page);
	if (pte && (*pte & PTE_P))
		return (u8 *)phys_to_virt(*pte & PTE_ADDR_MASK) + (va - page);
	paddr_t pa = page_alloc_user();
	if (!pa || vm_map(d->root, page, pa, prot_of(r->flags)) < 0) {
		if (pa)
			page_free(pa, 0);
		*err = -ENOMEM;
		return NULL;
	}
	__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
	resident_inc(d);
	u8 *kva = phys_to_virt(pa);
	memset(kva, 0, va - page);
	memset(kva + (va - page) + len, 0, PAGE_SIZE - (va - page) - len);
	return kva + (va - page);
}

void *domain_fill(struct domain *d, vaddr_t va, size_t len, int *err)
{
	assert(len <= PAGE_SIZE - (va & (PAGE_SIZE - 1)));
	if (!in_user_half(va, len)) {
		*err = -EFAULT;
		return NULL;
	}
	spin_lock(&d->lock);
	void *kva = fill_page(d, va, len, err);
	spin_unlock(&d->lock);
	return kva;
}

int domain_populate(struct domain *d, vaddr_t va, const void *src, size_t len)
{
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		int err;
		void *dst = domain_fill(d, va, chunk, &err);
		if (!dst)
			return err;
		memcpy(dst, src, chunk);
		va += chunk;
		src = (const u8 *)src + chunk;
		len -= chunk;
	}
	return 0;
}

int domain_map_frame(struct domain *d, vaddr_t va, paddr_t pa)
{
	if ((va & (PAGE_SIZE - 1)) || !in_user_half(va, PAGE_SIZE))
		return -EFAULT;
	spin_lock(&d->lock);
	struct region *r = find_region(d, va);
	pte_t *pte = r ? vm_walk(d->root, va) : NULL;
	int e = !r ? -EFAULT : pte && (*pte & PTE_P) ? -EEXIST : 0;
	if (!e && vm_map(d->root, va, pa, prot_of(r->flags & ~REGION_WRITE)) < 0)
		e = -ENOMEM;
	if (!e) {
		/* A write (after mprotect) copies it first: the file's frame is never written here. */
		*vm_walk(d->root, va) |= PTE_COW;
		resident_inc(d);
	}
	spin_unlock(&d->lock);
	if (e)
		frame_unref(pa); /* never mapped here: no TLB holds it */
	return e;
}

int copy_to_domain(struct domain *d, vaddr_t dst, const void *src, size_t len)
{
	return copy_user(d, dst, (void *)src, len, true);
}

int copy_from_domain(struct domain *d, void *dst, vaddr_t src, size_t len)
{
	return copy_user(d, src, dst, len, false);
}

int domain_cmpxchg_u32(struct domain *d, vaddr_t uva, u32 expect, u32 new, u32 *old)
{
	if ((uva & 3) || !in_user_half(uva, sizeof(u32)))
		return -EFAULT;
	spin_lock(&d->lock);
	paddr_t pa;
	int r = user_page(d, uva, true, &pa);
	if (r == 0)
		*old = __sync_val_compare_and_swap((u32 *)phys_to_virt(pa), expect, new);
	spin_unlock(&d->lock);
	return r;
}

int clear_domain(struct domain *d, vaddr_t dst, size_t len)
{
	if (!in_user_half(dst, len))
		return -EFAULT;
	spin_lock(&d->lock);
	while (len) {
		paddr_t pa;
		int r = user_page(d, dst, true, &pa);
		if (r < 0) {
			spin_unlock(&d->lock);
			return r;
		}
		size_t chunk = MIN(len, PAGE_SIZE - (dst & (PAGE_SIZE - 1)));
		memset(phys_to_virt(pa), 0, chunk);
		dst += chunk;
		len -= chunk;
	}
	spin_unlock(&d->lock);
	return 0;
}

long strncpy_from_domain(struct domain *d, char *dst, vaddr_t src, size_t max)
{
	size_t n = 0;
	spin_lock(&d->lock);
	while (n < max) {
		paddr_t pa;
		int r = src + n >= USER_TOP ? -EFAULT : user_page(d, src + n, false, &pa);
		if (r < 0) {
			spin_unlock(&d->lock);
			return r == -ERESTART_PARK ? r : -EFAULT;
		}
		const char *p = phys_to_virt(pa);
		size_t chunk = MIN(max - n, PAGE_SIZE - ((src + n) & (PAGE_SIZE - 1)));
		for (size_t i = 0; i < chunk; i++) {
			dst[n] = p[i];
			if (!p[i]) {
				spin_unlock(&d->lock);
				return (long)n;
			}
			n++;
		}
	}
	spin_unlock(&d->lock);
	return -ENAMETOOLONG;
}
