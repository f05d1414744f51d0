/*
 * Tasks: Ferry's futures (invariant 2). A task is a struct with a poll
 * function; polling returns READY (the task is finished) or PENDING (it
 * arranged to be woken and wants to be polled again later). User threads
 * are tasks too: to poll one is to run it in user mode until it traps.
 *
 * A task is embedded in whatever owns it and is never copied. Its state is
 * an atomic word, so any core may wake it; the run queue it sits in guards
 * its lottery node.
 */
#pragma once

#include "lib/types.h"
#include "sched/lottery.h"

enum poll_result { PENDING = 0, READY = 1 };

enum task_state {
	TASK_IDLE,     /* parked (or new): only a wake makes it runnable */
	TASK_QUEUED,   /* in a run queue or a core's inbox */
	TASK_RUNNING,  /* being polled */
	TASK_NOTIFIED, /* woken while being polled: poll it again */
	TASK_DONE,     /* poll returned READY */
};

enum {
	TASK_PINNED = 1 << 0, /* never stolen, always woken onto its home core */
};

#define TASK_DEFAULT_TICKETS 100

struct park;

struct task {
	enum poll_result (*poll)(struct task *t); /* [I] */
	void (*done)(struct task *t);             /* [I] after READY, once; may free the task */
	const char *name;                         /* [I] */
	u32 state;                                /* [a] enum task_state */
	u32 tickets;                              /* [a] lottery tickets, >= 1 */
	u32 home;                                 /* [a] core it last ran on (or is pinned to) */
	u32 flags;                                /* [owner] TASK_*: set before it is spawned, or
	                                             by its own poll (which the executor reads after) */
	struct task *inbox_next;                  /* [a] link in a core's wake inbox */
	struct lottery_node lnode;                /* [rq lock] */
	struct park *park;                        /* [I] where it parks in system calls
	                                             (sched/park.h), or NULL */
	u64 polls;                                /* [owner; getpstat reads it whole] times polled */
	u64 run_ns;                               /* [owner; getpstat reads it whole] time in poll */
};

/* Prepare a task; it runs first when spawned. */
void task_init(struct task *t, const char *name, enum poll_result (*poll)(struct task *),
	       void (*done)(struct task *));
/* Make a new task runnable on core `cpu` (or this core when cpu < 0). */
void task_spawn(struct task *t, int cpu);
/* Make a parked task runnable again; any core, any time; waking twice is harmless. */
void task_wake(struct task *t);

/*
 * Run one step of t here and now, inside the poll of the task this core
 * is running: io_uring issues a request inline, within the submitting
 * call, without a trip through the run queue. Between begin and end, t
 * counts as running (a wake marks it to be polled again, as during a
 * poll), and the waits the code registers are t's (task_acting). end
 * takes what the step returned: PENDING leaves t parked or, if it was
 * woken meanwhile, queues it; READY marks it done (its done function is
 * not called: the caller finishes it). t must be idle, never spawned or
 * parked; steps nest (a step may run another's).
 */
struct task *task_step_begin(struct task *t);
void task_step_end(struct task *t, enum poll_result r, struct task *outer);
/* A task done (READY) by steps alone, never queued: idle again, for its owner to reuse. */
void task_reuse(struct task *t);
/*
 * The task whose waits the code running on this core registers (wait
 * queues, timers, parks): the one being polled, or the one stepping
 * inside it. NULL outside any task.
 */
struct task *task_acting(void);
/*
 * The task being polled ends its turn and wants to run again (a thread
 * whose quantum is over, or that called sched_yield): queued on this core,
 * or on another that has clearly less to do. Lotteries are per core, so
 * without this, three tasks on one core and one on another would get a
 * third of a core each and a whole one: shares fair within a core only.
 */
void task_yield(struct task *t);
