/*
 * time: CLOCK_MONOTONIC never goes back and has a fine resolution;
 * nanosleep and clock_nanosleep sleep at least as long as asked (and not
 * wildly longer), reject bad times, and return EINTR with the time left
 * when a handler runs; gettimeofday, time and CLOCK_REALTIME agree.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
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

static int64_t tv_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
}

static volatile uint64_t sink;

/* Spin in user mode for about ms of this process's CPU time. */
static void burn(int64_t ms)
{
	int64_t t0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	while (ns(CLOCK_PROCESS_CPUTIME_ID) - t0 < ms * MS)
		for (int i = 0; i < 10000; i++)
			sink += (uint64_t)i * i;
}

/* getrusage and wait4's rusage: CPU time, page faults, the largest resident size. */
static void check_rusage(void)
{
	struct rusage a, b;
	CHECK(getrusage(RUSAGE_SELF, &a) == 0, "getrusage(RUSAGE_SELF)");
	int64_t c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	burn(100);
	int64_t c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(c1 - c0 >= 100 * MS, "CLOCK_PROCESS_CPUTIME_ID advanced by the 100 ms burnt (%lld ms)",
	      (long long)(c1 - c0) / MS);
	size_t len = 1000 * 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	CHECK(getrusage(RUSAGE_SELF, &b) == 0, "getrusage(RUSAGE_SELF) again");
	int64_t du = tv_ns(b.ru_utime) - tv_ns(a.ru_utime);
	CHECK(du >= 50 * MS, "ru_utime grew by the time burnt in user mode (%lld ms)",
	      (long long)du / MS);
	CHECK(b.ru_minflt - a.ru_minflt >= 1000, "1000 pages touched: ru_minflt grew by %ld",
	      b.ru_minflt - a.ru_minflt);
	CHECK(b.ru_maxrss >= 3000, "ru_maxrss counts most of the 4000 KiB touched (%ld KiB)", b.ru_maxrss);
	munmap(p, len);
	CHECK(getrusage(RUSAGE_THREAD, &b) == 0 && tv_ns(b.ru_utime) >= 50 * MS,
	      "getrusage(RUSAGE_THREAD)");
	CHECK(getrusage(12345, &b) == -1 && errno == EINVAL, "getrusage with a bad who is EINVAL");

	/* System time: a child making many system calls. */
	pid_t pid = fork();
	if (pid == 0) {
		/* 60 ms of user time (burn counts system time too, which a loaded host inflates). */
		struct rusage self;
		do {
			burn(10);
			getrusage(RUSAGE_SELF, &self);
		} while (tv_ns(self.ru_utime) < 60 * MS);
		char *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (size_t i = 0; i < len; i += 4096)
			q[i] = 1;
		int64_t t0 = ns(CLOCK_MONOTONIC);
		while (ns(CLOCK_MONOTONIC) - t0 < 60 * MS)
			for (int i = 0; i < 100; i++)
				getppid();
		_exit(0);
	}
	struct rusage ru;
	int st;
	CHECK(wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st), "wait4 with a rusage");
	CHECK(tv_ns(ru.ru_utime) >= 40 * MS, "wait4: the child's user time (%lld ms)",
	      (long long)tv_ns(ru.ru_utime) / MS);
	CHECK(tv_ns(ru.ru_stime) > 0, "wait4: the child's system time (%lld us)",
	      (long long)tv_ns(ru.ru_stime) / 1000);
	CHECK(ru.ru_minflt >= 1000 && ru.ru_maxrss >= 3000,
	      "wait4: the child's page faults (%ld) and size (%ld KiB)", ru.ru_minflt, ru.ru_maxrss);
	CHECK(getrusage(RUSAGE_CHILDREN, &b) == 0 && tv_ns(b.ru_utime) >= tv_ns(ru.ru_utime) &&
		  b.ru_minflt >= ru.ru_minflt,
	      "getrusage(RUSAGE_CHILDREN) includes the reaped child");
}

/*
 * Two readings of the process's user and system time never go backwards,
 * however the system calls fall within a run in user mode (a reading
 * mid-run must split the run as its end will).
 */
static void check_rusage_monotonic(void)
{
	struct rusage prev, cur;
	int back = 0;
	getrusage(RUSAGE_SELF, &prev);
	int64_t t0 = ns(CLOCK_MONOTONIC);
	for (int i = 0; ns(CLOCK_MONOTONIC) - t0 < 300 * MS; i++) {
		for (int k = 0; k < (i % 7) * 50; k++)
			getppid();
		for (int k = 0; k < (i % 5) * 2000; k++)
			sink += (uint64_t)k * k;
		getrusage(i & 1 ? RUSAGE_SELF : RUSAGE_THREAD, &cur);
		if (i & 1) {
			if (tv_ns(cur.ru_utime) < tv_ns(prev.ru_utime) ||
			    tv_ns(cur.ru_stime) < tv_ns(prev.ru_stime))
				back++;
			prev = cur;
		}
	}
	CHECK(back == 0, "getrusage's user and system times never went backwards (%d times)", back);
	int64_t a = ns(CLOCK_THREAD_CPUTIME_ID), b;
	back = 0;
	for (int i = 0; i < 20000; i++, a = b) {
		if (i % 3 == 0)
			getppid();
		if ((b = ns(CLOCK_THREAD_CPUTIME_ID)) < a)
			back++;
	}
	CHECK(back == 0, "CLOCK_THREAD_CPUTIME_ID never went backwards");
}

int main(void)
{
	check_rusage_monotonic();
	check_monotonic();
	check_sleep();
	check_interrupt();
	check_realtime();
	check_rusage();
	return t_done();
}
