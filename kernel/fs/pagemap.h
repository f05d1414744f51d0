/*
 * A file's pages by index: a radix tree of 512-slot nodes (one page each)
 * that grows in height as the file does, so sparse files cost nothing for
 * their holes. Leaves hold physical page addresses (0: a hole). The owner
 * (an inode) guards it with its own lock; the tree never locks.
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

paddr_t pagemap_get(const struct pagemap *pm, u64 idx);
/* 0, -EFBIG past the largest height, or -ENOMEM when a node cannot be allocated. */
int pagemap_set(struct pagemap *pm, u64 idx, paddr_t pa);
/* Remove every page at index >= from, handing it to drop; returns how many. Empty nodes are freed. */
u64 pagemap_truncate(struct pagemap *pm, u64 from, void (*drop)(paddr_t pa));
