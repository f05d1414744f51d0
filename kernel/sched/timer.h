/*
 * Timers: a task that wants to sleep until a deadline (tsc_ns() time) arms
 * a timer on its current core and returns PENDING; the core wakes it once
 * the deadline has passed. Sleeping is a future like any other wait.
 *
 * A timer sits in the list of the core it was armed on. That core fires
 * it; any core may cancel it, under the list's lock (executor.timers_lock),
 * so the owner of a timer can always disarm it before freeing it.
 *
 * A timer may call a function instead of waking a task (timerfd): the
 * function runs on the firing core under its timers_lock, so it must be
 * short and must not arm or cancel timers, and nobody may arm or cancel
 * a timer while holding a lock such a function takes (a timerfd's wait
 * queue and what its wakes lead to: epoll's locks); timer_cancel waits
 * for a call in progress, so after it the function is not running.
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"

struct task;

struct timer {
	struct list_node node; /* [cpu's timers_lock] in cpu's timer list, earliest first */
	u64 deadline;          /* [cpu's timers_lock] */
	struct task *task;     /* [cpu's timers_lock] woken when the deadline passes */
	void (*fn)(struct timer *tm); /* [cpu's timers_lock] or called then, if set */
	u32 cpu;               /* [cpu's timers_lock] core whose list holds it */
	u32 armed;             /* [cpu's timers_lock; read with atomics] */
};

/* Arm tm on this core to wake `task` at `deadline` (ns); re-arming moves it. */
void timer_arm(struct timer *tm, struct task *task, u64 deadline);
/* Arm tm on this core to call fn(tm) at deadline. */
void timer_arm_fn(struct timer *tm, void (*fn)(struct timer *tm), u64 deadline);
/* Disarm, from any core; harmless if not armed. */
void timer_cancel(struct timer *tm);
/*
 * The same, and wait out a firing that may be waking the task right now:
 * once it returns, nothing of the timer's touches the task, which the
 * caller may free.
 */
void timer_cancel_sync(struct timer *tm);

/*
 * For use inside a poll function: true once `deadline` has passed;
 * otherwise arms tm for the task being polled and returns false (the
 * caller then returns PENDING).
 */
bool sleep_until(struct timer *tm, u64 deadline);

/* Executor hooks: wake expired timers; the earliest deadline (0 if none). */
void timers_run(void);
u64 timers_next_deadline(void);
