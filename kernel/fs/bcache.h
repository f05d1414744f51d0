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
 * A file system with a journal (fs/jbd2.c) pins the buffers it changed
 * (B_PINNED) until their transaction is committed: write-back skips them,
 * so no uncommitted change reaches its place on the disk; after the
 * commit the journal marks them dirty and they are written back as any.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable while the buffer exists
 *  c  bcache.lock (the cache's own)
 *  j  the journal's lock (struct journal.lock, fs/jbd2.h)
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
	B_PINNED = 1 << 6,  /* holds uncommitted journalled changes: never written in place */
};

struct jtxn;

/* A buffer as the journal sees it (fs/jbd2.c); all zero for a buffer no journal touched. */
struct bjournal {
	struct jtxn *run;	     /* [j] the transaction its newest changes belong to */
	struct jtxn *commit;	     /* [j] the committing transaction logging a copy of it */
	struct jtxn *cp;	     /* [j] the committed transaction waiting for it to reach its place */
	struct list_node run_link;   /* [j] in run's buffer list */
	struct list_node cp_link;    /* [j] in cp's checkpoint list */
	u8 *undo;		     /* [j] block bitmaps: its contents before frees not yet committed */
	u32 undo_tid;		     /* [j] the transaction of the newest such free */
	bool revoked;		     /* [j] freed in run: not to be logged */
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
	struct bjournal j;	/* [j] the journal's view, when a journalled file system uses it */
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
/* The block's buffer if it is cached and valid, referenced; NULL otherwise. Never reads. */
struct bbuf *bcache_peek(struct blk_dev *dev, u64 blockno, u32 bsize);
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
/*
 * Pin or unpin a referenced buffer (B_PINNED, for the journal): a pinned
 * buffer is never written in place, even when dirty.
 */
void bcache_pin(struct bbuf *b, bool pinned);
/* Another reference to a buffer the caller holds one to. */
struct bbuf *bcache_ref(struct bbuf *b);
/* Is b's newest contents in place on the disk (clean, no write in flight)? */
bool bcache_written(struct bbuf *b);
/*
 * Replay: make block blockno hold `data` (bsize bytes) without reading
 * it; a cached copy is overwritten, and the buffer is marked dirty only
 * if that changed it (so a replay run again changes nothing). 0; -EAGAIN
 * while a read of the block is in flight (nothing changed); -ENOMEM.
 */
int bcache_overwrite(struct blk_dev *dev, u64 blockno, u32 bsize, const void *data);
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
/*
 * bcache_sync without waiting: start what is left of dev's writes and
 * flush; true while some are still to finish (ask again when they have).
 */
bool bcache_sync_start(struct blk_dev *dev);
/* bcache_sync for a system call: parks the calling thread itself (returns -ERESTART_PARK). */
long bcache_sync_thread(struct blk_dev *dev);
/*
 * Only the flush: empty dev's write cache if anything was written since
 * the last flush (0 when done; -ERESTART_PARK with *park locked; -EIO).
 * Dirty buffers are left to write-back.
 */
int bcache_flush(struct blk_dev *dev, struct waitq **park);
/*
 * Power-off (interrupts off): bcache_sync by polling the disks until
 * done or until `deadline` (tsc_ns): 0, -EIO, or -ETIMEDOUT.
 */
int bcache_sync_polled(struct blk_dev *dev, u64 deadline);
/*
 * At power-off, before the cache writes everything back: fn (a file
 * system's last words: journals committed, superblocks marked clean).
 */
void bcache_at_shutdown(void (*fn)(void));

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

/*
 * Free dev's clean, idle buffers (drop_caches for one device): its next
 * user reads the disk. Bytes freed.
 */
u64 bcache_drop_dev(struct blk_dev *dev);
/*
 * Before a device changes hands (mounted, swapped on, its buffers flushed
 * by BLKFLSBUF): its dirty buffers written and flushed, then the clean
 * ones dropped, so a user with another block size reads what the last
 * one wrote (blocks of different sizes are not kept coherent).
 * A system call's: 0, -ERESTART_PARK (parked), -EIO.
 */
long bcache_settle_thread(struct blk_dev *dev);

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
