/* Wait queues: the list of parked waiters and their wakes. */
#include "sched/waitq.h"
#include "sched/task.h"
#include "arch/x86_64/cpu.h"
#include "lib/kernel.h"

void waitq_init(struct waitq *q)
{
	q->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&q->waiters);
	q->standing = 0;
}

void waitq_add_locked(struct waitq *q, struct waiter *w)
{
	assert(spin_is_locked(&q->lock));
	if (w->queued)
		return;
	w->task = task_acting();
	w->fn = NULL;
	assert(w->task);
	w->queued = true;
	list_push_back(&q->waiters, &w->node);
}

void waitq_add_standing(struct waitq *q, struct waiter *w)
{
	assert(w->fn);
	w->task = NULL;
	spin_lock(&q->lock);
	assert(!w->queued);
	w->queued = true;
	q->standing++;
	list_push_back(&q->waiters, &w->node);
	spin_unlock(&q->lock);
}

void waitq_remove(struct waitq *q, struct waiter *w)
{
	spin_lock(&q->lock);
	if (w->queued) {
		list_remove(&w->node);
		w->queued = false;
		if (w->fn)
			q->standing--;
	}
	spin_unlock(&q->lock);
}

/*
 * Up to max tasks are woken (and leave the queue); every standing waiter
 * is told, but exclusive ones only until one of them woke somebody.
 */
static int wake(struct waitq *q, int max, u32 events)
{
	int n = 0;
	bool exclusive_done = false;
	spin_lock(&q->lock);
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &q->waiters)
	{
		struct waiter *w = container_of(pos, struct waiter, node);
		if (w->fn) {
			if (w->exclusive && exclusive_done)
				continue;
			bool woke = w->fn(w, events);
			if (w->exclusive && woke)
				exclusive_done = true;
			continue;
		}
		if (n >= max) {
			if (!q->standing)
				break;
			continue;
		}
		list_remove(&w->node);
		struct task *t = w->task; /* read before w may be reused */
		w->queued = false;
		task_wake(t);
		n++;
	}
	spin_unlock(&q->lock);
	return n;
}

int waitq_wake_one(struct waitq *q)
{
	return wake(q, 1, 0);
}

int waitq_wake_all(struct waitq *q)
{
	return wake(q, 1 << 30, 0);
}

int waitq_wake_events(struct waitq *q, u32 events)
{
	return wake(q, 1 << 30, events);
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
		if (w->fn || !match(w, ctx))
			continue;
		list_remove(&w->node);
		struct task *t = w->task;
		w->queued = false;
		task_wake(t);
		n++;
	}
	spin_unlock(&q->lock);
	return n;
}
