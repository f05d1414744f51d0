/*
 * Futexes (futex.h; the call is in sys_futex.c): waiting on a word of
 * user memory and waking its waiters, enough for musl's and glibc's
 * locks, condition variables and pthread_join. Waiters hash by
 * (domain, address) into buckets; each bucket is a wait queue with its own
 * lock. A wait re-checks the word under the bucket lock, so no wake is lost.
 */
#include "proc/proc.h"
#include "mm/domain.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "proc/futex.h"

#define FUTEX_BUCKETS 64

static struct waitq buckets[FUTEX_BUCKETS];

void futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++)
		waitq_init(&buckets[i]);
}

static struct waitq *bucket(struct domain *d, vaddr_t addr)
{
	u64 h = ((u64)d >> 4) ^ (addr >> 2) ^ (addr >> 12);
	return &buckets[(h * 0x9e3779b97f4a7c15UL) >> 58];
}

struct key {
	struct domain *dom;
	vaddr_t addr;
};

static bool same_key(struct waiter *w, void *ctx)
{
	struct key *k = ctx;
	struct thread *t = container_of(w, struct thread, park.waiter);
	if (t->futex_dom != k->dom || t->futex_addr != k->addr)
		return false;
	t->futex_woken = true; /* under the bucket lock, before the wake */
	return true;
}

long futex_wake_addr(struct domain *d, vaddr_t uaddr, int n)
{
	struct key k = {d, uaddr};
	return waitq_wake_if(bucket(d, uaddr), same_key, &k, n);
}

long futex_wait(struct thread *t, vaddr_t uaddr, u32 val, u64 timeout_uaddr, bool absolute)
{
	struct domain *d = t->proc->dom;
	struct waitq *q = bucket(d, uaddr);
	u64 deadline;
	if (park_restarting()) {
		spin_lock(&q->lock);
		bool woken = t->futex_woken;
		t->futex_woken = false;
		spin_unlock(&q->lock);
		if (woken)
			return 0;
		deadline = park_deadline(0);
		if (deadline && tsc_ns() >= deadline)
			return -ETIMEDOUT;
	} else {
		deadline = 0;
		if (timeout_uaddr) {
			i64 ts[2];
			if (copy_from_domain(d, ts, timeout_uaddr, sizeof ts) < 0)
				return -EFAULT;
			if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
				return -EINVAL;
			u64 ns = (u64)ts[0] * 1000000000UL + (u64)ts[1];
			/* An absolute monotonic deadline (FUTEX_WAIT_BITSET) or a relative one. */
			deadline = absolute ? ns : tsc_ns() + ns;
			if (!deadline)
				deadline = 1;
		}
		park_deadline(deadline);
	}
	if (uaddr & 3)
		return -EINVAL;
	spin_lock(&q->lock);
	u32 cur;
	if (copy_from_domain(d, &cur, uaddr, sizeof cur) < 0) {
		spin_unlock(&q->lock);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock(&q->lock);
		return -EAGAIN;
	}
	t->futex_dom = d;
	t->futex_addr = uaddr;
	t->futex_woken = false;
	long r = park_on(q);
	spin_unlock(&q->lock);
	park_timeout(deadline);
	return r;
}
