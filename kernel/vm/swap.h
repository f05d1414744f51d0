/*
 * Swap: areas on disks (a whole disk, or a file on one) in Linux's format
 * (mkswap's header: "SWAPSPACE2", version 1, last_page, bad pages), the
 * slots pages go to, and the swap cache: one page cache per area, its
 * pages indexed by slot, through which every page goes out and comes
 * back (so a page being written is found, not read from the disk, and a
 * page shared copy-on-write by several processes comes back as one).
 *
 * A swap entry (what a page table or a shared-memory cache holds in a
 * page's place) is (area << 32) | slot, never 0. A slot counts the
 * entries that name it; at 0 it is free again (once no write of it is in
 * flight) and its page leaves the swap cache.
 *
 * Invariant: a page in the swap cache is never mapped writable (a
 * mapping of it is copy-on-write); a page read back for a mapping that
 * is its last user leaves the cache and is anonymous memory again.
 *
 * Locks: swap_lock (swap.c) guards the table of areas and turning an
 * anonymous page into a swap cache page; each area's lock its slot
 * counts; its cache's lock (taken before the area's) its pages.
 */
#pragma once

#include "lib/types.h"
#include "vm/pcache.h"

struct blk_dev;

#define SWAP_MAX_AREAS 8

/* What swapon knows of an area before it is added. */
struct swap_geom {
	u64 pages;    /* slots, the header's included (last_page + 1) */
	u32 nbad;     /* bad pages in the header */
	const u32 *bad;
};

/*
 * Check a swap header (its first page, as mkswap writes it) against an
 * area of `avail` pages: 0 with *g filled, or -EINVAL with *why.
 */
int swap_check_header(const u8 *page, u64 avail, struct swap_geom *g, const char **why);

/*
 * Add an area on dev: slot i's page is at disk block blocks[i] (of
 * 1 << bshift bytes: a file's, contiguous within each page; 0: the slot
 * is not used), or, with
 * blocks NULL, at sector i * 8 (a whole disk). The area keeps blocks
 * (kmalloc'd) and calls release(owner) when it goes. prio: higher first
 * (-1: below every area so far). 0, -EBUSY (dev or owner already swapped
 * on), -ENOSPC (too many areas), -ENOMEM.
 */
int swap_add_area(const char *name, struct blk_dev *dev, const struct swap_geom *g, u32 *blocks,
		  u32 bshift, int prio, void *owner, void (*release)(void *owner));
/*
 * swapoff: the area whose owner or disk this is stops taking pages, and
 * every page out in it comes back (processes' and shared memory's); then
 * it goes. 0; -ERESTART_PARK while pages are read back (call again: the
 * work done stays done); -EINVAL if no such area; -ENOMEM if memory
 * cannot hold them (the area stays).
 */
int swap_remove_area(void *owner, struct blk_dev *dev);
/* Is owner (or dev) an active area's? */
bool swap_in_use(void *owner, struct blk_dev *dev);

/* For the page cache: shared memory's pages going out, and coming back. */

/* A swap entry as a page cache stores it in a page's place (never a frame address). */
static inline u64 swap_cache_value(u64 entry)
{
	return (entry << 1) | 1;
}
static inline bool is_swap_value(u64 v)
{
	return v & 1;
}
static inline u64 swap_value_entry(u64 v)
{
	return v >> 1;
}
/*
 * Move pa, page idx of the PC_SWAPBACKED cache pc and held by nothing
 * else, into the swap cache: 0 with *entry (one reference, for pc's
 * slot, which the caller fills with swap_cache_value), -ENOSPC. Caller
 * holds pc->lock.
 */
int swap_take_page_locked(struct pcache *pc, u64 idx, paddr_t pa, u64 *entry);
/*
 * The page for entry, referenced, up to date: 0, -ERESTART_PARK,
 * -EAGAIN (nopark), -ENOENT (no such entry any more), -EIO.
 */
int swap_page(u64 entry, bool nopark, paddr_t *pa);
/* One more reference to entry's slot; one less (0: the slot is free, its page leaves the swap
 * cache). */
void swap_dup(u64 entry);
void swap_free(u64 entry);

/* ---- reclaim ---- */

/* Is there an area to swap to? */
bool swap_active(void);
/* Start writes of the dirty pages in the swap caches; how many were started. */
u64 swap_write_dirty(void);
/* Pages of areas whose writes failed still in memory, not written (they stay so until taken back). */
u64 swap_stranded(void);
/*
 * Take those pages back into the page tables whose entries name them, as a
 * fault would (their slots let go), so the clock can send them to another
 * area; never waits. How many came back. Walks every domain's tables: for
 * reclaim, and not often.
 */
u64 swap_rehome(void);

/* ---- figures ---- */

struct swap_stats {
	u64 total, free, cached; /* pages */
	u64 dirty;		 /* swap cache pages not yet written */
};
void swap_get_stats(struct swap_stats *s);
/* /proc/swaps: Linux's header line and one line per area. Bytes written (cut at len). */
size_t swap_text(char *buf, size_t len);

/* At boot: the hooks mm calls (mm_set_swap_ops). */
void swap_init(void);
