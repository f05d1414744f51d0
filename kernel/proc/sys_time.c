/*
 * Time system calls: clocks, sleeps, and the process alarm (alarm.c).
 * CLOCK_MONOTONIC is the TSC in nanoseconds since boot; CLOCK_REALTIME
 * adds the wall-clock time read from the CMOS RTC at boot (rtc.c); the CPU
 * clocks are the caller's own counted time.
 */
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "mm/domain.h"
#include "proc/proc.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "arch/x86_64/rtc.h"
#include "sys/syscall.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define NSEC 1000000000UL

struct timespec64 {
	i64 tv_sec;
	i64 tv_nsec;
};

static long clock_now(int clk, u64 *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = realtime_epoch_ns() + tsc_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = tsc_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: {
		/* What is counted, and this run in user mode so far (counted when it ends). */
		struct thread *t = current_thread();
		struct usage u;
		if (clk == CLOCK_THREAD_CPUTIME_ID)
			thread_usage_now(t, &u);
		else
			proc_usage_now(t, &u);
		*ns = u.utime_ns + u.stime_ns;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int put_ts(u64 uaddr, u64 ns)
{
	struct timespec64 ts = {(i64)(ns / NSEC), (i64)(ns % NSEC)};
	return copy_to_domain(cur_dom(), uaddr, &ts, sizeof ts);
}

static long get_ts(u64 uaddr, u64 *ns)
{
	struct timespec64 ts;
	if (copy_from_domain(cur_dom(), &ts, uaddr, sizeof ts) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (i64)NSEC)
		return -EINVAL;
	if ((u64)ts.tv_sec > (~0UL - NSEC) / NSEC)
		*ns = ~0UL; /* forever, near enough */
	else
		*ns = (u64)ts.tv_sec * NSEC + (u64)ts.tv_nsec;
	return 0;
}

SYSCALL(NR_clock_gettime, clock_gettime)
{
	u64 ns;
	long r = clock_now((int)a0, &ns);
	if (r < 0)
		return r;
	return put_ts(a1, ns) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_clock_getres, clock_getres)
{
	u64 ns;
	long r = clock_now((int)a0, &ns);
	if (r < 0)
		return r;
	return a1 && put_ts(a1, 1) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_gettimeofday, gettimeofday)
{
	u64 ns = realtime_epoch_ns() + tsc_ns();
	if (a0) {
		i64 tv[2] = {(i64)(ns / NSEC), (i64)(ns % NSEC / 1000)};
		if (copy_to_domain(cur_dom(), a0, tv, sizeof tv) < 0)
			return -EFAULT;
	}
	if (a1) {
		i32 tz[2] = {0, 0};
		if (copy_to_domain(cur_dom(), a1, tz, sizeof tz) < 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL(NR_time, time)
{
	i64 secs = (i64)((realtime_epoch_ns() + tsc_ns()) / NSEC);
	if (a0 && copy_to_domain(cur_dom(), a0, &secs, sizeof secs) < 0)
		return -EFAULT;
	return secs;
}

/*
 * Sleeping parks the thread on its timer; the deadline is kept across
 * restarts so a spurious wake does not start the sleep over (invariant 3).
 */
static long sleep_common(u64 deadline_ns)
{
	return park_until(park_deadline(deadline_ns));
}

SYSCALL(NR_nanosleep, nanosleep)
{
	u64 ns = 0;
	if (!park_restarting()) {
		long r = get_ts(a0, &ns);
		if (r < 0)
			return r;
	}
	u64 now = tsc_ns();
	return sleep_common(ns > ~0UL - now ? ~0UL : now + ns);
}

SYSCALL(NR_clock_nanosleep, clock_nanosleep)
{
	int clk = (int)a0, flags = (int)a1;
	if (clk != CLOCK_MONOTONIC && clk != CLOCK_REALTIME && clk != CLOCK_BOOTTIME)
		return -EINVAL;
	u64 ns = 0;
	if (!park_restarting()) {
		long r = get_ts(a2, &ns);
		if (r < 0)
			return r;
	}
	u64 now = tsc_ns(), deadline;
	if (flags & TIMER_ABSTIME) {
		u64 base = clk == CLOCK_REALTIME ? realtime_epoch_ns() : 0;
		deadline = ns > base ? ns - base : 0;
	} else {
		deadline = ns > ~0UL - now ? ~0UL : now + ns;
	}
	return sleep_common(deadline);
}

SYSCALL(NR_alarm, alarm)
{
	long left = alarm_set(cur_proc(), (u64)(u32)a0 * NSEC, 0, NULL);
	if (left < 0)
		return left;
	/* Seconds left, rounded to the nearest, and never 0 for a pending alarm. */
	u64 s = ((u64)left + NSEC / 2) / NSEC;
	return left && !s ? 1 : (long)s;
}

struct itimerval64 {
	i64 interval_sec, interval_usec, value_sec, value_usec;
};

#define ITIMER_REAL 0

SYSCALL(NR_setitimer, setitimer)
{
	if ((int)a0 != ITIMER_REAL)
		return -EINVAL; /* virtual and profiling timers: not supported */
	struct proc *p = cur_proc();
	struct itimerval64 it = {0};
	if (a1 && copy_from_domain(p->dom, &it, a1, sizeof it) < 0)
		return -EFAULT;
	if (it.value_sec < 0 || it.value_usec < 0 || it.value_usec >= 1000000 ||
	    it.interval_sec < 0 || it.interval_usec < 0 || it.interval_usec >= 1000000)
		return -EINVAL;
	u64 value = (u64)it.value_sec * NSEC + (u64)it.value_usec * 1000;
	u64 interval = (u64)it.interval_sec * NSEC + (u64)it.interval_usec * 1000;
	u64 old_interval = 0;
	long left = alarm_set(p, value, value ? interval : 0, &old_interval);
	if (left < 0)
		return left;
	if (a2) {
		struct itimerval64 old = {(i64)(old_interval / NSEC), (i64)(old_interval % NSEC / 1000),
					  left / (i64)NSEC, left % (i64)NSEC / 1000};
		if (copy_to_domain(p->dom, a2, &old, sizeof old) < 0)
			return -EFAULT;
	}
	return 0;
}
