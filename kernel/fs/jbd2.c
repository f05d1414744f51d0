/*
 * The journal (see jbd2.h): making and ending one, handles, the buffers a
 * transaction gathers, revokes, the committed copies of block bitmaps,
 * ordered files, and waiting for commits. The commit task is in
 * jbd2_commit.c; transactions, buffers and locks are described in
 * jbd2_impl.h.
 *
 * A handle is open on one core from jbd2_start to jbd2_stop and never
 * across a park (the file system gathers what it may wait for first), so
 * "this core's handle" is a per-core stack (invariant 4: only its core
 * touches it), which lets the file system's helpers journal a buffer
 * without passing the handle down every call.
 */
#include "fs/jbd2_impl.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

static struct jhandle *cur_handle[MAX_CPUS]; /* [o] per core: the innermost open handle */

static struct jhandle **cur_slot(void)
{
	return &cur_handle[this_cpu()->index];
}

/* ---- transactions ---- */

u32 jbd2_log_blocks(struct journal *j, u32 nbufs, u32 nrevoked)
{
	u32 tb = jbd2_tag_bytes(j->incompat), rb = jbd2_revoke_bytes(j->incompat);
	u32 per_desc = (j->bsize - JBD2_HEADER_SIZE - JBD2_UUID_SIZE) / tb;
	u32 per_revoke = (j->bsize - JBD2_REVOKE_HEADER) / rb;
	return nbufs + (nbufs + per_desc - 1) / per_desc + (nrevoked + per_revoke - 1) / per_revoke +
	       1;
}

static struct jtxn *alloc_txn(void)
{
	struct jtxn *t = knew(struct jtxn);
	if (t) {
		list_init(&t->bufs);
		list_init(&t->cp);
	}
	return t;
}

struct jtxn *jbd2_new_txn_locked(struct journal *j)
{
	assert(spin_is_locked(&j->lock));
	struct jtxn *t = alloc_txn();
	if (!t) {
		t = j->spare; /* the task makes a new spare */
		j->spare = NULL;
	}
	if (!t)
		return NULL;
	t->tid = j->next_tid++;
	t->state = T_RUNNING;
	return t;
}

void jbd2_free_txn(struct jtxn *t)
{
	if (!t)
		return;
	kfree(t->revoked);
	kfree(t->inodes);
	kfree(t);
}

void jbd2_wake(struct journal *j)
{
	waitq_wake_all(&j->wait);
}

/* ---- making and ending a journal ---- */

struct journal *jbd2_create(const struct jbd2_config *cfg)
{
	struct journal *j = knew(struct journal);
	u8 *sbuf = kzalloc(cfg->bsize);
	struct jtxn *spare = alloc_txn();
	if (!j || !sbuf || !spare) {
		kfree(j);
		kfree(sbuf);
		kfree(spare);
		return NULL;
	}
	const struct jbd2_super *js = &cfg->js;
	j->lock = (struct spinlock)SPINLOCK_INIT;
	j->dev = cfg->dev;
	j->name = cfg->name;
	j->bsize = cfg->bsize;
	j->map = cfg->map;
	j->maxlen = js->maxlen;
	j->first = js->first;
	j->len = js->maxlen - js->first;
	/* Revoke records need the feature on (Linux sets it too when it mounts). */
	j->incompat = js->incompat | JBD2_FEATURE_INCOMPAT_REVOKE;
	memcpy(j->uuid, js->uuid, JBD2_UUID_SIZE);
	j->max_txn = j->len / 4;
	j->reserve = MIN(cfg->reserve, j->len / 4);
	j->ops = cfg->ops;
	j->arg = cfg->arg;
	j->spare = spare;
	list_init(&j->checkpoint);
	j->next_tid = cfg->next_seq;
	j->committed_tid = cfg->next_seq - 1;
	j->head = j->tail = js->first;
	j->tail_tid = cfg->next_seq;
	waitq_init(&j->wait);
	/* The superblock as it was, with the fields the journal writes filled in later. */
	j->sbuf = sbuf;
	jbd2_put_header(sbuf, js->version == 2 ? JBD2_SUPERBLOCK_V2 : JBD2_SUPERBLOCK_V1, 0);
	put_be32(sbuf + JSB_BLOCKSIZE, js->bsize);
	put_be32(sbuf + JSB_MAXLEN, js->maxlen);
	put_be32(sbuf + JSB_FIRST, js->first);
	if (js->version == 2) {
		put_be32(sbuf + JSB_FEATURE_COMPAT, js->compat);
		put_be32(sbuf + JSB_FEATURE_INCOMPAT, j->incompat);
		put_be32(sbuf + JSB_FEATURE_RO_COMPAT, js->ro_compat);
		memcpy(sbuf + JSB_UUID, js->uuid, JBD2_UUID_SIZE);
	}
	park_init(&j->park);
	task_init(&j->task, "jbd2", jbd2_task_poll, jbd2_task_done);
	j->task.park = &j->park;
	jbd2_list_add(j);
	task_spawn(&j->task, -1);
	return j;
}

bool jbd2_quiet_locked(struct journal *j)
{
	assert(spin_is_locked(&j->lock));
	struct jtxn *t = j->running;
	return !j->open && !j->committing && list_empty(&j->checkpoint) &&
	       (!t || (!t->nbufs && !t->nrevoked && !t->updates));
}

bool jbd2_destroy(struct journal *j)
{
	spin_lock(&j->lock);
	j->dying = true;
	bool quiet = j->closed_ok && jbd2_quiet_locked(j);
	j->fs_released = quiet;
	spin_unlock(&j->lock);
	task_wake(&j->task);
	return quiet;
}

/* ---- handles ---- */

struct jhandle *jbd2_current(struct journal *j)
{
	for (struct jhandle *h = *cur_slot(); h; h = h->outer)
		if (h->j == j)
			return h;
	return NULL;
}

/* Park the calling thread on the journal's queue and wake the task (j->lock held, dropped). */
static int park_unlock(struct journal *j)
{
	spin_lock(&j->wait.lock);
	spin_unlock(&j->lock);
	long r = park_on(&j->wait);
	spin_unlock(&j->wait.lock);
	task_wake(&j->task);
	return (int)r;
}

/* Why a handle that may park must wait now, or NULL (j->lock held). */
static const char *must_wait_locked(struct journal *j, u32 credits)
{
	assert(spin_is_locked(&j->lock));
	struct jtxn *t = j->running;
	if (!j->open) {
		j->want_open = true;
		return "opening";
	}
	if (t && t->state == T_LOCKED)
		return "commit";
	u32 bufs = t ? t->nbufs + t->credits : 0, revs = t ? t->nrevoked : 0;
	u32 need = jbd2_log_blocks(j, bufs + credits, revs);
	if (t && t->nbufs && need > j->max_txn) {
		jbd2_ask_commit_locked(j, t->tid);
		return "full transaction";
	}
	if (need + j->reserve > jbd2_free_locked(j)) {
		j->want_space = true;
		return "log space";
	}
	return NULL;
}

int jbd2_start(struct journal *j, struct jhandle *h, u32 credits, bool may_park)
{
	struct jhandle **slot = cur_slot(), *top = *slot;
	for (struct jhandle *o = top; o; o = o->outer) {
		if (o->j == j) {
			*h = (struct jhandle){.j = j, .t = o->t, .outer = top, .nested = true};
			*slot = h;
			return 0;
		}
	}
	credits = MIN(credits, j->max_txn);
	if (this_cpu()->exec.current == &j->task)
		may_park = false; /* the task would wait for itself (freeing orphans) */
	spin_lock(&j->lock);
	if (may_park && j->aborted) {
		spin_unlock(&j->lock);
		return -EROFS;
	}
	if (may_park && must_wait_locked(j, credits))
		return park_unlock(j);
	struct jtxn *t = j->running;
	if (!t) {
		t = j->running = jbd2_new_txn_locked(j);
		if (!t) {
			spin_unlock(&j->lock);
			return -ENOMEM;
		}
	}
	t->updates++;
	t->credits += credits;
	spin_unlock(&j->lock);
	*h = (struct jhandle){.j = j, .t = t, .outer = top, .credits = credits};
	*slot = h;
	return 0;
}

void jbd2_stop(struct jhandle *h)
{
	struct jhandle **slot = cur_slot();
	assert(*slot == h);
	*slot = h->outer;
	if (h->nested)
		return;
	struct journal *j = h->j;
	struct jtxn *t = h->t;
	spin_lock(&j->lock);
	assert(t->updates > 0);
	t->updates--;
	t->credits -= h->credits;
	/* The task waits for the last handle of a locked transaction, or to start its clock. */
	bool kick = (t->updates == 0 && t->state == T_LOCKED) || h->kick ||
		    jbd2_log_blocks(j, t->nbufs, t->nrevoked) > j->max_txn;
	spin_unlock(&j->lock);
	if (kick)
		task_wake(&j->task);
}

u32 jbd2_handle_tid(struct journal *j)
{
	struct jhandle *h = jbd2_current(j);
	assert(h);
	return h->t->tid;
}

/* The handle that took credits for h's change (h itself unless nested). */
static struct jhandle *base_handle(struct jhandle *h)
{
	while (h->nested) {
		struct jhandle *o = h->outer;
		while (o->j != h->j)
			o = o->outer;
		h = o;
	}
	return h;
}

/* b was revoked in t and is metadata again: log it after all, and drop its revoke record. */
static void cancel_revoke_locked(struct journal *j, struct jtxn *t, struct bbuf *b)
{
	assert(spin_is_locked(&j->lock));
	b->j.revoked = false;
	for (u32 i = t->nrevoked; i-- > 0;) {
		if (t->revoked[i] == b->blockno) {
			t->revoked[i] = t->revoked[--t->nrevoked];
			break;
		}
	}
}

void jbd2_dirty(struct journal *j, struct bbuf *b)
{
	struct jhandle *h = jbd2_current(j);
	assert(h); /* metadata changes only inside a handle */
	struct jtxn *t = h->t;
	spin_lock(&j->lock);
	if (b->j.run == t && b->j.revoked)
		cancel_revoke_locked(j, t, b); /* freed and allocated again in one transaction */
	if (b->j.run != t) {
		/* Only the running (or locked) transaction takes buffers; a commit empties its list. */
		assert(!b->j.run);
		if (!b->j.commit && !b->j.cp)
			bcache_ref(b); /* the journal's reference, while any of the three is set */
		b->j.run = t;
		b->j.revoked = false;
		list_push_back(&t->bufs, &b->j.run_link);
		t->nbufs++;
		struct jhandle *bh = base_handle(h);
		if (bh->credits) {
			bh->credits--;
			t->credits--;
		}
		if (!t->first_ns) {
			t->first_ns = tsc_ns();
			bh->kick = true; /* the task starts the transaction's clock */
		}
		bcache_pin(b, true);
	}
	spin_unlock(&j->lock);
}

void jbd2_revoke(struct journal *j, u64 blk)
{
	struct jhandle *h = jbd2_current(j);
	assert(h);
	struct jtxn *t = h->t;
	struct bbuf *b = bcache_peek(j->dev, blk, j->bsize);
	spin_lock(&j->lock);
	if (t->nrevoked == t->revoke_cap) {
		u32 cap = t->revoke_cap ? t->revoke_cap * 2 : 64;
		u64 *v = kmalloc(cap * sizeof *v);
		if (v) {
			if (t->nrevoked)
				memcpy(v, t->revoked, t->nrevoked * sizeof *v);
			kfree(t->revoked);
			t->revoked = v;
			t->revoke_cap = cap;
		}
	}
	if (t->nrevoked < t->revoke_cap) {
		t->revoked[t->nrevoked++] = blk;
	} else if (!t->revoke_lost) {
		/* No record: the commit empties the log first, so no older copy can be replayed. */
		t->revoke_lost = true;
		pr_warn("jbd2 %s: out of memory for revoke records\n", j->name);
	}
	/* Changed in this transaction and freed: its changes are not logged (nor written). */
	if (b && b->j.run == t)
		b->j.revoked = true;
	spin_unlock(&j->lock);
	if (b)
		bcache_put(b);
}

int jbd2_undo_save(struct journal *j, struct bbuf *b, u32 bit)
{
	struct jhandle *h = jbd2_current(j);
	assert(h);
	u32 tid = h->t->tid;
	u8 *copy = NULL;
	spin_lock(&j->lock);
	bool have = b->j.undo != NULL;
	spin_unlock(&j->lock);
	if (!have && !(copy = kmalloc(j->bsize)))
		return -ENOMEM;
	spin_lock(&j->lock);
	if (!b->j.undo) {
		memcpy(copy, b->data, j->bsize);
		b->j.undo = copy;
		copy = NULL;
		j->undo_count++;
	}
	/* In use until this free commits, even if it was allocated since the copy was taken. */
	b->j.undo[bit / 8] |= (u8)(1u << (bit % 8));
	b->j.undo_tid = tid;
	spin_unlock(&j->lock);
	kfree(copy);
	return 0;
}

bool jbd2_undo_busy(struct journal *j, struct bbuf *b, u32 i)
{
	spin_lock(&j->lock);
	bool busy = b->j.undo && (b->j.undo[i / 8] & (1u << (i % 8)));
	spin_unlock(&j->lock);
	return busy;
}

bool jbd2_frees_pending(struct journal *j)
{
	spin_lock(&j->lock);
	bool p = j->undo_count > 0;
	spin_unlock(&j->lock);
	return p;
}

/* Does t hold a file whose last link is gone (j->lock held)? */
static bool holds_unlinked_locked(struct journal *j, const struct jtxn *t)
{
	assert(spin_is_locked(&j->lock));
	/*
	 * nlink is the inode's (ip->lock), which comes before the journal's
	 * lock: read without it. A hint only: a link dropped just now is seen
	 * by the next caller, who fails with ENOSPC meanwhile, as before.
	 */
	for (u32 i = 0; t && i < t->ninodes; i++)
		if (__atomic_load_n(&t->inodes[i]->nlink, __ATOMIC_RELAXED) == 0)
			return true;
	return false;
}

bool jbd2_unlinked_held(struct journal *j, u32 *tid)
{
	spin_lock(&j->lock);
	struct jtxn *t = j->running, *c = j->committing;
	bool held = true;
	if (t && (t->nbufs || t->nrevoked) && holds_unlinked_locked(j, t))
		*tid = t->tid;
	else if (c && holds_unlinked_locked(j, c))
		*tid = c->tid;
	else
		held = false;
	spin_unlock(&j->lock);
	return held;
}

u32 jbd2_unorder_inode(struct journal *j, struct inode *ip)
{
	struct jhandle *h = jbd2_current(j);
	assert(h);
	struct jtxn *t = h->t;
	u32 n = 0;
	spin_lock(&j->lock);
	for (u32 i = 0; i < t->ninodes;) {
		if (t->inodes[i] == ip) {
			t->inodes[i] = t->inodes[--t->ninodes];
			n++;
		} else {
			i++;
		}
	}
	spin_unlock(&j->lock);
	return n;
}

void jbd2_order_inode(struct journal *j, struct inode *ip)
{
	struct jhandle *h = jbd2_current(j);
	assert(h);
	struct jtxn *t = h->t;
	inode_get(ip); /* before the journal's lock: inode locks come first */
	spin_lock(&j->lock);
	if (t->ninodes == t->inode_cap && !t->order_all) {
		u32 cap = t->inode_cap ? t->inode_cap * 2 : 32;
		struct inode **v = kmalloc(cap * sizeof *v);
		if (v) {
			if (t->ninodes)
				memcpy(v, t->inodes, t->ninodes * sizeof *v);
			kfree(t->inodes);
			t->inodes = v;
			t->inode_cap = cap;
		} else {
			t->order_all = true; /* every dirty page goes before the commit instead */
		}
	}
	bool kept = t->ninodes < t->inode_cap && !t->order_all;
	if (kept)
		t->inodes[t->ninodes++] = ip;
	spin_unlock(&j->lock);
	if (!kept)
		inode_put(ip);
}

/* ---- waiting ---- */

void jbd2_ask_commit_locked(struct journal *j, u32 tid)
{
	assert(spin_is_locked(&j->lock));
	if (!j->commit_asked || tid_before(j->commit_req, tid)) {
		j->commit_req = tid;
		j->commit_asked = true;
	}
}

int jbd2_commit_wait(struct journal *j, u32 tid)
{
	spin_lock(&j->lock);
	if (j->aborted) {
		spin_unlock(&j->lock);
		return -EIO;
	}
	struct jtxn *t = j->running;
	bool done = !tid_before(j->committed_tid, tid);
	/* The running transaction with nothing in it: nothing of it to wait for. */
	if (!done && t && t->tid == tid && !t->nbufs && !t->nrevoked)
		done = true;
	if (done) {
		spin_unlock(&j->lock);
		return 0;
	}
	jbd2_ask_commit_locked(j, tid);
	return park_unlock(j);
}

u32 jbd2_sync_tid(struct journal *j)
{
	spin_lock(&j->lock);
	struct jtxn *t = j->running;
	u32 tid = t && (t->nbufs || t->nrevoked) ? t->tid
		  : j->committing		 ? j->committing->tid
						 : j->committed_tid;
	spin_unlock(&j->lock);
	return tid;
}

int jbd2_close_wait(struct journal *j)
{
	spin_lock(&j->lock);
	if (j->aborted) {
		spin_unlock(&j->lock);
		return -EIO;
	}
	if (j->closed_ok && jbd2_quiet_locked(j)) {
		spin_unlock(&j->lock);
		return 0;
	}
	j->want_close = true;
	return park_unlock(j);
}

void jbd2_get_stats(struct journal *j, struct jbd2_stats *s)
{
	spin_lock(&j->lock);
	*s = (struct jbd2_stats){.committed_tid = j->committed_tid,
				 .commits = j->commits,
				 .blocks_logged = j->blocks_logged,
				 .checkpoints = j->checkpoints,
				 .log_len = j->len,
				 .log_used = j->used};
	spin_unlock(&j->lock);
}
