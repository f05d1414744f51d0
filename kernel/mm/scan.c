/*
 * The reclaim clock's walk over a domain's page tables, and swapoff's.
 *
 * Reclaim (vm/reclaim.c) chooses what leaves memory with a clock: its
 * hand goes round every domain's mapped pages (domain_next, then
 * domain_scan from the domain's own hand, d->scan_at); a page whose
 * accessed bit the processor set since the hand last passed keeps its
 * place (the bit is cleared: a second chance), one whose bit is still
 * clear goes. Why a clock over page tables: the hardware keeps the
 * accessed bits for nothing, so faults and copies stay as cheap as they
 * were (no list to move a page on at each use), and going by address
 * needs no reverse map from a frame to the entries that map it; Ferry's
 * one address space has one set of tables per domain to walk. A page that
 * goes is either dropped (a cached object's page: its object still holds
 * it) or handed to swap (vm/swap.c), which leaves an entry in its place.
 *
 * Runs under d->lock ([lock] in domain.h); a frame's mapping reference
 * is dropped only after the TLB shootdown of its page, so swap never
 * writes a page a stale TLB entry could still change.
 */
#include "mm/domain_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SCAN_BATCH 32

struct scan_ctx {
	struct scan_stats *st;
	u64 budget;
	bool stop;     /* the budget ran out: the hand stays at `resume` */
	vaddr_t resume;
	paddr_t frames[SCAN_BATCH]; /* references to drop after the shootdown */
	int n;
	vaddr_t lo, hi; /* the range that shootdown covers */
};

static void flush_batch(struct domain *d, struct scan_ctx *c)
{
	if (c->hi > c->lo)
		domain_tlb_flush(d, c->lo, c->hi);
	for (int i = 0; i < c->n; i++)
		frame_unref(c->frames[i]);
	c->n = 0;
	c->lo = c->hi = 0;
}

static void scan_one(struct domain *d, vaddr_t va, pte_t *pte, void *arg)
{
	struct scan_ctx *c = arg;
	if (c->stop || !(*pte & PTE_P))
		return;
	if (!c->budget) {
		c->stop = true;
		c->resume = va;
		return;
	}
	c->budget--;
	c->st->scanned++;
	if (*pte & PTE_A) {
		/* Used since the hand last passed: keep it. (No shootdown: a stale bit only delays.) */
		*pte &= ~PTE_A;
		c->st->young++;
		return;
	}
	paddr_t pa = *pte & PTE_ADDR_MASK;
	u64 entry = 0;
	int how = mm_swap->evict(pa, &entry);
	if (how == MM_EVICT_KEEP) {
		c->st->full = true;
		return;
	}
	if (how == MM_EVICT_SWAP) {
		*pte = swap_pte(entry);
		d->swapped++;
		c->st->swapped++;
	} else {
		*pte = 0;
		c->st->dropped++;
	}
	d->resident--;
	if (c->n == SCAN_BATCH)
		flush_batch(d, c);
	if (c->hi == c->lo)
		c->lo = va;
	c->lo = MIN(c->lo, va);
	c->hi = MAX(c->hi, va + PAGE_SIZE);
	c->frames[c->n++] = pa;
}

void domain_scan(struct domain *d, u64 budget, struct scan_stats *st)
{
	struct scan_ctx c = {.st = st, .budget = budget};
	spin_lock(&d->lock);
	vaddr_t at = d->scan_at;
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end <= at)
			continue;
		/* Locked pages stay (mlock); the kernel's and messages are not the clock's. */
		if (r->flags & (REGION_LOCKED | REGION_SPECIAL | REGION_MSG))
			continue;
		walk_range(d, MAX(r->start, at), r->end, scan_one, &c);
		if (c.stop)
			break;
	}
	/* Round the whole domain: the hand starts over next time. */
	d->scan_at = c.stop ? c.resume : 0;
	flush_batch(d, &c);
	spin_unlock(&d->lock);
}

/* ---- swapoff: every page of an area back in memory ---- */

#define SWAPIN_BATCH 64

struct swapin_ctx {
	bool (*match)(u64 entry, void *arg);
	void *arg;
	vaddr_t va[SWAPIN_BATCH];
	u64 entry[SWAPIN_BATCH];
	int n;
};

static void find_swapped(struct domain *d, vaddr_t va, pte_t *pte, void *arg)
{
	struct swapin_ctx *c = arg;
	if (c->n == SWAPIN_BATCH || !pte_is_swap(*pte) || !c->match(pte_swap_entry(*pte), c->arg))
		return;
	c->va[c->n] = va;
	c->entry[c->n++] = pte_swap_entry(*pte);
}

/* Bring back the page at va whose entry is `entry`, if the table still holds it. */
static int swapin_one(struct domain *d, vaddr_t va, u64 entry, bool nopark)
{
	struct fault_need need = {.swap = entry, .page = va, .access = 0};
	int r = fault_slow(d, &need, nopark);
	return r == FAULT_RETRY ? 0 : r;
}

/* Into c, in address order, the first SWAPIN_BATCH entries in [lo, hi) that c->match accepts. */
static void collect_swapped(struct domain *d, vaddr_t lo, vaddr_t hi, struct swapin_ctx *c)
{
	spin_lock(&d->lock);
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end <= lo || r->start >= hi)
			continue;
		walk_range(d, MAX(r->start, lo), MIN(r->end, hi), find_swapped, c);
		if (c->n == SWAPIN_BATCH)
			break;
	}
	spin_unlock(&d->lock);
}

/* Bring back the pages in [lo, hi) whose entries match accepts. */
static int swapin_range(struct domain *d, vaddr_t lo, vaddr_t hi,
			bool (*match)(u64 entry, void *arg), void *arg)
{
	for (;;) {
		struct swapin_ctx c = {.match = match, .arg = arg};
		collect_swapped(d, lo, hi, &c);
		if (!c.n)
			return 0;
		/* Start every read first (never waiting), then wait for the first still out. */
		for (int i = 0; i < c.n; i++) {
			int r = swapin_one(d, c.va[i], c.entry[i], true);
			if (r && r != -EAGAIN)
				return r;
		}
		for (int i = 0; i < c.n; i++) {
			int r = swapin_one(d, c.va[i], c.entry[i], false);
			if (r)
				return r;
		}
	}
}

int domain_swapin_all(struct domain *d, bool (*match)(u64 entry, void *arg), void *arg)
{
	return swapin_range(d, 0, USER_TOP, match, arg);
}

u64 domain_swapin_cached(struct domain *d, bool (*match)(u64 entry, void *arg), void *arg)
{
	u64 taken = 0;
	/* One pass by address: what cannot come back now is passed, not looked at again. */
	for (vaddr_t lo = 0;;) {
		struct swapin_ctx c = {.match = match, .arg = arg};
		collect_swapped(d, lo, USER_TOP, &c);
		for (int i = 0; i < c.n; i++)
			if (swapin_one(d, c.va[i], c.entry[i], true) == 0)
				taken++;
		if (c.n < SWAPIN_BATCH)
			return taken;
		lo = c.va[c.n - 1] + PAGE_SIZE;
	}
}

static bool any_entry(u64 entry, void *arg)
{
	return true;
}

int domain_swapin_range(struct domain *d, vaddr_t start, u64 len)
{
	if (!__atomic_load_n(&d->swapped, __ATOMIC_RELAXED) || !len || start >= USER_TOP)
		return 0;
	vaddr_t end = len > USER_TOP - start ? USER_TOP : start + len;
	int r = swapin_range(d, ALIGN_DOWN(start, PAGE_SIZE), end, any_entry, NULL);
	if (r == -ENOMEM && mm_swap)
		r = mm_swap->wait_memory(); /* no frame to read into: parked until reclaim frees one */
	return r == -ERESTART_PARK || r == -ENOMEM ? r : 0; /* the copy itself tells other errors */
}
