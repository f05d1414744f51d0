/*
 * Sockets on the ring: SEND, RECV, SENDMSG, RECVMSG, ACCEPT (one-shot
 * and multishot), CONNECT and SHUTDOWN, built on the socket layer's own
 * steps (net/net.h) as READ and WRITE are built on the VFS (op_rw.c). A
 * socket with nothing to give or no room parks the request on the
 * socket's queue exactly as it parks a thread in recv(2), keeping the
 * bytes moved so far in the request's park (invariant 3), and the wake
 * runs the request's next step on whichever core: no thread waits.
 *
 * What Linux's io_uring does, and so this does:
 *  - a request waits whatever the socket's O_NONBLOCK says, and without
 *    SO_RCVTIMEO/SO_SNDTIMEO (Linux polls for readiness instead of
 *    blocking); MSG_DONTWAIT in the request's own flags gives EAGAIN;
 *  - sends never raise SIGPIPE (MSG_NOSIGNAL is implied): EPIPE only;
 *  - with MSG_WAITALL a short result (the peer closed) cuts a link chain;
 *  - SUBMIT_STABLE: SENDMSG's and RECVMSG's msghdr (iovec, name, control
 *    data), CONNECT's and SEND's address are copied at submission;
 *    RECVMSG writes the name, flags and control length back into the
 *    user's msghdr when it completes, ACCEPT the peer's address;
 *  - a descriptor that is no socket gives ENOTSOCK, a bad buffer EFAULT,
 *    in the CQE;
 *  - provided buffers (IOSQE_BUFFER_SELECT, RECV multishot, bundles) and
 *    accepting into a fixed-file slot are refused with EINVAL (Ferry has
 *    neither provided buffers nor direct descriptors).
 */
#include "uring/uring.h"
#include "net/net.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* sqe.ioprio's flags for send and receive, and for accept (Linux's values). */
#define RECVSEND_POLL_FIRST (1U << 0)
#define RECV_MULTISHOT      (1U << 1)
#define RECVSEND_BUNDLE     (1U << 4)
#define ACCEPT_MULTISHOT    (1U << 0)
#define ACCEPT_DONTWAIT     (1U << 1)
#define ACCEPT_POLL_FIRST   (1U << 2)

/* The socket behind the request's file, or NULL (ENOTSOCK). */
static struct socket *req_socket(struct uring_req *req)
{
	return file_socket(req->file);
}

static void net_cleanup(struct uring_req *req)
{
	if (req->net.mc) {
		sock_msgcall_free(req->net.mc);
		kfree(req->net.mc);
	}
	kfree(req->net.addr);
	memset(&req->net, 0, sizeof req->net); /* a reused request starts clean */
}

/* An address from the user (CONNECT, SEND's destination), copied now: as connect(2). */
static int addr_prep(struct uring_req *req, u64 uaddr, u64 len)
{
	if ((i64)(i32)len < 0 || len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	struct sockaddr_storage *a = kzalloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	req->net.addr = a;
	req->net.addrlen = (u32)len;
	if (len && copy_from_domain(cur_dom(), a, uaddr, len) < 0)
		return -EFAULT;
	return 0;
}

/* ---- SEND, RECV, SENDMSG, RECVMSG ---- */

static bool is_send(u8 op)
{
	return op == IORING_OP_SEND || op == IORING_OP_SENDMSG;
}

static int sr_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	u8 op = req->opcode;
	bool send = is_send(op), msg = op == IORING_OP_SENDMSG || op == IORING_OP_RECVMSG;
	u32 fl = s->ioprio;
	if (fl & ~(RECVSEND_POLL_FIRST | RECV_MULTISHOT | RECVSEND_BUNDLE))
		return -EINVAL;
	if (fl & (RECV_MULTISHOT | RECVSEND_BUNDLE))
		return -EINVAL; /* both need provided buffers (IOSQE_BUFFER_SELECT) */
	if (send && (fl & RECV_MULTISHOT))
		return -EINVAL;
	/* buf_index (a buffer group) and addr3 are not looked at here, as on Linux. */
	req->net.flags = s->op_flags;
	if (send)
		req->net.flags |= MSG_NOSIGNAL;
	if (op == IORING_OP_SEND) {
		if (s->splice_fd_in >> 16)
			return -EINVAL;
		if (s->off) { /* sendto(2)'s destination: addr2, addr_len */
			int e = addr_prep(req, s->off, (u16)s->splice_fd_in);
			if (e)
				return e;
		}
	} else if (s->splice_fd_in || s->off) {
		return -EINVAL;
	}
	if (!msg) {
		req->net.total = MIN((u64)s->len, MAX_RW_COUNT);
		req->net.min_ret = (req->net.flags & MSG_WAITALL) ? req->net.total : 0;
		return 0;
	}
	/* sqe.len is not looked at (liburing sets it to 1), as on Linux. */
	struct sock_msgcall *c = kmalloc(sizeof *c);
	if (!c)
		return -ENOMEM;
	long e = sock_msgcall_in(s->addr, c, send);
	req->net.mc = c;
	if (e < 0)
		return (int)e;
	req->net.total = c->uio.resid;
	req->net.min_ret = (req->net.flags & MSG_WAITALL) ? req->net.total : 0;
	return 0;
}

/* SEND and RECV: one transfer on the request's buffer, resuming after what moved. */
static long sr_plain(struct uring_req *req, struct socket *so, bool send)
{
	struct io_uring_sqe *s = &req->sqe;
	if (!user_range_ok(s->addr, req->net.total))
		return -EFAULT;
	struct uio u;
	uio_init_user(&u, req->dom, s->addr, req->net.total);
	struct scm scm = {0};
	struct kmsg m = {.uio = &u, .flags = req->net.flags, .scm = send ? NULL : &scm};
	if (send && req->net.addr) {
		m.to = req->net.addr;
		m.tolen = req->net.addrlen;
	}
	m.done = park_progress();
	if (m.done)
		uio_skip(&u, m.done);
	long r = send ? so->ops->sendmsg(so, &m) : so->ops->recvmsg(so, &m);
	if (r == -ERESTART_PARK)
		park_save_progress(m.done);
	scm_destroy(&scm); /* descriptors sent with the data go, as with recv(2) */
	return r;
}

/* SENDMSG and RECVMSG: the msghdr taken at prep, its vector copied afresh for each step. */
static long sr_msg(struct uring_req *req, struct socket *so, bool send)
{
	struct sock_msgcall *c = req->net.mc;
	u32 n = (u32)c->h.msg_iovlen;
	struct kiovec *iov = NULL;
	if (n) {
		iov = kmalloc(n * sizeof *iov);
		if (!iov)
			return -ENOMEM;
		memcpy(iov, c->iov, n * sizeof *iov);
	}
	uio_init_iov(&c->uio, req->dom, iov, (int)n, req->net.total);
	u64 done = park_progress();
	long r = send ? sock_msgcall_send(so, c, req->net.flags, 0, &done)
		      : sock_msgcall_recv(so, c, req->sqe.addr, req->net.flags, 0, &done);
	if (r == -ERESTART_PARK)
		park_save_progress(done);
	kfree(iov);
	return r;
}

static long sr_issue(struct uring_req *req)
{
	struct socket *so = req_socket(req);
	if (!so)
		return -ENOTSOCK;
	bool send = is_send(req->opcode);
	if (req->opcode == IORING_OP_SEND || req->opcode == IORING_OP_RECV)
		return sr_plain(req, so, send);
	return sr_msg(req, so, send);
}

#define SR_OP(id, nm)                                                                      \
	const struct uring_op uring_op_##id = {.name = nm,                                  \
					       .prep = sr_prep,                             \
					       .issue = sr_issue,                           \
					       .cleanup = net_cleanup,                      \
					       .needs_file = true,                          \
					       .net = true}
SR_OP(send, "SEND");
SR_OP(recv, "RECV");
SR_OP(sendmsg, "SENDMSG");
SR_OP(recvmsg, "RECVMSG");

/* ---- ACCEPT ---- */

static int accept_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->len || s->buf_index)
		return -EINVAL;
	u32 fl = s->ioprio;
	if (fl & ~(ACCEPT_MULTISHOT | ACCEPT_DONTWAIT | ACCEPT_POLL_FIRST))
		return -EINVAL;
	if (s->op_flags & ~(u32)(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (s->splice_fd_in) {
		uring_unsupported("ACCEPT into a fixed file slot");
		return -EINVAL;
	}
	req->net.multi = fl & ACCEPT_MULTISHOT;
	return 0;
}

/*
 * One connection, or (multishot) one CQE with IORING_CQE_F_MORE for each
 * connection waiting, then park for the next. A CQ ring with no room
 * ends a multishot accept with its last connection as the final CQE,
 * as on Linux.
 */
static long accept_issue(struct uring_req *req)
{
	struct socket *so = req_socket(req);
	if (!so)
		return -ENOTSOCK;
	struct io_uring_sqe *s = &req->sqe;
	bool dontwait = s->ioprio & ACCEPT_DONTWAIT;
	for (;;) {
		long r = sock_accept_fd(so, dontwait, s->addr, s->off, s->op_flags, 0);
		if (r < 0 || !req->net.multi)
			return r;
		if (!uring_post_more(req, (i32)r, IORING_CQE_F_MORE))
			return r;
	}
}

const struct uring_op uring_op_accept = {.name = "ACCEPT",
					 .prep = accept_prep,
					 .issue = accept_issue,
					 .cleanup = net_cleanup,
					 .needs_file = true};

/* ---- CONNECT ---- */

static int connect_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->len || s->buf_index || s->op_flags || s->splice_fd_in)
		return -EINVAL;
	return addr_prep(req, s->addr, s->off);
}

/*
 * connect(2) as a blocking call makes it, whatever the socket's
 * O_NONBLOCK (Linux's ring waits for the handshake too): the request
 * parks until the connection is made or refused.
 */
static long connect_issue(struct uring_req *req)
{
	struct socket *so = req_socket(req);
	if (!so)
		return -ENOTSOCK;
	if (!so->ops->connect)
		return -EOPNOTSUPP;
	return so->ops->connect(so, req->net.addr, req->net.addrlen, 0, 0);
}

const struct uring_op uring_op_connect = {.name = "CONNECT",
					  .prep = connect_prep,
					  .issue = connect_issue,
					  .cleanup = net_cleanup,
					  .needs_file = true};

/* ---- SHUTDOWN ---- */

static int shutdown_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->off || s->addr || s->op_flags || s->buf_index || s->splice_fd_in)
		return -EINVAL;
	return 0;
}

static long shutdown_issue(struct uring_req *req)
{
	struct socket *so = req_socket(req);
	if (!so)
		return -ENOTSOCK;
	int how = (int)req->sqe.len;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	return so->ops->shutdown ? so->ops->shutdown(so, how) : -EOPNOTSUPP;
}

const struct uring_op uring_op_shutdown = {.name = "SHUTDOWN",
					   .prep = shutdown_prep,
					   .issue = shutdown_issue,
					   .needs_file = true,
					   .nowait = false};
