/*
 * Clock system calls: reading and setting the clocks, and sleeping on
 * them. CLOCK_MONOTONIC (and BOOTTIME: Ferry does not suspend) is the TSC
 * in nanoseconds since boot; CLOCK_REALTIME adds the wall-clock offset
 * (rtc.c: the CMOS clock at boot, moved by clock_settime, settimeofday
 * and adjtimex; the vDSO follows); CLOCK_TAI adds adjtimex's TAI offset;
 * the CPU-time clocks are counted run time (usage.c). The coarse and raw
 * clocks are the same TSC: Ferry has no coarser or slewed version.
 * Timers and interval timers are in sys_timer.c.
 */
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "mm/domain.h"
#include "proc/proc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/ptimer.h"
#include "proc/unsupported.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"
#include "arch/x86_64/rtc.h"
#include "sys/syscall.h"

enum {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
	CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
	CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_SGI_CYCLE, CLOCK_TAI,
};
#define TIMER_ABSTIME 1
#define NSEC 1000000000UL

struct timespec64 {
	i64 tv_sec;
	i64 tv_nsec;
};

static long clock_now(int clk, u64 *ns)
{
	switch (clk) {
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
		*ns = tsc_ns();
		return 0;
	case CLOCK_REALTIME_COARSE:
		*ns = realtime_ns();
		return 0;
	case CLOCK_SGI_CYCLE:
		return -EINVAL;
	default:
		return ptimer_clock_now(clk, ns);
	}
}

static int put_ts(u64 uaddr, u64 ns)
{
	struct timespec64 ts = {(i64)(ns / NSEC), (i64)(ns % NSEC)};
	return copy_to_domain(cur_dom(), uaddr, &ts, sizeof ts);
}

/* A timespec from the user: -EFAULT, -EINVAL; one past 2^64 ns is as good as forever. */
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
	long r = clock_now((int)a0, &ns); /* no such clock: EINVAL */
	if (r < 0)
		return r;
	return a1 && put_ts(a1, 1) < 0 ? -EFAULT : 0; /* every clock counts nanoseconds */
}

/* settimeofday's time zone, which gettimeofday hands back: minutes west of Greenwich, DST type. */
static i32 sys_tz[2]; /* [a] each word */

SYSCALL(NR_gettimeofday, gettimeofday)
{
	u64 ns = realtime_ns();
	if (a0) {
		i64 tv[2] = {(i64)(ns / NSEC), (i64)(ns % NSEC / 1000)};
		if (copy_to_domain(cur_dom(), a0, tv, sizeof tv) < 0)
			return -EFAULT;
	}
	if (a1) {
		i32 tz[2] = {__atomic_load_n(&sys_tz[0], __ATOMIC_RELAXED),
			     __atomic_load_n(&sys_tz[1], __ATOMIC_RELAXED)};
		if (copy_to_domain(cur_dom(), a1, tz, sizeof tz) < 0)
			return -EFAULT;
	}
	return 0;
}

/* Setting the wall clock: checked as Linux's do_sys_settimeofday64 (EINVAL, then EPERM). */
static long set_realtime(const struct timespec64 *ts, const i32 *tz)
{
	if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (i64)NSEC ||
		   (u64)ts->tv_sec >= ~0UL / NSEC - 1))
		return -EINVAL;
	if (tz && (tz[0] > 15 * 60 || tz[0] < -15 * 60))
		return -EINVAL;
	if (!cred_capable(cur_cred(), CAP_SYS_TIME))
		return -EPERM;
	if (tz) {
		__atomic_store_n(&sys_tz[0], tz[0], __ATOMIC_RELAXED);
		__atomic_store_n(&sys_tz[1], tz[1], __ATOMIC_RELAXED);
	}
	if (ts) {
		realtime_set((u64)ts->tv_sec * NSEC + (u64)ts->tv_nsec); /* the vDSO follows */
	}
	return 0;
}

SYSCALL(NR_settimeofday, settimeofday)
{
	i64 tv[2] = {0, 0};
	i32 tz[2] = {0, 0};
	if (a0 && copy_from_domain(cur_dom(), tv, a0, sizeof tv) < 0)
		return -EFAULT;
	if (a1 && copy_from_domain(cur_dom(), tz, a1, sizeof tz) < 0)
		return -EFAULT;
	if (a0 && (tv[1] < 0 || tv[1] >= 1000000))
		return -EINVAL;
	struct timespec64 ts = {tv[0], tv[1] * 1000};
	return set_realtime(a0 ? &ts : NULL, a1 ? tz : NULL);
}

SYSCALL(NR_clock_settime, clock_settime)
{
	struct timespec64 ts;
	if ((int)a0 != CLOCK_REALTIME)
		return -EINVAL; /* the other clocks cannot be set, as on Linux */
	if (copy_from_domain(cur_dom(), &ts, a1, sizeof ts) < 0)
		return -EFAULT;
	return set_realtime(&ts, NULL);
}

SYSCALL(NR_time, time)
{
	i64 secs = (i64)(realtime_ns() / NSEC);
	if (a0 && copy_to_domain(cur_dom(), a0, &secs, sizeof secs) < 0)
		return -EFAULT;
	return secs;
}

/* struct timex (linux/timex.h) */
struct timex {
	u32 modes, pad0;
	i64 offset, freq, maxerror, esterror;
	i32 status, pad1;
	i64 constant, precision, tolerance;
	struct { i64 sec, usec; } time;
	i64 tick, ppsfreq, jitter;
	i32 shift, pad2;
	i64 stabil, jitcnt, calcnt, errcnt, stbcnt;
	i32 tai;
	i32 rest[11];
};
#define ADJ_OFFSET 0x0001
#define ADJ_FREQUENCY 0x0002
#define ADJ_MAXERROR 0x0004
#define ADJ_ESTERROR 0x0008
#define ADJ_STATUS 0x0010
#define ADJ_TIMECONST 0x0020
#define ADJ_TAI 0x0080
#define ADJ_SETOFFSET 0x0100
#define ADJ_MICRO 0x1000
#define ADJ_NANO 0x2000
#define ADJ_TICK 0x4000
#define ADJ_OFFSET_SINGLESHOT 0x8001
#define STA_UNSYNC 0x0040
#define STA_NANO 0x2000
#define TIME_OK 0
#define TIME_ERROR 5

/* What adjtimex keeps: the kernel's NTP state, as far as Ferry has one ([a] each). */
static i64 ntp_maxerror = 16000000, ntp_esterror = 16000000;
static i32 ntp_status = STA_UNSYNC;
static bool ntp_nano;

/*
 * adjtimex and clock_adjtime(CLOCK_REALTIME): read the state; step the
 * clock (ADJ_SETOFFSET), set the TAI offset, the status and error
 * estimates. Ferry does not slew the clock or change its rate:
 * ADJ_OFFSET, ADJ_FREQUENCY and ADJ_TICK are refused (EINVAL, logged).
 */
static long do_adjtimex(u64 utx)
{
	struct timex tx;
	if (copy_from_domain(cur_dom(), &tx, utx, sizeof tx) < 0)
		return -EFAULT;
	u32 modes = tx.modes;
	/* Any change takes CAP_SYS_TIME, checked first (Linux's timekeeping_validate_timex). */
	if (modes && !cred_capable(cur_cred(), CAP_SYS_TIME))
		return -EPERM;
	if (modes == ADJ_OFFSET_SINGLESHOT || (modes & (ADJ_OFFSET | ADJ_FREQUENCY | ADJ_TICK | ADJ_TIMECONST))) {
		unsupported("adjtimex modes (no slewing)", modes);
		return -EINVAL;
	}
	if (modes & ~(u32)(ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS | ADJ_TAI | ADJ_SETOFFSET | ADJ_MICRO | ADJ_NANO))
		return -EINVAL;
	if (modes & ADJ_SETOFFSET) {
		bool nano = modes & ADJ_NANO;
		i64 frac = tx.time.usec;
		if (frac < 0 || frac >= (nano ? (i64)NSEC : 1000000))
			return -EINVAL;
		i64 delta = tx.time.sec * (i64)NSEC + (nano ? frac : frac * 1000);
		realtime_set(realtime_ns() + (u64)delta);
	}
	if (modes & ADJ_MAXERROR)
		__atomic_store_n(&ntp_maxerror, tx.maxerror, __ATOMIC_RELAXED);
	if (modes & ADJ_ESTERROR)
		__atomic_store_n(&ntp_esterror, tx.esterror, __ATOMIC_RELAXED);
	if (modes & ADJ_STATUS)
		__atomic_store_n(&ntp_status, tx.status & ~STA_NANO, __ATOMIC_RELAXED);
	if (modes & ADJ_TAI) {
		if (tx.constant < 0)
			return -EINVAL;
		__atomic_store_n(&tai_offset, (i32)tx.constant, __ATOMIC_RELAXED);
	}
	if (modes & ADJ_NANO)
		ntp_nano = true;
	if (modes & ADJ_MICRO)
		ntp_nano = false;
	u64 now = realtime_ns();
	memset(&tx, 0, sizeof tx);
	tx.modes = modes;
	tx.maxerror = __atomic_load_n(&ntp_maxerror, __ATOMIC_RELAXED);
	tx.esterror = __atomic_load_n(&ntp_esterror, __ATOMIC_RELAXED);
	tx.status = __atomic_load_n(&ntp_status, __ATOMIC_RELAXED) | (ntp_nano ? STA_NANO : 0);
	tx.constant = 2;
	tx.precision = 1;
	tx.tolerance = 32768000; /* 500 ppm, Linux's MAXFREQ scaled */
	tx.tick = 10000;         /* 10 ms, USER_HZ 100 */
	tx.time.sec = (i64)(now / NSEC);
	tx.time.usec = (i64)(ntp_nano ? now % NSEC : now % NSEC / 1000);
	tx.tai = __atomic_load_n(&tai_offset, __ATOMIC_RELAXED);
	if (copy_to_domain(cur_dom(), utx, &tx, sizeof tx) < 0)
		return -EFAULT;
	return tx.status & STA_UNSYNC ? TIME_ERROR : TIME_OK;
}

SYSCALL(NR_adjtimex, adjtimex)
{
	return do_adjtimex(a0);
}

SYSCALL(NR_clock_adjtime, clock_adjtime)
{
	int clk = (int)a0;
	if (clk == CLOCK_REALTIME)
		return do_adjtimex(a1);
	u64 now;
	return clock_now(clk, &now) < 0 ? -EINVAL : -EOPNOTSUPP;
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

#define CPU_SLEEP_POLL_MIN_NS 1000000UL

/*
 * clock_nanosleep on a CPU-time clock: until the clock reaches the
 * target (kept as progress). It cannot pass faster than wall time, so
 * the thread sleeps for what is left and looks again.
 */
static void target_free(void *p)
{
	kfree(p);
}

static long cpu_sleep(int clk, u64 t, bool abs)
{
	u64 now;
	if (cpuclock_read(clk, &now) < 0)
		return -EINVAL;
	u64 *target = park_take(target_free); /* kept across restarts */
	if (!target) {
		target = kmalloc(sizeof *target);
		if (!target)
			return -ENOMEM;
		*target = abs ? t : (t > ~0UL - now ? ~0UL : now + t);
	}
	if (now >= *target) {
		kfree(target);
		return 0;
	}
	u64 left = MAX(*target - now, CPU_SLEEP_POLL_MIN_NS), mono = tsc_ns();
	park_hold(target_free, target);
	return park_until(left > ~0UL - mono ? ~0UL : mono + left);
}

SYSCALL(NR_clock_nanosleep, clock_nanosleep)
{
	int clk = (int)a0, flags = (int)a1;
	bool abs = flags & TIMER_ABSTIME;
	u64 ns = 0;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL; /* as Linux: a thread cannot sleep on its own CPU clock */
	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk < 0) {
		u64 cur;
		if (cpuclock_read(clk, &cur) < 0 || (clk < 0 && (clk & 4)))
			return -EINVAL;
		if (!park_restarting()) {
			long r = get_ts(a2, &ns);
			if (r < 0)
				return r;
		}
		return cpu_sleep(clk, ns, abs);
	}
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		break;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* Linux sleeps on none of these either */
	default:
		return -EINVAL;
	}
	if (!park_restarting()) {
		long r = get_ts(a2, &ns);
		if (r < 0)
			return r;
	}
	u64 now = tsc_ns(), deadline;
	if (abs) {
		/* Absolute on the wall clock: the monotonic time it names now. */
		u64 cnow = now;
		ptimer_clock_now(clk, &cnow);
		deadline = ns > cnow ? (ns - cnow > ~0UL - now ? ~0UL : now + (ns - cnow)) : 0;
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
