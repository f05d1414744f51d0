/*
 * eventfds: eventfd(2) (counter and semaphore modes, the overflow bound,
 * blocking and non-blocking), timerfd_create(2) (relative, absolute,
 * interval timers and their expiration counts, disarming, gettime,
 * CLOCK_REALTIME with TFD_TIMER_CANCEL_ON_SET) and signalfd(2) (signals
 * read are consumed, SIGCHLD with the child's status, poll, a blocking
 * read woken by a signal, a new mask), with the errors of bad arguments.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

#include "t.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void check_eventfd(void)
{
	int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "eventfd(3, EFD_NONBLOCK|EFD_CLOEXEC)");
	uint64_t v = 0;
	CHECK(readable(fd), "a counter of 3 is readable");
	CHECK(read(fd, &v, sizeof v) == 8 && v == 3, "a read takes the whole count");
	CHECK_ERR(read(fd, &v, sizeof v), EAGAIN, "then the counter is 0: EAGAIN");
	CHECK(!readable(fd), "and not readable");
	v = 5;
	CHECK(write(fd, &v, sizeof v) == 8, "write adds 5");
	v = 2;
	write(fd, &v, sizeof v);
	CHECK(read(fd, &v, sizeof v) == 8 && v == 7, "writes add up (7)");
	v = UINT64_MAX;
	CHECK_ERR(write(fd, &v, sizeof v), EINVAL, "writing 2^64-1 is EINVAL");
	v = UINT64_MAX - 1;
	CHECK(write(fd, &v, sizeof v) == 8, "2^64-2 fits");
	struct pollfd p = {fd, POLLOUT, 0};
	CHECK(poll(&p, 1, 0) == 0, "then it is not writable");
	v = 1;
	CHECK_ERR(write(fd, &v, sizeof v), EAGAIN, "one more would overflow: EAGAIN");
	CHECK(read(fd, &v, sizeof v) == 8 && v == UINT64_MAX - 1, "read it back");
	char small[4];
	CHECK_ERR(read(fd, small, sizeof small), EINVAL, "a 4-byte read is EINVAL");
	CHECK_ERR(write(fd, small, sizeof small), EINVAL, "a 4-byte write is EINVAL");
	char link[64] = {0}, path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	CHECK(readlink(path, link, sizeof link - 1) > 0 && !strcmp(link, "anon_inode:[eventfd]"),
	      "/proc/self/fd names it anon_inode:[eventfd] (%s)", link);
	close(fd);

	fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	int ones = 0;
	while (read(fd, &v, sizeof v) == 8 && v == 1)
		ones++;
	CHECK(ones == 3 && errno == EAGAIN, "EFD_SEMAPHORE: three reads of 1, then EAGAIN");
	close(fd);

	fd = eventfd(0, 0);
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		uint64_t one = 4;
		write(fd, &one, sizeof one);
		_exit(0);
	}
	long long t0 = now_ms();
	CHECK(read(fd, &v, sizeof v) == 8 && v == 4 && now_ms() - t0 >= 90,
	      "a blocking read waits for another process's write");
	t_wait(pid);
	close(fd);
	CHECK_ERR(eventfd(0, 0x10), EINVAL, "eventfd with an unknown flag is EINVAL");
}

static int64_t ms_of(struct timespec ts)
{
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void check_timerfd(void)
{
	CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL, "a CPU-time clock is EINVAL");
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x1234), EINVAL, "an unknown flag is EINVAL");
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(fd >= 0, "timerfd_create(CLOCK_MONOTONIC)");
	struct itimerspec its = {{0, 0}, {0, 80 * 1000000}}, cur;
	long long t0 = now_ms();
	CHECK(timerfd_settime(fd, 0, &its, NULL) == 0, "arm for 80 ms");
	CHECK(timerfd_gettime(fd, &cur) == 0 && ms_of(cur.it_value) <= 80 && ms_of(cur.it_value) > 0,
	      "gettime: what is left (%lld ms)", (long long)ms_of(cur.it_value));
	uint64_t n = 0;
	CHECK(read(fd, &n, sizeof n) == 8 && n == 1, "a read waits for the expiration: 1");
	CHECK(now_ms() - t0 >= 75, "after the time (%lld ms)", now_ms() - t0);
	CHECK(timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
	      "expired once: disarmed");

	/* An interval timer counts the expirations between reads. */
	its = (struct itimerspec){{0, 20 * 1000000}, {0, 20 * 1000000}};
	t0 = now_ms();
	timerfd_settime(fd, 0, &its, NULL);
	sleep_ms(110);
	read(fd, &n, sizeof n);
	long long el = now_ms() - t0;
	CHECK((long long)n >= 5 && (long long)n <= el / 20 + 1,
	      "every 20 ms for %lld ms: %llu expirations", el, (unsigned long long)n);
	struct itimerspec off = {{0, 0}, {0, 0}}, old;
	CHECK(timerfd_settime(fd, 0, &off, &old) == 0 && ms_of(old.it_interval) == 20,
	      "disarm; the old setting comes back");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	sleep_ms(50);
	CHECK_ERR(read(fd, &n, sizeof n), EAGAIN, "disarmed: nothing to read (EAGAIN)");
	CHECK(timerfd_gettime(fd, &cur) == 0 && ms_of(cur.it_value) == 0 && ms_of(cur.it_interval) == 0,
	      "gettime of a disarmed timer is all 0");

	/* Absolute: a time in the past expires at once; with an interval, it counts them all. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its = (struct itimerspec){{0, 0}, now};
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "TFD_TIMER_ABSTIME, now");
	sleep_ms(10);
	CHECK(read(fd, &n, sizeof n) == 8 && n == 1, "expires at once");
	/* (On the wall clock: a second before now may be before boot on the monotonic one.) */
	int rfd = timerfd_create(CLOCK_REALTIME, 0);
	clock_gettime(CLOCK_REALTIME, &now);
	its = (struct itimerspec){{0, 100 * 1000000}, {now.tv_sec - 1, now.tv_nsec}};
	CHECK(timerfd_settime(rfd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "a second ago, every 100 ms");
	CHECK(read(rfd, &n, sizeof n) == 8 && n >= 10 && n <= 30,
	      "about 10 expirations at once (%llu)", (unsigned long long)n);
	close(rfd);
	clock_gettime(CLOCK_MONOTONIC, &now);
	its = (struct itimerspec){{0, 0}, {now.tv_sec, now.tv_nsec}};
	its.it_value.tv_nsec += 60 * 1000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
	CHECK(!readable(fd), "an absolute time 60 ms ahead: not yet");
	struct pollfd p = {fd, POLLIN, 0};
	CHECK(poll(&p, 1, 20000) == 1, "poll waits for it");
	close(fd);

	fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	clock_gettime(CLOCK_REALTIME, &now);
	its = (struct itimerspec){{0, 0}, now};
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) == 0,
	      "CLOCK_REALTIME with TFD_TIMER_CANCEL_ON_SET is accepted");
	sleep_ms(10);
	CHECK(read(fd, &n, sizeof n) == 8 && n == 1, "and expires");
	close(fd);
	fd = timerfd_create(CLOCK_BOOTTIME, 0);
	CHECK(fd >= 0, "CLOCK_BOOTTIME");

	its = (struct itimerspec){{0, 0}, {0, 1000000000}};
	CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL, "a billion nanoseconds is EINVAL");
	its = (struct itimerspec){{0, 0}, {-1, 0}};
	CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL, "a negative time is EINVAL");
	its = (struct itimerspec){{0, 0}, {1, 0}};
	CHECK_ERR(timerfd_settime(fd, 8, &its, NULL), EINVAL, "an unknown settime flag is EINVAL");
	CHECK_ERR(timerfd_settime(fd, 0, NULL, NULL), EFAULT, "a NULL setting is EFAULT");
	CHECK_ERR(timerfd_settime(0 > 1 ? 0 : 9999, 0, &its, NULL), EBADF, "a closed descriptor is EBADF");
	int pfd[2];
	pipe(pfd);
	CHECK_ERR(timerfd_settime(pfd[0], 0, &its, NULL), EINVAL, "a pipe is EINVAL");
	CHECK_ERR(timerfd_gettime(pfd[0], &cur), EINVAL, "gettime of a pipe is EINVAL");
	close(pfd[0]);
	close(pfd[1]);
	char small[4];
	CHECK_ERR(read(fd, small, sizeof small), EINVAL, "a 4-byte read is EINVAL");
	close(fd);
}

static void check_signalfd(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0, "signalfd for SIGUSR1 and SIGUSR2");
	struct signalfd_siginfo si[2];
	CHECK_ERR(read(fd, si, sizeof si), EAGAIN, "nothing pending: EAGAIN");
	CHECK(!readable(fd), "not readable");
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR2);
	CHECK(readable(fd), "signals pending: readable");
	CHECK(read(fd, si, sizeof si) == 2 * (long)sizeof si[0] && si[0].ssi_signo == SIGUSR1 &&
		      si[1].ssi_signo == SIGUSR2,
	      "one read takes both, in order");
	sigset_t pend;
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2), "they are consumed");
	char small[64];
	CHECK_ERR(read(fd, small, sizeof small), EINVAL, "a read smaller than one record is EINVAL");

	/* A blocking read, woken by a signal from another process. */
	int bfd = signalfd(-1, &m, 0);
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		kill(parent, SIGUSR2);
		_exit(0);
	}
	long long t0 = now_ms();
	CHECK(read(bfd, si, sizeof si[0]) == sizeof si[0] && si[0].ssi_signo == SIGUSR2 && now_ms() - t0 >= 90,
	      "a blocking read waits for the signal");
	t_wait(pid);
	close(bfd);

	/* SIGCHLD, whose default is to be ignored, is kept while blocked. */
	sigset_t c;
	sigemptyset(&c);
	sigaddset(&c, SIGCHLD);
	sigprocmask(SIG_BLOCK, &c, NULL);
	CHECK(signalfd(fd, &c, 0) == fd, "signalfd on the same descriptor sets a new mask");
	pid = fork();
	if (pid == 0)
		_exit(7);
	struct pollfd p = {fd, POLLIN, 0};
	CHECK(poll(&p, 1, 20000) == 1, "a child's exit makes it readable");
	CHECK(read(fd, si, sizeof si[0]) == sizeof si[0] && si[0].ssi_signo == SIGCHLD &&
		      si[0].ssi_code == CLD_EXITED && (pid_t)si[0].ssi_pid == pid && si[0].ssi_status == 7,
	      "SIGCHLD with the child's pid and status (code %d pid %u status %d)", si[0].ssi_code,
	      si[0].ssi_pid, si[0].ssi_status);
	t_wait(pid);
	sigprocmask(SIG_UNBLOCK, &c, NULL);
	kill(getpid(), SIGUSR1);
	CHECK_ERR(read(fd, si, sizeof si[0]), EAGAIN, "SIGUSR1 is no longer in its mask");
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "and stays pending");
	int sfd2 = signalfd(-1, &m, SFD_NONBLOCK);
	read(sfd2, si, sizeof si[0]);
	close(sfd2);

	CHECK_ERR(syscall(SYS_signalfd4, -1, &m, 4, 0), EINVAL, "a sigset size of 4 is EINVAL");
	CHECK_ERR(syscall(SYS_signalfd4, -1, &m, 8, 0x10), EINVAL, "an unknown flag is EINVAL");
	CHECK_ERR(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT, "a bad mask pointer is EFAULT");
	int pfd[2];
	pipe(pfd);
	CHECK_ERR(signalfd(pfd[0], &m, 0), EINVAL, "a pipe is no signalfd: EINVAL");
	close(pfd[0]);
	close(pfd[1]);
	CHECK_ERR(signalfd(9999, &m, 0), EBADF, "a closed descriptor is EBADF");
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	close(fd);
}

int main(void)
{
	check_eventfd();
	check_timerfd();
	check_signalfd();
	return t_done();
}
