/*
 * mm_init: the order memory management comes up in, each step relying on
 * the ones before. Boot core only, before any other core runs.
 */
#include "mm/mm.h"
#include "lib/kernel.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/vm.h"

/* Everything the loader put in memory that we must not hand out. */
#define MM_MAX_RESERVED (BOOT_MAX_MODULES + 2)
#define RSDP_MAX_SIZE 36 /* ACPI 2.0+ RSDP (ACPI 6.4, 5.2.5.3) */

struct memmap mm_map;

extern char __boot_start[], __kernel_end[];

static __boot int boot_reserved(struct mem_range *r)
{
	int n = 0;
	/* The whole image, .boot included: boot_pml4 stays valid for the SMP trampoline. */
	paddr_t image = (paddr_t)__boot_start;
	r[n++] =
	    (struct mem_range){image, (paddr_t)__kernel_end - KERNEL_VMA - image, MEM_RESERVED};
	for (int i = 0; i < boot.nmods; i++)
		r[n++] = (struct mem_range){boot.mods[i].base, boot.mods[i].size, MEM_RESERVED};
	/*
	 * Multiboot2 hands the RSDP as a copy inside its own information,
	 * in memory marked usable: keep it until (and after) ACPI reads it.
	 */
	if (boot.rsdp)
		r[n++] = (struct mem_range){boot.rsdp, RSDP_MAX_SIZE, MEM_RESERVED};
	return n;
}

__boot void mm_init(void)
{
	struct mem_range reserved[MM_MAX_RESERVED];
	int nreserved = boot_reserved(reserved);
	memmap_build(&mm_map, boot.mem, boot.nmem, reserved, nreserved);
	if (!mm_map.n)
		panic("mm: the memory map has no usable RAM (%d raw entries)", boot.nmem);
	for (int i = 0; i < mm_map.n; i++)
		pr_info("mm: usable 0x%012lx-0x%012lx (%lu KiB)\n", mm_map.range[i].base,
			mm_map.range[i].base + mm_map.range[i].size - 1,
			mm_map.range[i].size >> 10);

	buddy_init(&mm_map);
	if (!buddy_total_pages())
		panic("mm: no frames for the allocator");
	vm_init(mm_map.top);
	buddy_poison_free(); /* KCHECKS only: the direct map now reaches every page */
	kheap_init();
	pr_info("mm: %lu MiB free of %lu MiB, %lu frames\n",
		(buddy_free_pages() << PAGE_SHIFT) >> 20, memmap_total(&mm_map) >> 20,
		buddy_total_pages());
}
