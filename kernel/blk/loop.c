/*
 * Loop devices (loop(4), see blk.h): /dev/loopN, a block device whose
 * sectors are a file's bytes from lo_offset on (at most lo_sizelimit of
 * them), and /dev/loop-control, which finds, adds and removes them.
 *
 * A request submitted to a loop device joins its queue; the device's
 * worker, a kernel task with a park of its own, moves it through the
 * backing file's read or write (its page cache, ext2, or another block
 * device) and completes it. When the file must wait for its disk, the
 * read or write parks the worker and it runs the same request again when
 * woken, from the bytes it had moved (invariants 2 and 3): nothing ever
 * waits on a kernel stack.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable once the device exists
 *  l  loop.lock
 *  o  the worker's own (only its poll touches them)
 *  g  loops_lock
 */
#include "blk/blk.h"
#include "fs/abi.h"
#include "fs/bcache.h"
#include "fs/devfs.h"
#include "fs/fsproc.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "sys/syscall.h"

#define LOOP_MAX BLK_EXT_LOOPS /* devices: loop0 .. loop63 */
#define LOOP_AT_BOOT 8 /* made at boot, as Linux's CONFIG_BLK_DEV_LOOP_MIN_COUNT */
#define LOOP_BATCH 16  /* requests the worker moves before it lets others run */
#define LOOP_CTL_MAJOR 10
#define LOOP_CTL_MINOR 237

/* <linux/loop.h> */
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS 0x4C02
#define LOOP_GET_STATUS 0x4C03
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_CHANGE_FD 0x4C06
#define LOOP_SET_CAPACITY 0x4C07
#define LOOP_SET_DIRECT_IO 0x4C08
#define LOOP_SET_BLOCK_SIZE 0x4C09
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_ADD 0x4C80
#define LOOP_CTL_REMOVE 0x4C81
#define LOOP_CTL_GET_FREE 0x4C82

#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_AUTOCLEAR 4
#define LO_FLAGS_PARTSCAN 8
#define LO_FLAGS_DIRECT_IO 16
#define LO_FLAGS_SETTABLE (LO_FLAGS_AUTOCLEAR | LO_FLAGS_PARTSCAN)
#define LO_NAME_SIZE 64

struct loop_info64 {
	u64 lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	u32 lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	u8 lo_file_name[LO_NAME_SIZE];
	u8 lo_crypt_name[LO_NAME_SIZE];
	u8 lo_encrypt_key[32];
	u64 lo_init[2];
};

struct loop_config {
	u32 fd, block_size;
	struct loop_info64 info;
	u64 reserved[8];
};

/* struct loop_info, the old status (LOOP_GET_STATUS, LOOP_SET_STATUS): x86-64's dev_t is 64 bits. */
struct loop_info_old {
	i32 lo_number;
	u32 pad0;
	u64 lo_device, lo_inode, lo_rdevice;
	i32 lo_offset, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	u8 lo_name[LO_NAME_SIZE];
	u8 lo_encrypt_key[32];
	u64 lo_init[2];
	u8 reserved[4];
	u8 pad1[4];
};

_Static_assert(sizeof(struct loop_info64) == 232, "struct loop_info64 as Linux's");
_Static_assert(sizeof(struct loop_info_old) == 168, "struct loop_info as Linux's");
_Static_assert(sizeof(struct loop_config) == 304, "struct loop_config as Linux's");

struct loop {
	struct blk_dev blk; /* [I] but its sectors and read_only ([a], set under l) */
	struct spinlock lock;
	u32 number;		    /* [I] */
	bool exists;		    /* [g] added, not removed */
	struct file *backing;	    /* [l] a reference; NULL while unbound */
	u64 offset, sizelimit;	    /* [l] */
	u32 flags;		    /* [l] LO_FLAGS_* */
	u8 file_name[LO_NAME_SIZE]; /* [l] */
	struct list_node queue;	    /* [l] requests submitted, oldest first */
	bool spawned;		    /* [l] the worker runs (from the first bind on, for ever) */
	bool clearing;	  /* [l] autoclear: unbound once its written blocks are in the file */
	struct task task; /* the worker */
	struct park park; /* [o] */
	bool parked;	  /* [o] its last request parked */
	u64 done;	  /* [o] bytes of the head request already moved */
};

static struct spinlock loops_lock = SPINLOCK_INIT;
static struct loop *loops[LOOP_MAX]; /* [g] made on demand, never freed (blk.h) */

bool loop_is(const struct blk_dev *d)
{
	return d->major == LOOP_MAJOR;
}

static struct loop *loop_of(struct blk_dev *d)
{
	return container_of(d, struct loop, blk);
}

static int loop_submit(struct blk_dev *d, struct blk_request *r, struct waitq **park)
{
	struct loop *lo = loop_of(d);
	spin_lock(&lo->lock);
	u64 n = blk_sectors(d);
	bool bad = !lo->backing ||
		   (r->op != BLK_FLUSH && (r->sector >= n || r->count > n - r->sector)) ||
		   (r->op == BLK_WRITE && __atomic_load_n(&d->read_only, __ATOMIC_ACQUIRE));
	if (bad) {
		spin_unlock(&lo->lock);
		__atomic_store_n(&r->status, -EIO, __ATOMIC_RELEASE);
		return -EIO;
	}
	__atomic_store_n(&r->status, BLK_INFLIGHT, __ATOMIC_RELEASE);
	blk_start(d, r); /* its time (the counters) starts now: the loop's lock first, as a driver's */
	list_push_back(&lo->queue, &r->link);
	spin_unlock(&lo->lock);
	task_wake(&lo->task);
	return 0;
}

static bool loop_poll_dev(struct blk_dev *d)
{
	struct loop *lo = loop_of(d);
	spin_lock(&lo->lock);
	bool busy = !list_empty(&lo->queue);
	spin_unlock(&lo->lock);
	return busy; /* the worker finishes them: at power-off, its file's own disk is polled */
}

/* A request's pieces as kernel memory for a uio (direct map). */
static int request_iov(struct blk_request *r, struct kiovec *iov)
{
	if (r->buf) {
		iov[0] = (struct kiovec){(u64)phys_to_virt(r->buf),
					 (size_t)r->count << BLK_SECTOR_SHIFT};
		return 1;
	}
	for (u32 i = 0; i < r->nsegs; i++)
		iov[i] = (struct kiovec){(u64)phys_to_virt(r->segs[i].addr), r->segs[i].len};
	return (int)r->nsegs;
}

/* Move what is left of r through f: 0 when done, -ERESTART_PARK (parked), -errno. */
static long do_request(struct loop *lo, struct blk_request *r, struct file *f, u64 offset)
{
	if (r->op == BLK_FLUSH)
		return vfs_fsync(f, true);
	struct kiovec iov[BLK_MAX_SEGS];
	int cnt = request_iov(r, iov);
	size_t total = (size_t)r->count << BLK_SECTOR_SHIFT;
	while (lo->done < total) {
		struct uio u;
		uio_init_iov(&u, NULL, iov, cnt, total);
		uio_skip(&u, lo->done);
		i64 pos = (i64)(offset + (r->sector << BLK_SECTOR_SHIFT) + lo->done);
		ssize_t n = r->op == BLK_READ ? vfs_pread(f, &u, pos) : vfs_pwrite(f, &u, pos);
		if (n < 0)
			return n;
		if (n == 0) {
			if (r->op == BLK_WRITE)
				return -EIO;
			/* Past the file's end (it was cut since): zeros, as Linux. */
			uio_zero(&u, u.resid);
			n = (ssize_t)(total - lo->done);
		}
		lo->done += (u64)n;
	}
	return 0;
}

static void unbind(struct loop *lo);

/* An autoclear device with nothing left to write to its file lets it go. */
static void finish_clearing(struct loop *lo)
{
	spin_lock(&lo->lock);
	bool clearing = lo->clearing && !__atomic_load_n(&lo->blk.opens, __ATOMIC_ACQUIRE) &&
			!__atomic_load_n(&lo->blk.claimed, __ATOMIC_ACQUIRE);
	lo->clearing = false;
	spin_unlock(&lo->lock);
	if (!clearing)
		return;
	/* What went through its partitions first: their writes come to this device's queue. */
	if (part_sync_start(&lo->blk) || bcache_sync_start(&lo->blk)) {
		spin_lock(&lo->lock);
		lo->clearing =
		    true; /* the writes it started come through the queue: asked again then */
		spin_unlock(&lo->lock);
		return;
	}
	unbind(lo);
}

static enum poll_result loop_worker(struct task *t)
{
	struct loop *lo = container_of(t, struct loop, task);
	if (lo->parked) {
		park_resume(&lo->park);
		lo->park.restarting = true;
	}
	for (int moved = 0;; moved++) {
		if (moved == LOOP_BATCH) {
			task_wake(t); /* more to do: after the others' turn */
			return PENDING;
		}
		spin_lock(&lo->lock);
		struct blk_request *r =
		    list_empty(&lo->queue) ? NULL
					   : container_of(lo->queue.next, struct blk_request, link);
		struct file *f = r && lo->backing ? file_get(lo->backing) : NULL;
		u64 offset = lo->offset;
		spin_unlock(&lo->lock);
		if (!r) {
			finish_clearing(lo);
			return PENDING; /* loop_submit wakes it */
		}
		long s = f ? do_request(lo, r, f, offset) : -EIO; /* unbound since it was queued */
		if (f)
			file_put(f);
		lo->parked = s == -ERESTART_PARK;
		if (lo->parked)
			return PENDING;
		park_end(&lo->park);
		lo->done = 0;
		spin_lock(&lo->lock);
		list_remove(&r->link);
		spin_unlock(&lo->lock);
		blk_complete(&lo->blk, r, s < 0 ? -EIO : 0);
	}
}

/* The size in sectors a binding gives: the file's bytes after offset, at most sizelimit. */
static u64 size_of(struct file *f, u64 offset, u64 sizelimit)
{
	struct inode *ip = f->ip;
	u64 bytes;
	if (S_ISBLK(ip->mode)) {
		bytes = blk_sectors((struct blk_dev *)f->priv) << BLK_SECTOR_SHIFT;
	} else {
		spin_lock(&ip->lock);
		bytes = ip->size;
		spin_unlock(&ip->lock);
	}
	bytes = offset < bytes ? bytes - offset : 0;
	if (sizelimit && sizelimit < bytes)
		bytes = sizelimit;
	return bytes >> BLK_SECTOR_SHIFT;
}

/*
 * May f back lo? A regular file or a block device, never lo itself,
 * nor a loop device that is (through others) backed by lo, nor one unbound.
 */
static int check_backing(struct loop *lo, struct file *f)
{
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (!S_ISREG(f->ip->mode) && !S_ISBLK(f->ip->mode))
		return -EINVAL;
	struct file *cur = f;
	for (int depth = 0; S_ISBLK(cur->ip->mode) && loop_is(cur->priv); depth++) {
		struct loop *l = loop_of(cur->priv);
		if (l == lo || depth > LOOP_MAX)
			return -EBADF; /* as Linux: a loop that would read itself */
		spin_lock(&l->lock);
		struct file *next = l->backing;
		spin_unlock(&l->lock);
		if (!next)
			return -EINVAL; /* as Linux: an unbound loop backs nothing (so no cycle can
					   form) */
		cur =
		    next; /* a chain of bound devices cannot change under us: each holds the next */
	}
	return 0;
}

/* LOOP_SET_FD and LOOP_CONFIGURE: bind fd to lo (fmode: the loop device's file's). */
static long bind(struct loop *lo, int fd, u32 fmode, const struct loop_info64 *info)
{
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	/* Bound already: EBUSY before the file is looked at, as Linux. */
	spin_lock(&lo->lock);
	long r = lo->backing ? -EBUSY : 0;
	spin_unlock(&lo->lock);
	if (r == 0)
		r = check_backing(lo, f); /* with no lock held: it takes the chain's */
	if (r < 0) {
		file_put(f);
		return r;
	}
	u64 offset = info ? info->lo_offset : 0, limit = info ? info->lo_sizelimit : 0;
	u32 flags = info ? info->lo_flags & (LO_FLAGS_SETTABLE | LO_FLAGS_READ_ONLY) : 0;
	if (!(f->fmode & FMODE_WRITE) || !(fmode & FMODE_WRITE) || !f->ops->write ||
	    __atomic_load_n(&f->ip->sb->rdonly, __ATOMIC_ACQUIRE))
		flags |= LO_FLAGS_READ_ONLY;
	if ((i64)offset < 0 || (i64)limit < 0) {
		file_put(f);
		return -EOVERFLOW; /* as Linux: they are loff_t */
	}
	spin_lock(&lo->lock);
	if (lo->backing) {
		spin_unlock(&lo->lock);
		file_put(f);
		return -EBUSY;
	}
	lo->backing = f;
	lo->offset = offset;
	lo->sizelimit = limit;
	lo->flags = flags;
	memset(lo->file_name, 0, sizeof lo->file_name);
	if (info)
		memcpy(lo->file_name, info->lo_file_name, LO_NAME_SIZE - 1);
	__atomic_store_n(&lo->blk.read_only, (flags & LO_FLAGS_READ_ONLY) != 0, __ATOMIC_RELEASE);
	__atomic_store_n(&lo->blk.sectors, size_of(f, offset, limit), __ATOMIC_RELEASE);
	bool spawn = !lo->spawned;
	lo->spawned = true;
	spin_unlock(&lo->lock);
	bcache_drop_dev(&lo->blk); /* what an unbound device's reads left (errors) */
	if (spawn)
		task_spawn(&lo->task, -1);
	return 0;
}

/* Let the file go; requests still queued fail (the worker finds no file). */
static void unbind(struct loop *lo)
{
	spin_lock(&lo->lock);
	struct file *f = lo->backing;
	lo->backing = NULL;
	lo->flags = 0;
	__atomic_store_n(&lo->blk.sectors, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&lo->blk.read_only, false, __ATOMIC_RELEASE);
	spin_unlock(&lo->lock);
	if (f) {
		task_wake(&lo->task);
		file_put(f);
	}
	part_drop(&lo->blk);
	bcache_drop_dev(&lo->blk); /* the next file's bytes are not these */
}

bool loop_partscan(struct blk_dev *d)
{
	struct loop *lo = loop_of(d);
	spin_lock(&lo->lock);
	bool on = lo->backing && (lo->flags & LO_FLAGS_PARTSCAN);
	spin_unlock(&lo->lock);
	return on;
}

/*
 * The partitions of a device bound (or given LO_FLAGS_PARTSCAN) by the
 * call running: read now, as Linux's loop_reread_partitions. The call's
 * work before it is done once; a park in the scan restarts only the scan
 * (PROGRESS_SCAN).
 */
#define PROGRESS_SCAN 1

static long scan_partitions(struct loop *lo)
{
	park_save_progress(PROGRESS_SCAN);
	long r = part_scan_fresh(&lo->blk);
	if (r < 0 && r != -ERESTART_PARK)
		pr_warn("%s: its partition table cannot be read (error %ld)\n", lo->blk.name, -r);
	return r == -ERESTART_PARK ? r : 0; /* as Linux: the device is bound all the same */
}

void loop_last_close(struct blk_dev *d)
{
	struct loop *lo = loop_of(d);
	spin_lock(&lo->lock);
	bool clear = lo->backing && (lo->flags & LO_FLAGS_AUTOCLEAR) &&
		     !__atomic_load_n(&d->claimed, __ATOMIC_ACQUIRE) && !part_busy(d);
	spin_unlock(&lo->lock);
	if (!clear)
		return;
	/* Nothing left to write: let go now, as Linux's last close does. */
	if (!part_sync_start(d) && !bcache_sync_start(d)) {
		unbind(lo);
		return;
	}
	/* Else the worker, once what was written is in the file. */
	spin_lock(&lo->lock);
	lo->clearing = true;
	spin_unlock(&lo->lock);
	task_wake(&lo->task);
}

/* Mounted or swapped on no more: an autoclear device with no open file lets its file go. */
static void loop_unclaimed(struct blk_dev *d)
{
	if (!__atomic_load_n(&d->opens, __ATOMIC_ACQUIRE))
		loop_last_close(d);
}

int loop_status(struct blk_dev *d, struct loop_status *st, char *path, size_t cap,
		size_t *path_len)
{
	if (!loop_is(d))
		return -ENXIO;
	struct loop *lo = loop_of(d);
	spin_lock(&lo->lock);
	struct file *f = lo->backing ? file_get(lo->backing) : NULL;
	if (f)
		*st = (struct loop_status){.offset = lo->offset,
					   .sizelimit = lo->sizelimit,
					   .autoclear = lo->flags & LO_FLAGS_AUTOCLEAR,
					   .partscan = lo->flags & LO_FLAGS_PARTSCAN,
					   .read_only = lo->flags & LO_FLAGS_READ_ONLY};
	spin_unlock(&lo->lock);
	if (!f)
		return -ENXIO;
	if (path) {
		ssize_t n = vfs_file_path(f, path, cap); /* with no lock held: it may take the mounts' */
		*path_len = n > 0 ? (size_t)n : 0;
	}
	file_put(f);
	return 0;
}

static void get_info(struct loop *lo, struct loop_info64 *info)
{
	memset(info, 0, sizeof *info);
	struct inode *ip = lo->backing->ip;
	info->lo_device = ip->sb->dev;
	info->lo_inode = ip->ino;
	info->lo_rdevice = ip->rdev;
	info->lo_offset = lo->offset;
	info->lo_sizelimit = lo->sizelimit;
	info->lo_number = lo->number;
	info->lo_flags = lo->flags;
	memcpy(info->lo_file_name, lo->file_name, LO_NAME_SIZE);
}

/* LOOP_SET_STATUS64's work, and LOOP_SET_STATUS's through it. */
static long set_status(struct loop *lo, struct loop_info64 *info)
{
	struct blk_dev *d = &lo->blk;
	if (park_progress() == PROGRESS_SCAN)
		return scan_partitions(lo); /* set already: the scan parked */
	if ((i64)info->lo_offset < 0 || (i64)info->lo_sizelimit < 0)
		return -EOVERFLOW;
	/* The blocks cached for the old window are not the new one's: written out, dropped. */
	long r = bcache_settle_thread(d);
	if (r < 0)
		return r;
	if (info->lo_encrypt_type || info->lo_encrypt_key_size) {
		syscall_unsupported("loop encryption");
		return -EINVAL;
	}
	spin_lock(&lo->lock);
	r = !lo->backing ? -ENXIO : 0;
	/* A new offset or size under a mounted file system would move its blocks. */
	if (r == 0 && (info->lo_offset != lo->offset || info->lo_sizelimit != lo->sizelimit) &&
	    __atomic_load_n(&d->claimed, __ATOMIC_ACQUIRE))
		r = -EBUSY;
	/* As Linux: the table is read when LO_FLAGS_PARTSCAN comes on. */
	bool partscan = r == 0 && !(lo->flags & LO_FLAGS_PARTSCAN) &&
			(info->lo_flags & LO_FLAGS_PARTSCAN);
	if (r == 0) {
		lo->offset = info->lo_offset;
		lo->sizelimit = info->lo_sizelimit;
		lo->flags = (lo->flags & ~(u32)LO_FLAGS_SETTABLE) | (info->lo_flags & LO_FLAGS_SETTABLE);
		memcpy(lo->file_name, info->lo_file_name, LO_NAME_SIZE - 1);
		lo->file_name[LO_NAME_SIZE - 1] = 0;
		__atomic_store_n(&d->sectors, size_of(lo->backing, lo->offset, lo->sizelimit),
				 __ATOMIC_RELEASE);
	}
	spin_unlock(&lo->lock);
	return partscan ? scan_partitions(lo) : r;
}

/* The old status from the new, as Linux's loop_info64_to_old: -EOVERFLOW if a field does not fit. */
static long status_to_old(const struct loop_info64 *n, struct loop_info_old *o)
{
	memset(o, 0, sizeof *o);
	o->lo_number = (i32)n->lo_number;
	o->lo_device = n->lo_device;
	o->lo_inode = n->lo_inode;
	o->lo_rdevice = n->lo_rdevice;
	o->lo_offset = (i32)n->lo_offset;
	o->lo_encrypt_type = (i32)n->lo_encrypt_type;
	o->lo_encrypt_key_size = (i32)n->lo_encrypt_key_size;
	o->lo_flags = (i32)n->lo_flags;
	memcpy(o->lo_name, n->lo_file_name, LO_NAME_SIZE);
	memcpy(o->lo_init, n->lo_init, sizeof o->lo_init);
	return (u64)(i64)o->lo_offset != n->lo_offset ? -EOVERFLOW : 0;
}

static void status_from_old(const struct loop_info_old *o, struct loop_info64 *n)
{
	memset(n, 0, sizeof *n);
	n->lo_number = (u32)o->lo_number;
	n->lo_device = o->lo_device;
	n->lo_inode = o->lo_inode;
	n->lo_rdevice = o->lo_rdevice;
	n->lo_offset = (u64)(i64)o->lo_offset; /* a negative one is EOVERFLOW in set_status */
	n->lo_sizelimit = 0;		       /* the old status has none: the whole file */
	n->lo_encrypt_type = (u32)o->lo_encrypt_type;
	n->lo_encrypt_key_size = (u32)o->lo_encrypt_key_size;
	n->lo_flags = (u32)o->lo_flags;
	memcpy(n->lo_file_name, o->lo_name, LO_NAME_SIZE);
	memcpy(n->lo_init, o->lo_init, sizeof n->lo_init);
}

/*
 * LOOP_CHANGE_FD: a read-only device's file swapped for another of the
 * same size (a live system moving its root from a CD image to memory),
 * as Linux's loop_change_fd.
 */
static long change_fd(struct loop *lo, int fd)
{
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	spin_lock(&lo->lock);
	long r = !lo->backing ? -ENXIO : !(lo->flags & LO_FLAGS_READ_ONLY) ? -EINVAL : 0;
	spin_unlock(&lo->lock);
	if (r == 0)
		r = check_backing(lo, f);
	if (r == 0 && (r = bcache_settle_thread(&lo->blk)) > 0)
		r = 0;
	struct file *old = NULL;
	if (r == 0) {
		spin_lock(&lo->lock);
		if (!lo->backing)
			r = -ENXIO;
		else if (size_of(f, lo->offset, lo->sizelimit) !=
			 size_of(lo->backing, lo->offset, lo->sizelimit))
			r = -EINVAL;
		if (r == 0) {
			/* The worker takes its own reference under the lock: the old file may go. */
			old = lo->backing;
			lo->backing = f;
		}
		spin_unlock(&lo->lock);
	}
	if (r < 0) {
		file_put(f);
		return r;
	}
	file_put(old);
	bcache_drop_dev(&lo->blk); /* cached blocks were the old file's */
	return 0;
}

long loop_ioctl(struct blk_dev *d, struct file *lf, u32 cmd, u64 arg, struct domain *dom)
{
	struct loop *lo = loop_of(d);
	struct loop_info64 info;
	struct loop_info_old old;
	long r;
	switch (cmd) {
	case LOOP_SET_FD:
		return bind(lo, (int)arg, lf->fmode, NULL);
	case LOOP_CONFIGURE: {
		if (park_progress() == PROGRESS_SCAN)
			return scan_partitions(lo); /* bound already: the scan parked */
		struct loop_config c;
		if (copy_from_domain(dom, &c, arg, sizeof c) < 0)
			return -EFAULT;
		if (c.block_size && c.block_size != BLK_SECTOR_SIZE) { /* 0 and 512: the one Ferry has */
			syscall_unsupported("LOOP_CONFIGURE with a block size");
			return -EINVAL;
		}
		r = bind(lo, (int)c.fd, lf->fmode, &c.info);
		if (r == 0 && (c.info.lo_flags & LO_FLAGS_PARTSCAN))
			r = scan_partitions(lo);
		return r;
	}
	case LOOP_CLR_FD:
		spin_lock(&lo->lock);
		r = !lo->backing ? -ENXIO : 0;
		if (r == 0 && (__atomic_load_n(&d->claimed, __ATOMIC_ACQUIRE) || part_busy(d) ||
			       __atomic_load_n(&d->opens, __ATOMIC_ACQUIRE) > 1)) {
			/* In use: as Linux, it goes when the last user lets go. */
			lo->flags |= LO_FLAGS_AUTOCLEAR;
			r = 1;
		}
		spin_unlock(&lo->lock);
		/*
		 * What was written through the device (its partitions' first:
		 * their writes come through it) reaches the file before it is
		 * let go. Nobody uses them now (else autoclear, above).
		 */
		if (r == 0 && (r = part_settle(d)) == 0 && (r = bcache_settle_thread(d)) == 0)
			unbind(lo);
		return r < 0 ? r : 0;
	case LOOP_GET_STATUS64:
	case LOOP_GET_STATUS:
		if (!arg)
			return -EINVAL; /* as Linux, before it looks at the device */
		spin_lock(&lo->lock);
		r = lo->backing ? 0 : -ENXIO;
		if (r == 0)
			get_info(lo, &info);
		spin_unlock(&lo->lock);
		if (r == 0 && cmd == LOOP_GET_STATUS && (r = status_to_old(&info, &old)) == 0 &&
		    copy_to_domain(dom, arg, &old, sizeof old) < 0)
			r = -EFAULT;
		if (r == 0 && cmd == LOOP_GET_STATUS64 &&
		    copy_to_domain(dom, arg, &info, sizeof info) < 0)
			r = -EFAULT;
		return r;
	case LOOP_SET_STATUS64:
		if (copy_from_domain(dom, &info, arg, sizeof info) < 0)
			return -EFAULT;
		return set_status(lo, &info);
	case LOOP_SET_STATUS:
		if (copy_from_domain(dom, &old, arg, sizeof old) < 0)
			return -EFAULT;
		status_from_old(&old, &info);
		return set_status(lo, &info);
	case LOOP_CHANGE_FD:
		return change_fd(lo, (int)arg);
	case LOOP_SET_CAPACITY:
		if ((r = bcache_settle_thread(d)) < 0)
			return r;
		spin_lock(&lo->lock);
		r = lo->backing ? 0 : -ENXIO;
		if (r == 0)
			__atomic_store_n(&d->sectors,
					 size_of(lo->backing, lo->offset, lo->sizelimit),
					 __ATOMIC_RELEASE);
		spin_unlock(&lo->lock);
		return r;
	case LOOP_SET_DIRECT_IO:
		spin_lock(&lo->lock);
		r = lo->backing ? 0 : -ENXIO;
		spin_unlock(&lo->lock);
		/*
		 * Off is what it is; on, as Linux's answer when the backing file
		 * cannot: Ferry's loop always goes through its page cache.
		 */
		return r < 0 ? r : arg ? -EINVAL : 0;
	case LOOP_SET_BLOCK_SIZE:
		spin_lock(&lo->lock);
		r = lo->backing ? 0 : -ENXIO;
		spin_unlock(&lo->lock);
		if (r < 0)
			return r;
		if (arg < BLK_SECTOR_SIZE || arg > PAGE_SIZE || (arg & (arg - 1)))
			return -EINVAL; /* as Linux's blk_validate_block_size */
		if (arg == BLK_SECTOR_SIZE)
			return 0; /* the size it has */
		syscall_unsupported("LOOP_SET_BLOCK_SIZE above 512 bytes");
		return -EINVAL;
	default:
		return -ENOTTY;
	}
}

/* Make loopN (the caller holds loops_lock): 0, -ENOMEM, -EEXIST. */
static int add_locked(u32 n)
{
	struct loop *lo = loops[n];
	if (lo && lo->exists)
		return -EEXIST;
	if (!lo) {
		lo = knew(struct loop);
		if (!lo)
			return -ENOMEM;
		list_init(&lo->queue);
		lo->number = n;
		lo->blk = (struct blk_dev){
		    .major = LOOP_MAJOR,
		    .minor = n,
		    .block_size = BLK_SECTOR_SIZE,
		    .max_sectors = 256, /* 128 KiB a request */
		    .max_segs = BLK_MAX_SEGS,
		    .can_flush = true,
		    .submit = loop_submit,
		    .poll = loop_poll_dev,
		    .unclaimed = loop_unclaimed,
		};
		snprintf(lo->blk.name, sizeof lo->blk.name, "loop%u", n);
		task_init(&lo->task, "loop", loop_worker, NULL);
		park_init(&lo->park);
		lo->task.park = &lo->park;
		loops[n] = lo;
	}
	int r = blk_add(&lo->blk);
	if (r == 0)
		lo->exists = true;
	return r;
}

static long ctl_add(i64 want)
{
	long r = -ENOSPC;
	spin_lock(&loops_lock);
	if (want >= LOOP_MAX) {
		r = -EINVAL;
	} else if (want >= 0) {
		r = add_locked((u32)want);
		if (r == 0)
			r = want;
	} else {
		for (u32 i = 0; i < LOOP_MAX && r == -ENOSPC; i++)
			if (!loops[i] || !loops[i]->exists)
				r = add_locked(i) ?: (long)i;
	}
	spin_unlock(&loops_lock);
	if (r >= 0)
		devfs_add_disks();
	return r;
}

static long ctl_remove(i64 n)
{
	if (n < 0 || n >= LOOP_MAX)
		return -ENODEV;
	spin_lock(&loops_lock);
	struct loop *lo = loops[n];
	long r = lo && lo->exists ? 0 : -ENODEV;
	if (r == 0) {
		spin_lock(&lo->lock);
		if (lo->backing || __atomic_load_n(&lo->blk.opens, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&lo->blk.claimed, __ATOMIC_ACQUIRE))
			r = -EBUSY;
		spin_unlock(&lo->lock);
	}
	if (r == 0) {
		blk_del(&lo->blk);
		lo->exists = false;
	}
	spin_unlock(&loops_lock);
	if (r == 0)
		devfs_remove_node(lo->blk.name, mkdev(LOOP_MAJOR, (u32)n));
	return r;
}

static long ctl_get_free(void)
{
	spin_lock(&loops_lock);
	for (u32 i = 0; i < LOOP_MAX; i++) {
		struct loop *lo = loops[i];
		if (!lo || !lo->exists)
			continue;
		spin_lock(&lo->lock);
		bool free = !lo->backing;
		spin_unlock(&lo->lock);
		if (free) {
			spin_unlock(&loops_lock);
			return i;
		}
	}
	spin_unlock(&loops_lock);
	return ctl_add(-1);
}

static long ctl_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom)
{
	if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case LOOP_CTL_ADD:
		return ctl_add((i64)(i32)arg);
	case LOOP_CTL_REMOVE:
		return ctl_remove((i64)(i32)arg);
	case LOOP_CTL_GET_FREE:
		return ctl_get_free();
	default:
		return -ENOSYS; /* as Linux's loop_control_ioctl */
	}
}

static const struct file_ops ctl_fops = {.ioctl = ctl_ioctl};

void loop_init(void)
{
	spin_lock(&loops_lock);
	for (u32 i = 0; i < LOOP_AT_BOOT; i++)
		if (add_locked(i) < 0)
			pr_err("loop: cannot make loop%u\n", i);
	spin_unlock(&loops_lock);
	if (chrdev_register(mkdev(LOOP_CTL_MAJOR, LOOP_CTL_MINOR), &ctl_fops, NULL) < 0)
		pr_err("loop: cannot register /dev/loop-control\n");
}
