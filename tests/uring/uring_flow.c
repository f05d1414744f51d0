/*
 * How requests relate: link chains (and a failure or a short read that
 * cuts one), hard links, drain, timeouts (relative, absolute, by count,
 * removed, updated), link timeouts, cancellation of a request parked in
 * the kernel, IOSQE_ASYNC, and many requests in flight at once from one
 * thread. The same checks hold on Linux.
 */
#include "uh.h"
#include <time.h>

static struct io_uring ring;

/* Collect n CQEs into res[] by user data (0 .. n-1); false on a timeout. */
static int collect(int n, int *res, unsigned *flags)
{
	for (int i = 0; i < n; i++) {
		__u64 ud;
		int r;
		unsigned f;
		if (u_cqe(&ring, &ud, &r, &f))
			return 0;
		if (ud < (__u64)n) {
			res[ud] = r;
			if (flags)
				flags[ud] = f;
		}
	}
	return 1;
}

static u_int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u_int64_t)ts.tv_sec * 1000000000ULL + (u_int64_t)ts.tv_nsec;
}

static struct io_uring_sqe *nop(__u64 ud, unsigned flags)
{
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = ud;
	sqe->flags |= flags;
	return sqe;
}

static void test_links(void)
{
	int res[4];
	nop(0, IOSQE_IO_LINK);
	nop(1, IOSQE_IO_LINK);
	nop(2, 0);
	CHECK(io_uring_submit(&ring) == 3 && collect(3, res, NULL) && !res[0] && !res[1] && !res[2],
	      "a chain of three NOPs: all 0");
	struct io_uring_sqe *sqe = u_sqe(&ring);
	char buf[128];
	io_uring_prep_read(sqe, 999, buf, 10, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0;
	nop(1, IOSQE_IO_LINK);
	nop(2, 0);
	CHECK(io_uring_submit(&ring) == 3 && collect(3, res, NULL) && res[0] == -EBADF &&
		  res[1] == -ECANCELED && res[2] == -ECANCELED,
	      "a failed READ cuts its chain: EBADF, ECANCELED, ECANCELED");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 999, buf, 10, 0);
	sqe->flags |= IOSQE_IO_HARDLINK;
	sqe->user_data = 0;
	nop(1, 0);
	CHECK(io_uring_submit(&ring) == 2 && collect(2, res, NULL) && res[0] == -EBADF &&
		  res[1] == 0,
	      "a hard link goes on after a failure");
	const char *f = t_tmp("uring-flow");
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(write(fd, "0123456789", 10) == 10, "a 10-byte file");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 100, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0;
	nop(1, 0);
	CHECK(io_uring_submit(&ring) == 2 && collect(2, res, NULL) && res[0] == 10 &&
		  res[1] == -ECANCELED,
	      "a short READ cuts its chain");
	nop(0, IOSQE_IO_LINK);
	sqe = nop(1, IOSQE_IO_LINK);
	sqe->opcode = 199;
	nop(2, 0);
	CHECK(io_uring_submit(&ring) == 3 && collect(3, res, NULL) && res[0] == -ECANCELED &&
		  res[1] == -EINVAL && res[2] == -ECANCELED,
	      "an unknown opcode inside a chain fails it whole: ECANCELED, EINVAL, ECANCELED");
	/* Without IORING_SETUP_SUBMIT_ALL a failed entry ends the submission after itself. */
	sqe = nop(0, 0);
	sqe->opcode = 199;
	nop(1, 0);
	int n = io_uring_submit(&ring);
	CHECK(n == 1 && collect(1, res, NULL) && res[0] == -EINVAL,
	      "a failed entry stops the submission after itself (%d submitted)", n);
	n = io_uring_submit(&ring);
	__u64 ud;
	CHECK(n == 1 && !u_cqe(&ring, &ud, &res[0], NULL) && ud == 1 && res[0] == 0,
	      "the next submit takes the rest");
	close(fd);
	unlink(f);
}

static void test_drain(void)
{
	int p[2], res[3];
	pipe(p);
	char buf[8];
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, 1, 0);
	sqe->user_data = 0;
	nop(1, IOSQE_IO_DRAIN);
	nop(2, 0);
	CHECK(io_uring_submit(&ring) == 3, "a parked READ, a draining NOP and a NOP submitted");
	usleep(30000);
	CHECK(!u_peek(&ring), "the drain holds both NOPs back while the READ waits");
	CHECK(write(p[1], "d", 1) == 1, "the READ gets its byte");
	int order[3], k = 0;
	for (int i = 0; i < 3; i++) {
		__u64 ud;
		int r;
		if (!u_cqe(&ring, &ud, &r, NULL))
			order[k++] = (int)ud, res[ud] = r;
	}
	CHECK(k == 3 && order[0] == 0 && order[1] == 1 && order[2] == 2 && res[0] == 1,
	      "then they complete in order: READ, drain, NOP");
	close(p[0]);
	close(p[1]);
}

static void test_timeouts(void)
{
	int res[3];
	struct __kernel_timespec ts = {0, 50000000};
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	u_int64_t t0 = now_ns();
	int r = u_one(&ring, sqe);
	CHECK(r == -ETIME && now_ns() - t0 >= 50000000ULL,
	      "a 50 ms TIMEOUT ends with ETIME after 50 ms");
	struct __kernel_timespec big = {30, 0};
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &big, 2, 0);
	sqe->user_data = 0;
	nop(1, 0);
	nop(2, 0);
	CHECK(io_uring_submit(&ring) == 3 && collect(3, res, NULL) && res[0] == 0 && !res[1] &&
		  !res[2],
	      "a TIMEOUT with count 2 ends with 0 after two completions");
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	struct __kernel_timespec abs = {mono.tv_sec, mono.tv_nsec + 20000000};
	if (abs.tv_nsec >= 1000000000)
		abs.tv_sec++, abs.tv_nsec -= 1000000000;
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &abs, 0, IORING_TIMEOUT_ABS);
	CHECK(u_one(&ring, sqe) == -ETIME, "an absolute TIMEOUT on CLOCK_MONOTONIC");
	struct timespec real;
	clock_gettime(CLOCK_REALTIME, &real);
	struct __kernel_timespec rabs = {real.tv_sec, real.tv_nsec};
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &rabs, 0, IORING_TIMEOUT_ABS | IORING_TIMEOUT_REALTIME);
	CHECK(u_one(&ring, sqe) == -ETIME, "an absolute TIMEOUT on CLOCK_REALTIME, already past");
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME);
	CHECK(u_one(&ring, sqe) == -EINVAL, "two clocks at once: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, (struct __kernel_timespec *)16, 0, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "a TIMEOUT's time at a bad address: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	sqe->len = 2;
	CHECK(u_one(&ring, sqe) == -EINVAL, "a TIMEOUT with len 2: EINVAL");
	/* TIMEOUT_REMOVE, and an update. */
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &big, 0, 0);
	sqe->user_data = 0;
	io_uring_submit(&ring);
	usleep(10000);
	sqe = u_sqe(&ring);
	io_uring_prep_timeout_remove(sqe, 0, 0);
	sqe->user_data = 1;
	CHECK(io_uring_submit(&ring) == 1 && collect(2, res, NULL) && res[0] == -ECANCELED &&
		  res[1] == 0,
	      "TIMEOUT_REMOVE: 0, and the timeout ends with ECANCELED");
	sqe = u_sqe(&ring);
	io_uring_prep_timeout_remove(sqe, 4242, 0);
	CHECK(u_one(&ring, sqe) == -ENOENT, "TIMEOUT_REMOVE of nothing: ENOENT");
	sqe = u_sqe(&ring);
	io_uring_prep_timeout(sqe, &big, 0, 0);
	sqe->user_data = 0;
	io_uring_submit(&ring);
	usleep(10000);
	struct __kernel_timespec soon = {0, 10000000};
	sqe = u_sqe(&ring);
	io_uring_prep_timeout_update(sqe, &soon, 0, 0);
	sqe->user_data = 1;
	t0 = now_ns();
	CHECK(io_uring_submit(&ring) == 1 && collect(2, res, NULL) && res[1] == 0 &&
		  res[0] == -ETIME && now_ns() - t0 < 20000000000ULL,
	      "a 30 s TIMEOUT updated to 10 ms ends with ETIME soon");
}

static void test_link_timeout(void)
{
	int p[2], res[3];
	pipe(p);
	char buf[8];
	struct __kernel_timespec ts = {0, 30000000};
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, 1, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0;
	sqe = u_sqe(&ring);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	sqe->user_data = 1;
	CHECK(io_uring_submit(&ring) == 2 && collect(2, res, NULL) && res[0] == -ECANCELED &&
		  res[1] == -ETIME,
	      "a READ that waits past its LINK_TIMEOUT: ECANCELED, and ETIME");
	struct __kernel_timespec big = {30, 0};
	nop(0, IOSQE_IO_LINK);
	sqe = u_sqe(&ring);
	io_uring_prep_link_timeout(sqe, &big, 0);
	sqe->user_data = 1;
	sqe->flags |= IOSQE_IO_LINK;
	nop(2, 0);
	CHECK(io_uring_submit(&ring) == 3 && collect(3, res, NULL) && res[0] == 0 &&
		  res[1] == -ECANCELED && res[2] == 0,
	      "a NOP done in time: 0, its LINK_TIMEOUT ECANCELED, the chain goes on");
	sqe = u_sqe(&ring);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	CHECK(u_one(&ring, sqe) == -EINVAL, "a LINK_TIMEOUT with nothing linked to it: EINVAL");
	close(p[0]);
	close(p[1]);
}

static void test_cancel(void)
{
	int p[2], res[2];
	pipe(p);
	char buf[8];
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, 1, 0);
	sqe->user_data = 0;
	io_uring_submit(&ring);
	usleep(20000);
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 0, 0);
	sqe->user_data = 1;
	CHECK(io_uring_submit(&ring) == 1 && collect(2, res, NULL) && res[1] == 0 &&
		  res[0] == -ECANCELED,
	      "ASYNC_CANCEL of a READ parked on a pipe: 0, and the READ ends with ECANCELED");
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 987654, 0);
	CHECK(u_one(&ring, sqe) == -ENOENT, "ASYNC_CANCEL of nothing: ENOENT");
	for (int i = 0; i < 3; i++) {
		sqe = u_sqe(&ring);
		io_uring_prep_read(sqe, p[0], buf, 1, 0);
		sqe->user_data = 10;
	}
	io_uring_submit(&ring);
	usleep(20000);
	sqe = u_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, p[0], IORING_ASYNC_CANCEL_ALL);
	sqe->user_data = 11;
	io_uring_submit(&ring);
	int cancelled = 0, r11 = -1;
	for (int i = 0; i < 4; i++) {
		__u64 ud;
		int r;
		if (u_cqe(&ring, &ud, &r, NULL))
			break;
		if (ud == 10 && r == -ECANCELED)
			cancelled++;
		if (ud == 11)
			r11 = r;
	}
	CHECK(cancelled == 3 && r11 == 3, "ASYNC_CANCEL by descriptor, all: 3 READs cancelled");
	for (int i = 0; i < 2; i++) {
		sqe = u_sqe(&ring);
		io_uring_prep_read(sqe, p[0], buf, 1, 0);
		sqe->user_data = 12;
	}
	io_uring_submit(&ring);
	usleep(20000);
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	sqe->user_data = 13;
	io_uring_submit(&ring);
	cancelled = 0, r11 = -1;
	for (int i = 0; i < 3; i++) {
		__u64 ud;
		int r;
		if (u_cqe(&ring, &ud, &r, NULL))
			break;
		if (ud == 12 && r == -ECANCELED)
			cancelled++;
		if (ud == 13)
			r11 = r;
	}
	CHECK(cancelled == 2 && r11 == 2, "ASYNC_CANCEL ANY: both READs cancelled");
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 0, 0xff00);
	CHECK(u_one(&ring, sqe) == -EINVAL, "ASYNC_CANCEL with unknown flags: EINVAL");
	/* IOSQE_ASYNC: the same operations, started from a kernel task of their own. */
	sqe = nop(0, IOSQE_ASYNC);
	CHECK(u_one(&ring, sqe) == 0, "an IOSQE_ASYNC NOP");
	CHECK(write(p[1], "a", 1) == 1, "a byte in the pipe");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, 1, 0);
	sqe->flags |= IOSQE_ASYNC;
	CHECK(u_one(&ring, sqe) == 1 && buf[0] == 'a', "an IOSQE_ASYNC READ");
	close(p[0]);
	close(p[1]);
}

/* Many requests parked in the kernel at once, from one thread, all woken. */
static void test_many(void)
{
	enum { N = 48 };
	int p[N][2];
	char buf[N];
	struct io_uring big;
	CHECK(io_uring_queue_init(64, &big, 0) == 0, "a 64-entry ring");
	for (int i = 0; i < N; i++) {
		pipe(p[i]);
		struct io_uring_sqe *sqe = io_uring_get_sqe(&big);
		io_uring_prep_read(sqe, p[i][0], &buf[i], 1, 0);
		sqe->user_data = (__u64)i;
	}
	CHECK(io_uring_submit(&big) == N, "%d READs on empty pipes submitted", N);
	usleep(20000);
	struct io_uring_cqe *cqe;
	CHECK(io_uring_peek_cqe(&big, &cqe) != 0, "all of them wait");
	for (int i = N - 1; i >= 0; i--)
		(void)!write(p[i][1], "0123456789" + i % 10, 1);
	int seen = 0, ok = 1;
	for (int i = 0; i < N; i++) {
		__u64 ud;
		int r;
		if (u_cqe(&big, &ud, &r, NULL)) {
			ok = 0;
			break;
		}
		seen++;
		ok &= r == 1 && buf[ud] == "0123456789"[ud % 10];
	}
	CHECK(ok && seen == N, "all %d complete with their own byte", N);
	for (int i = 0; i < N; i++)
		close(p[i][0]), close(p[i][1]);
	io_uring_queue_exit(&big);
}

int main(void)
{
	int r = io_uring_queue_init(32, &ring, 0);
	CHECK(r == 0, "io_uring_queue_init (%d)", r);
	if (r)
		return t_done();
	test_links();
	test_drain();
	test_timeouts();
	test_link_timeout();
	test_cancel();
	test_many();
	io_uring_queue_exit(&ring);
	return t_done();
}
