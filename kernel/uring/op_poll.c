/*
 * POLL_ADD (one-shot and multishot) and POLL_REMOVE (remove, or update
 * the events or user data of a poll in flight).
 *
 * A poll request parks on the file's wait queues through a poll set of
 * its own, as poll(2) parks a thread. One-shot: complete with the ready
 * events. Multishot: post a CQE with IORING_CQE_F_MORE and stay parked;
 * each later wake of the file's queues looks again and posts if an event
 * it asked for is ready (edge-triggered, as Linux's multishot poll), so a
 * pipe that stays readable does not flood the ring.
 */
#include "uring/uring.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define POLL_SET_CAP 4 /* files wait on at most two queues each */

static int poll_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->off || s->addr || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	if (s->len & ~(u32)IORING_POLL_ADD_MULTI)
		return -EINVAL;
	req->poll.events = (s->op_flags & 0xffff) | POLLERR | POLLHUP;
	req->poll.multi = s->len & IORING_POLL_ADD_MULTI;
	return 0;
}

static long poll_issue(struct uring_req *req)
{
	struct poll_waits *pw = poll_waits_new(POLL_SET_CAP);
	if (!pw)
		return -ENOMEM;
	u32 want = __atomic_load_n(&req->poll.events, __ATOMIC_RELAXED);
	/* The set takes a reference of its own for the file whose queues it waits on. */
	u32 mask = poll_waits_file(pw, file_get(req->file)) & want;
	if (mask && !__atomic_load_n(&req->poll.multi, __ATOMIC_RELAXED)) {
		poll_waits_free(pw);
		return mask;
	}
	if (mask && !uring_post_more(req, (i32)mask, IORING_CQE_F_MORE)) {
		/* The CQ ring is full: the multishot poll ends here, as on Linux. */
		poll_waits_free(pw);
		return mask;
	}
	return park_on_set(poll_waits_free, pw);
}

const struct uring_op uring_op_poll_add = {
	.name = "POLL_ADD", .prep = poll_prep, .issue = poll_issue, .needs_file = true};

/* ---- POLL_REMOVE ---- */

#define UPDATE_FLAGS (IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA)

static int poll_remove_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	u32 fl = s->len;
	if (fl & ~(UPDATE_FLAGS | IORING_POLL_ADD_MULTI))
		return -EINVAL;
	if (fl == IORING_POLL_ADD_MULTI)
		return -EINVAL; /* meaningless without an update */
	if (!(fl & IORING_POLL_UPDATE_USER_DATA) && s->off)
		return -EINVAL;
	if (!(fl & IORING_POLL_UPDATE_EVENTS) && s->op_flags)
		return -EINVAL;
	return 0;
}

static long poll_remove_issue(struct uring_req *req)
{
	struct uring *r = req->ring;
	u32 fl = req->sqe.len;
	long res = -ENOENT;
	spin_lock(&r->lock);
	struct list_node *pos;
	list_for_each(pos, &r->reqs)
	{
		struct uring_req *t = container_of(pos, struct uring_req, node);
		if (t->opcode != IORING_OP_POLL_ADD || t->sqe.user_data != req->sqe.addr ||
		    !__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
			continue;
		if (!(fl & UPDATE_FLAGS)) {
			res = uring_cancel_locked(t, -ECANCELED);
			break;
		}
		if (__atomic_load_n(&t->ctl, __ATOMIC_ACQUIRE) & RQ_CANCEL) {
			res = -EALREADY;
			break;
		}
		if (fl & IORING_POLL_UPDATE_EVENTS) {
			u32 ev = (req->sqe.op_flags & 0xffff) | POLLERR | POLLHUP;
			__atomic_store_n(&t->poll.events, ev, __ATOMIC_RELAXED);
			__atomic_store_n(&t->poll.multi, (fl & IORING_POLL_ADD_MULTI) != 0,
					 __ATOMIC_RELAXED);
		}
		if (fl & IORING_POLL_UPDATE_USER_DATA)
			t->sqe.user_data = req->sqe.off; /* read at posts, under the lock */
		task_wake(&t->task); /* look again with what changed */
		res = 0;
		break;
	}
	spin_unlock(&r->lock);
	return res;
}

const struct uring_op uring_op_poll_remove = {.name = "POLL_REMOVE",
					      .prep = poll_remove_prep,
					      .issue = poll_remove_issue,
					      .nowait = true};
