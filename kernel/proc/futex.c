/*
 * Futexes (futex.h; the call is in sys_futex.c): waiting on a word of
 * user memory and waking its waiters, enough for musl's and glibc's
 * locks, condition variables and pthread_join, within a process and
 * across processes. A futex is named by what it is: a word in a shared
 * mapping by the object mapped and the word's offset in it (so two
 * processes that map one file, or share memory after fork, meet there
 * whatever address each maps it at), any other by (domain, address);
 * FUTEX_PRIVATE_FLAG says the second without looking. Waiters hash by
 * that key into buckets; each bucket is a wait queue with its own lock.
 * A wait re-checks the word under the bucket lock, so no wake is lost.
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

struct key {
	const void *base; /* a struct vmobj (shared) or struct domain (private) */
	u64 off;	  /* the word's offset in the object, or its address */
};

static struct waitq *bucket(const struct key *k)
{
	u64 h = ((u64)k->base >> 4) ^ (k->off >> 2) ^ (k->off >> 12);
	return &buckets[(h * 0x9e3779b97f4a7c15UL) >> 58];
}

/* The key of the word at uaddr in d: 0, or -EFAULT when nothing is mapped there. */
static int key_of(struct domain *d, vaddr_t uaddr, bool private, struct key *k)
{
	if (private) {
		*k = (struct key){d, uaddr};
		return 0;
	}
	struct vmobj *obj;
	u64 off;
	int r = domain_futex_key(d, uaddr, &obj, &off);
	if (r < 0)
		return r;
	*k = obj ? (struct key){obj, off} : (struct key){d, uaddr};
	return 0;
}

static bool same_key(struct waiter *w, void *ctx)
{
	struct key *k = ctx;
	struct thread *t = container_of(w, struct thread, park.waiter);
	if (t->futex_key != k->base || t->futex_off != k->off)
		return false;
	t->futex_woken = true; /* under the bucket lock, before the wake */
	return true;
}

long futex_wake_addr(struct domain *d, vaddr_t uaddr, int n, bool private)
{
	struct key k;
	int r = key_of(d, uaddr, private, &k);
	if (r < 0)
		return r; /* nothing mapped there (Linux: EFAULT) */
	return waitq_wake_if(bucket(&k), same_key, &k, n);
}

long futex_wait(struct thread *t, vaddr_t uaddr, u32 val, u64 timeout_uaddr, bool absolute,
		bool private)
{
	struct domain *d = t->proc->dom;
	if (uaddr & 3)
		return -EINVAL;
	struct key k;
	int kr = key_of(d, uaddr, private, &k);
	if (kr < 0)
		return kr;
	struct waitq *q = bucket(&k);
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
	/* The word's page in first (a mapped file's may be read in: the call parks and runs again). */
	u32 cur;
	int cr = copy_from_domain(d, &cur, uaddr, sizeof cur);
	if (cr < 0)
		return cr == -ERESTART_PARK ? cr : -EFAULT;
	spin_lock(&q->lock);
	if (copy_from_domain(d, &cur, uaddr, sizeof cur) < 0) {
		spin_unlock(&q->lock);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock(&q->lock);
		return -EAGAIN;
	}
	t->futex_key = k.base;
	t->futex_off = k.off;
	t->futex_woken = false;
	long r = park_on(q);
	spin_unlock(&q->lock);
	park_timeout(deadline);
	return r;
}
