/*
 * Block-device files (see blk.h): /dev/vda, /dev/vda1, /dev/loop0 opened
 * as files. Reads and writes go through the block cache in blocks of
 * blkdev_bsize (1 KiB: what ext2 mostly uses, so a mounted file
 * system's buffers are the same ones), so they are coherent with each
 * other and durable on fsync. A call gathers every block it needs before
 * it copies a byte (invariant 3): a read parks until all its blocks are
 * in; a write reads only the partly written blocks at its two ends.
 */
#include "blk/blk.h"
#include "fs/bcache.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/domain.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "sys/syscall.h"

/* What one read or write moves at most: its blocks must all fit in the cache at once. */
#define RW_CHUNK (4UL << 20)

/* <linux/fs.h>'s block ioctls and <linux/hdreg.h>'s HDIO_GETGEO. */
#define BLKROSET 0x125d
#define BLKROGET 0x125e
#define BLKRRPART 0x125f
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKRASET 0x1262
#define BLKRAGET 0x1263
#define BLKSSZGET 0x1268
#define BLKBSZGET 0x80081270
#define BLKGETSIZE64 0x80081272
#define BLKIOMIN 0x1278
#define BLKIOOPT 0x1279
#define BLKALIGNOFF 0x127a
#define BLKPBSZGET 0x127b
#define BLKDISCARD 0x1277
#define BLKSECDISCARD 0x127d
#define BLKDISCARDZEROES 0x127c
#define BLKZEROOUT 0x127f
#define HDIO_GETGEO 0x0301

#define BLK_READAHEAD_SECTORS 256 /* what BLKRAGET reports: Linux's default 128 KiB */

static struct blk_dev *dev_of(struct file *f)
{
	return f->priv;
}

static int blkdev_open(struct inode *ip, struct file *f)
{
	struct blk_dev *d = blk_find(dev_major(ip->rdev), dev_minor(ip->rdev));
	if (!d)
		return -ENXIO; /* a node whose number no driver has */
	if ((f->fmode & FMODE_WRITE) && blk_read_only(d))
		return -EROFS;
	if ((f->fmode & FMODE_EXCL) && !blk_claim(d))
		return -EBUSY; /* mounted, swapped on, held: it, its disk or a partition of it */
	__atomic_add_fetch(&d->opens, 1, __ATOMIC_ACQ_REL);
	f->priv = d;
	return 0;
}

static void blkdev_release(struct file *f)
{
	struct blk_dev *d = dev_of(f);
	if (f->fmode & FMODE_EXCL)
		blk_unclaim(d);
	if (__atomic_sub_fetch(&d->opens, 1, __ATOMIC_ACQ_REL) == 0 && loop_is(d))
		loop_last_close(d);
}

/* Get blocks first..last of d into the cache: 0 when all are, or park on the first that is not. */
static long gather(struct blk_dev *d, u64 first, u64 last, u32 bs)
{
	if (last > first)
		bcache_read_ahead(d, first, (u32)MIN(last - first + 1, (u64)0xffffffffu), bs);
	for (u64 b = first; b <= last; b++) {
		struct bbuf *bb;
		struct waitq *q;
		int r = bcache_get(d, b, bs, &bb, &q);
		if (r == -ERESTART_PARK) {
			long p = park_on(q);
			spin_unlock(&q->lock);
			return p;
		}
		if (r < 0)
			return r;
		bcache_put(bb);
	}
	return 0;
}

static ssize_t blkdev_read(struct file *f, struct uio *u, u64 *pos)
{
	struct blk_dev *d = dev_of(f);
	u64 size = blk_sectors(d) << BLK_SECTOR_SHIFT;
	if (*pos >= size || !u->resid)
		return 0;
	u64 n = MIN(MIN((u64)u->resid, size - *pos), RW_CHUNK);
	u32 bs = blkdev_bsize(d);
	u64 first = *pos / bs, last = (*pos + n - 1) / bs;
	long r = gather(d, first, last, bs);
	if (r < 0)
		return r;
	u64 done = 0;
	for (u64 b = first; b <= last && done < n; b++) {
		struct bbuf *bb = bcache_peek(d, b, bs);
		if (!bb)
			break; /* reclaimed since it was gathered: a short read (or the next call
				  reads it) */
		u64 off = (*pos + done) % bs;
		size_t len = (size_t)MIN(bs - off, n - done);
		int c = uio_copy_out(u, bb->data + off, len);
		bcache_put(bb);
		if (c < 0) {
			if (!done)
				return c;
			break;
		}
		done += len;
	}
	if (!done)
		return gather(d, first, first, bs) ?: -EAGAIN;
	*pos += done;
	return (ssize_t)done;
}

/* Does this write reach the disk before it returns (O_SYNC, O_DSYNC, RWF_SYNC, RWF_DSYNC)? */
static bool sync_write(struct file *f, const struct uio *u)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & (O_SYNC | O_DSYNC)) ||
	       (u->rwf & (RWF_SYNC | RWF_DSYNC));
}

/*
 * A synchronous write's second half: its done bytes to the disk. A park
 * keeps them as the call's progress, so the restart only syncs.
 */
static ssize_t write_synced(struct blk_dev *d, u64 done, u64 *pos, bool again)
{
	long s = bcache_sync_thread(d);
	if (s == -ERESTART_PARK) {
		park_save_progress(done);
		return s;
	}
	if (s < 0)
		return s;
	if (again)
		*pos += done; /* the first run's advance was not kept: it parked */
	return (ssize_t)done;
}

static ssize_t blkdev_write(struct file *f, struct uio *u, u64 *pos)
{
	struct blk_dev *d = dev_of(f);
	if (sync_write(f, u) && park_progress())
		return write_synced(d, park_progress(), pos, true);
	if (blk_read_only(d))
		return -EPERM; /* Linux: a write to a read-only block device */
	u64 size = blk_sectors(d) << BLK_SECTOR_SHIFT;
	if (!u->resid)
		return 0;
	if (*pos >= size)
		return -ENOSPC;
	u64 n = MIN(MIN((u64)u->resid, size - *pos), RW_CHUNK);
	u32 bs = blkdev_bsize(d);
	u64 first = *pos / bs, last = (*pos + n - 1) / bs;
	/* Only the ends may be written in part: those blocks are read first. */
	long r = 0;
	if (*pos % bs || (first == last && n < bs))
		r = gather(d, first, first, bs);
	if (r == 0 && (*pos + n) % bs && last != first)
		r = gather(d, last, last, bs);
	if (r < 0)
		return r;
	u8 bounce[1024];
	u64 done = 0;
	for (u64 b = first; b <= last && done < n; b++) {
		u64 off = (*pos + done) % bs;
		size_t len = (size_t)MIN(bs - off, n - done);
		/* The user's bytes first: a bad pointer then changes nothing on the disk. */
		int c = uio_copy_in(u, bounce, len);
		if (c < 0) {
			if (!done)
				return c;
			break;
		}
		struct bbuf *bb;
		struct waitq *q;
		c = len == bs ? bcache_get_new(d, b, bs, &bb, &q) : bcache_get(d, b, bs, &bb, &q);
		if (c == -ERESTART_PARK) {
			spin_unlock(
			    &q->lock); /* only the next call waits: what is done is returned */
			if (!done) /* the restart runs the call again from the user's registers */
				return gather(d, b, b, bs) ?: -EAGAIN;
			break;
		}
		if (c < 0) {
			if (!done)
				return c;
			break;
		}
		memcpy(bb->data + off, bounce, len);
		bcache_dirty(bb);
		bcache_put(bb);
		done += len;
	}
	bcache_note_write(d);
	*pos += done;
	return sync_write(f, u) ? write_synced(d, done, pos, false) : (ssize_t)done;
}

static i64 blkdev_llseek(struct file *f, i64 off, int whence)
{
	struct blk_dev *d = dev_of(f);
	i64 size = (i64)(blk_sectors(d) << BLK_SECTOR_SHIFT), pos;
	file_pos_lock(f);
	/* All of a device is data, and its end the one hole. */
	int r = vfs_seek_pos((i64)f->pos, size, off, whence, &pos);
	/* As Linux's fixed_size_llseek: nowhere past the end. */
	if (!r && pos > size)
		r = -EINVAL;
	if (r) {
		file_pos_unlock(f);
		return r;
	}
	f->pos = (u64)pos;
	file_pos_unlock(f);
	return pos;
}

static int blkdev_fsync(struct file *f, bool datasync)
{
	return (int)bcache_sync_thread(dev_of(f));
}

static long put_int(struct domain *dom, u64 arg, i32 v)
{
	return copy_to_domain(dom, arg, &v, sizeof v) < 0 ? -EFAULT : 0;
}

static long put_u64(struct domain *dom, u64 arg, u64 v)
{
	return copy_to_domain(dom, arg, &v, sizeof v) < 0 ? -EFAULT : 0;
}

/*
 * BLKZEROOUT's zeros go through the block cache, as a write's would, so
 * reads and a mounted file system's buffers see them; then to the disk
 * before the call returns, as Linux's do. In pieces of RW_CHUNK, each
 * written before the next is made, so the cache never holds more of them
 * than that: a park keeps the bytes done as the call's progress.
 */
static long zero_range(struct blk_dev *d, u64 start, u64 len)
{
	u32 bs = blkdev_bsize(d);
	u64 done = park_progress();
	while (done < len) {
		u64 end = done + MIN(len - done, RW_CHUNK);
		for (; done < end;) {
			u64 pos = start + done, b = pos / bs, off = pos % bs;
			size_t n = (size_t)MIN(bs - off, end - done);
			struct bbuf *bb;
			struct waitq *q;
			int c = n == bs ? bcache_get_new(d, b, bs, &bb, &q) : bcache_get(d, b, bs, &bb, &q);
			if (c == -ERESTART_PARK) {
				park_save_progress(done);
				long p = park_on(q);
				spin_unlock(&q->lock);
				return p;
			}
			if (c < 0)
				return c;
			memset(bb->data + off, 0, n);
			bcache_dirty(bb);
			bcache_put(bb);
			done += n;
		}
		bcache_note_write(d);
		park_save_progress(done);
		long s = bcache_sync_thread(d);
		if (s < 0)
			return s; /* parked: the restart goes on after what is done */
	}
	return bcache_sync_thread(d); /* a restart after the last piece only waits for it */
}

/* BLKZEROOUT and BLKDISCARD's argument: a byte range {start, length}, in whole sectors. */
static long range_ioctl(struct file *f, struct blk_dev *d, u32 cmd, u64 arg, struct domain *dom)
{
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	if (cmd != BLKZEROOUT)
		return -EOPNOTSUPP; /* Ferry's drivers do not discard: none asks the device */
	u64 range[2];
	if (copy_from_domain(dom, range, arg, sizeof range) < 0)
		return -EFAULT;
	u64 start = range[0], len = range[1], end = start + len - 1;
	u64 size = blk_sectors(d) << BLK_SECTOR_SHIFT;
	if ((start | len) % BLK_SECTOR_SIZE || end >= size || end < start)
		return -EINVAL;
	if (blk_read_only(d))
		return -EPERM;
	/* As Linux's: not under a mounted file system's (or swap's) feet. */
	if (!(f->fmode & FMODE_EXCL) && blk_claimed(d))
		return -EBUSY;
	return zero_range(d, start, len);
}

/* struct hd_geometry of <linux/hdreg.h> (x86-64). */
struct hd_geometry {
	u8 heads;
	u8 sectors;
	u16 cylinders;
	u64 start;
};

static long blkdev_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom)
{
	struct blk_dev *d = dev_of(f);
	long r = loop_is(d) ? loop_ioctl(d, f, cmd, arg, dom) : -ENOTTY;
	if (r != -ENOTTY)
		return r;
	u64 sectors = blk_sectors(d);
	switch (cmd) {
	case BLKGETSIZE64:
		return put_u64(dom, arg, sectors << BLK_SECTOR_SHIFT);
	case BLKGETSIZE:
		return put_u64(dom, arg, sectors);
	case BLKSSZGET:
		return put_int(dom, arg, BLK_SECTOR_SIZE);
	case BLKPBSZGET:
	case BLKIOMIN:
		return put_int(dom, arg, (i32)MAX(d->block_size, (u32)BLK_SECTOR_SIZE));
	case BLKIOOPT:
	case BLKALIGNOFF:
		return put_int(dom, arg, 0);
	case BLKBSZGET:
		return put_int(dom, arg, (i32)blkdev_bsize(d));
	case BLKROGET:
		return put_int(dom, arg, blk_read_only(d));
	case BLKRAGET:
		return put_u64(dom, arg, BLK_READAHEAD_SECTORS);
	case BLKFLSBUF:
		if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
			return -EACCES;
		return bcache_settle_thread(d);
	case BLKRRPART:
		if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
			return -EACCES;
		if (d->whole || (d->major != BLK_DISK_MAJOR && !(loop_is(d) && loop_partscan(d))))
			return -EINVAL; /* a partition, or a loop device without LO_FLAGS_PARTSCAN */
		return part_rescan(d, f->fmode & FMODE_EXCL);
	case HDIO_GETGEO: {
		if (d->major != BLK_DISK_MAJOR)
			return -ENOTTY; /* as Linux: a loop device has no geometry */
		/* virtio-blk's made-up geometry when the device gives none: 64 heads, 32 sectors.
		 */
		u64 whole = d->whole ? blk_sectors(d->whole) : sectors;
		struct hd_geometry g = {.heads = 64,
					.sectors = 32,
					.cylinders = (u16)MIN(whole >> 11, 0xffffUL),
					.start = d->whole ? d->start : 0};
		return copy_to_domain(dom, arg, &g, sizeof g) < 0 ? -EFAULT : 0;
	}
	case BLKROSET: {
		if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
			return -EACCES;
		i32 ro;
		if (copy_from_domain(dom, &ro, arg, sizeof ro) < 0)
			return -EFAULT;
		__atomic_store_n(&d->ro_set, ro != 0, __ATOMIC_RELEASE);
		return 0;
	}
	case BLKZEROOUT:
	case BLKDISCARD:
	case BLKSECDISCARD:
		return range_ioctl(f, d, cmd, arg, dom);
	case BLKDISCARDZEROES:
		return put_int(dom, arg, 0); /* an old request: always 0 on Linux now */
	case BLKRASET:
		syscall_unsupported("ioctl BLKRASET");
		return -EINVAL;
	default:
		return loop_is(d) ? -EINVAL
				  : -ENOTTY; /* as Linux: lo_ioctl's answer, or no driver's */
	}
}

static const struct file_ops blkdev_ops = {
    .read = blkdev_read,
    .write = blkdev_write,
    .ioctl = blkdev_ioctl,
    .llseek = blkdev_llseek,
    .open = blkdev_open,
    .release = blkdev_release,
    .fsync = blkdev_fsync,
};

void blk_layer_init(void)
{
	blkdev_fops_register(&blkdev_ops);
	loop_init();
}
