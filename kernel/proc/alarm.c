/*
 * The timer behind alarm(2) and setitimer(ITIMER_REAL) (sys_time.c): a
 * small task per process that sleeps until the deadline and sends SIGALRM. It names its process by
 * pid, so it never outlives a struct proc it points to; the process's
 * exit cancels it. The alarm's fields are guarded by alarm.lock.
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "mm/kheap.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define NSEC 1000000000UL

struct alarm {
	struct task task;
	struct timer timer;
	struct spinlock lock;
	u32 pid;          /* [I] */
	u64 deadline;     /* [lock] 0: disarmed */
	u64 interval;     /* [lock] setitimer's reload, 0: one shot */
	bool cancelled;   /* [lock] the process is gone: finish */
};

static enum poll_result alarm_poll(struct task *task)
{
	struct alarm *a = container_of(task, struct alarm, task);
	for (;;) {
		spin_lock(&a->lock);
		bool cancelled = a->cancelled;
		u64 deadline = a->deadline;
		spin_unlock(&a->lock);
		if (cancelled) {
			timer_cancel(&a->timer);
			return READY;
		}
		if (!deadline) {
			timer_cancel(&a->timer);
			return PENDING; /* disarmed: wait for alarm_set's wake */
		}
		if (tsc_ns() < deadline) {
			timer_arm(&a->timer, task, deadline); /* (re)armed: moves the timer */
			return PENDING;
		}
		spin_lock(&a->lock);
		if (a->deadline == deadline) /* not re-armed meanwhile */
			a->deadline = a->interval ? deadline + a->interval : 0;
		spin_unlock(&a->lock);
		spin_lock(&proc_tree_lock);
		struct proc *p = proc_find(a->pid);
		if (p && p->state == PROC_ALIVE)
			signal_send_proc(p, SIGALRM);
		spin_unlock(&proc_tree_lock);
	}
}

static void alarm_free(struct task *task)
{
	kfree(container_of(task, struct alarm, task));
}

/* Set the alarm (0 disarms); returns the ns that were left on the old one. */
long alarm_set(struct proc *p, u64 delay_ns, u64 interval_ns, u64 *old_interval)
{
	struct alarm *a = p->alarm;
	if (!a) {
		if (!delay_ns)
			return 0;
		a = knew(struct alarm);
		if (!a)
			return -ENOMEM;
		a->lock = (struct spinlock)SPINLOCK_INIT;
		a->pid = p->pid;
		task_init(&a->task, "alarm", alarm_poll, alarm_free);
		p->alarm = a;
	}
	u64 now = tsc_ns();
	spin_lock(&a->lock);
	u64 left = a->deadline > now ? a->deadline - now : (a->deadline ? 1 : 0);
	if (old_interval)
		*old_interval = a->interval;
	a->deadline = delay_ns ? now + delay_ns : 0;
	a->interval = interval_ns;
	spin_unlock(&a->lock);
	task_wake(&a->task); /* re-read the deadline */
	return (long)left;
}

long alarm_get(struct proc *p, u64 *interval)
{
	struct alarm *a = p->alarm;
	*interval = 0;
	if (!a)
		return 0;
	u64 now = tsc_ns();
	spin_lock(&a->lock);
	u64 left = a->deadline > now ? a->deadline - now : (a->deadline ? 1 : 0);
	*interval = a->interval;
	spin_unlock(&a->lock);
	return (long)left;
}

void alarm_cancel(struct proc *p)
{
	struct alarm *a = p->alarm;
	if (!a)
		return;
	spin_lock(&a->lock);
	a->cancelled = true;
	spin_unlock(&a->lock);
	task_wake(&a->task);
	p->alarm = NULL;
}
