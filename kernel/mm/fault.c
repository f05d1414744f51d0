/*
 * Page faults on user memory: demand-zero pages and copy-on-write copies,
 * checked against the region's permissions. Also the zero-page helper
 * fork uses to fill shared regions, and the fault that the user-copy loops
 * (uaccess.c) take when a page is missing.
 *
 * Runs under d->lock ([lock] in domain.h). A frame shared copy-on-write
 * loses this domain's reference only after the TLB shootdown of its page.
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
	paddr_t pa = page_alloc(0);
	if (!pa)
		return 0;
	page_zero(phys_to_virt(pa));
	__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
	return pa;
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

int fault_locked(struct domain *d, vaddr_t va, u32 access)
{
	assert(spin_is_locked(&d->lock));
	struct region *r = find_region(d, va);
	if (!r)
		return -EFAULT;
	if ((access & REGION_WRITE) && (!(r->flags & REGION_WRITE) || (r->flags & REGION_RO_LOCK)))
		return -EFAULT;
	if ((access & REGION_EXEC) && !(r->flags & REGION_EXEC))
		return -EFAULT;
	if (!(r->flags & (REGION_READ | REGION_WRITE | REGION_EXEC)))
		return -EFAULT; /* PROT_NONE */
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	pte_t *pte = vm_walk(d->root, page);
	if (!pte || !(*pte & PTE_P))
		return map_zero_page(d, page, r->flags);
	if (!(*pte & PTE_U)) {
		/* Made accessible again since (mprotect after PROT_NONE). */
		*pte |= PTE_U;
	}
	if ((access & REGION_WRITE) && !(*pte & PTE_W)) {
		paddr_t old = *pte & PTE_ADDR_MASK;
		if ((*pte & PTE_COW) && frame_refs(old) > 1) {
			paddr_t copy = page_alloc(0);
			if (!copy)
				return -ENOMEM;
			page_copy(phys_to_virt(copy), phys_to_virt(old));
			__atomic_store_n(&pa_to_frame(copy)->refcount, 1, __ATOMIC_RELAXED);
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

int domain_fault(struct domain *d, vaddr_t va, u32 access)
{
	if (va >= USER_TOP)
		return -EFAULT;
	spin_lock(&d->lock);
	int r = fault_locked(d, va, access);
	spin_unlock(&d->lock);
	return r;
}
