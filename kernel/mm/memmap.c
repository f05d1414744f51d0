/*
 * memmap_build: from the loader's raw memory map to sorted, disjoint,
 * page-aligned usable ranges. Runs once on the boot core before any
 * allocator exists, so it works in place in the output array and never
 * allocates; the result is read-only afterwards.
 */
#include "mm/memmap.h"
#include "lib/kernel.h"

static paddr_t range_end(const struct mem_range *r)
{
	return r->base + r->size;
}

static void set_range(struct mem_range *r, paddr_t start, paddr_t end)
{
	*r = (struct mem_range){start, end - start, MEM_USABLE};
}

static void remove_at(struct memmap *m, int i, int count)
{
	for (int k = i; k + count < m->n; k++)
		m->range[k] = m->range[k + count];
	m->n -= count;
}

/* Room for one more range at index i; false (and the caller drops a piece) when full. */
static bool open_slot(struct memmap *m, int i)
{
	if (m->n == MEMMAP_MAX) {
		pr_warn("memmap: more than %d usable ranges, dropping some memory\n", MEMMAP_MAX);
		return false;
	}
	for (int k = m->n; k > i; k--)
		m->range[k] = m->range[k - 1];
	m->n++;
	return true;
}

/* Union [start, end) into the sorted set; ranges that overlap or touch it merge. */
static void add_usable(struct memmap *m, paddr_t start, paddr_t end)
{
	int i = 0;
	while (i < m->n && range_end(&m->range[i]) < start)
		i++;
	int j = i;
	while (j < m->n && m->range[j].base <= end) {
		start = MIN(start, m->range[j].base);
		end = MAX(end, range_end(&m->range[j]));
		j++;
	}
	if (i == j) {
		if (open_slot(m, i))
			set_range(&m->range[i], start, end);
		return;
	}
	set_range(&m->range[i], start, end);
	remove_at(m, i + 1, j - i - 1);
}

/* Take [start, end) out of the set, splitting a range that straddles it. */
static void subtract(struct memmap *m, paddr_t start, paddr_t end)
{
	for (int i = 0; i < m->n; i++) {
		paddr_t b = m->range[i].base, e = range_end(&m->range[i]);
		if (e <= start || b >= end)
			continue;
		bool left = b<start, right = e> end;
		if (left && right) {
			set_range(&m->range[i], b, start);
			if (open_slot(m, i + 1))
				set_range(&m->range[i + 1], end, e);
			i++;
		} else if (left) {
			set_range(&m->range[i], b, start);
		} else if (right) {
			set_range(&m->range[i], end, e);
		} else {
			remove_at(m, i, 1);
			i--;
		}
	}
}

/* A usable entry must make sense as a whole to be trusted at all. */
static bool usable_bounds(const struct mem_range *r, paddr_t *start, paddr_t *end)
{
	if (r->size == 0 || r->base >= PHYS_ADDR_LIMIT || r->size > PHYS_ADDR_LIMIT - r->base)
		return false;
	*start = r->base;
	*end = r->base + r->size;
	return true;
}

/* A reserved entry is believed as far as it goes: clip, never ignore a real part. */
static bool reserved_bounds(const struct mem_range *r, paddr_t *start, paddr_t *end)
{
	if (r->size == 0 || r->base >= PHYS_ADDR_LIMIT)
		return false;
	*start = r->base;
	*end = r->size > PHYS_ADDR_LIMIT - r->base ? PHYS_ADDR_LIMIT : r->base + r->size;
	return true;
}

void memmap_build(struct memmap *out, const struct mem_range *raw, int nraw,
		  const struct mem_range *reserved, int nreserved)
{
	paddr_t start, end;
	out->n = 0;
	out->top = 0;

	for (int i = 0; i < nraw; i++)
		if (raw[i].type == MEM_USABLE && usable_bounds(&raw[i], &start, &end))
			add_usable(out, start, end);
	/* Subtract only after every usable entry is in: reserved wins in any order. */
	for (int i = 0; i < nraw; i++)
		if (raw[i].type != MEM_USABLE && reserved_bounds(&raw[i], &start, &end))
			subtract(out, start, end);
	for (int i = 0; i < nreserved; i++)
		if (reserved_bounds(&reserved[i], &start, &end))
			subtract(out, start, end);
	subtract(out, 0, MEMMAP_LOW_RESERVED);

	/* Shrink inwards: a page partly reserved is not usable. */
	for (int i = 0; i < out->n; i++) {
		start = ALIGN_UP(out->range[i].base, PAGE_SIZE);
		end = ALIGN_DOWN(range_end(&out->range[i]), PAGE_SIZE);
		if (end <= start) {
			remove_at(out, i, 1);
			i--;
			continue;
		}
		set_range(&out->range[i], start, end);
	}
	if (out->n)
		out->top = range_end(&out->range[out->n - 1]);
}

u64 memmap_total(const struct memmap *map)
{
	u64 total = 0;
	for (int i = 0; i < map->n; i++)
		total += map->range[i].size;
	return total;
}
