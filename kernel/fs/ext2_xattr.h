/*
 * ext2's extended attributes on the disk, the format alone (pure code,
 * ext2_xattr_fmt.c; host-tested): the attribute block i_file_acl points
 * to, and the area of a large inode after i_extra_isize, as Linux's ext2
 * and ext4 and e2fsprogs lay them out. Both are a table of entries
 * (sorted by namespace, name length and name), ended by four zero bytes,
 * with the values packed at the area's end, each padded to 4 bytes. The
 * block starts with a 32-byte header (magic, reference count, hash); the
 * inode's area with the magic alone. ext2_xattr.c reads and writes them.
 */
#pragma once

#include "lib/types.h"

#define EXT2_XATTR_MAGIC 0xEA020000u
#define EXT2_XATTR_HDR 32  /* the block's header; its entries follow */
#define EXT2_XATTR_ENTRY 16 /* an entry's fixed part; the name follows */
#define EXT2_XATTR_PAD 4

struct ext2_xattr_header {
	u32 h_magic;
	u32 h_refcount; /* inodes sharing the block */
	u32 h_blocks;	/* always 1 */
	u32 h_hash;	/* of the entries' hashes */
	u32 h_checksum; /* ext4's metadata_csum; 0 here */
	u32 h_reserved[3];
} __attribute__((packed));

struct ext2_xattr_entry {
	u8 e_name_len;
	u8 e_name_index; /* the namespace: XATTR_NS_* */
	u16 e_value_offs; /* from the block's start, or the inode area's first entry */
	u32 e_value_inum; /* ext4's ea_inode feature: never here */
	u32 e_value_size;
	u32 e_hash;
	char e_name[];
} __attribute__((packed));

_Static_assert(sizeof(struct ext2_xattr_header) == EXT2_XATTR_HDR, "xattr header");
_Static_assert(sizeof(struct ext2_xattr_entry) == EXT2_XATTR_ENTRY, "xattr entry");

/* One attribute while a set is read or changed; name and value point into the areas or the caller's. */
struct ext2_xattr {
	u8 ns, nlen;
	bool inbody; /* in the inode's area, not the block */
	const char *name;
	const u8 *value;
	u32 vsize;
};

/* An inode's attributes, sorted as the block's table is. cap: see ext2_xattr_cap. */
struct ext2_xattrs {
	struct ext2_xattr *v;
	u32 n, cap;
};

/* The most entries a block of bsize and an inode area of ilen bytes hold, plus one being added. */
static inline u32 ext2_xattr_cap(u32 bsize, u32 ilen)
{
	return (bsize + ilen) / (EXT2_XATTR_ENTRY + EXT2_XATTR_PAD) + 1;
}

/*
 * Read the entries of an area of len bytes whose table starts at first
 * (the block: EXT2_XATTR_HDR; the inode's area, its magic left out: 0);
 * value offsets count from area. Each is added to set (inbody marked),
 * in sorted place. 0, or -EUCLEAN with *why: a table running off the
 * area, an empty name, a value outside the area or over the table or
 * another value, a value in an inode (ea_inode), a name met twice.
 */
int ext2_xattr_parse(const u8 *area, u32 len, u32 first, bool inbody, struct ext2_xattrs *set,
		     const char **why);
/* Where name would be in set: its index, *found if it is there. */
u32 ext2_xattr_find(const struct ext2_xattrs *set, u8 ns, const char *name, u8 nlen, bool *found);
/* Bytes the entries with this inbody take in an area whose table starts at first (0: none). */
u32 ext2_xattr_room(const struct ext2_xattrs *set, bool inbody, u32 first);
/*
 * Write the entries with this inbody into area (len bytes, zeroed from
 * first on: the caller writes the header or magic before it), with their
 * hashes; the block's hash of them is returned. The caller checked the
 * room. Names and values must not point into area.
 */
u32 ext2_xattr_build(u8 *area, u32 len, u32 first, bool inbody, const struct ext2_xattrs *set);
