/*
 * Giving every process the vDSO: two frames made once at boot (the
 * vdso_data page and the image from mk/vdso.mk), mapped read-only at the
 * end of each new program's slot, above its stack (domain.h), and
 * announced with AT_SYSINFO_EHDR.
 * The frames are immutable after vdso_init and never freed.
 */
#include "vdso/vdso_map.h"
#include "vdso/vdso_data.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "arch/x86_64/rtc.h"

extern const u8 vdso_image[], vdso_image_end[];

static paddr_t frames[2]; /* [I] data page, image page */

/* The image is the slot's last page, the data page below it (domain.h's SLOT_VDSO_SIZE). */
#define VDSO_SLOT_OFFSET (SLOT_SIZE - PAGE_SIZE)
BUILD_ASSERT(SLOT_VDSO_SIZE == 2 * PAGE_SIZE);

/* clock_settime moved the wall clock: the vDSO's copy of the offset follows (one word). */
static void vdso_epoch_changed(u64 epoch)
{
	struct vdso_data *vd = phys_to_virt(frames[0]);
	__atomic_store_n(&vd->epoch_ns, epoch, __ATOMIC_RELAXED);
}

void vdso_init(void)
{
	if ((size_t)(vdso_image_end - vdso_image) > PAGE_SIZE) {
		pr_err("vdso: image larger than a page: programs use system calls\n");
		return;
	}
	for (int i = 0; i < 2; i++) {
		frames[i] = page_alloc(0);
		if (!frames[i]) {
			pr_err("vdso: out of memory: programs use system calls\n");
			frames[0] = 0;
			return;
		}
		memset(phys_to_virt(frames[i]), 0, PAGE_SIZE);
		pa_to_frame(frames[i])->refcount = 1; /* the kernel's own, never dropped */
	}
	struct vdso_data *vd = phys_to_virt(frames[0]);
	u64 base, mult;
	tsc_params(&base, &mult);
	vd->tsc_base = base;
	vd->ns_per_tsc_32 = mult;
	vd->epoch_ns = realtime_epoch_ns();
	vd->ready = 1;
	realtime_set_hook(vdso_epoch_changed);
	memcpy(phys_to_virt(frames[1]), vdso_image, (size_t)(vdso_image_end - vdso_image));
}

vaddr_t vdso_map(struct domain *d)
{
	if (!frames[0])
		return 0;
	vaddr_t image = d->slot_base + VDSO_SLOT_OFFSET;
	if (domain_map_frames(d, image - PAGE_SIZE, 1, &frames[0], REGION_READ) < 0)
		return 0;
	if (domain_map_frames(d, image, 1, &frames[1], REGION_READ | REGION_EXEC) < 0) {
		domain_unmap(d, image - PAGE_SIZE, PAGE_SIZE);
		return 0;
	}
	return image;
}
