/*
 * Futures in user space over io_uring: the user half of OS2's executor.
 * In the kernel every operation a ring carries is a future (a task the
 * executor polls); here each is a struct future the program holds, ready
 * once its completion arrives. One thread keeps any number in flight and
 * waits for one, all, or whichever comes first.
 *
 *   struct fexec ex;  fexec_init(&ex, 64);
 *   struct future a, b;
 *   fut_read(&ex, &a, fd, buf, n, 0);
 *   fut_timeout(&ex, &b, 1000000000);
 *   int first = fut_await_any(&ex, (struct future *[]){&a, &b}, 2);
 *
 * A future may carry a continuation (then), called from the loop when it
 * becomes ready (and for every CQE of a multishot operation); it may
 * start more futures, which is how a server keeps going. fexec_run is the
 * loop: it drives futures until none is in flight.
 *
 * Futures are the caller's memory and must stay put while in flight. One
 * thread drives an executor. Functions return -errno on failure.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include "uring.h"

enum fut_state { FUT_IDLE, FUT_PENDING, FUT_READY };

struct future;
typedef void (*fut_then)(struct future *f, void *arg);

struct future {
	int state;          /* enum fut_state */
	int32_t res;        /* the operation's result, once ready (or of its last CQE) */
	uint32_t flags;     /* that CQE's flags (IORING_CQE_F_MORE while more will come) */
	fut_then then;      /* called when it is ready (and at each multishot CQE), or NULL */
	void *arg;
	struct future *parent; /* a combinator (fut_all, fut_any) waiting on it */
	/* For combinators: */
	int kind, left, first;
};

struct fexec {
	struct uring ring;
	unsigned inflight;  /* operations started and not yet ready */
};

int fexec_init(struct fexec *ex, unsigned entries);
void fexec_exit(struct fexec *ex);
/*
 * Submit what is queued, wait for at least one completion if wait (and
 * anything is in flight), and make every future whose CQE came ready,
 * running continuations. How many CQEs it took, or -errno.
 */
int fexec_step(struct fexec *ex, int wait);
/* The loop: step until nothing is in flight. */
int fexec_run(struct fexec *ex);

/* Wait for one future: its result. */
int32_t fut_await(struct fexec *ex, struct future *f);
/* Wait for all of them. */
void fut_await_all(struct fexec *ex, struct future **fs, int n);
/* Wait for whichever is ready first (or already is): its index. */
int fut_await_any(struct fexec *ex, struct future **fs, int n);
/*
 * Combinators as futures: j becomes ready when all of kids are (res 0),
 * or when the first of them is (res: its index). The kids must have been
 * started already and not be awaited elsewhere.
 */
void fut_all(struct future *j, struct future **kids, int n, fut_then then, void *arg);
void fut_any(struct future *j, struct future **kids, int n, fut_then then, void *arg);
/*
 * Futures that are no operation (a program's own events, a session's
 * end): fut_init makes f pending, fut_complete makes it ready with res,
 * its continuation and combinator told as for an operation.
 */
void fut_init(struct future *f, fut_then then, void *arg);
void fut_complete(struct future *f, int32_t res);
static inline int fut_ready(const struct future *f)
{
	return f->state == FUT_READY;
}

/*
 * Start an operation: f becomes pending and ready at its completion. An
 * SQE is taken from the ring (submitting what is queued if it is full).
 * 0, or -errno if no SQE could be had.
 */
int fut_start(struct fexec *ex, struct future *f, const struct io_uring_sqe *sqe, fut_then then,
	      void *arg);
int fut_nop(struct fexec *ex, struct future *f, fut_then then, void *arg);
int fut_read(struct fexec *ex, struct future *f, int fd, void *buf, size_t len, int64_t off,
	     fut_then then, void *arg);
int fut_write(struct fexec *ex, struct future *f, int fd, const void *buf, size_t len,
	      int64_t off, fut_then then, void *arg);
int fut_poll(struct fexec *ex, struct future *f, int fd, unsigned events, fut_then then,
	     void *arg);
/* Ready with -ETIME after ns nanoseconds. */
int fut_timeout(struct fexec *ex, struct future *f, uint64_t ns, fut_then then, void *arg);
/* Ask the kernel to cancel a future in flight (target ends with -ECANCELED). */
int fut_cancel(struct fexec *ex, struct future *f, struct future *target, fut_then then, void *arg);
/*
 * Sockets. fut_accept: a connection's descriptor; with multishot, then
 * runs for each one (IORING_CQE_F_MORE in f->flags while more will come)
 * until it is cancelled. fut_connect's address is read when the entry is
 * submitted (the next fexec_step), so it must last until then.
 */
int fut_accept(struct fexec *ex, struct future *f, int fd, int multishot, fut_then then,
	       void *arg);
int fut_connect(struct fexec *ex, struct future *f, int fd, const void *addr, uint32_t addrlen,
		fut_then then, void *arg);
int fut_send(struct fexec *ex, struct future *f, int fd, const void *buf, size_t len, int flags,
	     fut_then then, void *arg);
int fut_recv(struct fexec *ex, struct future *f, int fd, void *buf, size_t len, int flags,
	     fut_then then, void *arg);
/* Ferry's operations: a channel message received (its address in *buf), sent; spawn; wait. */
int fut_msg_recv(struct fexec *ex, struct future *f, int fd, void **buf, fut_then then, void *arg);
int fut_msg_send(struct fexec *ex, struct future *f, int fd, void *buf, size_t len, fut_then then,
		 void *arg);
int fut_spawn(struct fexec *ex, struct future *f, const char *path, char *const argv[],
	      char *const envp[], fut_then then, void *arg);
int fut_wait_child(struct fexec *ex, struct future *f, pid_t pid, int *status, fut_then then,
		   void *arg);
