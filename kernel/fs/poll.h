/*
 * Waiting on files: what a file's poll operation is handed. The operation
 * reports which events are ready and, when given a poll set, calls
 * poll_wait_add for each wait queue whose wake may change them, under
 * the same lock its wakers take (so no wake is lost).
 *
 * Two kinds of set use this one interface:
 *  - poll(2) and select(2) (poll.c): one waiter of the calling thread per
 *    queue, linked only while the call waits; the thread parks on all of
 *    them and the call starts over when any wakes it (invariant 3). The
 *    set holds a reference to each file it waits on, so a file closed by
 *    another thread meanwhile keeps its queues until the set is freed.
 *  - epoll (event/epoll.c): standing waiters (sched/waitq.h) that stay on
 *    the queues while the file is in an epoll set, and record readiness
 *    when the queue is woken, without rescanning.
 */
#pragma once

#include "lib/types.h"
#include "sched/waitq.h"

#define POLLIN     0x001
#define POLLPRI    0x002
#define POLLOUT    0x004
#define POLLERR    0x008
#define POLLHUP    0x010
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLMSG    0x400
#define POLLRDHUP  0x2000

struct file;

/* Where a poll operation registers its queues; its owner says what a registration is. */
struct poll_set {
	void (*add)(struct poll_set *ps, struct waitq *q);
};

/* For a file's poll operation: wait on q too (ps may be NULL: just report). */
static inline void poll_wait_add(struct poll_set *ps, struct waitq *q)
{
	if (ps)
		ps->add(ps, q);
}

/* The events ready on f now; files without a poll operation are always ready. */
u32 file_poll(struct file *f, struct poll_set *ps);
/* Can f be waited on (has it a poll operation)? epoll refuses the others. */
bool file_can_poll(const struct file *f);

/* ---- poll(2)'s sets ---- */

struct poll_waits;
/* Room for cap registrations; NULL without memory. */
struct poll_waits *poll_waits_new(u32 cap);
/* Poll f (the caller's reference) into pw: pw keeps it if it waits on one of f's queues. */
u32 poll_waits_file(struct poll_waits *pw, struct file *f);
/* Take every waiter off its queue, drop the files and free the set: a park's unlink. */
void poll_waits_free(void *pw);
