/*
 * Requests as futures (uring.h says how): allocation, the step, the
 * task's poll, completion with its links and drain, cancellation, and
 * freeing.
 *
 * A request is owned by whoever runs its step (task state RUNNING, or
 * RQ_BUSY seen from outside); the ring's lock guards what others may
 * reach: the request list, links, the defer list. A request is freed only
 * after it left the list under that lock and every wake source let go of
 * it (park_resume and timer_cancel_sync), so a canceller that found it
 * under the lock never touches freed memory.
 */
#include "uring/uring.h"
#include "arch/x86_64/cpu.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static enum poll_result req_poll(struct task *t);
static void req_done(struct task *t);

struct uring_req *uring_req_new(struct uring *r)
{
	struct uring_req *req = kmalloc(sizeof *req);
	if (!req)
		return NULL;
	memset(req, 0, sizeof *req);
	task_init(&req->task, "io_uring", req_poll, req_done);
	req->task.park = &req->park;
	park_init(&req->park);
	req->ring = r;
	list_init(&req->node);
	list_init(&req->qnode);
	return req;
}

void uring_req_hold(struct uring_req *req)
{
	uring_get(req->ring);
	domain_get(req->dom);
	cred_get(req->cred);
	if (req->proc)
		proc_hold(req->proc); /* a wait may sit on its queues until it is cancelled */
	req->held = true;
}

/* The memory and references of a request that is no longer anywhere. */
static void req_destroy(struct uring_req *req)
{
	/* No wake source may still hold it (a timer firing right now included). */
	park_resume(&req->park);
	timer_cancel_sync(&req->park.timer);
	park_end(&req->park);
	if (req->op && req->op->cleanup)
		req->op->cleanup(req);
	if (req->file)
		file_put(req->file);
	struct uring *r = req->ring;
	bool held = req->held;
	struct domain *dom = req->dom;
	struct cred *cred = req->cred;
	struct proc *p = req->proc;
	kfree(req);
	if (held) {
		domain_put(dom);
		cred_put(cred);
		if (p)
			proc_unhold(p);
		uring_put(r);
	}
}

void uring_req_free(struct uring_req *req)
{
	req_destroy(req);
}

static void req_done(struct task *t)
{
	req_destroy(container_of(t, struct uring_req, task));
}

/* ---- the inline fast path (uring_submit) ---- */

bool uring_run_inline(struct uring_req *req, struct io_uring_cqe *out, bool *post)
{
	struct uring *r = req->ring;
	long res;
	if (req->op->nowait) {
		/* It never waits: no step, nothing to reset but its CQE. */
		res = req->op->issue(req);
		assert(res != -ERESTART_PARK);
		*post = !((req->sqe_flags & IOSQE_CQE_SKIP_SUCCESS) && res >= 0);
		*out = (struct io_uring_cqe){.user_data = req->sqe.user_data, .res = (i32)res};
		return true;
	}
	struct task *outer = task_step_begin(&req->task);
	res = 0;
	if (req->op->needs_file)
		res = uring_req_file(req);
	if (res == 0)
		res = req->op->issue(req);
	if (res == -ERESTART_PARK) {
		if (!req->park.armed)
			panic("io_uring: %s parked with no wake registered", req->op->name);
		/*
		 * It waits: it becomes a request like any other, listed and
		 * holding its references, before a wake can run it elsewhere
		 * (a wake meanwhile only marks it to run again: task_step_end).
		 */
		req->opened = true;
		__atomic_store_n(&req->started, true, __ATOMIC_SEQ_CST);
		uring_req_hold(req);
		spin_lock(&r->lock);
		list_push_back(&r->reqs, &req->node);
		spin_unlock(&r->lock);
		task_step_end(&req->task, PENDING, outer);
		return false;
	}
	task_step_end(&req->task, READY, outer);
	if (res == -ERESTART_SIGNAL)
		res = -EINTR;
	*post = !((req->sqe_flags & IOSQE_CQE_SKIP_SUCCESS) && res >= 0);
	*out = (struct io_uring_cqe){.user_data = req->sqe.user_data, .res = (i32)res};
	/* Ready to serve the next entry: nothing of this one is left anywhere. */
	park_end(&req->park);
	if (req->op->cleanup)
		req->op->cleanup(req);
	if (req->file) {
		file_put(req->file);
		req->file = NULL;
	}
	req->is_timeout = false;
	req->cflags = 0;
	/* The operation's own state (the union, last): the next entry's prep finds it zeroed. */
	memset(&req->rw, 0, sizeof *req - offsetof(struct uring_req, rw));
	task_reuse(&req->task);
	return true;
}

int uring_req_file(struct uring_req *req)
{
	if (req->file)
		return 0;
	struct uring *r = req->ring;
	if (req->sqe_flags & IOSQE_FIXED_FILE) {
		u32 i = (u32)req->sqe.fd;
		spin_lock(&r->lock);
		struct file *f = i < r->nr_files ? r->files[i] : NULL;
		if (f)
			file_get(f);
		spin_unlock(&r->lock);
		req->file = f;
	} else {
		req->file = fs_fget(req->sqe.fd);
	}
	return req->file ? 0 : -EBADF;
}

/* ---- cancelling ---- */

int uring_cancel_locked(struct uring_req *req, long res)
{
	u64 old = __atomic_load_n(&req->ctl, __ATOMIC_ACQUIRE);
	do {
		if (old & RQ_CANCEL)
			return -EALREADY;
	} while (!__atomic_compare_exchange_n(&req->ctl, &old,
					      old | RQ_CANCEL | ((u64)(u32)(i32)res << 32), false,
					      __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
	/*
	 * A request that has begun steps is parked or stepping: the wake
	 * makes its next step see the flag. One that has not begun finds it
	 * at its first step, wherever it waits for its turn (a chain, the
	 * defer list, a list about to run); waking it would queue a task
	 * that is not ready to run.
	 */
	if (__atomic_load_n(&req->started, __ATOMIC_SEQ_CST))
		task_wake(&req->task);
	return (old & RQ_BUSY) ? -EALREADY : 0;
}

/* ---- steps ---- */

/* One step of req, here: its result, or -ERESTART_PARK with a wake registered. */
static long req_step(struct uring_req *req)
{
	if (!req->started)
		__atomic_store_n(&req->started, true, __ATOMIC_SEQ_CST);
	/* Before RQ_BUSY: a canceller that sees the bit sees which core it is on. */
	__atomic_store_n(&req->step_cpu, this_cpu()->index, __ATOMIC_RELAXED);
	u64 old = __atomic_fetch_or(&req->ctl, RQ_BUSY, __ATOMIC_SEQ_CST);
	long res;
	if (old & RQ_CANCEL) {
		park_cancel(&req->park); /* off its queues and timer, what it held let go */
		res = (i32)(old >> 32);
	} else {
		struct cur_saved saved = cur_act_for(req->proc, req->dom, req->fs, req->cred);
		res = 0;
		if (!req->opened) {
			req->opened = true;
			if (req->op->needs_file)
				res = uring_req_file(req);
		}
		if (res == 0)
			res = req->op->issue(req);
		cur_restore(saved);
		if (res == -ERESTART_PARK && !req->park.armed)
			panic("io_uring: %s parked with no wake registered", req->op->name);
		if (res == -ERESTART_SIGNAL)
			res = -EINTR; /* the signal went to the submitter, if anywhere */
	}
	__atomic_fetch_and(&req->ctl, ~(u64)RQ_BUSY, __ATOMIC_SEQ_CST);
	return res;
}

static struct uring_req *ready_pop(struct uring_ready *l)
{
	struct uring_req *req = l->head;
	if (req) {
		l->head = req->ready;
		if (!l->head)
			l->tail = &l->head;
	}
	return req;
}

void uring_run(struct uring_ready *l)
{
	struct uring_req *req;
	while ((req = ready_pop(l))) {
		if (req->prep_err) {
			/* Failed at prep: it completes at its turn, in order with the rest. */
			uring_complete(req, req->prep_err, l);
			req_destroy(req);
			continue;
		}
		if (!req->started)
			uring_link_timeout_arm(req, l);
		if ((req->sqe_flags & IOSQE_ASYNC) && !req->started) {
			__atomic_store_n(&req->started, true, __ATOMIC_SEQ_CST);
			task_spawn(&req->task, -1); /* its first step in a task of its own */
			continue;
		}
		struct task *outer = task_step_begin(&req->task);
		long res = req_step(req);
		if (res == -ERESTART_PARK) {
			task_step_end(&req->task, PENDING, outer);
			continue;
		}
		task_step_end(&req->task, READY, outer);
		uring_complete(req, res, l);
		req_destroy(req);
	}
}

/* A request's task, polled by the executor after a wake (or first, with IOSQE_ASYNC). */
static enum poll_result req_poll(struct task *t)
{
	struct uring_req *req = container_of(t, struct uring_req, task);
	park_resume(&req->park);
	req->park.restarting = req->opened;
	struct uring_ready l = URING_READY_INIT(l);
	l.async = true;
	req->in_task = true;
	long res = req_step(req);
	if (res != -ERESTART_PARK)
		uring_complete(req, res, &l);
	uring_run(&l);
	return res == -ERESTART_PARK ? PENDING : READY; /* READY: req_done frees it */
}

/* ---- completion ---- */

/* Did req fail in a way that cuts its chain? */
static bool breaks_chain(struct uring_req *req, long res)
{
	if (res >= 0 && req->op && req->op->net)
		return (u64)res < req->net.min_ret;
	if (res >= 0)
		return req->op && req->op->rw && (u64)res != req->rw.total;
	if (req->is_timeout && res == -ETIME &&
	    (req->sqe.op_flags & IORING_TIMEOUT_ETIME_SUCCESS))
		return false;
	return true;
}

static void start_locked(struct uring *r, struct uring_req *req, struct uring_ready *ready)
{
	if (req->drain)
		r->barrier = req->chain_end;
	uring_ready_push(ready, req);
}

/* Is a drain holding anything back, or about to? The fast path looks at this. */
static void draining_update_locked(struct uring *r)
{
	bool d = !list_empty(&r->defer) || r->completed < r->barrier;
	__atomic_store_n(&r->draining, d, __ATOMIC_RELEASE);
}

void uring_queue_locked(struct uring_req *req, struct uring_ready *ready)
{
	struct uring *r = req->ring;
	assert(spin_is_locked(&r->lock));
	if (!list_empty(&r->defer) || r->completed < r->barrier ||
	    (req->drain && r->completed < req->seq)) {
		list_push_back(&r->defer, &req->qnode);
		req->queued = true;
	} else {
		start_locked(r, req, ready);
	}
	draining_update_locked(r);
}

/* Start what a drain held back, now that enough has completed; caller holds r->lock. */
static void defer_flush_locked(struct uring *r, struct uring_ready *ready)
{
	while (!list_empty(&r->defer)) {
		struct uring_req *req = container_of(r->defer.next, struct uring_req, qnode);
		if (r->completed < r->barrier || (req->drain && r->completed < req->seq))
			break;
		list_remove(&req->qnode);
		req->queued = false;
		start_locked(r, req, ready);
	}
	draining_update_locked(r);
}

/*
 * Complete one request under r->lock: post its CQE (unless it asked to
 * skip a success), count it, take it off the lists. Returns whether it
 * cut its chain.
 */
static bool complete_locked(struct uring *r, struct uring_req *req, long res)
{
	bool cut = breaks_chain(req, res);
	bool skip = (req->sqe_flags & IOSQE_CQE_SKIP_SUCCESS) && !cut && res >= 0;
	if (!skip) {
		uring_post_locked(r, req->sqe.user_data, (i32)res, req->cflags);
		if (!req->is_timeout)
			r->cq_posted++;
	}
	r->completed++;
	list_remove(&req->node);
	if (req->queued) {
		list_remove(&req->qnode);
		req->queued = false;
	}
	return cut;
}

/* A request that never started ends with res, and its link timeout with it; queued to free. */
static void settle_unstarted_locked(struct uring *r, struct uring_req *req, long res,
				    struct uring_ready *dead)
{
	complete_locked(r, req, res);
	uring_ready_push(dead, req);
	struct uring_req *lt = req->ltimeout;
	if (lt) {
		req->ltimeout = NULL;
		lt->timed = NULL;
		complete_locked(r, lt, -ECANCELED);
		uring_ready_push(dead, lt);
	}
}

void uring_complete(struct uring_req *req, long res, struct uring_ready *ready)
{
	struct uring *r = req->ring;
	/*
	 * Its file goes before its CQE shows: a program that saw the CQE and
	 * closed the descriptor has closed the file (a listener no longer
	 * listens), as on Linux, whose completions run in the submitter's
	 * own task before its wait returns. Off its queues first, as they
	 * may be the file's.
	 */
	park_resume(&req->park);
	timer_cancel_sync(&req->park.timer);
	park_end(&req->park);
	if (req->file) {
		file_put(req->file);
		req->file = NULL;
	}
	struct uring_ready dead = URING_READY_INIT(dead); /* never started: freed here */
	spin_lock(&r->lock);
	bool cut = complete_locked(r, req, res);
	/* A link timeout and its request: whichever ends first ends the other. */
	struct uring_req *lt = req->ltimeout;
	if (lt) {
		req->ltimeout = NULL;
		lt->timed = NULL;
		if (req->started) {
			uring_cancel_locked(lt, -ECANCELED); /* armed when req started */
		} else {
			complete_locked(r, lt, -ECANCELED);
			uring_ready_push(&dead, lt);
		}
	}
	struct uring_req *timed = req->timed;
	if (timed) {
		/* req is a link timeout that fired: its request is cancelled. */
		req->timed = NULL;
		timed->ltimeout = NULL;
		uring_cancel_locked(timed, -ECANCELED);
	}
	struct uring_req *next = req->link;
	req->link = NULL;
	if (next && (!cut || (req->sqe_flags & IOSQE_IO_HARDLINK))) {
		uring_ready_push(ready, next); /* the chain goes on */
	} else {
		/* Cut: the rest fails, each with its own prep error or ECANCELED. */
		while (next) {
			struct uring_req *n = next;
			next = n->link;
			n->link = NULL;
			long res = n->prep_err ? n->prep_err : -ECANCELED;
			settle_unstarted_locked(r, n, res, &dead);
		}
	}
	uring_timeouts_flush_locked(r);
	defer_flush_locked(r, ready);
	spin_unlock(&r->lock);
	uring_cq_wake(r, ready->async);
	struct uring_req *d;
	while ((d = ready_pop(&dead)))
		req_destroy(d);
}

bool uring_post_more(struct uring_req *req, i32 res, u32 flags)
{
	struct uring *r = req->ring;
	spin_lock(&r->lock);
	uring_flush_overflow_locked(r);
	/* Only into the ring itself: with no room the caller ends (its last CQE overflows). */
	bool ok = list_empty(&r->overflow) && uring_cq_ready(r) < r->cq_entries;
	if (ok) {
		uring_post_locked(r, req->sqe.user_data, res, flags);
		r->cq_posted++;
		uring_timeouts_flush_locked(r);
	}
	spin_unlock(&r->lock);
	if (ok)
		uring_cq_wake(r, req->in_task);
	return ok;
}
