/*
 * time: CLOCK_MONOTONIC never goes back and has a fine resolution;
 * nanosleep and clock_nanosleep sleep at least as long as asked (and not
 * wildly longer), reject bad times, and return EINTR with the time left
 * when a handler runs; gettimeofday, time and CLOCK_REALTIME agree.
 */
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "t.h"

#define MS 1000000ll

static int64_t ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Generous: the host or QEMU may be busy with other work. */
#define SLACK (2000 * MS)

static void check_monotonic(void)
{
	int64_t prev = ns(CLOCK_MONOTONIC), first = prev;
	int back = 0;

	for (int i = 0; i < 10000; i++) {
		int64_t now = ns(CLOCK_MONOTONIC);
		back |= now < prev;
		prev = now;
	}
	CHECK(!back, "CLOCK_MONOTONIC never goes back over 10000 reads");
	CHECK(prev > first, "CLOCK_MONOTONIC advances");

	struct timespec res = {1, 0};
	int r = clock_getres(CLOCK_MONOTONIC, &res);
	CHECK(r == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000,
	      "CLOCK_MONOTONIC resolution is at most 1 ms (%ld ns)", (long)res.tv_nsec);
	struct timespec ts;
	CHECK_ERR(syscall(SYS_clock_gettime, 12345, &ts), EINVAL, "an unknown clock is EINVAL");
}

static void check_sleep(void)
{
	struct timespec req = {0, 50 * MS};
	int64_t t0 = ns(CLOCK_MONOTONIC);
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep 50 ms");
	int64_t d = ns(CLOCK_MONOTONIC) - t0;
	CHECK(d >= 50 * MS && d < 50 * MS + SLACK, "it slept at least 50 ms (%lld us)",
	      (long long)d / 1000);

	t0 = ns(CLOCK_MONOTONIC);
	req.tv_nsec = 1 * MS;
	for (int i = 0; i < 20; i++)
		nanosleep(&req, NULL);
	d = ns(CLOCK_MONOTONIC) - t0;
	CHECK(d >= 20 * MS, "20 sleeps of 1 ms take at least 20 ms (%lld us)", (long long)d / 1000);

	req.tv_nsec = 0;
	t0 = ns(CLOCK_MONOTONIC);
	CHECK(nanosleep(&req, NULL) == 0 && ns(CLOCK_MONOTONIC) - t0 < SLACK,
	      "nanosleep 0 returns at once");

	struct timespec bad = {0, 1000000000};
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL, "tv_nsec of 1e9 is EINVAL");
	bad.tv_nsec = -1;
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL, "negative tv_nsec is EINVAL");
	bad = (struct timespec){-1, 0};
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL, "negative tv_sec is EINVAL");

	/* clock_nanosleep returns the error number instead of setting errno. */
	req = (struct timespec){0, 30 * MS};
	t0 = ns(CLOCK_MONOTONIC);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0, "clock_nanosleep 30 ms");
	d = ns(CLOCK_MONOTONIC) - t0;
	CHECK(d >= 30 * MS && d < 30 * MS + SLACK, "it slept at least 30 ms (%lld us)",
	      (long long)d / 1000);

	int64_t until = ns(CLOCK_MONOTONIC) + 40 * MS;
	struct timespec abs = {until / 1000000000, until % 1000000000};
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0,
	      "clock_nanosleep TIMER_ABSTIME 40 ms ahead");
	CHECK(ns(CLOCK_MONOTONIC) >= until, "it woke no earlier than the deadline");
	/* The epoch of CLOCK_MONOTONIC: in the past however recently the machine booted. */
	abs.tv_sec = 0;
	abs.tv_nsec = 0;
	t0 = ns(CLOCK_MONOTONIC);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0 &&
		  ns(CLOCK_MONOTONIC) - t0 < SLACK,
	      "a deadline in the past returns at once");
}

static void on_usr1(int sig)
{
}

/* A child signals us 200 ms into a 5 s sleep: EINTR, with about 4.8 s left. */
static void check_interrupt(void)
{
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART, as for nanosleep anyway */
	sigaction(SIGUSR1, &sa, NULL);

	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		struct timespec d = {0, 200 * MS};
		nanosleep(&d, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct timespec req = {5, 0}, rem = {0, 0};
	int64_t t0 = ns(CLOCK_MONOTONIC);
	int r = nanosleep(&req, &rem), e = errno;
	int64_t d = ns(CLOCK_MONOTONIC) - t0;
	CHECK(r == -1 && e == EINTR, "a handled signal interrupts nanosleep with EINTR");
	CHECK(d < 4000 * MS, "it returned early (%lld ms)", (long long)d / MS);
	int64_t left = rem.tv_sec * 1000000000ll + rem.tv_nsec;
	CHECK(left > 0 && left <= 5000 * MS - d + 10 * MS, "the time left is filled in (%lld ms)",
	      (long long)left / MS);
	t_wait(pid);
	signal(SIGUSR1, SIG_DFL);
}

static void check_realtime(void)
{
	struct timeval tv1, tv2;
	struct timespec rt;

	gettimeofday(&tv1, NULL);
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv2, NULL);
	int64_t a = tv1.tv_sec * 1000000ll + tv1.tv_usec, b = tv2.tv_sec * 1000000ll + tv2.tv_usec;
	int64_t r = rt.tv_sec * 1000000ll + rt.tv_nsec / 1000;
	CHECK(a <= r && r <= b, "CLOCK_REALTIME lies between two gettimeofday calls");
	time_t t = time(NULL);
	CHECK(t >= tv2.tv_sec && t <= tv2.tv_sec + 2, "time() agrees with gettimeofday");
	t_note("realtime now: %lld s since 1970", (long long)rt.tv_sec);

	int64_t m0 = ns(CLOCK_MONOTONIC), r0 = ns(CLOCK_REALTIME);
	struct timespec req = {0, 100 * MS};
	nanosleep(&req, NULL);
	int64_t dm = ns(CLOCK_MONOTONIC) - m0, dr = ns(CLOCK_REALTIME) - r0;
	CHECK(dr >= 90 * MS && dr < dm + 50 * MS,
	      "across a 100 ms sleep realtime and monotonic advance alike (%lld, %lld ms)",
	      (long long)dr / MS, (long long)dm / MS);
}

int main(void)
{
	check_monotonic();
	check_sleep();
	check_interrupt();
	check_realtime();
	return t_done();
}
