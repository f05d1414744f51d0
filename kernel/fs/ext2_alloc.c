/*
 * ext2 allocation: blocks and inodes taken from and given back to the
 * group bitmaps, with the free counts in the group descriptors and the
 * superblock; and an in-memory inode copied back into its inode-table
 * block (ext2_iwrite). Locks and fields: ext2_impl.h.
 *
 * Everything here runs under fs->lock and never waits: a writable mount
 * keeps the superblock, the descriptors and both bitmaps of every group
 * pinned in the block cache, and a new block comes from bcache_get_new
 * (metadata) or goes to the page cache (file data: the block cache
 * forgets whatever it held of it).
 *
 * With a journal, this runs inside the caller's handle. A freed block is
 * not handed out again until the transaction that freed it is committed
 * (jbd2_undo_busy): before that a power cut brings its old owner back,
 * and what a new owner wrote into it in the meantime would be the old
 * owner's contents. A freed metadata block is revoked, so a replay never
 * writes an old logged copy over what it holds later.
 */
#include "fs/ext2_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static void sb_dirty(struct ext2_fs *fs, u32 g)
{
	u32 per = fs->g.bsize / sizeof(struct ext2_group_desc);
	ext2_dirty(fs, fs->gdb[g / per]);
	ext2_dirty(fs, fs->sbuf);
}

static u32 group_blocks(struct ext2_fs *fs, u32 g)
{
	u32 left = fs->g.blocks_count - fs->g.first_data_block - g * fs->g.blocks_per_group;
	return MIN(left, fs->g.blocks_per_group);
}

int ext2_alloc_block(struct ext2_fs *fs, u32 goal, u32 *blk, struct bbuf **b)
{
	for (u32 k = 0; k < fs->g.ngroups; k++) {
		u32 g = (goal + k) % fs->g.ngroups;
		if (GD(fs, g)->bg_free_blocks_count == 0)
			continue;
		u8 *m = fs->bbm[g]->data;
		u32 n = group_blocks(fs, g);
		for (u32 i = 0; i < n; i++) {
			if (bit_test(m, i) || (fs->journal && jbd2_undo_busy(fs->journal, fs->bbm[g], i)))
				continue;
			u32 nb = fs->g.first_data_block + g * fs->g.blocks_per_group + i;
			if (ext2_block_is_meta(&fs->g, fs->groups, nb)) {
				/* A bitmap that says a bitmap or the inode table is free: never hand it out. */
				ext2_corrupt(fs, "metadata block marked free in its bitmap", nb);
				continue;
			}
			if (b) {
				int r = bcache_get_new(fs->dev, nb, fs->g.bsize, b, NULL);
				if (r < 0)
					return r == -EAGAIN ? -EIO : r;
				ext2_dirty(fs, *b); /* journalled from its first (zeroed) contents on */
			} else {
				bcache_forget(fs->dev, nb, fs->g.bsize);
			}
			bit_set(m, i, true);
			ext2_dirty(fs, fs->bbm[g]);
			GD(fs, g)->bg_free_blocks_count--;
			SB(fs)->s_free_blocks_count--;
			sb_dirty(fs, g);
			*blk = nb;
			return 0;
		}
	}
	return -ENOSPC;
}

void ext2_free_block(struct ext2_fs *fs, u32 blk, bool meta)
{
	if (blk < fs->g.first_data_block || blk >= fs->g.blocks_count) {
		ext2_corrupt(fs, "freeing a block out of range", blk);
		return;
	}
	if (ext2_block_is_meta(&fs->g, fs->groups, blk)) {
		ext2_corrupt(fs, "freeing a metadata block", blk);
		return;
	}
	u32 g = (blk - fs->g.first_data_block) / fs->g.blocks_per_group;
	u32 i = (blk - fs->g.first_data_block) % fs->g.blocks_per_group;
	u8 *m = fs->bbm[g]->data;
	if (!bit_test(m, i)) {
		ext2_corrupt(fs, "freeing a free block", blk);
		return;
	}
	if (fs->journal) {
		if (jbd2_undo_save(fs->journal, fs->bbm[g], i) < 0) {
			pr_err("ext2 %s: out of memory: block %u stays allocated (e2fsck frees it)\n",
			       fs->dev->name, blk);
			return;
		}
		if (meta)
			jbd2_revoke(fs->journal, blk);
	}
	bit_set(m, i, false);
	ext2_dirty(fs, fs->bbm[g]);
	GD(fs, g)->bg_free_blocks_count++;
	SB(fs)->s_free_blocks_count++;
	sb_dirty(fs, g);
}

u32 ext2_find_free_inode(struct ext2_fs *fs, u32 goal)
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

void ext2_mark_inode(struct ext2_fs *fs, u32 ino, bool used, bool dir)
{
	u32 g = (ino - 1) / fs->g.inodes_per_group, i = (ino - 1) % fs->g.inodes_per_group;
	if (bit_test(fs->ibm[g]->data, i) == used) {
		/* The bitmap disagrees with the inode: leave both and the counts alone. */
		ext2_corrupt(fs, used ? "allocating an inode its bitmap calls used"
				      : "freeing an inode its bitmap calls free",
			     ino);
		return;
	}
	bit_set(fs->ibm[g]->data, i, used);
	ext2_dirty(fs, fs->ibm[g]);
	struct ext2_group_desc *gd = GD(fs, g);
	gd->bg_free_inodes_count += used ? -1 : 1;
	SB(fs)->s_free_inodes_count += used ? -1 : 1;
	if (dir)
		gd->bg_used_dirs_count += used ? 1 : -1;
	sb_dirty(fs, g);
}

void ext2_iwrite(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	struct ext2_inode *di = (struct ext2_inode *)(e->itb->data + e->ioff);
	spin_lock(&ip->lock);
	/* fdatasync waits only for changes that reading the data back needs. */
	bool data = di->i_size != (u32)ip->size || di->i_blocks != (u32)ip->blocks ||
		    memcmp(di->i_block, e->block, sizeof di->i_block) ||
		    (S_ISREG(ip->mode) && di->i_dir_acl != (u32)(ip->size >> 32));
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
	ext2_note_change(ip, data);
	ext2_dirty(fs, e->itb);
}
