/*
 * Swap areas, slots and the swap cache (see swap.h). Page I/O goes
 * straight to the disk, a run of adjacent slots per request; completions
 * (from the disk's interrupt) touch the pages, the area's slot state and
 * the swap cache, which live until swapoff has waited for every I/O.
 *
 * A write that fails leaves its page in memory, dirty, and the area
 * taking no more pages: nothing is lost, and one message says why.
 * Reclaim then takes such pages back into the tables that hold their
 * entries (swap_rehome), so they can go to another area: left in the
 * failed area's cache, where nothing writes them, they would hold memory
 * until their process touched them, and a process filling memory does not.
 *
 * Locks used to protect data in this file:
 *  s  swap_lock: the areas table, and turning an anonymous page into a
 *     swap cache page (two domains sharing it copy-on-write may try at once)
 *  a  swap_area.lock: slot counts and the free count
 *  I  immutable while the area is in the table
 * Order: swap_lock, then a cache's lock, then an area's lock.
 */
#include "vm/swap.h"
#include "dev/blk.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "vm/reclaim.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SLOT_IO (1u << 31)	  /* a write of the slot is in flight: not to be reused yet */
#define SLOT_BAD 0x7fffffffu	  /* a bad page (the header says): never used */
#define SLOT_COUNT 0x7fffffffu	  /* the references */
#define SWAP_READ_CLUSTER 8	  /* slots read together when one is faulted in */
#define SECTORS_PER_PAGE (PAGE_SIZE >> BLK_SECTOR_SHIFT)
#define SWAPOFF_RETRY_NS (10UL * 1000000)

struct swap_area {
	struct pcache cache;	    /* the swap cache: its pages by slot */
	struct spinlock lock;
	u32 index;		    /* [I] its number in swap entries */
	struct blk_dev *dev;	    /* [I] */
	u64 pages;		    /* [I] slots, the header's (0) included */
	u64 usable;		    /* [I] slots that take pages (not the header, not bad) */
	u32 *blocks;		    /* [I] a file's: the disk block of each slot; NULL: the disk */
	u32 bshift;		    /* [I] */
	u32 *slots;		    /* [a] per slot: references, and SLOT_IO */
	u64 nfree;		    /* [a] slots free (not counting bad ones) */
	u64 next;		    /* [a] where the search for a free slot starts */
	int prio;		    /* [I] */
	bool dying;		    /* [a] swapoff: no new pages */
	u64 errors;		    /* [a] failed writes: no new pages either */
	void *owner;		    /* [I] */
	void (*release)(void *owner);
	char name[128];		    /* [I] /proc/swaps */
	u32 inflight;		    /* [a] I/O requests out */
};

static struct spinlock swap_lock = SPINLOCK_INIT;
static struct swap_area *areas[SWAP_MAX_AREAS]; /* [s] */

static struct swap_area *area_of_cache(struct pcache *pc)
{
	return container_of(pc, struct swap_area, cache);
}

static inline u64 make_entry(struct swap_area *a, u64 slot)
{
	return ((u64)a->index << 32) | slot;
}

/* The live area an entry names, or NULL (a bad entry is a kernel bug: said once). */
static struct swap_area *area_of(u64 entry, u64 *slot)
{
	u32 i = (u32)(entry >> 32);
	*slot = entry & 0xffffffffu;
	struct swap_area *a = i < SWAP_MAX_AREAS ? __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE) : NULL;
	if (!a || *slot == 0 || *slot >= a->pages) {
		pr_err("swap: entry %#lx names no slot\n", entry);
		return NULL;
	}
	return a;
}

static u64 sector_of(struct swap_area *a, u64 slot)
{
	if (!a->blocks)
		return slot * SECTORS_PER_PAGE;
	return (u64)a->blocks[slot] << (a->bshift - BLK_SECTOR_SHIFT);
}

/* ---- the header ---- */

#define SWAP_MAGIC "SWAPSPACE2"
#define SWAP_MAGIC_OFF (PAGE_SIZE - 10)
#define SWAP_VERSION_OFF 1024 /* after the boot block: version, last_page, nr_badpages */
#define SWAP_BADPAGES_OFF (1024 + 4 * 3 + 16 + 16 + 4 * 117)

int swap_check_header(const u8 *page, u64 avail, struct swap_geom *g, const char **why)
{
	if (memcmp(page + SWAP_MAGIC_OFF, SWAP_MAGIC, 10)) {
		*why = "no SWAPSPACE2 signature (run mkswap)";
		return -EINVAL;
	}
	u32 version, last, nbad;
	memcpy(&version, page + SWAP_VERSION_OFF, 4);
	memcpy(&last, page + SWAP_VERSION_OFF + 4, 4);
	memcpy(&nbad, page + SWAP_VERSION_OFF + 8, 4);
	if (version != 1) {
		*why = "swap header version is not 1";
		return -EINVAL;
	}
	if (last < 1 || last >= avail) {
		*why = "swap header's last page is past the end of the area";
		return -EINVAL;
	}
	if (nbad > (PAGE_SIZE - 10 - SWAP_BADPAGES_OFF) / 4) {
		*why = "swap header lists too many bad pages";
		return -EINVAL;
	}
	const u32 *bad = (const u32 *)(page + SWAP_BADPAGES_OFF);
	for (u32 i = 0; i < nbad; i++) {
		if (bad[i] == 0 || bad[i] > last) {
			*why = "swap header lists a bad page out of range";
			return -EINVAL;
		}
	}
	*g = (struct swap_geom){.pages = (u64)last + 1, .nbad = nbad, .bad = bad};
	return 0;
}

/* ---- I/O ---- */

/* One request: a run of slots at adjacent sectors. */
struct swap_io {
	struct blk_request req;
	struct swap_area *a;
	bool write;
	u32 n;
	u64 slot[BLK_MAX_SEGS];
	paddr_t page[BLK_MAX_SEGS];
	struct blk_seg seg[BLK_MAX_SEGS];
};

static void io_done(struct blk_request *r)
{
	struct swap_io *io = r->priv;
	struct swap_area *a = io->a;
	int err = r->status ? -EIO : 0;
	for (u32 i = 0; i < io->n; i++) {
		paddr_t pa = io->page[i];
		if (!io->write) {
			pcache_read_done(pa, err);
			continue;
		}
		__atomic_and_fetch(&a->slots[io->slot[i]], ~SLOT_IO, __ATOMIC_RELEASE);
		if (err) {
			/* The page stays in memory, dirty; the area takes no more pages. */
			if (!__atomic_fetch_add(&a->errors, 1, __ATOMIC_RELAXED))
				pr_err("swap: %s: a write failed: pages stay in memory, the area "
				       "takes no more\n",
				       a->name);
			pcache_redirty(&a->cache, pa);
			pcache_write_done(pa, 0);
		} else {
			frame_ref(pa); /* across write_done, for the look below */
			pcache_write_done(pa, 0);
			/* On the disk now: its memory goes unless someone took the page meanwhile. */
			pcache_free_written(&a->cache, io->slot[i], pa);
			frame_unref(pa);
		}
	}
	__atomic_sub_fetch(&a->inflight, 1, __ATOMIC_RELEASE);
	kfree(io);
}

/* Add slot/page to io if it continues the run; false if it does not (or io is full). */
static bool io_add(struct swap_io *io, u64 slot, paddr_t pa)
{
	struct swap_area *a = io->a;
	u64 sector = sector_of(a, slot);
	if (io->n) {
		if (io->n == MAX(a->dev->max_segs, 1u) ||
		    io->req.sector + io->req.count != sector ||
		    io->req.count + SECTORS_PER_PAGE > a->dev->max_sectors)
			return false;
	} else {
		io->req = (struct blk_request){.op = io->write ? BLK_WRITE : BLK_READ,
					       .sector = sector,
					       .segs = io->seg,
					       .done = io_done,
					       .priv = io};
	}
	io->slot[io->n] = slot;
	io->page[io->n] = pa;
	io->seg[io->n] = (struct blk_seg){pa, PAGE_SIZE};
	io->n++;
	io->req.nsegs = io->n;
	io->req.count += SECTORS_PER_PAGE;
	return true;
}

/*
 * Send io: 0; or, with the disk's ring full (nothing sent: the caller ends
 * its pages), -ERESTART_PARK with the caller parked for room (park), or
 * -EAGAIN.
 */
static int io_send(struct swap_io *io, bool park)
{
	__atomic_add_fetch(&io->a->inflight, 1, __ATOMIC_ACQ_REL);
	struct waitq *ring = NULL;
	int r = io->a->dev->submit(io->a->dev, &io->req, park && park_current() ? &ring : NULL);
	if (r == 0)
		return 0;
	__atomic_sub_fetch(&io->a->inflight, 1, __ATOMIC_RELEASE);
	if (r == -ERESTART_PARK) {
		long p = park_on(ring);
		spin_unlock(&ring->lock);
		return (int)p;
	}
	return -EAGAIN;
}

static u32 slot_refs(struct swap_area *a, u64 slot)
{
	return __atomic_load_n(&a->slots[slot], __ATOMIC_ACQUIRE) & SLOT_COUNT;
}

/* The swap cache's ops->readahead: slot first, and a few used slots after it, as one request. */
static int swap_readahead(struct pcache *pc, u64 first, u32 n, bool nopark)
{
	struct swap_area *a = area_of_cache(pc);
	struct swap_io *io = kzalloc(sizeof *io);
	if (!io)
		return -ENOMEM;
	io->a = a;
	n = (u32)MIN((u64)MIN(n, (u32)SWAP_READ_CLUSTER), a->pages - first);
	for (u64 slot = first; slot < first + n; slot++) {
		u32 refs = slot_refs(a, slot);
		if (slot > first && (!refs || refs == SLOT_BAD))
			break;
		paddr_t pa;
		int r = pcache_add_for_read(pc, slot, &pa);
		if (r < 0) {
			if (slot == first && r != -EEXIST) {
				kfree(io);
				return r;
			}
			break;
		}
		if (!io_add(io, slot, pa)) {
			pcache_read_abort(pa);
			break;
		}
	}
	if (!io->n) {
		kfree(io);
		return 0; /* someone else reads slot first: wait for theirs */
	}
	int r = io_send(io, !nopark);
	if (r < 0) {
		/* A full ring: parked for room (or nopark: later), the pages are read again then. */
		for (u32 i = 0; i < io->n; i++)
			pcache_read_abort(io->page[i]);
		kfree(io);
		return r;
	}
	return 0;
}

/* The swap cache's ops->write: runs of adjacent slots, one request each. */
static int swap_writepages(struct pcache *pc, const u64 *idx, const paddr_t *pa, u32 n, bool nopark)
{
	struct swap_area *a = area_of_cache(pc);
	u32 i = 0;
	int ret = 0;
	while (i < n) {
		struct swap_io *io = kzalloc(sizeof *io);
		if (!io) {
			ret = -ENOMEM;
			break;
		}
		io->a = a;
		io->write = true;
		while (i < n && io_add(io, idx[i], pa[i]))
			__atomic_or_fetch(&a->slots[idx[i++]], SLOT_IO, __ATOMIC_ACQ_REL);
		int r = io_send(io, !nopark && i == io->n);
		if (r < 0) {
			i -= io->n; /* not sent: these pages are dirty again below */
			for (u32 k = 0; k < io->n; k++)
				__atomic_and_fetch(&a->slots[io->slot[k]], ~SLOT_IO, __ATOMIC_RELEASE);
			kfree(io);
			ret = r;
			break;
		}
	}
	for (; i < n; i++)
		pcache_write_abort(pc, pa[i]);
	return ret;
}

static u64 cache_size(struct pcache *pc)
{
	return area_of_cache(pc)->pages << PAGE_SHIFT;
}

static bool cache_tryget(struct pcache *pc)
{
	return true; /* the area outlives every user of its cache (swapoff waits for them) */
}

static void cache_put(struct pcache *pc)
{
}

static const struct pcache_ops swap_cache_ops = {
	.readahead = swap_readahead,
	.write = swap_writepages,
	.size = cache_size,
	.tryget = cache_tryget,
	.put = cache_put,
};

/* ---- slots ---- */

/* A free slot of an area taking pages, counted once; 0 if none. Highest priority first. */
static u64 alloc_slot(struct swap_area **out)
{
	struct swap_area *best = NULL;
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE);
		if (!a || __atomic_load_n(&a->dying, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&a->errors, __ATOMIC_RELAXED) ||
		    !__atomic_load_n(&a->nfree, __ATOMIC_RELAXED))
			continue;
		if (!best || a->prio > best->prio)
			best = a;
	}
	if (!best)
		return 0;
	struct swap_area *a = best;
	spin_lock(&a->lock);
	/* Next fit from where the last search ended: consecutive evictions land side by side. */
	for (u64 k = 0; k < a->pages && a->nfree; k++) {
		u64 slot = 1 + (a->next + k) % (a->pages - 1);
		if (a->slots[slot] == 0) {
			a->slots[slot] = 1;
			a->nfree--;
			a->next = slot;
			spin_unlock(&a->lock);
			*out = a;
			return slot;
		}
	}
	spin_unlock(&a->lock);
	return 0;
}

void swap_dup(u64 entry)
{
	u64 slot;
	struct swap_area *a = area_of(entry, &slot);
	if (!a)
		return;
	spin_lock(&a->lock);
	assert(a->slots[slot] & SLOT_COUNT);
	a->slots[slot]++;
	spin_unlock(&a->lock);
}

void swap_free(u64 entry)
{
	u64 slot;
	struct swap_area *a = area_of(entry, &slot);
	if (!a)
		return;
	spin_lock(&a->cache.lock);
	spin_lock(&a->lock);
	assert(a->slots[slot] & SLOT_COUNT);
	bool last = (--a->slots[slot] & SLOT_COUNT) == 0;
	if (last)
		a->nfree++; /* reused once a write in flight is done (SLOT_IO) */
	spin_unlock(&a->lock);
	if (last)
		pcache_forget_locked(&a->cache, slot); /* its page is nobody's in swap any more */
	spin_unlock(&a->cache.lock);
}

int swap_page(u64 entry, bool nopark, paddr_t *pa)
{
	u64 slot;
	struct swap_area *a = area_of(entry, &slot);
	if (!a)
		return -EIO;
	if (!slot_refs(a, slot))
		return -ENOENT;
	return pcache_get(&a->cache, slot, nopark ? PCG_NOPARK : 0, pa);
}

/* ---- pages going to swap ---- */

/* Put pa (referenced by the caller, who holds swap_lock) into a's cache at slot, dirty. */
static int cache_insert(struct swap_area *a, u64 slot, paddr_t pa)
{
	spin_lock(&a->cache.lock);
	int r = pcache_adopt_dirty_locked(&a->cache, slot, pa);
	spin_unlock(&a->cache.lock);
	return r;
}

static void slot_release(struct swap_area *a, u64 slot)
{
	spin_lock(&a->lock);
	a->slots[slot] = 0;
	a->nfree++;
	spin_unlock(&a->lock);
}

/* mm's evict hook: see mm/domain.h. Caller holds the domain's lock. */
static int swap_evict(paddr_t pa, u64 *entry)
{
	struct frame *f = pa_to_frame(pa);
	struct pcache *owner = __atomic_load_n(&f->owner, __ATOMIC_ACQUIRE);
	if (owner && !(owner->flags & PC_SWAPCACHE))
		return MM_EVICT_DROP; /* an object's page: its object keeps it */
	if (!owner && !swap_active())
		return MM_EVICT_KEEP; /* anonymous, and nowhere to put it */
	spin_lock(&swap_lock);
	owner = __atomic_load_n(&f->owner, __ATOMIC_ACQUIRE);
	int how = MM_EVICT_SWAP;
	if (owner) {
		/* In the swap cache already (shared copy-on-write): one more entry for its slot. */
		struct swap_area *a = area_of_cache(owner);
		*entry = make_entry(a, f->index);
		swap_dup(*entry);
	} else {
		struct swap_area *a = NULL;
		u64 slot = alloc_slot(&a);
		if (!slot) {
			how = MM_EVICT_KEEP;
		} else if (cache_insert(a, slot, pa) < 0) {
			slot_release(a, slot);
			how = MM_EVICT_KEEP;
		} else {
			*entry = make_entry(a, slot);
		}
	}
	spin_unlock(&swap_lock);
	return how;
}

int swap_take_page_locked(struct pcache *pc, u64 idx, paddr_t pa, u64 *entry)
{
	assert(spin_is_locked(&pc->lock));
	spin_lock(&swap_lock);
	struct swap_area *a = NULL;
	u64 slot = alloc_slot(&a);
	int r = slot ? cache_insert(a, slot, pa) : -ENOSPC;
	if (slot && r < 0)
		slot_release(a, slot);
	spin_unlock(&swap_lock);
	if (r == 0)
		*entry = make_entry(a, slot);
	return r;
}

static bool swap_exclusive(paddr_t pa)
{
	return !__atomic_load_n(&pa_to_frame(pa)->owner, __ATOMIC_ACQUIRE) && frame_refs(pa) <= 2;
}

bool swap_active(void)
{
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE);
		if (a && !a->dying && !a->errors && a->nfree)
			return true;
	}
	return false;
}

u64 swap_write_dirty(void)
{
	u64 before = 0, after = 0;
	struct pcache_stats s;
	pcache_get_stats(&s);
	before = s.writeback;
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE);
		if (a && !a->errors)
			pcache_writeback(&a->cache, 0, ~0UL, false, PCG_NOPARK);
	}
	pcache_get_stats(&s);
	after = s.writeback;
	return after > before ? after - before : 0;
}

/* ---- pages a failed area could not write ---- */

/*
 * Every domain once, referenced, in the order of their ids (never 0: the
 * hand starts there); NULL once the list wraps round. Ids only grow, so
 * wrapping shows as an id not past the last one, even when the first
 * domain visited has gone meanwhile.
 */
static struct domain *next_domain_once(u64 *hand)
{
	u64 last = *hand;
	struct domain *d = domain_next(hand);
	if (d && *hand <= last) {
		domain_put(d);
		return NULL;
	}
	return d;
}

/* An entry of an area whose writes failed, its page still in that area's cache. Under d->lock. */
static bool stranded(u64 entry, void *arg)
{
	u32 i = (u32)(entry >> 32);
	struct swap_area *a = i < SWAP_MAX_AREAS ? __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE) : NULL;
	/* The entry in d's table holds its slot, so the area outlives this look. */
	return a && __atomic_load_n(&a->errors, __ATOMIC_RELAXED) &&
	       pcache_present(&a->cache, entry & 0xffffffffu);
}

u64 swap_stranded(void)
{
	u64 n = 0;
	spin_lock(&swap_lock);
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = areas[i];
		if (!a || !__atomic_load_n(&a->errors, __ATOMIC_RELAXED))
			continue;
		spin_lock(&a->cache.lock);
		n += a->cache.ndirty;
		spin_unlock(&a->cache.lock);
	}
	spin_unlock(&swap_lock);
	return n;
}

u64 swap_rehome(void)
{
	if (!swap_stranded())
		return 0;
	u64 n = 0, hand = 0;
	for (struct domain *d; (d = next_domain_once(&hand));) {
		n += domain_swapin_cached(d, stranded, NULL);
		domain_put(d);
	}
	return n;
}

/* ---- areas ---- */

int swap_add_area(const char *name, struct blk_dev *dev, const struct swap_geom *g, u32 *blocks,
		  u32 bshift, int prio, void *owner, void (*release)(void *owner))
{
	struct swap_area *a = knew(struct swap_area);
	u32 *slots = a ? kzalloc(g->pages * sizeof *slots) : NULL;
	if (!slots) {
		kfree(a);
		return -ENOMEM;
	}
	pcache_init(&a->cache, &swap_cache_ops, PC_SWAPCACHE);
	a->lock = (struct spinlock)SPINLOCK_INIT;
	a->dev = dev;
	a->pages = g->pages;
	a->blocks = blocks;
	a->bshift = bshift;
	a->slots = slots;
	a->owner = owner;
	a->release = release;
	strlcpy(a->name, name, sizeof a->name);
	slots[0] = SLOT_BAD; /* the header */
	u64 bad = 0;
	for (u32 i = 0; i < g->nbad; i++)
		if (slots[g->bad[i]] != SLOT_BAD) {
			slots[g->bad[i]] = SLOT_BAD;
			bad++;
		}
	/* A file's pages that are not whole on the disk (block 0 in the map) are not used either. */
	for (u64 i = 1; blocks && i < g->pages; i++)
		if (!blocks[i] && slots[i] != SLOT_BAD) {
			slots[i] = SLOT_BAD;
			bad++;
		}
	a->nfree = a->usable = g->pages - 1 - bad;
	a->next = 0;
	spin_lock(&swap_lock);
	int r = -ENOSPC, lowest = 0;
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *o = areas[i];
		if (o && ((owner && o->owner == owner) || (!owner && !o->owner && o->dev == dev))) {
			r = -EBUSY;
			break;
		}
		if (o && o->prio <= lowest)
			lowest = o->prio - 1;
	}
	if (r != -EBUSY) {
		for (int i = 0; i < SWAP_MAX_AREAS; i++) {
			if (!areas[i]) {
				a->index = (u32)i;
				a->prio = prio >= 0 ? prio : lowest - 1;
				__atomic_store_n(&areas[i], a, __ATOMIC_RELEASE);
				r = 0;
				break;
			}
		}
	}
	spin_unlock(&swap_lock);
	if (r < 0) {
		kfree(slots);
		kfree(a);
		return r;
	}
	pr_info("swap: %s: %lu KiB on %s, priority %d\n", a->name, a->usable * PAGE_SIZE / 1024,
		dev->name, a->prio);
	return 0;
}

static struct swap_area *find_area(void *owner, struct blk_dev *dev)
{
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE);
		if (a && (owner ? a->owner == owner : (!a->owner && a->dev == dev)))
			return a;
	}
	return NULL;
}

bool swap_in_use(void *owner, struct blk_dev *dev)
{
	spin_lock(&swap_lock);
	bool in = find_area(owner, dev) != NULL;
	spin_unlock(&swap_lock);
	return in;
}

static u64 swap_free_elsewhere(struct swap_area *a);

static bool in_area(u64 entry, void *arg)
{
	return (entry >> 32) == ((struct swap_area *)arg)->index;
}

int swap_remove_area(void *owner, struct blk_dev *dev)
{
	spin_lock(&swap_lock);
	struct swap_area *a = find_area(owner, dev);
	spin_unlock(&swap_lock);
	if (!a)
		return -EINVAL;
	/* What must come back into memory: the slots in use, less the pages still in the swap cache. */
	u64 used = a->usable - a->nfree;
	spin_lock(&a->cache.lock);
	used -= MIN(used, a->cache.nrpages);
	spin_unlock(&a->cache.lock);
	if (!a->dying && used + buddy_reserve_pages() > buddy_free_pages() + swap_free_elsewhere(a))
		return -ENOMEM; /* memory (and the other areas) cannot hold what is out there */
	__atomic_store_n(&a->dying, true, __ATOMIC_RELEASE);
	/* Every process's pages, then shared memory's; parked while they are read back. */
	u64 hand = 0;
	for (struct domain *d; (d = next_domain_once(&hand));) {
		int r = domain_swapin_all(d, in_area, a);
		domain_put(d);
		if (r)
			return r;
	}
	int r = pcache_swapin_all(in_area, a);
	if (r)
		return r;
	/* What is left: a fork's copy made meanwhile, or I/O still out: look again soon. */
	spin_lock(&a->lock);
	u64 in_use = 0;
	for (u64 s = 1; s < a->pages; s++)
		if (a->slots[s] != SLOT_BAD && a->slots[s])
			in_use++;
	spin_unlock(&a->lock);
	if (in_use || __atomic_load_n(&a->inflight, __ATOMIC_ACQUIRE)) {
		long p = park_until(tsc_ns() + SWAPOFF_RETRY_NS);
		return p ? (int)p : -ERESTART_PARK;
	}
	spin_lock(&swap_lock);
	areas[a->index] = NULL;
	spin_unlock(&swap_lock);
	pcache_destroy(&a->cache);
	pr_info("swap: %s: off\n", a->name);
	if (a->release)
		a->release(a->owner);
	kfree(a->blocks);
	kfree(a->slots);
	kfree(a);
	return 0;
}

void swap_get_stats(struct swap_stats *s)
{
	*s = (struct swap_stats){0};
	spin_lock(&swap_lock);
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = areas[i];
		if (!a)
			continue;
		s->total += a->usable;
		s->free += a->nfree;
		spin_lock(&a->cache.lock);
		s->cached += a->cache.nrpages;
		s->dirty += a->cache.ndirty;
		spin_unlock(&a->cache.lock);
	}
	spin_unlock(&swap_lock);
}

size_t swap_text(char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%-40s%-16s%-8s%-8s%s\n", "Filename", "Type", "Size",
				    "Used", "Priority");
	spin_lock(&swap_lock);
	for (int i = 0; i < SWAP_MAX_AREAS && n < len; i++) {
		struct swap_area *a = areas[i];
		if (!a)
			continue;
		u64 size = a->usable * (PAGE_SIZE / 1024);
		u64 used = (a->usable - a->nfree) * (PAGE_SIZE / 1024);
		n += (size_t)snprintf(buf + n, len - n, "%-40s%-16s%-8lu%-8lu%d\n", a->name,
				      a->blocks ? "file" : "partition", size, used, a->prio);
	}
	spin_unlock(&swap_lock);
	return MIN(n, len);
}

/* Free slots in the areas taking pages other than a. */
static u64 swap_free_elsewhere(struct swap_area *a)
{
	u64 n = 0;
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *o = __atomic_load_n(&areas[i], __ATOMIC_ACQUIRE);
		if (o && o != a && !o->dying && !o->errors)
			n += o->nfree;
	}
	return n;
}

static const struct mm_swap_ops swap_ops = {
	.evict = swap_evict,
	.dup = swap_dup,
	.free = swap_free,
	.page = swap_page,
	.exclusive = swap_exclusive,
	.wait_memory = reclaim_wait_memory,
};

void swap_init(void)
{
	mm_set_swap_ops(&swap_ops);
}
