/*
 * The ext3/ext4 journal (JBD2) as it lies on the disk: the blocks of the
 * journal inode (s_journal_inum, usually 8) read as a circular log. Every
 * journal block starts with a 12-byte header; every number is big-endian
 * (the rest of ext2 is little-endian). From the JBD2 format as e2fsprogs
 * and Linux write it:
 *
 *   block 0            the journal superblock (v1 or v2)
 *   s_first..maxlen-1  the log, wrapping around: per transaction (one
 *                      sequence number) descriptor blocks, each followed
 *                      by the blocks its tags name, revoke blocks, and a
 *                      commit block that makes the transaction count
 *
 * A descriptor's tags each name the file-system block the next log block
 * is a copy of; the first tag in a descriptor is followed by a 16-byte
 * UUID unless it says SAME_UUID. A log block whose first four bytes would
 * read as the magic number is stored with them zeroed (ESCAPE).
 *
 * Only types and constants here, and the parsing of headers, shared by
 * recovery (jbd2_replay.c) and commit (jbd2_commit.c); no state, no I/O.
 */
#pragma once

#include "lib/types.h"

#define JBD2_MAGIC 0xC03B3998U

/* h_blocktype */
enum {
	JBD2_DESCRIPTOR_BLOCK = 1,
	JBD2_COMMIT_BLOCK = 2,
	JBD2_SUPERBLOCK_V1 = 3,
	JBD2_SUPERBLOCK_V2 = 4,
	JBD2_REVOKE_BLOCK = 5,
};

/* Tag flags (t_flags). */
#define JBD2_FLAG_ESCAPE 1    /* the block's first 4 bytes were the magic: stored zeroed */
#define JBD2_FLAG_SAME_UUID 2 /* no UUID follows this tag */
#define JBD2_FLAG_DELETED 4   /* unused (old kernels) */
#define JBD2_FLAG_LAST_TAG 8  /* the descriptor's last tag */

/* Journal features (v2 superblocks). */
#define JBD2_FEATURE_COMPAT_CHECKSUM 0x1	/* commit blocks carry a CRC32 of the transaction */
#define JBD2_FEATURE_INCOMPAT_REVOKE 0x1	/* revoke blocks may appear */
#define JBD2_FEATURE_INCOMPAT_64BIT 0x2		/* tags and revoke records carry 64-bit numbers */
#define JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT 0x4	/* commit blocks written without waiting */
#define JBD2_FEATURE_INCOMPAT_CSUM_V2 0x8	/* CRC32C checksums in every block (v2 tags) */
#define JBD2_FEATURE_INCOMPAT_CSUM_V3 0x10	/* CRC32C checksums (v3 tags) */
#define JBD2_FEATURE_INCOMPAT_FAST_COMMIT 0x20	/* a fast-commit area after the log */
/* What Ferry reads and writes: what mke2fs -t ext3 and tune2fs -j make, and 64-bit tags. */
#define JBD2_KNOWN_INCOMPAT (JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT)
#define JBD2_KNOWN_COMPAT 0u
#define JBD2_KNOWN_RO_COMPAT 0u

#define JBD2_HEADER_SIZE 12
#define JBD2_UUID_SIZE 16
#define JBD2_REVOKE_HEADER 16 /* header and r_count */
#define JBD2_MIN_BLOCKS 1024  /* mke2fs makes no smaller journal */

/* Offsets in the journal superblock (after its header). */
enum {
	JSB_BLOCKSIZE = 0x0C,
	JSB_MAXLEN = 0x10,
	JSB_FIRST = 0x14,
	JSB_SEQUENCE = 0x18,
	JSB_START = 0x1C, /* the log's first block; 0: the journal is empty */
	JSB_ERRNO = 0x20,
	JSB_FEATURE_COMPAT = 0x24, /* v2 from here */
	JSB_FEATURE_INCOMPAT = 0x28,
	JSB_FEATURE_RO_COMPAT = 0x2C,
	JSB_UUID = 0x30,
	JSB_NR_USERS = 0x40,
	JSB_MAX_TRANSACTION = 0x48,
	JSB_NUM_FC_BLOCKS = 0x54,
};

/* Offsets in a commit block (after its header). */
enum {
	JCB_CHKSUM_TYPE = 0x0C,
	JCB_CHKSUM_SIZE = 0x0D,
	JCB_CHKSUM = 0x10,
	JCB_COMMIT_SEC = 0x30,
	JCB_COMMIT_NSEC = 0x38,
};

/* Offset of r_count (bytes used, header included) in a revoke block. */
#define JRB_COUNT 0x0C

static inline u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u64 get_be64(const u8 *p)
{
	return (u64)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static inline void put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void put_be64(u8 *p, u64 v)
{
	put_be32(p, (u32)(v >> 32));
	put_be32(p + 4, (u32)v);
}

/* A block header: magic, type, sequence. */
static inline void jbd2_put_header(u8 *blk, u32 type, u32 seq)
{
	put_be32(blk, JBD2_MAGIC);
	put_be32(blk + 4, type);
	put_be32(blk + 8, seq);
}

/* Bytes of one descriptor tag: block number, (high half,) checksum and flags. */
static inline u32 jbd2_tag_bytes(u32 incompat)
{
	return incompat & JBD2_FEATURE_INCOMPAT_64BIT ? 12 : 8;
}

/* Bytes of one revoke record. */
static inline u32 jbd2_revoke_bytes(u32 incompat)
{
	return incompat & JBD2_FEATURE_INCOMPAT_64BIT ? 8 : 4;
}

/* A journal superblock, checked (jbd2_check_super). */
struct jbd2_super {
	u32 bsize;     /* journal block size: the file system's */
	u32 maxlen;    /* blocks in the journal, superblock included */
	u32 first;     /* the log's first block */
	u32 sequence;  /* the first transaction expected in the log */
	u32 start;     /* the log's start; 0: empty, nothing to replay */
	u32 compat, incompat, ro_compat; /* 0 for v1 */
	u32 version;   /* 1 or 2 */
	u8 uuid[JBD2_UUID_SIZE];
};

/*
 * Check the journal superblock in blk (one journal block) against the
 * file system's block size and the blocks the journal inode has: 0 and
 * *js filled; -EUCLEAN (not a journal superblock, or numbers that do not
 * fit) or -EOPNOTSUPP (features Ferry does not implement), with *why
 * naming the reason. Pure: host-tested.
 */
int jbd2_check_super(const u8 *blk, u32 fs_bsize, u64 inode_blocks, struct jbd2_super *js,
		     const char **why);
