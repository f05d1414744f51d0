/*
 * Scheduling calls: priorities and the cores a thread may run on.
 *
 * Priority: Ferry's settickets, and Linux's nice values
 * (getpriority/setpriority, what nice, renice and top use) mapped onto
 * the same lottery tickets. A process's tickets (p->tickets, under
 * p->lock) are the one truth; its nice value is read back from them.
 *
 * Nice 0 holds TASK_DEFAULT_TICKETS; each step down gives 1.25 times the
 * tickets, each step up 1/1.25, as a nice step is about a 10% share of the
 * processor on Linux. Nice -20 holds about 87 times the default, nice 19
 * one ticket.
 *
 * Privilege: raising a process's tickets above the default share (or
 * lowering its nice value) needs CAP_SYS_NICE, as does changing another
 * user's process (cred_may_renice).
 *
 * Affinity (sched_setaffinity, taskset): a thread whose mask leaves out
 * some core is pinned to one core of its mask (thread_place); Ferry does
 * not balance a thread among a subset of cores. A thread changes its own
 * placement; another thread's request waits in its affinity_changed until
 * it next runs in the kernel's executor (a wait, a yield, a quantum's end).
 */
#include "proc/proc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "arch/x86_64/cpu.h"
#include "mm/domain.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"
#include "proc/unsupported.h"

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#define NICE_MIN (-20)
#define NICE_MAX 19

static u32 nice_to_tickets(int nice)
{
	u64 t = (u64)TASK_DEFAULT_TICKETS << 16; /* 16.16 fixed point */
	for (int i = 0; i < (nice < 0 ? -nice : nice); i++)
		t = nice < 0 ? t * 5 / 4 : t * 4 / 5;
	t = (t + (1 << 15)) >> 16;
	return t ? (u32)t : 1;
}

/* nice_to_tickets(nice) at [nice - NICE_MIN]; filled on first use (same values on any core). */
static u32 tickets_of_nice[NICE_MAX - NICE_MIN + 1];

/* The nice value whose tickets are nearest n (by ratio: the lottery's odds). */
static int tickets_to_nice(u32 n)
{
	int best = 0;
	u64 best_err = ~0ULL;
	for (int nice = NICE_MIN; nice <= NICE_MAX; nice++) {
		u32 *slot = &tickets_of_nice[nice - NICE_MIN];
		u64 t = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (!t) {
			t = nice_to_tickets(nice);
			__atomic_store_n(slot, (u32)t, __ATOMIC_RELAXED);
		}
		/* |log(n/t)| compares as max(n,t)/min(n,t), in 16.16 */
		u64 err = (MAX(n, t) << 16) / MIN(n, t);
		if (err < best_err)
			best_err = err, best = nice;
	}
	return best;
}

int proc_nice(struct proc *p)
{
	return tickets_to_nice(__atomic_load_n(&p->tickets, __ATOMIC_RELAXED));
}

u32 sched_policy_tickets(struct thread *t, u32 proc_tickets);

static void set_tickets(struct proc *p, u32 n)
{
	spin_lock(&p->lock);
	p->tickets = n;
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		/* A thread already queued keeps its old draw weight until it next waits. */
		__atomic_store_n(&t->task.tickets, sched_policy_tickets(t, n), __ATOMIC_RELAXED);
	}
	spin_unlock(&p->lock);
}

/*
 * settickets: up to the default share, or as many as the process holds
 * already, for anyone; more with CAP_SYS_NICE.
 */
SYSCALL(SYS_settickets, settickets)
{
	int n = (int)a0;
	if (n < 1 || n > 1000000)
		return -EINVAL;
	struct proc *p = cur_proc();
	u32 have = __atomic_load_n(&p->tickets, __ATOMIC_RELAXED);
	if ((u64)n > MAX(have, TASK_DEFAULT_TICKETS) && !cred_capable(cur_cred(), CAP_SYS_NICE))
		return -EPERM;
	set_tickets(p, (u32)n);
	return 0;
}

/* Does p fall under (which, who)? PRIO_USER: who is a real uid (0: the caller's). */
static bool selected(struct proc *p, int which, u32 who, struct proc *me)
{
	if (p->state != PROC_ALIVE)
		return false;
	switch (which) {
	case PRIO_PROCESS:
		return p->pid == (who ? who : me->pid);
	case PRIO_PGRP:
		return p->pgid == (who ? who : me->pgid);
	default: { /* PRIO_USER */
		struct cred *c = proc_cred_get(p);
		bool mine = c->uid == (who ? who : cur_cred()->uid);
		cred_put(c);
		return mine;
	}
	}
}

/*
 * Visit the processes (which, who) names, under proc_tree_lock; -ESRCH if
 * none. Set: give each tickets (nice its value) where the caller may,
 * else the last refusal (setpriority(2): EPERM for another user's, EACCES
 * for a lower nice value without CAP_SYS_NICE); get: the highest priority
 * (lowest nice) among them.
 */
static long for_selected(int which, u32 who, bool set, int nice, int *nice_out)
{
	if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
		return -EINVAL;
	struct proc *me = cur_proc();
	const struct cred *cred = cur_cred();
	int found = 0, best = NICE_MAX;
	long r = -ESRCH;
	spin_lock(&proc_tree_lock);
	/* One process by pid needs no walk over the table. */
	u32 from = 1, to = PID_MAX;
	if (which == PRIO_PROCESS)
		from = who ? who : me->pid, to = from < PID_MAX ? from + 1 : from;
	for (u32 i = from; i < to; i++) {
		struct proc *p = proc_find(i);
		if (!p || !selected(p, which, who, me))
			continue;
		found++;
		int now = tickets_to_nice(__atomic_load_n(&p->tickets, __ATOMIC_RELAXED));
		if (!set) {
			best = MIN(best, now);
		} else if (!proc_may_renice(cred, p)) {
			r = -EPERM;
		} else if (nice < now && !cred_capable(cred, CAP_SYS_NICE)) {
			r = -EACCES;
		} else {
			if (r == -ESRCH)
				r = 0;
			set_tickets(p, nice_to_tickets(nice));
		}
	}
	spin_unlock(&proc_tree_lock);
	if (!found)
		return -ESRCH;
	if (set)
		return r;
	if (nice_out)
		*nice_out = best;
	return 0;
}

/* The kernel's getpriority returns 20 - nice (1..40), never negative; libc turns it back. */
SYSCALL(NR_getpriority, getpriority)
{
	int nice;
	long r = for_selected((int)a0, (u32)a1, false, 0, &nice);
	return r < 0 ? r : 20 - nice;
}

SYSCALL(NR_setpriority, setpriority)
{
	int nice = (int)a2;
	nice = nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice; /* clamped, as Linux does */
	return for_selected((int)a0, (u32)a1, true, nice, NULL);
}

/*
 * The live thread tid names: the caller for 0 or its own tid, one of the
 * caller's threads, or a process's first thread (a zombie has none).
 * tid is a pid_t: 32 bits, as Linux reads it, so 1UL << 32 is 0 (the
 * caller) and a negative one names nobody. Unless it is the caller, it
 * comes back with its process's lock held (*pp), which keeps it in the
 * process's list; *pp stays NULL for the caller.
 */
static struct thread *find_thread_locked(i32 tid, struct proc **pp)
{
	assert(spin_is_locked(&proc_tree_lock));
	struct thread *me = current_thread();
	*pp = NULL;
	if (tid == 0 || (u32)tid == me->tid)
		return me;
	if (tid < 0)
		return NULL;
	struct proc *cands[2] = {me->proc, proc_find((u32)tid)};
	for (int i = 0; i < 2; i++) {
		struct proc *p = cands[i];
		if (!p || p->state != PROC_ALIVE)
			continue;
		spin_lock(&p->lock);
		struct thread *t = proc_thread_locked(p, (u32)tid);
		if (t) {
			*pp = p;
			return t;
		}
		spin_unlock(&p->lock);
	}
	return NULL;
}

SYSCALL(NR_sched_setaffinity, sched_setaffinity)
{
	u32 len = (u32)a1; /* an unsigned int, as Linux reads it */
	u64 mask = 0;
	if (copy_from_domain(cur_dom(), &mask, a2, MIN(len, sizeof mask)) < 0)
		return -EFAULT;
	mask &= cpus_online_mask();
	if (!mask)
		return -EINVAL; /* no core it names is online */
	u64 want = mask == cpus_online_mask() ? 0 : mask; /* 0: every core, the default */
	struct thread *me = current_thread();
	i32 tid = (i32)a0; /* a pid_t, as Linux reads it */
	if (tid == 0 || (u32)tid == me->tid) {
		me->affinity = want;
		if (thread_place(me)) {
			thread_live_frame()->rax = 0;
			thread_leave(LEAVE_YIELD); /* the executor moves it to its new core */
		}
		return 0;
	}
	struct proc *p;
	spin_lock(&proc_tree_lock);
	struct thread *t = find_thread_locked(tid, &p);
	long r = t ? 0 : -ESRCH;
	if (t && p && !cred_may_renice(cur_cred(), p->cred)) /* p->lock held: its cred stays */
		r = -EPERM;
	else if (t) {
		__atomic_store_n(&t->affinity, want, __ATOMIC_RELAXED);
		__atomic_store_n(&t->affinity_changed, true, __ATOMIC_RELEASE);
		thread_kick(t); /* a parked thread looks at once */
	}
	if (p)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_sched_getaffinity, sched_getaffinity)
{
	u32 len = (u32)a1;
	if (len < 8 || (len & 7))
		return -EINVAL;
	struct proc *p;
	spin_lock(&proc_tree_lock);
	struct thread *t = find_thread_locked((i32)a0, &p);
	u64 mask = t ? __atomic_load_n(&t->affinity, __ATOMIC_RELAXED) : 0;
	if (p)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	if (!t)
		return -ESRCH;
	if (!mask)
		mask = cpus_online_mask();
	if (copy_to_domain(cur_dom(), a2, &mask, sizeof mask) < 0)
		return -EFAULT;
	return sizeof mask;
}


/* getcpu(2): the core the caller runs on now; one NUMA node. */
SYSCALL(NR_getcpu, getcpu)
{
	struct domain *d = cur_dom();
	u32 cpu = this_cpu()->index, node = 0;
	if ((a0 && copy_to_domain(d, a0, &cpu, sizeof cpu) < 0) ||
	    (a1 && copy_to_domain(d, a1, &node, sizeof node) < 0))
		return -EFAULT;
	return 0;
}

/*
 * Scheduling policies on the lottery. Linux's SCHED_FIFO and SCHED_RR
 * run before every normal thread; a lottery has no "before", so they
 * become weights: a real-time thread of priority p draws with 10000 +
 * 1000 p tickets, more than nice -20 gives (8674), so it wins nearly
 * every draw against normal threads and higher priorities win more often
 * than lower ones; but a normal thread still wins now and then (no
 * starvation, and no strict FIFO order among equals). SCHED_IDLE draws
 * with one ticket; SCHED_BATCH is SCHED_OTHER (its nice value's tickets).
 * SCHED_DEADLINE is not offered (EINVAL, logged).
 */
enum { SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE };
#define SCHED_RESET_ON_FORK 0x40000000
#define RR_INTERVAL_NS (100 * 1000000UL) /* Linux's SCHED_RR time slice */
#define QUANTUM_NS (10 * 1000000UL)      /* a normal thread's turn (thread.c) */

static bool policy_ok(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_BATCH || policy == SCHED_IDLE;
}

static bool rt(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

u32 sched_policy_tickets(struct thread *t, u32 proc_tickets)
{
	int policy = __atomic_load_n(&t->sched_policy, __ATOMIC_RELAXED);
	if (rt(policy))
		return 10000 + 1000 * __atomic_load_n(&t->rt_prio, __ATOMIC_RELAXED);
	if (policy == SCHED_IDLE)
		return 1;
	return proc_tickets;
}

/* Give thread tid (0: the caller) policy at priority prio; a nice value too for normal ones. */
static long set_policy(int tid, int policy, int prio, bool reset, bool set_nice, int nice)
{
	if (tid < 0)
		return -EINVAL;
	if (policy == SCHED_DEADLINE) {
		unsupported("sched policy", (u64)policy);
		return -EINVAL;
	}
	if (!policy_ok(policy))
		return -EINVAL;
	if (rt(policy) ? prio < 1 || prio > 99 : prio != 0)
		return -EINVAL;
	if (set_nice && (nice < NICE_MIN || nice > NICE_MAX))
		return -EINVAL;
	struct proc *p = NULL;
	spin_lock(&proc_tree_lock);
	struct thread *t = find_thread_locked((u32)tid, &p);
	if (t) {
		struct proc *owner = t->proc;
		if (set_nice && !rt(policy) && policy != SCHED_IDLE)
			__atomic_store_n(&owner->tickets, nice_to_tickets(nice), __ATOMIC_RELAXED);
		__atomic_store_n(&t->sched_policy, (u8)policy, __ATOMIC_RELAXED);
		__atomic_store_n(&t->rt_prio, (u8)prio, __ATOMIC_RELAXED);
		__atomic_store_n(&t->sched_reset_on_fork, reset, __ATOMIC_RELAXED);
		u32 tickets = sched_policy_tickets(t, __atomic_load_n(&owner->tickets, __ATOMIC_RELAXED));
		__atomic_store_n(&t->task.tickets, tickets, __ATOMIC_RELAXED);
	}
	if (p)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return t ? 0 : -ESRCH;
}

/* Read thread tid's policy, priority and reset flag. */
static long get_policy(int tid, int *policy, int *prio, bool *reset, int *nice)
{
	if (tid < 0)
		return -EINVAL;
	struct proc *p = NULL;
	spin_lock(&proc_tree_lock);
	struct thread *t = find_thread_locked((u32)tid, &p);
	if (t) {
		*policy = __atomic_load_n(&t->sched_policy, __ATOMIC_RELAXED);
		*prio = __atomic_load_n(&t->rt_prio, __ATOMIC_RELAXED);
		*reset = __atomic_load_n(&t->sched_reset_on_fork, __ATOMIC_RELAXED);
		*nice = proc_nice(t->proc);
	}
	if (p)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return t ? 0 : -ESRCH;
}

SYSCALL(NR_sched_getscheduler, sched_getscheduler)
{
	int policy, prio, nice;
	bool reset;
	long r = get_policy((int)a0, &policy, &prio, &reset, &nice);
	return r < 0 ? r : policy | (reset ? SCHED_RESET_ON_FORK : 0);
}

SYSCALL(NR_sched_setscheduler, sched_setscheduler)
{
	int policy = (int)a1, prio;
	if (policy < 0 || !a2)
		return -EINVAL;
	if (copy_from_domain(cur_dom(), &prio, a2, sizeof prio) < 0)
		return -EFAULT;
	bool reset = policy & SCHED_RESET_ON_FORK;
	return set_policy((int)a0, policy & ~SCHED_RESET_ON_FORK, prio, reset, false, 0);
}

SYSCALL(NR_sched_getparam, sched_getparam)
{
	int policy, prio, nice;
	bool reset;
	if (!a1 || (int)a0 < 0)
		return -EINVAL;
	long r = get_policy((int)a0, &policy, &prio, &reset, &nice);
	if (r < 0)
		return r;
	return copy_to_domain(cur_dom(), a1, &prio, sizeof prio) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_sched_setparam, sched_setparam)
{
	int policy, prio, nice, want;
	bool reset;
	if (!a1 || (int)a0 < 0)
		return -EINVAL;
	if (copy_from_domain(cur_dom(), &want, a1, sizeof want) < 0)
		return -EFAULT;
	long r = get_policy((int)a0, &policy, &prio, &reset, &nice);
	return r < 0 ? r : set_policy((int)a0, policy, want, reset, false, 0);
}

SYSCALL(NR_sched_get_priority_max, sched_get_priority_max)
{
	int policy = (int)a0;
	return rt(policy) ? 99 : policy_ok(policy) || policy == SCHED_DEADLINE ? 0 : -EINVAL;
}

SYSCALL(NR_sched_get_priority_min, sched_get_priority_min)
{
	int policy = (int)a0;
	return rt(policy) ? 1 : policy_ok(policy) || policy == SCHED_DEADLINE ? 0 : -EINVAL;
}

SYSCALL(NR_sched_rr_get_interval, sched_rr_get_interval)
{
	int policy, prio, nice;
	bool reset;
	long r = get_policy((int)a0, &policy, &prio, &reset, &nice);
	if (r < 0)
		return r;
	u64 ns = policy == SCHED_FIFO ? 0 : policy == SCHED_RR ? RR_INTERVAL_NS : QUANTUM_NS;
	i64 ts[2] = {(i64)(ns / 1000000000UL), (i64)(ns % 1000000000UL)};
	return copy_to_domain(cur_dom(), a1, ts, sizeof ts) < 0 ? -EFAULT : 0;
}

/* struct sched_attr (linux/sched/types.h), with the utilization clamps of its second size. */
struct sched_attr {
	u32 size, sched_policy;
	u64 sched_flags;
	i32 sched_nice;
	u32 sched_priority;
	u64 sched_runtime, sched_deadline, sched_period;
	u32 sched_util_min, sched_util_max;
};
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10

SYSCALL(NR_sched_setattr, sched_setattr)
{
	struct domain *d = cur_dom();
	struct sched_attr at = {0};
	u32 size;
	if ((u32)a2)
		return -EINVAL;
	if (!a1 || (int)a0 < 0)
		return -EINVAL;
	if (copy_from_domain(d, &size, a1, sizeof size) < 0)
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE) {
		u32 ours = sizeof at;
		copy_to_domain(d, a1, &ours, sizeof ours);
		return -E2BIG;
	}
	if (copy_from_domain(d, &at, a1, MIN(size, (u32)sizeof at)) < 0)
		return -EFAULT;
	/* A larger structure than ours is fine while what we do not know is zero. */
	for (u32 off = sizeof at; off < size; off++) {
		u8 b;
		if (copy_from_domain(d, &b, a1 + off, 1) < 0)
			return -EFAULT;
		if (b) {
			u32 ours = sizeof at;
			copy_to_domain(d, a1, &ours, sizeof ours);
			return -E2BIG;
		}
	}
	u64 known = SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_KEEP_PARAMS;
	if (at.sched_flags & ~known) {
		unsupported("sched_setattr flags", at.sched_flags);
		return -EINVAL;
	}
	int policy = (int)at.sched_policy, prio = (int)at.sched_priority, cur_policy, cur_prio, nice;
	bool reset;
	long r = get_policy((int)a0, &cur_policy, &cur_prio, &reset, &nice);
	if (r < 0)
		return r;
	if (at.sched_flags & SCHED_FLAG_KEEP_POLICY)
		policy = cur_policy;
	if (at.sched_flags & SCHED_FLAG_KEEP_PARAMS)
		prio = cur_prio;
	return set_policy((int)a0, policy, prio, at.sched_flags & SCHED_FLAG_RESET_ON_FORK,
			  !rt(policy), at.sched_nice);
}

SYSCALL(NR_sched_getattr, sched_getattr)
{
	u32 size = (u32)a2;
	if (!a1 || (int)a0 < 0 || (u32)a3 || size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		return -EINVAL;
	int policy, prio, nice;
	bool reset;
	long r = get_policy((int)a0, &policy, &prio, &reset, &nice);
	if (r < 0)
		return r;
	struct sched_attr at = {
		.size = MIN(size, (u32)sizeof at),
		.sched_policy = (u32)policy,
		.sched_flags = reset ? SCHED_FLAG_RESET_ON_FORK : 0,
		.sched_nice = rt(policy) ? 0 : nice,
		.sched_priority = (u32)prio,
		.sched_util_max = 1024,
	};
	return copy_to_domain(cur_dom(), a1, &at, at.size) < 0 ? -EFAULT : 0;
}

/*
 * ioprio_get/ioprio_set: a process's I/O class and level, kept and
 * reported. The disk queue serves requests in order (as Linux's "none"
 * scheduler does, which keeps ioprio the same way without acting on it).
 */
enum { IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER };
enum { IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE };
#define IOPRIO_CLASS_SHIFT 13

static long ioprio_walk(int which, int who, bool set, u16 prio, int *best)
{
	struct proc *me = cur_proc();
	if (who < 0)
		return -EINVAL;
	int found = 0;
	spin_lock(&proc_tree_lock);
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *p = proc_find(i);
		if (!p || p->state != PROC_ALIVE)
			continue;
		bool match = which == IOPRIO_WHO_PROCESS ? p->pid == (who ? (u32)who : me->pid)
			   : which == IOPRIO_WHO_PGRP ? p->pgid == (who ? (u32)who : me->pgid)
			   : who == 0; /* IOPRIO_WHO_USER: everyone is root */
		if (!match)
			continue;
		found++;
		if (set) {
			__atomic_store_n(&p->ioprio, prio, __ATOMIC_RELAXED);
		} else {
			int v = __atomic_load_n(&p->ioprio, __ATOMIC_RELAXED);
			if (found == 1 || v < *best)
				*best = v;
		}
	}
	spin_unlock(&proc_tree_lock);
	return found ? 0 : -ESRCH;
}

SYSCALL(NR_ioprio_set, ioprio_set)
{
	int which = (int)a0, who = (int)a1, prio = (int)a2;
	int class = (prio >> IOPRIO_CLASS_SHIFT) & 7, data = prio & ((1 << IOPRIO_CLASS_SHIFT) - 1);
	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER || prio < 0 || (prio >> 16))
		return -EINVAL;
	switch (class) {
	case IOPRIO_CLASS_RT:
	case IOPRIO_CLASS_BE:
		if (data >= 8)
			return -EINVAL;
		break;
	case IOPRIO_CLASS_IDLE:
		break;
	case IOPRIO_CLASS_NONE:
		if (data)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return ioprio_walk(which, who, true, (u16)prio, NULL);
}

SYSCALL(NR_ioprio_get, ioprio_get)
{
	int which = (int)a0, who = (int)a1, best = 0;
	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	long r = ioprio_walk(which, who, false, 0, &best);
	return r < 0 ? r : best;
}
