/*
 * The page cache: every page of file data in memory, cached once, found
 * by (cache, page index) in a radix tree (mm/pagemap.h). A regular file's
 * inode holds one cache (struct inode.data), which read/write, mmap, exec
 * and sendfile all go through; shared anonymous memory and /dev/zero
 * mappings have one of their own, and the swap cache is one too. Each
 * cached page holds a frame reference for the cache; readers, mappings
 * and I/O in flight hold their own. A page's state is in its struct frame
 * (owner, index, pflags: mm/buddy.h).
 *
 * Who stores what: the owner of a cache gives its ops. A file system reads
 * pages in (readahead) and writes dirty ones back (write); a cache with
 * PC_SWAPBACKED has no store (ramfs, tmpfs, shared anonymous memory): its
 * pages are never dirty and leave memory only for swap.
 *
 * Waiting (invariant 3): nothing here sleeps. A reader that finds a page
 * being read parks on the page's wait queue (hashed by frame) and
 * returns -ERESTART_PARK; the call runs again when the read completes.
 * With PCG_NOPARK (progress made, or no park: a kernel task) it gets
 * -EAGAIN instead. I/O completions come from interrupts: they set the
 * page's flags and wake its queue.
 *
 * Clean pages that only the cache holds go back to the page allocator
 * when it runs out (a reclaim hook) and to the reclaim task; dirty pages
 * go back to their store by the write-back task (vm/writeback.c), by
 * fsync and sync, at unmount and at power-off.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after pcache_init
 *  p  pcache.lock
 *  w  the dirty list's lock (writeback.c)
 *  a  atomic
 * Lock order: a domain's lock, then pcache.lock, then the LRU lock, then
 * the allocator's. Page flags change with atomics; a page's owner and
 * index change only under its cache's lock.
 */
#pragma once

#include "lib/list.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "mm/buddy.h"
#include "mm/pagemap.h"
#include "mm/vmobj.h"

struct pcache;
struct waitq;

/* struct frame.pflags of a cached page */
enum {
	PG_UPTODATE = 1 << 0,	/* holds the data */
	PG_LOCKED = 1 << 1,	/* being read in: readers wait */
	PG_DIRTY = 1 << 2,	/* newer than its store */
	PG_WRITEBACK = 1 << 3,	/* being written to its store */
	PG_ERROR = 1 << 4,	/* the read failed */
	PG_REFERENCED = 1 << 5, /* used since reclaim last looked */
	PG_LRU = 1 << 6,	/* on the LRU list */
	PG_MKWRITE = 1 << 7,	/* made writable in a shared mapping since write-back last looked */
};

/* struct pcache.flags */
enum {
	PC_SWAPBACKED = 1 << 0, /* no store: pages are never dirty, swap is where they go */
	PC_SWAPCACHE = 1 << 1,	/* a swap area's cache (vm/swap.h): pages by slot */
};

/* What the owner of a cache does for it. Every op may be called on any core, never waits. */
struct pcache_ops {
	/*
	 * Start reading the pages [first, first + n) that are not cached
	 * into new pages it adds with pcache_add_for_read, completing each
	 * with pcache_read_done. Page first is the one a reader waits for;
	 * the rest are readahead, skipped where that would wait. 0 once page
	 * first is cached or being read; -ERESTART_PARK when the caller was
	 * parked on the owner's metadata (it runs again); -EAGAIN for
	 * nopark instead of parking; -ENXIO if first is past the end of the
	 * file; -EIO, -ENOMEM.
	 */
	int (*readahead)(struct pcache *pc, u64 first, u32 n, bool nopark);
	/*
	 * Start writing the n pages (n >= 1, dirty until now, each marked
	 * PG_WRITEBACK with a reference for the write) at idx[i]. Each ends
	 * with pcache_write_done (written, or failed for good), or
	 * pcache_write_abort / pcache_redirty (not started: dirty again). 0;
	 * -ERESTART_PARK (the caller was parked: on the owner's metadata, or
	 * for room in the disk's ring); -EAGAIN (nopark: it would have
	 * parked); -ENOMEM.
	 */
	int (*write)(struct pcache *pc, const u64 *idx, const paddr_t *pa, u32 n, bool nopark);
	/* Bytes of data the cache stands for (a file's size): pages past it do not exist. */
	u64 (*size)(struct pcache *pc);
	/*
	 * A reference on the owner, unless it is going away (false). Called
	 * under the LRU lock too: it may take only a lock nobody holds while
	 * taking a cache's or the LRU's.
	 */
	bool (*tryget)(struct pcache *pc);
	void (*put)(struct pcache *pc);
	/*
	 * Before page idx is written through a shared mapping (NULL: nothing
	 * to do): give it a place in the store (ext2 allocates its blocks).
	 * 0, -ERESTART_PARK (parked on metadata), -EAGAIN (nopark), -ENOSPC.
	 */
	int (*mkwrite)(struct pcache *pc, u64 idx, bool nopark);
};

struct pcache {
	struct vmobj obj;	      /* what mappings of it map (mm/vmobj.h) */
	struct spinlock lock;
	struct pagemap pages;	      /* [p] index -> frame address */
	const struct pcache_ops *ops; /* [I] NULL: nothing is cached (a directory, a device) */
	u32 flags;		      /* [I] PC_* */
	bool unevictable;	      /* [a] PC_SWAPBACKED: its pages stay in memory (SHM_LOCK) */
	u64 nrpages;		      /* [p] pages cached */
	u64 ndirty;		      /* [p] PG_DIRTY pages */
	u64 nswapped;		      /* [p] PC_SWAPBACKED: pages out in swap (entries in pages) */
	struct list_node swapped_link; /* [swapped_lock, pcache.c] on the list of caches with
					  pages in swap (swapoff walks it) */
	struct list_node dirty_link;  /* [w] on the list of caches with dirty pages */
	bool on_dirty_list;	      /* [w] */
};

/*
 * I/O completions touch only the page's frame (its flags and reference)
 * and global counters, never the cache: a cache may go away (its file
 * deleted and closed) while a write of one of its pages is in flight.
 * So a failed write leaves PG_ERROR on the page for fsync to find.
 */

void pcache_init(struct pcache *pc, const struct pcache_ops *ops, u32 flags);
/* What /proc/<pid>/maps says of its mappings: the owner's device and inode number. */
void pcache_identify(struct pcache *pc, u64 dev, u64 ino);
/* No page is mapped, read or written any more (an inode's end): drop every page. */
void pcache_destroy(struct pcache *pc);

/* pcache_get flags */
enum {
	PCG_NOPARK = 1 << 0, /* -EAGAIN instead of parking (the read is started all the same) */
	PCG_CREATE = 1 << 1, /* a missing page is made zeroed, not read (it is about to be
				overwritten, or lies past the end of the file) */
	PCG_HOLE = 1 << 2,   /* PC_SWAPBACKED: -ENODATA for a page never written, not a new one */
	PCG_NORA = 1 << 3,   /* a miss reads this page alone, no readahead (MADV_RANDOM) */
};

/*
 * Page idx of pc, up to date, with a reference for the caller (drop it
 * with frame_unref): 0; -ERESTART_PARK (parked until its read is done);
 * -EAGAIN (PCG_NOPARK); -ENXIO past the end (ops->readahead says);
 * -ENODATA (PCG_HOLE); -EIO; -ENOMEM.
 */
int pcache_get(struct pcache *pc, u64 idx, unsigned flags, paddr_t *pa);
/* The page if it is cached and up to date, referenced; 0 otherwise. Never reads. */
paddr_t pcache_peek(struct pcache *pc, u64 idx);
/* Is page idx cached (in any state)? */
bool pcache_present(struct pcache *pc, u64 idx);
/*
 * A sequential reader reached page idx of npages: every half window,
 * start reading the window after the next if it is not cached yet (never
 * waits), so the disk works while the reader copies. window: pages kept
 * ahead (PCACHE_READAHEAD, twice that for POSIX_FADV_SEQUENTIAL; 0: none).
 */
void pcache_readahead_next(struct pcache *pc, u64 idx, u64 npages, u32 window);

#define PCACHE_READAHEAD 64 /* pages read together when a reader misses */

/* ---- for owners reading pages in (ops->readahead) ---- */

/*
 * A new page at idx, locked (PG_LOCKED) for reading, with one more
 * reference for the read: 0; -EEXIST if idx is cached already; -ENOMEM.
 */
int pcache_add_for_read(struct pcache *pc, u64 idx, paddr_t *pa);
/*
 * A page with nothing to read (all holes): a zeroed page at idx, up to
 * date at once, so no reader or writer ever waits on it. 0, -EEXIST,
 * -ENOMEM.
 */
int pcache_add_zero(struct pcache *pc, u64 idx);
/* The read of pa ended (from interrupts too): up to date, or failed (err < 0). Drops the read's
 * reference and wakes readers. */
void pcache_read_done(paddr_t pa, int err);
/* The read of pa never started (a full ring): its readers start over. Same otherwise. */
void pcache_read_abort(paddr_t pa);

/* ---- writing ---- */

/* pa (a page of pc, referenced by the caller) was written to: it goes back to the store later. */
void pcache_mark_dirty(struct pcache *pc, paddr_t pa);
/*
 * The write of pa ended (from interrupts too); err < 0 marks the page
 * failed (PG_ERROR: fsync reports it once). Drops the write's reference.
 */
void pcache_write_done(paddr_t pa, int err);
/* ops->write could not start the write of pa (a page of pc): dirty again, reference dropped. */
void pcache_write_abort(struct pcache *pc, paddr_t pa);
/* Part of pa's write never started: dirty again now; its pcache_write_done is still to come. */
void pcache_redirty(struct pcache *pc, paddr_t pa);
/*
 * Write back the dirty pages of [first, last] (page indices) and, with
 * wait, wait until none of them is dirty or being written: 0 when they
 * are all on the store (with wait) or started (without); -ERESTART_PARK
 * (parked: call again); -EAGAIN (PCG_NOPARK in flags, work left); -EIO
 * once after a failed write.
 */
int pcache_writeback(struct pcache *pc, u64 first, u64 last, bool wait, unsigned flags);
/*
 * Wait for the writes in flight of pages *from..last to end, one page at
 * a time: 0 once each page was seen not being written; -ERESTART_PARK
 * (parked: call again with the same *from, which moves past the pages
 * done); -EAGAIN (PCG_NOPARK). Pages written again meanwhile do not make
 * it walk the range again (a journal commit waits for the writes it
 * started, not for a writer that keeps the file dirty).
 */
int pcache_wait_written(struct pcache *pc, u64 *from, u64 last, unsigned flags);
/* Dirty pages in every cache (the write-back task's threshold), and more figures for /proc. */
struct pcache_stats {
	u64 pages, dirty, writeback, swapbacked;
};
void pcache_get_stats(struct pcache_stats *s);

/* ---- truncation ---- */

/*
 * Before a truncation to `size` bytes: wait (park; -EAGAIN with
 * PCG_NOPARK) until no page from the size on is being read or written.
 * 0 when none is.
 */
int pcache_truncate_wait(struct pcache *pc, u64 size, unsigned flags);
/*
 * Drop the pages from `size` on and zero the end of the page that holds
 * it; -EBUSY (nothing changed) if one is being read or written again:
 * wait and try again. Never waits; may run under a file system's lock.
 */
int pcache_truncate(struct pcache *pc, u64 size);
/*
 * After a truncation to size (with no file system lock held: it takes
 * the mappers' locks): every mapping's pages past it go, private copies
 * too, so that touching them is SIGBUS.
 */
void pcache_unmap_from(struct pcache *pc, u64 size);

/* ---- swap (vm/swap.c uses these on its caches) ---- */

/*
 * Make pa (referenced by the caller, in no cache) page idx of pc, dirty,
 * with a reference of the cache's own: 0 or -ENOMEM. Caller holds pc->lock.
 */
int pcache_adopt_dirty_locked(struct pcache *pc, u64 idx, paddr_t pa);
/*
 * The write of pa (page idx of pc) is done: if nothing but the cache and
 * the caller (who holds a reference of its own) holds it, and it is
 * clean, it leaves the cache at once (a swap cache page written under
 * memory pressure is of no more use in memory). Any context.
 */
void pcache_free_written(struct pcache *pc, u64 idx, paddr_t pa);
/* Take page idx (if cached) out of pc. Caller holds pc->lock. */
void pcache_forget_locked(struct pcache *pc, u64 idx);
/*
 * Reclaim: move up to `max` pages of memory file systems and shared
 * memory that nothing maps or reads, and that were not used lately, out
 * to swap (their swap cache pages are written later); how many moved.
 */
u64 pcache_swap_out(u64 max);
/* swapoff: bring back every page of a PC_SWAPBACKED cache out in swap where match(entry).
 * 0, -ERESTART_PARK, -EIO, -ENOMEM. */
int pcache_swapin_all(bool (*match)(u64 entry, void *arg), void *arg);

/* ---- memory ---- */

/* The allocator's reclaim hook: free clean pages only caches hold; bytes freed. */
u64 pcache_reclaim(u64 want);
/* /proc/sys/vm/drop_caches: free every clean page only a cache holds; bytes freed. */
u64 pcache_drop_clean(void);
/*
 * POSIX_FADV_DONTNEED: take out of pc the pages of [first, last] that are
 * clean and that nothing but the cache holds (not mapped, read, locked or
 * being written); how many went. Memory file systems keep theirs (the
 * cache is where their data lives). Never waits.
 */
u64 pcache_invalidate(struct pcache *pc, u64 first, u64 last);

/* The wait queue readers of pa park on (the wait table is hashed by frame). */
struct waitq *pcache_page_waitq(paddr_t pa);

static inline u32 page_flags(paddr_t pa)
{
	return __atomic_load_n(&pa_to_frame(pa)->pflags, __ATOMIC_ACQUIRE);
}

/* ---- boot ---- */

/* After the executors exist: the reclaim hook and the write-back task. */
void vm_tasks_init(void);
