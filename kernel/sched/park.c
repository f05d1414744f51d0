/*
 * Parking and restart (invariant 3): see park.h. Everything here runs on
 * the core polling the parked task, except the wakes themselves, which
 * come through the wait queue and the timer.
 */
#include "sched/park.h"
#include "sched/task.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

void park_init(struct park *pk)
{
	*pk = (struct park){.nr = -1};
}

/* The running task's park: only tasks that have one call the functions below. */
static struct park *self(void)
{
	struct park *pk = park_current();
	assert(pk);
	return pk;
}

long park_on(struct waitq *q)
{
	struct park *pk = self();
	assert(spin_is_locked(&q->lock));
	assert(!pk->on || pk->on == q); /* one queue per call; a set goes through park_on_set */
	waitq_add_locked(q, &pk->waiter);
	pk->on = q;
	pk->armed = true;
	return -ERESTART_PARK;
}

long park_until(u64 deadline)
{
	struct park *pk = self();
	if (sleep_until(&pk->timer, deadline))
		return 0;
	pk->armed = true;
	return -ERESTART_PARK;
}

void park_timeout(u64 deadline)
{
	struct park *pk = self();
	if (!deadline)
		return;
	timer_arm(&pk->timer, task_acting(), deadline);
	pk->armed = true;
}

long park_for_signal(void)
{
	self()->armed = true;
	return -ERESTART_PARK;
}

long park_on_set(void (*fn)(void *), void *arg)
{
	struct park *pk = self();
	assert(!pk->unlink);
	pk->unlink = fn;
	pk->unlink_arg = arg;
	pk->armed = true;
	return -ERESTART_PARK;
}

bool park_restarting(void)
{
	struct park *pk = park_current();
	return pk && pk->restarting;
}

void park_no_restart(void)
{
	struct park *pk = park_current();
	if (pk)
		pk->no_restart = true;
}

u64 park_progress(void)
{
	struct park *pk = park_current();
	return pk && pk->restarting ? pk->progress : 0;
}

void park_save_progress(u64 done)
{
	struct park *pk = park_current();
	if (pk)
		pk->progress = done;
}

u64 park_deadline(u64 first)
{
	struct park *pk = self();
	if (!pk->restarting)
		pk->deadline = first;
	return pk->deadline;
}

u64 park_nomem_since(u64 now, u32 *tries)
{
	struct park *pk = self();
	if (!pk->restarting || !pk->nomem_since) {
		pk->nomem_since = now;
		pk->nomem_tries = 0;
	}
	*tries = ++pk->nomem_tries;
	return pk->nomem_since;
}

void park_hold(void (*release)(void *), void *obj)
{
	struct park *pk = self();
	assert(!pk->held);
	pk->release = release;
	pk->held = obj;
}

void *park_take(void (*release)(void *))
{
	struct park *pk = park_current();
	if (!pk || !pk->held)
		return NULL;
	if (!pk->restarting || pk->release != release) {
		/* Held by an earlier call that did not come back for it: let it go. */
		park_end_slow(pk);
		return NULL;
	}
	void *obj = pk->held;
	pk->held = NULL;
	pk->release = NULL;
	return obj;
}

void park_resume_slow(struct park *pk)
{
	timer_cancel(&pk->timer);
	if (pk->unlink) {
		void (*fn)(void *) = pk->unlink;
		pk->unlink = NULL;
		fn(pk->unlink_arg);
	}
	if (pk->on) {
		waitq_remove(pk->on, &pk->waiter);
		pk->on = NULL;
	}
	pk->armed = false;
}

void park_end_slow(struct park *pk)
{
	void *obj = pk->held;
	void (*release)(void *) = pk->release;
	pk->held = NULL;
	pk->release = NULL;
	if (obj)
		release(obj);
}

u64 park_abandon(void)
{
	struct park *pk = self();
	u64 done = pk->progress;
	park_cancel(pk);
	return done;
}

void park_cancel(struct park *pk)
{
	park_resume(pk);
	park_end(pk);
	pk->deadline = 0;
}
