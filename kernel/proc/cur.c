/* The calling thread's process (cur.h): the one way the layers above reach it. */
#include "proc/cur.h"
#include "proc/proc.h"

struct cred *cur_cred_swap(struct cred *c)
{
	struct cpu *cpu = this_cpu();
	struct cred *old = cpu->cur_cred;
	cpu->cur_cred = c;
	return old;
}

u64 cur_rlimit(int res)
{
	struct proc *p = cur_proc();
	return p ? proc_rlimit_cur(p, res) : RLIM_INFINITY;
}

bool cur_ids(struct proc_ids *out)
{
	struct proc *p = cur_proc();
	if (!p)
		return false;
	spin_lock(&proc_tree_lock);
	*out = (struct proc_ids){.pid = p->pid, .pgid = p->pgid, .sid = p->sid};
	spin_unlock(&proc_tree_lock);
	return true;
}

u32 cur_pid(void)
{
	struct proc *p = cur_proc();
	return p ? p->pid : 0; /* a process's pid never changes: no lock */
}
