/*
 * Ferry's own operations on the ring (include/uapi/ferry.h): sending and
 * receiving zero-copy channel messages, spawning a program and waiting
 * for a child, so that one thread can run a pipeline of processes and
 * their messages from one ring. And MSG_RING, which posts into another
 * ring. Each calls what the system call calls: chan_send, chan_recv
 * (which parks the request on the channel, as it parks a thread),
 * exec_spawn, proc_wait_child.
 */
#include "uring/uring.h"
#include "exec/exec.h"
#include "fs/vfs.h"
#include "ipc/chan.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "uapi/ferry.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* Every field a Ferry operation does not name must be zero. */
static bool only(const struct io_uring_sqe *s, bool fd, bool off, bool addr, bool len,
		 bool flags, bool addr3)
{
	return (fd || !s->fd) && (off || !s->off) && (addr || !s->addr) && (len || !s->len) &&
	       (flags || !s->op_flags) && (addr3 || !s->addr3) && !s->buf_index &&
	       !s->splice_fd_in && !s->ioprio && !s->pad2;
}

static int msg_send_prep(struct uring_req *req)
{
	return only(&req->sqe, true, false, true, true, false, false) ? 0 : -EINVAL;
}

static long msg_send_issue(struct uring_req *req)
{
	if (!file_is_chan(req->file))
		return -EBADF;
	return chan_send(req->file, req->dom, req->sqe.addr, req->sqe.len);
}

static int msg_recv_prep(struct uring_req *req)
{
	return only(&req->sqe, true, false, true, false, false, false) ? 0 : -EINVAL;
}

static long msg_recv_issue(struct uring_req *req)
{
	if (!file_is_chan(req->file))
		return -EBADF;
	/* Check where the address goes before a message leaves the queue. */
	u64 zero = 0;
	if (copy_to_domain(req->dom, req->sqe.addr, &zero, sizeof zero) < 0)
		return -EFAULT;
	vaddr_t va;
	long r = chan_recv(req->file, req->dom, &va);
	if (r > 0)
		copy_to_domain(req->dom, req->sqe.addr, &va, sizeof va);
	return r;
}

static int spawn_prep(struct uring_req *req)
{
	return only(&req->sqe, false, true, true, false, false, true) ? 0 : -EINVAL;
}

static long spawn_issue(struct uring_req *req)
{
	return exec_spawn(req->sqe.addr, req->sqe.off, req->sqe.addr3);
}

#define WNOHANG    1
#define WUNTRACED  2
#define WEXITED    4
#define WCONTINUED 8

static int wait_prep(struct uring_req *req)
{
	if (!only(&req->sqe, true, false, true, false, true, false))
		return -EINVAL;
	return req->sqe.op_flags & ~(u32)(WNOHANG | WUNTRACED | WCONTINUED) ? -EINVAL : 0;
}

static long wait_issue(struct uring_req *req)
{
	int status;
	u32 pid;
	struct usage ru;
	long r = proc_wait_child(req->sqe.fd, (int)req->sqe.op_flags | WEXITED, &status, &pid, &ru);
	if (r <= 0)
		return r;
	if (req->sqe.addr && copy_to_domain(req->dom, req->sqe.addr, &status, sizeof status) < 0)
		return -EFAULT;
	return pid;
}

const struct uring_op uring_op_ferry_msg_send = {.name = "FERRY_MSG_SEND",
						 .prep = msg_send_prep,
						 .issue = msg_send_issue,
						 .needs_file = true};
const struct uring_op uring_op_ferry_msg_recv = {.name = "FERRY_MSG_RECV",
						 .prep = msg_recv_prep,
						 .issue = msg_recv_issue,
						 .needs_file = true};
const struct uring_op uring_op_ferry_spawn = {
	.name = "FERRY_SPAWN", .prep = spawn_prep, .issue = spawn_issue};
const struct uring_op uring_op_ferry_wait = {
	.name = "FERRY_WAIT", .prep = wait_prep, .issue = wait_issue};

/* ---- MSG_RING ---- */

static int msg_ring_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->personality || s->ioprio)
		return -EINVAL;
	if (s->addr == IORING_MSG_SEND_FD) {
		uring_unsupported("MSG_RING's IORING_MSG_SEND_FD");
		return -EINVAL;
	}
	if (s->addr != IORING_MSG_DATA || s->op_flags || s->splice_fd_in)
		return -EINVAL;
	return 0;
}

/* IORING_MSG_DATA: a CQE in the target ring with res len and user data off. */
static long msg_ring_issue(struct uring_req *req)
{
	struct uring *t = uring_of(req->file);
	if (!t)
		return -EBADFD;
	spin_lock(&t->lock);
	bool ok = uring_post_locked(t, req->sqe.off, (i32)req->sqe.len, 0);
	t->cq_posted++;
	uring_timeouts_flush_locked(t);
	spin_unlock(&t->lock);
	uring_cq_wake(t, req->in_task);
	return ok ? 0 : -EOVERFLOW;
}

const struct uring_op uring_op_msg_ring = {
	.name = "MSG_RING", .prep = msg_ring_prep, .issue = msg_ring_issue, .needs_file = true};
