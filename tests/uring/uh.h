/*
 * uh.h: helpers the io_uring tests share, over liburing and tests/os/t.h.
 * Every wait is bounded (a hang guard of tens of seconds, never a
 * measure of speed).
 */
#pragma once

#include "t.h"
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define U_GUARD_S 30

/* The next CQE (hang guard): 0 and its fields, or -ETIME / another error. */
static inline int u_cqe(struct io_uring *ring, __u64 *ud, int *res, unsigned *flags)
{
	struct __kernel_timespec ts = {.tv_sec = U_GUARD_S};
	struct io_uring_cqe *cqe;
	int r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (r < 0)
		return r;
	if (ud)
		*ud = cqe->user_data;
	if (res)
		*res = cqe->res;
	if (flags)
		*flags = cqe->flags;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/* Is a CQE waiting, without waiting? */
static inline int u_peek(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	return io_uring_peek_cqe(ring, &cqe) == 0;
}

/* Submit what is queued and return the result of the one CQE it makes (user data 0x55). */
static inline int u_one(struct io_uring *ring, struct io_uring_sqe *sqe)
{
	sqe->user_data = 0x55;
	int r = io_uring_submit(ring);
	if (r != 1)
		return r < 0 ? r : -1000;
	__u64 ud;
	int res;
	r = u_cqe(ring, &ud, &res, NULL);
	if (r < 0)
		return r;
	return ud == 0x55 ? res : -1001;
}

/* An entry, failing the test loudly if the SQ is full. */
static inline struct io_uring_sqe *u_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	if (!sqe) {
		t_line("not ok - ", "no free SQE");
		exit(1);
	}
	return sqe;
}

/* Free memory in KiB from /proc/meminfo (MemFree), or -1. */
static inline long u_memfree(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
