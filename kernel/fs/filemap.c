/*
 * Regular files' data through the page cache (vm/pcache.h), the parts
 * every file system shares: reading, the cache ops that speak of the
 * inode (references, size), and fsync's write-and-wait. A file system
 * adds how its pages reach its store (ext2_file.c), or that they have
 * none (ramfs).
 *
 * No lock is held across a copy to or from user memory (vfs.h): a page
 * is pinned by its frame reference while its bytes are copied.
 */
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/buddy.h"
#include "mm/layout.h"

static u64 size_of(struct inode *ip)
{
	spin_lock(&ip->lock);
	u64 size = ip->size;
	spin_unlock(&ip->lock);
	return size;
}

/*
 * Pages a read waits for before it copies anything: Linux reads a regular
 * file whole up to its end, and programs count on it (GNU tar takes a
 * short read for a file that shrank, and pads the archive with zeros).
 */
#define FILEMAP_READ_WHOLE 256

/*
 * Before the first byte is copied (a park restarts the call), every page
 * of the read's first FILEMAP_READ_WHOLE is brought into the cache: 0, or
 * -ERESTART_PARK while one is read in. Other errors are left for the copy
 * loop, which returns what it read before the page that failed.
 */
static int filemap_wait_range(struct pcache *pc, u64 off, size_t len, u64 size, u32 window)
{
	if (off >= size || !len)
		return 0;
	u64 end = MIN(size, off + len);
	u64 first = off >> PAGE_SHIFT;
	u64 last = MIN((end - 1) >> PAGE_SHIFT, first + FILEMAP_READ_WHOLE - 1);
	u64 npages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	for (u64 idx = first; idx <= last; idx++) {
		paddr_t pa = 0;
		int r = pcache_get(pc, idx, PCG_HOLE | (window ? 0 : PCG_NORA), &pa);
		if (r == -ERESTART_PARK)
			return r;
		if (r < 0)
			return 0;
		if (pa) {
			pcache_readahead_next(pc, idx, npages, window);
			frame_unref(pa);
		}
	}
	return 0;
}

/* The pages a reader keeps ahead of itself, by its file's advice (posix_fadvise). */
static u32 ra_window(u8 advice)
{
	switch (advice) {
	case FRA_RANDOM:
		return 0;
	case FRA_SEQUENTIAL:
		return 2 * PCACHE_READAHEAD;
	default:
		return PCACHE_READAHEAD;
	}
}

ssize_t filemap_read(struct inode *ip, struct uio *u, u64 off)
{
	struct pcache *pc = &ip->data;
	size_t total = 0;
	u32 window = ra_window(u->ra);
	int w = filemap_wait_range(pc, off, u->resid, size_of(ip), window);
	if (w < 0)
		return w;
	while (u->resid) {
		u64 size = size_of(ip);
		if (off >= size)
			break;
		u64 idx = off >> PAGE_SHIFT;
		size_t po = off & (PAGE_SIZE - 1);
		size_t n = MIN(u->resid, MIN(size - off, PAGE_SIZE - po));
		paddr_t pa = 0;
		/* Parking restarts the call: only before any byte has been copied. */
		int r = pcache_get(pc, idx, PCG_HOLE | (total ? PCG_NOPARK : 0) | (window ? 0 : PCG_NORA),
				   &pa);
		if (r == -ENODATA)
			r = 0; /* a hole in a memory file: zeros */
		if (r < 0)
			return total ? (ssize_t)total : r;
		if (pa)
			pcache_readahead_next(pc, idx, ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT, window);
		/* Access times are not kept (as with noatime). */
		size_t before = u->resid;
		r = pa ? uio_copy_out(u, (u8 *)phys_to_virt(pa) + po, n) : uio_zero(u, n);
		if (pa)
			frame_unref(pa);
		total += before - u->resid; /* a fault may come after some segments were filled */
		if (r < 0)
			return total ? (ssize_t)total : r;
		off += n;
	}
	return (ssize_t)total;
}

int filemap_willneed(struct inode *ip, u64 first, u64 last)
{
	struct pcache *pc = &ip->data;
	if ((pc->flags & PC_SWAPBACKED) || !pc->ops || !pc->ops->readahead)
		return 0; /* a memory file: its data is all in the cache already */
	u64 npages = ALIGN_UP(size_of(ip), PAGE_SIZE) >> PAGE_SHIFT;
	if (first >= npages)
		return 0;
	last = MIN(last, npages - 1);
	/* Reading more than memory can hold would push out the range's own beginning. */
	u64 room = buddy_free_pages() / 2;
	if (last - first >= room) {
		if (!room)
			return 0;
		last = first + room - 1;
	}
	for (u64 idx = first; idx <= last; idx++) {
		if (pcache_present(pc, idx))
			continue; /* cached, or on its way (this call's earlier runs started it) */
		int r = pc->ops->readahead(pc, idx, (u32)MIN(last - idx + 1, (u64)PCACHE_READAHEAD),
					   false);
		if (r == -ERESTART_PARK)
			return r;
		if (r < 0)
			break; /* past the end, or no memory: as Linux, the advice is still taken */
	}
	return 0;
}

bool filemap_tryget(struct pcache *pc)
{
	struct inode *ip = pcache_inode(pc);
	spin_lock(&ip->lock);
	/* Being freed: its last reference and its last link are gone (inode_put decides so here). */
	bool alive = __atomic_load_n(&ip->refs, __ATOMIC_ACQUIRE) > 0 ||
		     (ip->nlink > 0 && !(ip->flags & I_TRANSIENT));
	if (alive)
		__atomic_add_fetch(&ip->refs, 1, __ATOMIC_ACQUIRE);
	spin_unlock(&ip->lock);
	if (alive)
		__atomic_add_fetch(&ip->sb->active, 1, __ATOMIC_RELAXED);
	return alive;
}

void filemap_put(struct pcache *pc)
{
	inode_put(pcache_inode(pc));
}

u64 filemap_size(struct pcache *pc)
{
	return size_of(pcache_inode(pc));
}

int filemap_write_and_wait(struct inode *ip, u64 off, u64 len)
{
	u64 first = off >> PAGE_SHIFT;
	u64 last = len ? (off + len - 1) >> PAGE_SHIFT : ~0UL;
	return pcache_writeback(&ip->data, first, last, true, 0);
}
