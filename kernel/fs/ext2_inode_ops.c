/*
 * ext2's changing inode operations: create (files, directories, symlinks,
 * device nodes), link, unlink and rmdir, rename, truncate, and evict when
 * the last link and reference are gone (write is in ext2_file.c). They are built on
 * ext2_alloc.c, ext2_bmap.c and ext2_dir.c; locks and fields: ext2_impl.h.
 *
 * Every change runs in two phases under fs->lock (invariant 3): first it
 * finds, without waiting, every block it will touch (a miss: drop the
 * lock and every reference, wait for that block, start again); then it
 * allocates (which cannot wait: the bitmaps, group descriptors and
 * superblock are pinned in the cache, new blocks come from
 * bcache_get_new) and only then changes anything. ext2_change_run runs the
 * phases and the retries of create, link, unlink, rename and truncate;
 * write restarts in its own way (it goes a block at a time), and evict
 * never waits. File data is copied from user memory with no lock held,
 * into a block the map already holds.
 * With a journal, each try's changes are one handle, opened after the
 * gathering (it may park for log space) and closed after the drop (which
 * may end an inode: its freeing joins the same transaction).
 * Lock order: fs->lock, then an inode's lock, then the journal's, then the cache's.
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
struct kts ext2_now(struct ext2_fs *fs)
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

/* ---- the two phases and the retries of every change ---- */

#define LOCKED_RETRIES 64 /* a lost race retries; this many in a row means a bug */

int ext2_change_run(struct ext2_fs *fs, struct change *c)
{
	for (int tries = 0; tries < LOCKED_RETRIES; tries++) {
		int r = c->gather ? c->gather(c) : 0;
		if (r)
			return r == CHANGE_DONE ? 0 : r;
		struct jhandle h;
		r = ext2_begin(fs, &h, c->credits, ext2_can_park());
		if (r < 0) {
			if (c->drop)
				c->drop(c, r);
			return r; /* parked for log space: the call runs again */
		}
		struct ioctx io = {.nopark = true};
		spin_lock(&fs->lock);
		r = c->apply(c, &io);
		spin_unlock(&fs->lock);
		if (c->drop)
			c->drop(c, r);
		ext2_end(fs, &h);
		if (r == -EBUSY)
			continue;
		if (r == -ENOSPC) {
			/* Blocks freed by a transaction not yet committed: wait for it, then again. */
			if ((r = ext2_nospc(fs)) == 0)
				continue;
			return r;
		}
		if (r != -EAGAIN)
			return r;
		if ((r = wait_miss(fs, io.miss)) < 0)
			return r;
	}
	if (c->what)
		pr_err("ext2: %s keeps losing races, giving up\n", c->what);
	return -EAGAIN;
}

/* ---- the operations ---- */

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
	if (S_ISREG(mode))
		ext2_file_init(&e->vfs);
	e->itb = itb;
	e->ioff = (u32)((ino - 1) % fs->g.inodes_per_group * fs->g.inode_size % fs->g.bsize);
	/* A clean slate on disk: whatever a freed inode left there goes. */
	struct ext2_inode *di = (struct ext2_inode *)(itb->data + e->ioff);
	memset(di, 0, fs->g.inode_size);
	if (fs->g.inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		*(u16 *)((u8 *)di + EXT2_GOOD_OLD_INODE_SIZE) = 32; /* i_extra_isize, as mke2fs */
	return e;
}

struct create_change {
	struct change c;
	struct inode *dir;
	const char *name, *target;
	size_t len, tlen;
	u32 mode;
	kdev_t rdev;
	struct inode **out;
	u32 ino;		  /* the free number found */
	struct bbuf *itb;	  /* its inode-table block */
	struct ext2_inode_mem *e; /* the new inode, once made */
};

/* A free number and its inode-table block, read with parking allowed. */
static int create_gather(struct change *c)
{
	struct create_change *cc = container_of(c, struct create_change, c);
	struct ext2_fs *fs = FS(cc->dir);
	spin_lock(&fs->lock);
	u32 ino = ext2_find_free_inode(fs, inode_group(fs, cc->dir));
	spin_unlock(&fs->lock);
	if (!ino)
		return -ENOSPC;
	cc->ino = ino;
	cc->e = NULL;
	u64 byte = (u64)((ino - 1) % fs->g.inodes_per_group) * fs->g.inode_size;
	return ext2_bread(fs, fs->groups[(ino - 1) / fs->g.inodes_per_group].inode_table + byte / fs->g.bsize,
			  &cc->itb, NULL);
}

static int create_apply(struct change *c, struct ioctx *io)
{
	struct create_change *cc = container_of(c, struct create_change, c);
	struct inode *dir = cc->dir;
	struct ext2_fs *fs = FS(dir);
	u32 ino = cc->ino, mode = cc->mode;
	struct dplace pl;
	int r = dir->nlink ? ext2_place_prepare(dir, cc->name, cc->len, &pl, io) : -ENOENT;
	u32 g = (ino - 1) / fs->g.inodes_per_group;
	if (r == 0 && bit_test(fs->ibm[g]->data, (ino - 1) % fs->g.inodes_per_group)) {
		place_put(&pl);
		r = -EBUSY; /* taken meanwhile: again */
	}
	if (r < 0)
		return r;
	/* Allocate (may fail with nothing changed but an empty map block), then change. */
	struct ext2_inode_mem *e = cc->e = inew(fs, ino, mode, cc->itb);
	struct bbuf *data = NULL;
	u32 dblk = 0;
	r = e ? 0 : -ENOMEM;
	bool slow = S_ISLNK(mode) && cc->tlen >= sizeof e->block;
	if (!r && (S_ISDIR(mode) || slow))
		r = ext2_alloc_block(fs, inode_group(fs, dir), &dblk, &data);
	if (!r)
		r = ext2_place_commit(dir, &pl);
	if (r < 0) {
		if (data) {
			bcache_put(data);
			ext2_free_block(fs, dblk, true);
		}
		place_put(&pl);
		return r;
	}
	ext2_mark_inode(fs, ino, true, S_ISDIR(mode));
	struct inode *ip = &e->vfs;
	vfs_init_owner(ip, dir, mode); /* the caller's (kernel/fs/perm.c) */
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
		memcpy(slow ? (void *)data->data : (void *)e->block, cc->target, cc->tlen);
		ip->size = cc->tlen;
	} else if (S_ISCHR(mode) || S_ISBLK(mode)) {
		kdev_t rdev = cc->rdev;
		ip->rdev = rdev;
		u32 ma = (u32)(rdev >> 8 & 0xfff),
		    mi = (u32)((rdev & 0xff) | (rdev >> 12 & 0xfff00));
		if (ma < 256 && mi < 256)
			e->block[0] = ma << 8 | mi;
		else
			e->block[1] = (mi & 0xff) | ma << 8 | (mi & ~0xffu) << 12;
	}
	if (data) {
		ext2_dirty(fs, data);
		bcache_put(data);
	}
	ext2_iwrite(ip);
	ext2_dirent_put(fs, &pl.fr, cc->name, cc->len, ino, mode);
	ext2_dindex_set(dir, cc->name, cc->len, ino);
	touch(dir, true);
	ext2_iwrite(dir);
	place_put(&pl);
	list_push_front(&fs->ihash[ext2_ihash(ino)], &e->hnode);
	return 0;
}

static void create_drop(struct change *c, int r)
{
	struct create_change *cc = container_of(c, struct create_change, c);
	if (r < 0) {
		if (cc->e)
			kfree(cc->e);
		bcache_put(cc->itb);
	} else if (cc->out) {
		*cc->out = &cc->e->vfs;
	} else {
		inode_put(&cc->e->vfs);
	}
}

/*
 * Create name in dir: a new inode of mode with, for a symlink, target
 * (fast if it fits in i_block), for a device, rdev.
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
	struct create_change cc = {
	    .c = {create_gather, create_apply, create_drop, "create", EXT2_CREDITS_CHANGE},
	    .dir = dir,
	    .name = name,
	    .target = target,
	    .len = len,
	    .tlen = tlen,
	    .mode = mode,
	    .rdev = rdev,
	    .out = out,
	};
	return ext2_change_run(fs, &cc.c);
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

struct link_change {
	struct change c;
	struct inode *dir, *ip;
	const char *name;
	size_t len;
};

static int link_apply(struct change *c, struct ioctx *io)
{
	struct link_change *lc = container_of(c, struct link_change, c);
	struct inode *dir = lc->dir, *ip = lc->ip;
	struct dplace pl;
	int r = !dir->nlink || !ip->nlink ? -ENOENT
		: ip->nlink >= 65000	  ? -EMLINK
					  : ext2_place_prepare(dir, lc->name, lc->len, &pl, io);
	bool prepared = r == 0;
	if (r == 0)
		r = ext2_place_commit(dir, &pl);
	if (r == 0) {
		ext2_dirent_put(FS(dir), &pl.fr, lc->name, lc->len, (u32)ip->ino, ip->mode);
		ext2_dindex_set(dir, lc->name, lc->len, (u32)ip->ino);
		inode_set_nlink(ip, ip->nlink + 1);
		touch(ip, false);
		ext2_iwrite(ip);
		touch(dir, true);
		ext2_iwrite(dir);
	}
	if (prepared)
		place_put(&pl);
	return r;
}

int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *ip)
{
	int r = check_rw(dir);
	if (r)
		return r;
	if (ip->sb != dir->sb)
		return -EXDEV;
	if (S_ISDIR(ip->mode))
		return -EPERM;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	struct link_change lc = {.c = {NULL, link_apply, NULL, NULL, EXT2_CREDITS_CHANGE},
				 .dir = dir,
				 .ip = ip,
				 .name = name,
				 .len = len};
	return ext2_change_run(FS(dir), &lc.c);
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
	if (v->nlink == 0)
		ext2_orphan_add(v); /* freed when the last reference goes, maybe much later */
	return v->nlink == 0;
}

/*
 * Drop the change's reference to v, whose last link may have gone (no
 * lock held): inside the change's handle (not when it could not start),
 * the running transaction lets it go too, so it is freed now unless
 * someone has it open.
 */
static void put_unlinked(struct inode *v)
{
	struct ext2_fs *fs = FS(v);
	u32 refs = 0;
	if (fs->journal && jbd2_current(fs->journal)) {
		spin_lock(&fs->lock);
		if (v->nlink == 0) {
			refs = jbd2_unorder_inode(fs->journal, v);
			if (refs)
				EI(v)->order_tid = 0; /* written again (open): ordered again */
		}
		spin_unlock(&fs->lock);
	}
	while (refs--)
		inode_put(v);
	inode_put(v);
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

struct unlink_change {
	struct change c;
	struct inode *dir;
	const char *name;
	size_t len;
	bool rmdir;
	struct inode *v; /* what name names */
	struct brefs rs; /* its blocks, if its last link may go */
};

static int unlink_gather(struct change *c)
{
	struct unlink_change *uc = container_of(c, struct unlink_change, c);
	int r = lookup_ref(uc->dir, uc->name, uc->len, &uc->v);
	if (r < 0)
		return r;
	struct inode *v = uc->v;
	if (!v)
		return -ENOENT;
	uc->rs = (struct brefs){0};
	c->credits = EXT2_CREDITS_CHANGE + ext2_free_credits(FS(v), v->blocks);
	if (S_ISDIR(v->mode) || v->nlink == 1) {
		/* Its blocks, for evict (parking allowed here). */
		r = ext2_blocks_gather(v, 0, &uc->rs, NULL);
		if (r < 0) {
			brefs_put(&uc->rs);
			inode_put(v);
			return r;
		}
	}
	return 0;
}

static int unlink_apply(struct change *c, struct ioctx *io)
{
	struct unlink_change *uc = container_of(c, struct unlink_change, c);
	struct inode *dir = uc->dir, *v = uc->v;
	struct dslot found;
	int r = ext2_dir_find(dir, uc->name, uc->len, &found, NULL, io);
	if (r == 0 && (!found.b || found.ino != v->ino))
		r = -EBUSY; /* changed meanwhile */
	if (r == 0) {
		if (uc->rmdir && !S_ISDIR(v->mode))
			r = -ENOTDIR;
		else if (!uc->rmdir && S_ISDIR(v->mode))
			r = -EISDIR;
		else if (uc->rmdir)
			r = ext2_dir_is_empty(v, io);
	}
	if (r == 0) {
		ext2_dirent_remove(FS(dir), &found);
		ext2_dindex_set(dir, uc->name, uc->len, 0);
		touch(v, false);
		drop_link(dir, v);
		touch(dir, true);
		ext2_iwrite(dir);
	}
	dslot_put(&found);
	return r;
}

static void unlink_drop(struct change *c, int r)
{
	struct unlink_change *uc = container_of(c, struct unlink_change, c);
	put_unlinked(uc->v); /* evicts it now if that was the last link and reference */
	brefs_put(&uc->rs);
}

int ext2_unlink(struct inode *dir, const char *name, size_t len, bool rmdir)
{
	int r = check_rw(dir);
	if (r)
		return r;
	struct unlink_change uc = {
	    .c = {unlink_gather, unlink_apply, unlink_drop, NULL, EXT2_CREDITS_CHANGE},
	    .dir = dir,
	    .name = name,
	    .len = len,
	    .rmdir = rmdir,
	};
	return ext2_change_run(FS(dir), &uc.c);
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

struct rename_change {
	struct change c;
	struct inode *odir, *ndir;
	const char *oname, *nname;
	size_t olen, nlen;
	unsigned flags;
	struct inode *src, *victim; /* what the names name (victim: NULL if none) */
	struct brefs rs;	    /* the victim's blocks, if its last link may go */
};

static int rename_gather(struct change *c)
{
	struct rename_change *rc = container_of(c, struct rename_change, c);
	struct inode *odir = rc->odir, *ndir = rc->ndir, *src, *victim = NULL;
	int r;
	if ((r = lookup_ref(odir, rc->oname, rc->olen, &src)) < 0)
		return r;
	if (!src)
		return -ENOENT;
	r = lookup_ref(ndir, rc->nname, rc->nlen, &victim);
	if (r == 0 && victim == src) {
		inode_put(src);
		inode_put(victim);
		return CHANGE_DONE; /* two links to one file: nothing to do */
	}
	if (r == 0 && victim && (rc->flags & RENAME_NOREPLACE))
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
	rc->rs = (struct brefs){0};
	c->credits = EXT2_CREDITS_CHANGE + (victim ? ext2_free_credits(FS(odir), victim->blocks) : 0);
	if (r == 0 && victim && (S_ISDIR(victim->mode) || victim->nlink == 1))
		r = ext2_blocks_gather(victim, 0, &rc->rs, NULL);
	if (r < 0) {
		brefs_put(&rc->rs);
		inode_put(src);
		inode_put(victim);
		return r;
	}
	rc->src = src;
	rc->victim = victim;
	return 0;
}

static int rename_apply(struct change *c, struct ioctx *io)
{
	struct rename_change *rc = container_of(c, struct rename_change, c);
	struct inode *odir = rc->odir, *ndir = rc->ndir, *src = rc->src, *victim = rc->victim;
	const char *oname = rc->oname, *nname = rc->nname;
	size_t olen = rc->olen, nlen = rc->nlen;
	struct ext2_fs *fs = FS(odir);
	struct dslot os = {0}, ts = {0}, dotdot = {0};
	struct dplace pl = {0};
	bool placed = false;
	int r = ext2_dir_find(odir, oname, olen, &os, NULL, io);
	if (r == 0 && (!os.b || os.ino != src->ino))
		r = -EBUSY;
	if (r == 0)
		r = ext2_dir_find(ndir, nname, nlen, &ts, NULL, io);
	if (r == 0 && (victim ? !ts.b || ts.ino != victim->ino : ts.b != NULL))
		r = -EBUSY;
	if (r == 0 && victim && S_ISDIR(victim->mode))
		r = ext2_dir_is_empty(victim, io);
	if (r == 0 && S_ISDIR(src->mode) && odir != ndir)
		r = ext2_dir_find(src, "..", 2, &dotdot, NULL, io);
	if (r == 0 && !victim) {
		r = ext2_place_prepare(ndir, nname, nlen, &pl, io);
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
			ext2_dirty(fs, ts.b);
			ext2_dindex_set(ndir, nname, nlen, (u32)src->ino);
			touch(victim, false);
			drop_link(ndir, victim);
		} else {
			ext2_dirent_put(fs, &pl.fr, nname, nlen, (u32)src->ino, src->mode);
			ext2_dindex_set(ndir, nname, nlen, (u32)src->ino);
		}
		/* The old entry may share a block with the new one: find it again. */
		struct dslot os2 = {0};
		dslot_put(&os);
		ext2_dir_find(odir, oname, olen, &os2, NULL, io); /* cached: cannot miss */
		if (os2.b && os2.ino == src->ino) {
			ext2_dirent_remove(fs, &os2);
			ext2_dindex_set(odir, oname, olen, 0);
		}
		dslot_put(&os2);
		if (dotdot.b) {
			struct ext2_dirent *d = (void *)(dotdot.b->data + dotdot.off);
			d->inode = (u32)ndir->ino;
			ext2_dirty(fs, dotdot.b);
			ext2_dindex_set(src, "..", 2, (u32)ndir->ino);
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
	return r;
}

static void rename_drop(struct change *c, int r)
{
	struct rename_change *rc = container_of(c, struct rename_change, c);
	inode_put(rc->src);
	if (rc->victim)
		put_unlinked(rc->victim);
	brefs_put(&rc->rs);
}

int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		const char *nname, size_t nlen, unsigned flags)
{
	int r = check_rw(odir);
	if (r)
		return r;
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	if (nlen > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	struct rename_change rc = {
	    .c = {rename_gather, rename_apply, rename_drop, NULL, EXT2_CREDITS_CHANGE},
	    .odir = odir,
	    .ndir = ndir,
	    .oname = oname,
	    .nname = nname,
	    .olen = olen,
	    .nlen = nlen,
	    .flags = flags,
	};
	return ext2_change_run(FS(odir), &rc.c);
}

struct truncate_change {
	struct change c;
	struct inode *ip;
	u64 size;
	u64 keep;	      /* blocks kept */
	u64 cut;	      /* pages from here on go, and this one's tail is zeroed */
	struct brefs rs, rs2; /* indirect blocks to free: gathered before the lock, and under it */
	paddr_t tail;	      /* the page holding cut, read in (its tail is zeroed), or 0 */
};

/*
 * Gather the indirect blocks to free and the page whose tail is zeroed,
 * and wait until no page from there on is being read or written. Growing,
 * the cut is at the old size: what a mapping wrote past the end of the
 * last page must read as zeros.
 */
static int truncate_gather(struct change *c)
{
	struct truncate_change *tc = container_of(c, struct truncate_change, c);
	struct inode *ip = tc->ip;
	struct ext2_fs *fs = FS(ip);
	u32 bsize = fs->g.bsize;
	tc->keep = (tc->size + bsize - 1) / bsize;
	spin_lock(&ip->lock);
	tc->cut = MIN(tc->size, ip->size);
	spin_unlock(&ip->lock);
	tc->rs = (struct brefs){0};
	tc->tail = 0;
	c->credits = EXT2_CREDITS_WRITE + ext2_free_credits(fs, ip->blocks);
	int r = pcache_truncate_wait(&ip->data, tc->cut, 0);
	if (r == 0 && tc->cut % PAGE_SIZE) {
		r = pcache_get(&ip->data, tc->cut >> PAGE_SHIFT, 0, &tc->tail);
		if (r == -ENXIO)
			r = 0; /* shrunk meanwhile: the apply finds out */
	}
	if (r == 0)
		r = ext2_blocks_gather(ip, tc->keep, &tc->rs, NULL);
	if (r < 0) {
		if (tc->tail)
			frame_unref(tc->tail);
		tc->tail = 0;
		brefs_put(&tc->rs);
		return r;
	}
	return 0;
}

static int truncate_apply(struct change *c, struct ioctx *io)
{
	struct truncate_change *tc = container_of(c, struct truncate_change, c);
	struct inode *ip = tc->ip;
	struct ext2_fs *fs = FS(ip);
	u64 size = tc->size;
	/* A writer may have mapped more meanwhile: gather again without waiting. */
	tc->rs2 = (struct brefs){0};
	int r = ext2_blocks_gather(ip, tc->keep, &tc->rs2, io);
	/* The pages first (-EBUSY: one is being read or written again: wait again). */
	if (r == 0)
		r = pcache_truncate(&ip->data, tc->cut);
	if (r == 0) {
		if (size < ip->size)
			ext2_blocks_free(ip, tc->keep);
		struct kts now = ext2_now(fs);
		spin_lock(&ip->lock);
		ip->size = size;
		ip->mtime = ip->ctime = now;
		spin_unlock(&ip->lock);
		ext2_iwrite(ip);
	}
	/* A miss: again at once, the next gather parks on the block itself. */
	return r == -EAGAIN ? -EBUSY : r;
}

static void truncate_drop(struct change *c, int r)
{
	struct truncate_change *tc = container_of(c, struct truncate_change, c);
	brefs_put(&tc->rs2);
	brefs_put(&tc->rs);
	if (tc->tail)
		frame_unref(tc->tail);
	tc->tail = 0;
}

int ext2_truncate(struct inode *ip, u64 size)
{
	struct ext2_fs *fs = FS(ip);
	if (!fs->rw)
		return -EROFS;
	if (size > fs->sb.maxbytes || (!fs->g.large_file && size > 0x7fffffffULL))
		return -EFBIG;
	struct truncate_change tc = {.c = {truncate_gather, truncate_apply, truncate_drop, NULL,
					   EXT2_CREDITS_WRITE},
				     .ip = ip,
				     .size = size};
	int r = ext2_change_run(fs, &tc.c);
	if (r == 0)
		pcache_unmap_from(&ip->data, size); /* mappings past the end fault SIGBUS from now */
	return r;
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
	/* Its pages go first; a write still in flight holds its own page until it ends. */
	if (S_ISREG(ip->mode))
		pcache_destroy(&ip->data);
	/* Joins the handle of the unlink that ended it, or opens one that cannot wait. */
	struct jhandle h;
	if (ext2_begin(fs, &h, ext2_free_credits(fs, ip->blocks) + 2, false) < 0) {
		pr_err("ext2 %s: out of memory: inode %lu is not freed (e2fsck frees it)\n",
		       fs->dev->name, ip->ino);
		spin_lock(&fs->lock);
		list_remove(&e->hnode);
		spin_unlock(&fs->lock);
		ext2_dindex_free(ip);
		bcache_put(e->itb);
		if (e->eab)
			bcache_put(e->eab);
		kfree(e);
		return;
	}
	spin_lock(&fs->lock);
	list_remove(&e->hnode);
	ext2_orphan_del(ip);
	if (has_map(ip))
		ext2_blocks_free(ip, 0);
	ext2_xattr_release(ip);
	struct ext2_inode *di = (struct ext2_inode *)(e->itb->data + e->ioff);
	ext2_iwrite(ip);
	di->i_dtime = (u32)ext2_now(fs).sec;
	di->i_links_count = 0;
	ext2_dirty(fs, e->itb);
	ext2_mark_inode(fs, (u32)ip->ino, false, S_ISDIR(ip->mode));
	spin_unlock(&fs->lock);
	ext2_end(fs, &h);
	ext2_dindex_free(ip);
	bcache_put(e->itb);
	if (e->eab)
		bcache_put(e->eab); /* a damaged block left in place */
	kfree(e);
}
