/*
 * Moving a message's pages between domains without copying them: detach
 * a REGION_MSG region with its frames from the sender, attach them at the
 * same address in the receiver. Also mapping frames the kernel shares
 * with every process (the vDSO), and releasing a message nobody took.
 *
 * Each domain's side runs under its d->lock ([lock] in domain.h). The
 * frames' references travel with the frame array: a detached page is out
 * of the sender's TLBs before the array is handed on.
 */
#include "mm/domain_impl.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

int domain_detach_region(struct domain *d, vaddr_t va, u64 *npages, paddr_t **frames,
			 struct xrange **x)
{
	spin_lock(&d->lock);
	struct region *r = find_region(d, va);
	if (!r || r->start != va || !(r->flags & REGION_MSG)) {
		spin_unlock(&d->lock);
		return -EINVAL;
	}
	u64 n = (r->end - r->start) / PAGE_SIZE;
	paddr_t *f = kzalloc(n * sizeof *f);
	if (!f) {
		spin_unlock(&d->lock);
		return -ENOMEM;
	}
	for (u64 i = 0; i < n; i++) {
		pte_t *pte = vm_walk(d->root, va + i * PAGE_SIZE);
		if (pte && (*pte & PTE_P)) {
			f[i] = *pte & PTE_ADDR_MASK;
			*pte = 0;
			d->resident--;
		}
	}
	vaddr_t end = r->end;
	*x = r->xr; /* its reference goes to the caller */
	r->xr = NULL;
	r->flags &= ~(u32)REGION_MSG; /* so letting go of the region keeps the range */
	region_remove_locked(d, r);
	/* The sender loses access on every core before anyone else may use the frames. */
	domain_tlb_flush(d, va, end);
	domain_unlock(d);
	*npages = n;
	*frames = f;
	return 0;
}

int domain_free_msg(struct domain *d, vaddr_t va)
{
	spin_lock(&d->lock);
	struct region *r = find_region(d, va);
	int err = -EINVAL;
	/* Only the pages it has are visited, not every page of a 1 GiB buffer. */
	if (r && r->start == va && (r->flags & REGION_MSG))
		err = unmap_locked(d, r->start, r->end); /* the range goes with the region */
	spin_unlock(&d->lock);
	return err;
}

int domain_attach_region(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames,
			 struct xrange *x)
{
	/*
	 * A range is never handed out again while any region maps it
	 * (exchange.c), so a buffer already here is this one's copy from a
	 * fork made before the send: the message replaces it.
	 */
	spin_lock(&d->lock);
	struct region *old = find_region(d, va);
	if (old && (old->flags & REGION_MSG) && old->start == va)
		unmap_locked(d, old->start, old->end);
	domain_unlock(d);
	int r = map_region(d, va, npages * PAGE_SIZE, REGION_READ | REGION_WRITE | REGION_MSG, x,
			   false);
	if (r < 0)
		return r;
	spin_lock(&d->lock);
	for (u64 i = 0; i < npages; i++) {
		if (!frames[i])
			continue; /* never touched: demand-zero here too */
		vaddr_t page = va + i * PAGE_SIZE;
		/* A frame still shared with a forked sibling stays copy-on-write. */
		bool shared = frame_refs(frames[i]) > 1;
		unsigned prot = shared ? VM_USER | VM_READ : prot_of(REGION_READ | REGION_WRITE);
		if (vm_map(d->root, page, frames[i], prot) < 0) {
			/* Undo: the caller keeps every frame's reference. */
			for (u64 j = 0; j < i; j++) {
				pte_t *pte = frames[j] ? vm_walk(d->root, va + j * PAGE_SIZE) : NULL;
				if (pte && (*pte & PTE_P)) {
					*pte = 0;
					d->resident--;
				}
			}
			domain_tlb_flush(d, va, va + npages * PAGE_SIZE);
			xrange_get(x); /* the caller keeps its reference; the region drops its own */
			unmap_locked(d, va, va + npages * PAGE_SIZE);
			domain_unlock(d);
			return -ENOMEM;
		}
		if (shared)
			*vm_walk(d->root, page) |= PTE_COW;
		resident_inc(d);
	}
	spin_unlock(&d->lock);
	return 0;
}

int domain_map_frames(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames, u32 flags)
{
	/* The kernel's frames: never writable here (mprotect says EACCES), never moved. */
	flags = (flags & ~REGION_WRITE) | REGION_SPECIAL | REGION_NOWRITE;
	return domain_map_frames_at(d, va, npages, frames, flags, false);
}

int domain_map_frames_at(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames,
			 u32 flags, bool replace)
{
	int r = replace ? domain_map_fixed(d, va, npages * PAGE_SIZE, flags)
			: domain_map(d, va, npages * PAGE_SIZE, flags);
	if (r < 0)
		return r;
	spin_lock(&d->lock);
	for (u64 i = 0; i < npages && r == 0; i++) {
		r = vm_map(d->root, va + i * PAGE_SIZE, frames[i], prot_of(flags));
		if (r == 0) {
			frame_ref(frames[i]);
			resident_inc(d);
		}
	}
	if (r < 0)
		unmap_locked(d, va, va + npages * PAGE_SIZE); /* drops what was mapped */
	domain_unlock(d);
	return r < 0 ? -ENOMEM : 0;
}

void frames_release(const paddr_t *frames, u64 npages)
{
	for (u64 i = 0; i < npages; i++)
		if (frames[i])
			frame_unref(frames[i]);
}
