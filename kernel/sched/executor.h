/*
 * The per-core executor: a run queue of tasks drawn by lottery, an inbox
 * other cores push wakes into (then send VEC_WAKE), a timer list, and the
 * loop that polls tasks, steals from the busiest core when idle and halts
 * when there is nothing to do.
 *
 * Embedded in struct cpu. The run queue is the one part other cores touch
 * (thieves): rq_lock guards it. The inbox is a lock-free stack ([a]).
 * Timers may be cancelled from any core: timers_lock guards the list.
 * Everything else is [o], the owning core's alone (invariant 4).
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "sched/lottery.h"

struct task;

struct executor {
	struct spinlock rq_lock;
	struct lottery movable;   /* [rq_lock] runnable tasks thieves may take */
	struct lottery pinned;    /* [rq_lock] runnable tasks bound to this core */
	u32 nr_runnable;          /* [a] movable + pinned, read by thieves */
	u32 nr_kernel;            /* [rq_lock to change; this core reads it atomically] of those,
	                             kernel tasks (no park): with preempt=off a thread yields to them */
	struct task *inbox;       /* [a] woken tasks pushed by other cores */
	u32 idle;                 /* [a] 1 while halted or about to halt: wakers send an IPI */
	struct task *current;     /* [o] task being polled */
	struct task *stepping;    /* [o] a task whose step runs inside current's poll
	                             (task_step_begin), or NULL */
	struct spinlock timers_lock;
	struct list_node timers;  /* [timers_lock] armed timers, earliest first */
	u64 timers_first;         /* [timers_lock to change; this core reads it atomically] the first
	                             one's deadline (at least 1), 0 when none: never later than the
	                             truth (only this core adds), so the executor looks without the lock */
	struct rng rng;           /* [o] victim choice etc. */
	u64 polls;                /* [o; read by procfs elsewhere with relaxed loads] tasks polled */
	u64 steals, stolen_tasks, wakes_remote, ipis_sent; /* [o] statistics */
	u64 idle_ns;              /* [o, idle_seq] time spent in halts that have ended */
	u64 idle_since;           /* [o, idle_seq] when the halt now going on began; 0: none */
	u32 idle_seq;             /* [a] odd while the owner changes the two above */
};

struct cpu;
void executor_init(struct cpu *c); /* before the core is online */
__attribute__((noreturn)) void executor_loop(void);
/* Time core c has spent halted, the halt it may be in now included; any core. */
u64 executor_idle_ns(struct cpu *c);
/*
 * Does kernel work wait for this core: a timer come due by now (tsc_ns),
 * a kernel task runnable here, or tasks woken from other cores not yet
 * queued? A thread computing with preempt=off yields to it (proc/thread.c).
 */
bool executor_kernel_work(u64 now);
