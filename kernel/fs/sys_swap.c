/*
 * swapon and swapoff: the file-system half of swap areas (vm/swap.h has
 * the rest). An area is a whole disk (/dev/vdb: its block node) or a
 * regular file on a disk's file system, made by mkswap; the header is
 * checked, and a file must have every block mapped (a file with holes is
 * refused, as Linux does), since swap reads and writes its pages straight
 * on the disk; a page whose blocks are not together is left unused. While it is an area, a file
 * cannot be written (ETXTBSY) and a disk cannot be mounted (EBUSY).
 *
 * Both need CAP_SYS_ADMIN. Both may park (the header, a block map, pages coming back) and
 * run again from the start: nothing changes until everything is gathered
 * (swapon), and what swapoff brought back stays back.
 */
#include "fs/devfs.h"
#include "fs/fsproc.h"
#include "fs/bcache.h"
#include "fs/vfs.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "vm/swap.h"
#include "dev/blk.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/park.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SWAP_FLAG_PREFER 0x8000
#define SWAP_FLAG_PRIO_MASK 0x7fff
#define SWAP_FLAG_DISCARD 0x10000
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#define SWAP_FLAG_DISCARD_PAGES 0x40000
#define SWAP_FLAGS_VALID (SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | SWAP_FLAG_DISCARD | \
			  SWAP_FLAG_DISCARD_ONCE | SWAP_FLAG_DISCARD_PAGES)

/* The swap area's name (its absolute path, as /proc/swaps shows it) and its inode: 0 or -errno. */
static int lookup(u64 upath, char **path, struct inode **ip)
{
	char *given;
	long r = fs_copy_path(upath, &given);
	if (r < 0)
		return (int)r;
	struct inode *cwd = fs_cwd_get(), *found = NULL;
	r = vfs_lookup(cwd, given, LOOKUP_FOLLOW, &found);
	char *abs = r == 0 ? kmalloc(PATH_MAX) : NULL;
	if (r == 0 && !abs)
		r = -ENOMEM;
	if (r == 0) {
		/* Walking up the tree may read a directory from the disk: the call runs again then. */
		ssize_t n = vfs_realpath(cwd, given, abs, PATH_MAX);
		if (n == -ERESTART_PARK)
			r = (int)n;
		else if (n < 0)
			strlcpy(abs, given, PATH_MAX);
	}
	inode_put(cwd);
	kfree(given);
	if (r < 0) {
		if (found)
			inode_put(found);
		kfree(abs);
		return (int)r;
	}
	*path = abs;
	*ip = found;
	return 0;
}

static int refuse(const char *path, const char *why)
{
	pr_info("swapon: %s: %s\n", path, why);
	return -EINVAL;
}

/* A file's area ends: writes allowed again, the inode let go. */
static void release_file(void *owner)
{
	struct inode *ip = owner;
	vmobj_allow_write(&ip->data.obj);
	inode_put(ip);
}

static void release_disk(void *owner)
{
	struct blk_dev *dev = owner;
	blk_unclaim(dev);
}

/*
 * A swap file's page map being built: kept across the call's restarts
 * (park_hold), so that each block-map read the call parks for is done
 * once, not again from the first page.
 */
struct file_map {
	struct inode *ip; /* no reference: only compared */
	u64 pages, next;  /* slots, and the first not mapped yet */
	u32 bshift;
	u32 *blocks;
};

static void file_map_free(void *p)
{
	struct file_map *m = p;
	kfree(m->blocks);
	kfree(m);
}

/*
 * A swap file's page map: slot i's first block in blocks[i], or 0 for a
 * page whose blocks are not adjacent on the disk (that slot is not used).
 * -EINVAL (holes) with a message, or a bmap error (-ERESTART_PARK while a
 * block map is read).
 */
static int map_file(struct inode *ip, const char *path, u64 pages, u32 **out, u32 *bshift_out)
{
	struct file_map *m = park_take(file_map_free);
	if (m && (m->ip != ip || m->pages != pages)) {
		file_map_free(m);
		m = NULL;
	}
	u64 pblk;
	u32 bshift;
	int r;
	if (!m) {
		/* The block size first: a page is `per` blocks, which must be adjacent on the disk. */
		if ((r = ip->ops->bmap(ip, 0, &pblk, &bshift)) < 0)
			return r;
		if (bshift > PAGE_SHIFT)
			return refuse(path, "the file system's blocks are larger than a page");
		m = knew(struct file_map);
		u32 *blocks = m ? kmalloc(pages * sizeof *blocks) : NULL;
		if (!blocks) {
			kfree(m);
			return -ENOMEM;
		}
		*m = (struct file_map){.ip = ip, .pages = pages, .bshift = bshift, .blocks = blocks};
	}
	u64 per = PAGE_SIZE >> m->bshift;
	for (; m->next < pages; m->next++) {
		u64 first = 0;
		bool apart = false;
		for (u64 k = 0; k < per; k++) {
			r = ip->ops->bmap(ip, m->next * per + k, &pblk, &bshift);
			if (r == -ERESTART_PARK) {
				park_hold(file_map_free, m); /* this page's blocks again when it runs */
				return r;
			}
			if (r < 0) {
				file_map_free(m);
				return r;
			}
			if (!pblk || pblk > 0xffffffffu) {
				file_map_free(m);
				return refuse(path, pblk ? "a block of the file is past what swap can address"
							 : "the swap file has holes");
			}
			if (k == 0)
				first = pblk;
			else if (pblk != first + k)
				apart = true;
		}
		/* A page whose blocks are apart (a block map between them) is not used, as on Linux. */
		m->blocks[m->next] = apart ? 0 : (u32)first;
	}
	*out = m->blocks;
	*bshift_out = m->bshift;
	kfree(m);
	return 0;
}

static int swapon_file(struct inode *ip, const char *path, int prio)
{
	if (!ip->sb->disk || !ip->ops->bmap || !ip->data.ops)
		return refuse(path, "not a file on a disk");
	if (swap_in_use(ip, NULL))
		return -EBUSY;
	u64 avail = ip->size >> PAGE_SHIFT;
	if (avail < 2)
		return refuse(path, "too small for a swap area");
	/* The file's own dirty pages go to the disk first: swap writes there behind the cache. */
	int r = filemap_write_and_wait(ip, 0, 0);
	u8 *hdr = r ? NULL : kmalloc(PAGE_SIZE);
	if (r)
		return r;
	if (!hdr)
		return -ENOMEM;
	ssize_t n = inode_read_kernel(ip, 0, hdr, PAGE_SIZE);
	struct swap_geom g;
	const char *why;
	r = n < 0 ? (int)n : n < (ssize_t)PAGE_SIZE ? refuse(path, "shorter than a page") : 0;
	if (r == 0 && (r = swap_check_header(hdr, avail, &g, &why)) < 0)
		refuse(path, why);
	u32 *blocks = NULL, bshift;
	if (r == 0)
		r = map_file(ip, path, g.pages, &blocks, &bshift);
	/* While it is an area, nobody writes the file (ETXTBSY), and its cache holds none of it. */
	if (r == 0 && (r = vmobj_deny_write(&ip->data.obj)) < 0)
		kfree(blocks);
	if (r == 0) {
		pcache_truncate(&ip->data, 0);
		r = swap_add_area(path, ip->sb->disk, &g, blocks, bshift, prio, inode_get(ip),
				  release_file);
		if (r < 0) {
			vmobj_allow_write(&ip->data.obj);
			inode_put(ip);
			kfree(blocks);
		}
	}
	kfree(hdr);
	return r;
}

static int swapon_disk(struct inode *ip, const char *path, int prio)
{
	struct blk_dev *dev = devfs_disk(ip->rdev);
	if (!dev)
		return -ENXIO;
	if (blk_read_only(dev))
		return -EROFS;
	/* Mounted, swapped on or held by an O_EXCL open: EBUSY before its header is read, as Linux. */
	if (__atomic_load_n(&dev->claimed, __ATOMIC_ACQUIRE))
		return -EBUSY;
	/*
	 * What mkswap wrote through the device file (in its block size) goes
	 * to the disk first, and its copies out of the cache, before the
	 * header is read in a page (once: not when a read of it is under way).
	 */
	if (!__atomic_load_n(&dev->claimed, __ATOMIC_ACQUIRE) && !bcache_present(dev, 0, PAGE_SIZE)) {
		long s = bcache_settle_thread(dev);
		if (s < 0)
			return (int)s;
	}
	/* The header: the disk's first page, through the block cache (it parks on a miss). */
	struct waitq *q;
	struct bbuf *b;
	int r = bcache_get(dev, 0, PAGE_SIZE, &b, &q);
	if (r == -ERESTART_PARK) {
		long p = park_on(q);
		spin_unlock(&q->lock);
		return (int)p;
	}
	if (r < 0)
		return r;
	struct swap_geom g;
	const char *why;
	r = swap_check_header(b->data, dev->sectors / (PAGE_SIZE / BLK_SECTOR_SIZE), &g, &why);
	bcache_put(b);
	if (r < 0)
		return refuse(path, why);
	/* A mounted disk is not a swap area, nor the other way round. */
	if (!blk_claim(dev))
		return -EBUSY;
	bcache_forget(dev, 0, PAGE_SIZE);
	r = swap_add_area(path, dev, &g, NULL, 0, prio, NULL, NULL);
	if (r < 0)
		blk_unclaim(dev);
	return r;
}

SYSCALL(NR_swapon, swapon)
{
	int flags = (int)a1;
	if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EPERM; /* an area takes the disk or file from everyone (Linux: the same) */
	if (flags & ~SWAP_FLAGS_VALID)
		return -EINVAL;
	int prio = flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK : -1;
	char *path;
	struct inode *ip;
	int r = lookup(a0, &path, &ip);
	if (r < 0)
		return r;
	if (S_ISREG(ip->mode))
		r = swapon_file(ip, path, prio);
	else if (S_ISBLK(ip->mode))
		r = swapon_disk(ip, path, prio);
	else
		r = -EINVAL;
	inode_put(ip);
	kfree(path);
	return r;
}

SYSCALL(NR_swapoff, swapoff)
{
	if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EPERM;
	char *path;
	struct inode *ip;
	int r = lookup(a0, &path, &ip);
	if (r < 0)
		return r;
	if (S_ISREG(ip->mode))
		r = swap_remove_area(ip, NULL);
	else if (S_ISBLK(ip->mode) && devfs_disk(ip->rdev))
		r = swap_remove_area(NULL, devfs_disk(ip->rdev));
	else
		r = -EINVAL;
	if (r == 0 && S_ISBLK(ip->mode))
		release_disk(devfs_disk(ip->rdev));
	inode_put(ip);
	kfree(path);
	return r;
}
