/*
 * IORING_SETUP_SQPOLL: a kernel task per ring that polls the submission
 * queue, so a program submits by writing memory alone. It is a future
 * like any other: each poll submits what it finds for the ring's creator
 * and, while work keeps coming, yields and is polled again; after
 * sq_thread_idle with nothing to do it sets IORING_SQ_NEED_WAKEUP and
 * parks until io_uring_enter(IORING_ENTER_SQ_WAKEUP) wakes it.
 *
 * The task submits with the creator's process, memory and file state, so
 * it stops when the creator exits (uring_proc_exit waits out a poll in
 * progress) or the ring closes; io_uring_enter then says EOWNERDEAD. The
 * struct belongs to the ring (freed with it); the task holds a reference
 * to the ring until its last poll.
 */
#include "uring/uring.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct uring_sqpoll {
	struct task task;
	struct uring *r;          /* [I] */
	struct domain *dom;       /* [I] the creator's memory (a reference, dropped at the end) */
	struct fs_state *fs;      /* [I] the creator's file state: valid until it stops */
	struct cred *cred;        /* [I] the creator's ids, which it submits with (a reference) */
	u64 idle_ns;              /* [I] */
	u64 last_work;            /* [o] when it last found entries */
	u32 stop;                 /* [a] creator gone or ring closed: end at the next poll */
	u32 busy;                 /* [a] a poll is submitting */
	struct waiter waiter;     /* on wait while parked */
	struct waitq wait;        /* where it parks, idle */
	struct waitq space;       /* IORING_ENTER_SQ_WAIT callers: room in the SQ */
};

#define SQPOLL_IDLE_DEFAULT_MS 1000

static u32 sq_queued(struct uring *r)
{
	u32 tail = __atomic_load_n(&uring_hdr(r)->sq_tail, __ATOMIC_ACQUIRE);
	u32 n = tail - __atomic_load_n(&r->sq_head, __ATOMIC_RELAXED);
	return n > r->sq_entries ? r->sq_entries : n;
}

static enum poll_result sqpoll_poll(struct task *t)
{
	struct uring_sqpoll *sq = container_of(t, struct uring_sqpoll, task);
	struct uring *r = sq->r;
	struct uring_hdr *h = uring_hdr(r);
	__atomic_store_n(&sq->busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&sq->stop, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&sq->busy, 0, __ATOMIC_SEQ_CST);
		waitq_wake_all(&sq->space);
		return READY;
	}
	u32 n = __atomic_load_n(&r->disabled, __ATOMIC_ACQUIRE) ? 0 : sq_queued(r);
	u64 now = tsc_ns();
	if (n) {
		struct cur_saved saved = cur_act_for(r->owner, sq->dom, sq->fs, sq->cred);
		uring_submit(r, n);
		cur_restore(saved);
		sq->last_work = now;
		waitq_wake_all(&sq->space);
	}
	__atomic_store_n(&sq->busy, 0, __ATOMIC_SEQ_CST);
	if (n || now - sq->last_work < sq->idle_ns) {
		task_wake(t); /* poll again after the others' turns */
		return PENDING;
	}
	/* Idle: say so, then look once more, so an entry written meanwhile is not missed. */
	spin_lock(&sq->wait.lock);
	__atomic_or_fetch(&h->sq_flags, IORING_SQ_NEED_WAKEUP, __ATOMIC_SEQ_CST);
	if (sq_queued(r) || __atomic_load_n(&sq->stop, __ATOMIC_SEQ_CST)) {
		__atomic_and_fetch(&h->sq_flags, ~(u32)IORING_SQ_NEED_WAKEUP, __ATOMIC_SEQ_CST);
		spin_unlock(&sq->wait.lock);
		sq->last_work = now;
		task_wake(t);
		return PENDING;
	}
	waitq_add_locked(&sq->wait, &sq->waiter);
	spin_unlock(&sq->wait.lock);
	return PENDING;
}

static void sqpoll_done(struct task *t)
{
	struct uring_sqpoll *sq = container_of(t, struct uring_sqpoll, task);
	domain_put(sq->dom);
	cred_put(sq->cred);
	uring_put(sq->r); /* the struct itself goes with the ring */
}

int uring_sqpoll_start(struct uring *r, u32 idle_ms, int cpu)
{
	struct uring_sqpoll *sq = knew(struct uring_sqpoll);
	if (!sq)
		return -ENOMEM;
	task_init(&sq->task, "io_uring-sq", sqpoll_poll, sqpoll_done);
	if (cpu >= 0)
		sq->task.flags |= TASK_PINNED;
	sq->r = r;
	sq->dom = cur_dom();
	domain_get(sq->dom);
	sq->fs = cur_fs();
	sq->cred = cred_get(cur_cred());
	sq->idle_ns = (u64)(idle_ms ? idle_ms : SQPOLL_IDLE_DEFAULT_MS) * 1000000UL;
	sq->last_work = tsc_ns();
	waitq_init(&sq->wait);
	waitq_init(&sq->space);
	r->sqpoll = sq;
	uring_get(r);
	task_spawn(&sq->task, cpu);
	return 0;
}

bool uring_sqpoll_stop(struct uring *r)
{
	struct uring_sqpoll *sq = r->sqpoll;
	if (!sq)
		return false;
	__atomic_store_n(&sq->stop, 1, __ATOMIC_SEQ_CST);
	waitq_wake_all(&sq->wait);
	return __atomic_load_n(&sq->busy, __ATOMIC_SEQ_CST) != 0;
}

void uring_sqpoll_wake(struct uring *r)
{
	if (r->sqpoll)
		waitq_wake_all(&r->sqpoll->wait);
}

bool uring_sqpoll_dead(struct uring *r)
{
	return r->sqpoll && __atomic_load_n(&r->sqpoll->stop, __ATOMIC_ACQUIRE);
}

long uring_sqpoll_wait_space(struct uring *r)
{
	struct uring_sqpoll *sq = r->sqpoll;
	if (!sq || sq_queued(r) < r->sq_entries || __atomic_load_n(&sq->stop, __ATOMIC_ACQUIRE))
		return 0;
	spin_lock(&sq->space.lock);
	long ret = park_on(&sq->space);
	spin_unlock(&sq->space.lock);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (sq_queued(r) < r->sq_entries)
		task_wake(task_acting());
	return ret;
}

void uring_sqpoll_free(struct uring *r)
{
	kfree(r->sqpoll);
}
