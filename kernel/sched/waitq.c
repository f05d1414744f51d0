/* Wait queues: the list of parked waiters and their wakes. */
#include "sched/waitq.h"
#include "sched/task.h"
#include "arch/x86_64/cpu.h"
#include "lib/kernel.h"

void waitq_init(struct waitq *q)
{
	q->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&q->waiters);
}

void waitq_add_locked(struct waitq *q, struct waiter *w)
{
	assert(spin_is_locked(&q->lock));
	if (w->queued)
		return;
	w->task = this_cpu()->exec.current;
	assert(w->task);
	__atomic_store_n(&w->queued, true, __ATOMIC_RELAXED);
	list_push_back(&q->waiters, &w->node);
}

void waitq_remove(struct waitq *q, struct waiter *w)
{
	/* Pairs with the wake's release: once it is false the wake is done with w and with us. */
	if (!__atomic_load_n(&w->queued, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&q->lock);
	if (w->queued) {
		list_remove(&w->node);
		__atomic_store_n(&w->queued, false, __ATOMIC_RELAXED);
	}
	spin_unlock(&q->lock);
}

static int wake(struct waitq *q, int max)
{
	int n = 0;
	spin_lock(&q->lock);
	while (n < max && !list_empty(&q->waiters)) {
		struct waiter *w = container_of(list_pop_front(&q->waiters), struct waiter, node);
		struct task *t = w->task; /* read before w may be reused */
		__atomic_store_n(&w->queued, false, __ATOMIC_RELEASE);
		task_wake(t);
		n++;
	}
	spin_unlock(&q->lock);
	return n;
}

int waitq_wake_one(struct waitq *q)
{
	return wake(q, 1);
}

int waitq_wake_all(struct waitq *q)
{
	return wake(q, 1 << 30);
}

int waitq_wake_if(struct waitq *q, bool (*match)(struct waiter *w, void *ctx), void *ctx, int max)
{
	int n = 0;
	spin_lock(&q->lock);
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &q->waiters)
	{
		if (n >= max)
			break;
		struct waiter *w = container_of(pos, struct waiter, node);
		if (!match(w, ctx))
			continue;
		list_remove(&w->node);
		struct task *t = w->task;
		__atomic_store_n(&w->queued, false, __ATOMIC_RELEASE);
		task_wake(t);
		n++;
	}
	spin_unlock(&q->lock);
	return n;
}
