/*
 * New processes and threads from the caller: fork, vfork, clone (Linux's
 * processes and threads) and Brian OS's thread_clone. A child process gets
 * a copy-on-write copy of the caller's memory (or the same memory with
 * CLONE_VM) and a copy of its file state; a vfork parent parks until its
 * child has exec'd or exited.
 */
#include "exec/exec.h"
#include "fs/fsproc.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"
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

/* Save the live FPU registers into a new thread's area, so it starts with the parent's state. */
static void copy_fpu(struct thread *child)
{
	asm volatile("fxsave64 (%0)" : : "r"(child->fpu) : "memory");
}

/*
 * A vfork parent waits until its child (pid) has exec'd or exited, on a
 * queue of its own: the child may end and be reaped (its parent ignoring
 * SIGCHLD) the moment it has woken it, and a waiter touches the queue it
 * parked on once more when it resumes. The child is looked at only under
 * proc_tree_lock, which its reaping needs. Progress kept across restarts.
 */
static long vfork_wait(struct proc *p, u32 pid)
{
	spin_lock(&proc_tree_lock);
	struct proc *child = proc_find(pid);
	if (child && child->parent == p &&
	    __atomic_load_n(&child->vfork_child_pending, __ATOMIC_ACQUIRE)) {
		spin_lock(&p->vfork_done.lock);
		long r = park_on(&p->vfork_done);
		spin_unlock(&p->vfork_done.lock);
		spin_unlock(&proc_tree_lock);
		return r;
	}
	spin_unlock(&proc_tree_lock);
	park_save_progress(0);
	return pid;
}

static long do_clone(u64 flags, u64 newsp, u64 parent_tid, u64 child_tid, u64 tls)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	struct trapframe *tf = thread_live_frame();

	if ((flags & CLONE_SETTLS) && !fs_base_ok(tls))
		return -EPERM; /* as arch_prctl(ARCH_SET_FS): a #GP at the wrmsr otherwise (proc.h) */
	u32 vfork_pid = (u32)park_progress();
	if (vfork_pid) /* restarted after parking as a vfork parent: only the wait is left */
		return vfork_wait(p, vfork_pid);
	if (flags & CLONE_THREAD) {
		if (!(flags & CLONE_VM) || !(flags & CLONE_SIGHAND))
			return -EINVAL;
		struct thread *nt = thread_alloc(p, thread_end);
		if (!nt)
			return -ENOMEM;
		this_cpu()->cur_alone = false; /* its descriptors are shared from now on (cur.h) */
		nt->regs = *tf;
		nt->regs.rax = 0;
		if (newsp)
			nt->regs.rsp = newsp;
		nt->fs_base = flags & CLONE_SETTLS ? tls : t->fs_base;
		thread_set_sig_mask(nt, thread_sig_mask(t));
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
	c->fs = fs_fork(p->fs, flags & CLONE_FILES);
	struct thread *ct = c->dom && c->fs ? thread_alloc(c, thread_end) : NULL;
	if (!ct) {
		proc_discard(c);
		return -ENOMEM;
	}
	ct->regs = *tf;
	ct->regs.rax = 0;
	if (newsp)
		ct->regs.rsp = newsp;
	ct->fs_base = flags & CLONE_SETTLS ? tls : t->fs_base;
	thread_set_sig_mask(ct, thread_sig_mask(t));
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
		return vfork_wait(p, pid);
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

/* Brian OS's clone: a thread running fn(arg1, arg2) on the given stack, joined by thread_join. */
SYSCALL(SYS_thread_clone, thread_clone)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	if (!user_range_ok(a0, 1) || !user_range_ok(a3, 1) || !a0)
		return -EINVAL;
	struct thread *nt = thread_alloc(p, thread_end);
	if (!nt)
		return -EAGAIN;
	this_cpu()->cur_alone = false; /* its descriptors are shared from now on (cur.h) */
	thread_set_entry(&nt->regs, a0, a3);
	nt->regs.rdi = a1;
	nt->regs.rsi = a2;
	nt->fs_base = t->fs_base;
	thread_set_sig_mask(nt, thread_sig_mask(t));
	nt->thread_stack = a3;
	nt->joinable = true;
	spin_lock(&p->lock);
	p->nclone_threads++;
	spin_unlock(&p->lock);
	u32 tid = nt->tid;
	thread_start(nt);
	return tid;
}
