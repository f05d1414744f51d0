/*
 * ext2's changing inode operations: create (files, directories, symlinks,
 * device nodes), link, unlink and rmdir, rename, write, truncate, and
 * evict when the last link and reference are gone. They are built on
 * ext2_alloc.c, ext2_bmap.c and ext2_dir.c; locks and fields: ext2_impl.h.
 *
 * Every change runs in two phases under fs->lock (invariant 3): first it
 * finds, without waiting, every block it will touch (a miss: drop the
 * lock and every reference, wait for that block, start again); then it
 * allocates (which cannot wait: the bitmaps, group descriptors and
 * superblock are pinned in the cache, new blocks come from
 * bcache_get_new) and only then changes anything. File data is copied
 * from user memory with no lock held, into a block the map already holds.
 * Lock order: fs->lock, then an inode's lock, then the cache's.
 */
#include "fs/ext2_impl.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

/*
 * Wall-clock time for inode stamps. A machine without a set real-time
 * clock reads a time before the file system's last write (mke2fs sets
 * it): then time goes on from that write, so stamps stay plausible and a
 * deleted inode's dtime is never mistaken by e2fsck for an orphan-list link.
 */
static struct kts ext2_now(struct ext2_fs *fs)
{
	struct kts t = vfs_now();
	if (t.sec < (i64)fs->time_base)
		t.sec = (i64)fs->time_base + (i64)(tsc_ns() / 1000000000UL);
	return t;
}

static void touch(struct inode *ip, bool mtime)
{
	struct kts now = ext2_now(FS(ip));
	spin_lock(&ip->lock);
	ip->ctime = now;
	if (mtime)
		ip->mtime = ip->ctime;
	spin_unlock(&ip->lock);
}

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

#define LOCKED_RETRIES 64 /* a lost race retries; this many in a row means a bug */

static int check_rw(struct inode *dir)
{
	return FS(dir)->rw ? 0 : -EROFS;
}

/* A fresh in-memory inode for a newly taken number (fs->lock held). */
static struct ext2_inode_mem *inew(struct ext2_fs *fs, u32 ino, u32 mode, struct bbuf *itb)
{
	struct ext2_inode_mem *e = knew(struct ext2_inode_mem);
	if (!e)
		return NULL;
	inode_init(&e->vfs, &fs->sb, mode, &ext2_ops);
	e->vfs.ino = ino;
	e->vfs.nlink = S_ISDIR(mode) ? 2 : 1;
	e->vfs.atime = e->vfs.mtime = e->vfs.ctime = ext2_now(fs);
	e->itb = itb;
	e->ioff = (u32)((ino - 1) % fs->g.inodes_per_group * fs->g.inode_size % fs->g.bsize);
	/* A clean slate on disk: whatever a freed inode left there goes. */
	struct ext2_inode *di = (struct ext2_inode *)(itb->data + e->ioff);
	memset(di, 0, fs->g.inode_size);
	if (fs->g.inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		*(u16 *)((u8 *)di + EXT2_GOOD_OLD_INODE_SIZE) = 32; /* i_extra_isize, as mke2fs */
	return e;
}

/*
 * Create name in dir: a new inode of mode with, for a symlink, target
 * (fast if it fits in i_block), for a device, rdev. The two phases of
 * every change (see above).
 */
static int create(struct inode *dir, const char *name, size_t len, u32 mode, kdev_t rdev,
		  const char *target, struct inode **out)
{
	struct ext2_fs *fs = FS(dir);
	int r = check_rw(dir);
	if (r)
		return r;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	size_t tlen = target ? strlen(target) : 0;
	if (tlen >= fs->g.bsize)
		return -ENAMETOOLONG;
	for (int tries = 0; tries < LOCKED_RETRIES; tries++) {
		/* A free number and its inode-table block, read with parking allowed. */
		spin_lock(&fs->lock);
		u32 ino = ext2_find_free_inode(fs, inode_group(fs, dir));
		spin_unlock(&fs->lock);
		if (!ino)
			return -ENOSPC;
		u64 byte = (u64)((ino - 1) % fs->g.inodes_per_group) * fs->g.inode_size;
		struct bbuf *itb;
		r = ext2_bread(fs,
			       fs->itable[(ino - 1) / fs->g.inodes_per_group] + byte / fs->g.bsize,
			       &itb, NULL);
		if (r < 0)
			return r;

		struct ioctx io = {.nopark = true};
		struct dplace pl;
		spin_lock(&fs->lock);
		r = dir->nlink ? ext2_place_prepare(dir, name, len, &pl, &io) : -ENOENT;
		u32 g = (ino - 1) / fs->g.inodes_per_group;
		if (r == 0 && bit_test(fs->ibm[g]->data, (ino - 1) % fs->g.inodes_per_group)) {
			place_put(&pl);
			r = -EBUSY; /* taken meanwhile: again */
		}
		if (r < 0) {
			spin_unlock(&fs->lock);
			bcache_put(itb);
			if (r == -EBUSY)
				continue;
			if (r != -EAGAIN)
				return r;
			r = wait_miss(fs, io.miss);
			if (r < 0)
				return r;
			continue;
		}
		/* Allocate (may fail with nothing changed but an empty map block), then change. */
		struct ext2_inode_mem *e = inew(fs, ino, mode, itb);
		struct bbuf *data = NULL;
		u32 dblk = 0;
		r = e ? 0 : -ENOMEM;
		bool slow = S_ISLNK(mode) && tlen >= sizeof e->block;
		if (!r && (S_ISDIR(mode) || slow))
			r = ext2_alloc_block(fs, inode_group(fs, dir), &dblk, &data);
		if (!r)
			r = ext2_place_commit(dir, &pl);
		if (r < 0) {
			if (data) {
				bcache_put(data);
				ext2_free_block(fs, dblk);
			}
			place_put(&pl);
			spin_unlock(&fs->lock);
			if (e)
				kfree(e);
			bcache_put(itb);
			return r;
		}
		ext2_mark_inode(fs, ino, true, S_ISDIR(mode));
		struct inode *ip = &e->vfs;
		if (data) {
			e->block[0] = dblk;
			ip->blocks = fs->g.bsize / 512;
		}
		if (S_ISDIR(mode)) {
			/* "." and "..": the directory's first block. */
			struct ext2_dirent *d = (void *)data->data;
			d->inode = ino;
			d->rec_len = 12;
			d->name_len = 1;
			d->file_type = EXT2_FT_DIR;
			d->name[0] = '.';
			d = (void *)(data->data + 12);
			d->inode = (u32)dir->ino;
			d->rec_len = (u16)(fs->g.bsize - 12);
			d->name_len = 2;
			d->file_type = EXT2_FT_DIR;
			d->name[0] = d->name[1] = '.';
			ip->size = fs->g.bsize;
			spin_lock(&dir->lock);
			dir->nlink++;
			spin_unlock(&dir->lock);
		} else if (S_ISLNK(mode)) {
			e->fast_symlink = !slow;
			memcpy(slow ? (void *)data->data : (void *)e->block, target, tlen);
			ip->size = tlen;
		} else if (S_ISCHR(mode) || S_ISBLK(mode)) {
			ip->rdev = rdev;
			u32 ma = (u32)(rdev >> 8 & 0xfff),
			    mi = (u32)((rdev & 0xff) | (rdev >> 12 & 0xfff00));
			if (ma < 256 && mi < 256)
				e->block[0] = ma << 8 | mi;
			else
				e->block[1] = (mi & 0xff) | ma << 8 | (mi & ~0xffu) << 12;
		}
		if (data) {
			bcache_dirty(data);
			bcache_put(data);
		}
		ext2_iwrite(ip);
		ext2_dirent_put(fs, &pl.fr, name, len, ino, mode);
		touch(dir, true);
		ext2_iwrite(dir);
		place_put(&pl);
		list_push_front(&fs->ihash[ext2_ihash(ino)], &e->hnode);
		spin_unlock(&fs->lock);
		if (out)
			*out = ip;
		else
			inode_put(ip);
		return 0;
	}
	pr_err("ext2: create keeps losing races, giving up\n");
	return -EAGAIN;
}

int ext2_mknod(struct inode *dir, const char *name, size_t len, u32 mode, kdev_t rdev,
	       struct inode **out)
{
	return create(dir, name, len, mode, rdev, NULL, out);
}

int ext2_symlink(struct inode *dir, const char *name, size_t len, const char *target,
		 struct inode **out)
{
	return create(dir, name, len, S_IFLNK | 0777, 0, target, out);
}

int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *ip)
{
	struct ext2_fs *fs = FS(dir);
	int r = check_rw(dir);
	if (r)
		return r;
	if (ip->sb != dir->sb)
		return -EXDEV;
	if (S_ISDIR(ip->mode))
		return -EPERM;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	for (int tries = 0; tries < LOCKED_RETRIES; tries++) {
		struct ioctx io = {.nopark = true};
		struct dplace pl;
		spin_lock(&fs->lock);
		r = !dir->nlink || !ip->nlink ? -ENOENT
		    : ip->nlink >= 65000      ? -EMLINK
					      : ext2_place_prepare(dir, name, len, &pl, &io);
		bool prepared = r == 0;
		if (r == 0)
			r = ext2_place_commit(dir, &pl);
		if (r == 0) {
			ext2_dirent_put(fs, &pl.fr, name, len, (u32)ip->ino, ip->mode);
			inode_set_nlink(ip, ip->nlink + 1);
			touch(ip, false);
			ext2_iwrite(ip);
			touch(dir, true);
			ext2_iwrite(dir);
		}
		if (prepared)
			place_put(&pl);
		spin_unlock(&fs->lock);
		if (r != -EAGAIN)
			return r;
		if ((r = wait_miss(fs, io.miss)) < 0)
			return r;
	}
	return -EAGAIN;
}

/*
 * Drop one link of v (fs->lock held): a directory loses both of its own
 * and parent's "..". If no link is left and no one holds v, its blocks
 * are freed by evict, which needs them in the cache: gather them into rs
 * now (they stay referenced until the caller's inode_put).
 */
static bool drop_link(struct inode *dir, struct inode *v)
{
	if (S_ISDIR(v->mode)) {
		spin_lock(&dir->lock);
		dir->nlink--;
		spin_unlock(&dir->lock);
		inode_set_nlink(v, 0);
	} else {
		inode_set_nlink(v, v->nlink - 1);
	}
	ext2_iwrite(v);
	return v->nlink == 0;
}

/* Look a name up with parking allowed (before the locked phase): a reference or NULL. */
static int lookup_ref(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int r = ext2_lookup(dir, name, len, out);
	if (r == -ENOENT) {
		*out = NULL;
		return 0;
	}
	return r;
}

int ext2_unlink(struct inode *dir, const char *name, size_t len, bool rmdir)
{
	struct ext2_fs *fs = FS(dir);
	int r = check_rw(dir);
	if (r)
		return r;
	for (int tries = 0; tries < LOCKED_RETRIES; tries++) {
		struct inode *v;
		if ((r = lookup_ref(dir, name, len, &v)) < 0)
			return r;
		if (!v)
			return -ENOENT;
		struct brefs rs = {0};
		if (S_ISDIR(v->mode) || v->nlink == 1) {
			/* Its blocks, for evict (parking allowed here). */
			r = ext2_blocks_gather(v, 0, &rs, NULL);
			if (r < 0) {
				brefs_put(&rs);
				inode_put(v);
				return r;
			}
		}
		struct ioctx io = {.nopark = true};
		struct dslot found;
		spin_lock(&fs->lock);
		r = ext2_dir_find(dir, name, len, &found, NULL, &io);
		if (r == 0 && (!found.b || found.ino != v->ino))
			r = -EBUSY; /* changed meanwhile */
		if (r == 0) {
			if (rmdir && !S_ISDIR(v->mode))
				r = -ENOTDIR;
			else if (!rmdir && S_ISDIR(v->mode))
				r = -EISDIR;
			else if (rmdir)
				r = ext2_dir_is_empty(v, &io);
		}
		if (r == 0) {
			ext2_dirent_remove(&found);
			touch(v, false);
			drop_link(dir, v);
			touch(dir, true);
			ext2_iwrite(dir);
		}
		dslot_put(&found);
		spin_unlock(&fs->lock);
		inode_put(v); /* evicts it now if that was the last link and reference */
		brefs_put(&rs);
		if (r == -EBUSY)
			continue;
		if (r != -EAGAIN)
			return r;
		if ((r = wait_miss(fs, io.miss)) < 0)
			return r;
	}
	return -EAGAIN;
}

/* Is a (a directory) d or above it? Reads ".." upwards, parking allowed. */
static int is_ancestor(struct inode *a, struct inode *d)
{
	struct inode *cur = inode_get(d);
	for (int depth = 0; depth < 4096; depth++) {
		if (cur == a) {
			inode_put(cur);
			return 1;
		}
		if (cur->ino == EXT2_ROOT_INO) {
			inode_put(cur);
			return 0;
		}
		struct inode *up;
		int r = ext2_lookup(cur, "..", 2, &up);
		inode_put(cur);
		if (r < 0)
			return r;
		cur = up;
	}
	inode_put(cur);
	return ext2_corrupt(FS(a), "directory loop", a->ino);
}

int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		const char *nname, size_t nlen, unsigned flags)
{
	struct ext2_fs *fs = FS(odir);
	int r = check_rw(odir);
	if (r)
		return r;
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	if (nlen > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	for (int tries = 0; tries < LOCKED_RETRIES; tries++) {
		struct inode *src, *victim = NULL;
		if ((r = lookup_ref(odir, oname, olen, &src)) < 0)
			return r;
		if (!src)
			return -ENOENT;
		r = lookup_ref(ndir, nname, nlen, &victim);
		if (r == 0 && victim == src) {
			inode_put(src);
			inode_put(victim);
			return 0; /* two links to one file: nothing to do */
		}
		if (r == 0 && victim && (flags & RENAME_NOREPLACE))
			r = -EEXIST;
		if (r == 0 && S_ISDIR(src->mode)) {
			if (victim && !S_ISDIR(victim->mode))
				r = -ENOTDIR;
			else if (odir != ndir) {
				int a = is_ancestor(src, ndir);
				r = a < 0 ? a : a ? -EINVAL : 0;
			}
		} else if (r == 0 && victim && S_ISDIR(victim->mode)) {
			r = -EISDIR;
		}
		struct brefs rs = {0};
		if (r == 0 && victim && (S_ISDIR(victim->mode) || victim->nlink == 1))
			r = ext2_blocks_gather(victim, 0, &rs, NULL);
		if (r < 0) {
			brefs_put(&rs);
			inode_put(src);
			inode_put(victim);
			return r;
		}

		struct ioctx io = {.nopark = true};
		struct dslot os = {0}, ts = {0}, dotdot = {0};
		struct dplace pl = {0};
		bool placed = false;
		spin_lock(&fs->lock);
		r = ext2_dir_find(odir, oname, olen, &os, NULL, &io);
		if (r == 0 && (!os.b || os.ino != src->ino))
			r = -EBUSY;
		if (r == 0)
			r = ext2_dir_find(ndir, nname, nlen, &ts, NULL, &io);
		if (r == 0 && (victim ? !ts.b || ts.ino != victim->ino : ts.b != NULL))
			r = -EBUSY;
		if (r == 0 && victim && S_ISDIR(victim->mode))
			r = ext2_dir_is_empty(victim, &io);
		if (r == 0 && S_ISDIR(src->mode) && odir != ndir)
			r = ext2_dir_find(src, "..", 2, &dotdot, NULL, &io);
		if (r == 0 && !victim) {
			r = ext2_place_prepare(ndir, nname, nlen, &pl, &io);
			placed = r == 0;
			if (r == -EEXIST)
				r = -EBUSY;
		}
		if (r == 0 && placed)
			r = ext2_place_commit(ndir, &pl);
		if (r == 0) {
			/* The new name first, then the old one goes (never neither). */
			if (victim) {
				struct ext2_dirent *d = (void *)(ts.b->data + ts.off);
				d->inode = (u32)src->ino;
				if (fs->g.incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)
					d->file_type = ftype_of(src->mode);
				bcache_dirty(ts.b);
				touch(victim, false);
				drop_link(ndir, victim);
			} else {
				ext2_dirent_put(fs, &pl.fr, nname, nlen, (u32)src->ino, src->mode);
			}
			/* The old entry may share a block with the new one: find it again. */
			struct dslot os2 = {0};
			dslot_put(&os);
			ext2_dir_find(odir, oname, olen, &os2, NULL, &io); /* cached: cannot miss */
			if (os2.b && os2.ino == src->ino)
				ext2_dirent_remove(&os2);
			dslot_put(&os2);
			if (dotdot.b) {
				struct ext2_dirent *d = (void *)(dotdot.b->data + dotdot.off);
				d->inode = (u32)ndir->ino;
				bcache_dirty(dotdot.b);
				spin_lock(&odir->lock);
				odir->nlink--;
				spin_unlock(&odir->lock);
				spin_lock(&ndir->lock);
				ndir->nlink++;
				spin_unlock(&ndir->lock);
			}
			touch(src, false);
			ext2_iwrite(src);
			touch(odir, true);
			touch(ndir, true);
			ext2_iwrite(odir);
			ext2_iwrite(ndir);
		}
		dslot_put(&os);
		dslot_put(&ts);
		dslot_put(&dotdot);
		if (placed)
			place_put(&pl);
		spin_unlock(&fs->lock);
		inode_put(src);
		inode_put(victim);
		brefs_put(&rs);
		if (r == -EBUSY)
			continue;
		if (r != -EAGAIN)
			return r;
		if ((r = wait_miss(fs, io.miss)) < 0)
			return r;
	}
	return -EAGAIN;
}

/*
 * Write a block at a time: map it (allocating under the lock), copy the
 * user's bytes in with no lock held, then grow the size. Reads never park
 * in the loop: a miss ends it; with nothing written yet, the call gives
 * back an append's reservation, parks on the missing block and restarts
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
	u64 miss = 0, reserved = 0;

	/*
	 * An append reserves its range first (as ramfs does), so appenders on
	 * other cores land after it; readers may see a hole there until it is
	 * written.
	 */
	spin_lock(&fs->lock);
	spin_lock(&ip->lock);
	if (append)
		off = ip->size;
	if (off >= max && u->resid) {
		spin_unlock(&ip->lock);
		spin_unlock(&fs->lock);
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
		struct ioctx io = {.nopark = true};
		struct mpath mp, now = {0};
		struct bbuf *b = NULL;
		int r = ext2_map_prepare(ip, lblk, &mp, &io);
		if (r == 0 && mp.data)
			r = ext2_bread(fs, mp.data, &b, &io);
		if (r == 0 && !mp.data) {
			/* Map it under the lock, along the path as it is now (another writer may
			 * have grown it); the path stays held until the copy is done. */
			spin_lock(&fs->lock);
			r = ext2_map_prepare(ip, lblk, &now, &io);
			if (r == 0 && now.data)
				r = -EBUSY;
			else if (r == 0)
				r = ext2_map_commit(ip, &now, &b);
			if (r < 0)
				mpath_put(&now);
			spin_unlock(&fs->lock);
		}
		mpath_put(&mp);
		if (r == -EBUSY)
			continue; /* mapped meanwhile: write into that block */
		if (r < 0) {
			err = r;
			miss = io.miss;
			break;
		}
		size_t before = u->resid;
		r = uio_copy_in(u, b->data + bo, n);
		size_t done = before - u->resid;
		if (now.data && !done)
			ext2_unmap_unwritten(ip, lblk, &now, b, reserved, off + total);
		mpath_put(&now);
		bcache_dirty(b);
		bcache_put(b);
		total += done;
		if (done) {
			spin_lock(&fs->lock);
			spin_lock(&ip->lock);
			if (o + done > ip->size)
				ip->size = o + done;
			ip->mtime = ip->ctime = ext2_now(fs);
			spin_unlock(&ip->lock);
			ext2_iwrite(ip);
			spin_unlock(&fs->lock);
		}
		if (r < 0) {
			err = r;
			break;
		}
	}
	if (append && total < len) {
		spin_lock(&fs->lock);
		spin_lock(&ip->lock);
		if (ip->size == reserved)
			ip->size = off + total; /* give back what was not written */
		spin_unlock(&ip->lock);
		ext2_iwrite(ip);
		spin_unlock(&fs->lock);
	}
	*end = off + total;
	if (total)
		return (ssize_t)total;
	if (err == -EAGAIN) {
		/* Nothing written, nothing reserved: wait for the block and run again. */
		err = wait_miss(fs, miss);
		if (err == 0) /* it came in meanwhile: once more (it is cached now) */
			return ext2_write(ip, u, off, append, end);
	}
	return err;
}

int ext2_truncate(struct inode *ip, u64 size)
{
	struct ext2_fs *fs = FS(ip);
	if (!fs->rw)
		return -EROFS;
	if (size > fs->sb.maxbytes || (!fs->g.large_file && size > 0x7fffffffULL))
		return -EFBIG;
	u32 bsize = fs->g.bsize;
	for (int tries = 0; tries < LOCKED_RETRIES; tries++) {
		u64 keep = (size + bsize - 1) / bsize;
		struct brefs rs = {0};
		/* Gather the indirect blocks to free and the last kept block (its tail is zeroed).
		 */
		int r = ext2_blocks_gather(ip, keep, &rs, NULL);
		struct bbuf *tail = NULL;
		u32 p = 0;
		if (r == 0 && size % bsize)
			r = ext2_bmap(ip, size / bsize, &p, NULL);
		if (r == 0 && p)
			r = ext2_bread(fs, p, &tail, NULL);
		if (r < 0) {
			brefs_put(&rs);
			return r;
		}
		spin_lock(&fs->lock);
		/* A writer may have mapped more meanwhile: gather again without waiting. */
		struct brefs rs2 = {0};
		struct ioctx io = {.nopark = true};
		r = ext2_blocks_gather(ip, keep, &rs2, &io);
		if (r == 0) {
			if (size < ip->size) {
				ext2_blocks_free(ip, keep);
				if (tail)
					memset(tail->data + size % bsize, 0, bsize - size % bsize);
			}
			if (tail)
				bcache_dirty(tail);
			struct kts now = ext2_now(fs);
			spin_lock(&ip->lock);
			ip->size = size;
			ip->mtime = ip->ctime = now;
			spin_unlock(&ip->lock);
			ext2_iwrite(ip);
		}
		spin_unlock(&fs->lock);
		brefs_put(&rs2);
		brefs_put(&rs);
		if (tail)
			bcache_put(tail);
		if (r != -EAGAIN)
			return r;
	}
	return -EAGAIN;
}

/*
 * No links and no references left: free the blocks and the inode. It
 * cannot wait; the unlink or rename that dropped the last link gathered
 * the indirect blocks, so they are in the cache unless someone held the
 * file open long enough for them to be evicted (then e2fsck finds the
 * blocks, and a message says so).
 */
void ext2_evict(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	spin_lock(&fs->lock);
	list_remove(&e->hnode);
	if (has_map(ip))
		ext2_blocks_free(ip, 0);
	struct ext2_inode *di = (struct ext2_inode *)(e->itb->data + e->ioff);
	ext2_iwrite(ip);
	di->i_dtime = (u32)ext2_now(fs).sec;
	di->i_links_count = 0;
	bcache_dirty(e->itb);
	ext2_mark_inode(fs, (u32)ip->ino, false, S_ISDIR(ip->mode));
	spin_unlock(&fs->lock);
	bcache_put(e->itb);
	kfree(e);
}
