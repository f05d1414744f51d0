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
	    .nvcsw = (i64)u->nvcsw,
	    .nivcsw = (i64)u->nivcsw,
	};
	return copy_to_domain(dom, uaddr, &ru, sizeof ru) < 0 ? -EFAULT : 0;
}
