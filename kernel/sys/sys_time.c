/*
 * Time system calls. CLOCK_MONOTONIC is the TSC in nanoseconds since boot;
 * CLOCK_REALTIME adds the wall-clock time read from the CMOS RTC at boot.
 */
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "mm/domain.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/clock.h"
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

static u64 boot_epoch_ns; /* [I] wall-clock time at tsc_ns() == 0 */

/* CMOS real-time clock (MC146818 registers), read once at boot. */
static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u32 bcd(u8 v, bool binary)
{
	return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

static i64 days_from_civil(i64 y, u32 m, u32 d)
{
	/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
	y -= m <= 2;
	i64 era = (y >= 0 ? y : y - 399) / 400;
	u32 yoe = (u32)(y - era * 400);
	u32 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	u32 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (i64)doe - 719468;
}

void rtc_init(void)
{
	while (cmos(0x0a) & 0x80) /* update in progress */
		cpu_relax();
	u8 sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), day = cmos(0x07),
	   mon = cmos(0x08), year = cmos(0x09), b = cmos(0x0b);
	bool bin = b & 0x04;
	u32 h = bcd(hour & 0x7f, bin);
	if (!(b & 0x02) && (hour & 0x80)) /* 12-hour clock, PM */
		h = (h % 12) + 12;
	i64 days = days_from_civil(2000 + bcd(year, bin), bcd(mon, bin), bcd(day, bin));
	u64 secs = (u64)days * 86400 + h * 3600 + bcd(min, bin) * 60 + bcd(sec, bin);
	boot_epoch_ns = secs * NSEC - tsc_ns();
}

u64 realtime_epoch_ns(void)
{
	return boot_epoch_ns;
}

static long clock_now(u64 clk, u64 *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = boot_epoch_ns + tsc_ns();
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
		if (clk == CLOCK_THREAD_CPUTIME_ID) {
			*ns = t->ru.utime_ns + t->ru.stime_ns + thread_run_so_far(t);
		} else {
			struct usage u;
			proc_usage_now(t, &u);
			*ns = u.utime_ns + u.stime_ns;
		}
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int put_ts(u64 uaddr, u64 ns)
{
	struct timespec64 ts = {(i64)(ns / NSEC), (i64)(ns % NSEC)};
	return copy_to_domain(current_thread()->proc->dom, uaddr, &ts, sizeof ts);
}

static long get_ts(u64 uaddr, u64 *ns)
{
	struct timespec64 ts;
	if (copy_from_domain(current_thread()->proc->dom, &ts, uaddr, sizeof ts) < 0)
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
	long r = clock_now(a0, &ns);
	if (r < 0)
		return r;
	return put_ts(a1, ns) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_clock_getres, clock_getres)
{
	u64 ns;
	long r = clock_now(a0, &ns);
	if (r < 0)
		return r;
	return a1 && put_ts(a1, 1) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_gettimeofday, gettimeofday)
{
	u64 ns = boot_epoch_ns + tsc_ns();
	if (a0) {
		i64 tv[2] = {(i64)(ns / NSEC), (i64)(ns % NSEC / 1000)};
		if (copy_to_domain(current_thread()->proc->dom, a0, tv, sizeof tv) < 0)
			return -EFAULT;
	}
	if (a1) {
		i32 tz[2] = {0, 0};
		if (copy_to_domain(current_thread()->proc->dom, a1, tz, sizeof tz) < 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL(NR_time, time)
{
	i64 secs = (i64)((boot_epoch_ns + tsc_ns()) / NSEC);
	if (a0 && copy_to_domain(current_thread()->proc->dom, a0, &secs, sizeof secs) < 0)
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
	if (a0 != CLOCK_MONOTONIC && a0 != CLOCK_REALTIME && a0 != CLOCK_BOOTTIME)
		return -EINVAL;
	u64 ns = 0;
	if (!park_restarting()) {
		long r = get_ts(a2, &ns);
		if (r < 0)
			return r;
	}
	u64 now = tsc_ns(), deadline;
	if (a1 & TIMER_ABSTIME) {
		u64 base = a0 == CLOCK_REALTIME ? boot_epoch_ns : 0;
		deadline = ns > base ? ns - base : 0;
	} else {
		deadline = ns > ~0UL - now ? ~0UL : now + ns;
	}
	return sleep_common(deadline);
}
