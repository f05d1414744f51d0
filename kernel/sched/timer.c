/*
 * Per-core timer lists, sorted by deadline (most deadlines arrive in
 * order, so insertion scans from the back). The owning core fires them;
 * any core may cancel one under the list's lock.
 */
#include "sched/timer.h"
#include "sched/task.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

/* After a change to c's list (its lock held): the first deadline for the looks without it. */
static void first_changed(struct cpu *c)
{
	u64 d = list_empty(&c->exec.timers)
		    ? 0
		    : MAX(container_of(c->exec.timers.next, struct timer, node)->deadline, 1UL);
	__atomic_store_n(&c->exec.timers_first, d, __ATOMIC_RELAXED);
}

/* Lock the list tm is armed in; returns false (nothing locked) if it is not armed. */
static struct cpu *lock_owner(struct timer *tm)
{
	for (;;) {
		if (!__atomic_load_n(&tm->armed, __ATOMIC_ACQUIRE))
			return NULL;
		struct cpu *c = cpus[__atomic_load_n(&tm->cpu, __ATOMIC_RELAXED)];
		spin_lock(&c->exec.timers_lock);
		if (tm->armed && tm->cpu == c->index)
			return c;
		spin_unlock(&c->exec.timers_lock); /* it moved or fired meanwhile */
	}
}

void timer_cancel(struct timer *tm)
{
	struct cpu *c = lock_owner(tm);
	if (!c)
		return;
	list_remove(&tm->node);
	first_changed(c);
	__atomic_store_n(&tm->armed, 0, __ATOMIC_RELEASE);
	spin_unlock(&c->exec.timers_lock);
}

void timer_cancel_sync(struct timer *tm)
{
	timer_cancel(tm);
	/*
	 * timers_run clears armed before its wake (or call), both under the
	 * list's lock: one taken and dropped here waits out one in progress.
	 */
	if (__atomic_load_n(&tm->task, __ATOMIC_RELAXED) || __atomic_load_n(&tm->fn, __ATOMIC_RELAXED)) {
		struct cpu *c = cpus[__atomic_load_n(&tm->cpu, __ATOMIC_RELAXED)];
		spin_lock(&c->exec.timers_lock);
		spin_unlock(&c->exec.timers_lock);
	}
}

static void arm(struct timer *tm, struct task *task, void (*fn)(struct timer *), u64 deadline)
{
	timer_cancel(tm);
	struct cpu *c = this_cpu();
	spin_lock(&c->exec.timers_lock);
	tm->deadline = deadline;
	tm->task = task;
	tm->fn = fn;
	tm->cpu = c->index;
	struct list_node *pos = c->exec.timers.prev;
	while (pos != &c->exec.timers && container_of(pos, struct timer, node)->deadline > deadline)
		pos = pos->prev;
	list_insert_after(pos, &tm->node);
	first_changed(c);
	__atomic_store_n(&tm->armed, 1, __ATOMIC_RELEASE);
	spin_unlock(&c->exec.timers_lock);
	/*
	 * The local timer is set when the core halts and when a thread starts
	 * a run; a timer armed by a call that returns to user mode (alarm,
	 * setitimer, timer_settime) would wait for the next interrupt, which
	 * with preempt=off may not come while the thread computes.
	 */
	u64 now = tsc_ns();
	if (deadline > now && !lapic_timer_due_by(deadline, now))
		lapic_timer_arm(deadline);
}

void timer_arm(struct timer *tm, struct task *task, u64 deadline)
{
	arm(tm, task, NULL, deadline);
}

void timer_arm_fn(struct timer *tm, void (*fn)(struct timer *tm), u64 deadline)
{
	arm(tm, NULL, fn, deadline);
}

bool sleep_until(struct timer *tm, u64 deadline)
{
	if (tsc_ns() >= deadline)
		return true;
	struct task *self = task_acting();
	assert(self);
	if (!__atomic_load_n(&tm->armed, __ATOMIC_ACQUIRE))
		timer_arm(tm, self, deadline);
	return false;
}

void timers_run(void)
{
	struct cpu *c = this_cpu();
	/* Run on every turn of the executor: one load when nothing is due. */
	u64 first = __atomic_load_n(&c->exec.timers_first, __ATOMIC_RELAXED);
	if (!first)
		return;
	u64 now = tsc_ns();
	if (first > now)
		return;
	for (;;) {
		spin_lock(&c->exec.timers_lock);
		struct timer *tm = list_empty(&c->exec.timers)
				       ? NULL
				       : container_of(c->exec.timers.next, struct timer, node);
		if (!tm || tm->deadline > now) {
			spin_unlock(&c->exec.timers_lock);
			return;
		}
		list_remove(&tm->node);
		first_changed(c);
		if (tm->fn) {
			/* Still armed while it runs: a canceller waits on the lock, then sees it done. */
			tm->fn(tm);
			__atomic_store_n(&tm->armed, 0, __ATOMIC_RELEASE);
			spin_unlock(&c->exec.timers_lock);
			continue;
		}
		__atomic_store_n(&tm->armed, 0, __ATOMIC_RELEASE);
		/* Wake under the lock: a canceller that wins it next may free the task. */
		task_wake(tm->task);
		spin_unlock(&c->exec.timers_lock);
	}
}

u64 timers_next_deadline(void)
{
	/* Earlier than the truth only after another core's cancel: one early interrupt. */
	return __atomic_load_n(&this_cpu()->exec.timers_first, __ATOMIC_RELAXED);
}
