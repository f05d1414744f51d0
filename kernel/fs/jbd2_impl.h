/*
 * The journal's insides, shared by jbd2.c (handles, buffers, waiting)
 * and jbd2_commit.c (the commit task: opening, committing, checkpointing,
 * closing, power-off); nothing else includes it.
 *
 * Transactions go RUNNING (handles join) -> LOCKED (a commit wants it:
 * only handles that cannot wait still join; it commits when the last
 * handle stops) -> COMMITTING (its buffers' copies taken: a new running
 * transaction may start) -> COMMITTED (in the checkpoint list until every
 * buffer it logged is in place on the disk, or logged again by a newer
 * committed transaction; then its log space is released).
 *
 * A buffer (struct bbuf.j) is in at most one running/locked transaction
 * (run), one committing transaction (commit: the copy being logged) and
 * one committed transaction's checkpoint list (cp). While run or commit
 * is set it is pinned in the block cache (never written in place); the
 * journal holds one cache reference while any of the three is set.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after creation
 *  j  journal.lock
 *  t  the commit task's (only its poll touches it)
 * Lock order: a file system's lock, then journal.lock, then the block
 * cache's lock.
 */
#pragma once

#include "fs/jbd2.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "sched/park.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "sched/waitq.h"

#define JBD2_COMMIT_NS (5UL * 1000000000) /* a transaction commits at most this long after it began */
#define JBD2_RETRY_NS (100UL * 1000000)   /* after running out of memory */

enum { T_RUNNING, T_LOCKED, T_COMMITTING, T_COMMITTED };

struct jtxn {
	u32 tid;		/* [I] its sequence number in the log */
	u32 state;		/* [j] T_* */
	u32 updates;		/* [j] handles open in it */
	u32 credits;		/* [j] buffers those handles may still add */
	u32 nbufs;		/* [j] buffers in bufs */
	struct list_node bufs;	/* [j] struct bbuf by j.run_link, until it commits */
	u64 first_ns;		/* [j] when its first buffer joined (0: none yet) */
	u64 *revoked;		/* [j] metadata blocks it freed */
	u32 nrevoked, revoke_cap; /* [j] */
	bool revoke_lost;	/* [j] a record did not fit: empty the log before committing */
	struct inode **inodes;	/* [j] files whose data goes first (references held) */
	u32 ninodes, inode_cap; /* [j] */
	bool order_all;		/* [j] the list ran out of memory: all dirty data goes first */
	/* Committing, committed: */
	u32 start, nblocks;	/* [j] where its blocks are in the log, and how many */
	struct bbuf **cbufs;	/* [t] the buffers it logs, with their copies */
	u8 **copies;		/* [t] */
	u8 *escaped;		/* [t] per copy: its first word was the magic number */
	u32 ncopies;		/* [t] */
	struct list_node cp;	/* [j] buffers (by j.cp_link) not yet in place */
	struct list_node link;	/* [j] in journal.checkpoint, oldest first */
};

/* One request of log blocks in flight (or the flush). */
struct jio {
	struct blk_request req;
	struct journal *j;
	struct blk_seg segs[BLK_MAX_SEGS];
};

/* A block the commit task writes: a journal block number and the memory it comes from. */
struct jlog {
	u32 blk;
	u8 *data;
};

struct journal {
	struct spinlock lock;
	struct blk_dev *dev;	     /* [I] */
	const char *name;	     /* [I] */
	u32 bsize;		     /* [I] */
	u32 *map;		     /* [I] journal block -> disk block */
	u32 maxlen, first, len;	     /* [I] journal blocks; log blocks first..maxlen-1 (len) */
	u32 incompat;		     /* [I] the journal's incompatible features (64-bit tags) */
	u8 uuid[JBD2_UUID_SIZE];     /* [I] */
	u32 max_txn;		     /* [I] log blocks a transaction may grow to */
	u32 reserve;		     /* [I] log blocks kept for handles that cannot wait */
	const struct jbd2_ops *ops;  /* [I] */
	void *arg;		     /* [I] */

	struct jtxn *running;	     /* [j] the transaction handles join, or NULL */
	struct jtxn *committing;     /* [j] being written to the log, or NULL */
	struct jtxn *spare;	     /* [j] a transaction ready for a handle that cannot wait */
	struct list_node checkpoint; /* [j] committed transactions not yet released, oldest first */
	u32 next_tid;		     /* [j] the id of the next transaction made */
	u32 committed_tid;	     /* [j] every transaction up to this one is durable */
	u32 commit_req;		     /* [j] a transaction someone waits for (commit it soon) */
	bool commit_asked;	     /* [j] commit_req is meaningful */

	/* The log: head is where the next transaction goes; tail what the disk's superblock says. */
	u32 head;		     /* [j] */
	u32 tail, tail_tid;	     /* [j] the log's durable start and its first transaction */
	u32 used;		     /* [j] log blocks from tail to head */
	bool open;		     /* [j] the disk says needs_recovery and the log is in use */
	bool want_open;		     /* [j] a handle waits for the journal to open */
	bool want_space;	     /* [j] a handle waits for log space */
	bool want_close;	     /* [j] an unmount waits for it to close */
	bool closed_ok;		     /* [j] closed since it last opened: the disk says clean */
	u32 undo_count;		     /* [j] block bitmaps with committed copies kept */
	bool fs_released;	     /* [j] the file system let the disk go itself (jbd2_destroy) */
	bool cleanup_done;	     /* [t] ops->cleanup finished */
	bool dying;		     /* [j] its file system is gone: empty it and end */
	bool aborted;		     /* [j] a log write failed: nothing more is committed */
	struct waitq wait;	     /* handles and waiters for commits, space, opening, closing */

	/* The commit task. */
	struct task task;
	struct park park;	     /* [t] where its waits on pages and the ring park */
	struct timer tm;	     /* [t] */
	u32 phase;		     /* [t] what it is doing (jbd2_commit.c) */
	u32 stage;		     /* [t] how far within it */
	u32 step;		     /* [t] how far within a stage's I/O */
	u32 progress;		     /* [t] ordered files done */
	u64 from;		     /* [t] the page the ordered wait is at */
	struct jlog sblog;	     /* [t] the superblock as a block to write */
	struct jlog cblog;	     /* [t] the commit block */
	u8 **meta;		     /* [t] the committing transaction's revoke and descriptor blocks */
	u32 nmeta;		     /* [t] */
	struct jlog *logv;	     /* [t] blocks to write in this phase */
	u32 nlog, sent;		     /* [t] */
	u32 io_pending;		     /* [a] requests in flight */
	int io_error;		     /* [a] */
	struct jio flush;	     /* [t] */
	u8 *sbuf;		     /* [t] the journal superblock as written */
	u32 cp_tail, cp_tid, cp_used; /* [t] the log start a checkpoint makes durable */
	bool cp_stuck;		     /* [j] the last checkpoint freed nothing: only a commit can help */
	struct list_node all;	     /* [jbd2 list lock] in the list of journals (power-off) */

	u64 commits, blocks_logged, checkpoints; /* [j] */
	u64 blocks_written;			 /* [t] journal blocks written */
};

/* ---- jbd2.c ---- */

/* Log blocks a transaction of nbufs buffers and nrevoked revokes takes. */
u32 jbd2_log_blocks(struct journal *j, u32 nbufs, u32 nrevoked);
/* Free log blocks (j->lock held). */
static inline u32 jbd2_free_locked(struct journal *j)
{
	return j->len - j->used;
}
/* A fresh running transaction (j->lock held; from the spare if allocation fails). */
struct jtxn *jbd2_new_txn_locked(struct journal *j);
void jbd2_free_txn(struct jtxn *t);
/* Wake everything waiting on the journal. */
void jbd2_wake(struct journal *j);
/* Closed, or could close: nothing running, committing or waiting to be in place (lock held). */
bool jbd2_quiet_locked(struct journal *j);
/* Someone waits for transaction tid (j->lock held): commit it soon. */
void jbd2_ask_commit_locked(struct journal *j, u32 tid);
/* Does transaction a come before b (sequence numbers wrap)? */
static inline bool tid_before(u32 a, u32 b)
{
	return (i32)(a - b) < 0;
}

/* ---- jbd2_commit.c ---- */

enum poll_result jbd2_task_poll(struct task *t);
void jbd2_task_done(struct task *t);
/* Register j for power-off (and take it off again). */
void jbd2_list_add(struct journal *j);
void jbd2_list_remove(struct journal *j);
