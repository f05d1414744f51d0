/* The radix tree behind the page cache (see pagemap.h). */
#include "mm/pagemap.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* Indices one slot covers at a level (level 0 slots are leaves). */
static inline u64 span(u32 level)
{
	return 1ULL << (PAGEMAP_SHIFT * level);
}

static inline u32 slot_of(u64 idx, u32 level)
{
	return (u32)((idx >> (PAGEMAP_SHIFT * level)) & (PAGEMAP_FANOUT - 1));
}

static u64 *node_new(void)
{
	return kzalloc(PAGEMAP_FANOUT * sizeof(u64));
}

u64 pagemap_get(const struct pagemap *pm, u64 idx)
{
	if (!pm->height || idx >= span(pm->height))
		return 0;
	u64 *node = pm->root;
	for (u32 level = pm->height - 1;; level--) {
		u64 v = node[slot_of(idx, level)];
		if (level == 0 || !v)
			return v;
		node = (u64 *)v;
	}
}

int pagemap_set(struct pagemap *pm, u64 idx, u64 v)
{
	if (!v && (!pm->height || idx >= span(pm->height)))
		return 0; /* clearing what was never there */
	while (!pm->height || idx >= span(pm->height)) {
		if (pm->height == PAGEMAP_MAX_HEIGHT)
			return -EFBIG;
		u64 *top = node_new();
		if (!top)
			return -ENOMEM;
		/* The old tree becomes the first slot of a taller one. */
		top[0] = (u64)pm->root;
		pm->root = top;
		pm->height++;
	}
	u64 *node = pm->root;
	for (u32 level = pm->height - 1; level > 0; level--) {
		u64 *slot = &node[slot_of(idx, level)];
		if (!*slot) {
			if (!v)
				return 0;
			u64 *child = node_new();
			if (!child)
				return -ENOMEM;
			*slot = (u64)child;
		}
		node = (u64 *)*slot;
	}
	node[slot_of(idx, 0)] = v;
	return 0;
}

/* Depth is at most PAGEMAP_MAX_HEIGHT, so recursion is bounded and shallow. */
static u64 next_in(const u64 *node, u32 level, u64 base, u64 from, u64 *idx)
{
	u32 first = from > base ? slot_of(from, level) : 0;
	for (u32 i = first; i < PAGEMAP_FANOUT; i++) {
		u64 v = node[i];
		if (!v)
			continue;
		u64 lo = base + i * span(level);
		if (level == 0) {
			*idx = lo;
			return v;
		}
		u64 r = next_in((const u64 *)v, level - 1, lo, from > lo ? from : lo, idx);
		if (r)
			return r;
	}
	return 0;
}

u64 pagemap_next(const struct pagemap *pm, u64 from, u64 *idx)
{
	if (!pm->height || from >= span(pm->height))
		return 0;
	return next_in(pm->root, pm->height - 1, 0, from, idx);
}

static bool trunc_node(u64 *node, u32 level, u64 base, u64 from,
		       void (*drop)(void *, u64, u64), void *ctx, u64 *n)
{
	bool empty = true;
	for (u32 i = 0; i < PAGEMAP_FANOUT; i++) {
		if (!node[i])
			continue;
		u64 lo = base + i * span(level);
		if (lo + span(level) <= from) {
			empty = false;
			continue;
		}
		if (level == 0) {
			u64 v = node[i];
			node[i] = 0;
			drop(ctx, lo, v);
			(*n)++;
		} else if (trunc_node((u64 *)node[i], level - 1, lo, from, drop, ctx, n)) {
			kfree((void *)node[i]);
			node[i] = 0;
		} else {
			empty = false;
		}
	}
	return empty;
}

u64 pagemap_truncate(struct pagemap *pm, u64 from, void (*drop)(void *ctx, u64 idx, u64 v),
		     void *ctx)
{
	u64 n = 0;
	if (!pm->height)
		return 0;
	if (trunc_node(pm->root, pm->height - 1, 0, from, drop, ctx, &n)) {
		kfree(pm->root);
		pm->root = NULL;
		pm->height = 0;
	}
	return n;
}
