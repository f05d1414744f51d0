/*
 * Process system calls that need nothing above the process model: exit,
 * wait, ids, process groups and sessions, sched_yield. (fork, clone,
 * execve and spawn are the life cycle's: kernel/exec/.)
 */
#include "proc/proc.h"
#include "proc/cur.h"
#include "proc/signal.h"
#include "mm/domain.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define WNOHANG    1
#define WUNTRACED  2
#define WEXITED    4
#define WCONTINUED 8
#define WNOWAIT    0x01000000
#define P_ALL  0
#define P_PID  1
#define P_PGID 2
#define P_PIDFD 3

static long (*pidfd_lookup)(int fd); /* [I after boot] */

void proc_set_pidfd_lookup(long (*fn)(int fd))
{
	pidfd_lookup = fn;
}

SYSCALL(NR_exit, exit)
{
	struct thread *t = current_thread();
	/*
	 * The thread's last write is to its clear_child_tid (a joiner waits
	 * on it): that page back in memory first (it may be out in swap),
	 * while the call can still park and run again.
	 */
	if (t->clear_child_tid &&
	    domain_populate_range(t->proc->dom, t->clear_child_tid, 4, REGION_WRITE, false) ==
		-ERESTART_PARK)
		return -ERESTART_PARK;
	t->exit_code = (int)a0;
	thread_leave(LEAVE_EXIT);
}

SYSCALL(NR_exit_group, exit_group)
{
	struct thread *t = current_thread();
	t->exit_code = (int)a0;
	proc_exit_all(t->proc, (int)((a0 & 0xff) << 8));
	thread_leave(LEAVE_EXIT);
}

static bool child_matches(struct proc *c, i64 pid, struct proc *parent)
{
	if (pid > 0)
		return c->pid == (u64)pid;
	if (pid == -1)
		return true;
	if (pid == 0)
		return c->pgid == parent->pgid;
	return c->pgid == (u64)-pid;
}

/*
 * Where a wait's reports go, back from swap before a child is reaped
 * (reaping cannot be undone, and a copy that parked after it would lose
 * the child): 0 or -ERESTART_PARK.
 */
#define RUSAGE_SIZE 144 /* Linux's struct rusage on x86-64 */

static long wait_dest_ready(u64 a, u64 alen, u64 b, u64 blen)
{
	long r = a ? domain_swapin_range(cur_dom(), a, alen) : 0;
	if (r == 0 && b)
		r = domain_swapin_range(cur_dom(), b, blen);
	return r;
}

/* Reap (or look at, with WNOWAIT) one zombie child; park if there is none yet. */
static long wait_common(i64 pid, int options, int *status_out, u32 *pid_out,
			struct usage *ru_out)
{
	struct proc *p = cur_proc();
	spin_lock(&proc_tree_lock);
	bool any = false;
	struct list_node *pos;
	list_for_each(pos, &p->children)
	{
		struct proc *c = container_of(pos, struct proc, sibling);
		if (!child_matches(c, pid, p))
			continue;
		any = true;
		if (c->state == PROC_ALIVE && c->wait_report) {
			/* Job control: a stop or continue not yet reported, if asked for. */
			int st;
			if (c->wait_report == REPORT_STOPPED && (options & WUNTRACED))
				st = (c->stop_sig << 8) | 0x7f;
			else if (c->wait_report == REPORT_CONTINUED && (options & WCONTINUED))
				st = 0xffff;
			else
				continue;
			if (!(options & WNOWAIT))
				c->wait_report = REPORT_NONE;
			*status_out = st;
			*pid_out = c->pid;
			proc_usage(c, ru_out);
			spin_unlock(&proc_tree_lock);
			return 1;
		}
		if (c->state != PROC_ZOMBIE || !(options & WEXITED))
			continue;
		*status_out = c->exit_status;
		*pid_out = c->pid;
		/* A zombie's figures are final: its threads and children are gone. */
		*ru_out = c->ru;
		usage_add(ru_out, &c->cru);
		if (!(options & WNOWAIT)) {
			list_remove(&c->sibling);
			c->state = PROC_REAPED;
			usage_add(&p->cru, &c->ru);
			usage_add(&p->cru, &c->cru);
			proc_reap(c);
		}
		spin_unlock(&proc_tree_lock);
		return 1;
	}
	if (!any) {
		spin_unlock(&proc_tree_lock);
		return -ECHILD;
	}
	if (options & WNOHANG) {
		spin_unlock(&proc_tree_lock);
		return 0;
	}
	/* The exiting child takes proc_tree_lock before it wakes us: no lost wake. */
	spin_lock(&p->child_exit.lock);
	long r = park_on(&p->child_exit);
	spin_unlock(&p->child_exit.lock);
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_wait4, wait4)
{
	int status;
	u32 cpid;
	struct usage ru;
	if ((int)a2 & ~(WNOHANG | WUNTRACED | WCONTINUED | 0x40000000 | 0x80000000))
		return -EINVAL;
	if ((i32)a0 == INT32_MIN)
		return -ESRCH; /* -INT_MIN names no group (Linux) */
	long r = wait_dest_ready(a1, sizeof status, a3, RUSAGE_SIZE);
	if (r == 0)
		r = wait_common((i32)a0, (int)a2 | WEXITED, &status, &cpid, &ru);
	if (r <= 0)
		return r;
	if (a1 && copy_to_domain(cur_dom(), a1, &status, sizeof status) < 0)
		return -EFAULT;
	if (a3 && put_rusage(cur_dom(), a3, &ru) < 0)
		return -EFAULT;
	return cpid;
}

struct siginfo_chld {
	i32 si_signo, si_errno, si_code, pad;
	u32 si_pid, si_uid;
	i32 si_status;
	u8 rest[128 - 28];
};

#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

SYSCALL(NR_waitid, waitid)
{
	int idtype = (int)a0, options = (int)a3;
	i32 id = (i32)a1; /* a pid_t, as Linux reads it */
	i64 pid;
	if (idtype == P_ALL)
		pid = -1;
	else if (idtype == P_PID && id > 0)
		pid = id;
	else if (idtype == P_PGID && id >= 0)
		pid = -(i64)id; /* 0: the caller's group, as wait_common reads it */
	else if (idtype == P_PIDFD && pidfd_lookup) {
		pid = pidfd_lookup((int)a1);
		if (pid < 0)
			return pid;
	} else
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	int status;
	u32 cpid;
	struct usage ru = {0};
	long r = wait_dest_ready(a2, sizeof(struct siginfo_chld), a4, RUSAGE_SIZE);
	if (r == 0)
		r = wait_common(pid, options, &status, &cpid, &ru);
	if (r < 0)
		return r;
	struct siginfo_chld info = {0};
	if (r > 0) {
		info.si_signo = SIGCHLD;
		info.si_pid = cpid;
		if (status == 0xffff) {
			info.si_code = CLD_CONTINUED;
			info.si_status = SIGCONT;
		} else if ((status & 0xff) == 0x7f) {
			info.si_code = CLD_STOPPED;
			info.si_status = (status >> 8) & 0xff;
		} else if ((status & 0x7f) == 0) {
			info.si_code = CLD_EXITED;
			info.si_status = (status >> 8) & 0xff;
		} else {
			info.si_code = status & 0x80 ? CLD_DUMPED : CLD_KILLED;
			info.si_status = status & 0x7f;
		}
	}
	if (a2 && copy_to_domain(cur_dom(), a2, &info, sizeof info) < 0)
		return -EFAULT;
	if (a4 && put_rusage(cur_dom(), a4, &ru) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL(NR_getpid, getpid)
{
	return cur_proc()->pid;
}

SYSCALL(NR_gettid, gettid)
{
	struct thread *t = current_thread();
	/* The first thread's tid is the pid (Linux: the thread-group leader). */
	return t->tid;
}

SYSCALL(NR_getppid, getppid)
{
	/* Re-parenting stores ppid under proc_tree_lock; one load needs no lock. */
	return __atomic_load_n(&cur_proc()->ppid, __ATOMIC_RELAXED);
}

SYSCALL(NR_set_tid_address, set_tid_address)
{
	current_thread()->clear_child_tid = a0;
	return sys_gettid(0, 0, 0, 0, 0, 0);
}

SYSCALL(NR_setpgid, setpgid)
{
	struct proc *me = cur_proc();
	i32 pid = (i32)a0, pgid = (i32)a1; /* pid_t: 32 bits, as Linux reads them */
	if (pgid < 0)
		return -EINVAL;
	if (pid == 0)
		pid = (i32)me->pid;
	spin_lock(&proc_tree_lock);
	struct proc *p = pid > 0 ? proc_find((u32)pid) : NULL;
	long r = 0;
	if (!p || (p != me && p->parent != me))
		r = -ESRCH;
	else if (p->sid == p->pid)
		r = -EPERM; /* a session leader keeps its group */
	else
		p->pgid = pgid ? (u32)pgid : p->pid;
	spin_unlock(&proc_tree_lock);
	return r;
}

/* The process a pid_t argument names (0: the caller; 32 bits, as Linux); under proc_tree_lock. */
static struct proc *proc_named_locked(u64 arg)
{
	assert(spin_is_locked(&proc_tree_lock));
	i32 pid = (i32)arg;
	if (pid == 0)
		return cur_proc();
	struct proc *p = pid > 0 ? proc_find((u32)pid) : NULL;
	return p && p->state != PROC_REAPED ? p : NULL;
}

SYSCALL(NR_getpgid, getpgid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_named_locked(a0);
	long r = p ? (long)p->pgid : -ESRCH;
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_getpgrp, getpgrp)
{
	return cur_proc()->pgid;
}

SYSCALL(NR_setsid, setsid)
{
	struct proc *p = cur_proc();
	spin_lock(&proc_tree_lock);
	long r;
	if (p->pgid == p->pid) {
		r = -EPERM; /* already a group leader */
	} else {
		p->sid = p->pgid = p->pid;
		r = p->pid;
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_getsid, getsid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_named_locked(a0);
	long r = p ? (long)p->sid : -ESRCH;
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_sched_yield, sched_yield)
{
	/* Return 0 after the lottery has had its say. */
	thread_live_frame()->rax = 0;
	thread_leave(LEAVE_YIELD);
}

long proc_wait_child(i64 pid, int options, int *status, u32 *pid_out, struct usage *ru)
{
	return wait_common(pid, options, status, pid_out, ru);
}
