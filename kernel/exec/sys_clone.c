/*
 * New processes and threads from the caller: fork, vfork, clone (Linux's
 * processes and threads) and Brian OS's thread_clone. A child process gets
 * a copy-on-write copy of the caller's memory (or the same memory with
 * CLONE_VM) and a copy of its file state; a vfork parent parks until its
 * child has exec'd or exited.
 */
#include "exec/exec.h"
#include "exec/pidfd.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/signal.h"
#include "proc/unsupported.h"
#include "mm/layout.h"
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
#define CLONE_PIDFD          0x00001000
#define CLONE_PTRACE         0x00002000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_DETACHED       0x00400000
#define CLONE_UNTRACED       0x00800000
#define CLONE_IO             0x80000000UL
#define CLONE_CLEAR_SIGHAND  0x100000000UL
#define CLONE_INTO_CGROUP    0x200000000UL
#define CSIGNAL              0xff
/*
 * The flags Ferry does: the rest (namespaces, CLONE_SETTLS's kin from
 * other architectures) are refused with EINVAL and a log line. SYSVSEM is
 * what threads do anyway (SEM_UNDO lists are per process), PTRACE and
 * UNTRACED mean nothing without a tracer, DETACHED is ignored as Linux
 * does, IO shares what little I/O context there is (ioprio, per process).
 */
#define CLONE_KNOWN                                                                          \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD |            \
	 CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM |              \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |            \
	 CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO)

/* One clone request, from clone(2) or clone3(2). */
struct clone_req {
	u64 flags;
	u64 newsp;      /* the child's stack pointer, or 0: the caller's */
	u64 parent_tid; /* CLONE_PARENT_SETTID */
	u64 child_tid;  /* CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID */
	u64 tls;        /* CLONE_SETTLS */
	u64 pidfd;      /* CLONE_PIDFD: where the new pidfd goes (an int) */
	int exit_signal;
};

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
	if (child && child->vfork_waiter == p->pid &&
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

/* Linux's rules for flags that go together (clone(2), ERRORS). */
static long check_flags(u64 flags)
{
	if (flags & ~(u64)(CLONE_KNOWN | CLONE_CLEAR_SIGHAND)) {
		unsupported("clone flags", flags & ~(u64)(CLONE_KNOWN | CLONE_CLEAR_SIGHAND));
		return -EINVAL;
	}
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_THREAD | CLONE_DETACHED)))
		return -EINVAL;
	if ((flags & CLONE_CLEAR_SIGHAND) && (flags & CLONE_SIGHAND))
		return -EINVAL;
	return 0;
}

static long do_clone(const struct clone_req *rq)
{
	u64 flags = rq->flags, newsp = rq->newsp, parent_tid = rq->parent_tid;
	u64 child_tid = rq->child_tid, tls = rq->tls;
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	struct trapframe *tf = thread_live_frame();

	if ((flags & CLONE_SETTLS) && !fs_base_ok(tls))
		return -EPERM; /* as arch_prctl(ARCH_SET_FS): a #GP at the wrmsr otherwise (proc.h) */
	u32 vfork_pid = (u32)park_progress();
	if (vfork_pid) /* restarted after parking as a vfork parent: only the wait is left */
		return vfork_wait(p, vfork_pid);
	long bad = check_flags(flags);
	if (bad < 0)
		return bad;
	if ((flags & CLONE_PARENT) && p == init_proc)
		return -EINVAL; /* init has no parent to share */
	if (proc_nproc_exceeded(p))
		return -EAGAIN;
	if (flags & CLONE_THREAD) {
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
	c->exit_signal = rq->exit_signal;
	if (flags & CLONE_CLEAR_SIGHAND) /* handlers go back to the default; ignored stays ignored */
		for (int i = 0; i < NSIG; i++)
			if (c->sigactions[i].handler > SIG_IGN)
				c->sigactions[i] = (struct k_sigaction){0};
	if (flags & CLONE_PARENT)
		proc_adopt_by_grandparent(c);
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
	if (flags & CLONE_PIDFD) {
		/* The parent's pidfd for the child, before the child can run and end. */
		struct file *pf = pidfd_file(c, false);
		int fd = pf ? fd_alloc(fs_files(), pf, 0, true) : -ENOMEM;
		if (pf && fd < 0)
			file_put(pf);
		if (fd < 0 || copy_to_domain(p->dom, rq->pidfd, &fd, sizeof fd) < 0) {
			if (fd >= 0)
				fd_close(fs_files(), fd);
			thread_free_unstarted(ct);
			proc_discard(c);
			return fd < 0 ? fd : -EFAULT;
		}
	}
	if (flags & CLONE_VFORK) {
		c->vfork_waiter = p->pid; /* before it runs: only it and p read it */
		c->vfork_child_pending = 1;
	}
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
	return do_clone(&(struct clone_req){.exit_signal = SIGCHLD});
}

SYSCALL(NR_vfork, vfork)
{
	return do_clone(&(struct clone_req){.flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD});
}

SYSCALL(NR_clone, clone)
{
	/* x86-64 argument order: flags, newsp, parent_tid, child_tid, tls */
	u64 flags = a0;
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL; /* clone(2) passes both through parent_tid */
	struct clone_req rq = {.flags = flags & ~(u64)CSIGNAL, .newsp = a1, .parent_tid = a2,
			       .child_tid = a3, .tls = a4, .pidfd = a2, .exit_signal = (int)(flags & CSIGNAL)};
	if (flags & CLONE_CLEAR_SIGHAND)
		return -EINVAL; /* a clone3 flag only */
	if (rq.exit_signal > NSIG)
		return -EINVAL;
	return do_clone(&rq);
}

/* struct clone_args (linux/sched.h): 64 bytes first, then set_tid and cgroup. */
struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

SYSCALL(NR_clone3, clone3)
{
	struct clone_args ca = {0};
	u64 size = a1;
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_domain(cur_dom(), &ca, a0, MIN(size, sizeof ca)) < 0)
		return -EFAULT;
	/* A larger structure than ours is fine while what we do not know is zero. */
	for (u64 off = sizeof ca; off < size; off++) {
		u8 b;
		if (copy_from_domain(cur_dom(), &b, a0 + off, 1) < 0)
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (ca.flags & CSIGNAL)
		return -EINVAL; /* the exit signal has its own field */
	if (ca.exit_signal > NSIG)
		return -EINVAL;
	if (ca.exit_signal && (ca.flags & (CLONE_THREAD | CLONE_PARENT)))
		return -EINVAL;
	if ((ca.stack == 0) != (ca.stack_size == 0))
		return -EINVAL;
	if (ca.set_tid_size || ca.set_tid) {
		unsupported("clone3 set_tid (choosing pids)", ca.set_tid_size);
		return -EINVAL;
	}
	if (ca.flags & CLONE_INTO_CGROUP) {
		unsupported("clone3 CLONE_INTO_CGROUP (no cgroups)", ca.cgroup);
		return -EINVAL;
	}
	struct clone_req rq = {.flags = ca.flags, .newsp = ca.stack ? ca.stack + ca.stack_size : 0,
			       .parent_tid = ca.parent_tid, .child_tid = ca.child_tid, .tls = ca.tls,
			       .pidfd = ca.pidfd, .exit_signal = (int)ca.exit_signal};
	return do_clone(&rq);
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

/* ---- unshare(2) and setns(2) ---- */

#define CLONE_NEWTIME   0x00000080
#define CLONE_NEWNS     0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS    0x04000000
#define CLONE_NEWIPC    0x08000000
#define CLONE_NEWUSER   0x10000000
#define CLONE_NEWPID    0x20000000
#define CLONE_NEWNET    0x40000000
#define CLONE_NEWNS_ALL                                                                     \
	(CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |          \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define UNSHARE_KNOWN                                                                        \
	(CLONE_NEWNS_ALL | CLONE_FILES | CLONE_FS | CLONE_SYSVSEM | CLONE_THREAD |              \
	 CLONE_SIGHAND | CLONE_VM)

/*
 * unshare(2): this process stops sharing what it shares. Its descriptor
 * table may be shared with another process (clone's CLONE_FILES): that is
 * copied. Its working directory, root and umask, and its SEM_UNDO list,
 * Ferry keeps per process and never shares with another, so for a
 * process of one thread CLONE_FS and CLONE_SYSVSEM have nothing to do;
 * a thread cannot take them apart from its process (EINVAL and a log
 * line). CLONE_THREAD, CLONE_SIGHAND and CLONE_VM are a process of one
 * thread already (Linux: EINVAL otherwise). Ferry has no namespaces:
 * like a Linux built without them, EINVAL, after the privilege check
 * Linux makes first (EPERM without CAP_SYS_ADMIN, but for CLONE_NEWUSER).
 */
SYSCALL(NR_unshare, unshare)
{
	u64 flags = (u32)a0; /* an int in Linux's prototype */
	if (flags & ~(u64)UNSHARE_KNOWN)
		return -EINVAL;
	bool alone = cur_alone();
	if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && !alone)
		return -EINVAL;
	if (flags & CLONE_NEWNS_ALL) {
		if ((flags & (CLONE_NEWNS_ALL & ~CLONE_NEWUSER)) &&
		    !cred_capable(cur_cred(), CAP_SYS_ADMIN))
			return -EPERM;
		unsupported("unshare namespace flags", flags & CLONE_NEWNS_ALL);
		return -EINVAL;
	}
	if ((flags & (CLONE_FS | CLONE_SYSVSEM)) && !alone) {
		unsupported("unshare in a threaded process, flags", flags & (CLONE_FS | CLONE_SYSVSEM));
		return -EINVAL;
	}
	if (flags & CLONE_FILES)
		return fs_unshare_files();
	return 0;
}

/*
 * setns(2) joins the namespace a file names (/proc/<pid>/ns/..., a
 * pidfd). Ferry has no namespaces, so no file names one: EBADF for a bad
 * descriptor, else EINVAL as Linux gives for a file that is no namespace.
 */
SYSCALL(NR_setns, setns)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	file_put(f);
	return -EINVAL;
}
