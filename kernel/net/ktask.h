/*
 * Kernel tasks that make socket calls (the DHCP client, the self-tests):
 * each has a park, like a user thread, so a call that must wait parks
 * (net_wait) and returns -ERESTART_PARK; the task then returns PENDING
 * and, woken, runs the same call again, as the system-call dispatcher
 * does for a thread (invariant 3).
 *
 * A ktask is its owner's alone ([o]).
 */
#pragma once

#include "sched/park.h"
#include "sched/task.h"
#include "lib/errno.h"

struct ktask {
	struct task task;
	struct park park;
	bool parked; /* [o] the last call parked */
	int step;    /* [o] the owner's progress */
	void *ctx;   /* [o] the owner's */
};

static inline void ktask_init(struct ktask *k, const char *name,
			      enum poll_result (*poll)(struct task *), void *ctx)
{
	task_init(&k->task, name, poll, NULL);
	park_init(&k->park);
	k->task.park = &k->park;
	k->parked = false;
	k->step = 0;
	k->ctx = ctx;
}

/* At the top of the task's poll: undo the last park; the next call is its restart. */
static inline void ktask_enter(struct ktask *k)
{
	if (k->parked) {
		park_resume(&k->park);
		k->park.restarting = true;
	}
}

/* After a call: true if it parked (return PENDING); else its restart state is forgotten. */
static inline bool ktask_parked(struct ktask *k, long r)
{
	k->parked = r == -ERESTART_PARK;
	if (!k->parked)
		park_end(&k->park);
	return k->parked;
}
