/*
 * futex2: the futex operations beyond WAIT and WAKE: bitsets, absolute
 * deadlines on either clock, requeues (condition variables), WAKE_OP,
 * priority-inheritance locks (LOCK_PI, TRYLOCK_PI, UNLOCK_PI, and the
 * requeue pair), robust lists walked when a thread dies, and bad input.
 */
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

/* linux/futex.h, which musl's headers lack */
enum {
	FUTEX_WAIT, FUTEX_WAKE, FUTEX_FD, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP,
	FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET,
	FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI,
};
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define P(op) ((op) | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_PRIVATE P(FUTEX_WAIT)
#define FUTEX_WAKE_PRIVATE P(FUTEX_WAKE)
#define FUTEX_REQUEUE_PRIVATE P(FUTEX_REQUEUE)
#define FUTEX_CMP_REQUEUE_PRIVATE P(FUTEX_CMP_REQUEUE)
#define FUTEX_WAKE_OP_PRIVATE P(FUTEX_WAKE_OP)
#define FUTEX_LOCK_PI_PRIVATE P(FUTEX_LOCK_PI)
#define FUTEX_UNLOCK_PI_PRIVATE P(FUTEX_UNLOCK_PI)
#define FUTEX_TRYLOCK_PI_PRIVATE P(FUTEX_TRYLOCK_PI)
#define FUTEX_WAIT_BITSET_PRIVATE P(FUTEX_WAIT_BITSET)
#define FUTEX_WAKE_BITSET_PRIVATE P(FUTEX_WAKE_BITSET)
#define FUTEX_WAIT_REQUEUE_PI_PRIVATE P(FUTEX_WAIT_REQUEUE_PI)
#define FUTEX_CMP_REQUEUE_PI_PRIVATE P(FUTEX_CMP_REQUEUE_PI)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

struct robust_list {
	struct robust_list *next;
};
struct robust_list_head {
	struct robust_list list;
	long futex_offset;
	struct robust_list *list_op_pending;
};

static long fx(uint32_t *uaddr, int op, uint32_t val, const void *ts_or_val2, uint32_t *uaddr2,
	       uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
}

static int64_t now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec at(clockid_t c, int64_t ms_from_now)
{
	int64_t n = now(c) + ms_from_now * 1000000;
	return (struct timespec){n / 1000000000, n % 1000000000};
}

static void ms_sleep(int ms)
{
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* A thread that waits on a word, and what it got. */
struct waiter {
	pthread_t th;
	uint32_t *word;
	int op;
	uint32_t val, bitset;
	uint32_t *word2;
	long ret;
	int err;
	volatile int started, done;
	pid_t tid;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	struct timespec ts = at(CLOCK_MONOTONIC, 30000);
	w->tid = gettid_();
	__atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
	const void *t = w->op == FUTEX_WAIT ? (void *)&(struct timespec){30, 0} : (void *)&ts;
	if ((w->op & ~FUTEX_PRIVATE_FLAG) == FUTEX_LOCK_PI)
		t = NULL;
	w->ret = fx(w->word, w->op, w->val, t, w->word2, w->bitset);
	w->err = errno;
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void start(struct waiter *w)
{
	pthread_create(&w->th, NULL, wait_thread, w);
	while (!__atomic_load_n(&w->started, __ATOMIC_SEQ_CST))
		sched_yield();
	ms_sleep(30); /* let it reach the kernel and park */
}

static void check_timeouts(void)
{
	uint32_t w = 1;
	struct timespec rel = {0, 20000000};
	CHECK_ERR(fx(&w, FUTEX_WAIT_PRIVATE, 2, &rel, NULL, 0), EAGAIN, "FUTEX_WAIT on a changed word: EAGAIN");
	int64_t t0 = now(CLOCK_MONOTONIC);
	CHECK_ERR(fx(&w, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0), ETIMEDOUT, "FUTEX_WAIT for 20 ms: ETIMEDOUT");
	CHECK(now(CLOCK_MONOTONIC) - t0 >= 19000000, "  after the 20 ms");

	struct timespec abs = at(CLOCK_REALTIME, 50);
	t0 = now(CLOCK_MONOTONIC);
	CHECK_ERR(fx(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY),
		  ETIMEDOUT, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME with an absolute deadline 50 ms ahead: ETIMEDOUT");
	int64_t took = now(CLOCK_MONOTONIC) - t0;
	CHECK(took >= 45000000 && took < 10000000000LL, "  after about 50 ms (%lld ms)", (long long)took / 1000000);
	abs = at(CLOCK_MONOTONIC, 40);
	CHECK_ERR(fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
		  "FUTEX_WAIT_BITSET with a monotonic deadline: ETIMEDOUT");
	abs = (struct timespec){0, 1};
	CHECK_ERR(fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
		  "a deadline in the past: ETIMEDOUT at once");

	/* {INT64_MAX, 999999999}: as good as forever, not already expired. */
	static uint32_t word = 0;
	struct waiter wt = {.word = &word, .op = FUTEX_WAIT_BITSET_PRIVATE, .val = 0,
			    .bitset = FUTEX_BITSET_MATCH_ANY};
	(void)wt;
	pid_t c = fork();
	if (c == 0) {
		struct timespec huge = {INT64_MAX, 999999999};
		uint32_t x = 0;
		long r = fx(&x, FUTEX_WAIT_PRIVATE, 0, &huge, NULL, 0);
		_exit(r == -1 && errno == ETIMEDOUT ? 1 : 2);
	}
	ms_sleep(100);
	int st;
	CHECK(waitpid(c, &st, WNOHANG) == 0, "a relative timeout of {INT64_MAX, 999999999} does not expire at once");
	kill(c, SIGKILL);
	t_wait(c);
	c = fork();
	if (c == 0) {
		struct timespec huge = {INT64_MAX, 999999999};
		uint32_t x = 0;
		long r = fx(&x, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &huge, NULL, FUTEX_BITSET_MATCH_ANY);
		_exit(r == -1 && errno == ETIMEDOUT ? 1 : 2);
	}
	ms_sleep(100);
	CHECK(waitpid(c, &st, WNOHANG) == 0, "nor an absolute realtime one of {INT64_MAX, 999999999}");
	kill(c, SIGKILL);
	t_wait(c);
}

static void check_bitsets(void)
{
	static uint32_t word = 0;
	struct waiter w = {.word = &word, .op = FUTEX_WAIT_BITSET_PRIVATE, .val = 0, .bitset = 0x1};
	start(&w);
	CHECK(fx(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x2) == 0, "FUTEX_WAKE_BITSET with a disjoint bitset wakes nobody");
	CHECK(fx(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x3) == 1, "  and with an overlapping one wakes the waiter");
	pthread_join(w.th, NULL);
	CHECK(w.ret == 0, "  whose FUTEX_WAIT_BITSET returns 0");
	CHECK_ERR(fx(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0), EINVAL, "FUTEX_WAIT_BITSET with bitset 0: EINVAL");
	CHECK_ERR(fx(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL, "FUTEX_WAKE_BITSET with bitset 0: EINVAL");
}

static void check_requeue(void)
{
	static uint32_t f1 = 0, f2 = 0;
	struct waiter w[3];
	for (int i = 0; i < 3; i++) {
		w[i] = (struct waiter){.word = &f1, .op = FUTEX_WAIT_PRIVATE, .val = 0};
		start(&w[i]);
	}
	CHECK_ERR(fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &f2, 5), EAGAIN,
		  "FUTEX_CMP_REQUEUE when the word no longer holds val3: EAGAIN");
	CHECK_ERR(fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)-1L, &f2, 0), EINVAL,
		  "FUTEX_CMP_REQUEUE with a negative count: EINVAL");
	CHECK(fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &f2, 0) == 3,
	      "FUTEX_CMP_REQUEUE: one woken and two moved (3)");
	ms_sleep(30);
	int done = 0;
	for (int i = 0; i < 3; i++)
		done += __atomic_load_n(&w[i].done, __ATOMIC_SEQ_CST);
	CHECK(done == 1, "  one waiter has returned (%d)", done);
	CHECK(fx(&f1, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 0, "  nobody is left on the first word");
	CHECK(fx(&f2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 2, "  the two moved ones wake on the second");
	for (int i = 0; i < 3; i++)
		pthread_join(w[i].th, NULL);
	CHECK(w[0].ret == 0 && w[1].ret == 0 && w[2].ret == 0, "  and all three FUTEX_WAITs returned 0");

	struct waiter p = {.word = &f1, .op = FUTEX_WAIT_PRIVATE, .val = 0};
	start(&p);
	CHECK(fx(&f1, FUTEX_REQUEUE_PRIVATE, 0, (void *)1L, &f2, 0) == 1, "FUTEX_REQUEUE moves without comparing");
	CHECK(fx(&f2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 1, "  and a wake on the second word finds it");
	pthread_join(p.th, NULL);
}

static void check_wake_op(void)
{
	static uint32_t a = 0, b = 5;
	struct waiter wa = {.word = &a, .op = FUTEX_WAIT_PRIVATE, .val = 0};
	struct waiter wb = {.word = &b, .op = FUTEX_WAIT_PRIVATE, .val = 5};
	start(&wa);
	start(&wb);
	/* b = 7 if it was 5, then wake a's waiter and (5 == 5) b's. */
	uint32_t op = FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 5);
	CHECK(fx(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &b, op) == 2, "FUTEX_WAKE_OP wakes on both words when the comparison holds");
	CHECK(b == 7, "  and set the second word to 7 (%u)", b);
	pthread_join(wa.th, NULL);
	pthread_join(wb.th, NULL);
	op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 100);
	CHECK(fx(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &b, op) == 0 && b == 10, "FUTEX_OP_ADD: 7 + 3, and 7 > 100 wakes nobody");
	op = FUTEX_OP(FUTEX_OP_OR, 4, FUTEX_OP_CMP_EQ, 0) | (FUTEX_OP_OPARG_SHIFT << 28);
	fx(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &b, op);
	CHECK(b == (10 | 16), "FUTEX_OP_OR with FUTEX_OP_OPARG_SHIFT: 10 | 1<<4 (%u)", b);
	CHECK_ERR(fx(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &b, 7u << 28), ENOSYS, "an unknown FUTEX_WAKE_OP op: ENOSYS");
	CHECK_ERR(fx(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, (uint32_t *)8, FUTEX_OP(0, 0, 0, 0)), EFAULT,
		  "FUTEX_WAKE_OP on a bad second address: EFAULT");
}

/* Condition variables in anger: many waiters, broadcasts and signals. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int round_no, arrived;

static void *cv_thread(void *arg)
{
	(void)arg;
	for (int r = 1; r <= 200; r++) {
		pthread_mutex_lock(&mu);
		arrived++;
		pthread_cond_broadcast(&cv);
		while (round_no < r)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void check_condvar(void)
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, cv_thread, NULL);
	for (int r = 1; r <= 200; r++) {
		pthread_mutex_lock(&mu);
		while (arrived < 4 * r)
			pthread_cond_wait(&cv, &mu);
		round_no = r;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(round_no == 200, "200 rounds of a barrier built from a condition variable, 5 threads");
}

static void check_pi(void)
{
	static uint32_t m = 0;
	pid_t me = gettid_();
	CHECK(fx(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0 && (m & FUTEX_TID_MASK) == (uint32_t)me,
	      "FUTEX_LOCK_PI on a free lock: the word holds our tid");
	CHECK_ERR(fx(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "FUTEX_LOCK_PI of a lock we hold: EDEADLK");
	CHECK_ERR(fx(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "FUTEX_TRYLOCK_PI of a lock we hold: EDEADLK");
	struct waiter w = {.word = &m, .op = FUTEX_LOCK_PI_PRIVATE};
	start(&w);
	CHECK(m & FUTEX_WAITERS, "a second locker waits in the kernel and sets FUTEX_WAITERS (0x%x)", m);
	CHECK(!w.done, "  and has not got it");
	struct waiter u = {.word = &m, .op = FUTEX_UNLOCK_PI_PRIVATE};
	start(&u);
	pthread_join(u.th, NULL);
	CHECK(u.ret == -1 && u.err == EPERM, "FUTEX_UNLOCK_PI by a thread that does not own it: EPERM");
	CHECK(fx(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0, "FUTEX_UNLOCK_PI by the owner");
	pthread_join(w.th, NULL);
	CHECK(w.ret == 0 && (m & FUTEX_TID_MASK) == (uint32_t)w.tid,
	      "  hands the lock to the waiter: it returns 0 and the word holds its tid (0x%x)", m);
	m = 0;
	CHECK(fx(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0 && (m & FUTEX_TID_MASK) == (uint32_t)me,
	      "FUTEX_TRYLOCK_PI of a free lock takes it");
	struct waiter tw = {.word = &m, .op = FUTEX_TRYLOCK_PI_PRIVATE};
	start(&tw);
	pthread_join(tw.th, NULL);
	CHECK(tw.ret == -1 && tw.err == EAGAIN, "FUTEX_TRYLOCK_PI of a held lock: EAGAIN (%s)", strerror(tw.err));
	fx(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	CHECK(m == 0, "an unlock with nobody waiting leaves the word 0");
	m = 0x3ffffff0; /* an owner that does not exist */
	CHECK_ERR(fx(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH, "FUTEX_LOCK_PI on a lock owned by no thread: ESRCH");
	m = 0;
}

/* musl's PTHREAD_PRIO_INHERIT mutexes are built on LOCK_PI. */
static pthread_mutex_t pim;
static long counter;

static void *pi_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&pim);
		counter++;
		if (i % 100 == 0)
			sched_yield();
		pthread_mutex_unlock(&pim);
	}
	return NULL;
}

static void check_pi_mutex(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	if (pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) != 0) {
		t_skip("this C library has no priority-inheritance mutexes");
		return;
	}
	pthread_mutex_init(&pim, &a);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, pi_thread, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(counter == 8000, "4 threads x 2000 locks of a PTHREAD_PRIO_INHERIT mutex: %ld", counter);
}

static void check_requeue_pi(void)
{
	static uint32_t cond = 0, m = 0;
	CHECK(fx(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0, "the PI lock taken for a requeue");
	struct waiter w = {.word = &cond, .op = FUTEX_WAIT_REQUEUE_PI_PRIVATE, .val = 0, .word2 = &m};
	start(&w);
	CHECK_ERR(fx(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, (void *)1L, &m, 0), EINVAL, "FUTEX_CMP_REQUEUE_PI waking 2: EINVAL");
	CHECK_ERR(fx(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1L, &m, 9), EAGAIN, "  with a stale val3: EAGAIN");
	CHECK(fx(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1L, &m, 0) == 1,
	      "FUTEX_CMP_REQUEUE_PI moves the waiter onto the held lock");
	CHECK(m & FUTEX_WAITERS, "  which now says it has waiters (0x%x)", m);
	CHECK(!w.done, "  and the waiter still waits");
	fx(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pthread_join(w.th, NULL);
	CHECK(w.ret == 0 && (m & FUTEX_TID_MASK) == (uint32_t)w.tid,
	      "  the unlock hands it the lock: FUTEX_WAIT_REQUEUE_PI returns 0 owning it (ret %ld, 0x%x)", w.ret, m);
	CHECK_ERR(fx(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &cond, 0), EINVAL,
		  "FUTEX_WAIT_REQUEUE_PI with both words the same: EINVAL");
	m = 0;
}

/* The kernel's walk of a dying thread's robust list. */
struct robust_lock {
	struct robust_lock *next; /* the list entry */
	uint32_t word;
};

static struct robust_list_head rhead;
static struct robust_lock rlock, plock;
static volatile pid_t robust_tid;

static void *robust_thread(void *arg)
{
	(void)arg;
	pid_t me = gettid_();
	rhead.list.next = (struct robust_list *)&rlock;
	rlock.next = (struct robust_lock *)((uintptr_t)&plock | 1); /* a PI lock next */
	plock.next = (struct robust_lock *)&rhead;
	rhead.futex_offset = offsetof(struct robust_lock, word);
	rhead.list_op_pending = NULL;
	syscall(SYS_set_robust_list, &rhead, sizeof rhead);
	rlock.word = me;
	fx(&plock.word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(&robust_tid, me, __ATOMIC_SEQ_CST);
	ms_sleep(100);
	syscall(SYS_exit, 0); /* dies holding both, past the C library */
	return NULL;
}

static void check_robust(void)
{
	struct robust_list_head *h;
	size_t len = 0;
	CHECK(syscall(SYS_get_robust_list, 0, &h, &len) == 0 && len == sizeof(struct robust_list_head),
	      "get_robust_list(0): the head the C library set, %zu bytes", len);
	CHECK_ERR(syscall(SYS_set_robust_list, &rhead, 23), EINVAL, "set_robust_list with a wrong size: EINVAL");
	CHECK_ERR(syscall(SYS_get_robust_list, 0x3ffffff0, &h, &len), ESRCH, "get_robust_list of a missing thread: ESRCH");
	CHECK_ERR(syscall(SYS_get_robust_list, 0, NULL, &len), EFAULT, "get_robust_list into NULL: EFAULT");

	pthread_t th;
	pthread_create(&th, NULL, robust_thread, NULL);
	while (!__atomic_load_n(&robust_tid, __ATOMIC_SEQ_CST))
		sched_yield();
	/* Wait on the plain lock (FUTEX_WAITERS set, as a mutex does) and on the PI one. */
	uint32_t v = rlock.word;
	__atomic_compare_exchange_n(&rlock.word, &v, v | FUTEX_WAITERS, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	/* Shared, not private: the dying thread's wake is a shared one on Linux. */
	struct timespec ts = {10, 0};
	long r = fx(&rlock.word, FUTEX_WAIT, v | FUTEX_WAITERS, &ts, NULL, 0);
	CHECK(r == 0 || errno == EAGAIN, "a waiter on a dead thread's robust lock is woken (%ld, %s)", r, strerror(errno));
	CHECK(rlock.word == (FUTEX_OWNER_DIED | FUTEX_WAITERS),
	      "  and the word says FUTEX_OWNER_DIED with no owner (0x%x)", rlock.word);
	r = fx(&plock.word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	CHECK(r == 0 && (plock.word & FUTEX_TID_MASK) == (uint32_t)gettid_() && (plock.word & FUTEX_OWNER_DIED),
	      "FUTEX_LOCK_PI of the dead thread's PI lock: ours, with FUTEX_OWNER_DIED (0x%x)", plock.word);
	/* No pthread_join: the thread left without telling the C library. */
	pthread_detach(th);
}

static void check_bad_input(void)
{
	uint32_t w = 0;
	CHECK_ERR(fx(&w, 99, 0, NULL, NULL, 0), ENOSYS, "an unknown futex op: ENOSYS");
	CHECK_ERR(fx(&w, FUTEX_FD, 0, NULL, NULL, 0), ENOSYS, "FUTEX_FD (gone from Linux): ENOSYS");
	CHECK_ERR(fx(&w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS, "FUTEX_WAKE with FUTEX_CLOCK_REALTIME: ENOSYS");
	CHECK_ERR(fx((uint32_t *)((char *)&w + 1), FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL, "a misaligned address: EINVAL");
	CHECK_ERR(fx((uint32_t *)16, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "FUTEX_WAIT at a bad address: EFAULT");
	CHECK_ERR(fx(&w, FUTEX_WAIT, 0, (void *)16, NULL, 0), EFAULT, "a bad timeout pointer: EFAULT");
	struct timespec bad = {0, 1000000000};
	CHECK_ERR(fx(&w, FUTEX_WAIT, 0, &bad, NULL, 0), EINVAL, "a timeout of 10^9 ns: EINVAL");
	struct timespec neg = {-1, 0};
	CHECK_ERR(fx(&w, FUTEX_WAIT, 0, &neg, NULL, 0), EINVAL, "a negative timeout: EINVAL");
	CHECK_ERR(fx((uint32_t *)16, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EFAULT, "FUTEX_LOCK_PI at a bad address: EFAULT");
	CHECK(fx(&w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0, "FUTEX_WAKE of INT_MAX with nobody waiting: 0");
}

int main(void)
{
	check_timeouts();
	check_bitsets();
	check_requeue();
	check_wake_op();
	check_condvar();
	check_pi();
	check_pi_mutex();
	check_requeue_pi();
	check_robust();
	check_bad_input();
	return t_done();
}
