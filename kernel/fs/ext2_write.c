/*
 * ext2's changes (see ext2_impl.h): allocating and freeing blocks and
 * inodes, growing and shrinking block maps, directory entries, and the
 * inode operations that change the tree or a file.
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

/* ---- allocation (fs->lock held; never waits: the metadata is pinned) ---- */

/* Another reference to a buffer the caller holds (a cache hit, never waits). */
static void bcache_get_ref(struct bbuf *b)
{
	struct bbuf *x;
	int r = bcache_get(b->dev, b->blockno, b->size, &x, NULL);
	assert(r == 0 && x == b);
}

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

static void sb_dirty(struct ext2_fs *fs, u32 g)
{
	u32 per = fs->g.bsize / sizeof(struct ext2_group_desc);
	bcache_dirty(fs->gdb[g / per]);
	bcache_dirty(fs->sbuf);
}

static inline bool bit_test(const u8 *m, u32 i)
{
	return m[i / 8] & (1u << (i % 8));
}

static inline void bit_set(u8 *m, u32 i, bool v)
{
	if (v)
		m[i / 8] |= (u8)(1u << (i % 8));
	else
		m[i / 8] &= (u8) ~(1u << (i % 8));
}

static u32 group_blocks(struct ext2_fs *fs, u32 g)
{
	u32 left = fs->g.blocks_count - fs->g.first_data_block - g * fs->g.blocks_per_group;
	return MIN(left, fs->g.blocks_per_group);
}

/* A new zeroed, dirty block, referenced in *b, near group goal; -ENOSPC. */
static int alloc_block(struct ext2_fs *fs, u32 goal, u32 *blk, struct bbuf **b)
{
	for (u32 k = 0; k < fs->g.ngroups; k++) {
		u32 g = (goal + k) % fs->g.ngroups;
		if (GD(fs, g)->bg_free_blocks_count == 0)
			continue;
		u8 *m = fs->bbm[g]->data;
		u32 n = group_blocks(fs, g);
		for (u32 i = 0; i < n; i++) {
			if (bit_test(m, i))
				continue;
			u32 nb = fs->g.first_data_block + g * fs->g.blocks_per_group + i;
			int r = bcache_get_new(fs->dev, nb, fs->g.bsize, b, NULL);
			if (r < 0)
				return r == -EAGAIN ? -EIO : r;
			bit_set(m, i, true);
			bcache_dirty(fs->bbm[g]);
			GD(fs, g)->bg_free_blocks_count--;
			SB(fs)->s_free_blocks_count--;
			sb_dirty(fs, g);
			*blk = nb;
			return 0;
		}
	}
	return -ENOSPC;
}

static void free_block(struct ext2_fs *fs, u32 blk)
{
	if (blk < fs->g.first_data_block || blk >= fs->g.blocks_count) {
		ext2_corrupt(fs, "freeing a block out of range", blk);
		return;
	}
	u32 g = (blk - fs->g.first_data_block) / fs->g.blocks_per_group;
	u32 i = (blk - fs->g.first_data_block) % fs->g.blocks_per_group;
	u8 *m = fs->bbm[g]->data;
	if (!bit_test(m, i)) {
		ext2_corrupt(fs, "freeing a free block", blk);
		return;
	}
	bit_set(m, i, false);
	bcache_dirty(fs->bbm[g]);
	GD(fs, g)->bg_free_blocks_count++;
	SB(fs)->s_free_blocks_count++;
	sb_dirty(fs, g);
}

/* A free inode number (not yet taken), near group goal; 0 if none. */
static u32 find_free_inode(struct ext2_fs *fs, u32 goal)
{
	for (u32 k = 0; k < fs->g.ngroups; k++) {
		u32 g = (goal + k) % fs->g.ngroups;
		if (GD(fs, g)->bg_free_inodes_count == 0)
			continue;
		const u8 *m = fs->ibm[g]->data;
		for (u32 i = 0; i < fs->g.inodes_per_group; i++) {
			u64 ino = (u64)g * fs->g.inodes_per_group + i + 1;
			if (ino > fs->g.inodes_count)
				break;
			if (ino >= fs->g.first_ino && !bit_test(m, i))
				return (u32)ino;
		}
	}
	return 0;
}

static void mark_inode(struct ext2_fs *fs, u32 ino, bool used, bool dir)
{
	u32 g = (ino - 1) / fs->g.inodes_per_group, i = (ino - 1) % fs->g.inodes_per_group;
	bit_set(fs->ibm[g]->data, i, used);
	bcache_dirty(fs->ibm[g]);
	struct ext2_group_desc *gd = GD(fs, g);
	gd->bg_free_inodes_count += used ? -1 : 1;
	SB(fs)->s_free_inodes_count += used ? -1 : 1;
	if (dir)
		gd->bg_used_dirs_count += used ? 1 : -1;
	sb_dirty(fs, g);
}

static u32 inode_group(struct ext2_fs *fs, struct inode *ip)
{
	return (u32)((ip->ino - 1) / fs->g.inodes_per_group);
}

/* Copy the in-memory inode into its (pinned) inode-table block. fs->lock held. */
static void iwrite(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	struct ext2_inode *di = (struct ext2_inode *)(e->itb->data + e->ioff);
	spin_lock(&ip->lock);
	di->i_mode = (u16)ip->mode;
	di->i_uid = (u16)ip->uid;
	di->i_gid = (u16)ip->gid;
	di->i_osd2[4] = (u8)(ip->uid >> 16);
	di->i_osd2[5] = (u8)(ip->uid >> 24);
	di->i_osd2[6] = (u8)(ip->gid >> 16);
	di->i_osd2[7] = (u8)(ip->gid >> 24);
	di->i_size = (u32)ip->size;
	if (S_ISREG(ip->mode))
		di->i_dir_acl = (u32)(ip->size >> 32);
	di->i_atime = (u32)ip->atime.sec;
	di->i_mtime = (u32)ip->mtime.sec;
	di->i_ctime = (u32)ip->ctime.sec;
	di->i_links_count = (u16)ip->nlink;
	di->i_blocks = (u32)ip->blocks;
	memcpy(di->i_block, e->block, sizeof di->i_block);
	/*
	 * Entries are added and removed linearly; a hashed index (dir_index,
	 * written by other systems) would go stale, so a directory written
	 * here stops claiming one and is read linearly, as the format allows.
	 */
	if (S_ISDIR(ip->mode))
		di->i_flags &= ~EXT2_INDEX_FL;
	spin_unlock(&ip->lock);
	(void)fs;
	bcache_dirty(e->itb);
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

static void add_blocks(struct inode *ip, i64 n)
{
	spin_lock(&ip->lock);
	ip->blocks = (u64)((i64)ip->blocks + n * (i64)(FS(ip)->g.bsize / 512));
	spin_unlock(&ip->lock);
}

/* ---- writing: block maps ---- */

/* The path to a logical block: the indirect blocks that exist, referenced. */
struct mpath {
	int depth;	     /* 0 direct, 1..3 indirect levels */
	u64 idx[3];	     /* index in each level's block */
	u32 slot;	     /* i_block slot: lblk (direct) or 12..14 */
	struct bbuf *ind[3]; /* existing indirect blocks along the path */
	int have;	     /* how many of ind[] exist */
	u32 data;	     /* the data block, 0 if not mapped */
};

static void mpath_put(struct mpath *mp)
{
	for (int i = 0; i < mp->have; i++)
		bcache_put(mp->ind[i]);
	mp->have = 0;
}

static int map_prepare(struct inode *ip, u64 lblk, struct mpath *mp, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	u64 per = fs->g.bsize / 4;
	*mp = (struct mpath){0};
	if (lblk < EXT2_NDIR_BLOCKS) {
		mp->slot = (u32)lblk;
		mp->data = EI(ip)->block[lblk];
		return mp->data >= fs->g.blocks_count
			   ? ext2_corrupt(fs, "block pointer beyond the disk", ip->ino)
			   : 0;
	}
	lblk -= EXT2_NDIR_BLOCKS;
	if (lblk < per) {
		mp->depth = 1;
		mp->idx[0] = lblk;
	} else if ((lblk -= per) < per * per) {
		mp->depth = 2;
		mp->idx[0] = lblk / per;
		mp->idx[1] = lblk % per;
	} else if ((lblk -= per * per) < per * per * per) {
		mp->depth = 3;
		mp->idx[0] = lblk / (per * per);
		mp->idx[1] = lblk / per % per;
		mp->idx[2] = lblk % per;
	} else {
		return -EFBIG;
	}
	mp->slot = EXT2_NDIR_BLOCKS + (u32)mp->depth - 1;
	u32 ptr = EI(ip)->block[mp->slot];
	for (int i = 0; i < mp->depth && ptr; i++) {
		int r = ext2_bread(fs, ptr, &mp->ind[i], io);
		if (r < 0) {
			mpath_put(mp);
			return r;
		}
		mp->have = i + 1;
		ptr = ((const u32 *)mp->ind[i]->data)[mp->idx[i]];
	}
	mp->data = mp->have == mp->depth ? ptr : 0;
	if (mp->data >= fs->g.blocks_count) {
		mpath_put(mp);
		return ext2_corrupt(fs, "block pointer beyond the disk", ip->ino);
	}
	return 0;
}

/* Map a new data block along mp (fs->lock held): *b is it, zeroed. Writes the inode. */
static int map_commit(struct inode *ip, struct mpath *mp, struct bbuf **b)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	u32 goal = inode_group(fs, ip);
	int r = 0;
	for (int i = mp->have; i < mp->depth; i++) {
		u32 nb;
		r = alloc_block(fs, goal, &nb, &mp->ind[i]);
		if (r < 0)
			break;
		add_blocks(ip, 1);
		if (i == 0) {
			__atomic_store_n(&e->block[mp->slot], nb, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&((u32 *)mp->ind[i - 1]->data)[mp->idx[i - 1]], nb,
					 __ATOMIC_RELEASE);
			bcache_dirty(mp->ind[i - 1]);
		}
		mp->have = i + 1;
	}
	u32 nb = 0;
	if (!r)
		r = alloc_block(fs, goal, &nb, b);
	if (!r) {
		add_blocks(ip, 1);
		if (mp->depth == 0) {
			__atomic_store_n(&e->block[mp->slot], nb, __ATOMIC_RELEASE);
		} else {
			struct bbuf *last = mp->ind[mp->depth - 1];
			__atomic_store_n(&((u32 *)last->data)[mp->idx[mp->depth - 1]], nb,
					 __ATOMIC_RELEASE);
			bcache_dirty(last);
		}
		mp->data = nb;
	}
	iwrite(ip); /* an empty indirect block left by ENOSPC is still a valid map */
	return r;
}

/*
 * A data block this write mapped along mp but copied no byte into (the
 * user's buffer faulted): unmap and free it again, or it would lie past
 * the end of the file, which e2fsck reports ("i_size is ..., should be
 * ..."); Linux's ext2 likewise truncates what a failed write allocated.
 * The caller holds b (the block) and mp's path. Kept if another writer may
 * have used it meanwhile: the size reaches into it, or someone else holds
 * it. Indirect blocks mapped on the way stay, empty, as after ENOSPC.
 */
static void unmap_unwritten(struct inode *ip, u64 lblk, struct mpath *mp, struct bbuf *b,
			    u64 reserved, u64 written_end)
{
	struct ext2_fs *fs = FS(ip);
	spin_lock(&fs->lock);
	u32 *slot = mp->depth ? &((u32 *)mp->ind[mp->depth - 1]->data)[mp->idx[mp->depth - 1]]
			      : &EI(ip)->block[mp->slot];
	spin_lock(&ip->lock);
	u64 size = ip->size;
	spin_unlock(&ip->lock);
	if (reserved && size == reserved)
		size = written_end; /* an append's own reservation, given back after the loop */
	if (__atomic_load_n(slot, __ATOMIC_ACQUIRE) == mp->data && size <= lblk * fs->g.bsize &&
	    bcache_refs(b) == 1) {
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		if (mp->depth)
			bcache_dirty(mp->ind[mp->depth - 1]);
		free_block(fs, mp->data);
		add_blocks(ip, -1);
		iwrite(ip);
	}
	spin_unlock(&fs->lock);
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

/* ---- writing: freeing a file's blocks ---- */

struct brefs {
	struct bbuf **v;
	u32 n, cap;
};

static void brefs_put(struct brefs *rs)
{
	for (u32 i = 0; i < rs->n; i++)
		bcache_put(rs->v[i]);
	kfree(rs->v);
	*rs = (struct brefs){0};
}

static u64 span_of(struct ext2_fs *fs, int level)
{
	u64 per = fs->g.bsize / 4, s = 1;
	for (int i = 1; i < level; i++)
		s *= per;
	return s;
}

/* Reference every indirect block under ptr (level 1..3) that covers index >= first. */
static int tree_gather(struct ext2_fs *fs, u32 ptr, int level, u64 first, struct brefs *rs,
		       struct ioctx *io)
{
	if (!ptr || level == 0)
		return 0;
	if (rs->n == rs->cap) {
		u32 cap = rs->cap ? rs->cap * 2 : 16;
		struct bbuf **v = kmalloc(cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		if (rs->n)
			memcpy(v, rs->v, rs->n * sizeof *v);
		kfree(rs->v);
		rs->v = v;
		rs->cap = cap;
	}
	struct bbuf *b;
	int r = ext2_bread(fs, ptr, &b, io);
	if (r < 0)
		return r;
	rs->v[rs->n++] = b;
	if (level == 1)
		return 0;
	u64 span = span_of(fs, level), per = fs->g.bsize / 4;
	for (u64 i = first / span; i < per && r == 0; i++) {
		u32 c = ((const u32 *)b->data)[i];
		if (c >= fs->g.blocks_count)
			return ext2_corrupt(fs, "indirect block pointer beyond the disk", ptr);
		r = tree_gather(fs, c, level - 1, i == first / span ? first % span : 0, rs, io);
	}
	return r;
}

/* Free what *slot maps from index first on (blocks gathered by tree_gather). */
static void tree_free(struct inode *ip, u32 *slot, struct bbuf *holder, int level, u64 first)
{
	struct ext2_fs *fs = FS(ip);
	u32 ptr = *slot;
	if (!ptr)
		return;
	if (level > 0) {
		struct bbuf *b;
		if (bcache_get(fs->dev, ptr, fs->g.bsize, &b, NULL) < 0) {
			ext2_corrupt(fs, "indirect block vanished from the cache while freeing",
				     ip->ino);
			return;
		}
		u64 span = span_of(fs, level), per = fs->g.bsize / 4;
		for (u64 i = first / span; i < per; i++)
			tree_free(ip, &((u32 *)b->data)[i], b, level - 1,
				  i == first / span ? first % span : 0);
		bcache_dirty(b);
		bcache_put(b);
		if (first)
			return;
	}
	free_block(fs, ptr);
	add_blocks(ip, -1);
	__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
	if (holder)
		bcache_dirty(holder);
}

/* Per i_block slot 12..14: the first logical block it maps. */
static u64 slot_base(struct ext2_fs *fs, int level)
{
	u64 per = fs->g.bsize / 4, base = EXT2_NDIR_BLOCKS;
	for (int l = 1; l < level; l++)
		base += span_of(fs, l) * per;
	(void)per;
	return base;
}

/* Fast symlinks and device nodes keep other things in i_block. */
static bool has_map(struct inode *ip)
{
	return !EI(ip)->fast_symlink && !S_ISCHR(ip->mode) && !S_ISBLK(ip->mode);
}

static int blocks_gather(struct inode *ip, u64 from, struct brefs *rs, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	if (!has_map(ip))
		return 0;
	for (int level = 1; level <= 3; level++) {
		u64 base = slot_base(fs, level), size = span_of(fs, level) * (fs->g.bsize / 4);
		if (from >= base + size)
			continue;
		u64 first = from > base ? from - base : 0;
		int r = tree_gather(fs, EI(ip)->block[EXT2_NDIR_BLOCKS + level - 1], level, first,
				    rs, io);
		if (r < 0)
			return r;
	}
	return 0;
}

static void blocks_free(struct inode *ip, u64 from)
{
	struct ext2_fs *fs = FS(ip);
	u32 *blk = EI(ip)->block;
	for (u64 i = from; i < EXT2_NDIR_BLOCKS; i++)
		tree_free(ip, &blk[i], NULL, 0, 0);
	for (int level = 1; level <= 3; level++) {
		u64 base = slot_base(fs, level), size = span_of(fs, level) * (fs->g.bsize / 4);
		if (from >= base + size)
			continue;
		tree_free(ip, &blk[EXT2_NDIR_BLOCKS + level - 1], NULL, level,
			  from > base ? from - base : 0);
	}
}

/* ---- writing: directory entries ---- */

static inline u32 dirent_size(u32 name_len)
{
	return (EXT2_DIRENT_HEADER + name_len + 3) & ~3u;
}

/* Where a name is, or where a new one can go, in a directory (references held). */
struct dslot {
	struct bbuf *b; /* the block */
	u32 off;	/* the entry (found) or the entry to split / reuse */
	u32 prev;	/* the entry before it in the block, or off if first */
	u32 lblk;
	u32 ino; /* found: its inode */
	u8 ftype;
};

/*
 * Look for name in dir (fs->lock held, nopark io): *found filled if it is
 * there; *free (may be NULL) filled with a place for a new entry of that
 * name if there is one. Holds a reference in each filled slot.
 */
static int dir_find(struct inode *dir, const char *name, size_t len, struct dslot *found,
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
			if (ext2_check_dirent(b->data, bsize, off, fs->g.inodes_count, &rl, &why)) {
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

static void dslot_put(struct dslot *s)
{
	if (s->b)
		bcache_put(s->b);
	s->b = NULL;
}

static u8 ftype_of(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return EXT2_FT_REG_FILE;
	case S_IFDIR:
		return EXT2_FT_DIR;
	case S_IFCHR:
		return EXT2_FT_CHRDEV;
	case S_IFBLK:
		return EXT2_FT_BLKDEV;
	case S_IFIFO:
		return EXT2_FT_FIFO;
	case S_IFSOCK:
		return EXT2_FT_SOCK;
	case S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/* Write a new entry into the free slot (fs->lock held; nothing can fail). */
static void dirent_put(struct ext2_fs *fs, struct dslot *fr, const char *name, size_t len, u32 ino,
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
	bcache_dirty(fr->b);
}

/* Take the entry out (fs->lock held). */
static void dirent_remove(struct dslot *s)
{
	struct ext2_dirent *d = (void *)(s->b->data + s->off);
	if (s->prev != s->off) {
		struct ext2_dirent *p = (void *)(s->b->data + s->prev);
		p->rec_len = (u16)(p->rec_len + d->rec_len);
	} else {
		d->inode = 0;
	}
	bcache_dirty(s->b);
}

/*
 * A place for a new entry: a free slot, or a new block at the end of the
 * directory (prepared in *mp: mp->data == 0 means one must be mapped).
 */
struct dplace {
	struct dslot fr;
	struct mpath mp;
	bool grow;
};

static int place_prepare(struct inode *dir, const char *name, size_t len, struct dplace *pl,
			 struct ioctx *io)
{
	struct dslot found;
	int r = dir_find(dir, name, len, &found, &pl->fr, io);
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
		r = map_prepare(dir, dir->size / FS(dir)->g.bsize, &pl->mp, io);
		if (r < 0)
			return r;
	}
	return 0;
}

static void place_put(struct dplace *pl)
{
	dslot_put(&pl->fr);
	mpath_put(&pl->mp);
}

/* Commit: allocate the new block if needed (may fail: -ENOSPC, nothing changed but the map). */
static int place_commit(struct inode *dir, struct dplace *pl)
{
	if (!pl->grow)
		return 0;
	struct ext2_fs *fs = FS(dir);
	struct bbuf *b;
	int r = map_commit(dir, &pl->mp, &b);
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

/* ---- writing: the inode operations ---- */

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
		u32 ino = find_free_inode(fs, inode_group(fs, dir));
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
		r = dir->nlink ? place_prepare(dir, name, len, &pl, &io) : -ENOENT;
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
			r = alloc_block(fs, inode_group(fs, dir), &dblk, &data);
		if (!r)
			r = place_commit(dir, &pl);
		if (r < 0) {
			if (data) {
				bcache_put(data);
				free_block(fs, dblk);
			}
			place_put(&pl);
			spin_unlock(&fs->lock);
			if (e)
				kfree(e);
			bcache_put(itb);
			return r;
		}
		mark_inode(fs, ino, true, S_ISDIR(mode));
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
		iwrite(ip);
		dirent_put(fs, &pl.fr, name, len, ino, mode);
		touch(dir, true);
		iwrite(dir);
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
					      : place_prepare(dir, name, len, &pl, &io);
		bool prepared = r == 0;
		if (r == 0)
			r = place_commit(dir, &pl);
		if (r == 0) {
			dirent_put(fs, &pl.fr, name, len, (u32)ip->ino, ip->mode);
			inode_set_nlink(ip, ip->nlink + 1);
			touch(ip, false);
			iwrite(ip);
			touch(dir, true);
			iwrite(dir);
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

/* Is directory d empty but for "." and ".."? (fs->lock held; nopark io) */
static int dir_is_empty(struct inode *d, struct ioctx *io)
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
			if (ext2_check_dirent(b->data, bsize, off, fs->g.inodes_count, &rl, &why)) {
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
	iwrite(v);
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
			r = blocks_gather(v, 0, &rs, NULL);
			if (r < 0) {
				brefs_put(&rs);
				inode_put(v);
				return r;
			}
		}
		struct ioctx io = {.nopark = true};
		struct dslot found;
		spin_lock(&fs->lock);
		r = dir_find(dir, name, len, &found, NULL, &io);
		if (r == 0 && (!found.b || found.ino != v->ino))
			r = -EBUSY; /* changed meanwhile */
		if (r == 0) {
			if (rmdir && !S_ISDIR(v->mode))
				r = -ENOTDIR;
			else if (!rmdir && S_ISDIR(v->mode))
				r = -EISDIR;
			else if (rmdir)
				r = dir_is_empty(v, &io);
		}
		if (r == 0) {
			dirent_remove(&found);
			touch(v, false);
			drop_link(dir, v);
			touch(dir, true);
			iwrite(dir);
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
			r = blocks_gather(victim, 0, &rs, NULL);
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
		r = dir_find(odir, oname, olen, &os, NULL, &io);
		if (r == 0 && (!os.b || os.ino != src->ino))
			r = -EBUSY;
		if (r == 0)
			r = dir_find(ndir, nname, nlen, &ts, NULL, &io);
		if (r == 0 && (victim ? !ts.b || ts.ino != victim->ino : ts.b != NULL))
			r = -EBUSY;
		if (r == 0 && victim && S_ISDIR(victim->mode))
			r = dir_is_empty(victim, &io);
		if (r == 0 && S_ISDIR(src->mode) && odir != ndir)
			r = dir_find(src, "..", 2, &dotdot, NULL, &io);
		if (r == 0 && !victim) {
			r = place_prepare(ndir, nname, nlen, &pl, &io);
			placed = r == 0;
			if (r == -EEXIST)
				r = -EBUSY;
		}
		if (r == 0 && placed)
			r = place_commit(ndir, &pl);
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
				dirent_put(fs, &pl.fr, nname, nlen, (u32)src->ino, src->mode);
			}
			/* The old entry may share a block with the new one: find it again. */
			struct dslot os2 = {0};
			dslot_put(&os);
			dir_find(odir, oname, olen, &os2, NULL, &io); /* cached: cannot miss */
			if (os2.b && os2.ino == src->ino)
				dirent_remove(&os2);
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
			iwrite(src);
			touch(odir, true);
			touch(ndir, true);
			iwrite(odir);
			iwrite(ndir);
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
		int r = map_prepare(ip, lblk, &mp, &io);
		if (r == 0 && mp.data)
			r = ext2_bread(fs, mp.data, &b, &io);
		if (r == 0 && !mp.data) {
			/* Map it under the lock, along the path as it is now (another writer may
			 * have grown it); the path stays held until the copy is done. */
			spin_lock(&fs->lock);
			r = map_prepare(ip, lblk, &now, &io);
			if (r == 0 && now.data)
				r = -EBUSY;
			else if (r == 0)
				r = map_commit(ip, &now, &b);
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
			unmap_unwritten(ip, lblk, &now, b, reserved, off + total);
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
			iwrite(ip);
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
		iwrite(ip);
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
		int r = blocks_gather(ip, keep, &rs, NULL);
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
		r = blocks_gather(ip, keep, &rs2, &io);
		if (r == 0) {
			if (size < ip->size) {
				blocks_free(ip, keep);
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
			iwrite(ip);
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
		blocks_free(ip, 0);
	struct ext2_inode *di = (struct ext2_inode *)(e->itb->data + e->ioff);
	iwrite(ip);
	di->i_dtime = (u32)ext2_now(fs).sec;
	di->i_links_count = 0;
	bcache_dirty(e->itb);
	mark_inode(fs, (u32)ip->ino, false, S_ISDIR(ip->mode));
	spin_unlock(&fs->lock);
	bcache_put(e->itb);
	kfree(e);
}
