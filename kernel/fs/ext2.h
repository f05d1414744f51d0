/*
 * ext2 (revision 0 and 1, 1, 2 and 4 KiB blocks), read and write: the
 * on-disk structures from the ext2 specification, mounting a disk's
 * file system, and the boot path that makes it the root ("root=/dev/vda").
 * All disk access goes through the block cache; a miss parks the caller
 * (a system call's thread, or the boot task: whatever task has a park) and
 * returns -ERESTART_PARK, so every operation is restartable (invariant 3).
 */
#pragma once

#include "dev/blk.h"
#include "fs/vfs.h"
#include "sched/task.h"
#include "sched/waitq.h"

#define EXT2_SUPER_OFFSET 1024 /* the superblock sits at byte 1024, whatever the block size */
#define EXT2_SUPER_MAGIC 0xEF53
#define EXT2_ROOT_INO 2
#define EXT2_GOOD_OLD_REV 0
#define EXT2_DYNAMIC_REV 1
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO 11
#define EXT2_NDIR_BLOCKS 12 /* i_block[0..11] direct, then single, double, triple indirect */
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_N_BLOCKS 15
#define EXT2_NAME_LEN 255
#define EXT2_DIRENT_HEADER 8 /* inode, rec_len, name_len, file_type */

/* Feature flags (s_feature_*). */
#define EXT2_FEATURE_COMPAT_HAS_JOURNAL 0x0004 /* an ext3 journal (ext2_journal.c) */
#define EXT2_FEATURE_COMPAT_EXT_ATTR 0x0008    /* extended attribute blocks (i_file_acl) */
#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010 /* reserved GDT blocks, marked used */
#define EXT2_FEATURE_COMPAT_DIR_INDEX 0x0020 /* htree: readable as a linear directory */
#define EXT2_FEATURE_INCOMPAT_COMPRESSION 0x0001
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002 /* file type byte in directory entries */
#define EXT2_FEATURE_INCOMPAT_RECOVER 0x0004  /* ext3 journal needs recovery */
#define EXT2_FEATURE_INCOMPAT_JOURNAL_DEV 0x0008
#define EXT2_FEATURE_INCOMPAT_META_BG 0x0010
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002 /* i_dir_acl holds a regular file's high size */
#define EXT2_FEATURE_RO_COMPAT_BTREE_DIR 0x0004	 /* never used */
/* RECOVER is checked with the journal (ext2_journal.c): replayed, or the mount refused. */
#define EXT2_INCOMPAT_SUPPORTED (EXT2_FEATURE_INCOMPAT_FILETYPE | EXT2_FEATURE_INCOMPAT_RECOVER)
#define EXT2_RO_COMPAT_SUPPORTED                                                                   \
	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE |                 \
	 EXT2_FEATURE_RO_COMPAT_BTREE_DIR)

#define EXT2_INDEX_FL 0x1000 /* i_flags: the directory has a hashed (htree) index */
#define EXT2_EXTENTS_FL 0x80000 /* i_flags: mapped by extents (ext4), not block maps */

/* s_state */
#define EXT2_VALID_FS 0x0001 /* unmounted cleanly */
#define EXT2_ERROR_FS 0x0002 /* errors found */

/* Directory entry file types (with the FILETYPE feature). */
enum {
	EXT2_FT_UNKNOWN,
	EXT2_FT_REG_FILE,
	EXT2_FT_DIR,
	EXT2_FT_CHRDEV,
	EXT2_FT_BLKDEV,
	EXT2_FT_FIFO,
	EXT2_FT_SOCK,
	EXT2_FT_SYMLINK
};

/* The superblock, little-endian, at byte 1024 (the fields Ferry reads or writes). */
struct ext2_super {
	u32 s_inodes_count;
	u32 s_blocks_count;
	u32 s_r_blocks_count;
	u32 s_free_blocks_count;
	u32 s_free_inodes_count;
	u32 s_first_data_block;
	u32 s_log_block_size; /* block size = 1024 << this */
	u32 s_log_frag_size;
	u32 s_blocks_per_group;
	u32 s_frags_per_group;
	u32 s_inodes_per_group;
	u32 s_mtime;
	u32 s_wtime;
	u16 s_mnt_count;
	u16 s_max_mnt_count;
	u16 s_magic;
	u16 s_state;
	u16 s_errors;
	u16 s_minor_rev_level;
	u32 s_lastcheck;
	u32 s_checkinterval;
	u32 s_creator_os;
	u32 s_rev_level;
	u16 s_def_resuid;
	u16 s_def_resgid;
	/* EXT2_DYNAMIC_REV */
	u32 s_first_ino;
	u16 s_inode_size;
	u16 s_block_group_nr;
	u32 s_feature_compat;
	u32 s_feature_incompat;
	u32 s_feature_ro_compat;
	u8 s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	u32 s_algorithm_usage_bitmap;
	u8 s_prealloc_blocks;
	u8 s_prealloc_dir_blocks;
	u16 s_reserved_gdt_blocks;
	/* ext3 */
	u8 s_journal_uuid[16];
	u32 s_journal_inum; /* the journal's inode (usually 8) */
	u32 s_journal_dev;
	u32 s_last_orphan; /* first inode of the list of inodes to free or truncate at mount */
	u32 s_hash_seed[4];
	u8 s_def_hash_version;
	u8 s_jnl_backup_type;
	u16 s_desc_size;
	u32 s_default_mount_opts;
	u32 s_first_meta_bg;
	u32 s_mkfs_time;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct ext2_super, s_journal_inum) == 0xE0,
	       "s_journal_inum at 0xE0");
_Static_assert(__builtin_offsetof(struct ext2_super, s_mkfs_time) == 0x108, "s_mkfs_time at 0x108");

/* One block group descriptor; the table starts in the block after the superblock's. */
struct ext2_group_desc {
	u32 bg_block_bitmap;
	u32 bg_inode_bitmap;
	u32 bg_inode_table;
	u16 bg_free_blocks_count;
	u16 bg_free_inodes_count;
	u16 bg_used_dirs_count;
	u16 bg_pad;
	u8 bg_reserved[12];
} __attribute__((packed));

/* An inode's first 128 bytes (s_inode_size may be larger; the rest is not read). */
struct ext2_inode {
	u16 i_mode;
	u16 i_uid;
	u32 i_size;
	u32 i_atime;
	u32 i_ctime;
	u32 i_mtime;
	u32 i_dtime;
	u16 i_gid;
	u16 i_links_count;
	u32 i_blocks; /* 512-byte units */
	u32 i_flags;
	u32 i_osd1;
	u32 i_block[EXT2_N_BLOCKS];
	u32 i_generation;
	u32 i_file_acl;
	u32 i_dir_acl; /* size_high for regular files (LARGE_FILE) */
	u32 i_faddr;
	u8 i_osd2[12]; /* Linux: frag, fsize, pad, uid_high, gid_high, reserved */
} __attribute__((packed));

struct ext2_dirent {
	u32 inode; /* 0: unused entry */
	u16 rec_len;
	u8 name_len;
	u8 file_type;
	char name[];
} __attribute__((packed));

_Static_assert(sizeof(struct ext2_inode) == 128, "ext2 inode is 128 bytes");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "ext2 group descriptor is 32 bytes");

/* ---- pure checks (ext2_check.c; host-tested) ---- */

/* What a superblock says, once checked. */
struct ext2_geom {
	u32 bsize, inodes_count, blocks_count, first_data_block;
	u32 blocks_per_group, inodes_per_group, ngroups, inode_size, first_ino;
	u32 gdt_blocks;	   /* blocks of group descriptors */
	u32 reserved_gdt;  /* RESIZE_INODE: blocks reserved after each copy of them */
	u32 itable_blocks; /* inode-table blocks per group */
	u32 incompat, ro_compat;
	bool large_file;
	bool sparse_super; /* superblock copies only in groups 0, 1 and powers of 3, 5, 7 */
	u64 max_file_blocks; /* what the block map reaches through triple indirect */
};

/* Where a group's metadata lies (checked by ext2_check_group: inside the group). */
struct ext2_groupmeta {
	u32 block_bitmap, inode_bitmap, inode_table;
};
/*
 * Check a superblock against the device's size in bytes: 0 and *g filled,
 * or -EINVAL (not ext2: bad magic) / -EUCLEAN (inconsistent numbers) /
 * -EOPNOTSUPP (features not implemented), with *why naming the reason.
 */
int ext2_check_super(const struct ext2_super *s, u64 dev_bytes, struct ext2_geom *g,
		     const char **why);
/*
 * Check group n's descriptor: its bitmaps and inode table lie inside the
 * group (no flex_bg), apart from each other and from the superblock and
 * descriptor copies at the group's start; its free counts fit the group.
 */
int ext2_check_group(const struct ext2_geom *g, u32 n, const struct ext2_group_desc *gd,
		     const char **why);
/* Does group n keep a copy of the superblock and the descriptors? */
bool ext2_group_has_super(const struct ext2_geom *g, u32 n);
/*
 * Is blk a block no file may point to: a superblock or descriptor copy, a
 * bitmap, the inode table (gm: every group's metadata)? Out of range too.
 */
bool ext2_block_is_meta(const struct ext2_geom *g, const struct ext2_groupmeta *gm, u32 blk);
/*
 * Check the directory entry at off in a block of g->bsize bytes: 0 with
 * the entry's rec_len in *rec_len, or -EUCLEAN (rec_len < 8 + name_len,
 * not a multiple of 4, overrunning the block; an inode number out of
 * range or reserved; a name that is empty or holds '/' or NUL).
 */
int ext2_check_dirent(const u8 *blk, const struct ext2_geom *g, u32 off, u32 *rec_len,
		      const char **why);
/*
 * Check an inode read from the table (number ino): a known type, linked,
 * sizes its kind allows (a symlink's target, a regular file within the
 * block map, a directory of whole blocks, not empty). 0 or -EUCLEAN.
 */
int ext2_check_inode(const struct ext2_geom *g, u64 ino, const struct ext2_inode *di,
		     const char **why);

/* ---- mounting (ext2.c) ---- */

/*
 * Mount dev's ext2 file system (read-only if rdonly): 0 and *out;
 * -ERESTART_PARK (parked as ext2_wait says) while blocks are read: call
 * again when woken; or -errno with a console message (-EBUSY: dev is
 * already mounted). Restartable: it changes nothing until it succeeds.
 * The superblock's destroy (after umount) gives the disk back.
 */
int ext2_mount_dev(struct blk_dev *dev, bool rdonly, struct superblock **out);

/* The disk "/dev/vda", "vda" or "virtio0" names; NULL if there is none. */
struct blk_dev *ext2_find_device(const char *name);
/* mount(2) with type "ext2": as ext2_mount_dev for the disk source names (-ENOENT: none). */
int ext2_mount_source(const char *source, bool rdonly, const char *options,
		      struct superblock **out);

/*
 * The root from "root=": one step of mounting it with devfs on /dev and
 * reading init into the cache. PENDING while the disk works (the calling
 * task, which has a park, is parked), READY when done or when it failed
 * (the initrd root stays).
 */
enum poll_result ext2_root_step(void);
