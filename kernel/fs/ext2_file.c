/*
 * ext2 regular files through the page cache (vm/pcache.h): the cache's
 * ops (reading pages in with readahead, writing dirty pages back), write,
 * and fsync. File data never passes through the block cache, which keeps
 * the metadata (block maps, inodes, bitmaps: what a journal would wrap);
 * a block that becomes file data is forgotten there (ext2_alloc_block).
 * Locks and fields: ext2_impl.h.
 *
 * Page I/O goes straight to the disk: a batch of pages becomes requests
 * of adjacent blocks (as many segments as the disk takes), completed
 * together from the disk's interrupt, which only touches the pages
 * (pcache_read_done, pcache_write_done), never the file: the file may be
 * deleted and freed while a write of its pages is in flight.
 *
 * Waiting (invariant 3): a block map not in the block cache parks the
 * caller (or, nopark, starts its read and says -EAGAIN); a page being
 * read parks its readers in the page cache.
 */
#include "fs/ext2_impl.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/park.h"

#define PIO_PAGES PCACHE_READAHEAD /* pages one batch of I/O may carry */
#define BLOCKS_PER_PAGE_MAX (PAGE_SIZE / 1024)

/* One block request of a batch. */
struct pio_req {
	struct blk_request r;
	struct pio *io;
	u32 first_page, last_page; /* the batch's pages it touches */
	struct blk_seg segs[BLK_MAX_SEGS];
};

/* A batch of pages read or written together: done when its last request is. */
struct pio {
	struct blk_dev *dev;
	bool write;
	u32 pending;	      /* [a] requests in flight, and 1 while the batch is being sent */
	int err;	      /* [a] */
	u32 npages;
	paddr_t pages[PIO_PAGES];
	bool unsent[PIO_PAGES]; /* a request of this page never went out */
	u32 nreq;
	struct pio_req *req[PIO_PAGES * BLOCKS_PER_PAGE_MAX];
};

static void pio_finish(struct pio *io)
{
	for (u32 i = 0; i < io->npages; i++) {
		paddr_t pa = io->pages[i];
		if (io->write)
			pcache_write_done(pa, io->unsent[i] ? 0 : io->err);
		else if (io->unsent[i])
			pcache_read_abort(pa); /* not read: its readers start over */
		else
			pcache_read_done(pa, io->err);
	}
	if (io->write && !io->err)
		bcache_note_write(io->dev); /* fsync's flush must cover it */
	for (u32 i = 0; i < io->nreq; i++)
		kfree(io->req[i]);
	kfree(io);
}

static void pio_put(struct pio *io)
{
	if (__atomic_sub_fetch(&io->pending, 1, __ATOMIC_ACQ_REL) == 0)
		pio_finish(io);
}

/* From the disk's completion interrupt. */
static void pio_req_done(struct blk_request *r)
{
	struct pio_req *q = r->priv;
	if (r->status)
		__atomic_store_n(&q->io->err, -EIO, __ATOMIC_RELAXED);
	pio_put(q->io);
}

/* Add bsize bytes at pa + off of the batch's page pi, disk block pblk, to the batch's requests. */
static int pio_add(struct pio *io, u32 pi, u32 off, u32 pblk, u32 bsize)
{
	struct blk_dev *dev = io->dev;
	u64 per = bsize >> BLK_SECTOR_SHIFT;
	u64 sector = (u64)pblk * per;
	paddr_t addr = io->pages[pi] + off;
	struct pio_req *q = io->nreq ? io->req[io->nreq - 1] : NULL;
	if (q && q->r.sector + q->r.count == sector && q->r.count + per <= dev->max_sectors) {
		struct blk_seg *last = &q->segs[q->r.nsegs - 1];
		if (last->addr + last->len == addr) {
			last->len += bsize; /* the same frame, continued: one segment */
			q->r.count += (u32)per;
			q->last_page = pi;
			return 0;
		}
		if (q->r.nsegs < MAX(dev->max_segs, 1u)) {
			q->segs[q->r.nsegs++] = (struct blk_seg){addr, bsize};
			q->r.count += (u32)per;
			q->last_page = pi;
			return 0;
		}
	}
	if (io->nreq == ARRAY_SIZE(io->req))
		return -ENOMEM;
	q = kzalloc(sizeof *q);
	if (!q)
		return -ENOMEM;
	q->io = io;
	q->first_page = q->last_page = pi;
	q->segs[0] = (struct blk_seg){addr, bsize};
	q->r = (struct blk_request){.op = io->write ? BLK_WRITE : BLK_READ,
				    .sector = sector,
				    .count = (u32)per,
				    .segs = q->segs,
				    .nsegs = 1,
				    .done = pio_req_done,
				    .priv = q};
	io->req[io->nreq++] = q;
	return 0;
}

/*
 * Send the batch's requests. A full ring (or a refused request) leaves
 * the rest unsent: their pages end unread (readers try again) or dirty
 * again (the caller redirties them: *unsent_from is the first such page,
 * npages if none). With park, a full ring at the first request parks the
 * caller on the ring instead (-ERESTART_PARK, nothing sent).
 */
static int pio_send(struct pio *io, bool park, u32 *unsent_from)
{
	io->pending = io->nreq + 1;
	u32 from = io->npages;
	int ret = 0;
	for (u32 i = 0; i < io->nreq; i++) {
		struct pio_req *q = io->req[i];
		struct waitq *ring = NULL;
		int r = io->dev->submit(io->dev, &q->r, i == 0 && park ? &ring : NULL);
		if (r == 0)
			continue;
		if (r == -ERESTART_PARK) {
			long p = park_on(ring);
			spin_unlock(&ring->lock);
			ret = (int)p;
		}
		from = q->first_page;
		for (u32 j = i; j < io->nreq; j++)
			__atomic_sub_fetch(&io->pending, 1, __ATOMIC_RELAXED);
		break;
	}
	for (u32 p = from; p < io->npages; p++)
		io->unsent[p] = true;
	*unsent_from = from;
	return ret;
}

/*
 * The disk blocks of file page idx (0: a hole; past the end of the file:
 * 0 too), as many as a page holds. A block map not cached parks or not as
 * io says.
 */
static int page_blocks(struct inode *ip, u64 idx, u64 size, u32 *blks, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	u32 bsize = fs->g.bsize, per = PAGE_SIZE / bsize;
	for (u32 k = 0; k < per; k++) {
		u64 lblk = idx * per + k;
		blks[k] = 0;
		if (lblk * bsize >= size)
			continue;
		int r = ext2_bmap(ip, lblk, &blks[k], io);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- reading ---- */

static int ext2_readahead(struct pcache *pc, u64 first, u32 n, bool nopark)
{
	struct inode *ip = pcache_inode(pc);
	struct ext2_fs *fs = FS(ip);
	u32 bsize = fs->g.bsize, per = PAGE_SIZE / bsize;
	u64 size = filemap_size(pc);
	u64 npages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	if (first >= npages)
		return -ENXIO;
	n = (u32)MIN((u64)MIN(n, (u32)PIO_PAGES), npages - first);
	/* The page a reader waits for: its map may park (the call runs again). */
	u32 blks[BLOCKS_PER_PAGE_MAX];
	struct ioctx io0 = {.nopark = nopark};
	int r = page_blocks(ip, first, size, blks, &io0);
	if (r == -EAGAIN && nopark)
		return -EAGAIN; /* the map's read is started */
	if (r < 0)
		return r;

	struct pio *io = kzalloc(sizeof *io);
	if (!io)
		return -ENOMEM;
	io->dev = fs->dev;
	struct ioctx ra = {.nopark = true};
	for (u64 idx = first; idx < first + n; idx++) {
		if (idx > first && page_blocks(ip, idx, size, blks, &ra) < 0)
			break; /* a map not cached yet: the readahead stops there */
		bool holes = true;
		for (u32 k = 0; k < per; k++)
			holes &= !blks[k];
		if (holes) {
			/*
			 * Nothing on the disk: a zero page, never locked. (A writer
			 * takes its page before it maps a block, so a page past the
			 * end a writer is filling is never read in under it.)
			 */
			r = pcache_add_zero(pc, idx);
			if (r < 0 && r != -EEXIST && idx == first) {
				kfree(io);
				return r;
			}
			continue;
		}
		paddr_t pa;
		r = pcache_add_for_read(pc, idx, &pa);
		if (r == -EEXIST) {
			if (idx == first)
				break; /* someone else reads it: wait for theirs */
			continue;
		}
		if (r < 0) {
			if (idx == first) {
				kfree(io);
				return r;
			}
			break;
		}
		u32 pi = io->npages++;
		io->pages[pi] = pa;
		u8 *kva = phys_to_virt(pa);
		for (u32 k = 0; k < per && r == 0; k++) {
			if (!blks[k])
				memset(kva + k * bsize, 0, bsize); /* a hole, or past the end */
			else
				r = pio_add(io, pi, k * bsize, blks[k], bsize);
		}
		if (r < 0) {
			io->unsent[pi] = true; /* not read: its readers start over */
			break;
		}
	}
	if (!io->nreq) {
		for (u32 i = 0; i < io->npages; i++)
			pcache_read_abort(io->pages[i]); /* out of memory before any request */
		kfree(io);
		return 0;
	}
	u32 from;
	r = pio_send(io, !nopark, &from);
	pio_put(io);
	return r;
}

/* ---- writing back ---- */

static int ext2_writepages(struct pcache *pc, const u64 *idx, const paddr_t *pa, u32 n, bool nopark)
{
	struct inode *ip = pcache_inode(pc);
	struct ext2_fs *fs = FS(ip);
	u32 bsize = fs->g.bsize, per = PAGE_SIZE / bsize;
	u64 size = filemap_size(pc);
	struct pio *io = kzalloc(sizeof *io);
	if (!io) {
		for (u32 j = 0; j < n; j++)
			pcache_write_abort(pc, pa[j]);
		return -ENOMEM;
	}
	io->dev = fs->dev;
	io->write = true;
	int r = 0;
	u32 i = 0;
	for (; i < n; i++) {
		u32 blks[BLOCKS_PER_PAGE_MAX];
		struct ioctx ioc = {.nopark = true};
		r = page_blocks(ip, idx[i], size, blks, &ioc);
		if (r == -EAGAIN && !nopark) {
			/* Wait for the map's block; all of these are tried again then. */
			struct bbuf *b;
			r = ext2_bread(fs, ioc.miss, &b, NULL);
			if (r == 0) {
				bcache_put(b);
				r = -EAGAIN; /* it came in meanwhile */
			}
		}
		if (r == -EUCLEAN || r == -EIO) {
			/* A corrupt map (said on the console): this page cannot be written. */
			pcache_write_done(pa[i], -EIO);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		u32 pi = io->npages++;
		io->pages[pi] = pa[i];
		for (u32 k = 0; k < per && r == 0; k++)
			if (blks[k]) /* holes stay holes (the page is zero there) */
				r = pio_add(io, pi, k * bsize, blks[k], bsize);
		if (r < 0) {
			io->unsent[pi] = true; /* some of it may be in a request already */
			pcache_redirty(pc, pa[i]);
			i++;
			break;
		}
	}
	/* Pages not taken: dirty again. */
	for (u32 j = i; j < n; j++)
		pcache_write_abort(pc, pa[j]);
	u32 npages = io->npages, nreq = io->nreq, from = npages;
	int s = nreq ? pio_send(io, !nopark && r == 0, &from) : 0;
	/* Unsent pages are dirty again; their write_done comes with the batch's end. */
	for (u32 j = from; j < npages; j++)
		pcache_redirty(pc, io->pages[j]);
	if (!nreq)
		for (u32 j = 0; j < npages; j++)
			io->unsent[j] = true; /* all holes: nothing to write, clean */
	pio_put(io); /* io may be gone from here on */
	if (r == 0 && s)
		r = s; /* parked for room in the disk's ring */
	if (r == 0 && from < npages && nopark)
		r = -EAGAIN; /* the ring filled up: the rest later */
	return r;
}

static int map_for_write(struct inode *ip, u64 lblk, struct mpath *now, struct ioctx *io);
static int wait_miss(struct ext2_fs *fs, u64 blk);

/*
 * A page about to be written through a shared mapping: its blocks (up to
 * the end of the file) are mapped now, so that write-back has somewhere
 * to put it; the file's times change as a write's. With a journal, each
 * block's mapping is a handle, in which the page is dirtied and its file
 * ordered: the commit that makes the mapping durable writes the page
 * first (never a block of someone's old data behind the map).
 */
static int ext2_mkwrite(struct pcache *pc, u64 idx, bool nopark)
{
	struct inode *ip = pcache_inode(pc);
	struct ext2_fs *fs = FS(ip);
	if (!fs->rw)
		return -EROFS;
	u32 bsize = fs->g.bsize, per = PAGE_SIZE / bsize;
	u64 size = filemap_size(pc);
	bool may_park = !nopark && ext2_can_park();
	for (u32 k = 0; k <= per; k++) {
		u64 lblk = idx * per + k;
		bool times = k == per || lblk * bsize >= size; /* the blocks are done: the times */
		struct jhandle h;
		int r = ext2_begin(fs, &h, EXT2_CREDITS_WRITE, may_park);
		if (r < 0)
			return r;
		struct ioctx io = {.nopark = true};
		struct mpath now = {0};
		if (!times)
			r = map_for_write(ip, lblk, &now, &io);
		bool mapped = !times && r == 0 && now.data;
		mpath_put(&now);
		if (mapped || times) {
			spin_lock(&fs->lock);
			if (times) {
				spin_lock(&ip->lock);
				ip->mtime = ip->ctime = ext2_now(fs);
				spin_unlock(&ip->lock);
			}
			ext2_iwrite(ip);
			if (mapped)
				ext2_order_data(ip);
			spin_unlock(&fs->lock);
		}
		if (mapped && fs->journal) {
			paddr_t pa; /* present: the fault holds it */
			if (pcache_get(pc, idx, PCG_NOPARK, &pa) == 0) {
				pcache_mark_dirty(pc, pa);
				frame_unref(pa);
			}
		}
		ext2_end(fs, &h);
		if (times)
			return 0;
		if (r == -EAGAIN) {
			if (nopark)
				return r;
			r = wait_miss(fs, io.miss); /* parks; or 0: it came in, try this block again */
			if (r == 0)
				k--;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct pcache_ops ext2_pcache_ops = {
	.readahead = ext2_readahead,
	.write = ext2_writepages,
	.size = filemap_size,
	.tryget = filemap_tryget,
	.put = filemap_put,
	.mkwrite = ext2_mkwrite,
};

void ext2_file_init(struct inode *ip)
{
	pcache_init(&ip->data, &ext2_pcache_ops, 0);
	pcache_identify(&ip->data, ip->sb->dev, ip->ino);
}

ssize_t ext2_file_read(struct inode *ip, struct uio *u, u64 off)
{
	return filemap_read(ip, u, off);
}

/* ---- write(2) ---- */

/*
 * Drop the lock and every reference the caller let go, then wait for the
 * block a nopark read missed: -ERESTART_PARK (parked), 0 (it came in
 * meanwhile: try again), or an error.
 */
static int wait_miss(struct ext2_fs *fs, u64 blk)
{
	struct bbuf *b;
	int r = ext2_bread(fs, blk, &b, NULL);
	if (r == 0)
		bcache_put(b);
	return r;
}

/*
 * Map logical block lblk for a write, allocating it (and indirect blocks)
 * under the lock if it is a hole. *mp holds the path when this call mapped
 * it (mp->data != 0: give it back if nothing gets written), else is empty.
 * -EAGAIN with io->miss: a map block is not cached.
 */
static int map_for_write(struct inode *ip, u64 lblk, struct mpath *now, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	struct mpath mp;
	*now = (struct mpath){0};
	int r = ext2_map_prepare(ip, lblk, &mp, io);
	if (r < 0)
		return r;
	bool mapped = mp.data != 0;
	mpath_put(&mp);
	if (mapped)
		return 0;
	/* Map it under the lock, along the path as it is now (another writer may have grown it). */
	spin_lock(&fs->lock);
	r = ext2_map_prepare(ip, lblk, now, io);
	if (r == 0 && now->data) {
		mpath_put(now);
		*now = (struct mpath){0}; /* mapped meanwhile: written into, not ours to give back */
	} else if (r == 0) {
		r = ext2_map_commit(ip, now, NULL);
		if (r < 0)
			mpath_put(now);
	}
	spin_unlock(&fs->lock);
	return r;
}

/*
 * Before an append reserves its range: the page holding the end of the
 * file (when the end is inside a page), read in and referenced, and the
 * block map at the end in the block cache, so that the append runs to
 * its end without waiting. -ERESTART_PARK while either is read.
 */
static int append_prepare(struct inode *ip, u64 *eof, paddr_t *page)
{
	spin_lock(&ip->lock);
	u64 size = ip->size;
	spin_unlock(&ip->lock);
	*eof = size;
	*page = 0;
	struct mpath mp;
	int r = ext2_map_prepare(ip, size / FS(ip)->g.bsize, &mp, NULL);
	if (r < 0)
		return r == -EFBIG ? 0 : r; /* past the largest file: the write says EFBIG */
	mpath_put(&mp);
	if (size % PAGE_SIZE)
		r = pcache_get(&ip->data, size >> PAGE_SHIFT, 0, page);
	return r;
}

/*
 * Write a block at a time: the page (read first if it holds data the
 * write does not cover), the block mapped (allocating under the lock),
 * the user's bytes copied in with no lock held, then the size grown.
 * Reads never park in the loop once something was written: a miss ends
 * it; with nothing written yet, the call gives back an append's
 * reservation, parks on the missing block or page and restarts
 * (invariant 3); with some written, it returns the short count.
 */
ssize_t ext2_write(struct inode *ip, struct uio *u, u64 off, bool append, u64 *end)
{
	struct ext2_fs *fs = FS(ip);
	if (!fs->rw)
		return -EROFS;
	u32 bsize = fs->g.bsize;
	u64 max = fs->g.large_file ? fs->sb.maxbytes : MIN(fs->sb.maxbytes, 0x7fffffffULL);
	size_t total = 0, len;
	int err = 0;
	u64 miss = 0, reserved = 0, data_end;

	/*
	 * An append reserves its range first (as ramfs does), so appenders on
	 * other cores land after it; readers may see a hole there until it is
	 * written. Once reserved it must not stop half way (a later
	 * appender's data would follow a hole): so the page at the end and
	 * the block map there are fetched first, parking allowed, and held.
	 * Pages from the old end on hold nothing to read.
	 */
	paddr_t eof_page = 0;
	for (;;) {
		u64 eof = 0;
		if (append) {
			int r = append_prepare(ip, &eof, &eof_page);
			if (r < 0)
				return r;
		}
		spin_lock(&fs->lock);
		spin_lock(&ip->lock);
		if (!append || ip->size == eof)
			break;
		/* Another appender went first: prepare for the new end. */
		spin_unlock(&ip->lock);
		spin_unlock(&fs->lock);
		if (eof_page)
			frame_unref(eof_page);
		eof_page = 0;
	}
	if (append)
		off = ip->size;
	data_end = ip->size;
	if (off >= max && u->resid) {
		spin_unlock(&ip->lock);
		spin_unlock(&fs->lock);
		if (eof_page)
			frame_unref(eof_page);
		return -EFBIG;
	}
	len = MIN(u->resid, max - off);
	if (append) {
		reserved = off + len;
		ip->size = reserved;
	}
	spin_unlock(&ip->lock);
	spin_unlock(&fs->lock);

	while (total < len) {
		u64 o = off + total;
		u64 lblk = o / bsize;
		u32 bo = (u32)(o % bsize);
		size_t n = MIN(len - total, (size_t)(bsize - bo));
		u64 page = o >> PAGE_SHIFT;
		size_t po = o & (PAGE_SIZE - 1);
		/* Nothing to read: the whole page is overwritten, or it starts past the old end. */
		bool fresh = (po == 0 && n == PAGE_SIZE) || (page << PAGE_SHIFT) >= data_end;
		paddr_t pa;
		int r = pcache_get(&ip->data, page, (fresh ? PCG_CREATE : 0) | (total ? PCG_NOPARK : 0),
				   &pa);
		if (r < 0) {
			err = r;
			break;
		}
		/* One handle per block: its map, the copy and the size commit together. */
		struct jhandle h;
		r = ext2_begin(fs, &h, EXT2_CREDITS_WRITE, !total && ext2_can_park());
		if (r < 0) {
			frame_unref(pa);
			err = r;
			break;
		}
		struct ioctx io = {.nopark = true};
		struct mpath now;
		r = map_for_write(ip, lblk, &now, &io);
		if (r < 0) {
			ext2_end(fs, &h);
			frame_unref(pa);
			err = r;
			miss = io.miss;
			break;
		}
		size_t before = u->resid;
		r = uio_copy_in(u, (u8 *)phys_to_virt(pa) + po, n);
		size_t done = before - u->resid;
		if (now.data && !done)
			ext2_unmap_unwritten(ip, lblk, &now, reserved, off + total);
		mpath_put(&now);
		if (done)
			pcache_mark_dirty(&ip->data, pa);
		frame_unref(pa);
		total += done;
		if (done) {
			spin_lock(&fs->lock);
			spin_lock(&ip->lock);
			if (o + done > ip->size)
				ip->size = o + done;
			ip->mtime = ip->ctime = ext2_now(fs);
			spin_unlock(&ip->lock);
			ext2_iwrite(ip);
			/* Ordered data: the size and map this commits go after the data itself. */
			ext2_order_data(ip);
			spin_unlock(&fs->lock);
		}
		ext2_end(fs, &h);
		if (r < 0) {
			err = r;
			break;
		}
	}
	if (append && total < len) {
		struct jhandle h;
		ext2_begin(fs, &h, EXT2_CREDITS_WRITE, false); /* joins: cannot fail but for memory */
		spin_lock(&fs->lock);
		spin_lock(&ip->lock);
		if (ip->size == reserved)
			ip->size = off + total; /* give back what was not written */
		spin_unlock(&ip->lock);
		if (!fs->journal || jbd2_current(fs->journal))
			ext2_iwrite(ip);
		spin_unlock(&fs->lock);
		ext2_end(fs, &h);
	}
	if (eof_page)
		frame_unref(eof_page);
	*end = off + total;
	if (total)
		return (ssize_t)total;
	if (err == -EAGAIN && miss) {
		/* Nothing written, nothing reserved: wait for the block and run again. */
		err = wait_miss(fs, miss);
		if (err == 0) /* it came in meanwhile: once more (it is cached now) */
			return ext2_write(ip, u, off, append, end);
	}
	if (err == -ENOSPC && (err = ext2_nospc(fs)) == 0)
		return ext2_write(ip, u, off, append, end); /* freed blocks committed meanwhile */
	return err;
}

/* fsync is with the journal, in ext2_journal.c. */
