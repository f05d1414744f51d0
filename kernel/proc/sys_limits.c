/*
 * Resource limits (limits.h): getrlimit, setrlimit, prlimit64, and
 * RLIMIT_CPU, which the thread code checks as it accounts CPU time. The
 * rest are enforced where their resource is handed out:
 *   RLIMIT_NOFILE      every descriptor allocation (fs/fdtable.c): EMFILE
 *   RLIMIT_NPROC       fork, clone, spawn (exec/sys_clone.c): EAGAIN
 *   RLIMIT_FSIZE       writes and truncates (fs/vfs.c): SIGXFSZ and EFBIG
 *   RLIMIT_STACK       the stack region's size at exec (exec/exec.c)
 *   RLIMIT_AS, _DATA   brk, mmap, mremap (mm/sys_mem.c): ENOMEM
 *   RLIMIT_SIGPENDING  signals queued with sigqueue (sigqueue.c): EAGAIN
 *   RLIMIT_CORE        accepted and reported: Ferry writes no core dumps
 * RLIMIT_RSS, _LOCKS, _RTTIME are kept and reported only, as Linux keeps
 * RSS and LOCKS; RLIMIT_NICE and _RTPRIO bind only unprivileged callers
 * on Linux, and everyone is root here.
 */
#include "arch/x86_64/time.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/limits.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define NSEC 1000000000UL

void rlimits_default(struct rlimit64 *lim)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		lim[i] = (struct rlimit64){RLIM_INFINITY, RLIM_INFINITY};
	lim[RLIMIT_STACK].cur = STACK_SIZE;
	lim[RLIMIT_CORE].cur = 0;
	lim[RLIMIT_NPROC] = (struct rlimit64){RLIMIT_NPROC_DEFAULT, RLIMIT_NPROC_DEFAULT};
	lim[RLIMIT_NOFILE] = (struct rlimit64){1024, NR_OPEN};
	lim[RLIMIT_MEMLOCK] = (struct rlimit64){8UL << 20, 8UL << 20};
	lim[RLIMIT_SIGPENDING] = (struct rlimit64){RLIMIT_SIGPENDING_DEFAULT, RLIMIT_SIGPENDING_DEFAULT};
	lim[RLIMIT_MSGQUEUE] = (struct rlimit64){MQ_BYTES_MAX, MQ_BYTES_MAX};
	lim[RLIMIT_NICE] = (struct rlimit64){0, 0};
	lim[RLIMIT_RTPRIO] = (struct rlimit64){0, 0};
}

u64 proc_rlimit_cur(struct proc *p, int res)
{
	return __atomic_load_n(&p->rlim[res].cur, __ATOMIC_RELAXED);
}

/*
 * RLIMIT_CPU, after a thread's run added run_ns to p's CPU time: SIGXCPU
 * at the soft limit, and again each second past it (the soft limit moves
 * up a second each time, as Linux does), SIGKILL at the hard one.
 */
void rlimit_cpu_check(struct proc *p)
{
	u64 soft = proc_rlimit_cur(p, RLIMIT_CPU);
	if (soft == RLIM_INFINITY)
		return;
	u64 used = __atomic_load_n(&p->cpu_ns, __ATOMIC_RELAXED) / NSEC;
	u64 hard = __atomic_load_n(&p->rlim[RLIMIT_CPU].max, __ATOMIC_RELAXED);
	if (used >= hard) {
		signal_send_proc(p, SIGKILL);
		return;
	}
	if (used < soft)
		return;
	spin_lock(&p->lock);
	bool send = p->rlim[RLIMIT_CPU].cur == soft;
	if (send && soft < p->rlim[RLIMIT_CPU].max)
		__atomic_store_n(&p->rlim[RLIMIT_CPU].cur, soft + 1, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);
	if (send)
		signal_send_proc(p, SIGXCPU);
}

/* The process pid names for prlimit64 (0: the caller), kept alive under proc_tree_lock. */
static struct proc *target_locked(int pid)
{
	assert(spin_is_locked(&proc_tree_lock));
	if (pid == 0)
		return cur_proc();
	struct proc *p = pid > 0 ? proc_find((u32)pid) : NULL;
	return p && p->state == PROC_ALIVE ? p : NULL;
}

/* Get and set one limit of the process pid; old and new may be NULL. */
static long do_prlimit(int pid, u32 res, const struct rlimit64 *new, struct rlimit64 *old)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (new) {
		if (new->cur > new->max)
			return -EINVAL;
		/* No one may pass what the kernel holds. */
		if (res == RLIMIT_NOFILE && new->max > NR_OPEN)
			return -EPERM;
	}
	const struct cred *me = cur_cred();
	spin_lock(&proc_tree_lock);
	struct proc *p = target_locked(pid);
	if (!p) {
		spin_unlock(&proc_tree_lock);
		return -ESRCH;
	}
	spin_lock(&p->lock);
	/*
	 * Linux's rules (prlimit(2)): another process's limits only if all its
	 * user and group ids are the caller's real ones, or with
	 * CAP_SYS_RESOURCE; a hard limit raised only with CAP_SYS_RESOURCE.
	 */
	long r = 0;
	if (p != cur_proc()) {
		const struct cred *t = p->cred;
		bool same = t->uid == me->uid && t->euid == me->uid && t->suid == me->uid &&
			    t->gid == me->gid && t->egid == me->gid && t->sgid == me->gid;
		if (!same && !cred_capable(me, CAP_SYS_RESOURCE))
			r = -EPERM;
	}
	if (!r && new && new->max > p->rlim[res].max && !cred_capable(me, CAP_SYS_RESOURCE))
		r = -EPERM;
	if (r) {
		spin_unlock(&p->lock);
		spin_unlock(&proc_tree_lock);
		return r;
	}
	if (old)
		*old = p->rlim[res];
	if (new) {
		__atomic_store_n(&p->rlim[res].cur, new->cur, __ATOMIC_RELAXED);
		__atomic_store_n(&p->rlim[res].max, new->max, __ATOMIC_RELAXED);
	}
	spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return 0;
}

SYSCALL(NR_prlimit64, prlimit64)
{
	struct rlimit64 new, old;
	if (a2 && copy_from_domain(cur_dom(), &new, a2, sizeof new) < 0)
		return -EFAULT;
	long r = do_prlimit((int)a0, (u32)a1, a2 ? &new : NULL, a3 ? &old : NULL);
	if (r == 0 && a3 && copy_to_domain(cur_dom(), a3, &old, sizeof old) < 0)
		return -EFAULT;
	return r;
}

SYSCALL(NR_getrlimit, getrlimit)
{
	struct rlimit64 old;
	long r = do_prlimit(0, (u32)a0, NULL, &old);
	if (r == 0 && copy_to_domain(cur_dom(), a1, &old, sizeof old) < 0)
		return -EFAULT;
	return r;
}

SYSCALL(NR_setrlimit, setrlimit)
{
	struct rlimit64 new;
	if ((u32)a0 >= RLIM_NLIMITS)
		return -EINVAL;
	if (copy_from_domain(cur_dom(), &new, a1, sizeof new) < 0)
		return -EFAULT;
	return do_prlimit(0, (u32)a0, &new, NULL);
}
