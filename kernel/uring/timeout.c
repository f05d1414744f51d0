/*
 * Timeouts: IORING_OP_TIMEOUT (relative or absolute, on CLOCK_MONOTONIC,
 * BOOTTIME or REALTIME, and a completion count), TIMEOUT_REMOVE (remove
 * or update one) and LINK_TIMEOUT (a deadline for the entry before it).
 *
 * A timeout is a request parked on its park's timer (park_until): the
 * timer wakes it and its step finds the deadline passed. A count timeout
 * is also on the ring's list, sorted by the number of CQEs that ends it;
 * the post that reaches it cancels it with result 0. A deadline changed
 * by TIMEOUT_REMOVE is written under the ring's lock and the request is
 * woken to park again on the new one.
 */
#include "uring/uring.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define NSEC 1000000000UL

static int timespec_in(u64 uaddr, u64 *ns)
{
	struct kernel_timespec ts;
	if (copy_from_domain(cur_dom(), &ts, uaddr, sizeof ts) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (i64)NSEC)
		return -EINVAL;
	bool huge = (u64)ts.tv_sec > (~0UL - NSEC) / NSEC;
	*ns = huge ? ~0UL / 2 : (u64)ts.tv_sec * NSEC + (u64)ts.tv_nsec;
	return 0;
}

/* The flags of a TIMEOUT or LINK_TIMEOUT: clocks one at a time, no update flags. */
static int check_flags(u32 fl, bool link)
{
	u32 ok = IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK |
		 (link ? 0 : IORING_TIMEOUT_ETIME_SUCCESS);
	if (fl & ~ok)
		return -EINVAL;
	if ((fl & IORING_TIMEOUT_CLOCK_MASK) == IORING_TIMEOUT_CLOCK_MASK)
		return -EINVAL;
	return 0;
}

/* When a timeout of ns (flags fl) set now ends, in tsc_ns() time. */
static u64 deadline_of(u64 ns, u32 fl)
{
	u64 now = tsc_ns();
	if (!(fl & IORING_TIMEOUT_ABS))
		return now + ns;
	if (fl & IORING_TIMEOUT_REALTIME) {
		u64 epoch = realtime_epoch_ns(); /* CLOCK_REALTIME at tsc_ns() == 0 */
		ns = ns > epoch ? ns - epoch : 0;
	}
	/* CLOCK_MONOTONIC and BOOTTIME are tsc_ns() here: nothing suspends. */
	return ns ? ns : 1;
}

static int timeout_prep_common(struct uring_req *req, bool link)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->len != 1 || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	if (link && s->off)
		return -EINVAL;
	int e = check_flags(s->op_flags, link);
	if (e < 0)
		return e;
	req->timeout.abs = s->op_flags & IORING_TIMEOUT_ABS;
	req->timeout.count = s->off;
	return timespec_in(s->addr, &req->timeout.ts_ns);
}

static int timeout_prep(struct uring_req *req)
{
	req->is_timeout = true;
	return timeout_prep_common(req, false);
}

static int link_timeout_prep(struct uring_req *req)
{
	return timeout_prep_common(req, true);
}

static void timeouts_insert_locked(struct uring *r, struct uring_req *req)
{
	struct list_node *pos = r->timeouts.prev;
	while (pos != &r->timeouts &&
	       container_of(pos, struct uring_req, qnode)->timeout.target > req->timeout.target)
		pos = pos->prev;
	list_insert_after(pos, &req->qnode);
	req->queued = true;
}

/* Both kinds: arm on the first step, then sleep to the deadline (which TIMEOUT_REMOVE may move). */
static long timeout_issue(struct uring_req *req)
{
	struct uring *r = req->ring;
	spin_lock(&r->lock);
	if (!park_restarting()) {
		req->timeout.deadline = deadline_of(req->timeout.ts_ns, req->sqe.op_flags);
		if (req->is_timeout && req->timeout.count) {
			req->timeout.target = r->cq_posted + req->timeout.count;
			timeouts_insert_locked(r, req);
		}
	}
	u64 deadline = req->timeout.deadline;
	spin_unlock(&r->lock);
	long x = park_until(deadline);
	return x == 0 ? -ETIME : x;
}

void uring_timeouts_flush_locked(struct uring *r)
{
	assert(spin_is_locked(&r->lock));
	while (!list_empty(&r->timeouts)) {
		struct uring_req *t = container_of(r->timeouts.next, struct uring_req, qnode);
		if (t->timeout.target > r->cq_posted)
			return;
		list_remove(&t->qnode);
		t->queued = false;
		uring_cancel_locked(t, 0); /* its count is reached */
	}
}

void uring_link_timeout_arm(struct uring_req *req, struct uring_ready *ready)
{
	if (!__atomic_load_n(&req->ltimeout, __ATOMIC_RELAXED))
		return;
	struct uring *r = req->ring;
	spin_lock(&r->lock);
	struct uring_req *lt = req->ltimeout;
	if (lt)
		uring_ready_push(ready, lt);
	spin_unlock(&r->lock);
}

/* ---- TIMEOUT_REMOVE ---- */

static int timeout_remove_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->len || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	u32 fl = s->op_flags;
	if (fl & IORING_TIMEOUT_UPDATE_MASK) {
		if ((fl & IORING_TIMEOUT_UPDATE_MASK) == IORING_TIMEOUT_UPDATE_MASK)
			return -EINVAL;
		if (check_flags(fl & ~IORING_TIMEOUT_UPDATE_MASK, true) < 0)
			return -EINVAL;
		return timespec_in(s->off, &req->timeout.ts_ns);
	}
	return fl ? -EINVAL : 0;
}

static long timeout_remove_issue(struct uring_req *req)
{
	struct uring *r = req->ring;
	u32 fl = req->sqe.op_flags;
	bool update = fl & IORING_TIMEOUT_UPDATE_MASK;
	u8 want = fl & IORING_LINK_TIMEOUT_UPDATE ? IORING_OP_LINK_TIMEOUT : IORING_OP_TIMEOUT;
	long res = -ENOENT;
	spin_lock(&r->lock);
	struct list_node *pos;
	list_for_each(pos, &r->reqs)
	{
		struct uring_req *t = container_of(pos, struct uring_req, node);
		if (t->opcode != want || t->sqe.user_data != req->sqe.addr ||
		    !__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
			continue;
		if (!update) {
			res = uring_cancel_locked(t, -ECANCELED);
		} else if (__atomic_load_n(&t->ctl, __ATOMIC_ACQUIRE) & RQ_CANCEL) {
			res = -EALREADY;
		} else {
			t->timeout.deadline = deadline_of(req->timeout.ts_ns, fl);
			task_wake(&t->task); /* to park again on the new deadline */
			res = 0;
		}
		break;
	}
	spin_unlock(&r->lock);
	return res;
}

const struct uring_op uring_op_timeout = {
	.name = "TIMEOUT", .prep = timeout_prep, .issue = timeout_issue};
const struct uring_op uring_op_link_timeout = {
	.name = "LINK_TIMEOUT", .prep = link_timeout_prep, .issue = timeout_issue};
const struct uring_op uring_op_timeout_remove = {
	.name = "TIMEOUT_REMOVE", .prep = timeout_remove_prep, .issue = timeout_remove_issue,
	.nowait = true};
