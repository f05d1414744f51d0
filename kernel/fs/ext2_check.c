/*
 * ext2's pure checks: what a superblock, a group descriptor and a
 * directory entry must satisfy before anything trusts their numbers
 * (invariant 6: disk contents are user input). No state, no locks, no
 * I/O, so tests/host/test_ext2.c runs them on the build machine.
 */
#include "fs/ext2.h"
#include "lib/errno.h"

#define fail(err, msg)                                                                             \
	do {                                                                                       \
		*why = (msg);                                                                      \
		return (err);                                                                      \
	} while (0)

int ext2_check_super(const struct ext2_super *s, u64 dev_bytes, struct ext2_geom *g,
		     const char **why)
{
	if (s->s_magic != EXT2_SUPER_MAGIC)
		fail(-EINVAL, "no ext2 magic (0xEF53) in the superblock");
	if (s->s_rev_level > EXT2_DYNAMIC_REV)
		fail(-EOPNOTSUPP, "revision newer than 1");
	if (s->s_log_block_size > 2)
		fail(-EOPNOTSUPP, "block size larger than 4 KiB");
	g->bsize = 1024U << s->s_log_block_size;
	g->inodes_count = s->s_inodes_count;
	g->blocks_count = s->s_blocks_count;
	g->first_data_block = s->s_first_data_block;
	g->blocks_per_group = s->s_blocks_per_group;
	g->inodes_per_group = s->s_inodes_per_group;
	if (s->s_rev_level == EXT2_GOOD_OLD_REV) {
		g->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
		g->first_ino = EXT2_GOOD_OLD_FIRST_INO;
		g->incompat = g->ro_compat = 0;
	} else {
		g->inode_size = s->s_inode_size;
		g->first_ino = s->s_first_ino;
		g->incompat = s->s_feature_incompat;
		g->ro_compat = s->s_feature_ro_compat;
	}
	if (g->incompat & ~(u32)EXT2_INCOMPAT_SUPPORTED)
		fail(-EOPNOTSUPP, "incompatible features Ferry does not implement (an external "
				  "journal device, meta_bg, extents, 64bit, flex_bg...)");
	g->large_file = g->ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	if (g->first_data_block != (g->bsize == 1024 ? 1U : 0U))
		fail(-EUCLEAN, "first data block does not match the block size");
	if (g->inode_size < EXT2_GOOD_OLD_INODE_SIZE || g->inode_size > g->bsize ||
	    (g->inode_size & (g->inode_size - 1)))
		fail(-EUCLEAN, "bad inode size");
	if (g->blocks_per_group == 0 || g->blocks_per_group > 8 * g->bsize)
		fail(-EUCLEAN, "bad blocks per group");
	if (g->inodes_per_group == 0 || g->inodes_per_group > 8 * g->bsize)
		fail(-EUCLEAN, "bad inodes per group");
	if (g->blocks_count <= g->first_data_block + 1)
		fail(-EUCLEAN, "bad block count");
	if ((u64)g->blocks_count * g->bsize > dev_bytes)
		fail(-EUCLEAN, "the file system is larger than the disk");
	g->ngroups =
	    (g->blocks_count - g->first_data_block + g->blocks_per_group - 1) / g->blocks_per_group;
	if (g->inodes_count < EXT2_ROOT_INO ||
	    g->inodes_count > (u64)g->ngroups * g->inodes_per_group)
		fail(-EUCLEAN, "bad inode count");
	if (g->first_ino < EXT2_ROOT_INO + 1 || g->first_ino > g->inodes_count)
		fail(-EUCLEAN, "bad first inode");
	u64 gdt_bytes = (u64)g->ngroups * sizeof(struct ext2_group_desc);
	g->gdt_blocks = (u32)((gdt_bytes + g->bsize - 1) / g->bsize);
	if ((u64)g->first_data_block + 1 + g->gdt_blocks > g->blocks_count)
		fail(-EUCLEAN, "group descriptors past the end");
	g->itable_blocks =
	    (u32)(((u64)g->inodes_per_group * g->inode_size + g->bsize - 1) / g->bsize);
	return 0;
}

int ext2_check_group(const struct ext2_geom *g, const struct ext2_group_desc *gd, const char **why)
{
	u32 lo = g->first_data_block, hi = g->blocks_count;
	if (gd->bg_block_bitmap < lo || gd->bg_block_bitmap >= hi)
		fail(-EUCLEAN, "block bitmap outside the file system");
	if (gd->bg_inode_bitmap < lo || gd->bg_inode_bitmap >= hi)
		fail(-EUCLEAN, "inode bitmap outside the file system");
	if (gd->bg_inode_table < lo || (u64)gd->bg_inode_table + g->itable_blocks > hi)
		fail(-EUCLEAN, "inode table outside the file system");
	return 0;
}

int ext2_check_dirent(const u8 *blk, u32 bsize, u32 off, u32 inodes_count, u32 *rec_len,
		      const char **why)
{
	if (off + EXT2_DIRENT_HEADER > bsize || (off & 3))
		fail(-EUCLEAN, "directory entry header overruns the block");
	const struct ext2_dirent *d = (const struct ext2_dirent *)(blk + off);
	u32 rl = d->rec_len;
	if (rl < EXT2_DIRENT_HEADER || (rl & 3))
		fail(-EUCLEAN, "directory entry with a bad rec_len");
	if (off + rl > bsize)
		fail(-EUCLEAN, "directory entry overruns the block");
	if (d->inode && EXT2_DIRENT_HEADER + (u32)d->name_len > rl)
		fail(-EUCLEAN, "directory entry with rec_len < 8 + name_len");
	if (d->inode > inodes_count)
		fail(-EUCLEAN, "directory entry with an inode number out of range");
	if (d->inode && d->name_len == 0)
		fail(-EUCLEAN, "directory entry with an empty name");
	*rec_len = rl;
	return 0;
}
