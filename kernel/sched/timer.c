/* Per-core timer lists (sorted; most deadlines arrive in order, so we insert from the back). */
#include "sched/timer.h"
#include "sched/task.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

void timer_arm(struct timer *tm, struct task *task, u64 deadline)
{
	struct cpu *c = this_cpu();
	if (__atomic_load_n(&tm->armed, __ATOMIC_ACQUIRE))
		timer_cancel(tm);
	tm->deadline = deadline;
	tm->task = task;
	tm->cpu = c->index;
	struct list_node *pos = c->exec.timers.prev;
	while (pos != &c->exec.timers && container_of(pos, struct timer, node)->deadline > deadline)
		pos = pos->prev;
	list_insert_after(pos, &tm->node);
	__atomic_store_n(&tm->armed, 1, __ATOMIC_RELEASE);
}

void timer_cancel(struct timer *tm)
{
	if (!__atomic_load_n(&tm->armed, __ATOMIC_ACQUIRE))
		return;
	assert(tm->cpu == this_cpu()->index); /* invariant 4: only its core touches the list */
	list_remove(&tm->node);
	__atomic_store_n(&tm->armed, 0, __ATOMIC_RELEASE);
}

bool sleep_until(struct timer *tm, u64 deadline)
{
	if (tsc_ns() >= deadline)
		return true;
	struct task *self = this_cpu()->exec.current;
	assert(self);
	if (!__atomic_load_n(&tm->armed, __ATOMIC_ACQUIRE))
		timer_arm(tm, self, deadline);
	return false;
}

void timers_run(void)
{
	struct cpu *c = this_cpu();
	if (list_empty(&c->exec.timers))
		return;
	u64 now = tsc_ns();
	while (!list_empty(&c->exec.timers)) {
		struct timer *tm = container_of(c->exec.timers.next, struct timer, node);
		if (tm->deadline > now)
			break;
		list_remove(&tm->node);
		struct task *t = tm->task;
		__atomic_store_n(&tm->armed, 0, __ATOMIC_RELEASE);
		task_wake(t);
	}
}

u64 timers_next_deadline(void)
{
	struct cpu *c = this_cpu();
	if (list_empty(&c->exec.timers))
		return 0;
	return container_of(c->exec.timers.next, struct timer, node)->deadline;
}
