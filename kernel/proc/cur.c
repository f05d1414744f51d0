/* The calling thread's process (cur.h): the one way the layers above reach it. */
#include "proc/cur.h"
#include "proc/proc.h"

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
