/* getrusage(2) and times(2) over the counts of usage.c. */
#include "proc/proc.h"
#include "proc/cur.h"
#include "mm/domain.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

SYSCALL(NR_getrusage, getrusage)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	int who = (int)a0; /* an int, as Linux reads it */
	struct usage u = {0};
	if (who == 0) { /* RUSAGE_SELF */
		proc_usage_now(t, &u);
	} else if (who == 1) { /* RUSAGE_THREAD: its own, with the process's size */
		proc_usage(p, &u);
		u64 rss = u.maxrss_pages;
		thread_usage_now(t, &u);
		u.maxrss_pages = rss;
	} else if (who == -1) { /* RUSAGE_CHILDREN */
		spin_lock(&proc_tree_lock);
		u = p->cru;
		spin_unlock(&proc_tree_lock);
	} else {
		return -EINVAL;
	}
	return put_rusage(cur_dom(), a1, &u);
}

SYSCALL(NR_times, times)
{
	struct proc *p = cur_proc();
	/* clock ticks of 10 ms (AT_CLKTCK = 100) */
	spin_lock(&proc_tree_lock);
	struct usage c = p->cru;
	spin_unlock(&proc_tree_lock);
	struct usage self;
	proc_usage(p, &self);
	i64 t[4] = {(i64)(self.utime_ns / 10000000), (i64)(self.stime_ns / 10000000),
		    (i64)(c.utime_ns / 10000000), (i64)(c.stime_ns / 10000000)};
	if (a0 && copy_to_domain(cur_dom(), a0, t, sizeof t) < 0)
		return -EFAULT;
	return (long)(tsc_ns() / 10000000);
}
