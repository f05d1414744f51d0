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
 * Affinity (sched_setaffinity, taskset): a thread whose mask leaves out
 * some core is pinned to one core of its mask (thread_place); Ferry does
 * not balance a thread among a subset of cores. A thread changes its own
 * placement; another thread's request waits in its affinity_changed until
 * it next runs in the kernel's executor (a wait, a yield, a quantum's end).
 */
#include "proc/proc.h"
#include "proc/cur.h"
#include "arch/x86_64/cpu.h"
#include "mm/domain.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

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

static void set_tickets(struct proc *p, u32 n)
{
	spin_lock(&p->lock);
	p->tickets = n;
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		/* A thread already queued keeps its old draw weight until it next waits. */
		__atomic_store_n(&t->task.tickets, n, __ATOMIC_RELAXED);
	}
	spin_unlock(&p->lock);
}

SYSCALL(SYS_settickets, settickets)
{
	i64 n = (i64)a0;
	if (n < 1 || n > 1000000)
		return -EINVAL;
	set_tickets(cur_proc(), (u32)n);
	return 0;
}

/* Does p fall under (which, who)? Everyone is root: PRIO_USER matches uid 0 only. */
static bool selected(struct proc *p, int which, u32 who, struct proc *me)
{
	if (p->state != PROC_ALIVE)
		return false;
	switch (which) {
	case PRIO_PROCESS:
		return p->pid == (who ? who : me->pid);
	case PRIO_PGRP:
		return p->pgid == (who ? who : me->pgid);
	default: /* PRIO_USER */
		return who == 0;
	}
}

/*
 * Visit the processes (which, who) names, under proc_tree_lock; -ESRCH if
 * none. Set: give each tickets; get: the highest priority (lowest nice)
 * among them.
 */
static long for_selected(int which, u32 who, bool set, u32 tickets, int *nice_out)
{
	if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
		return -EINVAL;
	struct proc *me = cur_proc();
	int found = 0, nice = NICE_MAX;
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
		if (set)
			set_tickets(p, tickets);
		else
			nice = MIN(nice, tickets_to_nice(__atomic_load_n(&p->tickets, __ATOMIC_RELAXED)));
	}
	spin_unlock(&proc_tree_lock);
	if (!found)
		return -ESRCH;
	if (nice_out)
		*nice_out = nice;
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
	return for_selected((int)a0, (u32)a1, true, nice_to_tickets(nice), NULL);
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
	u64 mask = 0;
	if (copy_from_domain(cur_dom(), &mask, a2, MIN(a1, sizeof mask)) < 0)
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
	if (t) {
		__atomic_store_n(&t->affinity, want, __ATOMIC_RELAXED);
		__atomic_store_n(&t->affinity_changed, true, __ATOMIC_RELEASE);
		thread_kick(t); /* a parked thread looks at once */
	}
	if (p)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return t ? 0 : -ESRCH;
}

SYSCALL(NR_sched_getaffinity, sched_getaffinity)
{
	if (a1 < 8 || (a1 & 7))
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

SYSCALL(NR_sched_getscheduler, sched_getscheduler)
{
	if ((i32)a0 < 0)
		return -EINVAL; /* as Linux */
	struct proc *p;
	spin_lock(&proc_tree_lock);
	struct thread *t = find_thread_locked((i32)a0, &p);
	if (p)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return t ? 0 : -ESRCH; /* SCHED_OTHER: the lottery is the only policy */
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
