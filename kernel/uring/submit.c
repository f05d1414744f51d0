/*
 * Submission: reading the SQ (the tail once, each SQ array slot once,
 * every index masked), turning each entry into a request (its own copy
 * of the SQE, checks and prep), linking chains, and handing the chains'
 * heads over in order to run (req.c).
 *
 * One submitter at a time reads the SQ (sq_lock): two threads submitting
 * at once each get their own entries, never the same one twice. Prep runs
 * under sq_lock too, so that a failed entry stops the submission right
 * after itself, as on Linux; prep copies only the submitter's own memory.
 */
#include "uring/uring.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SQE_FLAGS_KNOWN                                                                    \
	(IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_ASYNC | \
	 IOSQE_BUFFER_SELECT | IOSQE_CQE_SKIP_SUCCESS)
#define LINK_FLAGS (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)

static bool op_allowed(const struct uring *r, u8 opcode)
{
	return r->ops_allowed[opcode / 64] & (1UL << (opcode % 64));
}

/* The checks every entry gets, then its operation's prep: 0 or -errno. */
static int req_init(struct uring *r, struct uring_req *req)
{
	req->opcode = req->sqe.opcode;
	req->sqe_flags = req->sqe.flags;
	if (req->sqe_flags & ~SQE_FLAGS_KNOWN)
		return -EINVAL;
	req->op = uring_op(req->opcode);
	if (!req->op)
		return -EINVAL;
	if (r->restricted) {
		if (!op_allowed(r, req->opcode))
			return -EACCES;
		if ((req->sqe_flags & r->sqe_flags_required) != r->sqe_flags_required ||
		    (req->sqe_flags & ~(r->sqe_flags_allowed | r->sqe_flags_required)))
			return -EACCES;
	}
	if (req->sqe_flags & IOSQE_BUFFER_SELECT) {
		uring_unsupported("IOSQE_BUFFER_SELECT (provided buffers)");
		return -EINVAL;
	}
	if (req->sqe.personality) {
		uring_unsupported("personalities");
		return -EINVAL;
	}
	if ((req->sqe_flags & IOSQE_FIXED_FILE) && !req->op->needs_file)
		return -EBADF; /* openat, close and the path calls take no fixed file */
	return req->op->prep(req);
}

/* The chain being put together, over one submission. */
struct chain {
	struct uring_req *head, *last;
};

/* The chain is complete: it goes to the list of heads to queue. */
static void chain_end(struct chain *c, struct uring_ready *heads, u64 seq_end)
{
	if (!c->head)
		return;
	c->head->chain_end = seq_end;
	uring_ready_push(heads, c->head);
	c->head = c->last = NULL;
}

/*
 * Add req (just prepped, err its result) to the chain in progress.
 * Returns whether the submission must stop after it: an entry that
 * failed and ends its chain, unless IORING_SETUP_SUBMIT_ALL.
 */
static bool chain_add(struct uring *r, struct chain *c, struct uring_req *req, int err,
		      struct uring_ready *heads)
{
	bool linked = (req->sqe_flags & LINK_FLAGS) != 0;
	if (!err && req->opcode == IORING_OP_LINK_TIMEOUT) {
		/* A link timeout belongs to the entry before it, which must be linked to it. */
		struct uring_req *prev = c->last;
		if (!prev || prev->opcode == IORING_OP_LINK_TIMEOUT || prev->ltimeout)
			err = -EINVAL;
		else {
			prev->ltimeout = req;
			req->timed = prev;
			if (!linked)
				chain_end(c, heads, req->seq + 1);
			return false;
		}
	}
	req->prep_err = err;
	if (c->head) {
		c->last->link = req;
		c->last = req;
		if (err && !c->head->prep_err)
			c->head->prep_err = -ECANCELED; /* the whole chain fails */
		if (req->drain)
			c->head->drain = true;
	} else {
		c->head = c->last = req;
	}
	if (!linked)
		chain_end(c, heads, req->seq + 1);
	return err && !linked && !(r->setup_flags & IORING_SETUP_SUBMIT_ALL);
}

/* CQEs of requests that completed inline, posted together under one lock. */
struct cqe_batch {
	u32 n, done; /* CQEs kept; requests completed (with CQE_SKIP_SUCCESS ones) */
	u32 timeouts; /* of the CQEs, TIMEOUTs': they do not count for count timeouts */
	struct io_uring_cqe c[32];
};

static void batch_flush(struct uring *r, struct cqe_batch *b)
{
	if (!b->done)
		return;
	spin_lock(&r->lock);
	uring_post_many_locked(r, b->c, b->n);
	r->cq_posted += b->n - b->timeouts;
	r->completed += b->done;
	if (!list_empty(&r->timeouts))
		uring_timeouts_flush_locked(r);
	spin_unlock(&r->lock);
	if (b->n)
		uring_cq_wake(r, false);
	b->n = b->done = b->timeouts = 0;
}

/*
 * The fast path: an entry alone (no chain, drain, IOSQE_ASYNC, nor a drain
 * in progress) runs its first step right here; if it completes, its CQE
 * joins the batch and the request serves the next entry.
 */
static bool may_run_inline(const struct uring_req *req)
{
	return !(req->sqe_flags & (LINK_FLAGS | IOSQE_IO_DRAIN | IOSQE_ASYNC)) &&
	       req->opcode != IORING_OP_LINK_TIMEOUT;
}

long uring_submit(struct uring *r, u32 to_submit)
{
	struct uring_hdr *h = uring_hdr(r);
	struct uring_ready heads = URING_READY_INIT(heads);
	struct uring_req *listed[64]; /* put on the ring's list together, one lock per batch */
	u32 nlisted = 0;
	struct cqe_batch cqes;
	cqes.n = cqes.done = cqes.timeouts = 0;
	long submitted = 0;
	struct chain c = {0};
	spin_lock(&r->sq_lock);
	u32 tail = __atomic_load_n(&h->sq_tail, __ATOMIC_ACQUIRE);
	u32 avail = tail - r->sq_head;
	if (avail > r->sq_entries)
		avail = r->sq_entries; /* a scribbled tail: never read an entry twice */
	u32 n = MIN(to_submit, avail);
	/* Once an entry takes the slow way, the rest follow it: they start in order. */
	bool fast = !__atomic_load_n(&r->draining, __ATOMIC_ACQUIRE);
	for (u32 i = 0; i < n; i++) {
		u32 idx = __atomic_load_n(uring_sqa_at(r, r->sq_head & (r->sq_entries - 1)),
					  __ATOMIC_RELAXED);
		if (idx >= r->sq_entries) {
			/* Consumed but not submitted, counted where the user can see it. */
			r->sq_head++;
			__atomic_add_fetch(&h->sq_dropped, 1, __ATOMIC_RELAXED);
			break;
		}
		struct uring_req *req = r->spare;
		if (req)
			r->spare = NULL;
		else if (!(req = uring_req_new(r))) {
			if (!submitted)
				submitted = -EAGAIN;
			break;
		}
		r->sq_head++;
		submitted++;
		/* One copy: later changes to the shared entry do not reach the request. */
		__builtin_memcpy(&req->sqe, uring_sqe_at(r, idx), sizeof req->sqe);
		req->seq = r->seq_next++;
		req->drain = req->sqe.flags & IOSQE_IO_DRAIN;
		req->proc = cur_proc();
		req->dom = cur_dom();
		req->fs = cur_fs();
		req->cred = cur_cred();
		int err = req_init(r, req);
		if (fast && !err && may_run_inline(req)) {
			if (cqes.done == ARRAY_SIZE(cqes.c))
				batch_flush(r, &cqes);
			bool post, timeout = req->is_timeout;
			if (uring_run_inline(req, &cqes.c[cqes.n], &post)) {
				cqes.timeouts += post && timeout;
				cqes.n += post;
				cqes.done++;
				r->spare = req;
			}
			continue;
		}
		fast = false;
		uring_req_hold(req);
		if (nlisted == ARRAY_SIZE(listed)) {
			spin_lock(&r->lock);
			for (u32 j = 0; j < nlisted; j++)
				list_push_back(&r->reqs, &listed[j]->node);
			spin_unlock(&r->lock);
			nlisted = 0;
		}
		listed[nlisted++] = req;
		if (chain_add(r, &c, req, err, &heads))
			break;
	}
	chain_end(&c, &heads, r->seq_next); /* a chain left open at the end goes as it is */
	__atomic_store_n(&h->sq_head, r->sq_head, __ATOMIC_RELEASE);
	batch_flush(r, &cqes);
	struct uring_ready ready = URING_READY_INIT(ready);
	if (nlisted || heads.head) {
		spin_lock(&r->lock);
		for (u32 j = 0; j < nlisted; j++)
			list_push_back(&r->reqs, &listed[j]->node);
		for (struct uring_req *hd = heads.head, *nx; hd; hd = nx) {
			nx = hd->ready;
			uring_queue_locked(hd, &ready);
		}
		spin_unlock(&r->lock);
	}
	spin_unlock(&r->sq_lock);
	uring_run(&ready);
	return submitted;
}
