/*
 * POSIX timers (timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete) and the interval timers (setitimer,
 * getitimer), over ptimer.c and the alarm (alarm.c: ITIMER_REAL).
 * SIGEV_THREAD is the C library's (it asks the kernel for
 * SIGEV_THREAD_ID), so the kernel refuses it, as Linux does.
 */
#include "arch/x86_64/time.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/ptimer.h"
#include "proc/signal.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define NSEC 1000000000UL
#define TIMER_ABSTIME 1
enum { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
       CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
       CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_SGI_CYCLE, CLOCK_TAI };

struct ksigevent {
	u64 value;
	i32 signo, notify;
	i32 tid;
	i32 pad[11];
};

struct kitimerspec {
	i64 interval_sec, interval_nsec, value_sec, value_nsec;
};

/* The caller's CPU clocks by explicit id, so the timer's task can read them (usage.c). */
static int explicit_clock(int clk)
{
	struct thread *t = current_thread();
	if (clk == CLOCK_PROCESS_CPUTIME_ID)
		return (int)((~t->proc->pid) << 3) | CPUCLOCK_SCHED;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return (int)((~t->tid) << 3) | 4 | CPUCLOCK_SCHED;
	return clk;
}

SYSCALL(NR_timer_create, timer_create)
{
	int clk = (int)a0;
	struct proc *p = cur_proc();
	u64 now;
	switch (clk) {
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* no timers on these, as Linux */
	default:
		if (clk == CLOCK_SGI_CYCLE || ptimer_clock_now(explicit_clock(clk), &now) < 0)
			return -EINVAL;
	}
	struct ptimer_spec s = {.clock = explicit_clock(clk), .notify = SIGEV_SIGNAL, .signo = SIGALRM,
				.value_is_id = !a1};
	if (a1) {
		struct ksigevent ev;
		if (copy_from_domain(cur_dom(), &ev, a1, sizeof ev) < 0)
			return -EFAULT;
		s.notify = ev.notify;
		s.signo = ev.signo;
		s.value = ev.value;
		switch (ev.notify) {
		case SIGEV_NONE:
			break;
		case SIGEV_SIGNAL:
		case SIGEV_SIGNAL | SIGEV_THREAD_ID:
			if (ev.signo < 1 || ev.signo > NSIG)
				return -EINVAL;
			if (ev.notify & SIGEV_THREAD_ID) {
				/* The thread must be one of the caller's. */
				spin_lock(&p->lock);
				bool mine = ev.tid > 0 && proc_thread_locked(p, (u32)ev.tid);
				spin_unlock(&p->lock);
				if (!mine)
					return -EINVAL;
				s.tid = (u32)ev.tid;
			}
			break;
		default:
			return -EINVAL; /* SIGEV_THREAD among them: the C library's */
		}
	}
	int id;
	long r = ptimer_create(p, 0, &s, &id);
	if (r < 0)
		return r;
	if (copy_to_domain(cur_dom(), a2, &id, sizeof id) < 0) {
		ptimer_delete(p, id);
		return -EFAULT;
	}
	return 0;
}

static long get_itspec(u64 u, u64 *value, u64 *interval)
{
	struct kitimerspec it;
	if (copy_from_domain(cur_dom(), &it, u, sizeof it) < 0)
		return -EFAULT;
	if (it.value_sec < 0 || it.value_nsec < 0 || it.value_nsec >= (i64)NSEC ||
	    it.interval_sec < 0 || it.interval_nsec < 0 || it.interval_nsec >= (i64)NSEC)
		return -EINVAL;
	*value = (u64)it.value_sec > (~0UL - NSEC) / NSEC ? ~0UL
							  : (u64)it.value_sec * NSEC + (u64)it.value_nsec;
	*interval = (u64)it.interval_sec > (~0UL - NSEC) / NSEC
			? ~0UL : (u64)it.interval_sec * NSEC + (u64)it.interval_nsec;
	return 0;
}

static long put_itspec(u64 u, u64 value, u64 interval)
{
	struct kitimerspec it = {(i64)(interval / NSEC), (i64)(interval % NSEC), (i64)(value / NSEC),
				 (i64)(value % NSEC)};
	return copy_to_domain(cur_dom(), u, &it, sizeof it) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_timer_settime, timer_settime)
{
	int id = (int)a0, flags = (int)a1;
	u64 value, interval, ov, oi;
	if (id < 0)
		return -EINVAL;
	if (!a2)
		return -EINVAL;
	long r = get_itspec(a2, &value, &interval);
	if (r < 0)
		return r;
	r = ptimer_set(cur_proc(), id, value, interval, flags & TIMER_ABSTIME, &ov, &oi);
	if (r == 0 && a3)
		r = put_itspec(a3, ov, oi);
	return r;
}

SYSCALL(NR_timer_gettime, timer_gettime)
{
	u64 v, i;
	if ((int)a0 < 0)
		return -EINVAL;
	long r = ptimer_get(cur_proc(), (int)a0, &v, &i);
	return r < 0 ? r : put_itspec(a1, v, i);
}

SYSCALL(NR_timer_getoverrun, timer_getoverrun)
{
	return (int)a0 < 0 ? -EINVAL : ptimer_overrun(cur_proc(), (int)a0);
}

SYSCALL(NR_timer_delete, timer_delete)
{
	return (int)a0 < 0 ? -EINVAL : ptimer_delete(cur_proc(), (int)a0);
}

/* ---- setitimer, getitimer ---- */

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct itimerval64 {
	i64 interval_sec, interval_usec, value_sec, value_usec;
};

/* The CPU-time interval timer of p for which, made on first use if make: 0, -ENOENT, -errno. */
static int itimer_id(struct proc *p, int which, bool make, int *id)
{
	*id = which == ITIMER_VIRTUAL ? PTIMER_ITIMER_VIRTUAL : PTIMER_ITIMER_PROF;
	u64 v, i;
	if (ptimer_get(p, *id, &v, &i) == 0)
		return 0;
	if (!make)
		return -ENOENT;
	/* ITIMER_VIRTUAL counts user time, ITIMER_PROF user and system time. */
	int clk = (int)((~p->pid) << 3) | (which == ITIMER_VIRTUAL ? 1 : CPUCLOCK_PROF);
	struct ptimer_spec s = {.clock = clk, .notify = SIGEV_SIGNAL,
				.signo = which == ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF};
	return ptimer_create(p, *id, &s, id);
}

static long itimer_get(struct proc *p, int which, u64 *value, u64 *interval)
{
	*value = *interval = 0;
	if (which == ITIMER_REAL) {
		long left = alarm_get(p, interval);
		*value = (u64)left;
		return 0;
	}
	int id;
	return itimer_id(p, which, false, &id) < 0 ? 0 : ptimer_get(p, id, value, interval);
}

static long put_itimerval(u64 u, u64 value, u64 interval)
{
	/* A timer still running shows at least one microsecond, as Linux rounds. */
	u64 vus = (value + 999) / 1000, ius = (interval + 999) / 1000;
	struct itimerval64 it = {(i64)(ius / 1000000), (i64)(ius % 1000000), (i64)(vus / 1000000),
				 (i64)(vus % 1000000)};
	return copy_to_domain(cur_dom(), u, &it, sizeof it) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_getitimer, getitimer)
{
	int which = (int)a0;
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	u64 v, i;
	long r = itimer_get(cur_proc(), which, &v, &i);
	return r < 0 ? r : put_itimerval(a1, v, i);
}

SYSCALL(NR_setitimer, setitimer)
{
	int which = (int)a0;
	struct proc *p = cur_proc();
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	struct itimerval64 it = {0};
	/* A NULL new value disarms, as Linux still accepts. */
	if (a1 && copy_from_domain(p->dom, &it, a1, sizeof it) < 0)
		return -EFAULT;
	if (it.value_sec < 0 || it.value_usec < 0 || it.value_usec >= 1000000 ||
	    it.interval_sec < 0 || it.interval_usec < 0 || it.interval_usec >= 1000000)
		return -EINVAL;
	u64 value = (u64)it.value_sec * NSEC + (u64)it.value_usec * 1000;
	u64 interval = (u64)it.interval_sec * NSEC + (u64)it.interval_usec * 1000;
	u64 ov = 0, oi = 0;
	if (which == ITIMER_REAL) {
		long left = alarm_set(p, value, value ? interval : 0, &oi);
		if (left < 0)
			return left;
		ov = (u64)left;
	} else {
		int id;
		long r = itimer_id(p, which, value != 0, &id);
		if (r == 0)
			r = ptimer_set(p, id, value, interval, false, &ov, &oi);
		if (r < 0 && r != -ENOENT) /* none and disarming: nothing to do */
			return r;
	}
	return a2 ? put_itimerval(a2, ov, oi) : 0;
}
