/*
 * Signal generation and delivery (signal(7), and the x86-64 rt_sigframe
 * that rt_sigreturn(2) unwinds). Job control: a stop signal's default
 * action stops the whole process when a thread takes it (proc_stop);
 * SIGCONT continues it as soon as it is sent (proc_continue_locked).
 */
#include "proc/signal.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

enum dfl { TERM, CORE, IGNORE, STOP };

static enum dfl default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return CORE;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return STOP;
	case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT: /* SIGCONT acts when sent */
		return IGNORE;
	default:
		return TERM;
	}
}

int signal_exit_status(int sig)
{
	return sig | (default_action(sig) == CORE ? 0x80 : 0);
}

/* x86-64 signal frame (Linux uapi asm/sigcontext.h and asm/ucontext.h). */
struct sigcontext64 {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;
	u64 reserved1[8];
};

struct ucontext64 {
	u64 uc_flags;
	u64 uc_link;
	u64 ss_sp;
	u32 ss_flags, pad;
	u64 ss_size;
	struct sigcontext64 mc;
	u64 sigmask;
};

struct siginfo64 {
	i32 si_signo, si_errno, si_code, pad;
	union {
		u64 addr;            /* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
		struct {
			u32 pid, uid;
			i32 status;  /* SIGCHLD */
		} kill;
		u8 bytes[112];
	} f;
};
BUILD_ASSERT(sizeof(struct siginfo64) == 128);
BUILD_ASSERT(sizeof(struct ucontext64) == 304);

struct rt_sigframe {
	u64 pretcode;
	struct ucontext64 uc;
	struct siginfo64 info;
};

#define SI_USER 0
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SEGV_MAPERR 1
#define SS_ONSTACK 1
#define SS_DISABLE 2
/* Flags user code may change through sigreturn: CF PF AF ZF SF TF DF OF AC. */
#define USER_RFLAGS 0x40dd5

bool signal_is_ignored(struct proc *p, int sig)
{
	u64 h = p->sigactions[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && default_action(sig) == IGNORE);
}

/* Sending sig to p: what it does at once, whether or not it is blocked or handled. */
static void on_send(struct proc *p, int sig)
{
	if (sig == SIGCONT)
		proc_continue_locked(p);
	else if (default_action(sig) == STOP)
		__atomic_fetch_and(&p->sig_pending, ~SIGBIT(SIGCONT), __ATOMIC_ACQ_REL);
}

void signal_send_thread(struct thread *t, int sig)
{
	if (sig == SIGKILL) {
		proc_exit_all(t->proc, signal_exit_status(SIGKILL));
		return;
	}
	if (sig != SIGCONT) /* SIGCONT: the caller continues the process after (signal_tid) */
		on_send(t->proc, sig);
	if (signal_is_ignored(t->proc, sig))
		return;
	__atomic_fetch_or(&t->sig_pending, SIGBIT(sig), __ATOMIC_ACQ_REL);
	if (!(t->sig_mask & SIGBIT(sig)))
		thread_kick(t);
}

void signal_send_proc(struct proc *p, int sig)
{
	if (!p || sig < 1 || sig > NSIG)
		return;
	if (sig == SIGKILL) {
		proc_exit_all(p, signal_exit_status(SIGKILL));
		return;
	}
	/*
	 * Pending before on_send: a SIGCONT that continues p must be there
	 * for its handler when p's threads run again.
	 */
	bool ignored = signal_is_ignored(p, sig);
	if (!ignored)
		__atomic_fetch_or(&p->sig_pending, SIGBIT(sig), __ATOMIC_ACQ_REL);
	on_send(p, sig);
	if (ignored)
		return;
	/* Any thread that does not block it will take it: wake them all. */
	spin_lock(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		if (!(t->sig_mask & SIGBIT(sig)))
			thread_kick(t);
	}
	spin_unlock(&p->lock);
}

int signal_send_group_locked(u32 pgid, int sig)
{
	int n = 0;
	if (!pgid)
		return 0;
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *p = proc_find(i);
		if (!p || p->state != PROC_ALIVE || p->pgid != pgid)
			continue;
		n++;
		if (sig)
			signal_send_proc(p, sig);
	}
	return n;
}

int signal_send_group(u32 pgid, int sig)
{
	spin_lock(&proc_tree_lock);
	int n = signal_send_group_locked(pgid, sig);
	spin_unlock(&proc_tree_lock);
	return n;
}

static int take_pending(struct thread *t)
{
	for (;;) {
		u64 mine = __atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) & ~t->sig_mask;
		u64 shared = __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE) & ~t->sig_mask;
		u64 *src = mine ? &t->sig_pending : &t->proc->sig_pending;
		u64 set = mine ? mine : shared;
		if (!set)
			return 0;
		int sig = __builtin_ctzll(set) + 1;
		if (__atomic_fetch_and(src, ~SIGBIT(sig), __ATOMIC_ACQ_REL) & SIGBIT(sig))
			return sig;
	}
}

/* Calls that return EINTR after a handler even with SA_RESTART (signal(7)). */
static bool never_restarted(u64 nr)
{
	return nr == NR_nanosleep || nr == NR_clock_nanosleep || nr == NR_poll || nr == NR_ppoll ||
	       nr == NR_select || nr == NR_pselect6 || nr == NR_pause || nr == NR_rt_sigsuspend ||
	       nr == NR_epoll_wait || nr == NR_epoll_pwait;
}

/* nanosleep interrupted: tell the caller how much of the sleep was left. */
static void report_time_left(struct thread *t, struct trapframe *tf)
{
	u64 rem_addr = 0;
	if (t->park.nr == NR_nanosleep)
		rem_addr = tf->rsi;
	else if (t->park.nr == NR_clock_nanosleep && !(tf->rsi & 1 /* TIMER_ABSTIME */))
		rem_addr = tf->r10;
	if (!rem_addr)
		return;
	u64 now = tsc_ns(), left = t->park.deadline > now ? t->park.deadline - now : 0;
	i64 ts[2] = {(i64)(left / 1000000000UL), (i64)(left % 1000000000UL)};
	copy_to_domain(t->proc->dom, rem_addr, ts, sizeof ts);
}

static void kill_by(struct thread *t, int sig)
{
	proc_exit_all(t->proc, signal_exit_status(sig));
}

static bool push_frame(struct thread *t, struct trapframe *tf, int sig, const struct k_sigaction *a,
		       const struct siginfo64 *info)
{
	struct domain *d = t->proc->dom;
	u64 sp = tf->rsp;
	bool on_alt = t->altstack_size && sp - t->altstack_sp < t->altstack_size;
	if ((a->flags & SA_ONSTACK) && t->altstack_size && !(t->altstack_flags & SS_DISABLE) && !on_alt)
		sp = t->altstack_sp + t->altstack_size;
	sp -= 128; /* the red zone of the interrupted code */
	sp = ALIGN_DOWN(sp - sizeof t->fpu, 64);
	u64 fpstate = sp;
	sp = ALIGN_DOWN(sp - sizeof(struct rt_sigframe), 16) - 8;

	struct rt_sigframe f;
	memset(&f, 0, sizeof f);
	f.pretcode = a->restorer;
	f.uc.ss_sp = t->altstack_sp;
	f.uc.ss_size = t->altstack_size;
	f.uc.ss_flags = on_alt ? SS_ONSTACK : (t->altstack_size ? 0 : SS_DISABLE);
	struct sigcontext64 *mc = &f.uc.mc;
	mc->r8 = tf->r8, mc->r9 = tf->r9, mc->r10 = tf->r10, mc->r11 = tf->r11;
	mc->r12 = tf->r12, mc->r13 = tf->r13, mc->r14 = tf->r14, mc->r15 = tf->r15;
	mc->rdi = tf->rdi, mc->rsi = tf->rsi, mc->rbp = tf->rbp, mc->rbx = tf->rbx;
	mc->rdx = tf->rdx, mc->rax = tf->rax, mc->rcx = tf->rcx, mc->rsp = tf->rsp;
	mc->rip = tf->rip, mc->eflags = tf->rflags;
	mc->cs = (u16)tf->cs, mc->ss = (u16)tf->ss;
	mc->err = tf->error;
	mc->trapno = tf->vector;
	mc->cr2 = info->f.addr;
	/* After sigsuspend/ppoll the handler returns to the caller's own mask. */
	u64 frame_mask = t->restore_sigmask ? t->saved_sig_mask : t->sig_mask;
	mc->oldmask = frame_mask;
	mc->fpstate = fpstate;
	f.uc.sigmask = frame_mask;
	f.info = *info;
	if (copy_to_domain(d, fpstate, t->fpu, sizeof t->fpu) < 0 ||
	    copy_to_domain(d, sp, &f, sizeof f) < 0)
		return false;
	tf->rsp = sp;
	tf->rip = a->handler;
	tf->rdi = (u64)sig;
	tf->rsi = sp + offsetof(struct rt_sigframe, info);
	tf->rdx = sp + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(0x400UL | 0x100UL); /* DF and TF clear in the handler */
	t->full_restore = true;
	return true;
}

static void deliver_one(struct thread *t, struct trapframe *tf, int sig, const struct siginfo64 *info)
{
	struct proc *p = t->proc;
	spin_lock(&p->lock);
	struct k_sigaction a = p->sigactions[sig - 1];
	if (a.handler > SIG_IGN && (a.flags & SA_RESETHAND))
		p->sigactions[sig - 1].handler = SIG_DFL;
	spin_unlock(&p->lock);
	if (a.handler == SIG_IGN || (a.handler == SIG_DFL && default_action(sig) == IGNORE))
		return;
	if (a.handler == SIG_DFL && default_action(sig) == STOP) {
		/*
		 * The frame is left as it is: a call parked in the kernel runs
		 * again (restarted) once the process continues.
		 */
		if (p != init_proc)
			proc_stop(p, sig);
		return;
	}
	if (a.handler == SIG_DFL) {
		kill_by(t, sig);
		return;
	}
	/* A call parked in the kernel: restart it after the handler, or fail it with EINTR. */
	if (t->park.nr >= 0) {
		if (!(a.flags & SA_RESTART) || never_restarted((u64)t->park.nr)) {
			tf->rip += 2; /* past the syscall instruction */
			report_time_left(t, tf);
			/* A call that moved some data reports that much, not EINTR. */
			tf->rax = t->park.progress ? t->park.progress : (u64)-EINTR;
		}
		park_cancel(&t->park); /* the call starts afresh, if at all */
	}
	if (!push_frame(t, tf, sig, &a, info)) {
		pr_info("ferry: pid %u (%s): cannot write a signal frame for signal %d, killed\n",
			p->pid, p->name, sig);
		kill_by(t, SIGSEGV);
		return;
	}
	if (t->restore_sigmask) {
		t->sig_mask = t->saved_sig_mask;
		t->restore_sigmask = false;
	}
	t->sig_mask |= a.mask | (a.flags & SA_NODEFER ? 0 : SIGBIT(sig));
	t->sig_mask &= ~UNBLOCKABLE;
}

void signal_deliver_frame(struct thread *t, struct trapframe *tf)
{
	int sig;
	/* The handler sees the FPU state of the interrupted code. */
	if (tf != &t->regs)
		asm volatile("fxsave64 (%0)" : : "r"(t->fpu) : "memory");
	while (!__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&t->proc->stopped, __ATOMIC_ACQUIRE) && (sig = take_pending(t))) {
		struct siginfo64 info = {.si_signo = sig, .si_code = SI_USER};
		if (sig == SIGCHLD) {
			/* The last child to change state (pending signals do not queue). */
			struct proc *p = t->proc;
			int st = __atomic_load_n(&p->last_child_status, __ATOMIC_RELAXED);
			info.f.kill.pid = __atomic_load_n(&p->last_child_pid, __ATOMIC_RELAXED);
			if (st == 0xffff) {
				info.si_code = CLD_CONTINUED;
				info.f.kill.status = SIGCONT;
			} else if ((st & 0xff) == 0x7f) {
				info.si_code = CLD_STOPPED;
				info.f.kill.status = (st >> 8) & 0xff;
			} else if ((st & 0x7f) == 0) {
				info.si_code = CLD_EXITED;
				info.f.kill.status = (st >> 8) & 0xff;
			} else {
				info.si_code = st & 0x80 ? CLD_DUMPED : CLD_KILLED;
				info.f.kill.status = st & 0x7f;
			}
		}
		deliver_one(t, tf, sig, &info);
	}
}

void signal_fault(struct thread *t, struct trapframe *tf, int sig, u64 addr, const char *what)
{
	struct proc *p = t->proc;
	u64 h = p->sigactions[sig - 1].handler;
	bool blocked = t->sig_mask & SIGBIT(sig);
	if (h > SIG_IGN && !blocked) {
		struct siginfo64 info = {.si_signo = sig, .si_code = SEGV_MAPERR, .f.addr = addr};
		asm volatile("fxsave64 (%0)" : : "r"(t->fpu) : "memory");
		deliver_one(t, tf, sig, &info);
		return;
	}
	/* Ignoring or blocking a synchronous fault would loop forever: it kills (as on Linux). */
	if (sig == SIGSEGV && addr < PAGE_SIZE)
		kprintf("ferry: pid %u (%s): %s at 0x%lx (null dereference), killed\n", p->pid, p->name,
			what, addr);
	else if (addr == tf->rip)
		kprintf("ferry: pid %u (%s): %s at rip 0x%lx, killed\n", p->pid, p->name, what, addr);
	else
		kprintf("ferry: pid %u (%s): %s at 0x%lx (rip 0x%lx), killed\n", p->pid, p->name, what,
			addr, tf->rip);
	kill_by(t, sig);
}

void signal_reset_on_exec(struct proc *p)
{
	spin_lock(&p->lock);
	for (int i = 0; i < NSIG; i++)
		if (p->sigactions[i].handler > SIG_IGN)
			p->sigactions[i] = (struct k_sigaction){0};
	spin_unlock(&p->lock);
}

/* ---- system calls ---- */

SYSCALL(NR_rt_sigaction, rt_sigaction)
{
	int sig = (int)a0;
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	if (sig < 1 || sig > NSIG || a3 != 8)
		return -EINVAL;
	struct k_sigaction act;
	if (a1 && copy_from_domain(p->dom, &act, a1, sizeof act) < 0)
		return -EFAULT;
	if (a1 && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	spin_lock(&p->lock);
	struct k_sigaction old = p->sigactions[sig - 1];
	if (a1) {
		act.mask &= ~UNBLOCKABLE;
		p->sigactions[sig - 1] = act;
	}
	spin_unlock(&p->lock);
	/* Setting SIG_IGN discards what is pending (POSIX). */
	if (a1 && signal_is_ignored(p, sig)) {
		__atomic_fetch_and(&p->sig_pending, ~SIGBIT(sig), __ATOMIC_ACQ_REL);
		__atomic_fetch_and(&t->sig_pending, ~SIGBIT(sig), __ATOMIC_ACQ_REL);
	}
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
	struct domain *d = t->proc->dom;
	if (a3 != 8)
		return -EINVAL;
	u64 old = t->sig_mask, set;
	if (a1) {
		if (copy_from_domain(d, &set, a1, sizeof set) < 0)
			return -EFAULT;
		switch (a0) {
		case SIG_BLOCK:
			t->sig_mask |= set;
			break;
		case SIG_UNBLOCK:
			t->sig_mask &= ~set;
			break;
		case SIG_SETMASK:
			t->sig_mask = set;
			break;
		default:
			return -EINVAL;
		}
		t->sig_mask &= ~UNBLOCKABLE;
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
	if (!t->park.restarting) {
		u64 m;
		if (copy_from_domain(t->proc->dom, &m, a0, sizeof m) < 0)
			return -EFAULT;
		t->saved_sig_mask = t->sig_mask;
		t->restore_sigmask = true;
		t->sig_mask = m & ~UNBLOCKABLE;
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

SYSCALL(NR_rt_sigpending, rt_sigpending)
{
	struct thread *t = current_thread();
	if (a1 != 8)
		return -EINVAL;
	u64 set = (__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) |
		   __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE)) & t->sig_mask;
	return copy_to_domain(t->proc->dom, a0, &set, sizeof set) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_rt_sigreturn, rt_sigreturn)
{
	struct thread *t = current_thread();
	struct trapframe *tf = thread_live_frame();
	struct ucontext64 uc;
	/* The handler's ret popped pretcode: rsp points at the ucontext. */
	if (copy_from_domain(t->proc->dom, &uc, tf->rsp, sizeof uc) < 0)
		goto bad;
	struct sigcontext64 *mc = &uc.mc;
	if (mc->fpstate && copy_from_domain(t->proc->dom, t->fpu, mc->fpstate, sizeof t->fpu) < 0)
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
	t->sig_mask = uc.sigmask & ~UNBLOCKABLE;
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
	struct domain *d = t->proc->dom;
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

SYSCALL(NR_kill, kill)
{
	i32 pid = (i32)a0;
	int sig = (int)a1;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct proc *self = current_thread()->proc;
	int found = 0;
	spin_lock(&proc_tree_lock);
	if (pid > 0) {
		struct proc *p = proc_find((u32)pid);
		if (!p)
			p = proc_of_tid((u32)pid); /* another thread's id: its whole process, as Linux */
		/* A zombie still exists (kill(pid, 0) says so); signalling it does nothing. */
		if (p && p->state != PROC_REAPED) {
			found = 1;
			if (sig)
				signal_send_proc(p, sig);
		}
	} else {
		/* 0: our group; -1: everyone but init and the caller (as Linux); < -1: group -pid. */
		if (pid != -1) {
			found = signal_send_group_locked(pid == 0 ? self->pgid : (u32)-pid, sig) > 0;
		} else {
			for (u32 i = 1; i < PID_MAX; i++) {
				struct proc *p = proc_find(i);
				if (!p || p->state != PROC_ALIVE || p == init_proc || p == self)
					continue;
				found = 1;
				if (sig)
					signal_send_proc(p, sig);
			}
		}
	}
	spin_unlock(&proc_tree_lock);
	return found ? 0 : -ESRCH;
}

/*
 * sig to thread tid of p if it has one: true if it does. Under
 * proc_tree_lock (p stays); the thread stays while p's lock is held.
 */
static bool signal_tid(struct proc *p, u32 tid, int sig)
{
	if (!p || p->state != PROC_ALIVE)
		return false;
	spin_lock(&p->lock);
	bool found = proc_thread_locked(p, tid);
	spin_unlock(&p->lock);
	if (!found || !sig)
		return found;
	if (sig == SIGKILL) {
		signal_send_proc(p, sig); /* the whole process dies */
		return true;
	}
	spin_lock(&p->lock);
	struct thread *t = proc_thread_locked(p, tid);
	if (t)
		signal_send_thread(t, sig);
	spin_unlock(&p->lock);
	/* After the signal is pending, so that its handler runs once the process goes on. */
	if (sig == SIGCONT)
		proc_continue_locked(p); /* it takes p's lock */
	return true;
}

/*
 * tgkill and tkill: sig to the one thread tid (of process tgid, or of any
 * process when tgid is 0): only that thread takes it, even while another
 * thread of its process would not block it (raise and pthread_kill).
 */
static long kill_thread(u32 tgid, u32 tid, int sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct proc *self = current_thread()->proc;
	spin_lock(&proc_tree_lock);
	bool found = signal_tid(tgid ? proc_find(tgid) : self, tid, sig);
	for (u32 i = 1; !found && !tgid && i < PID_MAX; i++)
		found = signal_tid(proc_find(i), tid, sig);
	spin_unlock(&proc_tree_lock);
	return found ? 0 : -ESRCH;
}

SYSCALL(NR_tgkill, tgkill)
{
	if ((i32)a0 <= 0 || (i32)a1 <= 0)
		return -EINVAL;
	return kill_thread((u32)a0, (u32)a1, (int)a2);
}

SYSCALL(NR_tkill, tkill)
{
	if ((i32)a0 <= 0)
		return -EINVAL;
	return kill_thread(0, (u32)a0, (int)a1);
}
