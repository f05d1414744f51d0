/*
 * The journal of a file system on a block device, in the ext3 format
 * (JBD2, jbd2_format.h): what ext2 uses to make its metadata changes
 * atomic. The file system groups each change in a handle; handles join
 * the one running transaction; a commit task (a future of its own)
 * writes a transaction's blocks to the log with a commit block, after
 * which the blocks may be written in place (checkpointed) and their log
 * space reused. A power cut leaves every transaction committed or not at
 * all; mount replays the committed ones (jbd2_replay.c, ext2_journal.c).
 *
 * Ordered data: before a transaction's commit block, the dirty pages of
 * the files it grew or mapped blocks for are written (jbd2_order_inode),
 * so metadata never points at blocks whose data is not on the disk.
 *
 * What the file system must do:
 *  - change metadata only between jbd2_start and jbd2_stop, calling
 *    jbd2_dirty for every block buffer it changed (instead of
 *    bcache_dirty); the handle is the core's until stopped: nothing in
 *    between may park (invariant 3: gather first, then start, change,
 *    stop). A handle started on a core that has one open on the same
 *    journal nests in it (one transaction).
 *  - jbd2_revoke every metadata block it frees, so a replay never writes
 *    an old copy of it over what the block holds later.
 *  - before clearing bits of a block bitmap, jbd2_undo_save it, and never
 *    allocate a block jbd2_undo_busy says was in use at the last commit:
 *    a block freed by a transaction not yet committed keeps its old
 *    contents until the free is durable.
 *
 * Waiting: jbd2_start parks (-ERESTART_PARK) only when it may, and only
 * for journal space or while a commit takes the transaction; a caller
 * that cannot park (evicting an inode) always joins. jbd2_commit_wait
 * parks until a transaction is durable.
 */
#pragma once

#include "dev/blk.h"
#include "fs/bcache.h"
#include "fs/jbd2_format.h"
#include "lib/types.h"

struct journal;
struct jtxn;
struct inode;

/*
 * What the file system does for its journal: change its superblock in
 * the block cache and mark it dirty, without waiting (the journal then
 * writes and flushes it, and only then goes on). Called by the commit
 * task, or at power-off.
 */
struct jbd2_ops {
	/* Before the first commit after mounting or closing: say it needs recovery (ext3's flag). */
	void (*open)(void *arg);
	/* The log is empty on the disk: say the file system is clean. */
	void (*close)(void *arg);
	/*
	 * Once opened after mounting: work of the file system's that may park
	 * (the task's own park) and changes it in handles that join without
	 * waiting (freeing the orphans a crash left). 1: call again when woken;
	 * 0: done. NULL: none.
	 */
	int (*cleanup)(void *arg);
};

struct jbd2_config {
	struct blk_dev *dev;
	const char *name;	  /* for messages: the disk's */
	u32 bsize;		  /* the file system's block size */
	u32 *map;		  /* journal block -> disk block, maxlen entries: the journal takes it */
	struct jbd2_super js;	  /* the checked superblock; start 0 (empty, replayed) */
	u32 next_seq;		  /* the first transaction to write */
	u32 reserve;		  /* log blocks kept for handles that cannot wait (evict) */
	const struct jbd2_ops *ops;
	void *arg;
};

/* A change in progress: lives on the caller's stack between start and stop. */
struct jhandle {
	struct journal *j;
	struct jtxn *t;
	struct jhandle *outer; /* the handle this core had open before (nesting) */
	u32 credits;
	bool nested;
	bool kick; /* the task has something new to look at when it stops */
};

/* A journal for a mounted file system, closed until its task opens it; NULL: out of memory. */
struct journal *jbd2_create(const struct jbd2_config *cfg);
/*
 * The file system is gone (unmounted): once the journal is empty, its
 * task ends and frees it; a journal left open is committed and emptied
 * first (then its disk is released: dev->claimed). True if the journal
 * was closed already (the caller may release the disk itself).
 */
bool jbd2_destroy(struct journal *j);

/*
 * Open a handle for a change of up to `credits` buffers. 0; with
 * may_park, -ERESTART_PARK (parked: for log space or a commit) or
 * -ENOMEM. Without may_park it always joins.
 */
int jbd2_start(struct journal *j, struct jhandle *h, u32 credits, bool may_park);
void jbd2_stop(struct jhandle *h);
/* The handle this core has open on j, or NULL. */
struct jhandle *jbd2_current(struct journal *j);
/* b (referenced by the caller) was changed under this core's handle on j. */
void jbd2_dirty(struct journal *j, struct bbuf *b);
/* Block blk (a metadata block) is freed under this core's handle. */
void jbd2_revoke(struct journal *j, u64 blk);
/*
 * Bit `bit` of block bitmap b is about to be cleared under this core's
 * handle: the block stays in use for allocation until the transaction
 * commits. 0, or -ENOMEM (then free nothing).
 */
int jbd2_undo_save(struct journal *j, struct bbuf *b, u32 bit);
/* Was bit i of block bitmap b set at the last commit (the block may not be reused yet)? */
bool jbd2_undo_busy(struct journal *j, struct bbuf *b, u32 i);
/* Are frees waiting for a commit (a full disk may have room once they commit)? */
bool jbd2_frees_pending(struct journal *j);
/*
 * Does a transaction not yet committed hold a file whose last link is
 * gone (its blocks are freed only once that transaction commits and lets
 * it go)? Then *tid is that transaction.
 */
bool jbd2_unlinked_held(struct journal *j, u32 *tid);
/* ip's data must be on the disk before this handle's transaction commits (ordered mode). */
void jbd2_order_inode(struct journal *j, struct inode *ip);
/*
 * ip's last link went in this core's handle's transaction: its data need
 * not go first any more (if that transaction commits, the file is an
 * orphan or freed; if not, nothing of it is on the disk). Takes ip off
 * the transaction's list and returns how many references the caller is
 * to drop (inode_put) once it holds no lock: the file is then freed as
 * soon as nobody has it open, rather than when the transaction commits.
 */
u32 jbd2_unorder_inode(struct journal *j, struct inode *ip);
/* The transaction this core's handle on j belongs to. */
u32 jbd2_handle_tid(struct journal *j);

/*
 * Wait until transaction tid is durable (asking for its commit): 0 when
 * it is; -ERESTART_PARK (parked); -EIO after a failed commit.
 */
int jbd2_commit_wait(struct journal *j, u32 tid);
/* The running transaction's id, or the last committed one's if it is empty. */
u32 jbd2_sync_tid(struct journal *j);
/*
 * Unmount: commit, write everything in place and close the journal
 * (ops->close). 0 when closed; -ERESTART_PARK (parked); -EIO.
 */
int jbd2_close_wait(struct journal *j);

/* The journal's figures for /proc and tests. */
struct jbd2_stats {
	u32 committed_tid;
	u64 commits, blocks_logged, checkpoints;
	u32 log_len, log_used;
};
void jbd2_get_stats(struct journal *j, struct jbd2_stats *s);
