/*
 * ext2 block maps as a change sees them: the path to a logical block
 * (prepared without the lock, committed under it), a new block mapped
 * for a write and unmapped again when the write copied nothing, and a
 * file's blocks freed from some logical block on (truncate, evict), with
 * the indirect blocks gathered into the cache beforehand so that freeing
 * never waits. Reading a map is ext2_bmap (ext2.c). Locks and fields:
 * ext2_impl.h; a map word is published with an atomic store for the
 * readers, who take no lock.
 */
#include "fs/ext2_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

/* ---- growing a map ---- */

static inline void add_blocks(struct inode *ip, i64 n)
{
	spin_lock(&ip->lock);
	ip->blocks = (u64)((i64)ip->blocks + n * (i64)(FS(ip)->g.bsize / 512));
	spin_unlock(&ip->lock);
}

int ext2_map_prepare(struct inode *ip, u64 lblk, struct mpath *mp, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	u64 per = fs->g.bsize / 4;
	*mp = (struct mpath){0};
	if (lblk < EXT2_NDIR_BLOCKS) {
		mp->slot = (u32)lblk;
		mp->data = EI(ip)->block[lblk];
		return ext2_ptr_check(fs, mp->data, ip->ino);
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
		int r = ext2_ptr_check(fs, ptr, ip->ino);
		if (r == 0)
			r = ext2_bread(fs, ptr, &mp->ind[i], io);
		if (r < 0) {
			mpath_put(mp);
			return r;
		}
		mp->have = i + 1;
		ptr = ((const u32 *)mp->ind[i]->data)[mp->idx[i]];
	}
	mp->data = mp->have == mp->depth ? ptr : 0;
	int r = ext2_ptr_check(fs, mp->data, ip->ino);
	if (r < 0)
		mpath_put(mp);
	return r;
}

int ext2_map_commit(struct inode *ip, struct mpath *mp, struct bbuf **b)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	u32 goal = inode_group(fs, ip);
	int r = 0;
	for (int i = mp->have; i < mp->depth; i++) {
		u32 nb;
		r = ext2_alloc_block(fs, goal, &nb, &mp->ind[i]);
		if (r < 0)
			break;
		add_blocks(ip, 1);
		if (i == 0) {
			__atomic_store_n(&e->block[mp->slot], nb, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&((u32 *)mp->ind[i - 1]->data)[mp->idx[i - 1]], nb,
					 __ATOMIC_RELEASE);
			ext2_dirty(fs, mp->ind[i - 1]);
		}
		mp->have = i + 1;
	}
	u32 nb = 0;
	if (!r)
		r = ext2_alloc_block(fs, goal, &nb, b);
	if (!r) {
		add_blocks(ip, 1);
		if (mp->depth == 0) {
			__atomic_store_n(&e->block[mp->slot], nb, __ATOMIC_RELEASE);
		} else {
			struct bbuf *last = mp->ind[mp->depth - 1];
			__atomic_store_n(&((u32 *)last->data)[mp->idx[mp->depth - 1]], nb,
					 __ATOMIC_RELEASE);
			ext2_dirty(fs, last);
		}
		mp->data = nb;
	}
	ext2_iwrite(ip); /* an empty indirect block left by ENOSPC is still a valid map */
	return r;
}

/*
 * A data block this write mapped along mp but copied no byte into (the
 * user's buffer faulted): unmap and free it again, or it would lie past
 * the end of the file, which e2fsck reports ("i_size is ..., should be
 * ..."); Linux's ext2 likewise truncates what a failed write allocated.
 * The caller holds mp's path. Kept if another writer may have used it
 * meanwhile: the size reaches into it. Indirect blocks mapped on the way
 * stay, empty, as after ENOSPC.
 */
void ext2_unmap_unwritten(struct inode *ip, u64 lblk, struct mpath *mp, u64 reserved,
			  u64 written_end)
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
	if (__atomic_load_n(slot, __ATOMIC_ACQUIRE) == mp->data && size <= lblk * fs->g.bsize) {
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		if (mp->depth)
			ext2_dirty(fs, mp->ind[mp->depth - 1]);
		ext2_free_block(fs, mp->data, !S_ISREG(ip->mode));
		add_blocks(ip, -1);
		ext2_iwrite(ip);
	}
	spin_unlock(&fs->lock);
}

/* ---- freeing a file's blocks ---- */

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
	int r = ext2_ptr_check(fs, ptr, 0);
	if (r < 0)
		return r;
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
	r = ext2_bread(fs, ptr, &b, io);
	if (r < 0)
		return r;
	rs->v[rs->n++] = b;
	if (level == 1)
		return 0;
	u64 span = span_of(fs, level), per = fs->g.bsize / 4;
	for (u64 i = first / span; i < per && r == 0; i++) {
		u32 c = ((const u32 *)b->data)[i];
		if ((r = ext2_ptr_check(fs, c, ptr)) < 0)
			return r;
		r = tree_gather(fs, c, level - 1, i == first / span ? first % span : 0, rs, io);
	}
	return r;
}

/*
 * Free what *slot maps from index first on (blocks gathered by
 * tree_gather). An indirect block that goes too is left as it is (a
 * change to it would have to be journalled for nothing); one that stays
 * has its freed slots zeroed (holder: it).
 */
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
			tree_free(ip, &((u32 *)b->data)[i], first ? b : NULL, level - 1,
				  i == first / span ? first % span : 0);
		if (first)
			ext2_dirty(fs, b); /* it stays, with its tail emptied */
		bcache_put(b);
		if (first)
			return;
	}
	/* Indirect blocks, and a directory's or symlink's blocks, are metadata. */
	ext2_free_block(fs, ptr, level > 0 || !S_ISREG(ip->mode));
	add_blocks(ip, -1);
	if (holder) {
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		ext2_dirty(fs, holder);
	} else if (slot >= EI(ip)->block && slot < EI(ip)->block + EXT2_N_BLOCKS) {
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE); /* the caller writes the inode */
	}
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

int ext2_blocks_gather(struct inode *ip, u64 from, struct brefs *rs, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	if (!has_map(ip))
		return 0;
	/* A corrupt pointer stops the change before anything is freed. */
	for (u64 i = from; i < EXT2_NDIR_BLOCKS; i++) {
		int r = ext2_ptr_check(fs, EI(ip)->block[i], ip->ino);
		if (r < 0)
			return r;
	}
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

void ext2_blocks_free(struct inode *ip, u64 from)
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
