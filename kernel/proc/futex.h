/*
 * Futexes (futex(2)): waiting on a word of user memory and waking its
 * waiters, requeueing them to another word (condition variables), the
 * priority-inheritance locks whose owner the kernel records in the word
 * (LOCK_PI and friends), and robust lists a dying thread walks. futex.c
 * holds the waits and wakes, futex_pi.c the PI locks and robust lists,
 * sys_futex.c the system calls.
 *
 * A waiter is a struct futex_waiter in its thread, queued in one of the
 * hash buckets under that bucket's lock; the thread parks with
 * park_on_set, and futex_unlink takes it off whatever bucket it is in
 * when it runs again (a requeue may have moved it).
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"

struct domain;
struct thread;
struct task;
struct futex_bucket;

/*
 * What a futex is named by (futex_key is the one place that decides): a
 * word in a shared mapping by the object mapped and the word's offset in
 * it, so two processes that map one file, or share memory after fork,
 * meet there whatever address each maps it at; any other word, and every
 * FUTEX_PRIVATE_FLAG one, by (domain, address). dom and addr also say
 * where the caller reads the word. obj is only compared, never followed:
 * a stale one can at worst make a spurious wake, which futexes allow.
 */
struct futex_key {
	struct domain *dom;
	vaddr_t addr;
	const void *obj; /* the shared object (mm/vmobj.h), or NULL: keyed by dom and addr */
	u64 off;         /* the word's offset in obj */
};
/*
 * Read the word k names: 0, -EFAULT, or -ERESTART_PARK while its page (a
 * mapped file's) is read in. Done once before a bucket's lock is taken,
 * so the read under the lock finds the page there.
 */
int futex_read(struct futex_key k, u32 *v);

enum futex_wstate {
	FW_IDLE,        /* not in a futex call */
	FW_WAITING,     /* queued */
	FW_WOKEN,       /* a wake took it off its queue */
	FW_PI_ACQUIRED, /* an unlock or requeue handed it the PI lock it waited for */
};

struct futex_waiter {
	struct list_node node;       /* [bucket lock] */
	struct futex_bucket *bucket; /* [bucket lock; read with atomics] where it is queued, or NULL */
	struct futex_key key;        /* [bucket lock] the futex it waits on (a requeue changes it) */
	struct futex_key pi_key;     /* [owner] WAIT_REQUEUE_PI: the PI lock it may be moved to */
	u32 bitset;                  /* [owner] FUTEX_WAIT_BITSET's, ~0 otherwise */
	u32 tid;                     /* [I] its thread's */
	bool pi;                     /* [bucket lock] waits for a PI lock (LOCK_PI, or requeued to one) */
	bool requeue_pi;             /* [bucket lock] a WAIT_REQUEUE_PI waiter not yet requeued */
	u8 state;                    /* [bucket lock] enum futex_wstate */
	struct task *task;           /* [I while queued] */
	u32 lent;                    /* [owner] tickets lent to a PI lock's owner (futex_pi.c) */
	u32 lent_to;                 /* [owner] that owner's tid */
};

/* FUTEX_* word bits (linux/futex.h) */
#define FUTEX_WAITERS    0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK   0x3fffffffu

void futex_init(void);
struct futex_key futex_key(struct domain *d, vaddr_t uaddr, bool shared);

/*
 * Wait on key (the word at uaddr in t's domain) while it holds val;
 * deadline: tsc_ns() time, 0 for none. 0 once woken, -EAGAIN if the word
 * changed, -ETIMEDOUT, or -ERESTART_PARK while waiting.
 */
long futex_wait(struct thread *t, struct futex_key key, u32 val, u32 bitset, u64 deadline);
/* Wake up to n waiters on key whose bitset meets bitset; how many. */
long futex_wake(struct futex_key key, int n, u32 bitset);
/* Wake up to n waiters at uaddr in d (CLONE_CHILD_CLEARTID). */
long futex_wake_addr(struct domain *d, vaddr_t uaddr, int n);
/*
 * Wake up to nwake waiters on k1 and move up to nreq more to k2; with
 * cmp, only if the word at k1 still holds val3 (-EAGAIN). Woken + moved.
 */
long futex_requeue(struct futex_key k1, struct futex_key k2, int nwake, int nreq, bool cmp,
		   u32 val3);
/* FUTEX_WAKE_OP: change the word at k2 by op, wake on k1, and on k2 if the old value passed. */
long futex_wake_op(struct futex_key k1, struct futex_key k2, int nwake, int nwake2, u32 op);

/* ---- priority-inheritance locks (futex_pi.c) ---- */

/* LOCK_PI, LOCK_PI2 and TRYLOCK_PI (trylock: never waits). */
long futex_lock_pi(struct thread *t, struct futex_key key, u64 deadline, bool trylock);
long futex_unlock_pi(struct thread *t, struct futex_key key);
/* FUTEX_WAIT_REQUEUE_PI: wait on key for a CMP_REQUEUE_PI to hand over (or queue on) pi. */
long futex_wait_requeue_pi(struct thread *t, struct futex_key key, u32 val, struct futex_key pi,
			   u64 deadline);
long futex_cmp_requeue_pi(struct futex_key k1, struct futex_key k2, int nreq, u32 val3);
/* A thread ends: walk its robust list (set_robust_list) and wake the next owners. */
void futex_exit_robust(struct thread *t);

/* ---- shared by futex.c and futex_pi.c ---- */

struct futex_bucket {
	struct spinlock lock;
	struct list_node waiters; /* [lock] struct futex_waiter, oldest first */
};

/* Do a and b name one futex? */
bool futex_same(struct futex_key a, struct futex_key b);
struct futex_bucket *futex_bucket_of(struct futex_key key);
/* Lock one bucket, or two in a fixed order (b1 may equal b2). */
void futex_lock2(struct futex_bucket *b1, struct futex_bucket *b2);
void futex_unlock2(struct futex_bucket *b1, struct futex_bucket *b2);
/* Queue t's waiter on b (locked) for key, and park; returns -ERESTART_PARK. */
long futex_queue_locked(struct futex_bucket *b, struct thread *t, struct futex_key key, u64 deadline);
/* Take w off its bucket (locked) and wake it in state st. */
void futex_wake_waiter_locked(struct futex_waiter *w, enum futex_wstate st);
/* The first waiter on key in b (locked) matching pi, or NULL. */
struct futex_waiter *futex_first_locked(struct futex_bucket *b, struct futex_key key, bool pi);
/* How many waiters on key in b (locked) match pi; *first: the oldest (if first). */
int futex_count_locked(struct futex_bucket *b, struct futex_key key, bool pi, struct futex_waiter **first);
/* Move w (queued in b1) to key k2 in bucket b2; both locked. */
void futex_move_locked(struct futex_waiter *w, struct futex_bucket *b2, struct futex_key k2);
