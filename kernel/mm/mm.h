/*
 * Bringing up memory management on the boot core: the usable-RAM map,
 * the frame allocator, the kernel page tables, the kernel heap.
 */
#pragma once

#include "mm/memmap.h"

extern struct memmap mm_map; /* [I after mm_init] usable RAM as the allocator got it */

/* Boot core, once, after bootinfo_parse and cpu_features_init. */
void mm_init(void);
