/*
 * Wait queues: where a pending task parks until an event. A waiter is
 * linked in by the task itself inside its poll (after checking the
 * condition under the same lock the waker takes, so no wake is lost), and
 * the waker wakes one or all. Shared objects: waitq.lock guards the list.
 *
 * A queue may also hold standing waiters (epoll's registrations): a
 * function instead of a task, called under q->lock on every wake with
 * the events the waker names (0: not said), and left queued until its
 * owner takes it off. Task wakes take the task off the queue; standing
 * waiters stay. An exclusive standing waiter (EPOLLEXCLUSIVE) is called
 * only until one of them reports that it woke somebody.
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"

struct task;
struct waiter;

/* A standing waiter's wake: runs under q->lock; true if it woke a waiting task. */
typedef bool (*waiter_fn)(struct waiter *w, u32 events);

struct waitq {
	struct spinlock lock;
	struct list_node waiters; /* [lock] struct waiter, oldest first */
	u32 standing;             /* [lock] standing waiters among them */
};

/* A static queue, ready without waitq_init: struct waitq q = WAITQ_INIT(q); */
#define WAITQ_INIT(q) {SPINLOCK_INIT, {&(q).waiters, &(q).waiters}, 0}

struct waiter {
	struct list_node node; /* [waitq.lock] */
	struct task *task;     /* [I while queued] a parked task, or NULL for a standing waiter */
	waiter_fn fn;          /* [I while queued] a standing waiter's wake */
	bool queued;           /* [waitq.lock; set false atomically, read by the owner without it] */
	bool exclusive;        /* [I while queued] standing: see above */
};

void waitq_init(struct waitq *q);
/* Park the task being polled on q (no-op if w is already queued). Caller holds q->lock. */
void waitq_add_locked(struct waitq *q, struct waiter *w);
/* Queue a standing waiter (w->fn set); the caller takes it off with waitq_remove. */
void waitq_add_standing(struct waitq *q, struct waiter *w);
/*
 * Take w off q if it is still there (e.g. woken by something else). Once
 * it returns, a standing waiter's function is not running on any core. A
 * waiter a wake took off does not touch q again: the object holding q may
 * be gone by then (a pipe whose last end closed, a reaped process).
 */
void waitq_remove(struct waitq *q, struct waiter *w);
/*
 * Might q have waiters? A look without q->lock, for a waker that holds the
 * lock under which every waiter of q checks its condition and queues
 * itself (a pipe's for its queues): a waiter queued before is seen, and one
 * seen that a wake took off since costs only a wake for nobody.
 */
static inline bool waitq_maybe_waiters(struct waitq *q)
{
	return __atomic_load_n(&q->waiters.next, __ATOMIC_RELAXED) != &q->waiters;
}
/* Wake the oldest waiter / all waiters; returns how many tasks were woken. */
int waitq_wake_one(struct waitq *q);
int waitq_wake_all(struct waitq *q);
/* Wake all, telling standing waiters which events happened (POLLIN...). */
int waitq_wake_events(struct waitq *q, u32 events);
/* Wake up to max waiters for which match(waiter, ctx) holds; caller does not hold q->lock. */
int waitq_wake_if(struct waitq *q, bool (*match)(struct waiter *w, void *ctx), void *ctx, int max);
