/*
 * Journal recovery's pure part (jbd2_replay.c): from a journal superblock
 * and the log's blocks, the list of block copies a replay must write.
 * The caller owns the I/O: it hands log blocks over through a read
 * function and writes the copies itself (ext2_journal.c).
 */
#pragma once

#include "fs/jbd2_format.h"
#include "lib/string.h"

/*
 * Journal block n (0 .. maxlen-1), bsize bytes, or NULL if the caller
 * does not have it in memory yet: the scan then stops with -EAGAIN and
 * names the block, and the caller reads it and scans again.
 */
typedef const u8 *(*jbd2_read_fn)(void *ctx, u32 n);

/* One block to write back: the newest unrevoked copy of `target`. */
struct jbd2_copy {
	u64 target; /* file-system block */
	u32 logblk; /* journal block holding the copy */
	u32 order;  /* position in the log walk (newer copies later) */
	bool escaped; /* its first four bytes were the magic number */
};

struct jbd2_recovery {
	u32 end_seq;	   /* the first transaction not complete: the next one to write is end_seq + 1 */
	u32 ntxn;	   /* complete transactions found */
	u32 log_blocks;	   /* log blocks they span */
	u32 ncopies;	   /* blocks to write */
	struct jbd2_copy *copies; /* kmalloc'd, sorted by target */
	u32 nrevoked;	   /* copies skipped because a revoke record covers them */
};

/*
 * Walk the log of the journal described by js: 0 and *rec filled (an
 * empty journal gives no copies); -EAGAIN with *missing set when the read
 * function lacks a block; -EUCLEAN (a corrupt log: *why says how) or
 * -ENOMEM. fs_blocks bounds the block numbers tags may name.
 */
int jbd2_recover_scan(const struct jbd2_super *js, jbd2_read_fn rd, void *ctx, u64 fs_blocks,
		      struct jbd2_recovery *rec, u32 *missing, const char **why);
void jbd2_recovery_free(struct jbd2_recovery *rec);
