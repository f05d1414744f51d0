/*
 * The signal system calls: dispositions, masks, waiting for a signal,
 * alternate stacks, rt_sigreturn, and sending (kill, tgkill, tkill), which
 * only reaches processes the sender may signal (proc_may_signal: its own
 * user's, or any with CAP_KILL). Generation and delivery are in signal.c.
 */
#include "proc/signal.h"
#include "proc/cred.h"
#include "proc/sigframe.h"
#include "proc/proc.h"
#include "proc/cur.h"
#include "mm/domain.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "arch/x86_64/time.h"
#include "sys/syscall.h"

SYSCALL(NR_rt_sigaction, rt_sigaction)
{
	int sig = (int)a0;
	struct proc *p = cur_proc();
	if (sig < 1 || sig > NSIG || a3 != 8)
		return -EINVAL;
	struct k_sigaction act, old;
	if (a1) {
		if (copy_from_domain(p->dom, &act, a1, sizeof act) < 0)
			return -EFAULT;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		act.mask &= ~UNBLOCKABLE;
	}
	/* One critical section: the new disposition and the discard it implies land together. */
	spin_lock(&p->lock);
	struct k_sigaction *slot = &p->sigactions[sig - 1];
	if (a2)
		old = *slot;
	if (a1) {
		*slot = act;
		/* Setting SIG_IGN discards what is pending (POSIX); a handler never does. */
		if (act.handler <= SIG_IGN && signal_is_ignored(p, sig))
			sigqueue_discard_locked(p, SIGBIT(sig));
	}
	spin_unlock(&p->lock);
	if (a2 && copy_to_domain(p->dom, a2, &old, sizeof old) < 0)
		return -EFAULT;
	return 0;
}

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

SYSCALL(NR_rt_sigprocmask, rt_sigprocmask)
{
	struct thread *t = current_thread();
	struct domain *d = cur_dom();
	if (a3 != 8)
		return -EINVAL;
	u64 old = thread_sig_mask(t), set;
	if (a1) {
		if (copy_from_domain(d, &set, a1, sizeof set) < 0)
			return -EFAULT;
		switch ((int)a0) {
		case SIG_BLOCK:
			set |= old;
			break;
		case SIG_UNBLOCK:
			set = old & ~set;
			break;
		case SIG_SETMASK:
			break;
		default:
			return -EINVAL;
		}
		thread_set_sig_mask(t, set & ~UNBLOCKABLE);
	}
	if (a2 && copy_to_domain(d, a2, &old, sizeof old) < 0)
		return -EFAULT;
	return 0;
}

/*
 * rt_sigsuspend: wait with a temporary mask until a handled signal
 * arrives. The thread parks on nothing: only a signal's kick wakes it, and
 * the delivery path ends the call with EINTR (never restarted) and gives
 * the handler's frame the caller's own mask to return to.
 */
SYSCALL(NR_rt_sigsuspend, rt_sigsuspend)
{
	struct thread *t = current_thread();
	if (a1 != 8)
		return -EINVAL;
	if (!park_restarting()) {
		u64 m;
		if (copy_from_domain(cur_dom(), &m, a0, sizeof m) < 0)
			return -EFAULT;
		t->saved_sig_mask = thread_sig_mask(t);
		t->restore_sigmask = true;
		thread_set_sig_mask(t, m & ~UNBLOCKABLE); /* ordered before the look below */
	}
	if (signal_pending(t))
		return -EINTR; /* delivered on the way out, with the frame's mask set right */
	return park_for_signal();
}

SYSCALL(NR_pause, pause)
{
	struct thread *t = current_thread();
	assert(t);
	if (signal_pending(t))
		return -EINTR;
	return park_for_signal();
}

/*
 * restart_syscall(2): on Linux, the kernel's way back into a call it
 * interrupted that must resume with changed arguments (a sleep's time
 * left), through a restart block the call left behind. Ferry restarts
 * such calls inside the kernel (invariant 3: the park keeps what they
 * need) and never leaves a block behind, so a program calling this
 * itself gets what Linux gives when there is none: EINTR.
 */
SYSCALL(NR_restart_syscall, restart_syscall)
{
	return -EINTR;
}

SYSCALL(NR_rt_sigpending, rt_sigpending)
{
	struct thread *t = current_thread();
	if (a1 != 8)
		return -EINVAL;
	u64 set = (__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) |
		   __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE)) & thread_sig_mask(t);
	return copy_to_domain(cur_dom(), a0, &set, sizeof set) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_rt_sigreturn, rt_sigreturn)
{
	struct thread *t = current_thread();
	struct trapframe *tf = thread_live_frame();
	struct ucontext64 uc;
	/* The handler's ret popped pretcode: rsp points at the ucontext. */
	if (copy_from_domain(cur_dom(), &uc, tf->rsp, sizeof uc) < 0)
		goto bad;
	struct sigcontext64 *mc = &uc.mc;
	if (!user_rip_ok(mc->rip))
		goto bad; /* iretq to it would fault in the kernel (proc.h) */
	if (mc->fpstate && copy_from_domain(cur_dom(), t->fpu, mc->fpstate, sizeof t->fpu) < 0)
		goto bad;
	if (mc->fpstate) {
		*(u32 *)&t->fpu[24] &= 0xffff; /* MXCSR: reserved bits would #GP on fxrstor */
		asm volatile("fxrstor64 (%0)" : : "r"(t->fpu) : "memory");
	}
	tf->r8 = mc->r8, tf->r9 = mc->r9, tf->r10 = mc->r10, tf->r11 = mc->r11;
	tf->r12 = mc->r12, tf->r13 = mc->r13, tf->r14 = mc->r14, tf->r15 = mc->r15;
	tf->rdi = mc->rdi, tf->rsi = mc->rsi, tf->rbp = mc->rbp, tf->rbx = mc->rbx;
	tf->rdx = mc->rdx, tf->rcx = mc->rcx, tf->rsp = mc->rsp, tf->rip = mc->rip;
	tf->rflags = (tf->rflags & ~USER_RFLAGS) | (mc->eflags & USER_RFLAGS);
	thread_set_sig_mask(t, uc.sigmask & ~UNBLOCKABLE);
	t->full_restore = true;
	return (long)mc->rax; /* becomes rax again */
bad:
	signal_fault(t, tf, SIGSEGV, tf->rsp, "bad signal frame");
	return 0;
}

struct stack_t64 {
	u64 ss_sp;
	i32 ss_flags, pad;
	u64 ss_size;
};

#define MINSIGSTKSZ 2048

SYSCALL(NR_sigaltstack, sigaltstack)
{
	struct thread *t = current_thread();
	struct domain *d = cur_dom();
	struct trapframe *tf = thread_live_frame();
	bool on = t->altstack_size && tf->rsp - t->altstack_sp < t->altstack_size;
	struct stack_t64 old = {.ss_sp = t->altstack_sp, .ss_size = t->altstack_size,
				.ss_flags = on ? SS_ONSTACK : (t->altstack_size ? 0 : SS_DISABLE)};
	if (a0) {
		struct stack_t64 ss;
		if (copy_from_domain(d, &ss, a0, sizeof ss) < 0)
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.ss_flags & ~SS_DISABLE)
			return -EINVAL;
		if (ss.ss_flags & SS_DISABLE) {
			t->altstack_sp = t->altstack_size = 0;
		} else {
			if (ss.ss_size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack_sp = ss.ss_sp;
			t->altstack_size = ss.ss_size;
		}
	}
	if (a1 && copy_to_domain(d, a1, &old, sizeof old) < 0)
		return -EFAULT;
	return 0;
}


/* The live process with a thread tid (kill(2) takes thread ids too); under proc_tree_lock. */
static struct proc *proc_of_tid(u32 tid)
{
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *p = proc_find(i);
		if (!p || p->state != PROC_ALIVE)
			continue;
		spin_lock(&p->lock);
		bool has = proc_thread_locked(p, tid);
		spin_unlock(&p->lock);
		if (has)
			return p;
	}
	return NULL;
}

/* What kill(2) and its kin tell the receiver: SI_USER or SI_TKILL, and who sent it. */
static struct siginfo64 sender_info(int sig, int code)
{
	struct siginfo64 info = {.si_signo = sig, .si_code = code};
	info.f.kill.pid = cur_proc()->pid;
	info.f.kill.uid = cur_cred()->uid; /* the sender's real uid, as Linux */
	return info;
}

/*
 * info to p if the caller may: 0 or -EPERM (-EAGAIN: a queue limit, for
 * a limited sender). A zombie is only checked (send false). Under
 * proc_tree_lock.
 */
static int send_checked(struct proc *p, const struct siginfo64 *info, bool send, bool limited)
{
	int sig = info->si_signo;
	if (!proc_may_signal(cur_cred(), p, send ? sig : 0))
		return -EPERM;
	if (sig && send)
		return signal_send_proc_info(p, info, limited);
	return 0;
}

/*
 * kill(2): pid > 0 one process (a zombie still exists: kill(pid, 0) says
 * so, a signal does nothing); 0 the caller's group, < -1 group -pid: done
 * if any member took it, else the last refusal; -1 everyone but init and
 * the caller the sender may signal, done if there was anyone (Linux
 * counts refusals there as nothing).
 */
SYSCALL(NR_kill, kill)
{
	i32 pid = (i32)a0;
	int sig = (int)a1;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH; /* -INT_MIN names no group (Linux) */
	struct proc *self = cur_proc();
	struct siginfo64 info = sender_info(sig, SI_USER);
	int r = -ESRCH;
	spin_lock(&proc_tree_lock);
	if (pid > 0) {
		struct proc *p = proc_find((u32)pid);
		if (!p)
			p = proc_of_tid((u32)pid); /* another thread's id: its whole process, as Linux */
		if (p && p->state != PROC_REAPED)
			r = send_checked(p, &info, p->state == PROC_ALIVE, false);
	} else if (pid != -1) {
		u32 pgid = pid == 0 ? self->pgid : (u32)-pid;
		bool any = false;
		for (u32 i = 1; pgid && i < PID_MAX; i++) {
			struct proc *p = proc_find(i);
			if (!p || p->state != PROC_ALIVE || p->pgid != pgid)
				continue;
			r = send_checked(p, &info, true, false);
			any |= r == 0;
		}
		if (any)
			r = 0;
	} else {
		for (u32 i = 1; i < PID_MAX; i++) {
			struct proc *p = proc_find(i);
			if (!p || p->state != PROC_ALIVE || p == init_proc || p == self)
				continue;
			send_checked(p, &info, true, false);
			r = 0;
		}
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

/*
 * info to thread tid of p if it has one and the caller may: 0, -ESRCH,
 * -EPERM, or -EAGAIN if a queue limit refused it. Under proc_tree_lock
 * (p stays); the thread stays while p's lock is held.
 */
static int signal_tid(struct proc *p, u32 tid, const struct siginfo64 *info, bool limited)
{
	int sig = info->si_signo;
	if (!p || p->state != PROC_ALIVE)
		return -ESRCH;
	spin_lock(&p->lock);
	bool found = proc_thread_locked(p, tid);
	spin_unlock(&p->lock);
	if (!found)
		return -ESRCH;
	if (!proc_may_signal(cur_cred(), p, sig))
		return -EPERM;
	if (!sig)
		return 0;
	if (sig == SIGKILL) {
		signal_send_proc(p, sig); /* the whole process dies */
		return 0;
	}
	int r = 0;
	spin_lock(&p->lock);
	struct thread *t = proc_thread_locked(p, tid);
	if (t)
		r = signal_send_thread_info(t, info, limited);
	spin_unlock(&p->lock);
	/* After the signal is pending, so that its handler runs once the process goes on. */
	if (t && r == 0 && sig == SIGCONT)
		proc_continue_locked(p); /* it takes p's lock */
	return t ? r : -ESRCH;
}

/*
 * tgkill and tkill: sig to the one thread tid (of process tgid, or of any
 * process when tgid is 0): only that thread takes it, even while another
 * thread of its process would not block it (raise and pthread_kill).
 */
static long kill_thread(u32 tgid, u32 tid, const struct siginfo64 *info, bool limited)
{
	int sig = info->si_signo;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct proc *self = cur_proc();
	spin_lock(&proc_tree_lock);
	int r = signal_tid(tgid ? proc_find(tgid) : self, tid, info, limited);
	for (u32 i = 1; r == -ESRCH && !tgid && i < PID_MAX; i++)
		r = signal_tid(proc_find(i), tid, info, limited);
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_tgkill, tgkill)
{
	if ((i32)a0 <= 0 || (i32)a1 <= 0)
		return -EINVAL;
	struct siginfo64 info = sender_info((int)a2, SI_TKILL);
	return kill_thread((u32)a0, (u32)a1, &info, false);
}

SYSCALL(NR_tkill, tkill)
{
	if ((i32)a0 <= 0)
		return -EINVAL;
	struct siginfo64 info = sender_info((int)a1, SI_TKILL);
	return kill_thread(0, (u32)a0, &info, false);
}

/*
 * The siginfo a sigqueue-like call passes: its own, but a process may not
 * pretend to be the kernel or kill(2) (si_code >= 0, or SI_TKILL) to
 * anyone but itself (rt_sigqueueinfo(2)).
 */
static long user_info(u64 uinfo, int sig, u32 target, struct siginfo64 *info)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (copy_from_domain(cur_dom(), info, uinfo, sizeof *info) < 0)
		return -EFAULT;
	if ((info->si_code >= 0 || info->si_code == SI_TKILL) && target != current_thread()->tid)
		return -EPERM;
	info->si_signo = sig;
	return 0;
}

SYSCALL(NR_rt_sigqueueinfo, rt_sigqueueinfo)
{
	int pid = (int)a0, sig = (int)a1;
	struct siginfo64 info;
	long r = user_info(a2, sig, (u32)pid, &info);
	if (r < 0)
		return r;
	if (pid <= 0)
		return -ESRCH;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find((u32)pid);
	if (!p)
		p = proc_of_tid((u32)pid);
	r = p && p->state != PROC_REAPED ? send_checked(p, &info, p->state == PROC_ALIVE, true)
					  : -ESRCH;
	spin_unlock(&proc_tree_lock);
	return r;
}

SYSCALL(NR_rt_tgsigqueueinfo, rt_tgsigqueueinfo)
{
	int tgid = (int)a0, tid = (int)a1, sig = (int)a2;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	struct siginfo64 info;
	long r = user_info(a3, sig, (u32)tid, &info);
	if (r < 0)
		return r;
	return kill_thread((u32)tgid, (u32)tid, &info, true);
}

/*
 * rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): take one of the
 * signals in a set, pending or yet to come, without running a handler.
 * The thread says which signals it waits for (thread.sigwait) before it
 * looks for one, so a sender either finds that and wakes it or has made
 * the signal pending before the look (the order of sigsuspend, see
 * thread_set_sig_mask). A signal outside the set that the mask lets in
 * ends the wait with EINTR and runs its handler; the timeout gives EAGAIN.
 */
SYSCALL(NR_rt_sigtimedwait, rt_sigtimedwait)
{
	struct thread *t = current_thread();
	if (a3 != 8)
		return -EINVAL;
	u64 set;
	if (copy_from_domain(cur_dom(), &set, a0, sizeof set) < 0)
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	u64 deadline;
	if (park_restarting()) {
		deadline = park_deadline(0);
	} else {
		deadline = 0;
		if (a2) {
			i64 ts[2];
			if (copy_from_domain(cur_dom(), ts, a2, sizeof ts) < 0)
				return -EFAULT;
			if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
				return -EINVAL;
			u64 now = tsc_ns();
			u64 ns = (u64)ts[0] > (~0UL - now) / 1000000000UL ? ~0UL - now
									  : (u64)ts[0] * 1000000000UL + (u64)ts[1];
			deadline = now + MIN(ns, ~0UL - now);
		}
		park_deadline(deadline);
	}
	__atomic_store_n(&t->sigwait, set, __ATOMIC_SEQ_CST); /* before the look: see above */
	struct siginfo64 info;
	int sig = sigqueue_take(t, set, &info);
	if (sig || signal_pending(t) || (deadline && tsc_ns() >= deadline)) {
		__atomic_store_n(&t->sigwait, 0, __ATOMIC_RELAXED);
		if (!sig)
			return signal_pending(t) ? -EINTR : -EAGAIN;
		if (a1 && copy_to_domain(cur_dom(), a1, &info, sizeof info) < 0)
			return -EFAULT;
		return sig;
	}
	park_timeout(deadline);
	return park_for_signal();
}
