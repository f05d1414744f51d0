/*
 * Wait queues: where a pending task parks until an event. A waiter is
 * linked in by the task itself inside its poll (after checking the
 * condition under the same lock the waker takes, so no wake is lost), and
 * the waker wakes one or all. Shared objects: waitq.lock guards the list.
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"

struct task;

struct waitq {
	struct spinlock lock;
	struct list_node waiters; /* [lock] struct waiter, oldest first */
};

struct waiter {
	struct list_node node; /* [waitq.lock] */
	struct task *task;     /* [I while queued] */
	bool queued;           /* [waitq.lock to change; its own task reads it atomically] */
};

void waitq_init(struct waitq *q);
/* Park the task being polled on q (no-op if w is already queued). Caller holds q->lock. */
void waitq_add_locked(struct waitq *q, struct waiter *w);
/*
 * Take w off q if it is still there (e.g. woken by something else). A
 * waiter a wake took off does not touch q again: the object holding q may
 * be gone by then (a pipe whose last end closed, a reaped process).
 */
void waitq_remove(struct waitq *q, struct waiter *w);
/* Wake the oldest waiter / all waiters; returns how many were woken. */
int waitq_wake_one(struct waitq *q);
int waitq_wake_all(struct waitq *q);
/* Wake up to max waiters for which match(waiter, ctx) holds; caller does not hold q->lock. */
int waitq_wake_if(struct waitq *q, bool (*match)(struct waiter *w, void *ctx), void *ctx, int max);
