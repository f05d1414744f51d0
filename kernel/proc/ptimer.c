/*
 * Process timers (ptimer.h). Each timer is a small task, like the alarm
 * (alarm.c): it sleeps on a kernel timer until its expiry, reading its
 * clock again when it wakes, and sends its signal. A timer on a wall clock
 * sleeps until the expiry as the TSC sees it (looked at again on each
 * wake, so a clock_settime is followed then); one on a CPU-time clock
 * sleeps for the CPU time left (it cannot pass faster than that) and
 * looks again.
 *
 * Ownership: a timer names its process by pid, so its task never touches
 * a freed process; the process's list (proc.ptimers, under proc.lock)
 * holds it, and a deleted timer's task frees it once it has seen the
 * deletion. A timer's own fields are under its lock.
 *
 * Overruns: while its last signal is still pending, an expiry adds to that
 * signal's si_overrun instead of queueing another (sigqueue_timer_merge);
 * timer_getoverrun gives the count of the last signal taken.
 */
#include "proc/ptimer.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/sigframe.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/time.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define NSEC 1000000000UL
#define CPU_POLL_MIN_NS 1000000UL /* a CPU-time timer looks at its clock at most this often */

i32 tai_offset; /* [a] */

struct ptimer {
	struct task task;
	struct timer timer;
	struct spinlock lock;
	struct list_node node; /* [proc.lock] in proc.ptimers */
	u32 pid;               /* [I] */
	int id;                /* [I] */
	struct ptimer_spec s;  /* [I] */
	u64 expires;           /* [lock] next expiry on its clock; 0: disarmed */
	u64 interval;          /* [lock] */
	i32 overrun;           /* [lock] the last taken signal's */
	bool deleted;          /* [lock] */
};

static bool cpu_clock(int clock)
{
	return clock < 0;
}

long ptimer_clock_now(int clock, u64 *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
		*ns = realtime_ns();
		return 0;
	case CLOCK_TAI:
		*ns = realtime_ns() + (u64)((i64)__atomic_load_n(&tai_offset, __ATOMIC_RELAXED) * (i64)NSEC);
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		*ns = tsc_ns();
		return 0;
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		/* No wake-up alarm device: Linux without an RTC that can wake says the same. */
		return -EINVAL;
	default:
		return cpu_clock(clock) || clock == 2 || clock == 3 ? cpuclock_read(clock, ns) : -EINVAL;
	}
}

/* Send the expiry's signal: n expiries since the last one sent. */
static void fire(struct ptimer *t, u64 n)
{
	if (t->s.notify == SIGEV_NONE)
		return;
	struct siginfo64 info = {.si_signo = t->s.signo, .si_code = SI_TIMER};
	bool itimer = t->id < 0;
	if (itimer) {
		info.si_code = SI_KERNEL;
	} else {
		info.f.timer.tid = t->id;
		info.f.timer.overrun = (i32)MIN(n - 1, (u64)0x7fffffff);
		info.f.timer.value = t->s.value;
	}
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(t->pid);
	if (p && p->state == PROC_ALIVE && !__atomic_load_n(&p->exiting, __ATOMIC_RELAXED)) {
		if (itimer || !sigqueue_timer_merge(p, t->id, n)) {
			struct thread *target = NULL;
			spin_lock(&p->lock);
			if (t->s.notify & SIGEV_THREAD_ID)
				target = proc_thread_locked(p, t->s.tid);
			if (target)
				signal_send_thread_info(target, &info, false);
			spin_unlock(&p->lock);
			if (!target) /* to the process; a SIGEV_THREAD_ID thread that is gone too */
				signal_send_proc_info(p, &info, false);
		}
	}
	spin_unlock(&proc_tree_lock);
}

static enum poll_result ptimer_poll(struct task *task)
{
	struct ptimer *t = container_of(task, struct ptimer, task);
	for (;;) {
		spin_lock(&t->lock);
		bool deleted = t->deleted;
		u64 expires = t->expires;
		spin_unlock(&t->lock);
		if (deleted) {
			timer_cancel(&t->timer);
			return READY;
		}
		u64 now;
		if (!expires || ptimer_clock_now(t->s.clock, &now) < 0) {
			timer_cancel(&t->timer);
			return PENDING; /* disarmed (or its thread is gone): ptimer_set wakes it */
		}
		if (now < expires) {
			u64 left = expires - now;
			if (cpu_clock(t->s.clock))
				left = MAX(left, CPU_POLL_MIN_NS);
			u64 mono = tsc_ns();
			timer_arm(&t->timer, task, left > ~0UL - mono ? ~0UL : mono + left);
			return PENDING;
		}
		u64 n = 0;
		spin_lock(&t->lock);
		if (t->expires == expires) { /* not re-armed meanwhile */
			n = 1;
			if (t->interval) {
				n += (now - expires) / t->interval;
				t->expires = expires + n * t->interval;
			} else {
				t->expires = 0;
			}
		}
		spin_unlock(&t->lock);
		if (n)
			fire(t, n);
	}
}

static void ptimer_free(struct task *task)
{
	kfree(container_of(task, struct ptimer, task));
}

/* Timer id of p; caller holds p->lock. */
static struct ptimer *find_locked(struct proc *p, int id)
{
	assert(spin_is_locked(&p->lock));
	struct list_node *pos;
	list_for_each(pos, &p->ptimers)
	{
		struct ptimer *t = container_of(pos, struct ptimer, node);
		if (t->id == id)
			return t;
	}
	return NULL;
}

int ptimer_create(struct proc *p, int id, const struct ptimer_spec *s, int *out)
{
	struct ptimer *t = knew(struct ptimer);
	if (!t)
		return -ENOMEM;
	t->lock = (struct spinlock)SPINLOCK_INIT;
	t->pid = p->pid;
	t->s = *s;
	task_init(&t->task, "ptimer", ptimer_poll, ptimer_free);
	spin_lock(&p->lock);
	u32 n = 0;
	struct list_node *pos;
	list_for_each(pos, &p->ptimers)
		n++;
	if (n >= proc_rlimit_cur(p, RLIMIT_SIGPENDING)) {
		spin_unlock(&p->lock);
		kfree(t);
		return -EAGAIN;
	}
	if (id >= 0) {
		/* The lowest id not in use, as Linux hands them out per process. */
		for (id = 0; find_locked(p, id); id++)
			;
	}
	t->id = id;
	if (s->value_is_id)
		t->s.value = (u64)id;
	list_push_back(&p->ptimers, &t->node);
	spin_unlock(&p->lock);
	task_spawn(&t->task, -1); /* finds itself disarmed and waits */
	*out = id;
	return 0;
}

/*
 * The time on timer id's clock, read before p->lock is taken (reading a
 * CPU clock takes the process tree's lock and p's own): 0, or -EINVAL for
 * no such timer. The timer may go meanwhile; the caller looks it up again.
 */
static long clock_of(struct proc *p, int id, u64 *now)
{
	spin_lock(&p->lock);
	struct ptimer *t = find_locked(p, id);
	int clock = t ? t->s.clock : 0;
	spin_unlock(&p->lock);
	if (!t)
		return -EINVAL;
	if (ptimer_clock_now(clock, now) < 0)
		*now = 0; /* its thread is gone: the timer counts nothing more */
	return 0;
}

/* What is left of t at now (0: disarmed; 1 ns if due). */
static u64 left_of(struct ptimer *t, u64 now)
{
	spin_lock(&t->lock);
	u64 expires = t->expires;
	spin_unlock(&t->lock);
	if (!expires)
		return 0;
	return expires > now ? expires - now : 1;
}

long ptimer_set(struct proc *p, int id, u64 value, u64 interval, bool abs, u64 *old_value,
		u64 *old_interval)
{
	u64 now;
	if (clock_of(p, id, &now) < 0)
		return -EINVAL;
	spin_lock(&p->lock);
	struct ptimer *t = find_locked(p, id);
	if (!t) {
		spin_unlock(&p->lock);
		return -EINVAL;
	}
	if (old_value)
		*old_value = left_of(t, now);
	spin_lock(&t->lock);
	if (old_interval)
		*old_interval = t->interval;
	if (!value)
		t->expires = 0;
	else if (abs)
		t->expires = value;
	else
		t->expires = value > ~0UL - now ? ~0UL : now + value;
	t->interval = value ? interval : 0;
	t->overrun = 0;
	spin_unlock(&t->lock);
	task_wake(&t->task); /* look at the new expiry */
	spin_unlock(&p->lock);
	return 0;
}

long ptimer_get(struct proc *p, int id, u64 *value, u64 *interval)
{
	u64 now;
	if (clock_of(p, id, &now) < 0)
		return -EINVAL;
	spin_lock(&p->lock);
	struct ptimer *t = find_locked(p, id);
	if (t) {
		*value = left_of(t, now);
		spin_lock(&t->lock);
		*interval = t->interval;
		spin_unlock(&t->lock);
	}
	spin_unlock(&p->lock);
	return t ? 0 : -EINVAL;
}

long ptimer_overrun(struct proc *p, int id)
{
	spin_lock(&p->lock);
	struct ptimer *t = find_locked(p, id);
	long r = -EINVAL;
	if (t) {
		spin_lock(&t->lock);
		r = t->overrun;
		spin_unlock(&t->lock);
	}
	spin_unlock(&p->lock);
	return r;
}

void ptimer_delivered(struct proc *p, int id, int overrun)
{
	spin_lock(&p->lock);
	struct ptimer *t = find_locked(p, id);
	if (t) {
		spin_lock(&t->lock);
		t->overrun = overrun;
		spin_unlock(&t->lock);
	}
	spin_unlock(&p->lock);
}

/* Take t off its process's list (p->lock held) and let its task end. */
static void delete_locked(struct ptimer *t)
{
	list_remove(&t->node);
	spin_lock(&t->lock);
	t->deleted = true;
	spin_unlock(&t->lock);
	task_wake(&t->task);
}

long ptimer_delete(struct proc *p, int id)
{
	spin_lock(&p->lock);
	struct ptimer *t = find_locked(p, id);
	if (t)
		delete_locked(t);
	spin_unlock(&p->lock);
	return t ? 0 : -EINVAL;
}

static void delete_where(struct proc *p, bool all)
{
	spin_lock(&p->lock);
	struct list_node *pos = p->ptimers.next;
	while (pos != &p->ptimers) {
		struct ptimer *t = container_of(pos, struct ptimer, node);
		pos = pos->next;
		if (all || t->id >= 0)
			delete_locked(t);
	}
	spin_unlock(&p->lock);
}

void ptimer_exec(struct proc *p)
{
	delete_where(p, false);
}

void ptimer_exit(struct proc *p)
{
	delete_where(p, true);
}
