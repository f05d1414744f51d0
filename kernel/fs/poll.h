/*
 * poll(2) and select(2): waiting on several files at once. A file's poll
 * operation reports which events are ready and, while the caller is about
 * to wait, links one waiter per wait queue it may be woken on into the
 * caller's poll set (under the same lock its wakers take, so no wake is
 * lost). The thread then parks on all of them; any wake runs it again and
 * the call starts over (invariant 3). The poll set belongs to the thread.
 */
#pragma once

#include "lib/types.h"
#include "sched/waitq.h"

#define POLLIN   0x001
#define POLLPRI  0x002
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

struct poll_entry {
	struct waiter w;
	struct waitq *q;
};

struct poll_set {
	u32 n, cap;
	struct poll_entry e[]; /* cap entries */
};

/* For a file's poll operation: wait on q too (pw may be NULL: just report). */
void poll_wait_add(struct poll_set *pw, struct waitq *q);
/* Take every waiter off its queue and free the set (the thread runs again): a park's unlink. */
void poll_set_free(void *pw);
