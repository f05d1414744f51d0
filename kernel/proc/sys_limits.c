/* Resource limits: getrlimit, setrlimit, prlimit64. */
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0UL)

static u64 limit_of(u32 res)
{
	switch (res) {
	case RLIMIT_STACK:
		return STACK_SIZE;
	case RLIMIT_NOFILE:
		return 256;
	default:
		return RLIM_INFINITY;
	}
}

SYSCALL(NR_prlimit64, prlimit64)
{
	i32 pid = (i32)a0; /* a pid_t, as Linux reads it */
	if (pid < 0)
		return -ESRCH;
	if (pid) {
		spin_lock(&proc_tree_lock);
		struct proc *p = proc_find((u32)pid);
		bool alive = p && p->state == PROC_ALIVE;
		spin_unlock(&proc_tree_lock);
		if (!alive)
			return -ESRCH;
	}
	if ((u32)a1 >= RLIM_NLIMITS)
		return -EINVAL;
	u64 newlim[2];
	if (a2 && copy_from_domain(cur_dom(), newlim, a2, sizeof newlim) < 0)
		return -EFAULT;
	/* New limits are accepted but not enforced beyond the fixed ones. */
	if (a3) {
		u64 lim[2] = {limit_of((u32)a1), limit_of((u32)a1)};
		if (copy_to_domain(cur_dom(), a3, lim, sizeof lim) < 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL(NR_getrlimit, getrlimit)
{
	return sys_prlimit64(0, a0, 0, a1, 0, 0);
}

SYSCALL(NR_setrlimit, setrlimit)
{
	return (u32)a0 < RLIM_NLIMITS ? 0 : -EINVAL;
}
