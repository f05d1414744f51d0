/*
 * The block cache: disk blocks in memory, shared by every core, for the
 * file systems on block devices (ext2). One cache object carries its own
 * lock (invariant 4); buffers are found by (device, block number, block
 * size), read on a miss, written back by bcache_sync(), by a periodic
 * write-back task and at clean shutdown, and evicted least recently used
 * first (clean, unreferenced ones only) when the cache passes its bound.
 *
 * Nothing here waits (invariants 1 and 3). A call that needs the disk
 * starts the I/O and returns -ERESTART_PARK with a wait queue to park on,
 * handed back LOCKED so no wake can slip in between: the caller parks and
 * unlocks, e.g. in a system call
 *
 *	struct waitq *q;
 *	int r = bcache_get(dev, blk, 1024, &b, &q);
 *	if (r == -ERESTART_PARK) {
 *		long p = park_on(q);
 *		spin_unlock(&q->lock);
 *		return p;          // the call runs again when the block is in
 *	}
 *	if (r < 0)
 *		return r;          // -EIO, -ENOMEM, -EINVAL
 *	... use b->data ...; bcache_dirty(b) if changed; bcache_put(b);
 *
 * and in a task, waitq_add_locked(q, &waiter) and return PENDING.
 * Handlers gather every block they need this way before changing
 * anything (invariant 3).
 *
 * Locks used to protect struct members in this file:
 *  I  immutable while the buffer exists
 *  c  bcache.lock (the cache's own)
 */
#pragma once

#include "dev/blk.h"
#include "lib/list.h"
#include "lib/types.h"
#include "sched/waitq.h"

/*
 * The soft bound on cached bytes (dirty or referenced buffers may exceed
 * it): half of RAM, at least BCACHE_MIN_BYTES. Clean, idle buffers also go
 * back whenever the page allocator runs out (bcache_reclaim), so the cache
 * can be large without starving processes, as Linux's page cache.
 */
#define BCACHE_MIN_BYTES (16UL << 20)
#define BCACHE_MAX_BLOCK 65536	      /* and at most the device's max_sectors */
/* Periodic write-back every second: what a machine stopped without a sync (QEMU's Ctrl-A x) loses. */
#define BCACHE_WRITEBACK_NS (1UL * 1000000000)

enum {
	B_VALID = 1 << 0,   /* data holds the disk's block (or newer) */
	B_DIRTY = 1 << 1,   /* newer than the disk */
	B_READING = 1 << 2, /* a read is in flight */
	B_WRITING = 1 << 3, /* a write is in flight */
	B_ERROR = 1 << 4,   /* the read failed */
	B_STALE = 1 << 5,   /* forgotten (bcache_forget): out of the hash, freed when let go */
};

struct bbuf {
	struct list_node hnode; /* [c] hash chain */
	struct list_node lru;	/* [c] in bcache's LRU list, least recently used first */
	struct blk_dev *dev;	/* [I] */
	u64 blockno;		/* [I] in units of size */
	u32 size;		/* [I] bytes, a power of two, 512 .. BCACHE_MAX_BLOCK */
	u32 flags;		/* [c] B_* */
	u32 refs;		/* [c] holders from bcache_get; never evicted while > 0 */
	u8 *data;		/* [I] the block, direct-mapped (physically contiguous) */
	struct waitq wait;	/* getters waiting for the read; woken when I/O ends */
	struct blk_request req; /* [c] the read or write in flight */
};

/*
 * The block `blockno` (of `bsize` bytes) of dev, referenced: 0 with *out
 * set; -ERESTART_PARK with *park locked (see above) while it is read;
 * -EIO if the read failed or the block is past the end of the device;
 * -EINVAL for a bad bsize; -ENOMEM. With park == NULL, -EAGAIN instead of
 * parking. A device is to be used with one block size at a time: blocks
 * of different sizes that overlap are not kept coherent.
 */
int bcache_get(struct blk_dev *dev, u64 blockno, u32 bsize, struct bbuf **out, struct waitq **park);
/*
 * Readahead: start reading the blocks first..first+n-1 that are neither
 * cached nor being read, adjacent ones together in requests as large as
 * the device takes; never waits. How many it started (it stops early when
 * memory or the ring runs short). Getters of those blocks park on them as
 * on any read.
 */
u32 bcache_read_ahead(struct blk_dev *dev, u64 first, u32 n, u32 bsize);
/* Is the block cached, or being read? (Readahead asks before it starts reads.) */
bool bcache_present(struct blk_dev *dev, u64 blockno, u32 bsize);
/*
 * A block about to be overwritten whole (newly allocated, say): a
 * referenced, zeroed, dirty buffer without reading the disk. Parks (as
 * bcache_get) only while a read of that block is in flight.
 */
int bcache_get_new(struct blk_dev *dev, u64 blockno, u32 bsize, struct bbuf **out,
		   struct waitq **park);
/*
 * The block now belongs to file data, which the page cache writes
 * straight to the disk (vm/pcache.h): whatever the cache held for it
 * (metadata it used to be) must never be written over that, nor read
 * back. A buffer still held or being written leaves the hash and is
 * freed when let go.
 */
void bcache_forget(struct blk_dev *dev, u64 blockno, u32 bsize);
/* Data went to dev behind the cache's back (page cache writes): the next sync flushes. */
void bcache_note_write(struct blk_dev *dev);
/* Mark a referenced buffer changed: it is written back later. */
void bcache_dirty(struct bbuf *b);
/* Drop a reference from bcache_get. */
void bcache_put(struct bbuf *b);
/* How many references b has now (the caller's among them). */
u32 bcache_refs(struct bbuf *b);

/*
 * Write every dirty block of dev (NULL: of every device) and flush the
 * device caches: 0 when all is on the disk; -ERESTART_PARK with *park
 * locked while writes are in flight (park and call again); -EIO once if
 * a write failed since the last sync. Restartable: it never repeats work.
 */
int bcache_sync(struct blk_dev *dev, struct waitq **park);
/* bcache_sync for a system call: parks the calling thread itself (returns -ERESTART_PARK). */
long bcache_sync_thread(struct blk_dev *dev);

/* After the executors exist: start the periodic write-back task (when there are disks). */
void bcache_init(void);
/*
 * Clean shutdown, with interrupts off and nothing else to run: write back
 * and flush by polling the devices, giving up after a few seconds on a
 * device that does not answer. Registered as machine_shutdown_hook.
 */
void bcache_shutdown(void);

/*
 * Free every clean buffer nobody holds (no references, no I/O in flight):
 * /proc/sys/vm/drop_caches. Dirty ones stay; sync first to drop them too.
 * Returns the bytes freed.
 */
u64 bcache_drop_clean(void);

/* Change the size bound (tests); returns the old one. */
u64 bcache_set_max_bytes(u64 bytes);

struct bcache_stats {
	u64 hits, misses, evictions, writes, buffers, bytes, dirty;
};
void bcache_get_stats(struct bcache_stats *s);
/*
 * The page allocator's reclaim hook: free clean, idle buffers (coldest
 * first) until `want` bytes, at least 1 MiB, are back; bytes freed. Skips
 * (returns 0) if the cache's lock is held, e.g. by a caller allocating
 * under it.
 */
u64 bcache_reclaim(u64 want);
