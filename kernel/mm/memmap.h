/*
 * The usable-RAM map: the loader's memory map made safe (sorted, merged,
 * reserved and overlapping entries subtracted, the kernel image, boot
 * modules and the first 1 MiB removed). Built once at boot; read-only after.
 */
#pragma once

#include "lib/types.h"
#include "arch/x86_64/bootinfo.h"

#define MEMMAP_MAX 128

struct memmap {
	struct mem_range range[MEMMAP_MAX]; /* usable, page-aligned, sorted, disjoint */
	int n;
	paddr_t top; /* end of the highest usable page */
};

/*
 * Build the usable map from raw loader entries, minus the given reserved
 * ranges (kernel image, modules...). Pure logic: host-tested.
 */
void memmap_build(struct memmap *out, const struct mem_range *raw, int nraw,
		  const struct mem_range *reserved, int nreserved);
