/*
 * ext2's pure checks: what a superblock, a group descriptor, an inode and
 * a directory entry must satisfy before anything trusts their numbers,
 * and which blocks no file may point to (invariant 6: disk contents are
 * user input). Every on-disk field Ferry uses passes one of these on its
 * way in: superblock and descriptors at mount (ext2.c), an inode when it
 * is read (ext2_iget), an entry whenever a directory is walked
 * (ext2_dir.c), a block pointer whenever it is followed or a block is
 * allocated (ext2_bmap, ext2_alloc_block). No state, no locks, no I/O,
 * so tests/host/test_ext2.c runs them on the build machine.
 */
#include "fs/ext2.h"
#include "lib/errno.h"

/* Is there a NUL among the first n bytes of s? */
static bool memchr_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			return true;
	return false;
}

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
	g->sparse_super = g->ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER;
	g->reserved_gdt = s->s_rev_level != EXT2_GOOD_OLD_REV &&
				  (s->s_feature_compat & EXT2_FEATURE_COMPAT_RESIZE_INODE)
			      ? s->s_reserved_gdt_blocks
			      : 0;
	if (g->reserved_gdt > g->bsize / 4)
		fail(-EUCLEAN, "more reserved descriptor blocks than one block can map");
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
	if ((u64)g->first_data_block + 1 + g->gdt_blocks + g->reserved_gdt > g->blocks_count)
		fail(-EUCLEAN, "group descriptors past the end");
	g->itable_blocks =
	    (u32)(((u64)g->inodes_per_group * g->inode_size + g->bsize - 1) / g->bsize);
	u64 pp = g->bsize / 4;
	g->max_file_blocks = EXT2_NDIR_BLOCKS + pp + pp * pp + pp * pp * pp;
	return 0;
}

/* Is n a power of b (1 included)? */
static bool power_of(u32 n, u32 b)
{
	u64 p = 1;
	while (p < n)
		p *= b;
	return p == n;
}

bool ext2_group_has_super(const struct ext2_geom *g, u32 n)
{
	return !g->sparse_super || n <= 1 || power_of(n, 3) || power_of(n, 5) || power_of(n, 7);
}

/* The blocks at the start of group n that hold a superblock and descriptor copy. */
static u32 super_area(const struct ext2_geom *g, u32 n)
{
	return ext2_group_has_super(g, n) ? 1 + g->gdt_blocks + g->reserved_gdt : 0;
}

int ext2_check_group(const struct ext2_geom *g, u32 n, const struct ext2_group_desc *gd,
		     const char **why)
{
	/* The group's blocks; its metadata lies after the superblock area (no flex_bg). */
	u64 start = (u64)g->first_data_block + (u64)n * g->blocks_per_group;
	u64 end = MIN(start + g->blocks_per_group, (u64)g->blocks_count);
	u64 lo = start + super_area(g, n);
	u32 bb = gd->bg_block_bitmap, ib = gd->bg_inode_bitmap, it = gd->bg_inode_table;
	if (bb < lo || bb >= end)
		fail(-EUCLEAN, "block bitmap outside its group");
	if (ib < lo || ib >= end)
		fail(-EUCLEAN, "inode bitmap outside its group");
	if (it < lo || (u64)it + g->itable_blocks > end)
		fail(-EUCLEAN, "inode table outside its group");
	if (bb == ib || (bb >= it && bb < (u64)it + g->itable_blocks) ||
	    (ib >= it && ib < (u64)it + g->itable_blocks))
		fail(-EUCLEAN, "bitmaps and inode table overlap");
	if (gd->bg_free_blocks_count > end - start || gd->bg_free_inodes_count > g->inodes_per_group)
		fail(-EUCLEAN, "free counts larger than the group");
	return 0;
}

bool ext2_block_is_meta(const struct ext2_geom *g, const struct ext2_groupmeta *gm, u32 blk)
{
	if (blk < g->first_data_block || blk >= g->blocks_count)
		return true;
	u32 n = (blk - g->first_data_block) / g->blocks_per_group;
	u32 off = (blk - g->first_data_block) % g->blocks_per_group;
	if (off < super_area(g, n))
		return true;
	const struct ext2_groupmeta *m = &gm[n];
	return blk == m->block_bitmap || blk == m->inode_bitmap ||
	       (blk >= m->inode_table && blk - m->inode_table < g->itable_blocks);
}

int ext2_check_inode(const struct ext2_geom *g, u64 ino, const struct ext2_inode *di,
		     const char **why)
{
	switch (di->i_mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		fail(-EUCLEAN, "inode of no known type");
	}
	if (di->i_links_count == 0)
		fail(-EUCLEAN, "linked inode with a link count of 0");
	if (di->i_file_acl &&
	    (di->i_file_acl < g->first_data_block || di->i_file_acl >= g->blocks_count))
		fail(-EUCLEAN, "extended attribute block beyond the disk");
	u64 size = di->i_size;
	if (S_ISREG(di->i_mode) && g->large_file)
		size |= (u64)di->i_dir_acl << 32;
	if (S_ISREG(di->i_mode) && size > g->max_file_blocks * g->bsize)
		fail(-EUCLEAN, "file larger than its block map can be");
	if (S_ISDIR(di->i_mode) && size < g->bsize)
		fail(-EUCLEAN, "directory without a block");
	if (S_ISLNK(di->i_mode)) {
		/* A fast symlink keeps its target in i_block and owns no data block. */
		bool fast = di->i_blocks == (di->i_file_acl ? g->bsize / 512 : 0);
		if (size == 0 || size >= PATH_MAX || (fast && size >= sizeof di->i_block))
			fail(-EUCLEAN, "symlink with a bad length");
		if (fast && memchr_zero((const char *)di->i_block, (size_t)size))
			fail(-EUCLEAN, "symlink target with a NUL in it");
	}
	(void)ino;
	return 0;
}

int ext2_check_dirent(const u8 *blk, const struct ext2_geom *g, u32 off, u32 *rec_len,
		      const char **why)
{
	u32 bsize = g->bsize;
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
	if (d->inode > g->inodes_count)
		fail(-EUCLEAN, "directory entry with an inode number out of range");
	if (d->inode && d->inode < g->first_ino && d->inode != EXT2_ROOT_INO)
		fail(-EUCLEAN, "directory entry naming a reserved inode");
	if (d->inode && d->name_len == 0)
		fail(-EUCLEAN, "directory entry with an empty name");
	for (u32 i = 0; d->inode && i < d->name_len; i++)
		if (d->name[i] == '/' || d->name[i] == 0)
			fail(-EUCLEAN, "directory entry with '/' or NUL in its name");
	*rec_len = rl;
	return 0;
}
