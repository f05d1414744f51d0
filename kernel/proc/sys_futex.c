/* futex(2) and the robust-list calls, over futex.c and futex_pi.c. */
#include "proc/futex.h"
#include "proc/proc.h"
#include "proc/cur.h"
#include "arch/x86_64/rtc.h"
#include "mm/domain.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"
#include "sys/syscall.h"

enum {
	FUTEX_WAIT, FUTEX_WAKE, FUTEX_FD, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP,
	FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET,
	FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2,
};
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define NSEC 1000000000UL

/*
 * The deadline (tsc_ns time, 0: none) of a timeout at uts: relative, or
 * absolute on CLOCK_MONOTONIC or CLOCK_REALTIME. Kept across restarts
 * (park_deadline). A time too far to count in 64 bits of nanoseconds
 * ({INT64_MAX, 999999999}) is no deadline, not one long past.
 */
static long timeout_deadline(u64 uts, bool absolute, bool realtime, u64 *deadline)
{
	if (park_restarting()) {
		*deadline = park_deadline(0);
		return 0;
	}
	u64 d = 0;
	if (uts) {
		i64 ts[2];
		if (copy_from_domain(cur_dom(), ts, uts, sizeof ts) < 0)
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (i64)NSEC)
			return -EINVAL;
		u64 ns;
		if ((u64)ts[0] > (~0UL - (u64)ts[1]) / NSEC)
			ns = ~0UL;
		else
			ns = (u64)ts[0] * NSEC + (u64)ts[1];
		u64 now = tsc_ns();
		if (ns == ~0UL)
			d = 0; /* never */
		else if (!absolute)
			d = ns > ~0UL - now ? 0 : now + ns;
		else if (realtime)
			d = ns > realtime_epoch_ns() ? ns - realtime_epoch_ns() : 1;
		else
			d = ns ? ns : 1;
	}
	*deadline = park_deadline(d);
	return 0;
}

/* Unknown operations: ENOSYS, as Linux, and a log line once per program and op. */
static long unsupported_op(int op)
{
	log_once(0, "futex op %d not supported", op);
	return -ENOSYS;
}

SYSCALL(NR_futex, futex)
{
	struct thread *t = current_thread();
	struct domain *d = cur_dom();
	int raw = (int)a1;
	int op = raw & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool shared = !(raw & FUTEX_PRIVATE_FLAG), realtime = raw & FUTEX_CLOCK_REALTIME;
	u32 val = (u32)a2, val3 = (u32)a5;
	if (realtime && op != FUTEX_WAIT && op != FUTEX_WAIT_BITSET &&
	    op != FUTEX_WAIT_REQUEUE_PI && op != FUTEX_LOCK_PI2)
		return -ENOSYS;
	if (a0 & 3)
		return -EINVAL;
	struct futex_key k = futex_key(d, a0, shared);
	struct futex_key k2 = futex_key(d, a4, shared);
	u64 deadline;
	long r;
	switch (op) {
	case FUTEX_WAIT:
		if ((r = timeout_deadline(a3, false, false, &deadline)) < 0)
			return r;
		return futex_wait(t, k, val, ~0u, deadline);
	case FUTEX_WAIT_BITSET:
		if (!val3)
			return -EINVAL;
		if ((r = timeout_deadline(a3, true, realtime, &deadline)) < 0)
			return r;
		return futex_wait(t, k, val, val3, deadline);
	case FUTEX_WAKE:
		return futex_wake(k, (int)val > 0 ? (int)val : 1, ~0u);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		return futex_wake(k, (int)val > 0 ? (int)val : 1, val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* The fourth argument is the count to requeue (val2), not a timeout. */
		if ((int)val < 0 || (int)a3 < 0)
			return -EINVAL;
		if (a4 & 3)
			return -EINVAL;
		return futex_requeue(k, k2, (int)val, (int)a3, op == FUTEX_CMP_REQUEUE, val3);
	case FUTEX_WAKE_OP:
		if (a4 & 3)
			return -EINVAL;
		return futex_wake_op(k, k2, (int)val, (int)a3, val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		/* LOCK_PI's timeout is absolute on CLOCK_REALTIME; LOCK_PI2's on the flag's clock. */
		if ((r = timeout_deadline(a3, true, op == FUTEX_LOCK_PI || realtime, &deadline)) < 0)
			return r;
		return futex_lock_pi(t, k, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(t, k, 0, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, k);
	case FUTEX_WAIT_REQUEUE_PI:
		if (a4 & 3)
			return -EINVAL;
		if ((r = timeout_deadline(a3, true, realtime, &deadline)) < 0)
			return r;
		return futex_wait_requeue_pi(t, k, val, k2, deadline);
	case FUTEX_CMP_REQUEUE_PI:
		if (val != 1 || (int)a3 < 0 || (a4 & 3))
			return -EINVAL;
		return futex_cmp_requeue_pi(k, k2, (int)a3, val3);
	default:
		return unsupported_op(op);
	}
}

#define ROBUST_HEAD_SIZE 24 /* struct robust_list_head */

SYSCALL(NR_set_robust_list, set_robust_list)
{
	if (a1 != ROBUST_HEAD_SIZE)
		return -EINVAL;
	current_thread()->robust_list = a0;
	return 0;
}

SYSCALL(NR_get_robust_list, get_robust_list)
{
	int tid = (int)a0;
	u64 head;
	if (tid < 0)
		return -ESRCH;
	if (tid == 0 || (u32)tid == current_thread()->tid) {
		head = current_thread()->robust_list;
	} else {
		spin_lock(&proc_tree_lock);
		struct proc *p = NULL;
		/* Threads of the caller's process, or any process's (everyone is root). */
		head = ~0UL;
		for (u32 i = 0; i < PID_MAX && head == ~0UL; i++) {
			p = i ? proc_find(i) : cur_proc();
			if (!p || p->state != PROC_ALIVE)
				continue;
			spin_lock(&p->lock);
			struct thread *o = proc_thread_locked(p, (u32)tid);
			if (o)
				head = o->robust_list;
			spin_unlock(&p->lock);
		}
		spin_unlock(&proc_tree_lock);
		if (head == ~0UL)
			return -ESRCH;
	}
	u64 len = ROBUST_HEAD_SIZE;
	if (copy_to_domain(cur_dom(), a1, &head, sizeof head) < 0 ||
	    copy_to_domain(cur_dom(), a2, &len, sizeof len) < 0)
		return -EFAULT;
	return 0;
}
