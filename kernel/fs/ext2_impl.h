/*
 * ext2's insides, shared by ext2.c (mounting, inodes, reading) and
 * ext2_write.c (allocation and every change); nothing else includes it.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after mount / after the inode is read
 *  s  ext2_fs.lock: the in-memory inode table, the pinned metadata's
 *     contents, directory blocks and block maps being changed, and (with
 *     the inode's own lock, taken inside it) an inode's size, times, links
 *  a  atomic
 */
#pragma once

#include "fs/bcache.h"
#include "fs/ext2.h"

#define IHASH 256
#define READAHEAD_BLOCKS 64 /* blocks started ahead of a file read that misses */
#define MAX_ERROR_MESSAGES 16
#define MAX_RW_GROUPS 256 /* a writable mount pins 2 bitmaps per group */

struct ext2_fs {
	struct superblock sb;
	struct spinlock lock;
	struct blk_dev *dev;	       /* [I] */
	struct ext2_geom g;	       /* [I] */
	u32 *itable;		       /* [I] per group: first inode-table block */
	struct list_node ihash[IHASH]; /* [s] struct ext2_inode_mem by number */
	u32 errors;		       /* [a] corruption messages printed */
	/*
	 * Writable mounts keep the metadata every allocation touches pinned
	 * in the cache (references held for the mount's life), so allocating
	 * and freeing never wait: the superblock's block, the group
	 * descriptor blocks, and each group's two bitmaps. Contents: [s].
	 */
	bool rw;		  /* [I] */
	u32 time_base;		  /* [I] seconds: the superblock's last write or mount time */
	u32 r_blocks;		  /* [I] blocks reserved for root (statfs's bavail) */
	u32 ro_free_blocks;	  /* [I] read-only mounts: the counts never change */
	u32 ro_free_inodes;	  /* [I] */
	struct bbuf *sbuf;	  /* [I] the block holding the superblock */
	u32 sboff;		  /* [I] its offset there */
	struct bbuf **gdb;	  /* [I] gdt_blocks of them */
	struct bbuf **bbm, **ibm; /* [I] per group: block and inode bitmaps */
};

struct ext2_inode_mem {
	struct inode vfs;
	struct list_node hnode;	  /* [s] */
	u32 block[EXT2_N_BLOCKS]; /* [s] i_block: block map or fast symlink (readers: atomic words)
				   */
	bool fast_symlink;	  /* [I] */
	struct bbuf *itb;	  /* [I] its inode-table block, pinned while in memory */
	u32 ioff;		  /* [I] its offset there */
};

static inline struct ext2_group_desc *GD(struct ext2_fs *fs, u32 g)
{
	u32 per = fs->g.bsize / sizeof(struct ext2_group_desc);
	return (struct ext2_group_desc *)fs->gdb[g / per]->data + g % per;
}

static inline struct ext2_super *SB(struct ext2_fs *fs)
{
	return (struct ext2_super *)(fs->sbuf->data + fs->sboff);
}

extern const struct inode_ops ext2_ops;

static inline struct ext2_fs *FS(struct inode *ip)
{
	return container_of(ip->sb, struct ext2_fs, sb);
}

static inline struct ext2_inode_mem *EI(struct inode *ip)
{
	return container_of(ip, struct ext2_inode_mem, vfs);
}

/*
 * How a block read may wait: io NULL or !io->nopark: on a miss, park and
 * return -ERESTART_PARK. io->nopark (progress made, or a fs lock held):
 * start the read, note the block in io->miss and return -EAGAIN.
 */
struct ioctx {
	bool nopark;
	u64 miss;
};

/* ext2.c */
/* Corrupt data: one console message each (up to a bound), and -EUCLEAN. Any lock may be held. */
int ext2_corrupt(struct ext2_fs *fs, const char *what, u64 n);
/* Park on q (locked by the block cache) and unlock it; -ERESTART_PARK, or -EAGAIN if no one can
 * park. */
int ext2_wait(struct waitq *q);
/* Block blk, referenced; a miss parks or not as io says. Out-of-range numbers: -EUCLEAN. */
int ext2_bread(struct ext2_fs *fs, u64 blk, struct bbuf **b, struct ioctx *io);
/* The disk block of logical block lblk of ip (0: a hole). */
int ext2_bmap(struct inode *ip, u64 lblk, u32 *pblk, struct ioctx *io);
/* Inode ino, a reference: from memory, or read (parking) and checked. */
int ext2_iget(struct ext2_fs *fs, u64 ino, struct inode **out);
int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);
u32 ext2_ihash(u64 ino);

/* ext2_write.c: the changing inode operations (see there) */
int ext2_mknod(struct inode *dir, const char *name, size_t len, u32 mode, kdev_t rdev,
	       struct inode **out);
int ext2_symlink(struct inode *dir, const char *name, size_t len, const char *target,
		 struct inode **out);
int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *ip);
int ext2_unlink(struct inode *dir, const char *name, size_t len, bool rmdir);
int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		const char *nname, size_t nlen, unsigned flags);
ssize_t ext2_write(struct inode *ip, struct uio *u, u64 off, bool append, u64 *end);
int ext2_truncate(struct inode *ip, u64 size);
void ext2_evict(struct inode *ip);
