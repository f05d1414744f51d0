/*
 * The journal's commit task (see jbd2.h, jbd2_impl.h): one future per
 * journal that opens the log, commits transactions, checkpoints and
 * closes, one phase at a time, each a short sequence of steps that either
 * go on or wait: for its own writes and flushes (their completions wake
 * it), for room in the disk's ring or for file pages being written (it
 * parks on them with its own park, like a system call), or for a timer
 * (a transaction commits at most JBD2_COMMIT_NS after its first change).
 * At power-off the same steps run by polling the disks.
 *
 * A commit writes, in order: the data pages of the files the transaction
 * grew (ordered mode), the log blocks (revoke blocks, then descriptors
 * each followed by the copies they tag), a flush, the commit block, and
 * another flush; only then are the buffers marked dirty for write-back
 * to their places. A checkpoint writes back everything the block cache
 * owes the disk, flushes, and moves the log's start past the committed
 * transactions that are now in place, in the journal superblock
 * (written and flushed before the log space is reused).
 *
 * The task's fields are its own ([t]); what it shares with handles is
 * under journal.lock (jbd2_impl.h).
 */
#include "fs/jbd2_impl.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "vm/writeback.h"

#define SHUTDOWN_NS (3UL * 1000000000) /* a journal that cannot finish in 3 s at power-off is left */

enum { PH_IDLE, PH_OPEN, PH_CLEANUP, PH_COMMIT, PH_CHECKPOINT, PH_CLOSE };
enum { GO, WAIT, EXIT };

static struct spinlock list_lock = SPINLOCK_INIT;
static struct list_node journals = LIST_INIT(journals); /* [list_lock] every journal, for power-off */
static bool registered;					/* [list_lock] */
static bool polled;					/* [I after power-off begins] */

/* ---- I/O: log blocks, the superblock and flushes, completed from interrupts ---- */

static void jio_done(struct blk_request *r)
{
	struct jio *io = r->priv;
	struct journal *j = io->j;
	if (r->status)
		__atomic_store_n(&j->io_error, -EIO, __ATOMIC_RELAXED);
	if (io != &j->flush)
		kfree(io);
	/* Under the lock: the task ends (and frees j) only once none is in flight. */
	spin_lock(&j->lock);
	j->io_pending--;
	if (!polled)
		task_wake(&j->task);
	spin_unlock(&j->lock);
}

static u32 io_pending(struct journal *j)
{
	spin_lock(&j->lock);
	u32 n = j->io_pending;
	spin_unlock(&j->lock);
	return n;
}

/* A write of the journal failed: nothing more is committed, and the file system says so. */
static void abort_journal(struct journal *j, const char *what)
{
	spin_lock(&j->lock);
	bool first = !j->aborted;
	j->aborted = true;
	spin_unlock(&j->lock);
	if (first)
		pr_err("jbd2 %s: %s failed: the journal is stopped, changes are no longer written "
		       "(run e2fsck)\n",
		       j->name, what);
	jbd2_wake(j);
}

/*
 * Start the writes of logv[sent..nlog), adjacent disk blocks in one
 * request: 0 when all are started; 1 to wait (parked for ring room, or
 * polled); -EIO or -ENOMEM.
 */
static int send_log(struct journal *j)
{
	u32 per = j->bsize >> BLK_SECTOR_SHIFT;
	u32 most = MIN((u32)BLK_MAX_SEGS, MAX(j->dev->max_segs, 1u));
	most = MIN(most, j->dev->max_sectors / per);
	while (j->sent < j->nlog) {
		struct jio *io = knew(struct jio);
		if (!io)
			return -ENOMEM;
		u64 start = j->map[j->logv[j->sent].blk];
		u32 n = 0;
		while (j->sent + n < j->nlog && n < most &&
		       j->map[j->logv[j->sent + n].blk] == start + n) {
			io->segs[n] = (struct blk_seg){virt_to_phys(j->logv[j->sent + n].data), j->bsize};
			n++;
		}
		io->j = j;
		io->req = (struct blk_request){.op = BLK_WRITE,
					       .sector = start * per,
					       .count = n * per,
					       .segs = io->segs,
					       .nsegs = n,
					       .done = jio_done,
					       .priv = io};
		spin_lock(&j->lock);
		j->io_pending++;
		spin_unlock(&j->lock);
		struct waitq *ring = NULL;
		int r = j->dev->submit(j->dev, &io->req, polled ? NULL : &ring);
		if (r == 0) {
			j->sent += n;
			j->blocks_written += n;
			continue;
		}
		spin_lock(&j->lock);
		j->io_pending--;
		spin_unlock(&j->lock);
		kfree(io);
		if (r == -ERESTART_PARK) {
			park_on(ring);
			spin_unlock(&ring->lock);
			return 1;
		}
		return r == -EAGAIN ? 1 : -EIO;
	}
	return 0;
}

/* Send a flush of the disk's write cache: 0 (sent, or nothing to flush), 1 (wait), -EIO. */
static int send_flush(struct journal *j)
{
	j->flush = (struct jio){.j = j};
	j->flush.req = (struct blk_request){.op = BLK_FLUSH, .done = jio_done, .priv = &j->flush};
	spin_lock(&j->lock);
	j->io_pending++;
	spin_unlock(&j->lock);
	struct waitq *ring = NULL;
	int r = j->dev->submit(j->dev, &j->flush.req, polled ? NULL : &ring);
	if (r == 0)
		return 0;
	spin_lock(&j->lock);
	j->io_pending--;
	spin_unlock(&j->lock);
	if (r == 1)
		return 0; /* no volatile write cache */
	if (r == -ERESTART_PARK) {
		park_on(ring);
		spin_unlock(&ring->lock);
		return 1;
	}
	return r == -EAGAIN ? 1 : -EIO;
}

/* Wait for the writes and flushes in flight: 0 when none is (and none failed), 1, -EIO. */
static int wait_io(struct journal *j)
{
	if (io_pending(j))
		return 1;
	return __atomic_exchange_n(&j->io_error, 0, __ATOMIC_RELAXED);
}

/* Everything the block cache owes the disk, written and flushed: 0, 1 (wait), -EIO. */
static int sync_dev(struct journal *j)
{
	if (polled)
		return bcache_sync_polled(j->dev, tsc_ns() + SHUTDOWN_NS) == 0 ? 0 : -EIO;
	struct waitq *q;
	int r = bcache_sync(j->dev, &q);
	if (r == -ERESTART_PARK) {
		park_on(q);
		spin_unlock(&q->lock);
		return 1;
	}
	return r;
}

/*
 * Write the journal superblock saying the log starts at `start` (0:
 * empty) with transaction `seq`, then flush, as steps of j->step (0 to
 * begin). 0 when durable, 1 to wait, -EIO.
 */
static int write_super(struct journal *j, u32 start, u32 seq)
{
	int r;
	switch (j->step) {
	case 0:
		put_be32(j->sbuf + JSB_SEQUENCE, seq);
		put_be32(j->sbuf + JSB_START, start);
		put_be32(j->sbuf + JSB_ERRNO, 0);
		j->sblog = (struct jlog){0, j->sbuf};
		j->logv = &j->sblog;
		j->nlog = 1;
		j->sent = 0;
		j->step = 1;
		/* fall through */
	case 1:
		if ((r = send_log(j)) != 0)
			return r;
		j->step = 2;
		/* fall through */
	case 2:
		if ((r = wait_io(j)) != 0)
			return r;
		j->step = 3;
		/* fall through */
	case 3:
		if ((r = send_flush(j)) != 0)
			return r;
		j->step = 4;
		/* fall through */
	case 4:
		if ((r = wait_io(j)) != 0)
			return r;
		j->logv = NULL;
		return 0;
	}
	return -EIO;
}

/* ---- committing ---- */

static void free_commit_memory(struct journal *j, struct jtxn *t)
{
	for (u32 k = 0; j->meta && k < j->nmeta; k++)
		kfree(j->meta[k]);
	for (u32 i = 0; t->copies && i < t->ncopies; i++)
		kfree(t->copies[i]);
	kfree(j->meta);
	kfree(j->cblog.data);
	kfree(j->logv);
	kfree(t->copies);
	kfree(t->cbufs);
	kfree(t->escaped);
	j->meta = NULL;
	j->nmeta = 0;
	j->logv = NULL;
	j->nlog = 0;
	j->cblog.data = NULL;
	t->copies = NULL;
	t->cbufs = NULL;
	t->escaped = NULL;
	t->ncopies = 0;
}

static u32 log_next(struct journal *j, u32 pos, u32 n)
{
	return j->first + (pos - j->first + n) % j->len;
}

/*
 * Lay out t's log blocks from the head: revoke blocks, then descriptors
 * each followed by the copies it tags, then the commit block; and take
 * the copies (no handle is open in t, and none can start while the lock
 * is held). 0; -ENOSPC (no room in the log: checkpoint first); -ENOMEM.
 */
static int start_commit_locked(struct journal *j, struct jtxn *t)
{
	assert(spin_is_locked(&j->lock));
	u32 tb = jbd2_tag_bytes(j->incompat), rb = jbd2_revoke_bytes(j->incompat);
	u32 per_desc = (j->bsize - JBD2_HEADER_SIZE - JBD2_UUID_SIZE) / tb;
	u32 per_revoke = (j->bsize - JBD2_REVOKE_HEADER) / rb;
	u32 n = t->nbufs, logged = 0;
	struct list_node *pos, *tmp;
	list_for_each(pos, &t->bufs) logged += !container_of(pos, struct bbuf, j.run_link)->j.revoked;
	u32 nrev = (t->nrevoked + per_revoke - 1) / per_revoke;
	u32 ndesc = (logged + per_desc - 1) / per_desc;
	u32 nblocks = nrev + ndesc + logged + 1;
	if (nblocks > jbd2_free_locked(j) || (t->revoke_lost && j->used))
		return -ENOSPC;

	/* Everything allocated first: a failure leaves the transaction as it was. */
	t->cbufs = kmalloc(MAX(n, 1u) * sizeof *t->cbufs);
	t->copies = kzalloc(MAX(n, 1u) * sizeof *t->copies);
	t->escaped = kzalloc(MAX(n, 1u));
	t->ncopies = n;
	j->logv = kzalloc(nblocks * sizeof *j->logv);
	j->nlog = 0;
	j->cblog.data = kzalloc(j->bsize);
	u8 **meta = j->meta = kzalloc(MAX(nrev + ndesc, 1u) * sizeof *meta);
	j->nmeta = meta ? nrev + ndesc : 0;
	bool ok = t->cbufs && t->copies && t->escaped && j->logv && j->cblog.data && meta;
	for (u32 k = 0; ok && k < nrev + ndesc; k++)
		ok = (meta[k] = kzalloc(j->bsize)) != NULL;
	u32 i = 0;
	list_for_each(pos, &t->bufs)
	{
		if (ok && !container_of(pos, struct bbuf, j.run_link)->j.revoked)
			ok = (t->copies[i] = kmalloc(j->bsize)) != NULL;
		i++;
	}
	if (!ok) {
		free_commit_memory(j, t);
		return -ENOMEM;
	}

	u32 at = j->head, o = 0;
	for (u32 r = 0; r < nrev; r++) {
		u8 *blk = meta[r];
		jbd2_put_header(blk, JBD2_REVOKE_BLOCK, t->tid);
		u32 first = r * per_revoke, cnt = MIN(per_revoke, t->nrevoked - first);
		for (u32 x = 0; x < cnt; x++) {
			u8 *p = blk + JBD2_REVOKE_HEADER + x * rb;
			if (rb == 8)
				put_be64(p, t->revoked[first + x]);
			else
				put_be32(p, (u32)t->revoked[first + x]);
		}
		put_be32(blk + JRB_COUNT, JBD2_REVOKE_HEADER + cnt * rb);
		j->logv[o++] = (struct jlog){at, blk};
		at = log_next(j, at, 1);
	}
	/* The buffers leave the running list; logged ones get a tag and a copy. */
	u32 in_desc = 0, d = 0, off = 0, left = logged;
	u8 *desc = NULL;
	i = 0;
	list_for_each_safe(pos, tmp, &t->bufs)
	{
		struct bbuf *b = container_of(pos, struct bbuf, j.run_link);
		list_remove(&b->j.run_link);
		b->j.run = NULL;
		b->j.commit = t;
		t->cbufs[i] = b;
		u8 *copy = t->copies[i];
		if (copy) {
			if (!in_desc) {
				desc = meta[nrev + d++];
				jbd2_put_header(desc, JBD2_DESCRIPTOR_BLOCK, t->tid);
				j->logv[o++] = (struct jlog){at, desc};
				at = log_next(j, at, 1);
				off = JBD2_HEADER_SIZE;
			}
			memcpy(copy, b->data, j->bsize);
			u32 flags = in_desc ? JBD2_FLAG_SAME_UUID : 0;
			if (get_be32(copy) == JBD2_MAGIC) {
				put_be32(copy, 0); /* put back by the replay */
				flags |= JBD2_FLAG_ESCAPE;
				t->escaped[i] = 1;
			}
			left--;
			if (in_desc + 1 == per_desc || !left)
				flags |= JBD2_FLAG_LAST_TAG;
			/* blocknr, checksum (unused without checksum features), flags, blocknr_high */
			u8 *tag = desc + off;
			put_be32(tag, (u32)b->blockno);
			put_be16(tag + 6, (u16)flags);
			if (tb == 12)
				put_be32(tag + 8, (u32)(b->blockno >> 32));
			off += tb;
			if (!in_desc) {
				memcpy(desc + off, j->uuid, JBD2_UUID_SIZE);
				off += JBD2_UUID_SIZE;
			}
			in_desc = (flags & JBD2_FLAG_LAST_TAG) ? 0 : in_desc + 1;
			j->logv[o++] = (struct jlog){at, copy};
			at = log_next(j, at, 1);
		}
		i++;
	}
	j->nlog = o;
	assert(o + 1 == nblocks);
	/* The commit block, with the time of the commit (as Linux writes it; replay ignores it). */
	jbd2_put_header(j->cblog.data, JBD2_COMMIT_BLOCK, t->tid);
	struct kts now = vfs_now();
	put_be64(j->cblog.data + JCB_COMMIT_SEC, (u64)now.sec);
	put_be32(j->cblog.data + JCB_COMMIT_NSEC, now.nsec);
	j->cblog.blk = at;

	t->start = j->head;
	t->nblocks = nblocks;
	j->head = log_next(j, j->head, nblocks);
	j->used += nblocks;
	t->state = T_COMMITTING;
	j->committing = t;
	j->running = NULL;
	if (j->commit_asked && !tid_before(t->tid, j->commit_req))
		j->commit_asked = false;
	return 0;
}

/*
 * Ordered data: the pages of the files t grew or mapped blocks for go to
 * the disk first, and the commit waits for the writes it started (one
 * pass: a file written to all along does not hold the commit up). At
 * power-off every page was written already.
 */
static int write_ordered(struct journal *j, struct jtxn *t)
{
	if (polled)
		return 0;
	if (t->order_all) {
		int r = wb_sync(NULL, NULL);
		return r == -ERESTART_PARK ? 1 : 0;
	}
	while (j->progress < t->ninodes) {
		struct pcache *pc = &t->inodes[j->progress]->data;
		if (j->step == 0) {
			/* A failed write is the file's error, reported by its fsync. */
			if (pcache_writeback(pc, 0, ~0UL, false, 0) == -ERESTART_PARK)
				return 1;
			j->step = 1;
			j->from = 0;
		}
		if (pcache_wait_written(pc, &j->from, ~0UL, 0) == -ERESTART_PARK)
			return 1;
		j->progress++;
		j->step = 0;
	}
	return 0;
}

/* The commit is durable: the buffers may go to their places, the waiters go on. */
static void finish_commit(struct journal *j, struct jtxn *t)
{
	u32 nforget = 0;
	spin_lock(&j->lock);
	for (u32 i = 0; i < t->ncopies; i++) {
		struct bbuf *b = t->cbufs[i];
		b->j.commit = NULL;
		if (b->j.cp)
			list_remove(&b->j.cp_link); /* this copy supersedes the older one */
		b->j.cp = NULL;
		if (t->copies[i]) {
			b->j.cp = t;
			list_push_back(&t->cp, &b->j.cp_link);
			bcache_dirty(b);
		} else {
			t->cbufs[nforget++] = b; /* freed: nothing of it is to be written */
		}
		if (!b->j.run)
			bcache_pin(b, false);
		if (b->j.undo && !tid_before(t->tid, b->j.undo_tid)) {
			kfree(b->j.undo); /* its frees are durable: the blocks may be used again */
			b->j.undo = NULL;
			j->undo_count--;
		}
	}
	j->committed_tid = t->tid;
	j->committing = NULL;
	j->cp_stuck = false; /* buffers it logged again no longer hold older transactions */
	t->state = T_COMMITTED;
	list_push_back(&j->checkpoint, &t->link);
	j->commits++;
	j->blocks_logged += t->nblocks;
	struct inode **inodes = t->inodes;
	u32 ninodes = t->ninodes;
	t->inodes = NULL;
	t->ninodes = t->inode_cap = 0;
	spin_unlock(&j->lock);
	/* Freed blocks: no journal holds them now (not reusable before this commit). */
	for (u32 i = 0; i < nforget; i++) {
		struct bbuf *b = t->cbufs[i];
		assert(!b->j.run);
		bcache_forget(j->dev, b->blockno, j->bsize);
		bcache_put(b); /* the journal's reference */
	}
	free_commit_memory(j, t);
	for (u32 i = 0; i < ninodes; i++)
		inode_put(inodes[i]); /* may end a file: a new handle, on the running transaction */
	kfree(inodes);
	jbd2_wake(j);
}

/* The commit phase, from its stage: 0 done, 1 wait, -EIO. */
static int commit_phase(struct journal *j)
{
	struct jtxn *t = j->committing;
	int r;
	switch (j->stage) {
	case 0:
		if ((r = write_ordered(j, t)) != 0)
			return r;
		j->stage = 1;
		j->sent = 0;
		/* fall through */
	case 1:
		if ((r = send_log(j)) != 0)
			return r;
		j->stage = 2;
		/* fall through */
	case 2:
		if ((r = wait_io(j)) != 0)
			return r;
		j->stage = 3;
		/* fall through */
	case 3: /* the log blocks are on the disk before the commit block is */
		if ((r = send_flush(j)) != 0)
			return r;
		j->stage = 4;
		/* fall through */
	case 4:
		if ((r = wait_io(j)) != 0)
			return r;
		kfree(j->logv);
		j->logv = &j->cblog;
		j->nlog = 1;
		j->sent = 0;
		j->stage = 5;
		/* fall through */
	case 5:
		if ((r = send_log(j)) != 0)
			return r;
		j->stage = 6;
		/* fall through */
	case 6:
		if ((r = wait_io(j)) != 0)
			return r;
		j->stage = 7;
		/* fall through */
	case 7: /* and the commit block before anything goes in place */
		if ((r = send_flush(j)) != 0)
			return r;
		j->stage = 8;
		/* fall through */
	case 8:
		if ((r = wait_io(j)) != 0)
			return r;
		j->logv = NULL;
		j->nlog = 0;
		finish_commit(j, t);
		return 0;
	}
	return -EIO;
}

/* ---- checkpointing ---- */

/*
 * Release the committed transactions whose buffers are all in place
 * (j->lock held): how far the log's start can move. A buffer changed
 * again since (run or commit set) keeps its transaction until the newer
 * one commits; the running one is then asked to.
 */
static void release_written_locked(struct journal *j, u32 *tail, u32 *tid, u32 *used)
{
	assert(spin_is_locked(&j->lock));
	struct list_node *tn, *ttmp;
	list_for_each_safe(tn, ttmp, &j->checkpoint)
	{
		struct jtxn *t = container_of(tn, struct jtxn, link);
		struct list_node *bn, *btmp;
		list_for_each_safe(bn, btmp, &t->cp)
		{
			struct bbuf *b = container_of(bn, struct bbuf, j.cp_link);
			if (b->j.run || b->j.commit || !bcache_written(b))
				continue;
			list_remove(&b->j.cp_link);
			b->j.cp = NULL;
			bcache_put(b); /* the journal's reference */
		}
		if (!list_empty(&t->cp))
			break;
		list_remove(&t->link);
		jbd2_free_txn(t);
	}
	*used = 0;
	struct jtxn *oldest = NULL;
	list_for_each(tn, &j->checkpoint)
	{
		struct jtxn *t = container_of(tn, struct jtxn, link);
		oldest = oldest ? oldest : t;
		*used += t->nblocks;
	}
	if (j->committing) {
		oldest = oldest ? oldest : j->committing;
		*used += j->committing->nblocks;
	}
	if (oldest) {
		*tail = oldest->start;
		*tid = oldest->tid;
		/* Still held by changes of the running transaction: commit it soon. */
		if (j->running && j->running->nbufs && !j->committing)
			jbd2_ask_commit_locked(j, j->running->tid);
	} else {
		*tail = j->head;
		*tid = j->running ? j->running->tid : j->next_tid;
	}
}

static int checkpoint_phase(struct journal *j)
{
	int r;
	switch (j->stage) {
	case 0: /* everything owed in place, and flushed */
		if ((r = sync_dev(j)) != 0)
			return r;
		spin_lock(&j->lock);
		release_written_locked(j, &j->cp_tail, &j->cp_tid, &j->cp_used);
		j->checkpoints++;
		bool moved = j->cp_tail != j->tail || j->cp_tid != j->tail_tid;
		/* Its oldest transaction waits for a newer one's commit: trying again now would spin. */
		j->cp_stuck = !moved;
		spin_unlock(&j->lock);
		if (!moved)
			return 0;
		j->stage = 1;
		j->step = 0;
		/* fall through */
	case 1:
		if ((r = write_super(j, j->cp_tail, j->cp_tid)) != 0)
			return r;
		spin_lock(&j->lock);
		j->tail = j->cp_tail;
		j->tail_tid = j->cp_tid;
		j->used = j->cp_used;
		j->want_space = false;
		spin_unlock(&j->lock);
		jbd2_wake(j);
		return 0;
	}
	return -EIO;
}

/* ---- opening and closing ---- */

static int open_phase(struct journal *j)
{
	int r;
	switch (j->stage) {
	case 0: /* the file system says needs_recovery, on the disk, before any commit */
		spin_lock(&j->lock);
		bool gone = j->dying;
		spin_unlock(&j->lock);
		if (!gone)
			j->ops->open(j->arg);
		j->stage = 1;
		/* fall through */
	case 1:
		if ((r = sync_dev(j)) != 0)
			return r;
		spin_lock(&j->lock);
		j->cp_tail = j->head;
		j->cp_tid = j->running ? j->running->tid : j->next_tid;
		spin_unlock(&j->lock);
		j->stage = 2;
		j->step = 0;
		/* fall through */
	case 2:
		if ((r = write_super(j, j->cp_tail, j->cp_tid)) != 0)
			return r;
		spin_lock(&j->lock);
		j->open = true;
		j->closed_ok = false;
		j->want_open = false;
		j->tail = j->cp_tail;
		j->tail_tid = j->cp_tid;
		spin_unlock(&j->lock);
		jbd2_wake(j);
		return 0;
	}
	return -EIO;
}

static int close_phase(struct journal *j)
{
	int r;
	switch (j->stage) {
	case 0:
		spin_lock(&j->lock);
		j->open = false; /* handles that can wait, wait for it to open again */
		j->cp_tid = j->running ? j->running->tid : j->next_tid;
		spin_unlock(&j->lock);
		j->stage = 1;
		j->step = 0;
		/* fall through */
	case 1: /* an empty log on the disk first, then a clean file system */
		if ((r = write_super(j, 0, j->cp_tid)) != 0)
			return r;
		spin_lock(&j->lock);
		j->tail = j->head;
		j->tail_tid = j->cp_tid;
		bool gone = j->dying;
		spin_unlock(&j->lock);
		if (!gone)
			j->ops->close(j->arg); /* a file system gone leaves its flag: mount clears it */
		j->stage = 2;
		/* fall through */
	case 2:
		if ((r = sync_dev(j)) != 0)
			return r;
		spin_lock(&j->lock);
		j->closed_ok = true;
		j->want_close = false;
		u64 commits = j->commits, logged = j->blocks_logged, cps = j->checkpoints;
		spin_unlock(&j->lock);
		pr_info("jbd2 %s: journal closed: %lu commits, %lu blocks logged, %lu checkpoints\n",
			j->name, commits, logged, cps);
		jbd2_wake(j);
		return 0;
	}
	return -EIO;
}

/* ---- what to do next ---- */

static bool txn_has_changes(const struct jtxn *t)
{
	return t && (t->nbufs || t->nrevoked);
}

static bool asked_locked(struct journal *j, struct jtxn *t)
{
	return j->commit_asked && !tid_before(j->commit_req, t->tid);
}

/*
 * Choose the next phase (PH_IDLE: nothing now), or EXIT. *deadline: when
 * to look again if nothing wakes the task first (0: never).
 */
static int decide(struct journal *j, u64 *deadline)
{
	*deadline = 0;
	struct jtxn *spare = NULL;
	if (!j->spare && !(spare = knew(struct jtxn)) && !polled)
		*deadline = tsc_ns() + JBD2_RETRY_NS;
	if (spare) {
		list_init(&spare->bufs);
		list_init(&spare->cp);
	}
	spin_lock(&j->lock);
	if (spare && !j->spare) {
		j->spare = spare;
		spare = NULL;
	}
	struct jtxn *t = j->running;
	bool changes = txn_has_changes(t), busy = t && t->updates;
	bool finishing = j->want_close || j->dying || polled;
	int next = PH_IDLE;
	if (j->aborted) {
		next = j->dying && !j->io_pending ? -1 : PH_IDLE;
	} else if (!j->open && (changes || busy || j->want_open || (!j->cleanup_done && !j->dying))) {
		next = PH_OPEN;
	} else if (j->open && !j->cleanup_done && !j->dying && !polled) {
		next = PH_CLEANUP;
	} else if (changes && (t->state == T_LOCKED || asked_locked(j, t) || finishing ||
			       j->want_space || t->revoke_lost ||
			       tsc_ns() >= t->first_ns + JBD2_COMMIT_NS ||
			       jbd2_log_blocks(j, t->nbufs, t->nrevoked) > j->max_txn)) {
		t->state = T_LOCKED;
		if (!busy) { /* else the last handle's stop wakes the task */
			int r = start_commit_locked(j, t);
			if (r == 0)
				next = PH_COMMIT;
			else if (r == -ENOSPC && !list_empty(&j->checkpoint) && !j->cp_stuck)
				next = PH_CHECKPOINT;
			else if (r == -ENOSPC && !list_empty(&j->checkpoint))
				next = -3; /* the log is full of what waits for this very commit */
			else if (r == -ENOSPC)
				next = -2; /* larger than the whole log */
			else
				*deadline = tsc_ns() + JBD2_RETRY_NS; /* out of memory */
		}
	} else if (!list_empty(&j->checkpoint) && !j->cp_stuck &&
		   (j->want_space || finishing || j->used > j->len / 2)) {
		next = PH_CHECKPOINT;
	} else if (finishing && !j->closed_ok && !changes && !busy && !j->committing &&
		   list_empty(&j->checkpoint)) { /* an empty log only once all is in place */
		next = PH_CLOSE;
	} else if (j->dying && !changes && !busy && !j->io_pending) {
		next = -1;
	} else if (j->want_space) {
		j->want_space = false; /* nothing to release: the log is as free as it gets */
		spin_unlock(&j->lock);
		jbd2_wake(j);
		spin_lock(&j->lock);
	}
	if (next == PH_IDLE && changes && !busy && !*deadline)
		*deadline = t->first_ns + JBD2_COMMIT_NS;
	spin_unlock(&j->lock);
	kfree(spare);
	if (next == PH_COMMIT)
		jbd2_wake(j); /* handles waiting for the commit to take the transaction go on */
	if (next == -2)
		abort_journal(j, "a transaction larger than the log; commit");
	if (next == -3)
		abort_journal(j, "a full log whose oldest transaction waits for the running one; commit");
	return next < 0 ? -1 : next;
}

/* One phase (or the choice of one): GO (more to do now), WAIT, or EXIT. */
static int run(struct journal *j, u64 *deadline)
{
	*deadline = 0;
	if (j->phase == PH_IDLE) {
		int next = decide(j, deadline);
		if (next < 0)
			return EXIT;
		if (next == PH_IDLE)
			return WAIT;
		j->phase = next;
		j->stage = j->step = 0;
		j->progress = 0;
		j->from = 0;
	}
	int r;
	switch (j->phase) {
	case PH_OPEN:
		r = open_phase(j);
		break;
	case PH_CLEANUP:
		r = j->ops->cleanup ? j->ops->cleanup(j->arg) : 0;
		if (r == 0)
			j->cleanup_done = true;
		break;
	case PH_COMMIT:
		r = commit_phase(j);
		break;
	case PH_CHECKPOINT:
		r = checkpoint_phase(j);
		break;
	default:
		r = close_phase(j);
		break;
	}
	if (r == 1)
		return WAIT;
	if (r == -ENOMEM) {
		*deadline = tsc_ns() + JBD2_RETRY_NS; /* try the same step again later */
		return WAIT;
	}
	if (r < 0)
		abort_journal(j, j->phase == PH_COMMIT ? "a commit" : "a journal write");
	j->phase = PH_IDLE;
	return GO;
}

enum poll_result jbd2_task_poll(struct task *task)
{
	struct journal *j = container_of(task, struct journal, task);
	park_resume(&j->park);
	timer_cancel(&j->tm);
	for (;;) {
		u64 deadline;
		int r = run(j, &deadline);
		if (r == EXIT)
			return READY;
		if (r == GO)
			continue;
		if (!deadline || !sleep_until(&j->tm, deadline))
			return PENDING;
	}
}

void jbd2_task_done(struct task *task)
{
	struct journal *j = container_of(task, struct journal, task);
	jbd2_list_remove(j);
	timer_cancel(&j->tm);
	spin_lock(&j->lock);
	bool release = !j->fs_released; /* else the file system let its disk go already */
	struct jtxn *t = j->running;
	spin_unlock(&j->lock);
	jbd2_free_txn(t);
	jbd2_free_txn(j->spare);
	if (release)
		blk_unclaim(j->dev);
	kfree(j->map);
	kfree(j->sbuf);
	kfree(j);
}

/* ---- power-off ---- */

void jbd2_list_remove(struct journal *j)
{
	spin_lock(&list_lock);
	list_remove(&j->all);
	spin_unlock(&list_lock);
}

static void poll_disks(void)
{
	for (u32 i = 0; i < blk_count(); i++)
		blk_get(i)->poll(blk_get(i));
}

/*
 * Power-off, interrupts off, nothing else running: commit what each
 * journal holds, write everything in place and close it, by polling the
 * disks. A transaction with a handle still open (a core stopped in the
 * middle of a change) is not committed: the journal is left as it is,
 * and the next mount replays what was committed before.
 */
static void jbd2_shutdown_all(void)
{
	polled = true;
	struct list_node *n;
	list_for_each(n, &journals)
	{
		struct journal *j = container_of(n, struct journal, all);
		struct jtxn *t = j->running;
		if (t && t->updates) {
			kprintf("jbd2 %s: a change was in progress at power-off; the journal is "
				"replayed at the next mount\n",
				j->name);
			continue;
		}
		u64 end = tsc_ns() + SHUTDOWN_NS;
		for (;;) {
			u64 deadline;
			int r = run(j, &deadline);
			if (r == EXIT || j->aborted)
				break;
			spin_lock(&j->lock);
			bool done = j->phase == PH_IDLE && j->closed_ok && jbd2_quiet_locked(j);
			spin_unlock(&j->lock);
			if (done)
				break;
			if (r == WAIT)
				poll_disks();
			if (tsc_ns() > end) {
				kprintf("jbd2 %s: the disk did not finish at power-off; the journal is "
					"replayed at the next mount\n",
					j->name);
				break;
			}
			cpu_relax();
		}
	}
}

void jbd2_list_add(struct journal *j)
{
	spin_lock(&list_lock);
	bool first = !registered;
	registered = true;
	list_push_back(&journals, &j->all);
	spin_unlock(&list_lock);
	if (first)
		bcache_at_shutdown(jbd2_shutdown_all);
}
