/*
 * A small io_uring of our own, without liburing: set up a ring, map it,
 * hand out SQEs, submit and wait, reap CQEs. It follows io_uring(7)'s
 * protocol (acquire loads of the indexes the kernel writes, release
 * stores of ours) and runs on Ferry and on Linux alike.
 *
 * One thread uses a struct uring at a time; future.h builds on it.
 * Functions return -errno on failure, as the system calls do.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <uapi/io_uring.h>

struct uring {
	int fd;
	unsigned sq_entries, cq_entries, features;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_flags, *sq_array;
	struct io_uring_sqe *sqes;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	unsigned sqe_next;   /* next SQE to hand out (ours, not yet published) */
	void *rings;         /* the mapping of both rings */
	size_t rings_size;
	size_t sqes_size;
};

/* A ring of entries SQEs (flags: IORING_SETUP_*, cq_entries for CQSIZE, 0 for twice as many). */
int uring_open(struct uring *r, unsigned entries, unsigned flags, unsigned cq_entries);
void uring_close(struct uring *r);

/* A zeroed SQE to fill, or NULL when the SQ is full (submit first). */
struct io_uring_sqe *uring_get_sqe(struct uring *r);
/* SQEs handed out and not yet submitted. */
unsigned uring_unsubmitted(const struct uring *r);

/*
 * Publish the SQEs handed out, submit them and wait until at least
 * wait_nr CQEs are there (wait_nr 0: do not wait), at most timeout_ns
 * (-1: no limit). Returns how many were submitted, or -errno (-ETIME on
 * the timeout with nothing submitted, -EINTR).
 */
int uring_submit_wait(struct uring *r, unsigned wait_nr, int64_t timeout_ns);

/* The oldest CQE not yet consumed, or NULL; uring_cqe_seen consumes it. */
struct io_uring_cqe *uring_peek_cqe(struct uring *r);
void uring_cqe_seen(struct uring *r);

/* Filling an SQE for the usual operations (user data is the caller's). */
void uring_prep(struct io_uring_sqe *sqe, uint8_t op, int fd, uint64_t addr, uint32_t len,
		uint64_t off);
