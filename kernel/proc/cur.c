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

struct cur_saved cur_act_for(struct proc *p, struct domain *dom, struct fs_state *fs,
			     struct cred *cred)
{
	struct cpu *c = this_cpu();
	struct cur_saved s = {c->cur_proc, c->cur_dom, c->cur_fs, c->cur_cred, c->cur_alone};
	c->cur_proc = p;
	c->cur_dom = dom;
	c->cur_fs = fs;
	c->cur_cred = cred;
	c->cur_alone = false;
	return s;
}

void cur_restore(struct cur_saved s)
{
	struct cpu *c = this_cpu();
	c->cur_proc = s.proc;
	c->cur_dom = s.dom;
	c->cur_fs = s.fs;
	c->cur_cred = s.cred;
	c->cur_alone = s.alone;
}

void cur_share_files(void)
{
	struct proc *p = cur_proc();
	if (!__atomic_load_n(&p->shares_files, __ATOMIC_RELAXED))
		__atomic_store_n(&p->shares_files, true, __ATOMIC_RELEASE);
	this_cpu()->cur_alone = false;
}
