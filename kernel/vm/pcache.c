/*
 * The page cache (see pcache.h): lookup and insertion, the reads that
 * fill pages and the waits on them, dirty pages and their write-back,
 * truncation, and the LRU list that reclaim walks (pcache_reclaim.c: what
 * goes to swap, reclaim, and pages dropped on request).
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
#include "vm/pcache_impl.h"
#include "vm/reclaim.h"
#include "vm/swap.h"
#include "vm/writeback.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "arch/x86_64/time.h"
#include "sched/park.h"
#include "sched/waitq.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define WAIT_BUCKETS 256
#define RETRY_LATER_NS (1000UL * 1000) /* a read that keeps being undone is tried again after */

struct pcache_lru lru = {.lock = SPINLOCK_INIT, .head = NIL, .tail = NIL};

static struct {
	u64 pages, dirty, writeback, swapbacked; /* [a] */
} stats;

static struct waitq waits[WAIT_BUCKETS];

struct spinlock swapped_lock = SPINLOCK_INIT;
struct list_node swapped_caches = LIST_INIT(swapped_caches); /* [swapped_lock] */
static bool waits_ready; /* set on the boot core before any other core runs */

static inline u32 pfn(paddr_t pa)
{
	return (u32)(pa >> PAGE_SHIFT);
}

static inline void set_flags(paddr_t pa, u32 bits)
{
	__atomic_fetch_or(&F(pa)->pflags, bits, __ATOMIC_RELEASE);
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

void lru_add_locked(paddr_t pa)
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

void lru_del_locked(paddr_t pa)
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

/* ---- the cache as what mappings map (mm/vmobj.h) ---- */

static inline struct pcache *PC(struct vmobj *o)
{
	return container_of(o, struct pcache, obj);
}

static void obj_get(struct vmobj *o)
{
	/* Only mappings take this, and a mapping is made of an open file or another mapping. */
	bool alive = PC(o)->ops->tryget(PC(o));
	assert(alive);
}

static void obj_put(struct vmobj *o)
{
	PC(o)->ops->put(PC(o));
}

static int obj_page(struct vmobj *o, u64 idx, unsigned flags, paddr_t *pa)
{
	struct pcache *pc = PC(o);
	bool nopark = flags & VMO_NOPARK;
	u64 npages = ALIGN_UP(pc->ops->size(pc), PAGE_SIZE) >> PAGE_SHIFT;
	if (idx >= npages)
		return -ENXIO; /* past the end: SIGBUS */
	int r = pcache_get(pc, idx, (nopark ? PCG_NOPARK : 0) | (flags & VMO_RANDOM ? PCG_NORA : 0),
			   pa);
	if (r == 0 && (flags & VMO_SEQUENTIAL))
		pcache_readahead_next(pc, idx, npages, PCACHE_READAHEAD); /* the disk keeps ahead */
	if (r || !(flags & VMO_WRITE))
		return r;
	/* A write through a shared mapping: the page gets its place in the store, then is dirty. */
	if (pc->ops->mkwrite && (r = pc->ops->mkwrite(pc, idx, nopark)) < 0) {
		frame_unref(*pa);
		return r;
	}
	set_flags(*pa, PG_MKWRITE);
	pcache_mark_dirty(pc, *pa);
	return 0;
}

static bool obj_holds(struct vmobj *o, u64 idx, paddr_t pa)
{
	struct pcache *pc = PC(o);
	spin_lock(&pc->lock);
	bool holds = pagemap_get(&pc->pages, idx) == pa;
	spin_unlock(&pc->lock);
	return holds;
}

static bool obj_cached(struct vmobj *o, u64 idx)
{
	return pcache_present(PC(o), idx);
}

static void obj_peek(struct vmobj *o, u64 idx, u32 n, u32 want, paddr_t *pas)
{
	struct pcache *pc = PC(o);
	u64 npages = ALIGN_UP(pc->ops->size(pc), PAGE_SIZE) >> PAGE_SHIFT;
	spin_lock(&pc->lock);
	for (u32 i = 0; i < n; i++) {
		paddr_t pa = 0;
		if ((want >> i) & 1 && idx + i < npages) {
			pa = pagemap_get(&pc->pages, idx + i);
			if (pa && !is_swap_value(pa) && (page_flags(pa) & PG_UPTODATE))
				frame_ref(pa);
			else
				pa = 0;
		}
		pas[i] = pa;
	}
	spin_unlock(&pc->lock);
}

static const struct vmobj_ops pcache_vmobj_ops = {
	.get = obj_get,
	.put = obj_put,
	.page = obj_page,
	.holds = obj_holds,
	.cached = obj_cached,
	.peek = obj_peek,
};

void pcache_init(struct pcache *pc, const struct pcache_ops *ops, u32 flags)
{
	if (!waits_ready) {
		for (int i = 0; i < WAIT_BUCKETS; i++)
			waitq_init(&waits[i]);
		waits_ready = true;
	}
	*pc = (struct pcache){.lock = SPINLOCK_INIT, .ops = ops, .flags = flags};
	vmobj_init(&pc->obj, &pcache_vmobj_ops, 0, 0);
	list_init(&pc->dirty_link);
	list_init(&pc->swapped_link);
}

void pcache_identify(struct pcache *pc, u64 dev, u64 ino)
{
	pc->obj.dev = dev;
	pc->obj.ino = ino;
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
void remove_locked(struct pcache *pc, u64 idx, paddr_t pa, bool lru_held)
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
	if (is_swap_value(v)) {
		swap_free(swap_value_entry(v)); /* its slot (and swap cache page) go */
		return;
	}
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
	spin_lock(&swapped_lock);
	list_remove(&pc->swapped_link);
	list_init(&pc->swapped_link);
	spin_unlock(&swapped_lock);
	spin_lock(&pc->lock);
	pagemap_truncate(&pc->pages, 0, destroy_one, pc);
	pc->nrpages = pc->ndirty = pc->nswapped = 0;
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
	paddr_t pa = page_alloc_user();
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

/*
 * Put pa (referenced by the caller, in no cache) back as page idx of pc,
 * with the cache's own reference; its I/O flags stay. 0 or -ENOMEM.
 * Caller holds pc->lock.
 */
int adopt_locked(struct pcache *pc, u64 idx, paddr_t pa, u32 flags)
{
	assert(spin_is_locked(&pc->lock));
	assert(idx < (1ULL << 32));
	struct frame *f = F(pa);
	if (pagemap_set(&pc->pages, idx, pa) < 0)
		return -ENOMEM;
	f->owner = pc;
	f->index = (u32)idx;
	frame_ref(pa);
	set_flags(pa, flags | PG_LRU);
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
 * Page idx of the PC_SWAPBACKED cache pc is out in swap (v, its value):
 * read it back (from the swap cache, or the disk) and make it pc's page
 * again, its slot let go. 0 with *out referenced; -ERESTART_PARK or
 * -EAGAIN (nopark) while it is read; 1 when pc's page changed meanwhile
 * (look again); -EIO, -ENOMEM.
 */
int swap_back(struct pcache *pc, u64 idx, u64 v, bool nopark, paddr_t *out)
{
	u64 entry = swap_value_entry(v);
	paddr_t pa;
	int r = swap_page(entry, nopark, &pa);
	if (r == -ENOENT)
		return 1;
	if (r)
		return r;
	spin_lock(&pc->lock);
	if (pagemap_get(&pc->pages, idx) != v) {
		spin_unlock(&pc->lock);
		frame_unref(pa);
		return 1;
	}
	/* pc's was the slot's only reference: the page leaves the swap cache, back here. */
	swap_free(entry);
	pc->nswapped--;
	if (F(pa)->owner || adopt_locked(pc, idx, pa, PG_UPTODATE) < 0) {
		/* Still someone's (cannot be), or no memory for the tree: give the entry back. */
		spin_unlock(&pc->lock);
		frame_unref(pa);
		return -ENOMEM;
	}
	spin_unlock(&pc->lock);
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
		if (pa && is_swap_value(pa)) {
			spin_unlock(&pc->lock);
			int r = swap_back(pc, idx, pa, nopark, out);
			if (r == 1)
				continue; /* it changed meanwhile: look again */
			return r;
		}
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
		int r = pc->ops->readahead(pc, idx, flags & PCG_NORA ? 1 : PCACHE_READAHEAD, nopark);
		if (r)
			return r;
	}
	/* Its read keeps being undone (no room for it): look again a little later, never fail. */
	if (nopark || !park_current())
		return -EAGAIN;
	return (int)park_until(tsc_ns() + RETRY_LATER_NS);
}

paddr_t pcache_peek(struct pcache *pc, u64 idx)
{
	spin_lock(&pc->lock);
	paddr_t pa = pagemap_get(&pc->pages, idx);
	if (pa && !is_swap_value(pa) && (page_flags(pa) & PG_UPTODATE))
		frame_ref(pa);
	else
		pa = 0;
	spin_unlock(&pc->lock);
	return pa;
}

bool pcache_present(struct pcache *pc, u64 idx)
{
	spin_lock(&pc->lock);
	u64 v = pagemap_get(&pc->pages, idx);
	spin_unlock(&pc->lock);
	return v && !is_swap_value(v);
}

void pcache_readahead_next(struct pcache *pc, u64 idx, u64 npages, u32 window)
{
	if ((pc->flags & PC_SWAPBACKED) || !pc->ops || window < 2 || idx % (window / 2))
		return;
	u64 far = idx + window;
	if (far >= npages || pcache_present(pc, far))
		return;
	/* In pieces a store takes at once; a piece someone reads already is theirs. */
	u64 end = MIN(idx + window / 2 + window, npages);
	for (u64 at = idx + window / 2; at < end; at += PCACHE_READAHEAD)
		pc->ops->readahead(pc, at, (u32)MIN(end - at, (u64)PCACHE_READAHEAD), true);
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
	paddr_t pa = page_alloc_user();
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

/*
 * Take up to WB_BATCH adjacent dirty pages of [*from, last] for writing;
 * *from moves past what was looked at. *busy: a page of the range being
 * written (what a waiter waits for); *err: a page carried a failed write
 * (the flag is cleared: reported once). Caller holds pc->lock.
 */
static u32 collect_locked(struct pcache *pc, u64 *from, u64 last, u64 *idx, paddr_t *pas,
			  paddr_t *busy, bool *err, bool mapped)
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
		if ((pf & PG_DIRTY) && !(pf & PG_WRITEBACK) && !(mapped && (pf & PG_MKWRITE))) {
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
	bool mapped = vmobj_mapped_shared(&pc->obj);
	if (mapped) {
		/*
		 * Pages written through shared mappings: write access goes first,
		 * so that a write from now on faults and dirties its page again.
		 * A page made writable again before it is collected (PG_MKWRITE
		 * set anew) is left dirty for next time: its write may be later
		 * than what would be written.
		 */
		spin_lock(&pc->lock);
		u64 i = first;
		paddr_t pa;
		while (i <= last && (pa = pagemap_next(&pc->pages, i, &i)) && i <= last) {
			clear_flags(pa, PG_MKWRITE);
			i++;
		}
		spin_unlock(&pc->lock);
		vmobj_wrprotect(&pc->obj, first, last);
	}
	for (;;) {
		paddr_t busy = 0;
		bool err = false;
		for (u64 from = first; from <= last;) {
			spin_lock(&pc->lock);
			u32 n = collect_locked(pc, &from, last, idx, pas, &busy, &err, mapped);
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
		if (!is_swap_value(pa) && (page_flags(pa) & (PG_LOCKED | PG_WRITEBACK)))
			return pa;
		if (++i == 0)
			break;
	}
	return 0;
}

void pcache_unmap_from(struct pcache *pc, u64 size)
{
	vmobj_unmap_from(&pc->obj, ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT);
}

int pcache_truncate_wait(struct pcache *pc, u64 size, unsigned flags)
{
	for (;;) {
		spin_lock(&pc->lock);
		paddr_t pa = busy_from_locked(pc, size >> PAGE_SHIFT);
		u64 tail = size & (PAGE_SIZE - 1) ? pagemap_get(&pc->pages, size >> PAGE_SHIFT) : 0;
		spin_unlock(&pc->lock);
		if (tail && is_swap_value(tail)) {
			/* The page holding the new end is out in swap: back, for its tail to be zeroed. */
			paddr_t back;
			int r = swap_back(pc, size >> PAGE_SHIFT, tail, flags & PCG_NOPARK, &back);
			if (r == 0)
				frame_unref(back);
			else if (r != 1)
				return r;
			continue;
		}
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
	if (is_swap_value(v)) {
		swap_free(swap_value_entry(v));
		pc->nswapped--;
		return;
	}
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
	if (pa && is_swap_value(pa)) {
		/* Out in swap: its tail must read zero too; pcache_truncate_wait brings it back. */
		spin_unlock(&pc->lock);
		return -EBUSY;
	}
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

/* ---- swap ---- */

int pcache_adopt_dirty_locked(struct pcache *pc, u64 idx, paddr_t pa)
{
	assert(spin_is_locked(&pc->lock));
	int r = adopt_locked(pc, idx, pa, PG_UPTODATE | PG_DIRTY);
	if (r == 0) {
		pc->ndirty++;
		count(&stats.dirty, 1);
	}
	return r;
}

void pcache_free_written(struct pcache *pc, u64 idx, paddr_t pa)
{
	spin_lock(&pc->lock);
	if (pagemap_get(&pc->pages, idx) == pa && frame_refs(pa) == 2 &&
	    !(page_flags(pa) & (PG_DIRTY | PG_WRITEBACK | PG_LOCKED)))
		remove_locked(pc, idx, pa, false);
	spin_unlock(&pc->lock);
}

void pcache_forget_locked(struct pcache *pc, u64 idx)
{
	assert(spin_is_locked(&pc->lock));
	paddr_t pa = pagemap_get(&pc->pages, idx);
	if (pa && !is_swap_value(pa))
		remove_locked(pc, idx, pa, false);
}
