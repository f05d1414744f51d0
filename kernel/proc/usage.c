/*
 * Resource use: what getrusage, wait4, times and /proc report. A thread
 * counts its own times and faults ([owner], no atomics on the paths that
 * count); a process sums its ended threads' into proc.ru [a] and its
 * reaped children's into proc.cru [proc_tree_lock].
 */
#include "proc/proc.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

void usage_add(struct usage *sum, const struct usage *u)
{
	__atomic_add_fetch(&sum->utime_ns, u->utime_ns, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum->stime_ns, u->stime_ns, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum->minflt, u->minflt, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum->majflt, u->majflt, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum->nvcsw, u->nvcsw, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum->nivcsw, u->nivcsw, __ATOMIC_RELAXED);
	u64 old = __atomic_load_n(&sum->maxrss_pages, __ATOMIC_RELAXED);
	while (u->maxrss_pages > old &&
	       !__atomic_compare_exchange_n(&sum->maxrss_pages, &old, u->maxrss_pages, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void proc_usage(struct proc *p, struct usage *out)
{
	*out = (struct usage){0};
	spin_lock(&p->lock);
	usage_add(out, &p->ru);
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		usage_add(out, &t->ru); /* other cores' counters: aligned words, read whole */
	}
	struct usage cur = {.maxrss_pages = p->dom ? __atomic_load_n(&p->dom->peak, __ATOMIC_RELAXED)
						   : 0};
	usage_add(out, &cur);
	spin_unlock(&p->lock);
}

/*
 * The calling thread's run so far, split as account() (thread.c) will
 * split it when the run ends: user time up to this call's entry less the
 * calls before it, and system time for those calls and this one so far.
 * Counting the whole run as user time would take back from user time the
 * system time account() later finds in it: readings would go backwards.
 */
static void run_so_far(struct thread *t, struct usage *out)
{
	u64 now = rdtsc();
	u64 before = t->sys_entry_tsc - t->run_start_tsc;
	u64 user = before > t->sys_tsc ? before - t->sys_tsc : 0;
	out->utime_ns += tsc_cycles_ns(user);
	out->stime_ns += tsc_cycles_ns(t->sys_tsc + (now - t->sys_entry_tsc));
}

void thread_usage_now(struct thread *t, struct usage *out)
{
	*out = t->ru;
	run_so_far(t, out);
}

void proc_usage_now(struct thread *t, struct usage *out)
{
	proc_usage(t->proc, out);
	run_so_far(t, out);
}

/* Linux's struct rusage on x86-64. */
struct rusage64 {
	i64 utime[2], stime[2]; /* struct timeval */
	i64 maxrss;		/* KiB */
	i64 ixrss, idrss, isrss;
	i64 minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals;
	i64 nvcsw, nivcsw;
};

int put_rusage(struct domain *dom, u64 uaddr, const struct usage *u)
{
	struct rusage64 ru = {
	    .utime = {(i64)(u->utime_ns / 1000000000UL), (i64)(u->utime_ns % 1000000000UL / 1000)},
	    .stime = {(i64)(u->stime_ns / 1000000000UL), (i64)(u->stime_ns % 1000000000UL / 1000)},
	    .maxrss = (i64)(u->maxrss_pages * (PAGE_SIZE / 1024)),
	    .minflt = (i64)u->minflt,
	    .majflt = (i64)u->majflt,
	    .nvcsw = (i64)u->nvcsw,
	    .nivcsw = (i64)u->nivcsw,
	};
	return copy_to_domain(dom, uaddr, &ru, sizeof ru) < 0 ? -EFAULT : 0;
}

/*
 * CPU-time clocks (clock_getcpuclockid, pthread_getcpuclockid): clock ids
 * 2 and 3 are the caller's process and thread; negative ids name another
 * process or thread as glibc and musl build them, ~pid << 3 | per-thread
 * bit 4 | kind (0 PROF: user + system, 1 VIRT: user, 2 SCHED: all run time).
 */
#define CPUCLOCK_VIRT 1
#define CPUCLOCK_PERTHREAD 4

long cpuclock_read(int clk, u64 *ns)
{
	struct thread *me = current_thread(); /* NULL in a timer's task: ids are explicit there */
	int kind = CPUCLOCK_SCHED;
	bool thread;
	u32 id;
	if (clk == 2 || clk == 3) { /* CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID */
		thread = clk == 3;
		id = 0;
		if (!me)
			return -EINVAL;
	} else if (clk < 0) {
		kind = clk & 3;
		thread = clk & CPUCLOCK_PERTHREAD;
		id = (u32)~(clk >> 3);
		if (kind == 3 || id >= PID_MAX)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	struct usage u;
	if (me && (id == 0 || id == (thread ? me->tid : me->proc->pid))) {
		if (thread)
			thread_usage_now(me, &u);
		else
			proc_usage_now(me, &u);
	} else {
		spin_lock(&proc_tree_lock);
		struct proc *p = NULL;
		struct thread *t = thread ? thread_find_locked(id, me ? me->proc : NULL, &p) : NULL;
		if (t) {
			u = t->ru;
			spin_unlock(&p->lock);
		} else if (!thread) {
			p = proc_find(id);
			if (p && p->state == PROC_ALIVE)
				proc_usage(p, &u);
			else
				p = NULL;
		}
		spin_unlock(&proc_tree_lock);
		if (!t && !p)
			return -EINVAL;
	}
	*ns = kind == CPUCLOCK_VIRT ? u.utime_ns : u.utime_ns + u.stime_ns;
	return 0;
}
