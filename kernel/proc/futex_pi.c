/*
 * Priority-inheritance futexes and robust lists (futex.h).
 *
 * A PI lock's state lives in its word: the owner's tid, FUTEX_WAITERS
 * while someone waits in the kernel (so the owner's user-space unlock
 * fails and comes here), FUTEX_OWNER_DIED once an owner died holding it.
 * An unlock with waiters hands the lock straight to the oldest one (its
 * tid goes in the word and it returns owning it), so no one can slip in
 * between. The word changes only by compare-and-exchange, since user
 * threads change it without the kernel.
 *
 * Inheritance, with a lottery: a waiter lends its tickets to the owner
 * for as long as it waits, so the owner runs (and releases) sooner in
 * proportion to who waits for it; futex_unlink gives them back when the
 * waiter runs again or its call is abandoned.
 *
 * Robust lists: a thread names a list of the locks it holds in user
 * memory (set_robust_list); when it dies, each lock still holding its
 * tid gets FUTEX_OWNER_DIED and one waiter is woken. The list is the
 * process's memory: the walk is bounded and trusts nothing in it.
 */
#include "proc/futex.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static int read_word(struct futex_key k, u32 *v)
{
	return futex_read(k, v);
}

/* cmpxchg on the word: 1 if it held old (now new), 0 if *cur changed, -EFAULT. */
static int cas_word(struct futex_key k, u32 old, u32 new, u32 *cur)
{
	if (domain_cmpxchg_u32(k.dom, k.addr, old, new, cur) < 0)
		return -EFAULT;
	return *cur == old;
}

/*
 * Try to take the lock at k for tid with the bucket locked: 1 taken, 0
 * owned by someone else (*word: what the word holds, with FUTEX_WAITERS
 * set when set_waiters), or -errno.
 */
static int try_take_locked(struct futex_bucket *b, struct futex_key k, u32 tid, bool set_waiters,
			   u32 *word)
{
	u32 cur;
	if (read_word(k, &cur) < 0)
		return -EFAULT;
	for (;;) {
		u32 owner = cur & FUTEX_TID_MASK;
		if (owner == tid)
			return -EDEADLK;
		if (!owner) {
			/* Free (or its owner died): ours, keeping OWNER_DIED for the new owner to see. */
			u32 new = tid | (cur & FUTEX_OWNER_DIED) |
				  (futex_count_locked(b, k, true, NULL) ? FUTEX_WAITERS : 0);
			int r = cas_word(k, cur, new, &cur);
			if (r != 0)
				return r;
			continue;
		}
		if (!set_waiters || (cur & FUTEX_WAITERS)) {
			*word = cur;
			return 0;
		}
		int r = cas_word(k, cur, cur | FUTEX_WAITERS, &cur);
		if (r < 0)
			return r;
		if (r) {
			*word = cur | FUTEX_WAITERS;
			return 0;
		}
	}
}

/* Lend t's tickets to owner while t waits (given back by futex_unlink). */
static void lend(struct thread *t, u32 owner)
{
	u32 n = __atomic_load_n(&t->task.tickets, __ATOMIC_RELAXED);
	t->futex.lent = n;
	t->futex.lent_to = owner;
	thread_lend_tickets(owner, (i32)n);
}

/* Give back what the last wait lent (the call runs again, or is over). */
static void unlend(struct thread *t)
{
	if (t->futex.lent) {
		thread_lend_tickets(t->futex.lent_to, -(i32)t->futex.lent);
		t->futex.lent = 0;
	}
}

long futex_lock_pi(struct thread *t, struct futex_key key, u64 deadline, bool trylock)
{
	struct futex_waiter *w = &t->futex;
	unlend(t);
	if (park_restarting()) {
		if (w->state == FW_PI_ACQUIRED) {
			w->state = FW_IDLE;
			return 0;
		}
		if (deadline && tsc_ns() >= deadline)
			return -ETIMEDOUT;
	}
	struct futex_bucket *b = futex_bucket_of(key);
	spin_lock(&b->lock);
	u32 word;
	int r = try_take_locked(b, key, t->tid, !trylock, &word);
	if (r != 0) {
		spin_unlock(&b->lock);
		return r == 1 ? 0 : r;
	}
	if (trylock) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	u32 owner = word & FUTEX_TID_MASK;
	/* An owner that is gone without saying so (no robust list): Linux's ESRCH. */
	if (!(word & FUTEX_OWNER_DIED) && !thread_alive(owner)) {
		spin_unlock(&b->lock);
		return -ESRCH;
	}
	w->bitset = ~0u;
	w->pi = true;
	w->requeue_pi = false;
	long pr = futex_queue_locked(b, t, key, deadline);
	spin_unlock(&b->lock);
	lend(t, owner);
	return pr;
}

long futex_unlock_pi(struct thread *t, struct futex_key key)
{
	struct futex_bucket *b = futex_bucket_of(key);
	spin_lock(&b->lock);
	u32 cur;
	long r = read_word(key, &cur);
	while (r == 0) {
		if ((cur & FUTEX_TID_MASK) != t->tid) {
			r = -EPERM;
			break;
		}
		struct futex_waiter *next = NULL;
		int n = futex_count_locked(b, key, true, &next);
		/* The next owner: more waiters behind it keep FUTEX_WAITERS set. */
		u32 new = next ? next->tid | (n > 1 ? FUTEX_WAITERS : 0) : 0;
		int c = cas_word(key, cur, new, &cur);
		if (c < 0) {
			r = c;
		} else if (c) {
			if (next)
				futex_wake_waiter_locked(next, FW_PI_ACQUIRED);
			break;
		}
	}
	spin_unlock(&b->lock);
	return r;
}

long futex_wait_requeue_pi(struct thread *t, struct futex_key key, u32 val, struct futex_key pi,
			   u64 deadline)
{
	struct futex_waiter *w = &t->futex;
	unlend(t);
	if (futex_same(key, pi))
		return -EINVAL;
	if (park_restarting()) {
		if (w->state == FW_PI_ACQUIRED) {
			w->state = FW_IDLE;
			return 0;
		}
		if (w->state == FW_WOKEN)
			return -EAGAIN; /* a plain wake before any requeue, as Linux */
		if (w->pi) /* requeued onto the lock: now an ordinary PI wait */
			return futex_lock_pi(t, pi, deadline, false);
		if (deadline && tsc_ns() >= deadline)
			return -ETIMEDOUT;
	}
	struct futex_bucket *b = futex_bucket_of(key);
	spin_lock(&b->lock);
	u32 cur;
	if (read_word(key, &cur) < 0) {
		spin_unlock(&b->lock);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	w->bitset = ~0u;
	w->pi = false;
	w->requeue_pi = true;
	w->pi_key = pi;
	long r = futex_queue_locked(b, t, key, deadline);
	spin_unlock(&b->lock);
	return r;
}

long futex_cmp_requeue_pi(struct futex_key k1, struct futex_key k2, int nreq, u32 val3)
{
	if (futex_same(k1, k2))
		return -EINVAL;
	struct futex_bucket *b1 = futex_bucket_of(k1), *b2 = futex_bucket_of(k2);
	futex_lock2(b1, b2);
	u32 cur;
	long r = read_word(k1, &cur);
	if (r == 0 && cur != val3)
		r = -EAGAIN;
	int count = 0, moved = 0;
	bool tried = false;
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &b1->waiters)
	{
		if (r < 0)
			break;
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		if (!futex_same(w->key, k1) || !w->requeue_pi || !futex_same(w->pi_key, k2))
			continue;
		/*
		 * The first may take the lock at once if it is free; then up
		 * to nreq queue on it, with FUTEX_WAITERS set so that its owner
		 * unlocks through the kernel (one that finds it come free
		 * meanwhile takes it instead).
		 */
		u32 word;
		int got;
		if (!tried) {
			tried = true;
			got = try_take_locked(b2, k2, w->tid, false, &word);
			if (got < 0) {
				r = got;
				break;
			}
			if (got == 1) {
				w->requeue_pi = false;
				futex_wake_waiter_locked(w, FW_PI_ACQUIRED);
				count++;
				continue;
			}
		}
		if (moved >= nreq)
			break;
		got = try_take_locked(b2, k2, w->tid, true, &word);
		if (got < 0) {
			r = got;
			break;
		}
		w->requeue_pi = false;
		count++;
		if (got == 1) {
			futex_wake_waiter_locked(w, FW_PI_ACQUIRED);
			continue;
		}
		w->pi = true;
		futex_move_locked(w, b2, k2);
		moved++;
	}
	futex_unlock2(b1, b2);
	return r < 0 ? r : count;
}

/* ---- robust lists (set_robust_list(2)) ---- */

#define ROBUST_LIST_LIMIT 2048 /* Linux's bound on the walk */

/* The lock at uaddr, held by the dead thread tid: mark it and wake a waiter. */
static void owner_died(struct domain *d, vaddr_t uaddr, u32 tid, bool pi)
{
	if (uaddr & 3)
		return;
	struct futex_key k = futex_key(d, uaddr, true);
	struct futex_bucket *b = futex_bucket_of(k);
	spin_lock(&b->lock);
	u32 cur;
	if (read_word(k, &cur) == 0) {
		for (int tries = 0; tries < 16 && (cur & FUTEX_TID_MASK) == tid; tries++) {
			u32 new = (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
			int c = cas_word(k, cur, new, &cur);
			if (c < 0)
				break;
			if (c) {
				/*
				 * As Linux: a waiter, if the word says there are any. A
				 * PI waiter runs its lock again and finds it free (its
				 * state stays FW_WAITING), OWNER_DIED kept for it to see.
				 */
				struct futex_waiter *w = futex_first_locked(b, k, pi);
				if (w && (cur & FUTEX_WAITERS))
					futex_wake_waiter_locked(w, pi ? FW_WAITING : FW_WOKEN);
				break;
			}
		}
	}
	spin_unlock(&b->lock);
}

void futex_exit_robust(struct thread *t)
{
	vaddr_t head = t->robust_list;
	struct domain *d = t->proc->dom;
	if (!head || !d)
		return;
	t->robust_list = 0;
	/* struct robust_list_head { next; long futex_offset; list_op_pending; } */
	u64 h[3];
	if (copy_from_domain(d, h, head, sizeof h) < 0)
		return;
	i64 offset = (i64)h[1];
	u64 entry = h[0], pending = h[2];
	for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		u64 next;
		if (copy_from_domain(d, &next, entry & ~1UL, sizeof next) < 0)
			break;
		/* The entry being taken or released when it died is handled below, once. */
		if (entry != pending)
			owner_died(d, (entry & ~1UL) + (u64)offset, t->tid, entry & 1);
		entry = next;
	}
	if (pending)
		owner_died(d, (pending & ~1UL) + (u64)offset, t->tid, pending & 1);
}
