/*
 * The block cache (see bcache.h). One global cache, one lock: every
 * buffer's hash and LRU links, flags and references are under
 * bcache.lock; a buffer's data belongs to whoever holds references (the
 * file system orders its own updates). I/O completions arrive through
 * blk_request.done from the driver's interrupt with no driver lock held,
 * take bcache.lock briefly, and wake the buffer's wait queue and the sync
 * queue. Lock order: bcache.lock, then a driver's lock or a wait queue's.
 */
#include "fs/bcache.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/park.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "vm/writeback.h"

#define BCACHE_HASH 1024		      /* buckets, a power of two */
#define BCACHE_SHUTDOWN_NS (3UL * 1000000000) /* a disk silent for 3 s at power-off is dead */

struct devstate {		  /* per device: the flush we owe it */
	struct blk_dev *dev;	  /* [c] */
	bool needs_flush;	  /* [c] writes completed since the last flush was sent */
	bool flushing;		  /* [c] flush in flight */
	struct blk_request flush; /* [c] */
};

static struct bcache {
	struct spinlock lock;
	struct list_node hash[BCACHE_HASH];    /* [c] */
	struct list_node lru;		       /* [c] every buffer, least recently used first */
	u64 bytes;			       /* [c] data bytes held */
	u32 nbufs;			       /* [c] */
	u32 writing;			       /* [c] writes in flight */
	u64 write_errors, errors_reported;     /* [c] */
	struct waitq sync_wait;		       /* syncs waiting for writes and flushes */
	struct devstate devs[BLK_MAX_DEVICES]; /* [c] */
	u64 max_bytes;			       /* [c] the soft bound */
	u64 hits, misses, evictions, writes;   /* [c] */
	bool ready;			       /* [c] lists initialised */
	bool dirtied;			       /* [c] a block became dirty since the last write-back pass */
	void (*at_shutdown[4])(void);	       /* [c] the file systems' last words (bcache_at_shutdown) */
} cache = {.lock = SPINLOCK_INIT, .max_bytes = BCACHE_MIN_BYTES};

static struct {
	struct task task;
	struct timer tm;
	u64 next;
} wb;

static void init_locked(void)
{
	assert(spin_is_locked(&cache.lock));
	if (cache.ready)
		return;
	for (int i = 0; i < BCACHE_HASH; i++)
		list_init(&cache.hash[i]);
	list_init(&cache.lru);
	waitq_init(&cache.sync_wait);
	cache.ready = true;
}

static struct list_node *bucket(struct blk_dev *dev, u64 blockno, u32 size)
{
	u64 h = ((u64)(uintptr_t)dev >> 4) ^ (blockno * 0x9e3779b97f4a7c15ULL) ^ size;
	return &cache.hash[(h ^ (h >> 29)) & (BCACHE_HASH - 1)];
}

static struct devstate *devstate(struct blk_dev *dev)
{
	for (int i = 0; i < BLK_MAX_DEVICES; i++) {
		if (cache.devs[i].dev == dev)
			return &cache.devs[i];
		if (!cache.devs[i].dev) {
			cache.devs[i].dev = dev;
			return &cache.devs[i];
		}
	}
	panic("bcache: more than %d devices", BLK_MAX_DEVICES);
}

static void free_buf_locked(struct bbuf *b)
{
	assert(spin_is_locked(&cache.lock));
	assert(!b->j.run && !b->j.commit && !b->j.cp); /* the journal holds references */
	if (!(b->flags & B_STALE))
		list_remove(&b->hnode);
	list_remove(&b->lru);
	cache.bytes -= b->size;
	cache.nbufs--;
	kfree(b->data);
	kfree(b);
}

/* Referenced, dirty or with I/O in flight: a buffer that may not be freed now. */
static bool busy(const struct bbuf *b)
{
	return b->refs || (b->flags & (B_DIRTY | B_READING | B_WRITING | B_PINNED));
}

/* Changes that write-back owes the disk: dirty and not pinned by a journal, or being written. */
static bool owed(const struct bbuf *b)
{
	return (b->flags & B_WRITING) || (b->flags & (B_DIRTY | B_PINNED)) == B_DIRTY;
}

#define EVICT_SKIP_MAX 32

/*
 * Evict clean, idle buffers from the cold end until `need` more bytes fit
 * under the (soft) bound. A buffer that cannot go (dirty, busy, in use)
 * moves to the hot end, and the scan gives up after a few of those: with
 * much of the cache dirty, each new buffer would otherwise walk all of it.
 * The cache then runs over its bound until write-back cleans some.
 */
static void evict_locked(u64 need)
{
	assert(spin_is_locked(&cache.lock));
	struct list_node *n, *tmp;
	u32 skipped = 0;
	list_for_each_safe(n, tmp, &cache.lru)
	{
		if (cache.bytes + need <= cache.max_bytes)
			return;
		struct bbuf *b = container_of(n, struct bbuf, lru);
		if (busy(b)) {
			if (++skipped >= EVICT_SKIP_MAX)
				return;
			list_remove(&b->lru);
			list_push_back(&cache.lru, &b->lru);
			continue;
		}
		free_buf_locked(b);
		cache.evictions++;
	}
}

#define RECLAIM_MIN_BYTES (1UL << 20) /* one call frees a batch, not a page at a time */

/* Free clean, idle buffers, coldest first, until `want` bytes are back; bytes freed. */
static u64 free_idle_locked(u64 want)
{
	assert(spin_is_locked(&cache.lock));
	u64 freed = 0;
	struct list_node *n, *tmp;
	init_locked();
	list_for_each_safe(n, tmp, &cache.lru)
	{
		if (freed >= want)
			break;
		struct bbuf *b = container_of(n, struct bbuf, lru);
		if (busy(b))
			continue;
		freed += b->size;
		free_buf_locked(b);
		cache.evictions++;
	}
	return freed;
}

u64 bcache_reclaim(u64 want)
{
	if (!spin_trylock(&cache.lock))
		return 0;
	u64 freed = free_idle_locked(MAX(want, RECLAIM_MIN_BYTES));
	spin_unlock(&cache.lock);
	return freed;
}

u64 bcache_drop_clean(void)
{
	spin_lock(&cache.lock);
	u64 freed = free_idle_locked(~0UL);
	spin_unlock(&cache.lock);
	return freed;
}

u64 bcache_drop_dev(struct blk_dev *dev)
{
	u64 freed = 0;
	struct list_node *n, *tmp;
	spin_lock(&cache.lock);
	init_locked();
	list_for_each_safe(n, tmp, &cache.lru)
	{
		struct bbuf *b = container_of(n, struct bbuf, lru);
		if (b->dev != dev || busy(b))
			continue;
		freed += b->size;
		free_buf_locked(b);
	}
	spin_unlock(&cache.lock);
	return freed;
}

long bcache_settle_thread(struct blk_dev *dev)
{
	long r = bcache_sync_thread(dev);
	if (r == 0)
		bcache_drop_dev(dev);
	return r;
}

/* From the driver's completion: record, then wake getters and syncs. */
static void read_done(struct blk_request *r)
{
	struct bbuf *b = r->priv;
	spin_lock(&cache.lock);
	b->flags &= ~B_READING;
	b->flags |= r->status ? B_ERROR : B_VALID;
	/* Woken under the cache's lock: once it is let go, an idle buffer may be freed by reclaim. */
	waitq_wake_all(&b->wait);
	spin_unlock(&cache.lock);
	waitq_wake_all(&cache.sync_wait); /* it may have waited for room in the ring */
}

static void write_done(struct blk_request *r)
{
	struct bbuf *b = r->priv;
	spin_lock(&cache.lock);
	b->flags &= ~B_WRITING;
	cache.writing--;
	bool stale = (b->flags & B_STALE) && !b->refs;
	if (r->status) {
		/* Not retried: a block the disk refuses would be retried forever. */
		cache.write_errors++;
		pr_err("bcache: %s: write of block %lu failed\n", b->dev->name, b->blockno);
	} else {
		devstate(b->dev)->needs_flush = true;
	}
	if (stale)
		free_buf_locked(b); /* nobody waits on a forgotten buffer's queue */
	else
		waitq_wake_all(&b->wait); /* under the lock, as in read_done */
	spin_unlock(&cache.lock);
	waitq_wake_all(&cache.sync_wait);
}

static void flush_done(struct blk_request *r)
{
	struct devstate *ds = r->priv;
	spin_lock(&cache.lock);
	ds->flushing = false;
	if (r->status) {
		cache.write_errors++;
		pr_err("bcache: %s: cache flush failed\n", ds->dev->name);
	}
	spin_unlock(&cache.lock);
	waitq_wake_all(&cache.sync_wait);
}

static int check_args(struct blk_dev *dev, u64 blockno, u32 bsize)
{
	if (bsize < BLK_SECTOR_SIZE || bsize > BCACHE_MAX_BLOCK || (bsize & (bsize - 1)) ||
	    bsize > (u64)dev->max_sectors << BLK_SECTOR_SHIFT)
		return -EINVAL;
	if (blockno >= dev->sectors / (bsize >> BLK_SECTOR_SHIFT))
		return -EIO;
	return 0;
}

static struct bbuf *lookup_locked(struct blk_dev *dev, u64 blockno, u32 bsize)
{
	assert(spin_is_locked(&cache.lock));
	struct list_node *n;
	list_for_each(n, bucket(dev, blockno, bsize))
	{
		struct bbuf *c = container_of(n, struct bbuf, hnode);
		if (c->dev == dev && c->blockno == blockno && c->size == bsize)
			return c;
	}
	return NULL;
}

/* A new buffer in the hash and LRU with the given flags; NULL when out of memory. */
static struct bbuf *new_buf_locked(struct blk_dev *dev, u64 blockno, u32 bsize, u32 flags)
{
	assert(spin_is_locked(&cache.lock));
	evict_locked(bsize);
	struct bbuf *b = knew(struct bbuf);
	u8 *data = b ? kmalloc(bsize) : NULL; /* kmalloc: size-aligned, physically contiguous */
	if (!data) {
		kfree(b);
		return NULL;
	}
	*b = (struct bbuf){
	    .dev = dev, .blockno = blockno, .size = bsize, .flags = flags, .data = data};
	waitq_init(&b->wait);
	list_push_back(bucket(dev, blockno, bsize), &b->hnode);
	list_push_back(&cache.lru, &b->lru);
	cache.bytes += bsize;
	cache.nbufs++;
	return b;
}

/* Hand back b->wait locked for the caller to park on (see bcache.h). */
static int park_locked(struct bbuf *b, struct waitq **park)
{
	assert(spin_is_locked(&cache.lock));
	if (!park) {
		spin_unlock(&cache.lock);
		return -EAGAIN;
	}
	/* Lock the wait queue before the cache: read_done's wake comes after we are on it. */
	spin_lock(&b->wait.lock);
	spin_unlock(&cache.lock);
	*park = &b->wait;
	return -ERESTART_PARK;
}

int bcache_get_new(struct blk_dev *dev, u64 blockno, u32 bsize, struct bbuf **out,
		   struct waitq **park)
{
	int r = check_args(dev, blockno, bsize);
	if (r)
		return r;
	spin_lock(&cache.lock);
	init_locked();
	struct bbuf *b = lookup_locked(dev, blockno, bsize);
	if (b && (b->flags & B_READING))
		return park_locked(b, park); /* the read would land on top of our zeroes */
	if (b) {
		list_remove(&b->lru);
		list_push_back(&cache.lru, &b->lru);
		b->flags = (b->flags & ~B_ERROR) | B_VALID;
	} else {
		b = new_buf_locked(dev, blockno, bsize, B_VALID);
		if (!b) {
			spin_unlock(&cache.lock);
			return -ENOMEM;
		}
	}
	memset(b->data, 0, bsize);
	b->flags |= B_DIRTY;
	cache.dirtied = true;
	b->refs++;
	spin_unlock(&cache.lock);
	*out = b;
	return 0;
}

/* A run of adjacent blocks read with one request (bcache_read_run). */
struct read_run {
	struct blk_request req;
	u32 n;
	struct bbuf *bufs[BLK_MAX_SEGS];
	struct blk_seg segs[BLK_MAX_SEGS];
};

static void run_done(struct blk_request *r)
{
	struct read_run *run = r->priv;
	spin_lock(&cache.lock);
	/*
	 * Woken under the cache's lock, as read_done does: once it is let go,
	 * an idle buffer may be freed (reclaim, bcache_drop_dev), and a wake
	 * after that took a freed buffer's lock (a loop device's worker hung so).
	 */
	for (u32 i = 0; i < run->n; i++) {
		run->bufs[i]->flags &= ~B_READING;
		run->bufs[i]->flags |= r->status ? B_ERROR : B_VALID;
		waitq_wake_all(&run->bufs[i]->wait);
	}
	spin_unlock(&cache.lock);
	waitq_wake_all(&cache.sync_wait); /* it may have waited for room in the ring */
	kfree(run);
}

/*
 * Read the blocks first.. (up to n, all missing) with one request; how
 * many it started. Caller holds cache.lock.
 */
static u32 read_run_locked(struct blk_dev *dev, u64 first, u32 n, u32 bsize)
{
	assert(spin_is_locked(&cache.lock));
	u64 per = bsize >> BLK_SECTOR_SHIFT;
	struct read_run *run = knew(struct read_run);
	if (!run)
		return 0;
	u32 k = 0;
	for (; k < n && !lookup_locked(dev, first + k, bsize); k++) {
		struct bbuf *b = new_buf_locked(dev, first + k, bsize, B_READING);
		if (!b)
			break;
		run->bufs[k] = b;
		run->segs[k] = (struct blk_seg){virt_to_phys(b->data), bsize};
	}
	run->n = k;
	run->req = (struct blk_request){.op = BLK_READ, .sector = first * per, .count = (u32)(k * per),
					.segs = run->segs, .nsegs = k, .done = run_done, .priv = run};
	if (k && dev->submit(dev, &run->req, NULL) == 0) {
		cache.misses += k;
		return k;
	}
	/* Nothing to read, or the ring is full: nobody has seen these buffers yet. */
	for (u32 i = 0; i < k; i++)
		free_buf_locked(run->bufs[i]);
	kfree(run);
	return 0;
}

u32 bcache_read_ahead(struct blk_dev *dev, u64 first, u32 n, u32 bsize)
{
	if (check_args(dev, first, bsize) || bsize > PAGE_SIZE)
		return 0;
	u64 per = bsize >> BLK_SECTOR_SHIFT;
	n = (u32)MIN((u64)n, dev->sectors / per - first);
	u32 most = (u32)MIN((u64)MAX(dev->max_segs, 1u), dev->max_sectors / per);
	u32 started = 0;
	spin_lock(&cache.lock);
	init_locked();
	for (u64 b = first; b < first + n;) {
		if (lookup_locked(dev, b, bsize)) {
			b++; /* cached or on its way already */
			continue;
		}
		u32 k = read_run_locked(dev, b, (u32)MIN((u64)most, first + n - b), bsize);
		if (!k)
			break; /* out of memory or ring space: the reader will ask again */
		started += k;
		b += k;
	}
	spin_unlock(&cache.lock);
	return started;
}

bool bcache_present(struct blk_dev *dev, u64 blockno, u32 bsize)
{
	spin_lock(&cache.lock);
	init_locked();
	bool there = lookup_locked(dev, blockno, bsize) != NULL;
	spin_unlock(&cache.lock);
	return there;
}

struct bbuf *bcache_peek(struct blk_dev *dev, u64 blockno, u32 bsize)
{
	if (check_args(dev, blockno, bsize))
		return NULL;
	spin_lock(&cache.lock);
	init_locked();
	struct bbuf *b = lookup_locked(dev, blockno, bsize);
	if (b && (b->flags & B_VALID))
		b->refs++;
	else
		b = NULL;
	spin_unlock(&cache.lock);
	return b;
}

int bcache_get(struct blk_dev *dev, u64 blockno, u32 bsize, struct bbuf **out, struct waitq **park)
{
	int err = check_args(dev, blockno, bsize);
	if (err)
		return err;
	u64 per = bsize >> BLK_SECTOR_SHIFT;
	spin_lock(&cache.lock);
	init_locked();
	struct bbuf *b = lookup_locked(dev, blockno, bsize);
	if (b) {
		list_remove(&b->lru);
		list_push_back(&cache.lru, &b->lru); /* most recently used */
		if (b->flags & B_VALID) {
			b->refs++;
			cache.hits++;
			spin_unlock(&cache.lock);
			*out = b;
			return 0;
		}
		if (b->flags & B_ERROR) {
			/* Those who waited see the error; the next get tries the disk again. */
			if (!b->refs)
				free_buf_locked(b);
			spin_unlock(&cache.lock);
			return -EIO;
		}
		return park_locked(b, park); /* B_READING */
	}

	/* A miss: make the buffer and start the read. */
	b = new_buf_locked(dev, blockno, bsize, B_READING);
	if (!b) {
		spin_unlock(&cache.lock);
		return -ENOMEM;
	}
	b->req = (struct blk_request){.op = BLK_READ,
				      .sector = blockno * per,
				      .count = (u32)per,
				      .buf = virt_to_phys(b->data),
				      .done = read_done,
				      .priv = b};
	cache.misses++;
	struct waitq *ring;
	int r = dev->submit(dev, &b->req, park ? &ring : NULL);
	if (r != 0) {
		/* Not started: forget the buffer; a full ring is waited for like a read. */
		free_buf_locked(b);
		spin_unlock(&cache.lock);
		if (r == -ERESTART_PARK)
			*park = ring; /* locked by submit */
		return r == -ERESTART_PARK || r == -EAGAIN ? r : -EIO;
	}
	return park_locked(b, park);
}

void bcache_dirty(struct bbuf *b)
{
	spin_lock(&cache.lock);
	if (b->flags & B_STALE) {
		spin_unlock(&cache.lock); /* forgotten: its block is file data now */
		return;
	}
	assert(b->refs && (b->flags & B_VALID));
	b->flags |= B_DIRTY;
	cache.dirtied = true;
	spin_unlock(&cache.lock);
}

void bcache_pin(struct bbuf *b, bool pinned)
{
	spin_lock(&cache.lock);
	assert(b->refs);
	if (pinned) {
		b->flags |= B_PINNED;
	} else {
		b->flags &= ~B_PINNED;
		if (b->flags & B_DIRTY)
			cache.dirtied = true; /* write-back's next pass takes it */
	}
	spin_unlock(&cache.lock);
}

struct bbuf *bcache_ref(struct bbuf *b)
{
	spin_lock(&cache.lock);
	assert(b->refs);
	b->refs++;
	spin_unlock(&cache.lock);
	return b;
}

bool bcache_written(struct bbuf *b)
{
	spin_lock(&cache.lock);
	bool w = !(b->flags & (B_DIRTY | B_WRITING));
	spin_unlock(&cache.lock);
	return w;
}

int bcache_overwrite(struct blk_dev *dev, u64 blockno, u32 bsize, const void *data)
{
	int r = check_args(dev, blockno, bsize);
	if (r)
		return r;
	spin_lock(&cache.lock);
	init_locked();
	struct bbuf *b = lookup_locked(dev, blockno, bsize);
	if (b && (b->flags & B_READING)) {
		spin_unlock(&cache.lock);
		return -EAGAIN; /* the read would land on top of the copy */
	}
	if (!b) {
		b = new_buf_locked(dev, blockno, bsize, 0);
		if (!b) {
			spin_unlock(&cache.lock);
			return -ENOMEM;
		}
	}
	if (!(b->flags & B_VALID) || memcmp(b->data, data, bsize)) {
		memcpy(b->data, data, bsize);
		b->flags = (b->flags & ~B_ERROR) | B_VALID | B_DIRTY;
		cache.dirtied = true;
	}
	spin_unlock(&cache.lock);
	return 0;
}

void bcache_put(struct bbuf *b)
{
	spin_lock(&cache.lock);
	assert(b->refs);
	b->refs--;
	if ((b->flags & B_STALE) && !b->refs && !(b->flags & (B_READING | B_WRITING)))
		free_buf_locked(b);
	spin_unlock(&cache.lock);
}

void bcache_forget(struct blk_dev *dev, u64 blockno, u32 bsize)
{
	spin_lock(&cache.lock);
	init_locked();
	struct bbuf *b = lookup_locked(dev, blockno, bsize);
	if (b && !(b->flags & B_READING)) {
		if (!b->refs && !(b->flags & B_WRITING)) {
			free_buf_locked(b);
		} else {
			/* Held, or its last write in flight: out of sight now, freed when let go. */
			list_remove(&b->hnode);
			b->flags = (b->flags & ~(B_DIRTY | B_VALID)) | B_STALE;
		}
	}
	spin_unlock(&cache.lock);
}

void bcache_note_write(struct blk_dev *dev)
{
	spin_lock(&cache.lock);
	init_locked();
	devstate(dev)->needs_flush = true;
	spin_unlock(&cache.lock);
}

u32 bcache_refs(struct bbuf *b)
{
	spin_lock(&cache.lock);
	u32 n = b->refs;
	spin_unlock(&cache.lock);
	return n;
}

/*
 * Start writes of dirty, idle buffers (of dev, or all). Returns false if
 * the ring filled up before all were started. A buffer changed while its
 * write is in flight is marked dirty again and written once more.
 */
static bool start_writes_locked(struct blk_dev *dev)
{
	assert(spin_is_locked(&cache.lock));
	struct list_node *n;
	list_for_each(n, &cache.lru)
	{
		struct bbuf *b = container_of(n, struct bbuf, lru);
		if (!(b->flags & B_DIRTY) || (b->flags & (B_WRITING | B_READING | B_PINNED)) ||
		    (dev && b->dev != dev))
			continue;
		b->req = (struct blk_request){.op = BLK_WRITE,
					      .sector = b->blockno * (b->size >> BLK_SECTOR_SHIFT),
					      .count = b->size >> BLK_SECTOR_SHIFT,
					      .buf = virt_to_phys(b->data),
					      .done = write_done,
					      .priv = b};
		b->flags = (b->flags & ~B_DIRTY) | B_WRITING;
		int r = b->dev->submit(b->dev, &b->req, NULL);
		if (r == -EAGAIN) {
			b->flags = (b->flags & ~B_WRITING) | B_DIRTY;
			cache.dirtied = true; /* the rest waits for the next pass */
			return false;
		}
		if (r) {
			b->flags &= ~B_WRITING;
			cache.write_errors++;
			pr_err("bcache: %s: cannot write block %lu\n", b->dev->name, b->blockno);
			continue;
		}
		cache.writing++;
		cache.writes++;
	}
	return true;
}

/* Send the flushes owed once no write is in flight. Returns true if one is (still) in flight. */
static bool start_flushes_locked(struct blk_dev *dev)
{
	assert(spin_is_locked(&cache.lock));
	bool busy = false;
	for (int i = 0; i < BLK_MAX_DEVICES && cache.devs[i].dev; i++) {
		struct devstate *ds = &cache.devs[i];
		if (dev && ds->dev != dev)
			continue;
		if (!ds->flushing && ds->needs_flush && !cache.writing) {
			ds->flush =
			    (struct blk_request){.op = BLK_FLUSH, .done = flush_done, .priv = ds};
			int r = ds->dev->submit(ds->dev, &ds->flush, NULL);
			if (r == 0) {
				ds->flushing = true;
				ds->needs_flush = false;
			} else if (r == 1) {
				ds->needs_flush = false; /* no volatile cache */
			} else if (r == -EAGAIN) {
				busy = true;
			} else {
				ds->needs_flush = false;
				cache.write_errors++;
			}
		}
		busy |= ds->flushing;
	}
	return busy;
}

/* One step of a sync: 0 done, 1 still waiting for the disk, -EIO after write errors. */
static int sync_step_locked(struct blk_dev *dev)
{
	assert(spin_is_locked(&cache.lock));
	init_locked();
	bool all_started = start_writes_locked(dev);
	bool flushing = start_flushes_locked(dev);
	bool dirty_left = false;
	struct list_node *n;
	list_for_each(n, &cache.lru)
	{
		struct bbuf *b = container_of(n, struct bbuf, lru);
		if (owed(b) && (!dev || b->dev == dev)) {
			dirty_left = true;
			break;
		}
	}
	if (!all_started || flushing || dirty_left || cache.writing)
		return 1;
	if (cache.write_errors != cache.errors_reported) {
		cache.errors_reported = cache.write_errors;
		return -EIO;
	}
	return 0;
}

int bcache_sync(struct blk_dev *dev, struct waitq **park)
{
	spin_lock(&cache.lock);
	int r = sync_step_locked(dev);
	if (r != 1) {
		spin_unlock(&cache.lock);
		return r;
	}
	spin_lock(&cache.sync_wait.lock);
	spin_unlock(&cache.lock);
	*park = &cache.sync_wait;
	return -ERESTART_PARK;
}

bool bcache_sync_start(struct blk_dev *dev)
{
	spin_lock(&cache.lock);
	int r = sync_step_locked(dev);
	spin_unlock(&cache.lock);
	return r == 1;
}

int bcache_flush(struct blk_dev *dev, struct waitq **park)
{
	spin_lock(&cache.lock);
	init_locked();
	bool flushing = start_flushes_locked(dev);
	struct devstate *ds = devstate(dev);
	/* Writes still in flight owe a flush when they end: wait for them too. */
	if (!flushing && !(ds->needs_flush && cache.writing)) {
		int r = 0;
		if (cache.write_errors != cache.errors_reported) {
			cache.errors_reported = cache.write_errors;
			r = -EIO;
		}
		spin_unlock(&cache.lock);
		return r;
	}
	spin_lock(&cache.sync_wait.lock);
	spin_unlock(&cache.lock);
	*park = &cache.sync_wait;
	return -ERESTART_PARK;
}

long bcache_sync_thread(struct blk_dev *dev)
{
	struct waitq *q;
	int r = bcache_sync(dev, &q);
	if (r != -ERESTART_PARK)
		return r;
	long p = park_on(q);
	spin_unlock(&q->lock);
	return p;
}

/*
 * The periodic write-back: a timer future that requeues itself (invariant 2).
 * Its pass walks the whole cache, so it walks only when something became
 * dirty since the last; that makes a short period cheap. Flushes are sent
 * every time: writes finish after the pass that started them.
 */
static enum poll_result writeback_poll(struct task *self)
{
	while (sleep_until(&wb.tm, wb.next)) {
		spin_lock(&cache.lock);
		if (cache.dirtied) {
			cache.dirtied = false;
			start_writes_locked(NULL);
		}
		start_flushes_locked(NULL);
		spin_unlock(&cache.lock);
		wb.next = tsc_ns() + BCACHE_WRITEBACK_NS;
	}
	return PENDING;
}

void bcache_at_shutdown(void (*fn)(void))
{
	spin_lock(&cache.lock);
	u32 i = 0;
	while (i < ARRAY_SIZE(cache.at_shutdown) && cache.at_shutdown[i])
		i++;
	assert(i < ARRAY_SIZE(cache.at_shutdown));
	cache.at_shutdown[i] = fn;
	spin_unlock(&cache.lock);
}

void bcache_init(void)
{
	spin_lock(&cache.lock);
	init_locked();
	cache.max_bytes = MAX(BCACHE_MIN_BYTES, buddy_total_pages() * PAGE_SIZE / 2);
	spin_unlock(&cache.lock);
	buddy_add_reclaim(bcache_reclaim);
	machine_shutdown_hook = bcache_shutdown;
	if (!blk_count())
		return;
	wb.next = tsc_ns() + BCACHE_WRITEBACK_NS;
	task_init(&wb.task, "bcache-writeback", writeback_poll, NULL);
	task_spawn(&wb.task, -1);
}

static void poll_disks(void)
{
	for (u32 i = 0; i < blk_count(); i++)
		blk_get(i)->poll(blk_get(i));
}

int bcache_sync_polled(struct blk_dev *dev, u64 deadline)
{
	for (;;) {
		/* A core stopped while holding the lock must not hang the power-off. */
		int r = 1;
		if (spin_trylock(&cache.lock)) {
			r = sync_step_locked(dev);
			spin_unlock(&cache.lock);
		}
		if (r != 1)
			return r;
		poll_disks();
		if (tsc_ns() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

void bcache_shutdown(void)
{
	/* File pages first: their writes, and the block maps they read, use the same disks. */
	if (blk_count() && !wb_shutdown(poll_disks, BCACHE_SHUTDOWN_NS))
		kprintf("vm: file pages were not all written at power-off; data may be lost\n");
	/* Journals committed and emptied, superblocks marked clean, in the order registered. */
	for (u32 i = 0; i < ARRAY_SIZE(cache.at_shutdown) && cache.at_shutdown[i]; i++)
		cache.at_shutdown[i]();
	u64 writes_before = cache.writes;
	int r = bcache_sync_polled(NULL, tsc_ns() + BCACHE_SHUTDOWN_NS);
	if (r == -ETIMEDOUT)
		kprintf("bcache: disks did not finish writing at power-off; data may be lost\n");
	else if (cache.writes != writes_before)
		kprintf("bcache: wrote back %lu blocks at power-off\n", cache.writes - writes_before);
}

u64 bcache_set_max_bytes(u64 bytes)
{
	spin_lock(&cache.lock);
	u64 old = cache.max_bytes;
	cache.max_bytes = bytes;
	spin_unlock(&cache.lock);
	return old;
}

void bcache_get_stats(struct bcache_stats *s)
{
	spin_lock(&cache.lock);
	*s = (struct bcache_stats){.hits = cache.hits,
				   .misses = cache.misses,
				   .evictions = cache.evictions,
				   .writes = cache.writes,
				   .buffers = cache.nbufs,
				   .bytes = cache.bytes};
	if (cache.ready) {
		struct list_node *n;
		list_for_each(n, &cache.lru) if (container_of(n, struct bbuf, lru)->flags & B_DIRTY)
		    s->dirty++;
	}
	spin_unlock(&cache.lock);
}
