/*
 * The page cache (see pcache.h): lookup and insertion, the reads that
 * fill pages and the waits on them, dirty pages and their write-back,
 * truncation, and the LRU list that reclaim walks.
 *
 * The LRU is one list of every cached page, linked through the frames'
 * free-list links (struct frame.next/prev, frame numbers), coldest first:
 * no allocation to add a page. Reclaim gives a referenced page a second
 * chance at the hot end (a clock), and frees clean pages that nothing but
 * the cache holds. Its lock is taken inside a cache's lock; reclaim,
 * which starts from the LRU, only ever trylocks a cache.
 *
 * Locks used to protect data in this file: [lru.lock] for the LRU; [a]
 * the global counters; the page wait table's queues have their own.
 */
#include "vm/pcache.h"
#include "vm/writeback.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/park.h"
#include "sched/waitq.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define NIL 0xffffffffu
#define WAIT_BUCKETS 256
#define RECLAIM_MIN (256 * PAGE_SIZE) /* one call frees a batch, not a page at a time */

static struct {
	struct spinlock lock;
	u32 head, tail; /* [lock] coldest and hottest frame numbers, NIL when empty */
	u64 n;		/* [lock] */
} lru = {.lock = SPINLOCK_INIT, .head = NIL, .tail = NIL};

static struct {
	u64 pages, dirty, writeback, swapbacked; /* [a] */
} stats;

static struct waitq waits[WAIT_BUCKETS];
static bool waits_ready; /* set on the boot core before any other core runs */

static inline struct frame *F(paddr_t pa)
{
	return pa_to_frame(pa);
}

static inline u32 pfn(paddr_t pa)
{
	return (u32)(pa >> PAGE_SHIFT);
}

static inline paddr_t pfn_pa(u32 n)
{
	return (paddr_t)n << PAGE_SHIFT;
}

static inline void set_flags(paddr_t pa, u32 bits)
{
	__atomic_fetch_or(&F(pa)->pflags, bits, __ATOMIC_RELEASE);
}

static inline void clear_flags(paddr_t pa, u32 bits)
{
	__atomic_fetch_and(&F(pa)->pflags, ~bits, __ATOMIC_RELEASE);
}

static inline void count(u64 *c, i64 d)
{
	__atomic_add_fetch(c, (u64)d, __ATOMIC_RELAXED);
}

struct waitq *pcache_page_waitq(paddr_t pa)
{
	u64 h = (pa >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL;
	return &waits[h >> 56];
}

static void wake_page(paddr_t pa)
{
	waitq_wake_all(pcache_page_waitq(pa));
}

/*
 * Wait until none of `bits` is set on pa: 0 if none is now, else
 * -ERESTART_PARK (parked: the caller's call runs again once the page's
 * I/O ends) or -EAGAIN (nopark, or a task that cannot park).
 */
static int wait_page(paddr_t pa, u32 bits, bool nopark)
{
	if (nopark || !park_current())
		return page_flags(pa) & bits ? -EAGAIN : 0;
	struct waitq *q = pcache_page_waitq(pa);
	spin_lock(&q->lock);
	/* Under the queue's lock: the completion sets the flags, then wakes under it. */
	if (!(page_flags(pa) & bits)) {
		spin_unlock(&q->lock);
		return 0;
	}
	long r = park_on(q);
	spin_unlock(&q->lock);
	return (int)r;
}

/* ---- the LRU ---- */

static void lru_add_locked(paddr_t pa)
{
	assert(spin_is_locked(&lru.lock));
	struct frame *f = F(pa);
	f->prev = lru.tail;
	f->next = NIL;
	if (lru.tail != NIL)
		F(pfn_pa(lru.tail))->next = pfn(pa);
	else
		lru.head = pfn(pa);
	lru.tail = pfn(pa);
	lru.n++;
}

static void lru_del_locked(paddr_t pa)
{
	assert(spin_is_locked(&lru.lock));
	struct frame *f = F(pa);
	if (f->prev != NIL)
		F(pfn_pa(f->prev))->next = f->next;
	else
		lru.head = f->next;
	if (f->next != NIL)
		F(pfn_pa(f->next))->prev = f->prev;
	else
		lru.tail = f->prev;
	f->next = f->prev = NIL;
	lru.n--;
}

/* ---- caches ---- */

void pcache_init(struct pcache *pc, const struct pcache_ops *ops, u32 flags)
{
	if (!waits_ready) {
		for (int i = 0; i < WAIT_BUCKETS; i++)
			waitq_init(&waits[i]);
		waits_ready = true;
	}
	*pc = (struct pcache){.lock = SPINLOCK_INIT, .ops = ops, .flags = flags};
	list_init(&pc->dirty_link);
}

/* Make pa (a fresh frame, or one being read) page idx of pc. Caller holds pc->lock. */
static int insert_locked(struct pcache *pc, u64 idx, paddr_t pa, u32 flags, u32 refs)
{
	assert(spin_is_locked(&pc->lock));
	assert(idx < (1ULL << 32));
	struct frame *f = F(pa);
	f->owner = pc;
	f->index = (u32)idx;
	__atomic_store_n(&f->refcount, refs, __ATOMIC_RELAXED);
	__atomic_store_n(&f->pflags, flags | PG_LRU, __ATOMIC_RELEASE);
	if (pagemap_set(&pc->pages, idx, pa) < 0) {
		f->owner = NULL;
		f->pflags = 0;
		return -ENOMEM;
	}
	spin_lock(&lru.lock);
	lru_add_locked(pa);
	spin_unlock(&lru.lock);
	pc->nrpages++;
	count(&stats.pages, 1);
	if (pc->flags & PC_SWAPBACKED)
		count(&stats.swapbacked, 1);
	return 0;
}

/*
 * Take page idx (at pa) out of pc and drop the cache's reference. What
 * else holds the page keeps it: a mapping, a reader, I/O in flight.
 * Caller holds pc->lock; the LRU lock too when lru_held.
 */
static void remove_locked(struct pcache *pc, u64 idx, paddr_t pa, bool lru_held)
{
	assert(spin_is_locked(&pc->lock));
	struct frame *f = F(pa);
	pagemap_set(&pc->pages, idx, 0); /* clearing never allocates */
	if (!lru_held)
		spin_lock(&lru.lock);
	lru_del_locked(pa);
	if (!lru_held)
		spin_unlock(&lru.lock);
	u32 old = __atomic_fetch_and(&f->pflags, PG_WRITEBACK | PG_LOCKED, __ATOMIC_ACQ_REL);
	if (old & PG_DIRTY) {
		pc->ndirty--;
		count(&stats.dirty, -1);
	}
	f->owner = NULL;
	pc->nrpages--;
	count(&stats.pages, -1);
	if (pc->flags & PC_SWAPBACKED)
		count(&stats.swapbacked, -1);
	frame_unref(pa);
}

static void destroy_one(void *ctx, u64 idx, u64 v)
{
	struct pcache *pc = ctx;
	paddr_t pa = v;
	spin_lock(&lru.lock);
	lru_del_locked(pa);
	spin_unlock(&lru.lock);
	struct frame *f = F(pa);
	u32 old = __atomic_fetch_and(&f->pflags, PG_WRITEBACK | PG_LOCKED, __ATOMIC_ACQ_REL);
	if (old & PG_DIRTY)
		count(&stats.dirty, -1);
	f->owner = NULL;
	count(&stats.pages, -1);
	if (pc->flags & PC_SWAPBACKED)
		count(&stats.swapbacked, -1);
	frame_unref(pa);
}

void pcache_destroy(struct pcache *pc)
{
	wb_forget(pc);
	spin_lock(&pc->lock);
	pagemap_truncate(&pc->pages, 0, destroy_one, pc);
	pc->nrpages = pc->ndirty = 0;
	spin_unlock(&pc->lock);
}

/* ---- finding pages, and reading them in ---- */

static void touch(paddr_t pa)
{
	if (!(page_flags(pa) & PG_REFERENCED))
		set_flags(pa, PG_REFERENCED);
}

/* A zeroed page made page idx of pc, referenced for the caller. Caller holds pc->lock. */
static int create_locked(struct pcache *pc, u64 idx, paddr_t *out)
{
	assert(spin_is_locked(&pc->lock));
	paddr_t pa = page_alloc(0);
	if (!pa)
		return -ENOMEM;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	if (insert_locked(pc, idx, pa, PG_UPTODATE | PG_REFERENCED, 2) < 0) {
		page_free(pa, 0);
		return -ENOMEM;
	}
	*out = pa;
	return 0;
}

int pcache_get(struct pcache *pc, u64 idx, unsigned flags, paddr_t *out)
{
	bool nopark = flags & PCG_NOPARK;
	if (idx >= (1ULL << 32))
		return -EFBIG;
	/* Each pass either finishes or waits; a page that keeps vanishing is an error. */
	for (int pass = 0; pass < 8; pass++) {
		spin_lock(&pc->lock);
		paddr_t pa = pagemap_get(&pc->pages, idx);
		if (pa) {
			u32 pf = page_flags(pa);
			if (pf & PG_UPTODATE) {
				frame_ref(pa);
				spin_unlock(&pc->lock);
				touch(pa);
				*out = pa;
				return 0;
			}
			if (!(pf & PG_LOCKED)) {
				/*
				 * Its read failed, or never started: forget it, so that
				 * the next reader (or this one, again) reads it anew.
				 */
				remove_locked(pc, idx, pa, false);
				spin_unlock(&pc->lock);
				if (pf & PG_ERROR)
					return -EIO;
				continue;
			}
			spin_unlock(&pc->lock);
			int r = wait_page(pa, PG_LOCKED, nopark);
			if (r)
				return r;
			continue;
		}
		if (pc->flags & PC_SWAPBACKED) {
			/* No store: a page never written reads as zeros. */
			if (flags & PCG_HOLE) {
				spin_unlock(&pc->lock);
				return -ENODATA;
			}
			flags |= PCG_CREATE;
		}
		if (flags & PCG_CREATE) {
			int r = create_locked(pc, idx, out);
			spin_unlock(&pc->lock);
			return r;
		}
		spin_unlock(&pc->lock);
		if (!pc->ops || !pc->ops->readahead)
			return -EIO;
		int r = pc->ops->readahead(pc, idx, PCACHE_READAHEAD, nopark);
		if (r)
			return r;
	}
	return -EIO;
}

paddr_t pcache_peek(struct pcache *pc, u64 idx)
{
	spin_lock(&pc->lock);
	paddr_t pa = pagemap_get(&pc->pages, idx);
	if (pa && (page_flags(pa) & PG_UPTODATE))
		frame_ref(pa);
	else
		pa = 0;
	spin_unlock(&pc->lock);
	return pa;
}

bool pcache_present(struct pcache *pc, u64 idx)
{
	spin_lock(&pc->lock);
	bool there = pagemap_get(&pc->pages, idx) != 0;
	spin_unlock(&pc->lock);
	return there;
}

void pcache_readahead_next(struct pcache *pc, u64 idx, u64 npages)
{
	if ((pc->flags & PC_SWAPBACKED) || !pc->ops || idx % (PCACHE_READAHEAD / 2))
		return;
	u64 far = idx + PCACHE_READAHEAD;
	if (far >= npages || pcache_present(pc, far))
		return;
	pc->ops->readahead(pc, idx + PCACHE_READAHEAD / 2, PCACHE_READAHEAD, true);
}

int pcache_add_for_read(struct pcache *pc, u64 idx, paddr_t *out)
{
	if (idx >= (1ULL << 32))
		return -EFBIG;
	spin_lock(&pc->lock);
	if (pagemap_get(&pc->pages, idx)) {
		spin_unlock(&pc->lock);
		return -EEXIST;
	}
	paddr_t pa = page_alloc(0);
	int r = pa ? insert_locked(pc, idx, pa, PG_LOCKED, 2) : -ENOMEM;
	spin_unlock(&pc->lock);
	if (r < 0) {
		if (pa)
			page_free(pa, 0);
		return r;
	}
	*out = pa;
	return 0;
}

int pcache_add_zero(struct pcache *pc, u64 idx)
{
	if (idx >= (1ULL << 32))
		return -EFBIG;
	spin_lock(&pc->lock);
	paddr_t pa;
	int r = pagemap_get(&pc->pages, idx) ? -EEXIST : create_locked(pc, idx, &pa);
	spin_unlock(&pc->lock);
	if (r == 0)
		frame_unref(pa); /* create_locked's reference for a caller: none here */
	return r;
}

void pcache_read_done(paddr_t pa, int err)
{
	/* Up to date (or failed) before it stops being locked: readers test in that order. */
	set_flags(pa, err ? PG_ERROR : PG_UPTODATE);
	clear_flags(pa, PG_LOCKED);
	wake_page(pa);
	frame_unref(pa);
}

void pcache_read_abort(paddr_t pa)
{
	clear_flags(pa, PG_LOCKED);
	wake_page(pa);
	frame_unref(pa);
}

/* ---- dirty pages and their write-back ---- */

void pcache_mark_dirty(struct pcache *pc, paddr_t pa)
{
	if (pc->flags & PC_SWAPBACKED)
		return;
	bool first = false;
	spin_lock(&pc->lock);
	struct frame *f = F(pa);
	/* A page truncated away meanwhile is no longer the cache's to write. */
	if (f->owner == pc && !(page_flags(pa) & PG_DIRTY)) {
		set_flags(pa, PG_DIRTY);
		first = pc->ndirty++ == 0;
		count(&stats.dirty, 1);
	}
	spin_unlock(&pc->lock);
	if (first)
		wb_note_dirty(pc);
}

void pcache_redirty(struct pcache *pc, paddr_t pa)
{
	bool first = false;
	spin_lock(&pc->lock);
	if (F(pa)->owner == pc && !(page_flags(pa) & PG_DIRTY)) {
		set_flags(pa, PG_DIRTY);
		first = pc->ndirty++ == 0;
		count(&stats.dirty, 1);
	}
	spin_unlock(&pc->lock);
	if (first)
		wb_note_dirty(pc);
}

void pcache_write_done(paddr_t pa, int err)
{
	if (err)
		set_flags(pa, PG_ERROR);
	clear_flags(pa, PG_WRITEBACK);
	count(&stats.writeback, -1);
	wake_page(pa);
	frame_unref(pa);
}

void pcache_write_abort(struct pcache *pc, paddr_t pa)
{
	pcache_redirty(pc, pa);
	clear_flags(pa, PG_WRITEBACK);
	count(&stats.writeback, -1);
	wake_page(pa);
	frame_unref(pa);
}

#define WB_BATCH 32		/* adjacent dirty pages handed to the store at once */
#define MAX_INDEX 0xffffffffULL /* page indices fit struct frame.index */

/*
 * Take up to WB_BATCH adjacent dirty pages of [*from, last] for writing;
 * *from moves past what was looked at. *busy: a page of the range being
 * written (what a waiter waits for); *err: a page carried a failed write
 * (the flag is cleared: reported once). Caller holds pc->lock.
 */
static u32 collect_locked(struct pcache *pc, u64 *from, u64 last, u64 *idx, paddr_t *pas,
			  paddr_t *busy, bool *err)
{
	assert(spin_is_locked(&pc->lock));
	u32 n = 0;
	while (*from <= last) {
		u64 i;
		paddr_t pa = pagemap_next(&pc->pages, *from, &i);
		if (!pa || i > last) {
			*from = last + 1;
			break;
		}
		u32 pf = page_flags(pa);
		if ((pf & PG_ERROR) && (pf & PG_UPTODATE)) {
			clear_flags(pa, PG_ERROR);
			*err = true;
		}
		if ((pf & PG_DIRTY) && !(pf & PG_WRITEBACK)) {
			if (n && (n == WB_BATCH || i != idx[n - 1] + 1))
				break; /* not adjacent: the next batch starts here */
			clear_flags(pa, PG_DIRTY);
			set_flags(pa, PG_WRITEBACK);
			pc->ndirty--;
			count(&stats.dirty, -1);
			count(&stats.writeback, 1);
			frame_ref(pa); /* the write's */
			idx[n] = i;
			pas[n++] = pa;
			*busy = pa;
		} else if (pf & PG_WRITEBACK) {
			*busy = pa;
		}
		*from = i + 1;
	}
	return n;
}

int pcache_writeback(struct pcache *pc, u64 first, u64 last, bool wait, unsigned flags)
{
	bool nopark = flags & PCG_NOPARK;
	if ((pc->flags & PC_SWAPBACKED) || !pc->ops || !pc->ops->write)
		return 0;
	last = MIN(last, MAX_INDEX);
	u64 idx[WB_BATCH];
	paddr_t pas[WB_BATCH];
	for (;;) {
		paddr_t busy = 0;
		bool err = false;
		for (u64 from = first; from <= last;) {
			spin_lock(&pc->lock);
			u32 n = collect_locked(pc, &from, last, idx, pas, &busy, &err);
			spin_unlock(&pc->lock);
			if (!n)
				continue;
			int r = pc->ops->write(pc, idx, pas, n, nopark);
			if (r)
				return r; /* its pages are dirty again; the store parked us or would have */
		}
		if (err)
			return -EIO;
		if (!wait || !busy)
			return 0;
		/* Wait for a write still in flight, then look at the range again. */
		int r = wait_page(busy, PG_WRITEBACK, nopark);
		if (r)
			return r;
	}
}

int pcache_wait_written(struct pcache *pc, u64 *from, u64 last, unsigned flags)
{
	last = MIN(last, MAX_INDEX);
	while (*from <= last) {
		spin_lock(&pc->lock);
		u64 i = *from;
		paddr_t pa, busy = 0;
		while ((pa = pagemap_next(&pc->pages, i, &i)) && i <= last) {
			if (page_flags(pa) & PG_WRITEBACK) {
				busy = pa;
				break;
			}
			i++;
		}
		*from = busy ? i : last + 1;
		spin_unlock(&pc->lock);
		if (!busy)
			break;
		int r = wait_page(busy, PG_WRITEBACK, flags & PCG_NOPARK);
		if (r)
			return r;
		++*from; /* seen done: on to the next (a write started since is not ours) */
	}
	return 0;
}

void pcache_get_stats(struct pcache_stats *s)
{
	s->pages = __atomic_load_n(&stats.pages, __ATOMIC_RELAXED);
	s->dirty = __atomic_load_n(&stats.dirty, __ATOMIC_RELAXED);
	s->writeback = __atomic_load_n(&stats.writeback, __ATOMIC_RELAXED);
	s->swapbacked = __atomic_load_n(&stats.swapbacked, __ATOMIC_RELAXED);
}

/* ---- truncation ---- */

/* A page of [from, ...) being read or written, or 0. Caller holds pc->lock. */
static paddr_t busy_from_locked(struct pcache *pc, u64 from)
{
	assert(spin_is_locked(&pc->lock));
	u64 i = from;
	paddr_t pa;
	while ((pa = pagemap_next(&pc->pages, i, &i))) {
		if (page_flags(pa) & (PG_LOCKED | PG_WRITEBACK))
			return pa;
		if (++i == 0)
			break;
	}
	return 0;
}

int pcache_truncate_wait(struct pcache *pc, u64 size, unsigned flags)
{
	for (;;) {
		spin_lock(&pc->lock);
		paddr_t pa = busy_from_locked(pc, size >> PAGE_SHIFT);
		spin_unlock(&pc->lock);
		if (!pa)
			return 0;
		int r = wait_page(pa, PG_LOCKED | PG_WRITEBACK, flags & PCG_NOPARK);
		if (r)
			return r;
	}
}

struct trunc_ctx {
	struct pcache *pc;
};

static void trunc_one(void *ctx, u64 idx, u64 v)
{
	struct pcache *pc = ((struct trunc_ctx *)ctx)->pc;
	paddr_t pa = v;
	/* pagemap_truncate cleared the slot already: the rest of remove_locked. */
	spin_lock(&lru.lock);
	lru_del_locked(pa);
	spin_unlock(&lru.lock);
	struct frame *f = F(pa);
	u32 old = __atomic_fetch_and(&f->pflags, 0, __ATOMIC_ACQ_REL);
	if (old & PG_DIRTY) {
		pc->ndirty--;
		count(&stats.dirty, -1);
	}
	f->owner = NULL;
	pc->nrpages--;
	count(&stats.pages, -1);
	if (pc->flags & PC_SWAPBACKED)
		count(&stats.swapbacked, -1);
	frame_unref(pa);
}

int pcache_truncate(struct pcache *pc, u64 size)
{
	u64 keep = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	spin_lock(&pc->lock);
	if (busy_from_locked(pc, size >> PAGE_SHIFT)) {
		spin_unlock(&pc->lock);
		return -EBUSY;
	}
	struct trunc_ctx t = {pc};
	pagemap_truncate(&pc->pages, keep, trunc_one, &t);
	/* The rest of the last page reads as zeros if the file grows again. */
	size_t po = size & (PAGE_SIZE - 1);
	paddr_t pa = po ? pagemap_get(&pc->pages, size >> PAGE_SHIFT) : 0;
	bool dirtied = false;
	if (pa && (page_flags(pa) & PG_UPTODATE)) {
		memset((u8 *)phys_to_virt(pa) + po, 0, PAGE_SIZE - po);
		if (!(pc->flags & PC_SWAPBACKED) && !(page_flags(pa) & PG_DIRTY)) {
			set_flags(pa, PG_DIRTY);
			dirtied = pc->ndirty++ == 0;
			count(&stats.dirty, 1);
		}
	}
	spin_unlock(&pc->lock);
	if (dirtied)
		wb_note_dirty(pc);
	return 0;
}

/* ---- reclaim ---- */

/*
 * Free up to `want` bytes of clean pages that only their cache holds,
 * looking at no more than `scan` LRU entries (all of them: ~0). A page
 * used since reclaim last passed goes to the hot end once (a clock's
 * second chance). Never waits; every cache lock is a trylock.
 */
static u64 reclaim_clean(u64 want, u64 scan)
{
	if (!spin_trylock(&lru.lock))
		return 0;
	paddr_t batch[64];
	u32 nb = 0;
	u64 freed = 0;
	u64 budget = MIN(scan, lru.n);
	u32 cur = lru.head;
	while (cur != NIL && budget-- && freed < want && nb < ARRAY_SIZE(batch)) {
		paddr_t pa = pfn_pa(cur);
		struct frame *f = F(pa);
		u32 next = f->next;
		u32 pf = page_flags(pa);
		struct pcache *pc = f->owner;
		bool freeable = !(pf & (PG_DIRTY | PG_WRITEBACK | PG_LOCKED)) &&
				!(pc->flags & PC_SWAPBACKED) && frame_refs(pa) == 1;
		if (pf & PG_REFERENCED) {
			clear_flags(pa, PG_REFERENCED);
			freeable = false;
		}
		if (freeable && spin_trylock(&pc->lock)) {
			/* Checked again under the cache's lock: nothing new can reach it now. */
			if (f->owner == pc && frame_refs(pa) == 1 &&
			    !(page_flags(pa) & (PG_DIRTY | PG_WRITEBACK | PG_LOCKED))) {
				frame_ref(pa); /* ours: freed below, outside the locks */
				remove_locked(pc, f->index, pa, true);
				batch[nb++] = pa;
				freed += PAGE_SIZE;
			}
			spin_unlock(&pc->lock);
		} else if (next != NIL) {
			/* Kept: to the hot end, so the next pass starts with others. */
			lru_del_locked(pa);
			lru_add_locked(pa);
		}
		cur = next;
	}
	spin_unlock(&lru.lock);
	for (u32 i = 0; i < nb; i++)
		frame_unref(batch[i]);
	return freed;
}

u64 pcache_reclaim(u64 want)
{
	u64 freed = 0;
	want = MAX(want, RECLAIM_MIN);
	/*
	 * In batches of what one pass can hold. Up to twice round the LRU:
	 * the first round may only take away second chances. Costly only
	 * when memory is short and the cache full of what cannot go.
	 */
	u64 limit = 2 * __atomic_load_n(&lru.n, __ATOMIC_RELAXED) + 256;
	for (u64 scanned = 0; freed < want && scanned < limit; scanned += 256)
		freed += reclaim_clean(want - freed, 256);
	return freed;
}

u64 pcache_drop_clean(void)
{
	u64 freed = 0, got;
	/* The first pass may only take away second chances. */
	for (int empty = 0; empty < 2; empty = got ? 0 : empty + 1) {
		got = reclaim_clean(~0UL, ~0UL);
		freed += got;
	}
	return freed;
}

void vm_tasks_init(void)
{
	buddy_add_reclaim(pcache_reclaim);
	wb_init();
}
