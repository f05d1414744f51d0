/*
 * Physical frame allocator: a binary buddy system over all usable RAM.
 * Its metadata (one struct frame per page frame up to the highest usable
 * address) is sized once at boot from the memory map and placed in RAM the
 * allocator then never hands out: allocating never allocates. Running out
 * returns 0, never panics.
 *
 * Shared by all cores: buddy.lock guards the free lists; frame refcounts
 * are atomics (used by copy-on-write).
 */
#pragma once

#include "lib/types.h"
#include "mm/memmap.h"

#define BUDDY_MAX_ORDER 18 /* largest block: 2^18 pages = 1 GiB */

/* Per-frame metadata, 16 bytes. */
struct frame {
	u32 next, prev;  /* [buddy.lock] free-list links (frame numbers) */
	u8 order;        /* [buddy.lock] order of the free or allocated block at its head */
	u8 flags;        /* FRAME_* */
	u16 slab_class;  /* [kheap] size class of a slab page */
	u32 refcount;    /* [a] mappings of this frame (copy-on-write) */
};

enum {
	FRAME_FREE = 1 << 0,     /* head of a free block */
	FRAME_RESERVED = 1 << 1, /* not RAM, or never handed out */
	FRAME_HEAD = 1 << 2,     /* head of an allocated block */
	FRAME_SLAB = 1 << 3,     /* kheap slab page */
	FRAME_KLARGE = 1 << 4,   /* kheap large allocation */
};

void buddy_init(const struct memmap *map);

/* 2^order contiguous frames, aligned to their size; 0 when out of memory. */
paddr_t page_alloc(unsigned order);
void page_free(paddr_t pa, unsigned order);
/* A zeroed single page mapped in the direct map, or NULL. */
void *page_alloc_zeroed_virt(void);

struct frame *pa_to_frame(paddr_t pa); /* NULL if pa is beyond RAM */
u64 buddy_free_pages(void);
u64 buddy_total_pages(void);
