/*
 * Physical frame allocator: a binary buddy system over all usable RAM.
 * Its metadata (one struct frame per page frame up to the highest usable
 * address) is sized once at boot from the memory map and placed in RAM the
 * allocator then never hands out: allocating never allocates. Running out
 * returns 0, never panics.
 *
 * Shared by all cores: buddy.lock guards the free lists and the fields of
 * free frames; frame refcounts are atomics (used by copy-on-write and the
 * page cache).
 *
 * Locks used to protect struct members in this file:
 *  b  buddy.lock
 *  o  the owner of the allocated block (whoever page_alloc returned it to)
 *  k  the kernel heap's size-class lock (slab pages)
 *  a  atomic
 *  p  the page cache that holds the page (vm/pcache.h: its lock)
 *  l  the page cache's LRU lock (vm/pcache.c)
 */
#pragma once

#include "lib/types.h"
#include "mm/memmap.h"

#define BUDDY_MAX_ORDER 18 /* largest block: 2^18 pages = 1 GiB */

/*
 * The boot page tables map physical memory only below 4 GiB, and the
 * allocator's metadata must be written before vm_init replaces them.
 */
#define BUDDY_META_LIMIT (4UL << 30)

/* Free-list links are u32 frame numbers, so at most 2^32 - 1 frames (16 TiB). */
#define BUDDY_MAX_FRAMES 0xffffffffUL

/*
 * Per-frame metadata, 32 bytes. The second half describes a page the page
 * cache holds (vm/pcache.h): which cache, where in it, and its state; the
 * free-list links serve as its LRU links while it is allocated.
 */
struct frame {
	u32 next, prev; /* [b] free-list links (frame numbers) of a free block's head;
			   [l] LRU links of a cached page */
	u8 order;	/* [b] order of the free block at its head; [o] of an allocated one */
	u8 flags;	/* FRAME_*: [b] while free, [o] while allocated */
	u16 slab_class; /* [k] size class of a slab page */
	u32 refcount;	/* [a] holders: mappings, a cache, I/O in flight */
	u32 pflags;	/* [a] PG_* (vm/pcache.h) of a cached page; 0 otherwise */
	u32 index;	/* [p] its page index in that cache (a swap slot in the swap cache) */
	void *owner;	/* [p] the struct pcache holding it, or NULL */
};

enum {
	FRAME_FREE = 1 << 0,	 /* head of a free block */
	FRAME_RESERVED = 1 << 1, /* not RAM, or never handed out */
	FRAME_HEAD = 1 << 2,	 /* head of an allocated block */
	FRAME_SLAB = 1 << 3,	 /* kheap slab page (every page of the slab) */
	FRAME_KLARGE = 1 << 4,	 /* kheap large allocation (its head page) */
};

/*
 * What freed memory holds: a use after free reads it (kfree poisons small
 * objects in every build), and with KCHECKS every free page holds it, so
 * a write to memory after it was freed is caught when the memory is
 * handed out again (page_alloc, kmalloc).
 */
#define MM_POISON 0x6b
#define MM_POISON64 0x6b6b6b6b6b6b6b6bULL

/*
 * KCHECKS: fill every free page with MM_POISON, once the direct map covers
 * all of RAM; from then on page_free poisons and page_alloc checks.
 */
void buddy_poison_free(void);

/*
 * Boot core, once (host tests: once per test). Takes the metadata out of
 * the first usable range below BUDDY_META_LIMIT large enough for it.
 */
void buddy_init(const struct memmap *map);

/*
 * 2^order contiguous frames, aligned to their size; 0 when out of memory
 * (after asking the reclaim hook, if there is one, to give some back).
 */
paddr_t page_alloc(unsigned order);
/*
 * At boot: a cache that can give memory back (the block cache's clean
 * buffers, the page cache's clean pages). Each is called from page_alloc
 * with no buddy lock held, in any context, when memory runs out, until
 * one frees something; returns bytes freed. It must not wait, nor take a
 * lock its callers may hold (use trylock). At most BUDDY_MAX_RECLAIM.
 */
#define BUDDY_MAX_RECLAIM 8
void buddy_add_reclaim(u64 (*reclaim)(u64 want));
/*
 * A page for user memory (a fault's, the page cache's): 0 once free
 * memory is down to the reserve, which only the kernel's own allocations
 * (page_alloc: its heap, page tables, I/O) may use, so that work the
 * kernel started can always finish. The caches are asked first.
 */
paddr_t page_alloc_user(void);
/* Set at boot: the reserve, in pages. */
void buddy_set_reserve(u64 pages);
u64 buddy_reserve_pages(void);
/*
 * Allocations (page_alloc, page_alloc_user) that found no memory, ever:
 * the system-call dispatcher compares it around a call that answers
 * ENOMEM, to tell memory running out from a limit or a bad size.
 */
u64 buddy_alloc_failures(void);
/*
 * Set at boot: fn runs (any context, no buddy lock held) when an
 * allocation leaves fewer than `low` pages free: it wakes reclaim.
 */
void buddy_set_low_hook(u64 low, void (*fn)(void));
/* The same, wholly below limit (boot page tables, devices with short DMA); 0 if none. */
paddr_t page_alloc_below(unsigned order, paddr_t limit);
/*
 * Give back a block from page_alloc with the order it was allocated with.
 * A frame that is free, not a block head, of another order, not RAM, or a
 * kernel-heap page is a kernel bug: panic with what was wrong.
 */
void page_free(paddr_t pa, unsigned order);
/* A zeroed single page mapped in the direct map, or NULL. */
void *page_alloc_zeroed_virt(void);

struct frame *pa_to_frame(paddr_t pa); /* NULL if pa is beyond RAM */

/* ---- reference counts of single frames (mappings, caches, I/O) ---- */

static inline void frame_ref(paddr_t pa)
{
	__atomic_add_fetch(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
}

/*
 * Drop a reference; the last one frees the frame. A mapped frame's
 * reference goes only after every TLB that may hold the mapping was flushed.
 */
static inline void frame_unref(paddr_t pa)
{
	if (__atomic_sub_fetch(&pa_to_frame(pa)->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		page_free(pa, 0);
}

static inline u32 frame_refs(paddr_t pa)
{
	return __atomic_load_n(&pa_to_frame(pa)->refcount, __ATOMIC_ACQUIRE);
}
/* Is the frame at pa part of a free block? (double-free diagnosis) */
bool buddy_frame_is_free(paddr_t pa);
u64 buddy_free_pages(void);
u64 buddy_total_pages(void); /* pages handed to the allocator (metadata excluded) */
u64 buddy_meta_bytes(void);  /* bytes the struct frame array takes */
