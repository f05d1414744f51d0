/*
 * POSIX per-process timers (timer_create(2)) and the CPU-time interval
 * timers (setitimer's ITIMER_VIRTUAL and ITIMER_PROF): ptimer.c.
 * ITIMER_REAL is the process alarm (alarm.c).
 */
#pragma once

#include "lib/types.h"

struct proc;
struct thread;

/* How a timer tells its expiry (struct sigevent's sigev_notify). */
enum { SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4 };
/* ids of the interval timers, beside timer_create's (which count from 0). */
#define PTIMER_ITIMER_VIRTUAL (-1000)
#define PTIMER_ITIMER_PROF (-1001)

struct ptimer_spec {
	int clock;     /* a clock id; CPU clocks of the caller made explicit (pid/tid) */
	int notify;    /* SIGEV_* */
	int signo;
	u64 value;     /* the sigval it sends */
	u32 tid;       /* SIGEV_THREAD_ID's thread */
	bool value_is_id; /* no sigevent given: the sigval is the timer's id, as Linux */
};

/*
 * A new timer of p (disarmed): with id >= 0 the lowest free id from 0 on
 * (timer_create's), else that id (an interval timer's). 0 and *out, or
 * -EAGAIN past RLIMIT_SIGPENDING, -ENOMEM.
 */
int ptimer_create(struct proc *p, int id, const struct ptimer_spec *s, int *out);
/*
 * Arm (value 0 disarms) timer id of p: value is absolute on its clock if
 * abs, else relative; old_value and old_interval get what was left.
 * -EINVAL for no such timer.
 */
long ptimer_set(struct proc *p, int id, u64 value, u64 interval, bool abs, u64 *old_value,
		u64 *old_interval);
/* What is left and the interval, without changing anything. */
long ptimer_get(struct proc *p, int id, u64 *value, u64 *interval);
long ptimer_overrun(struct proc *p, int id);
long ptimer_delete(struct proc *p, int id);
/* exec: the POSIX timers go (the interval timers stay); exit: all go. */
void ptimer_exec(struct proc *p);
void ptimer_exit(struct proc *p);
/* A timer's signal was taken (sigqueue.c): remember its overrun for timer_getoverrun. */
void ptimer_delivered(struct proc *p, int id, int overrun);
/* Read clock (a wall or CPU clock id, as the timers know them): 0 or -EINVAL. */
long ptimer_clock_now(int clock, u64 *ns);
/* CLOCK_TAI's offset from CLOCK_REALTIME (adjtimex ADJ_TAI), in seconds. */
extern i32 tai_offset;
