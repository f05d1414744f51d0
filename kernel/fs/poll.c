/*
 * Poll sets: one thread waiting on several wait queues at once (poll.h).
 * The set is the thread's own ([o]); each waiter in it sits on another
 * object's queue under that queue's lock.
 */
#include "fs/poll.h"
#include "mm/kheap.h"

void poll_wait_add(struct poll_set *pw, struct waitq *q)
{
	if (!pw || pw->n == pw->cap)
		return;
	struct poll_entry *e = &pw->e[pw->n++];
	e->w = (struct waiter){0};
	e->q = q;
	spin_lock(&q->lock);
	waitq_add_locked(q, &e->w);
	spin_unlock(&q->lock);
}

void poll_set_free(void *arg)
{
	struct poll_set *pw = arg;
	if (!pw)
		return;
	for (u32 i = 0; i < pw->n; i++)
		waitq_remove(pw->e[i].q, &pw->e[i].w);
	kfree(pw);
}
