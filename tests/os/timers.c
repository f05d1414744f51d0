/*
 * timers: every clock Linux has (the wall, monotonic, boot, TAI, alarm,
 * coarse and raw clocks, and CPU-time clocks of this and other processes
 * and threads), clock_nanosleep on them, POSIX timers (SIGEV_SIGNAL,
 * SIGEV_THREAD_ID, SIGEV_NONE, and the C library's SIGEV_THREAD) with
 * overruns, the three interval timers, and setting the wall clock
 * (clock_settime, settimeofday, adjtimex: on Ferry only).
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

#include "t.h"

#include <sched.h>

#define MS 1000000LL
#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif
#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static int64_t ns(clockid_t c)
{
	struct timespec t;
	if (clock_gettime(c, &t) != 0)
		return -1;
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static volatile uint64_t sink;

/*
 * Burn CPU time. The loop yields now and then: with preempt=off nothing
 * interrupts a program that computes, so the timer tasks sharing its core
 * would not run until it did.
 */
static void burn_cpu(int64_t ms)
{
	int64_t t0 = ns(CLOCK_THREAD_CPUTIME_ID);
	while (ns(CLOCK_THREAD_CPUTIME_ID) - t0 < ms * MS) {
		for (int i = 0; i < 1000; i++)
			sink += (uint64_t)i * i;
		sched_yield();
	}
}

static sigset_t only(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return s;
}

static void check_clocks(void)
{
	static const struct {
		clockid_t id;
		const char *name;
	} clocks[] = {
		{CLOCK_REALTIME, "REALTIME"},		{CLOCK_MONOTONIC, "MONOTONIC"},
		{CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"}, {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"},
		{CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"}, {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
		{CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"}, {CLOCK_BOOTTIME, "BOOTTIME"},
		{CLOCK_TAI, "TAI"},
	};
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		struct timespec t, r;
		CHECK(syscall(SYS_clock_gettime, clocks[i].id, &t) == 0 && syscall(SYS_clock_getres, clocks[i].id, &r) == 0 &&
			  (r.tv_sec || r.tv_nsec),
		      "clock_gettime and clock_getres of CLOCK_%s", clocks[i].name);
	}
	struct timespec t;
	/* The alarm clocks need a wake-up device; without one Linux says EINVAL, as Ferry does. */
	long ra = syscall(SYS_clock_gettime, CLOCK_REALTIME_ALARM, &t);
	CHECK(ra == 0 || errno == EINVAL, "CLOCK_REALTIME_ALARM: the time, or EINVAL without an alarm device");
	CHECK_ERR(syscall(SYS_clock_gettime, 10, &t), EINVAL, "clock 10 (SGI_CYCLE): EINVAL");
	CHECK_ERR(syscall(SYS_clock_gettime, 99, &t), EINVAL, "clock 99: EINVAL");
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT, "into a bad pointer: EFAULT");
	int64_t b = ns(CLOCK_BOOTTIME), m = ns(CLOCK_MONOTONIC);
	CHECK(b >= m - 1000 * MS, "CLOCK_BOOTTIME is at least CLOCK_MONOTONIC");

	/* Another process's CPU clock, and a thread's. */
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		burn_cpu(60);
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	char x;
	read(p[0], &x, 1);
	clockid_t cc;
	CHECK(clock_getcpuclockid(c, &cc) == 0 && ns(cc) >= 50 * MS, "a child's CPU clock (clock_getcpuclockid) shows its 60 ms (%lld ms)",
	      (long long)ns(cc) / MS);
	kill(c, SIGKILL);
	t_wait(c);
	CHECK_ERR(syscall(SYS_clock_gettime, cc, &t), EINVAL, "the clock of a reaped process: EINVAL");
	clockid_t tc;
	CHECK(pthread_getcpuclockid(pthread_self(), &tc) == 0 && ns(tc) > 0, "this thread's CPU clock by its id");
	close(p[0]);
	close(p[1]);
}

static void check_sleeps(void)
{
	struct timespec d = {0, 30 * MS};
	int64_t t0 = ns(CLOCK_MONOTONIC);
	CHECK(clock_nanosleep(CLOCK_BOOTTIME, 0, &d, NULL) == 0 && ns(CLOCK_MONOTONIC) - t0 >= 29 * MS,
	      "clock_nanosleep on CLOCK_BOOTTIME");
	struct timespec at;
	clock_gettime(CLOCK_TAI, &at);
	at.tv_nsec += 30 * MS;
	if (at.tv_nsec >= 1000000000)
		at.tv_sec++, at.tv_nsec -= 1000000000;
	t0 = ns(CLOCK_MONOTONIC);
	CHECK(clock_nanosleep(CLOCK_TAI, TIMER_ABSTIME, &at, NULL) == 0 && ns(CLOCK_MONOTONIC) - t0 >= 25 * MS,
	      "clock_nanosleep until a CLOCK_TAI time");
	CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL) == EINVAL, "on the thread's own CPU clock: EINVAL");
	CHECK(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &d, NULL) == EOPNOTSUPP, "on CLOCK_MONOTONIC_RAW: EOPNOTSUPP");
	CHECK(clock_nanosleep(99, 0, &d, NULL) == EINVAL, "on clock 99: EINVAL");

	/* On the process's CPU clock: a thread burns, this one sleeps until 40 ms more are used. */
	pthread_t th;
	volatile int stop = 0;
	void *spin(void *arg);
	pthread_create(&th, NULL, spin, (void *)&stop);
	int64_t c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	struct timespec cpu = {0, 40 * MS};
	int r = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &cpu, NULL);
	int64_t used = ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	stop = 1;
	pthread_join(th, NULL);
	CHECK(r == 0 && used >= 40 * MS, "clock_nanosleep on CLOCK_PROCESS_CPUTIME_ID waits for 40 ms of CPU time (%lld ms)",
	      (long long)used / MS);
}

void *spin(void *arg)
{
	volatile int *stop = arg;
	while (!*stop) {
		sink++;
		if (!(sink & 1023))
			sched_yield(); /* preempt=off: let the others on this core run (burn_cpu) */
	}
	return NULL;
}

static void check_posix_timers(void)
{
	sigset_t s = only(SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	timer_t id;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 42};
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0, "timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL)");
	struct itimerspec its = {.it_value = {0, 20 * MS}};
	int64_t t0 = ns(CLOCK_MONOTONIC);
	CHECK(timer_settime(id, 0, &its, NULL) == 0, "timer_settime for 20 ms");
	siginfo_t si;
	struct timespec w = {10, 0};
	CHECK(sigtimedwait(&s, &si, &w) == SIGUSR1 && ns(CLOCK_MONOTONIC) - t0 >= 19 * MS,
	      "  its signal comes after 20 ms");
	CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == 42, "  with SI_TIMER and the sigval (code %d, value %d)",
	      si.si_code, si.si_value.sival_int);
	struct itimerspec cur;
	CHECK(timer_gettime(id, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
	      "a one-shot timer that fired is disarmed");

	/* Periodic, with the signal blocked: overruns add up on the one pending signal. */
	its = (struct itimerspec){.it_value = {0, 10 * MS}, .it_interval = {0, 10 * MS}};
	timer_settime(id, 0, &its, NULL);
	struct timespec d = {0, 150 * MS};
	nanosleep(&d, NULL);
	CHECK(sigtimedwait(&s, &si, &w) == SIGUSR1 && si.si_overrun >= 5, "a 10 ms periodic timer, 150 ms later: one signal, overrun %d",
	      si.si_overrun);
	CHECK(timer_getoverrun(id) >= 5, "timer_getoverrun says the same (%d)", timer_getoverrun(id));
	CHECK(timer_gettime(id, &cur) == 0 && cur.it_interval.tv_nsec == 10 * MS && cur.it_value.tv_nsec <= 10 * MS,
	      "timer_gettime: the interval and what is left of it");
	its = (struct itimerspec){0};
	struct itimerspec old;
	CHECK(timer_settime(id, 0, &its, &old) == 0 && old.it_interval.tv_nsec == 10 * MS, "disarming returns the old setting");
	while (sigtimedwait(&s, &si, &(struct timespec){0, 0}) > 0)
		;

	/* Absolute on the wall clock. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	its = (struct itimerspec){.it_value = {now.tv_sec, now.tv_nsec + 30 * MS}};
	if (its.it_value.tv_nsec >= 1000000000)
		its.it_value.tv_sec++, its.it_value.tv_nsec -= 1000000000;
	timer_t rt;
	timer_create(CLOCK_REALTIME, &ev, &rt);
	CHECK(timer_settime(rt, TIMER_ABSTIME, &its, NULL) == 0 && sigtimedwait(&s, &si, &w) == SIGUSR1,
	      "TIMER_ABSTIME on CLOCK_REALTIME fires");
	CHECK(timer_delete(rt) == 0 && timer_delete(id) == 0, "timer_delete");
	CHECK_ERR(timer_gettime(id, &cur), EINVAL, "a deleted timer: EINVAL");
	CHECK_ERR(syscall(SYS_timer_gettime, 9999, &cur), EINVAL, "timer 9999: EINVAL");
	CHECK_ERR(syscall(SYS_timer_delete, -1), EINVAL, "timer -1: EINVAL");

	/* SIGEV_NONE: no signal, but the time runs. */
	struct sigevent none = {.sigev_notify = SIGEV_NONE};
	timer_create(CLOCK_MONOTONIC, &none, &id);
	its = (struct itimerspec){.it_value = {5, 0}};
	timer_settime(id, 0, &its, NULL);
	d.tv_nsec = 20 * MS;
	nanosleep(&d, NULL);
	CHECK(timer_gettime(id, &cur) == 0 && cur.it_value.tv_sec == 4, "SIGEV_NONE: timer_gettime counts down (%ld s left)",
	      (long)cur.it_value.tv_sec);
	timer_delete(id);

	/* A CPU-time timer. */
	sigset_t s2 = only(SIGUSR2);
	sigprocmask(SIG_BLOCK, &s2, NULL);
	struct sigevent ev2 = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
	CHECK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev2, &id) == 0, "timer_create(CLOCK_PROCESS_CPUTIME_ID)");
	its = (struct itimerspec){.it_value = {0, 30 * MS}};
	/*
	 * c0 before the timer is set: the 30 ms count from the kernel's reading
	 * inside timer_settime, and under emulation on a busy host a time
	 * slice lost between that and a later c0 still counts as this
	 * thread's CPU time (it fired "after 26 ms" of a c0 read afterwards).
	 */
	int64_t c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	timer_settime(id, 0, &its, NULL);
	int got = 0;
	while (!got && ns(CLOCK_PROCESS_CPUTIME_ID) - c0 < 3000 * MS) {
		burn_cpu(5);
		got = sigtimedwait(&s2, &si, &(struct timespec){0, 0}) == SIGUSR2;
	}
	int64_t used = ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	CHECK(got && used >= 29 * MS, "  fires after 30 ms of CPU time (%s after %lld ms)",
	      got ? "fired" : "did not fire", (long long)(used / MS));
	timer_delete(id);
}

static pid_t target_tid;
static volatile int thread_got;

static void *sig_thread(void *arg)
{
	(void)arg;
	target_tid = (pid_t)syscall(SYS_gettid);
	sigset_t s = only(SIGUSR1);
	siginfo_t si;
	struct timespec w = {10, 0};
	if (sigtimedwait(&s, &si, &w) == SIGUSR1)
		thread_got = si.si_value.sival_int;
	return NULL;
}

static volatile int callback_ran;
static void on_timer(union sigval v)
{
	callback_ran = v.sival_int;
}

static void check_thread_timers(void)
{
	pthread_t th;
	pthread_create(&th, NULL, sig_thread, NULL);
	while (!__atomic_load_n(&target_tid, __ATOMIC_SEQ_CST))
		sched_yield();
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 7};
	ev.sigev_notify_thread_id = target_tid;
	timer_t id;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0, "timer_create with SIGEV_THREAD_ID");
	struct itimerspec its = {.it_value = {0, 20 * MS}};
	timer_settime(id, 0, &its, NULL);
	pthread_join(th, NULL);
	CHECK(thread_got == 7, "  its signal reaches that thread");
	timer_delete(id);
	ev.sigev_notify_thread_id = 1;
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &ev, &id), EINVAL, "SIGEV_THREAD_ID naming another process's thread: EINVAL");

	/* The C library's SIGEV_THREAD: a thread runs the callback. */
	struct sigevent tev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_timer,
			       .sigev_value.sival_int = 99};
	CHECK(timer_create(CLOCK_MONOTONIC, &tev, &id) == 0, "timer_create with SIGEV_THREAD (the C library's)");
	timer_settime(id, 0, &(struct itimerspec){.it_value = {0, 20 * MS}}, NULL);
	for (int i = 0; i < 500 && !callback_ran; i++)
		nanosleep(&(struct timespec){0, 10 * MS}, NULL);
	CHECK(callback_ran == 99, "  its callback runs with the sigval");
	timer_delete(id);

	struct sigevent bad = {.sigev_notify = 99};
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &bad, &id), EINVAL, "an unknown sigev_notify: EINVAL");
	bad = (struct sigevent){.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 65};
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &bad, &id), EINVAL, "signal 65: EINVAL");
	CHECK_ERR(syscall(SYS_timer_create, 99, NULL, &id), EINVAL, "clock 99: EINVAL");
	CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &id), EFAULT, "a bad sigevent: EFAULT");
	int kid;
	CHECK(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &kid) == 0, "timer_create with no sigevent (SIGALRM)");
	struct itimerspec bad_its = {.it_value = {0, 1000000000}};
	CHECK_ERR(syscall(SYS_timer_settime, kid, 0, &bad_its, NULL), EINVAL, "timer_settime with 10^9 ns: EINVAL");
	syscall(SYS_timer_delete, kid);
}

static volatile int vt, prof;
static void on_vt(int sig)
{
	(void)sig;
	vt++;
}
static void on_prof(int sig)
{
	(void)sig;
	prof++;
}

static void check_itimers(void)
{
	signal(SIGVTALRM, on_vt);
	signal(SIGPROF, on_prof);
	struct itimerval v = {.it_value = {0, 30000}};
	CHECK(setitimer(ITIMER_VIRTUAL, &v, NULL) == 0, "setitimer(ITIMER_VIRTUAL, 30 ms)");
	struct itimerval g;
	CHECK(getitimer(ITIMER_VIRTUAL, &g) == 0 && (g.it_value.tv_usec > 0 || g.it_value.tv_sec > 0) &&
		  g.it_value.tv_sec == 0,
	      "  getitimer shows it running (%ld.%06ld s)", (long)g.it_value.tv_sec, (long)g.it_value.tv_usec);
	int64_t c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	while (!vt && ns(CLOCK_PROCESS_CPUTIME_ID) - c0 < 3000 * MS)
		burn_cpu(5);
	CHECK(vt == 1, "  SIGVTALRM after 30 ms of user time");
	v = (struct itimerval){.it_value = {0, 20000}, .it_interval = {0, 20000}};
	CHECK(setitimer(ITIMER_PROF, &v, NULL) == 0, "setitimer(ITIMER_PROF, every 20 ms)");
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	while (prof < 2 && ns(CLOCK_PROCESS_CPUTIME_ID) - c0 < 3000 * MS)
		burn_cpu(5);
	CHECK(prof >= 2, "  SIGPROF again and again (%d)", prof);
	struct itimerval zero = {0}, old;
	CHECK(setitimer(ITIMER_PROF, &zero, &old) == 0 && old.it_interval.tv_usec == 20000, "disarming returns the old setting");
	v = (struct itimerval){.it_value = {100, 0}};
	setitimer(ITIMER_REAL, &v, NULL);
	CHECK(getitimer(ITIMER_REAL, &g) == 0 && g.it_value.tv_sec >= 99, "getitimer(ITIMER_REAL)");
	setitimer(ITIMER_REAL, &zero, NULL);
	CHECK_ERR(syscall(SYS_getitimer, 3, &g), EINVAL, "getitimer of timer 3: EINVAL");
	CHECK_ERR(syscall(SYS_setitimer, 7, &v, NULL), EINVAL, "setitimer of timer 7: EINVAL");
	v.it_value.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_VIRTUAL, &v, NULL), EINVAL, "a microsecond count of 10^6: EINVAL");
	signal(SIGVTALRM, SIG_DFL);
	signal(SIGPROF, SIG_DFL);
}

static void check_set_clock(void)
{
	struct timespec t;
	CHECK_ERR(clock_settime(CLOCK_MONOTONIC, &(struct timespec){0, 0}), EINVAL, "clock_settime(CLOCK_MONOTONIC): EINVAL");
	CHECK_ERR(clock_settime(CLOCK_REALTIME, &(struct timespec){0, 1000000000}), EINVAL, "clock_settime with 10^9 ns: EINVAL");
	struct timex tx = {0};
	int st = adjtimex(&tx);
	CHECK(st >= 0 && tx.tick > 0, "adjtimex reads the clock's state (%d)", st);
	if (t_on_linux()) {
		t_skip("clock_settime, settimeofday and adjtimex changes: they would move the build machine's clock");
		return;
	}
	int64_t before = ns(CLOCK_REALTIME);
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 1000;
	CHECK(clock_settime(CLOCK_REALTIME, &t) == 0, "clock_settime(CLOCK_REALTIME) 1000 s ahead");
	int64_t after = ns(CLOCK_REALTIME);
	struct timespec sys;
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &sys);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	CHECK(after - before >= 999000 * MS && after - before < 1010000 * MS, "  the vDSO's CLOCK_REALTIME moved by 1000 s");
	CHECK(sys.tv_sec - t.tv_sec <= 2 && sys.tv_sec >= t.tv_sec, "  and the system call's");
	CHECK(tv.tv_sec - t.tv_sec <= 2 && tv.tv_sec >= t.tv_sec, "  and gettimeofday's");
	tv.tv_sec -= 1000;
	CHECK(settimeofday(&tv, NULL) == 0 && ns(CLOCK_REALTIME) - before < 10000 * MS, "settimeofday back");
	tx = (struct timex){.modes = ADJ_SETOFFSET | ADJ_NANO, .time = {5, 0}};
	int64_t b2 = ns(CLOCK_REALTIME);
	CHECK(adjtimex(&tx) >= 0 && ns(CLOCK_REALTIME) - b2 >= 4900 * MS, "adjtimex(ADJ_SETOFFSET) steps the clock 5 s");
	tx = (struct timex){.modes = ADJ_SETOFFSET | ADJ_NANO, .time = {-5, 0}};
	adjtimex(&tx);
	tx = (struct timex){.modes = ADJ_TAI, .constant = 37};
	adjtimex(&tx);
	CHECK(ns(CLOCK_TAI) - ns(CLOCK_REALTIME) >= 36900 * MS, "adjtimex(ADJ_TAI): CLOCK_TAI is 37 s ahead");
	tx = (struct timex){.modes = ADJ_TAI, .constant = 0};
	adjtimex(&tx);
	tx = (struct timex){.modes = ADJ_FREQUENCY, .freq = 1000};
	CHECK_ERR(adjtimex(&tx), EINVAL, "adjtimex(ADJ_FREQUENCY): EINVAL (Ferry does not slew)");
	CHECK_ERR(adjtimex((struct timex *)8), EFAULT, "adjtimex of a bad pointer: EFAULT");
}

/*
 * A timer's signal reaches a thread that computes without a system call:
 * with preempt=off, the core's kernel timer must still fire (the local
 * timer brought forward by setitimer and alarm, the thread yielding to it).
 */
static volatile sig_atomic_t spin_fired;

static void on_spin_alarm(int sig)
{
	spin_fired = 1;
}

static void check_spin_signal(void)
{
	struct sigaction sa = {.sa_handler = on_spin_alarm}, old;
	sigaction(SIGALRM, &sa, &old);
	int64_t t0 = ns(CLOCK_MONOTONIC);
	spin_fired = 0;
	struct itimerval it = {.it_value = {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	while (!spin_fired && ns(CLOCK_MONOTONIC) - t0 < 20000 * MS)
		sink++; /* clock_gettime is the vDSO's: no system call */
	CHECK(spin_fired, "setitimer's SIGALRM reaches a thread that only computes");
	spin_fired = 0;
	t0 = ns(CLOCK_MONOTONIC);
	alarm(1);
	while (!spin_fired && ns(CLOCK_MONOTONIC) - t0 < 20000 * MS)
		sink++;
	CHECK(spin_fired, "and so does alarm's");
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
}

int main(void)
{
	check_clocks();
	check_spin_signal();
	check_sleeps();
	check_posix_timers();
	check_thread_timers();
	check_itimers();
	check_set_clock();
	return t_done();
}
