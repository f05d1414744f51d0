/*
 * Block devices: the asynchronous request interface drivers implement
 * (virtio_blk.c, partitions and loop devices in blk/) and the block cache
 * uses (fs/bcache.c), the list of disks found at boot, and the table of
 * every block device by number (major:minor), which device nodes reach.
 *
 * A request is a future's half: the submitter fills it, submits it (never
 * waiting), and returns PENDING; the driver's completion interrupt records
 * the status and wakes `waker` (invariants 2 and 3). A full ring parks the
 * submitter on the device's wait queue instead.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after registration / while the request is in flight
 *  a  atomic
 *  v  the driver's lock (the device's ring)
 *  t  blk.c's table lock
 *  s  blk_stats.lock
 */
#pragma once

#include "lib/list.h"
#include "lib/spinlock.h"
#include "lib/types.h"

struct task;
struct waitq;

#define BLK_SECTOR_SIZE 512
#define BLK_SECTOR_SHIFT 9
#define BLK_MAX_DEVICES 8  /* disks */
#define BLK_MAX_TABLE 96   /* every block device: disks, partitions, loop devices */
#define BLK_DISK_MAJOR 254 /* virtio-blk's major on Linux, 16 minors a disk */
#define BLK_DISK_MINORS 16
#define BLK_INFLIGHT 1 /* request status until the device answers */
#define BLK_MAX_SEGS 32 /* scatter-gather pieces a request may have */

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

/* One physically contiguous piece of a request's data (scatter-gather). */
struct blk_seg {
	paddr_t addr;
	u32 len; /* a multiple of 512 */
};

struct blk_request {
	enum blk_op op;	    /* [I] */
	u64 sector;	    /* [I] first 512-byte sector */
	u32 count;	    /* [I] sectors (0 for a flush) */
	paddr_t buf;	    /* [I] physically contiguous, count * 512 bytes; 0: segs instead */
	const struct blk_seg *segs; /* [I] nsegs pieces of count * 512 bytes in all */
	u32 nsegs;	    /* [I] at most BLK_MAX_SEGS */
	struct task *waker; /* [I] woken once status is final (NULL: nobody) */
	struct list_node link; /* [v] in a driver's own queue (loop devices) */
	/*
	 * [I] called after status is final, from the completion interrupt (or
	 * the shutdown poll), with no driver lock held: record and wake only.
	 */
	void (*done)(struct blk_request *r);
	void *priv; /* [I] the submitter's */
	int status; /* [a] BLK_INFLIGHT, then 0 or -EIO */
	u64 start_ns; /* [v] when the device took it (blk_start); 0: it never reached one */
};

/*
 * What a disk has done, as Linux's /sys/block/<disk>/stat shows it: per
 * operation (enum blk_op), the requests completed, their sectors and the
 * time they spent at the device, and what is in flight now. Requests a
 * driver answers without the device (a flush of a disk with no write
 * cache, a refused one) are not counted, as on Linux.
 */
struct blk_stats {
	struct spinlock lock;
	u64 ios[3];	  /* [s] completed requests */
	u64 sectors[3];	  /* [s] their 512-byte sectors */
	u64 ns[3];	  /* [s] their time from blk_start to completion, summed */
	u32 inflight[3];  /* [s] taken by the device, not completed yet */
	u64 busy_ns;	  /* [s] time with something in flight, up to busy_since */
	u64 busy_since;	  /* [s] when the in-flight count last went up from 0 */
};

struct blk_dev {
	char name[16];	 /* [I] "vda", "vdb", "vda1", "loop0" ... */
	u32 major, minor; /* [I] its device number (blk_register gives disks theirs) */
	/*
	 * [a] capacity in 512-byte sectors: [I] for disks and partitions; a
	 * loop device's changes as it is bound (0 while unbound)
	 */
	u64 sectors;
	u32 block_size;	 /* [I] the device's preferred block size (>= 512) */
	u32 max_sectors; /* [I] largest read or write one request may carry */
	u32 max_segs;	 /* [I] scatter-gather pieces of up to a page each a request may have */
	bool can_flush;	 /* [I] a write cache that BLK_FLUSH empties */
	bool read_only;	 /* [a] [I] but for loop devices (set while bound): the device's own */
	bool ro_set;	 /* [a] BLKROSET's: read-only by an administrator's choice */
	u32 index;	 /* [I] a disk's number in registration order (vda is 0) */
	bool claimed;	 /* [a] a mounted file system, swap or an O_EXCL open owns it */
	u32 opens;	 /* [a] open files on it (blk/blkdev.c) */
	struct blk_dev *whole; /* [I] a partition's disk, NULL for a whole device */
	u64 start;	 /* [I] a partition's first sector on its disk */
	/*
	 * [I] Start a request. 0: queued. -EIO: refused (out of range,
	 * read-only, dead device), status already -EIO, nobody is woken.
	 * -ERESTART_PARK: the ring is full; *park is the wait queue to park
	 * on, returned LOCKED so no wake is lost: the caller parks
	 * (park_on, waitq_add_locked) and unlocks it, then submits
	 * again when woken. With park == NULL a full ring gives -EAGAIN.
	 */
	int (*submit)(struct blk_dev *d, struct blk_request *r, struct waitq **park);
	/* [I] Collect completions without interrupts (shutdown); true if some are in flight. */
	bool (*poll)(struct blk_dev *d);
	/* [I] The device was let go by its mount or swap (blk_unclaim); NULL: nothing to do. */
	void (*unclaimed)(struct blk_dev *d);
	void *priv;		   /* [I] the driver's */
	u64 reads, writes, errors; /* [a] requests completed */
	struct blk_stats stats;
};

static inline int blk_status(const struct blk_request *r)
{
	return __atomic_load_n(&r->status, __ATOMIC_ACQUIRE);
}

/* A disk, on the boot core by drivers' probes (numbered 254:16*index). -ENOSPC when full. */
int blk_register(struct blk_dev *d);
u32 blk_count(void);
struct blk_dev *blk_get(u32 i); /* a disk; NULL past the end */
/*
 * Any block device with its number set (partitions, loop devices): 0,
 * -EEXIST (the number is taken), -ENOSPC. A device once added is never
 * freed (an open file may still name it after blk_del): its owner keeps
 * it and may add it again.
 */
int blk_add(struct blk_dev *d);
void blk_del(struct blk_dev *d);
/* The device with that number, or NULL (no driver: ENXIO). */
struct blk_dev *blk_find(u32 major, u32 minor);
/* The device so named ("vdb", "vda1", "loop0"), or NULL. */
struct blk_dev *blk_find_name(const char *name);
/* The i-th device of the table (for listings: /dev's nodes); NULL past the end. */
struct blk_dev *blk_table_get(u32 i);
/*
 * Take the device for a mount, swap or O_EXCL open: false if someone has
 * it already, or has its disk (for a partition) or one of its partitions
 * (for a disk), whose blocks overlap.
 */
bool blk_claim(struct blk_dev *d);
static inline void blk_unclaim(struct blk_dev *d)
{
	__atomic_store_n(&d->claimed, false, __ATOMIC_RELEASE);
	if (d->unclaimed)
		d->unclaimed(d);
}
/*
 * Is d read-only to writes through its files and to new writable mounts?
 * Its own flag, BLKROSET on it, or either on its whole disk (a partition).
 */
static inline bool blk_read_only(const struct blk_dev *d)
{
	for (; d; d = d->whole)
		if (__atomic_load_n(&d->read_only, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&d->ro_set, __ATOMIC_ACQUIRE))
			return true;
	return false;
}
/* Does a mount, swap or O_EXCL open own d, its disk or one of its partitions? */
bool blk_claimed(const struct blk_dev *d);
static inline u64 blk_sectors(const struct blk_dev *d)
{
	return __atomic_load_n(&d->sectors, __ATOMIC_ACQUIRE);
}
/* Driver side, under its own lock: the device has taken r (its time starts now). */
void blk_start(struct blk_dev *d, struct blk_request *r);
/* Driver side: make a request's status final, count it, call done, wake waker. */
void blk_complete(struct blk_dev *d, struct blk_request *r, int status);
/* A copy of d's counters; *busy_ns includes the time in flight up to now. */
void blk_stats_read(struct blk_dev *d, struct blk_stats *out);
