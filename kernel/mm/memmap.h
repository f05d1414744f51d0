/*
 * The usable-RAM map: the loader's memory map made safe (sorted, merged,
 * reserved and overlapping entries subtracted, the kernel image, boot
 * modules and the first 1 MiB removed). Built once at boot; read-only after.
 */
#pragma once

#include "arch/x86_64/bootinfo.h"
#include "lib/types.h"

#define MEMMAP_MAX 128

/*
 * Never handed out: the BIOS data area, EBDA, VGA and option ROMs live
 * here, and the SMP trampoline takes a page below 1 MiB for itself.
 */
#define MEMMAP_LOW_RESERVED (1UL << 20)

/* MAXPHYADDR is at most 52 bits (Intel SDM 3A 4.1.4): anything beyond is bogus. */
#define PHYS_ADDR_LIMIT (1UL << 52)

struct memmap {
	struct mem_range range[MEMMAP_MAX]; /* usable, page-aligned, sorted, disjoint */
	int n;
	paddr_t top; /* end of the highest usable page (0 if none) */
};

/*
 * Build the usable map from raw loader entries, minus the given reserved
 * ranges (kernel image, modules...) and the first MEMMAP_LOW_RESERVED
 * bytes. Any non-usable raw entry wins over a usable one it overlaps,
 * whatever the order. Usable entries of zero size, past PHYS_ADDR_LIMIT or
 * wrapping around are ignored; reserved ones of that kind are clipped (when
 * in doubt, do not use the memory). Pure logic: host-tested.
 */
void memmap_build(struct memmap *out, const struct mem_range *raw, int nraw,
		  const struct mem_range *reserved, int nreserved);

/* Bytes of usable memory in the map. */
u64 memmap_total(const struct memmap *map);
