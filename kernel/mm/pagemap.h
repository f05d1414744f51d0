/*
 * A radix tree of page-sized things by index: 512-slot nodes (one page
 * each) that grow in height as the index does, so sparse files cost
 * nothing for their holes. Leaves hold nonzero u64 values (the page
 * cache: a frame's physical address, or a tagged swap entry); 0 is empty.
 * The owner (a page cache) guards it with its own lock; the tree never
 * locks.
 */
#pragma once

#include "lib/types.h"

#define PAGEMAP_SHIFT 9
#define PAGEMAP_FANOUT (1U << PAGEMAP_SHIFT)
#define PAGEMAP_MAX_HEIGHT 4 /* 2^36 pages: 256 TiB */

struct pagemap {
	u64 *root;  /* NULL when empty */
	u32 height; /* levels of nodes; 0 when empty */
};

u64 pagemap_get(const struct pagemap *pm, u64 idx);
/* 0, -EFBIG past the largest height, or -ENOMEM when a node cannot be allocated. */
int pagemap_set(struct pagemap *pm, u64 idx, u64 v);
/* The first entry at index >= from (its index in *idx), or 0 if there is none. */
u64 pagemap_next(const struct pagemap *pm, u64 from, u64 *idx);
/*
 * Remove every entry at index >= from, handing each to drop(ctx, idx, v);
 * returns how many. Nodes left empty are freed.
 */
u64 pagemap_truncate(struct pagemap *pm, u64 from, void (*drop)(void *ctx, u64 idx, u64 v),
		     void *ctx);
