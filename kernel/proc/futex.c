/*
 * Futex waits, wakes and requeues (futex.h). Waiters hash by key into
 * buckets, each a list under its own lock. A wait checks the word under
 * its bucket's lock and queues itself before dropping it, and every wake
 * takes the same lock: no wake is lost. Two-key operations (requeue,
 * wake-op) take both buckets' locks in address order.
 */
#include "proc/futex.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define FUTEX_BUCKETS 256

static struct futex_bucket buckets[FUTEX_BUCKETS];

void futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		buckets[i].lock = (struct spinlock)SPINLOCK_INIT;
		list_init(&buckets[i].waiters);
	}
}

struct futex_key futex_key(struct domain *d, vaddr_t uaddr, bool shared)
{
	struct futex_key k = {d, uaddr, NULL, 0};
	struct vmobj *obj;
	u64 off;
	/* Nothing mapped there: keyed by address, and reading the word says EFAULT. */
	if (shared && domain_futex_key(d, uaddr, &obj, &off) == 0 && obj) {
		k.obj = obj;
		k.off = off;
	}
	return k;
}

bool futex_same(struct futex_key a, struct futex_key b)
{
	if (a.obj || b.obj)
		return a.obj == b.obj && a.off == b.off;
	return a.dom == b.dom && a.addr == b.addr;
}

int futex_read(struct futex_key k, u32 *v)
{
	int r = copy_from_domain(k.dom, v, k.addr, sizeof *v);
	return r == -ERESTART_PARK ? r : r < 0 ? -EFAULT : 0;
}

struct futex_bucket *futex_bucket_of(struct futex_key k)
{
	const void *base = k.obj ? k.obj : (const void *)k.dom;
	u64 at = k.obj ? k.off : k.addr;
	u64 h = ((u64)base >> 4) ^ (at >> 2) ^ (at >> 12);
	return &buckets[(h * 0x9e3779b97f4a7c15UL) >> 56];
}

void futex_lock2(struct futex_bucket *b1, struct futex_bucket *b2)
{
	if (b1 == b2) {
		spin_lock(&b1->lock);
	} else if (b1 < b2) {
		spin_lock(&b1->lock);
		spin_lock(&b2->lock);
	} else {
		spin_lock(&b2->lock);
		spin_lock(&b1->lock);
	}
}

void futex_unlock2(struct futex_bucket *b1, struct futex_bucket *b2)
{
	if (b1 != b2)
		spin_unlock(&b2->lock);
	spin_unlock(&b1->lock);
}

/* park_on_set's unlink: off whatever bucket the waiter is in now (a requeue moves it). */
static void futex_unlink(void *arg)
{
	struct futex_waiter *w = arg;
	if (w->lent) { /* a PI wait's loan of tickets ends with it (futex_pi.c) */
		thread_lend_tickets(w->lent_to, -(i32)w->lent);
		w->lent = 0;
	}
	for (;;) {
		struct futex_bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		if (!b)
			return;
		spin_lock(&b->lock);
		if (w->bucket == b) {
			list_remove(&w->node);
			__atomic_store_n(&w->bucket, NULL, __ATOMIC_RELEASE);
			spin_unlock(&b->lock);
			break;
		}
		spin_unlock(&b->lock);
	}
}

long futex_queue_locked(struct futex_bucket *b, struct thread *t, struct futex_key key, u64 deadline)
{
	assert(spin_is_locked(&b->lock));
	struct futex_waiter *w = &t->futex;
	w->key = key;
	w->state = FW_WAITING;
	w->task = &t->task;
	w->tid = t->tid;
	__atomic_store_n(&w->bucket, b, __ATOMIC_RELEASE);
	list_push_back(&b->waiters, &w->node);
	long r = park_on_set(futex_unlink, w);
	park_timeout(deadline);
	return r;
}

void futex_wake_waiter_locked(struct futex_waiter *w, enum futex_wstate st)
{
	assert(spin_is_locked(&w->bucket->lock));
	list_remove(&w->node);
	__atomic_store_n(&w->bucket, NULL, __ATOMIC_RELEASE);
	w->state = st;
	task_wake(w->task); /* w may be reused once its thread runs: nothing after this */
}

struct futex_waiter *futex_first_locked(struct futex_bucket *b, struct futex_key key, bool pi)
{
	assert(spin_is_locked(&b->lock));
	struct list_node *pos;
	list_for_each(pos, &b->waiters)
	{
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		if (futex_same(w->key, key) && w->pi == pi)
			return w;
	}
	return NULL;
}

int futex_count_locked(struct futex_bucket *b, struct futex_key key, bool pi, struct futex_waiter **first)
{
	assert(spin_is_locked(&b->lock));
	int n = 0;
	struct list_node *pos;
	list_for_each(pos, &b->waiters)
	{
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		if (!futex_same(w->key, key) || w->pi != pi)
			continue;
		if (!n && first)
			*first = w;
		n++;
	}
	return n;
}

void futex_move_locked(struct futex_waiter *w, struct futex_bucket *b2, struct futex_key k2)
{
	assert(spin_is_locked(&w->bucket->lock) && spin_is_locked(&b2->lock));
	list_remove(&w->node);
	w->key = k2;
	list_push_back(&b2->waiters, &w->node);
	__atomic_store_n(&w->bucket, b2, __ATOMIC_RELEASE);
}

/*
 * On a restart: how the parked call ended (its waiter is off every queue
 * by now: park_resume ran futex_unlink). 1: woken; 0: not (spurious, or
 * a timeout), so the caller looks again.
 */
static int restart_outcome(struct futex_waiter *w, struct futex_key key)
{
	/* Requeued elsewhere and then woken spuriously: a wake as far as this call goes. */
	return w->state == FW_WOKEN || w->state == FW_PI_ACQUIRED || !futex_same(w->key, key);
}

long futex_wait(struct thread *t, struct futex_key key, u32 val, u32 bitset, u64 deadline)
{
	struct futex_waiter *w = &t->futex;
	if (park_restarting()) {
		if (restart_outcome(w, key)) {
			w->state = FW_IDLE;
			return 0;
		}
		if (deadline && tsc_ns() >= deadline)
			return -ETIMEDOUT;
	}
	u32 cur;
	long fr = futex_read(key, &cur);
	if (fr < 0)
		return fr;
	struct futex_bucket *b = futex_bucket_of(key);
	spin_lock(&b->lock);
	if ((fr = futex_read(key, &cur)) < 0) {
		spin_unlock(&b->lock);
		return fr;
	}
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	w->bitset = bitset;
	w->pi = false;
	w->requeue_pi = false;
	long r = futex_queue_locked(b, t, key, deadline);
	spin_unlock(&b->lock);
	return r;
}

/* Wake up to n plain waiters on key in b (locked) whose bitsets meet bitset. */
static int wake_locked(struct futex_bucket *b, struct futex_key key, int n, u32 bitset)
{
	int woken = 0;
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &b->waiters)
	{
		if (woken >= n)
			break;
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		if (!futex_same(w->key, key) || w->pi || !(w->bitset & bitset))
			continue;
		futex_wake_waiter_locked(w, FW_WOKEN);
		woken++;
	}
	return woken;
}

long futex_wake(struct futex_key key, int n, u32 bitset)
{
	struct futex_bucket *b = futex_bucket_of(key);
	spin_lock(&b->lock);
	int woken = wake_locked(b, key, n, bitset);
	spin_unlock(&b->lock);
	return woken;
}

long futex_wake_addr(struct domain *d, vaddr_t uaddr, int n)
{
	return futex_wake(futex_key(d, uaddr, true), n, ~0u);
}

long futex_requeue(struct futex_key k1, struct futex_key k2, int nwake, int nreq, bool cmp,
		   u32 val3)
{
	u32 cur;
	long fr = cmp ? futex_read(k1, &cur) : 0;
	if (fr < 0)
		return fr;
	struct futex_bucket *b1 = futex_bucket_of(k1), *b2 = futex_bucket_of(k2);
	futex_lock2(b1, b2);
	if (cmp) {
		long r = futex_read(k1, &cur);
		if (r == 0 && cur != val3)
			r = -EAGAIN;
		if (r < 0) {
			futex_unlock2(b1, b2);
			return r;
		}
	}
	int done = wake_locked(b1, k1, nwake, ~0u), moved = 0;
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &b1->waiters)
	{
		if (moved >= nreq)
			break;
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		if (!futex_same(w->key, k1) || w->pi)
			continue;
		if (futex_same(k1, k2)) { /* requeue onto itself: nothing moves, as Linux */
			moved++;
			continue;
		}
		futex_move_locked(w, b2, k2);
		moved++;
	}
	futex_unlock2(b1, b2);
	return done + moved;
}

/* FUTEX_WAKE_OP's encoding (linux/futex.h) */
enum { OP_SET, OP_ADD, OP_OR, OP_ANDN, OP_XOR };
enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
#define FUTEX_OP_OPARG_SHIFT 8

static i32 sign_extend12(u32 v)
{
	return (i32)(v << 20) >> 20;
}

long futex_wake_op(struct futex_key k1, struct futex_key k2, int nwake, int nwake2, u32 encoded)
{
	u32 op = encoded >> 28, cmp = (encoded >> 24) & 15;
	i32 oparg = sign_extend12((encoded >> 12) & 0xfff), cmparg = sign_extend12(encoded & 0xfff);
	if (op & FUTEX_OP_OPARG_SHIFT) {
		oparg = 1 << (oparg & 31); /* Linux masks a shift out of range, with a warning */
		op &= ~FUTEX_OP_OPARG_SHIFT;
	}
	if (op > OP_XOR || cmp > CMP_GE)
		return -ENOSYS;
	u32 old, got;
	long fr = futex_read(k2, &old);
	if (fr < 0)
		return fr;
	struct futex_bucket *b1 = futex_bucket_of(k1), *b2 = futex_bucket_of(k2);
	futex_lock2(b1, b2);
	if ((fr = futex_read(k2, &old)) < 0) {
		futex_unlock2(b1, b2);
		return fr;
	}
	for (;;) {
		u32 new = op == OP_SET ? (u32)oparg : op == OP_ADD ? old + (u32)oparg
			: op == OP_OR ? old | (u32)oparg : op == OP_ANDN ? old & ~(u32)oparg
			: old ^ (u32)oparg;
		if (domain_cmpxchg_u32(k2.dom, k2.addr, old, new, &got) < 0) {
			futex_unlock2(b1, b2);
			return -EFAULT;
		}
		if (got == old)
			break;
		old = got;
	}
	i32 o = (i32)old;
	bool pass = cmp == CMP_EQ ? o == cmparg : cmp == CMP_NE ? o != cmparg
		  : cmp == CMP_LT ? o < cmparg : cmp == CMP_LE ? o <= cmparg
		  : cmp == CMP_GT ? o > cmparg : o >= cmparg;
	int n = wake_locked(b1, k1, nwake, ~0u);
	if (pass)
		n += wake_locked(b2, k2, nwake2, ~0u);
	futex_unlock2(b1, b2);
	return n;
}
