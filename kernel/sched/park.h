/*
 * Parking and restart: invariant 3's protocol, in one place.
 *
 * A system call that must wait registers what will wake it (a wait queue,
 * a deadline, a set of queues, or only a signal) and returns
 * -ERESTART_PARK; its task leaves the core. When woken, the call runs
 * again from the start with the same user registers. A call that did part
 * of its work first records its progress here; a call with a deadline
 * keeps the deadline here, so a spurious wake does not start the wait
 * over; a call that holds something while it waits (a FIFO open's file)
 * hands it here, so that an abandoned call (a signal, a kill) lets it go.
 *
 * Who has a park: every user thread, and kernel tasks that run file
 * system code on a call's behalf (the boot task mounting the root). A
 * task's `park` pointer is [I]; a park is touched only by the core polling
 * its task ([o]), except that wakers reach the waiter under its wait
 * queue's lock and the timer under its core's timer lock.
 *
 * This header is what fs, ipc and dev include to wait: it needs no
 * process code.
 */
#pragma once

#include "lib/types.h"
#include "sched/timer.h"
#include "sched/waitq.h"

struct park {
	struct waiter waiter;     /* the one wait queue a call parks on (park_on) */
	struct waitq *on;         /* [o] where waiter is queued, or NULL */
	struct timer timer;       /* sleeps and timeouts (park_until, park_timeout) */
	i64 nr;                   /* [o] the system call parked in (re-run when woken), or -1 */
	bool restarting;          /* [o] this run of the call is a restart of a parked one */
	bool armed;               /* [o] this run registered a wake: checked by the dispatcher */
	bool no_restart;          /* [o] a handled signal ends the call with EINTR even under
	                             SA_RESTART (socket calls with a timeout, signal(7)) */
	u64 progress;             /* [o] work done by a call that parked midway */
	u64 deadline;             /* [o] a waiting call's deadline, kept across restarts (0: none) */
	u64 nomem_since;          /* [o] when the call first found no memory (reclaim_retry_call) */
	u32 nomem_tries;          /* [o] and how many of its runs have found none since */
	void (*unlink)(void *);   /* [o] takes extra waiters off their queues (a poll set) */
	void *unlink_arg;         /* [o] */
	void (*release)(void *);  /* [o] lets go of what a parked call holds */
	void *held;               /* [o] that thing, or NULL */
};

void park_init(struct park *pk);

/*
 * The park of the task being polled on this core, or NULL (a task without
 * one). Inline: every restartable call asks, often more than once.
 */
#ifndef FERRY_HOST
#include "arch/x86_64/cpu.h"
#include "sched/task.h"
static inline struct park *park_current(void)
{
	struct executor *e = &this_cpu()->exec;
	struct task *t = e->stepping ? e->stepping : e->current; /* task_acting() */
	return t ? t->park : NULL;
}
#else
struct park *park_current(void);
#endif

/* ---- for a call about to wait (returns -ERESTART_PARK) ---- */

/* Park on q until woken; the caller holds q->lock (so no wake is lost). */
long park_on(struct waitq *q);
/* Sleep until deadline (tsc_ns): 0 at once if it has passed, else -ERESTART_PARK. */
long park_until(u64 deadline);
/* Be woken at deadline too (a timeout beside park_on or a poll set); 0: none. */
void park_timeout(u64 deadline);
/* Park on nothing: only a signal or a kill wakes the thread (pause, sigsuspend). */
long park_for_signal(void);
/*
 * The call parks on waiters of its own (a poll set): fn(arg) takes them
 * off their queues when the thread runs again or the call is abandoned.
 */
long park_on_set(void (*fn)(void *), void *arg);

/* ---- what a call keeps across its restarts ---- */

/* Is this run a restart of a call that parked? */
bool park_restarting(void);
/* A signal handler ends this call (EINTR), SA_RESTART or not: it has a timeout. */
void park_no_restart(void);
/* Work done before the call parked (0 on a first run). */
u64 park_progress(void);
void park_save_progress(u64 done);
/*
 * The call's deadline: `first` on its first run (0: none), the same one
 * on every restart, so a spurious wake does not lengthen the wait.
 */
u64 park_deadline(u64 first);
/*
 * A call that found no memory: `now` on the first time in this call, and
 * that first time again on every restart (how long it has waited for memory);
 * *tries: the runs of the call that found none, this one included.
 */
u64 park_nomem_since(u64 now, u32 *tries);
/*
 * Something the call holds while parked, let go by release(obj) if the
 * call is abandoned or ends without taking it back.
 */
void park_hold(void (*release)(void *), void *obj);
/* On a restart: what this call held (and no longer does), if release matches; else NULL. */
void *park_take(void (*release)(void *));
/*
 * The call that just parked will not wait after all (preadv2's
 * RWF_NOWAIT): off its queues and timer, its restart state and what it
 * held let go. Returns the progress it saved (what a write had moved),
 * which the call returns in place of waiting.
 */
u64 park_abandon(void);

/* ---- for the thread code and the dispatcher ---- */

/* The parked task runs again: off its queue, its timer and its extra waiters. */
void park_resume_slow(struct park *pk);
static inline void park_resume(struct park *pk)
{
	/*
	 * Inline for the common run after a yield, with nothing to undo. A
	 * timer seen disarmed has fired or was never armed (timer_cancel's
	 * own first look).
	 */
	if (pk->on || pk->unlink || __atomic_load_n(&pk->timer.armed, __ATOMIC_ACQUIRE))
		park_resume_slow(pk);
	pk->armed = false;
}
/* The call will not run again (a signal ended it, the thread exits): resume and let go. */
void park_cancel(struct park *pk);
/* The call returned: forget its restart state (and anything it left held). */
void park_end_slow(struct park *pk);
static inline void park_end(struct park *pk)
{
	pk->nr = -1;
	pk->restarting = false;
	pk->progress = 0;
	pk->armed = false;
	pk->no_restart = false;
	if (unlikely(pk->held))
		park_end_slow(pk);
}
