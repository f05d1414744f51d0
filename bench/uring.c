/*
 * io_uring, through Ferry's own small ring library (user/lib/uring.c, no
 * liburing), figures per operation:
 *   uring_nop_1          a NOP submitted and its completion reaped, one
 *                        io_uring_enter each (submit 1, wait for 1)
 *   uring_nop_32         the same in batches of 32 (one enter per 32)
 *   uring_read4k_qd1     a 4 KiB READ at a random 4 KiB-aligned offset of a
 *                        16 MiB file already in memory, one at a time
 *   uring_read4k_qd32    the same with 32 reads kept in flight
 *   uring_msg_roundtrip  Ferry only: a 4 KiB channel message to an echo
 *                        process and back, as two ring operations (MSG_SEND
 *                        linked to MSG_RECV, one enter); compare it with
 *                        pipe_roundtrip (bench/pipe.c)
 *   uring [DIR]          the file for the reads is made in DIR (default /tmp)
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uapi/ferry.h"
#include "uring.h"

#define FILE_SIZE (16L << 20)
#define QD 32

static struct uring ring;
static int file_fd;
static char bufs[QD][4096] __attribute__((aligned(4096)));
static uint64_t rng = 88172645463325252ULL;

static uint64_t next_off(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng % (FILE_SIZE / 4096)) * 4096;
}

static void reap(long n)
{
	while (n > 0) {
		struct io_uring_cqe *cqe = uring_peek_cqe(&ring);
		if (!cqe) {
			if (uring_submit_wait(&ring, 1, -1) < 0)
				bench_die("io_uring_enter (wait)");
			continue;
		}
		if (cqe->res < 0) {
			errno = -cqe->res;
			bench_die("a CQE");
		}
		uring_cqe_seen(&ring);
		n--;
	}
}

static uint64_t run_nop(long n, void *arg)
{
	long batch = (long)(intptr_t)arg;
	uint64_t t0 = now_ns();
	for (long done = 0; done < n;) {
		long b = n - done < batch ? n - done : batch;
		for (long i = 0; i < b; i++)
			uring_prep(uring_get_sqe(&ring), IORING_OP_NOP, -1, 0, 0, 0);
		if (uring_submit_wait(&ring, (unsigned)b, -1) != b)
			bench_die("io_uring_enter");
		reap(b);
		done += b;
	}
	return now_ns() - t0;
}

static void read_at(int slot)
{
	struct io_uring_sqe *sqe = uring_get_sqe(&ring);
	uring_prep(sqe, IORING_OP_READ, file_fd, (uintptr_t)bufs[slot], 4096, next_off());
	sqe->user_data = (uint64_t)slot;
}

static uint64_t run_read(long n, void *arg)
{
	long qd = (long)(intptr_t)arg;
	uint64_t t0 = now_ns();
	long issued = 0, done = 0;
	for (; issued < qd && issued < n; issued++)
		read_at((int)issued);
	while (done < n) {
		if (uring_submit_wait(&ring, 1, -1) < 0)
			bench_die("io_uring_enter");
		struct io_uring_cqe *cqe;
		while ((cqe = uring_peek_cqe(&ring))) {
			int slot = (int)cqe->user_data;
			if (cqe->res != 4096)
				bench_die("READ");
			uring_cqe_seen(&ring);
			done++;
			if (issued < n) {
				read_at(slot);
				issued++;
			}
		}
	}
	return now_ns() - t0;
}

/* --- a channel message's round trip through the ring --- */

struct echo {
	int fds[2];
	char *msg;
	void *got;
};

static void echo_loop(int fd)
{
	for (;;) {
		void *m = NULL;
		long len = syscall(SYS_msg_recv, fd, &m);
		if (len <= 0)
			_exit(0);
		if (syscall(SYS_msg_send, fd, m, len) < 0)
			bench_die("msg_send (echo)");
	}
}

static uint64_t run_msg(long n, void *arg)
{
	struct echo *e = arg;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		struct io_uring_sqe *s = uring_get_sqe(&ring);
		uring_prep(s, IORING_OP_FERRY_MSG_SEND, e->fds[0], (uintptr_t)e->msg, 4096, 0);
		s->flags = IOSQE_IO_LINK;
		s = uring_get_sqe(&ring);
		uring_prep(s, IORING_OP_FERRY_MSG_RECV, e->fds[0], (uintptr_t)&e->got, 0, 0);
		if (uring_submit_wait(&ring, 2, -1) != 2)
			bench_die("io_uring_enter");
		reap(2);
		if (e->got != e->msg)
			bench_die("the echo");
	}
	return now_ns() - t0;
}

static void bench_msg(void)
{
	struct echo e;
	if (syscall(SYS_chan_create, e.fds) < 0) {
		bench_unsupported("uring_msg_roundtrip", "(no channels: ENOSYS)");
		return;
	}
	int pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		close(e.fds[0]);
		echo_loop(e.fds[1]);
	}
	close(e.fds[1]);
	e.msg = (char *)syscall(SYS_msg_alloc, 4096);
	if ((long)e.msg == -1)
		bench_die("msg_alloc");
	memset(e.msg, 'm', 4096);
	bench_ns(&(struct bench){.name = "uring_msg_roundtrip", .run = run_msg, .arg = &e});
	close(e.fds[0]);
	bench_reap(pid);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int e = uring_open(&ring, 64, 0, 0);
	if (e < 0) {
		const char *names[] = {"uring_nop_1", "uring_nop_32", "uring_read4k_qd1",
				       "uring_read4k_qd32", "uring_msg_roundtrip"};
		for (int i = 0; i < 5; i++)
			bench_unsupported(names[i], "(no io_uring)");
		return 0;
	}
	bench_ns(&(struct bench){.name = "uring_nop_1", .run = run_nop, .arg = (void *)1});
	bench_ns(&(struct bench){.name = "uring_nop_32", .run = run_nop, .arg = (void *)32});

	char path[256];
	snprintf(path, sizeof path, "%s/bench-uring", dir);
	file_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (file_fd < 0)
		bench_die(path);
	static char block[1 << 16];
	memset(block, 'r', sizeof block);
	for (long off = 0; off < FILE_SIZE; off += sizeof block)
		if (write(file_fd, block, sizeof block) != sizeof block)
			bench_die("write");
	for (long off = 0; off < FILE_SIZE; off += sizeof block) /* all of it in memory */
		if (pread(file_fd, block, sizeof block, off) != sizeof block)
			bench_die("pread");
	bench_ns(&(struct bench){.name = "uring_read4k_qd1", .run = run_read, .arg = (void *)1});
	bench_ns(&(struct bench){.name = "uring_read4k_qd32", .run = run_read, .arg = (void *)QD});
	close(file_fd);
	unlink(path);
	bench_msg();
	uring_close(&ring);
	return 0;
}
