/*
 * Process system calls: fork, vfork, clone, execve, exit, wait, process
 * groups, and Ferry's own spawn.
 */
#include "fs/bcache.h"
#include "proc/proc.h"
#include "proc/exec.h"
#include "proc/signal.h"
#include "fs/vfs.h"
#include "fs/fsproc.h"
#include "fs/abi.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
#define CSIGNAL              0xff

#define WNOHANG    1
#define WUNTRACED  2
#define WEXITED    4
#define WCONTINUED 8
#define WNOWAIT    0x01000000
#define P_ALL  0
#define P_PID  1
#define P_PGID 2

static struct proc *self(void)
{
	return current_thread()->proc;
}

/* Save the live FPU registers into a new thread's area, so it starts with the parent's state. */
static void copy_fpu(struct thread *child)
{
	asm volatile("fxsave64 (%0)" : : "r"(child->fpu) : "memory");
}

/* A vfork parent waits until its child has exec'd or exited (progress kept across restarts). */
static long vfork_wait(struct thread *t, struct proc *child)
{
	spin_lock(&child->vfork_done.lock);
	if (__atomic_load_n(&child->vfork_child_pending, __ATOMIC_ACQUIRE)) {
		long r = park_on(&child->vfork_done);
		spin_unlock(&child->vfork_done.lock);
		return r;
	}
	spin_unlock(&child->vfork_done.lock);
	park_save_progress(0);
	return child->pid;
}

static long do_clone(u64 flags, u64 newsp, u64 parent_tid, u64 child_tid, u64 tls)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	struct trapframe *tf = thread_live_frame();

	u32 vfork_pid = (u32)park_progress();
	if (vfork_pid) {
		/* Restarted after parking as a vfork parent: only the wait is left. */
		spin_lock(&proc_tree_lock);
		struct proc *child = proc_find(vfork_pid);
		spin_unlock(&proc_tree_lock);
		return child ? vfork_wait(t, child) : (long)vfork_pid;
	}
	if (flags & CLONE_THREAD) {
		if (!(flags & CLONE_VM) || !(flags & CLONE_SIGHAND))
			return -EINVAL;
		struct thread *nt = thread_alloc(p);
		if (!nt)
			return -ENOMEM;
		nt->regs = *tf;
		nt->regs.rax = 0;
		if (newsp)
			nt->regs.rsp = newsp;
		nt->fs_base = flags & CLONE_SETTLS ? tls : t->fs_base;
		nt->sig_mask = t->sig_mask;
		copy_fpu(nt);
		if ((flags & CLONE_PARENT_SETTID) &&
		    copy_to_domain(p->dom, parent_tid, &nt->tid, sizeof nt->tid) < 0) {
			thread_free_unstarted(nt);
			return -EFAULT;
		}
		if (flags & CLONE_CHILD_SETTID)
			copy_to_domain(p->dom, child_tid, &nt->tid, sizeof nt->tid);
		if (flags & CLONE_CHILD_CLEARTID)
			nt->clear_child_tid = child_tid;
		thread_start(nt);
		return nt->tid;
	}

	struct proc *c = proc_alloc(p);
	if (!c)
		return -EAGAIN;
	if (flags & CLONE_VM) {
		domain_get(p->dom);
		c->dom = p->dom;
	} else {
		c->dom = domain_fork(p->dom);
	}
	int fr = fs_fork(p, c, flags & CLONE_FILES);
	struct thread *ct = c->dom && fr == 0 ? thread_alloc(c) : NULL;
	if (!ct) {
		proc_free_unstarted(c);
		return -ENOMEM;
	}
	ct->regs = *tf;
	ct->regs.rax = 0;
	if (newsp)
		ct->regs.rsp = newsp;
	ct->fs_base = flags & CLONE_SETTLS ? tls : t->fs_base;
	ct->sig_mask = t->sig_mask;
	copy_fpu(ct);
	if (flags & CLONE_PARENT_SETTID)
		copy_to_domain(p->dom, parent_tid, &c->pid, sizeof c->pid);
	if (flags & CLONE_CHILD_SETTID)
		copy_to_domain(c->dom, child_tid, &c->pid, sizeof c->pid);
	if (flags & CLONE_CHILD_CLEARTID)
		ct->clear_child_tid = child_tid;
	if (flags & CLONE_VFORK)
		c->vfork_child_pending = 1;
	u32 pid = c->pid;
	thread_start(ct);
	if (flags & CLONE_VFORK) {
		park_save_progress(pid);
		return vfork_wait(t, c);
	}
	return pid;
}

SYSCALL(NR_fork, fork)
{
	return do_clone(0, 0, 0, 0, 0);
}

SYSCALL(NR_vfork, vfork)
{
	return do_clone(CLONE_VM | CLONE_VFORK, 0, 0, 0, 0);
}

SYSCALL(NR_clone, clone)
{
	/* x86-64 argument order: flags, newsp, parent_tid, child_tid, tls */
	return do_clone(a0, a1, a2, a3, a4);
}

/* Copy a NULL-terminated user array of strings into args (argv, then envp). */
static long gather_strings(struct domain *d, u64 uarr, struct exec_args *args, u32 *count)
{
	if (!uarr)
		return 0;
	for (u32 i = 0;; i++) {
		u64 p;
		if (copy_from_domain(d, &p, uarr + i * 8, 8) < 0)
			return -EFAULT;
		if (!p)
			return 0;
		if (i >= 65536)
			return -E2BIG;
		long n = strncpy_from_domain(d, args->buf + args->len, p, EXEC_ARGS_MAX - args->len);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		args->len += (size_t)n + 1;
		(*count)++;
	}
}

static long do_execve(const char *kpath, u64 argv, u64 envp, bool have_args,
		      struct exec_args *preset)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	struct exec_args args = {0};
	long r;
	if (preset) {
		args = *preset;
	} else {
		args.buf = kmalloc(EXEC_ARGS_MAX);
		if (!args.buf)
			return -ENOMEM;
		strlcpy(args.path, kpath, sizeof args.path);
		r = gather_strings(p->dom, argv, &args, &args.argc);
		if (r == 0)
			r = gather_strings(p->dom, envp, &args, &args.envc);
		if (r < 0) {
			kfree(args.buf);
			return r;
		}
	}
	(void)have_args;
	struct domain *nd;
	vaddr_t entry, sp;
	r = exec_prepare(&args, &nd, &entry, &sp);
	if (r == 0)
		proc_set_cmdline(p, args.buf, args.argc);
	if (!preset)
		kfree(args.buf);
	if (r < 0)
		return r;
	/* Everything is ready: commit (nothing below can fail). */
	struct domain *mine = t->dom;
	struct domain *old = proc_dom_swap(p, nd); /* the process's reference moves to the new image */
	domain_get(nd);
	t->dom = nd;                               /* and so does this thread's */
	domain_activate(nd);
	domain_put(mine);
	domain_put(old);
	thread_take_leader_tid(t);
	/* Other threads die with the old image (each holds it until it has left). */
	spin_lock(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *o = container_of(pos, struct thread, proc_node);
		if (o != t) {
			__atomic_store_n(&o->killed, true, __ATOMIC_RELEASE);
			thread_kick(o);
		}
	}
	spin_unlock(&p->lock);
	if (__atomic_exchange_n(&p->vfork_child_pending, 0, __ATOMIC_ACQ_REL))
		waitq_wake_all(&p->vfork_done);
	proc_set_name(p, args.path);
	t->task.name = p->name;
	fs_exec(p);
	signal_reset_on_exec(p);
	t->altstack_sp = t->altstack_size = 0;
	t->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	thread_fpu_init(t);
	asm volatile("fxrstor64 (%0)" : : "r"(t->fpu) : "memory");
	thread_set_entry(thread_live_frame(), entry, sp);
	t->full_restore = true;
	return 0;
}

SYSCALL(NR_execve, execve)
{
	char *path = kmalloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	long n = strncpy_from_domain(self()->dom, path, a0, PATH_MAX);
	long r = n < 0 ? n : do_execve(path, a1, a2, true, NULL);
	kfree(path);
	/* On success the frame was replaced: rax must be 0 in the new program. */
	return r;
}

SYSCALL(NR_exit, exit)
{
	struct thread *t = current_thread();
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

/* Reap (or look at, with WNOWAIT) one zombie child; park if there is none yet. */
static long wait_common(i64 pid, int options, int *status_out, u32 *pid_out,
			struct usage *ru_out)
{
	struct proc *p = self();
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
	long r = wait_common((i32)a0, (int)a2 | WEXITED, &status, &cpid, &ru);
	if (r <= 0)
		return r;
	if (a1 && copy_to_domain(self()->dom, a1, &status, sizeof status) < 0)
		return -EFAULT;
	if (a3 && put_rusage(self()->dom, a3, &ru) < 0)
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
	i64 pid;
	if (idtype == P_ALL)
		pid = -1;
	else if (idtype == P_PID)
		pid = (i64)(u32)a1;
	else if (idtype == P_PGID)
		pid = a1 ? -(i64)(u32)a1 : 0;
	else
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	int status;
	u32 cpid;
	struct usage ru = {0};
	long r = wait_common(pid, options, &status, &cpid, &ru);
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
	if (a2 && copy_to_domain(self()->dom, a2, &info, sizeof info) < 0)
		return -EFAULT;
	if (a4 && put_rusage(self()->dom, a4, &ru) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL(NR_getpid, getpid)
{
	return self()->pid;
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
	return __atomic_load_n(&self()->ppid, __ATOMIC_RELAXED);
}

SYSCALL(NR_set_tid_address, set_tid_address)
{
	current_thread()->clear_child_tid = a0;
	return sys_gettid(0, 0, 0, 0, 0, 0);
}

SYSCALL(NR_setpgid, setpgid)
{
	struct proc *me = self();
	u32 pid = a0 ? (u32)a0 : me->pid;
	i64 pgid = (i64)a1;
	if (pgid < 0)
		return -EINVAL;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
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

SYSCALL(NR_getpgid, getpgid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = a0 ? proc_find((u32)a0) : self();
	long r = p ? (long)p->pgid : -ESRCH;
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_getpgrp, getpgrp)
{
	return self()->pgid;
}

SYSCALL(NR_setsid, setsid)
{
	struct proc *p = self();
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
	struct proc *p = a0 ? proc_find((u32)a0) : self();
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

#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedc
#define LINUX_REBOOT_CMD_RESTART 0x01234567
#define LINUX_REBOOT_CMD_HALT 0xcdef0123

SYSCALL(NR_reboot, reboot)
{
	if ((u32)a0 != LINUX_REBOOT_MAGIC1)
		return -EINVAL;
	if (self() != init_proc)
		return -EPERM;
	switch ((u32)a2) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_RESTART: {
		/* Write the block cache back first; parks while the disks work (invariant 3). */
		long r = bcache_sync_thread(NULL);
		if (r == -ERESTART_PARK)
			return r;
		if (r)
			kprintf("ferry: write-back failed (error %ld); powering off anyway\n", -r);
		kprintf("ferry: powering off\n");
		machine_exit(true);
	}
	default:
		return -EINVAL;
	}
}

/* ---- Ferry's own ---- */

SYSCALL(SYS_spawn, spawn)
{
	/* A new process from an executable, without copying the caller (the one-address-space way). */
	struct proc *p = self();
	struct exec_args args = {.buf = kmalloc(EXEC_ARGS_MAX)};
	if (!args.buf)
		return -ENOMEM;
	long r = strncpy_from_domain(p->dom, args.path, a0, sizeof args.path);
	if (r >= 0)
		r = gather_strings(p->dom, a1, &args, &args.argc);
	if (r >= 0)
		r = gather_strings(p->dom, a2, &args, &args.envc);
	struct domain *nd = NULL;
	vaddr_t entry, sp;
	if (r >= 0)
		r = exec_prepare(&args, &nd, &entry, &sp);
	if (r < 0) {
		kfree(args.buf);
		return r;
	}
	struct proc *c = proc_alloc(p);
	if (!c) {
		kfree(args.buf);
		domain_put(nd);
		return -EAGAIN;
	}
	c->dom = nd;
	int fr = fs_fork(p, c, false);
	if (fr == 0)
		fs_exec(c);
	proc_set_name(c, args.path);
	proc_set_cmdline(c, args.buf, args.argc);
	kfree(args.buf);
	for (int i = 0; i < NSIG; i++) /* handlers do not survive into a new image */
		if (c->sigactions[i].handler > SIG_IGN)
			c->sigactions[i] = (struct k_sigaction){0};
	struct thread *ct = fr == 0 ? thread_alloc(c) : NULL;
	if (!ct) {
		proc_free_unstarted(c);
		return -ENOMEM;
	}
	thread_set_entry(&ct->regs, entry, sp);
	u32 pid = c->pid;
	thread_start(ct);
	return pid;
}
