/*
 * Futures over io_uring (future.h). Each operation's SQE carries its
 * future's address as user data; the loop (fexec_step) reaps CQEs and
 * makes their futures ready, running continuations and telling the
 * combinator a future belongs to.
 */
#include "future.h"

#include <errno.h>
#include <string.h>
#include <uapi/ferry.h>

enum { KIND_OP, KIND_ALL, KIND_ANY };

int fexec_init(struct fexec *ex, unsigned entries)
{
	ex->inflight = 0;
	return uring_open(&ex->ring, entries, 0, 0);
}

void fexec_exit(struct fexec *ex)
{
	uring_close(&ex->ring);
}

static void make_ready(struct future *f);

/* A kid of combinator j became ready. */
static void kid_ready(struct future *j, struct future *kid)
{
	if (j->state != FUT_PENDING)
		return;
	if (j->kind == KIND_ANY) {
		j->res = kid->first; /* its index in the combinator, set by fut_any */
		make_ready(j);
	} else if (--j->left == 0) {
		j->res = 0;
		make_ready(j);
	}
}

static void make_ready(struct future *f)
{
	f->state = FUT_READY;
	if (f->then)
		f->then(f, f->arg);
	if (f->parent)
		kid_ready(f->parent, f);
}

void fut_init(struct future *f, fut_then then, void *arg)
{
	memset(f, 0, sizeof *f);
	f->state = FUT_PENDING;
	f->then = then;
	f->arg = arg;
}

void fut_complete(struct future *f, int32_t res)
{
	if (f->state != FUT_PENDING)
		return;
	f->res = res;
	make_ready(f);
}

int fexec_step(struct fexec *ex, int wait)
{
	struct uring *r = &ex->ring;
	if (uring_unsubmitted(r) || (wait && ex->inflight && !uring_peek_cqe(r))) {
		unsigned nr = wait && ex->inflight && !uring_peek_cqe(r) ? 1 : 0;
		int e = uring_submit_wait(r, nr, -1);
		if (e < 0 && e != -EINTR && e != -ETIME && e != -EBUSY)
			return e;
	}
	int n = 0;
	struct io_uring_cqe *cqe;
	while ((cqe = uring_peek_cqe(r))) {
		struct future *f = (struct future *)(uintptr_t)cqe->user_data;
		int32_t res = cqe->res;
		uint32_t flags = cqe->flags;
		uring_cqe_seen(r); /* the slot is free before continuations start more */
		n++;
		if (!f)
			continue;
		f->res = res;
		f->flags = flags;
		if (flags & IORING_CQE_F_MORE) {
			if (f->then)
				f->then(f, f->arg); /* a multishot CQE: more to come */
			continue;
		}
		ex->inflight--;
		make_ready(f);
	}
	return n;
}

int fexec_run(struct fexec *ex)
{
	while (ex->inflight || uring_unsubmitted(&ex->ring)) {
		int e = fexec_step(ex, 1);
		if (e < 0)
			return e;
	}
	return 0;
}

int32_t fut_await(struct fexec *ex, struct future *f)
{
	while (f->state == FUT_PENDING)
		if (fexec_step(ex, 1) < 0)
			break;
	return f->res;
}

void fut_await_all(struct fexec *ex, struct future **fs, int n)
{
	for (int i = 0; i < n; i++)
		fut_await(ex, fs[i]);
}

int fut_await_any(struct fexec *ex, struct future **fs, int n)
{
	for (;;) {
		for (int i = 0; i < n; i++)
			if (fs[i]->state == FUT_READY)
				return i;
		if (fexec_step(ex, 1) < 0)
			return -1;
	}
}

static void combine(struct future *j, struct future **kids, int n, int kind, fut_then then,
		    void *arg)
{
	memset(j, 0, sizeof *j);
	j->kind = kind;
	j->then = then;
	j->arg = arg;
	j->state = FUT_PENDING;
	j->left = n;
	int ready = -1;
	for (int i = 0; i < n; i++) {
		kids[i]->parent = j;
		kids[i]->first = i;
		if (kids[i]->state == FUT_READY) {
			if (ready < 0)
				ready = i;
			j->left--;
		}
	}
	if (kind == KIND_ANY && ready >= 0) {
		j->res = ready;
		make_ready(j);
	} else if (kind == KIND_ALL && j->left == 0) {
		make_ready(j);
	}
}

void fut_all(struct future *j, struct future **kids, int n, fut_then then, void *arg)
{
	combine(j, kids, n, KIND_ALL, then, arg);
}

void fut_any(struct future *j, struct future **kids, int n, fut_then then, void *arg)
{
	combine(j, kids, n, KIND_ANY, then, arg);
}

int fut_start(struct fexec *ex, struct future *f, const struct io_uring_sqe *tmpl, fut_then then,
	      void *arg)
{
	struct io_uring_sqe *sqe = uring_get_sqe(&ex->ring);
	if (!sqe) {
		/* The SQ is full: hand it to the kernel first. */
		int e = uring_submit_wait(&ex->ring, 0, -1);
		if (e < 0)
			return e;
		sqe = uring_get_sqe(&ex->ring);
		if (!sqe)
			return -EBUSY;
	}
	*sqe = *tmpl;
	sqe->user_data = (uint64_t)(uintptr_t)f;
	f->state = FUT_PENDING;
	f->then = then;
	f->arg = arg;
	f->parent = NULL;
	f->kind = KIND_OP;
	f->res = 0;
	f->flags = 0;
	ex->inflight++;
	return 0;
}

static int op(struct fexec *ex, struct future *f, uint8_t opcode, int fd, uint64_t addr,
	      uint32_t len, uint64_t off, fut_then then, void *arg)
{
	struct io_uring_sqe s;
	memset(&s, 0, sizeof s);
	uring_prep(&s, opcode, fd, addr, len, off);
	return fut_start(ex, f, &s, then, arg);
}

int fut_nop(struct fexec *ex, struct future *f, fut_then then, void *arg)
{
	return op(ex, f, IORING_OP_NOP, -1, 0, 0, 0, then, arg);
}

int fut_read(struct fexec *ex, struct future *f, int fd, void *buf, size_t len, int64_t off,
	     fut_then then, void *arg)
{
	return op(ex, f, IORING_OP_READ, fd, (uintptr_t)buf, (uint32_t)len, (uint64_t)off, then,
		  arg);
}

int fut_write(struct fexec *ex, struct future *f, int fd, const void *buf, size_t len,
	      int64_t off, fut_then then, void *arg)
{
	return op(ex, f, IORING_OP_WRITE, fd, (uintptr_t)buf, (uint32_t)len, (uint64_t)off, then,
		  arg);
}

int fut_poll(struct fexec *ex, struct future *f, int fd, unsigned events, fut_then then,
	     void *arg)
{
	struct io_uring_sqe s;
	memset(&s, 0, sizeof s);
	uring_prep(&s, IORING_OP_POLL_ADD, fd, 0, 0, 0);
	s.op_flags = events;
	return fut_start(ex, f, &s, then, arg);
}

int fut_accept(struct fexec *ex, struct future *f, int fd, int multishot, fut_then then,
	       void *arg)
{
	struct io_uring_sqe s;
	memset(&s, 0, sizeof s);
	uring_prep(&s, IORING_OP_ACCEPT, fd, 0, 0, 0);
	s.ioprio = multishot ? 1 : 0; /* IORING_ACCEPT_MULTISHOT */
	return fut_start(ex, f, &s, then, arg);
}

int fut_connect(struct fexec *ex, struct future *f, int fd, const void *addr, uint32_t addrlen,
		fut_then then, void *arg)
{
	return op(ex, f, IORING_OP_CONNECT, fd, (uintptr_t)addr, 0, addrlen, then, arg);
}

int fut_send(struct fexec *ex, struct future *f, int fd, const void *buf, size_t len, int flags,
	     fut_then then, void *arg)
{
	struct io_uring_sqe s;
	memset(&s, 0, sizeof s);
	uring_prep(&s, IORING_OP_SEND, fd, (uintptr_t)buf, (uint32_t)len, 0);
	s.op_flags = (uint32_t)flags;
	return fut_start(ex, f, &s, then, arg);
}

int fut_recv(struct fexec *ex, struct future *f, int fd, void *buf, size_t len, int flags,
	     fut_then then, void *arg)
{
	struct io_uring_sqe s;
	memset(&s, 0, sizeof s);
	uring_prep(&s, IORING_OP_RECV, fd, (uintptr_t)buf, (uint32_t)len, 0);
	s.op_flags = (uint32_t)flags;
	return fut_start(ex, f, &s, then, arg);
}

int fut_timeout(struct fexec *ex, struct future *f, uint64_t ns, fut_then then, void *arg)
{
	/* The time is read at submission (IORING_FEAT_SUBMIT_STABLE): the stack will do. */
	struct kernel_timespec ts = {(int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000)};
	int e = op(ex, f, IORING_OP_TIMEOUT, -1, (uintptr_t)&ts, 1, 0, then, arg);
	if (e == 0)
		e = uring_submit_wait(&ex->ring, 0, -1) < 0 ? -EIO : 0;
	return e;
}

int fut_cancel(struct fexec *ex, struct future *f, struct future *target, fut_then then, void *arg)
{
	return op(ex, f, IORING_OP_ASYNC_CANCEL, -1, (uintptr_t)target, 0, 0, then, arg);
}

int fut_msg_recv(struct fexec *ex, struct future *f, int fd, void **buf, fut_then then, void *arg)
{
	return op(ex, f, IORING_OP_FERRY_MSG_RECV, fd, (uintptr_t)buf, 0, 0, then, arg);
}

int fut_msg_send(struct fexec *ex, struct future *f, int fd, void *buf, size_t len, fut_then then,
		 void *arg)
{
	return op(ex, f, IORING_OP_FERRY_MSG_SEND, fd, (uintptr_t)buf, (uint32_t)len, 0, then, arg);
}

int fut_spawn(struct fexec *ex, struct future *f, const char *path, char *const argv[],
	      char *const envp[], fut_then then, void *arg)
{
	struct io_uring_sqe s;
	memset(&s, 0, sizeof s);
	uring_prep(&s, IORING_OP_FERRY_SPAWN, 0, (uintptr_t)path, 0, (uintptr_t)argv);
	s.addr3 = (uintptr_t)envp;
	return fut_start(ex, f, &s, then, arg);
}

int fut_wait_child(struct fexec *ex, struct future *f, pid_t pid, int *status, fut_then then,
		   void *arg)
{
	return op(ex, f, IORING_OP_FERRY_WAIT, pid, (uintptr_t)status, 0, 0, then, arg);
}
