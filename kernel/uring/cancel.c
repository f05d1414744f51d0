/*
 * Cancellation: IORING_OP_ASYNC_CANCEL (by user data, by descriptor, or
 * any; one or all), everything at once when the ring's file closes, and
 * a process's requests when it exits.
 *
 * All of it goes through uring_cancel_locked (req.c): the flag and a
 * wake, under the ring's lock; the request completes from its own next
 * step. An exit is the one place that also waits: a process's file state
 * and memory go right after its exit hooks, so uring_proc_exit returns
 * only once no step of its requests is running (steps never wait, so
 * this is short) and every one of them is flagged, so no later step runs
 * its operation.
 */
#include "uring/uring.h"
#include "arch/x86_64/cpu.h"
#include "exec/exec.h"
#include "lib/errno.h"
#include "lib/kernel.h"

extern struct spinlock uring_list_lock;
extern struct list_node uring_list;

/* ---- IORING_OP_ASYNC_CANCEL ---- */

#define CANCEL_FLAGS                                                                       \
	(IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ANY |          \
	 IORING_ASYNC_CANCEL_FD_FIXED)

static int cancel_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->off || s->len || s->splice_fd_in || s->buf_index || s->ioprio)
		return -EINVAL;
	u32 fl = s->op_flags;
	if (fl & ~CANCEL_FLAGS)
		return -EINVAL;
	if ((fl & IORING_ASYNC_CANCEL_FD) && (fl & IORING_ASYNC_CANCEL_ANY))
		return -EINVAL;
	if ((fl & IORING_ASYNC_CANCEL_FD_FIXED) && !(fl & IORING_ASYNC_CANCEL_FD))
		return -EINVAL;
	if (!(fl & IORING_ASYNC_CANCEL_FD) && s->fd != 0 && s->fd != -1)
		return -EINVAL;
	return 0;
}

static bool cancel_matches(const struct uring_req *req, const struct uring_req *t)
{
	u32 fl = req->sqe.op_flags;
	if (t == req || !__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
		return false;
	if (fl & IORING_ASYNC_CANCEL_ANY)
		return true;
	if (fl & IORING_ASYNC_CANCEL_FD) {
		bool fixed = fl & IORING_ASYNC_CANCEL_FD_FIXED;
		return t->op->needs_file && t->sqe.fd == req->sqe.fd &&
		       fixed == !!(t->sqe_flags & IOSQE_FIXED_FILE);
	}
	return t->sqe.user_data == req->sqe.addr;
}

/*
 * A step of t running on another core right now: the cancel's outcome is
 * not known until it ends (it may park again, and then the flag takes,
 * or complete the request, and then there is nothing left to cancel).
 * Linux never meets this for a request waiting on a file (its retries
 * run in the submitter's own task work, serialised with the cancel), so
 * neither should its callers: the cancel lets the step end and looks
 * again. On this core a busy step is one this cancel runs inside of, so
 * it cannot be waited for: that one gets EALREADY, as on Linux for a
 * request already running.
 */
static bool busy_elsewhere(const struct uring_req *t)
{
	return (__atomic_load_n(&t->ctl, __ATOMIC_SEQ_CST) & RQ_BUSY) &&
	       __atomic_load_n(&t->step_cpu, __ATOMIC_RELAXED) != this_cpu()->index;
}

static long cancel_issue(struct uring_req *req)
{
	struct uring *r = req->ring;
	bool all = req->sqe.op_flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	long n = 0;
	for (;;) {
		long res = -ENOENT;
		bool wait = false;
		spin_lock(&r->lock);
		struct list_node *pos;
		list_for_each(pos, &r->reqs)
		{
			struct uring_req *t = container_of(pos, struct uring_req, node);
			if (!cancel_matches(req, t))
				continue;
			if (busy_elsewhere(t) && !(__atomic_load_n(&t->ctl, __ATOMIC_ACQUIRE) & RQ_CANCEL)) {
				wait = true;
				if (!all)
					break;
				continue;
			}
			res = uring_cancel_locked(t, -ECANCELED);
			n += res == 0;
			if (!all)
				break;
		}
		spin_unlock(&r->lock);
		if (!wait)
			return all ? (n ? n : res) : res;
		/* Steps never wait, so this is short; answer other cores meanwhile. */
		tlb_shootdown_poll();
		__builtin_ia32_pause();
	}
}

const struct uring_op uring_op_async_cancel = {
	.name = "ASYNC_CANCEL", .prep = cancel_prep, .issue = cancel_issue, .nowait = true};

/* ---- the ring closes ---- */

void uring_cancel_all(struct uring *r)
{
	spin_lock(&r->lock);
	struct list_node *pos;
	list_for_each(pos, &r->reqs)
		uring_cancel_locked(container_of(pos, struct uring_req, node), -ECANCELED);
	spin_unlock(&r->lock);
}

/* ---- a process exits ---- */

/* Flag p's requests in r; true if a step of one is still running. Caller holds r->lock. */
static bool flag_proc_locked(struct uring *r, struct proc *p)
{
	bool busy = false;
	struct list_node *pos;
	list_for_each(pos, &r->reqs)
	{
		struct uring_req *t = container_of(pos, struct uring_req, node);
		if (t->proc != p)
			continue;
		uring_cancel_locked(t, -ECANCELED);
		busy |= (__atomic_load_n(&t->ctl, __ATOMIC_SEQ_CST) & RQ_BUSY) != 0;
	}
	return busy;
}

static void uring_proc_exit(struct proc *p)
{
	if (list_empty(&uring_list)) /* a hint: a ring made right now is not p's */
		return;
	for (;;) {
		bool busy = false;
		spin_lock(&uring_list_lock);
		struct list_node *pos;
		list_for_each(pos, &uring_list)
		{
			struct uring *r = container_of(pos, struct uring, all);
			if (r->owner == p)
				busy |= uring_sqpoll_stop(r); /* it submits for p: no more */
			spin_lock(&r->lock);
			busy |= flag_proc_locked(r, p);
			spin_unlock(&r->lock);
		}
		spin_unlock(&uring_list_lock);
		if (!busy)
			return;
		/* A step on another core: it ends soon (steps never wait); answer it meanwhile. */
		tlb_shootdown_poll();
		__builtin_ia32_pause();
	}
}

void uring_init(void)
{
	exit_hook_register(uring_proc_exit);
}
