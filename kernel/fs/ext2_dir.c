/*
 * ext2 directories, read and changed: the walk that lookup and readdir
 * share, finding a name or room for one, and adding and removing entries
 * (a new block at the end when no block has room). Locks and fields:
 * ext2_impl.h.
 *
 * Readers walk without fs->lock, holding only block references: a change
 * (under fs->lock) completes a new entry before the rec_len or inode
 * number that makes it visible, and grows the directory's size only after
 * its new block is initialised.
 */
#include "fs/ext2_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ---- reading: lookup and readdir ---- */

int ext2_dir_walk(struct inode *dir, u64 *pos, dirent_fn fn, void *ctx, struct ioctx *io)
{
	struct ext2_fs *fs = FS(dir);
	u32 bsize = fs->g.bsize;
	u64 size = dir->size;
	while (*pos < size) {
		u64 lblk = *pos / bsize;
		u32 p;
		int r = ext2_bmap(dir, lblk, &p, io);
		if (r < 0)
			return r;
		if (!p)
			return ext2_corrupt(fs, "hole in a directory", dir->ino);
		struct bbuf *b;
		r = ext2_bread(fs, p, &b, io);
		if (r < 0)
			return r;
		/* Walk from the block's start: *pos may point into the middle of it. */
		u32 off = 0, want = (u32)(*pos % bsize);
		bool stop = false;
		while (off < bsize) {
			u32 rl;
			const char *why;
			if (ext2_check_dirent(b->data, &fs->g, off, &rl, &why)) {
				bcache_put(b);
				return ext2_corrupt(fs, why, dir->ino);
			}
			const struct ext2_dirent *d = (const void *)(b->data + off);
			u64 next = lblk * bsize + off + rl;
			if (off >= want && d->inode) {
				if (!fn(ctx, d, next)) {
					stop = true;
					break;
				}
			}
			off += rl;
			if (off >= want)
				*pos = lblk * bsize + off;
		}
		bcache_put(b);
		if (stop)
			return 0;
		*pos = (lblk + 1) * bsize;
	}
	return 0;
}

struct lookup_ctx {
	const char *name;
	size_t len;
	u32 ino;
};

static bool lookup_fn(void *ctx, const struct ext2_dirent *d, u64 next)
{
	(void)next;
	struct lookup_ctx *c = ctx;
	if (d->name_len == c->len && memcmp(d->name, c->name, c->len) == 0) {
		c->ino = d->inode;
		return false;
	}
	return true;
}

/* name's inode number in dir (0: none), from the index or, without one, the blocks. */
static int lookup_ino(struct inode *dir, const char *name, size_t len, u32 *ino)
{
	int r = ext2_dindex_find(dir, name, len, ino);
	if (r == -ENODATA) {
		/* The first lookup here, or a change raced the last build: build it now. */
		r = ext2_dindex_build(dir);
		if (r < 0 && r != -ENOMEM)
			return r; /* a read that parks or fails would fail the walk too */
		r = ext2_dindex_find(dir, name, len, ino);
	}
	if (r == -ENODATA) {
		/* No index (no memory, or changes keep racing the build): walk the blocks. */
		struct lookup_ctx c = {name, len, 0};
		u64 pos = 0;
		r = ext2_dir_walk(dir, &pos, lookup_fn, &c, NULL);
		*ino = c.ino;
	}
	return r;
}

#define LOOKUP_TRIES 8

int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	/*
	 * The number is found with no lock held, so an unlink (or a rename
	 * over the name) may take the name away before the inode is got: the
	 * inode then has no links, and its number may even be taken again.
	 * A change of dir's entries meanwhile means: look again.
	 */
	for (int tries = 0;; tries++) {
		u32 gen = ext2_dindex_gen(dir), ino;
		int r = lookup_ino(dir, name, len, &ino);
		if (r < 0)
			return r;
		if (!ino)
			return -ENOENT;
		r = ext2_iget_named(FS(dir), ino, out);
		if (ext2_dindex_gen(dir) != gen && tries < LOOKUP_TRIES) {
			if (r == 0)
				inode_put(*out);
			if (r == 0 || r == -ESTALE)
				continue;
		}
		if (r == -ESTALE)
			return ext2_dindex_gen(dir) != gen
				   ? -ENOENT /* still changing: the name was going */
				   : ext2_corrupt(FS(dir), "linked inode with a link count of 0", ino);
		return r;
	}
}

struct iterate_ctx {
	struct dir_emit *de;
	bool filetype;
	bool emitted;
	struct ioctx io; /* nopark once something is listed */
};

static bool iterate_fn(void *ctx, const struct ext2_dirent *d, u64 next)
{
	static const u8 dtypes[] = {DT_UNKNOWN, DT_REG,	 DT_DIR,  DT_CHR,
				    DT_BLK,	DT_FIFO, DT_SOCK, DT_LNK};
	struct iterate_ctx *c = ctx;
	unsigned t =
	    c->filetype && d->file_type < sizeof dtypes ? dtypes[d->file_type] : DT_UNKNOWN;
	if (!c->de->emit(c->de, d->name, d->name_len, d->inode, t, next))
		return false;
	c->emitted = true;
	c->io.nopark = true;
	return true;
}

int ext2_iterate(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	struct iterate_ctx c = {
	    de, FS(dir)->g.incompat & EXT2_FEATURE_INCOMPAT_FILETYPE, false, {false, 0}};
	/* Once something is listed, a miss ends the call short instead of parking. */
	int r = ext2_dir_walk(dir, pos, iterate_fn, &c, &c.io);
	if (c.emitted && r < 0)
		return 0; /* the error comes again on the next call */
	return r;
}

/* ---- changing: finding a name or a place for one, entries in and out ---- */

/* Another reference to a buffer the caller holds (a cache hit, never waits). */
static void bcache_get_ref(struct bbuf *b)
{
	struct bbuf *x;
	int r = bcache_get(b->dev, b->blockno, b->size, &x, NULL);
	assert(r == 0 && x == b);
}

static inline u32 dirent_size(u32 name_len)
{
	return (EXT2_DIRENT_HEADER + name_len + 3) & ~3u;
}

int ext2_dir_find(struct inode *dir, const char *name, size_t len, struct dslot *found,
		  struct dslot *free, struct ioctx *io)
{
	struct ext2_fs *fs = FS(dir);
	u32 bsize = fs->g.bsize, need = dirent_size((u32)len);
	int r = 0;
	found->b = NULL;
	if (free)
		free->b = NULL;
	for (u64 lblk = 0; lblk * bsize < dir->size; lblk++) {
		u32 p;
		r = ext2_bmap(dir, lblk, &p, io);
		if (r == 0 && !p)
			r = ext2_corrupt(fs, "hole in a directory", dir->ino);
		struct bbuf *b;
		if (r == 0)
			r = ext2_bread(fs, p, &b, io);
		if (r < 0)
			goto fail;
		u32 off = 0, prev = 0;
		while (off < bsize) {
			u32 rl;
			const char *why;
			if (ext2_check_dirent(b->data, &fs->g, off, &rl, &why)) {
				bcache_put(b);
				r = ext2_corrupt(fs, why, dir->ino);
				goto fail;
			}
			struct ext2_dirent *d = (void *)(b->data + off);
			if (d->inode && d->name_len == len && !memcmp(d->name, name, len) &&
			    !found->b) {
				*found =
				    (struct dslot){b, off, prev, (u32)lblk, d->inode, d->file_type};
				bcache_get_ref(b);
			}
			u32 used = d->inode ? dirent_size(d->name_len) : 0;
			if (free && !free->b && rl - used >= need) {
				*free = (struct dslot){b, off, prev, (u32)lblk, 0, 0};
				bcache_get_ref(b);
			}
			prev = off;
			off += rl;
		}
		bcache_put(b);
	}
	return 0;
fail:
	if (found->b)
		bcache_put(found->b);
	if (free && free->b)
		bcache_put(free->b);
	found->b = NULL;
	if (free)
		free->b = NULL;
	return r;
}

void ext2_dirent_put(struct ext2_fs *fs, struct dslot *fr, const char *name, size_t len, u32 ino,
		     u32 mode)
{
	struct ext2_dirent *d = (void *)(fr->b->data + fr->off);
	u32 off = fr->off;
	struct ext2_dirent *old = NULL;
	u32 used = 0;
	if (d->inode) {
		/*
		 * Split: the old entry keeps what it uses, the new one the rest.
		 * Lookups walk without the lock: the new entry is complete before
		 * the old one's rec_len shrinks to reveal it.
		 */
		old = d;
		used = dirent_size(d->name_len);
		off += used;
		d = (void *)(fr->b->data + off);
		d->rec_len = (u16)(old->rec_len - used);
	}
	d->name_len = (u8)len;
	d->file_type = (fs->g.incompat & EXT2_FEATURE_INCOMPAT_FILETYPE) ? ftype_of(mode) : 0;
	memcpy(d->name, name, len);
	__atomic_store_n(&d->inode, ino, __ATOMIC_RELEASE);
	if (old)
		__atomic_store_n(&old->rec_len, (u16)used, __ATOMIC_RELEASE);
	ext2_dirty(fs, fr->b);
}

void ext2_dirent_remove(struct ext2_fs *fs, struct dslot *s)
{
	struct ext2_dirent *d = (void *)(s->b->data + s->off);
	if (s->prev != s->off) {
		struct ext2_dirent *p = (void *)(s->b->data + s->prev);
		p->rec_len = (u16)(p->rec_len + d->rec_len);
	} else {
		d->inode = 0;
	}
	ext2_dirty(fs, s->b);
}

int ext2_place_prepare(struct inode *dir, const char *name, size_t len, struct dplace *pl,
		       struct ioctx *io)
{
	struct dslot found;
	int r = ext2_dir_find(dir, name, len, &found, &pl->fr, io);
	if (r < 0)
		return r;
	if (found.b) {
		dslot_put(&found);
		dslot_put(&pl->fr);
		return -EEXIST;
	}
	pl->grow = !pl->fr.b;
	pl->mp.have = 0;
	if (pl->grow) {
		r = ext2_map_prepare(dir, dir->size / FS(dir)->g.bsize, &pl->mp, io);
		if (r < 0)
			return r;
	}
	return 0;
}

int ext2_place_commit(struct inode *dir, struct dplace *pl)
{
	if (!pl->grow)
		return 0;
	struct ext2_fs *fs = FS(dir);
	struct bbuf *b;
	int r = ext2_map_commit(dir, &pl->mp, &b);
	if (r < 0)
		return r;
	struct ext2_dirent *d = (void *)b->data;
	d->inode = 0;
	d->rec_len = (u16)fs->g.bsize; /* 65536-byte blocks would need the rec_len encoding */
	pl->fr = (struct dslot){b, 0, 0, (u32)(dir->size / fs->g.bsize), 0, 0};
	spin_lock(&dir->lock);
	dir->size += fs->g.bsize;
	spin_unlock(&dir->lock);
	return 0;
}

int ext2_dir_is_empty(struct inode *d, struct ioctx *io)
{
	struct ext2_fs *fs = FS(d);
	u32 bsize = fs->g.bsize;
	for (u64 lblk = 0; lblk * bsize < d->size; lblk++) {
		u32 p;
		int r = ext2_bmap(d, lblk, &p, io);
		struct bbuf *b;
		if (r == 0 && p)
			r = ext2_bread(fs, p, &b, io);
		if (r < 0)
			return r;
		if (!p)
			continue;
		for (u32 off = 0, rl; off < bsize; off += rl) {
			const char *why;
			if (ext2_check_dirent(b->data, &fs->g, off, &rl, &why)) {
				bcache_put(b);
				return ext2_corrupt(fs, why, d->ino);
			}
			struct ext2_dirent *e = (void *)(b->data + off);
			bool dots = (e->name_len == 1 && e->name[0] == '.') ||
				    (e->name_len == 2 && e->name[0] == '.' && e->name[1] == '.');
			if (e->inode && !dots) {
				bcache_put(b);
				return -ENOTEMPTY;
			}
		}
		bcache_put(b);
	}
	return 0;
}
