/*
 * The list of block devices (filled on the boot core by driver probes,
 * [I] afterwards) and the completion step every driver shares.
 */
#include "dev/blk.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sched/task.h"

static struct blk_dev *devices[BLK_MAX_DEVICES]; /* [I] */
static u32 ndevices;				 /* [I] */

int blk_register(struct blk_dev *d)
{
	if (ndevices == BLK_MAX_DEVICES)
		return -ENOSPC;
	d->index = ndevices;
	devices[ndevices++] = d;
	return 0;
}

u32 blk_count(void)
{
	return ndevices;
}

struct blk_dev *blk_get(u32 i)
{
	return i < ndevices ? devices[i] : NULL;
}

/*
 * The waker and done are read before the status is published: once it is,
 * the submitter may reuse the request. A waker task must therefore outlive
 * the wake (the tests' tasks do; the block cache uses done and wait queues,
 * whose waiters remove themselves).
 */
void blk_complete(struct blk_dev *d, struct blk_request *r, int status)
{
	struct task *waker = r->waker;
	void (*done)(struct blk_request *) = r->done;
	if (status)
		__atomic_add_fetch(&d->errors, 1, __ATOMIC_RELAXED);
	else if (r->op == BLK_READ)
		__atomic_add_fetch(&d->reads, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&d->writes, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->status, status, __ATOMIC_RELEASE);
	if (done) /* a submitter with done learns of completion there, not from status */
		done(r);
	if (waker)
		task_wake(waker);
}
