/*
 * Timers: a task that wants to sleep until a deadline (tsc_ns() time) arms
 * a timer on its current core and returns PENDING; the core wakes it once
 * the deadline has passed. Sleeping is a future like any other wait.
 *
 * A timer belongs to the core it was armed on: only that core touches the
 * list it sits in. Its owner must not free it while armed.
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"

struct task;

struct timer {
	struct list_node node; /* [o of cpu] in cpu's timer list, earliest first */
	u64 deadline;          /* [o of cpu] */
	struct task *task;     /* [o of cpu] woken when the deadline passes */
	u32 cpu;               /* [I while armed] core whose list holds it */
	u32 armed;             /* [a] */
};

/* Arm tm on this core to wake `task` at `deadline` (ns); re-arming moves it. */
void timer_arm(struct timer *tm, struct task *task, u64 deadline);
/* Disarm; must run on the core the timer was armed on. */
void timer_cancel(struct timer *tm);

/*
 * For use inside a poll function: true once `deadline` has passed;
 * otherwise arms tm for the task being polled and returns false (the
 * caller then returns PENDING).
 */
bool sleep_until(struct timer *tm, u64 deadline);

/* Executor hooks: wake expired timers; the earliest deadline (0 if none). */
void timers_run(void);
u64 timers_next_deadline(void);
