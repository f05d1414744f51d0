/*
 * Signal generation and delivery (signal(7), and the x86-64 rt_sigframe
 * that rt_sigreturn(2) unwinds). Job control: a stop signal's default
 * action stops the whole process when a thread takes it (proc_stop);
 * SIGCONT continues it as soon as it is sent (proc_continue_locked).
 */
#include "proc/signal.h"
#include "proc/proc.h"
#include "sched/waitq.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "sysnum.h"

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

#include "proc/sigframe.h"

bool signal_is_ignored(struct proc *p, int sig)
{
	u64 h = p->sigactions[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && default_action(sig) == IGNORE);
}

/*
 * signalfd readers and pollers wait on the queue of their process's pid,
 * hashed into a table that is never freed (a signalfd may outlive the
 * process that made it); a wake for another pid sharing the queue is
 * spurious and looked at again.
 */
#define SIGFD_QUEUES 64
static struct waitq sigfd_queues[SIGFD_QUEUES]; /* [I] after signal_init */

static struct waitq *sigfd_queue(u32 pid)
{
	return &sigfd_queues[pid % SIGFD_QUEUES];
}

void signal_init(void)
{
	for (int i = 0; i < SIGFD_QUEUES; i++)
		waitq_init(&sigfd_queues[i]);
}

/*
 * init takes only the signals it has a handler for: Linux never delivers
 * to it one whose action is the default, whoever sends it (SIGKILL and
 * SIGSTOP included), since init's end is the machine's. Faults are not
 * sent: an init that faults still dies (signal_fault).
 */
static bool init_ignores(struct proc *p, int sig)
{
	return p == init_proc &&
	       __atomic_load_n(&p->sigactions[sig - 1].handler, __ATOMIC_RELAXED) == SIG_DFL;
}

/* Would sig wake t: not blocked, or waited for by its sigtimedwait (after the pending bit). */
static bool wakes(struct thread *t, int sig)
{
	return !(thread_sig_mask(t) & SIGBIT(sig)) ||
	       (__atomic_load_n(&t->sigwait, __ATOMIC_SEQ_CST) & SIGBIT(sig));
}

/*
 * A blocked signal is never ignored when sent, as on Linux: its handler
 * may change before it is unblocked, and sigwaitinfo takes blocked
 * signals whatever their disposition (SIGCHLD's default included).
 */
static bool blocked_by(struct thread *t, int sig)
{
	return (thread_sig_mask(t) | __atomic_load_n(&t->sigwait, __ATOMIC_SEQ_CST)) & SIGBIT(sig);
}

/* A stop signal sent to p cancels a pending SIGCONT; caller holds p->lock. */
static void stop_sent_locked(struct proc *p, int sig)
{
	if (default_action(sig) == STOP)
		sigqueue_discard_locked(p, SIGBIT(SIGCONT));
}

int signal_send_thread_info(struct thread *t, const struct siginfo64 *info, bool limited)
{
	struct proc *p = t->proc;
	int sig = info->si_signo;
	if (init_ignores(p, sig))
		return 0;
	if (sig == SIGKILL) {
		proc_exit_all(p, signal_exit_status(SIGKILL));
		return 0;
	}
	/* SIGCONT: the caller continues the process after (signal_tid). */
	stop_sent_locked(p, sig);
	if (signal_is_ignored(p, sig) && !blocked_by(t, sig))
		return 0;
	int r = sigqueue_add(p, t, info, limited);
	if (r == 0 && wakes(t, sig))
		thread_kick(t);
	if (r == 0)
		waitq_wake_all(sigfd_queue(p->pid));
	return r;
}

int signal_send_proc_info(struct proc *p, const struct siginfo64 *info, bool limited)
{
	int sig = info->si_signo;
	if (!p || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (init_ignores(p, sig))
		return 0;
	if (sig == SIGKILL) {
		proc_exit_all(p, signal_exit_status(SIGKILL));
		return 0;
	}
	/*
	 * Pending before SIGCONT acts: a SIGCONT that continues p must be
	 * there for its handler when p's threads run again.
	 */
	bool ignored = signal_is_ignored(p, sig);
	if (ignored) {
		spin_lock(&p->lock);
		struct list_node *pos;
		list_for_each(pos, &p->threads)
			ignored &= !blocked_by(container_of(pos, struct thread, proc_node), sig);
		spin_unlock(&p->lock);
	}
	int r = ignored ? 0 : sigqueue_add(p, NULL, info, limited);
	if (r < 0)
		return r;
	if (sig == SIGCONT)
		proc_continue_locked(p);
	spin_lock(&p->lock);
	stop_sent_locked(p, sig);
	/* Any thread that does not block it will take it: wake them all. */
	struct list_node *pos;
	if (!ignored) {
		list_for_each(pos, &p->threads)
		{
			struct thread *t = container_of(pos, struct thread, proc_node);
			if (wakes(t, sig))
				thread_kick(t);
		}
	}
	spin_unlock(&p->lock);
	if (!ignored)
		waitq_wake_all(sigfd_queue(p->pid));
	return 0;
}

void signal_send_chld(struct proc *parent, u32 pid, int st)
{
	signal_send_exit(parent, SIGCHLD, pid, st);
}

void signal_send_exit(struct proc *parent, int sig, u32 pid, int st)
{
	struct siginfo64 info = {.si_signo = sig};
	info.f.kill.pid = pid;
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
	signal_send_proc_info(parent, &info, false);
}

void signal_send_thread(struct thread *t, int sig)
{
	struct siginfo64 info = {.si_signo = sig, .si_code = SI_KERNEL};
	signal_send_thread_info(t, &info, false);
}

void signal_send_proc(struct proc *p, int sig)
{
	struct siginfo64 info = {.si_signo = sig, .si_code = SI_KERNEL};
	signal_send_proc_info(p, &info, false);
}

int signal_send_group_info_locked(u32 pgid, const struct siginfo64 *info)
{
	assert(spin_is_locked(&proc_tree_lock));
	int n = 0;
	if (!pgid)
		return 0;
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *p = proc_find(i);
		if (!p || p->state != PROC_ALIVE || p->pgid != pgid)
			continue;
		n++;
		if (info->si_signo)
			signal_send_proc_info(p, info, false);
	}
	return n;
}

int signal_send_group_locked(u32 pgid, int sig)
{
	struct siginfo64 info = {.si_signo = sig, .si_code = SI_KERNEL};
	return signal_send_group_info_locked(pgid, &info);
}

int signal_send_group(u32 pgid, int sig)
{
	spin_lock(&proc_tree_lock);
	int n = signal_send_group_locked(pgid, sig);
	spin_unlock(&proc_tree_lock);
	return n;
}

/* Calls that return EINTR after a handler even with SA_RESTART (signal(7)). */
static bool never_restarted(u64 nr)
{
	return nr == NR_nanosleep || nr == NR_clock_nanosleep || nr == NR_poll || nr == NR_ppoll ||
	       nr == NR_select || nr == NR_pselect6 || nr == NR_pause || nr == NR_rt_sigsuspend ||
	       nr == NR_epoll_wait || nr == NR_epoll_pwait || nr == NR_epoll_pwait2 ||
	       nr == NR_rt_sigtimedwait || nr == NR_io_uring_enter ||
	       nr == NR_msgrcv || nr == NR_msgsnd || nr == NR_semop || nr == NR_semtimedop;
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
	if (!user_rip_ok(a->handler))
		return false; /* iretq to it would fault in the kernel (proc.h): killed instead */
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
	u64 frame_mask = t->restore_sigmask ? t->saved_sig_mask : thread_sig_mask(t);
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
	/*
	 * A call parked in the kernel: restart it after the handler, or fail
	 * it with EINTR. One that moved some data reports that much whatever
	 * SA_RESTART says: a restart would move it again.
	 */
	if (t->park.nr >= 0) {
		if (!(a.flags & SA_RESTART) || never_restarted((u64)t->park.nr) ||
		    t->park.no_restart || t->park.progress) {
			tf->rip += 2; /* past the syscall instruction */
			report_time_left(t, tf);
			tf->rax = t->park.progress ? t->park.progress : (u64)-EINTR;
		}
		park_cancel(&t->park); /* the call starts afresh, if at all */
		__atomic_store_n(&t->sigwait, 0, __ATOMIC_RELAXED);
	}
	if (!push_frame(t, tf, sig, &a, info)) {
		pr_info("ferry: pid %u (%s): cannot write a signal frame for signal %d, killed\n",
			p->pid, p->name, sig);
		kill_by(t, SIGSEGV);
		return;
	}
	u64 mask = thread_sig_mask(t);
	if (t->restore_sigmask) {
		mask = t->saved_sig_mask;
		t->restore_sigmask = false;
	}
	mask |= a.mask | (a.flags & SA_NODEFER ? 0 : SIGBIT(sig));
	thread_set_sig_mask(t, mask & ~UNBLOCKABLE);
}

/*
 * The stack pages a frame may go to (the stack in use, and the alternate
 * stack), in memory before any signal is taken: a page out in swap is
 * read back with the thread parked, instead of the frame's copy failing
 * and killing the process. false if it parked.
 */
static bool frame_pages_ready(struct thread *t, struct trapframe *tf)
{
	struct domain *d = t->proc->dom;
	u64 need = 128 + sizeof t->fpu + 64 + sizeof(struct rt_sigframe) + 16;
	int r = domain_populate_range(d, tf->rsp - need, need, REGION_WRITE, false);
	if (r == 0 && t->altstack_size && !(t->altstack_flags & SS_DISABLE)) {
		u64 n = MIN(need, t->altstack_size);
		r = domain_populate_range(d, t->altstack_sp + t->altstack_size - n, n, REGION_WRITE,
					  false);
	}
	return r != -ERESTART_PARK;
}

bool signal_deliver_frame(struct thread *t, struct trapframe *tf)
{
	int sig;
	if (!frame_pages_ready(t, tf))
		return false;
	/* The handler sees the FPU state of the interrupted code. */
	if (tf != &t->regs)
		asm volatile("fxsave64 (%0)" : : "r"(t->fpu) : "memory");
	struct siginfo64 info;
	while (!__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&t->proc->stopped, __ATOMIC_ACQUIRE) &&
	       (sig = sigqueue_take(t, ~thread_sig_mask(t), &info))) {
		deliver_one(t, tf, sig, &info);
	}
	/*
	 * A call's temporary mask (sigsuspend, ppoll) that no handler's frame
	 * took over, once the call is over (it returned EINTR): the caller's
	 * own mask is back now. A call still parked (the process stopped)
	 * keeps it for when it runs again.
	 */
	if (t->restore_sigmask && t->park.nr < 0) {
		thread_set_sig_mask(t, t->saved_sig_mask);
		t->restore_sigmask = false;
	}
	return true;
}

void signal_fault(struct thread *t, struct trapframe *tf, int sig, u64 addr, const char *what)
{
	struct proc *p = t->proc;
	u64 h = p->sigactions[sig - 1].handler;
	bool blocked = thread_sig_mask(t) & SIGBIT(sig);
	if (h > SIG_IGN && !blocked) {
		/* SIGBUS from a mapped file's page (past its end, unreadable): BUS_ADRERR. */
		int code = sig == SIGBUS && addr != tf->rip ? 2 : SEGV_MAPERR;
		struct siginfo64 info = {.si_signo = sig, .si_code = code, .f.addr = addr};
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

void signal_send_io(int who, bool thread, int sig, int code, i64 band, int fd)
{
	struct siginfo64 info = {.si_signo = sig, .si_code = SI_KERNEL};
	if (sig != SIGIO || code) {
		info.si_code = code;
		info.f.poll.band = band;
		info.f.poll.fd = fd;
	}
	spin_lock(&proc_tree_lock);
	if (who < 0) {
		signal_send_group_info_locked((u32)-who, &info);
	} else if (thread) {
		struct proc *p;
		struct thread *t = thread_find_locked((u32)who, NULL, &p);
		if (t) {
			signal_send_thread_info(t, &info, false);
			spin_unlock(&p->lock);
		}
	} else {
		struct proc *p = proc_find((u32)who);
		if (p && p->state == PROC_ALIVE)
			signal_send_proc_info(p, &info, false);
	}
	spin_unlock(&proc_tree_lock);
}

void signal_send_mesgq(u32 pid, int sig, u64 value, u32 sender)
{
	struct siginfo64 info = {.si_signo = sig, .si_code = SI_MESGQ};
	info.f.rt.pid = sender;
	info.f.rt.value = value;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (p && p->state == PROC_ALIVE)
		signal_send_proc_info(p, &info, false);
	spin_unlock(&proc_tree_lock);
}

bool signal_io_target_exists(int who, bool thread)
{
	if (who < 0)
		return who != INT32_MIN && signal_send_group((u32)-who, 0) > 0;
	spin_lock(&proc_tree_lock);
	bool found;
	if (thread) {
		struct proc *p;
		struct thread *t = thread_find_locked((u32)who, NULL, &p);
		if (t)
			spin_unlock(&p->lock);
		found = t != NULL;
	} else {
		struct proc *p = proc_find((u32)who);
		found = p && p->state != PROC_REAPED;
	}
	spin_unlock(&proc_tree_lock);
	return found;
}

bool signal_deliverable(void)
{
	struct thread *t = current_thread();
	return t && signal_pending(t);
}

void signal_raise(int sig)
{
	struct thread *t = current_thread();
	if (t) {
		struct siginfo64 info = {.si_signo = sig, .si_code = SI_USER};
		info.f.kill.pid = t->proc->pid;
		spin_lock(&t->proc->lock);
		signal_send_thread_info(t, &info, false);
		spin_unlock(&t->proc->lock);
	}
}

void signal_call_mask(u64 mask)
{
	struct thread *t = syscall_thread();
	/* A restart must not take the temporary mask for the caller's own. */
	if (!park_restarting())
		t->saved_sig_mask = thread_sig_mask(t);
	t->restore_sigmask = true;
	thread_set_sig_mask(t, mask & ~UNBLOCKABLE); /* ordered before the call looks for signals */
}

void signal_call_mask_end(void)
{
	struct thread *t = syscall_thread();
	if (t->restore_sigmask) {
		thread_set_sig_mask(t, t->saved_sig_mask);
		t->restore_sigmask = false;
	}
}

/* ---- signalfd ---- */

struct waitq *signal_waitq(void)
{
	struct thread *t = current_thread();
	return sigfd_queue(t ? t->proc->pid : 0);
}

u64 signal_pending_set(void)
{
	struct thread *t = current_thread();
	if (!t)
		return 0;
	return __atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) |
	       __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE);
}

int signal_take(u64 mask, struct ksiginfo *out)
{
	struct thread *t = current_thread();
	if (!t)
		return 0;
	struct siginfo64 info;
	int sig = sigqueue_take(t, mask, &info);
	if (!sig)
		return 0;
	*out = (struct ksiginfo){.signo = sig, .code = info.si_code, .errno_ = info.si_errno};
	/* Which member of the union holds the rest, as Linux's siginfo_layout. */
	if (sig == SIGCHLD && info.si_code > 0) {
		out->pid = info.f.kill.pid;
		out->uid = info.f.kill.uid;
		out->status = info.f.kill.status;
	} else if (info.si_code == SI_TIMER) {
		out->tid = info.f.timer.tid;
		out->overrun = info.f.timer.overrun;
		out->value = info.f.timer.value;
	} else if (sig == SIGIO && (info.si_code > 0 || info.si_code == SI_SIGIO)) {
		out->band = info.f.poll.band;
		out->fd = info.f.poll.fd;
	} else if (info.si_code > 0 && info.si_code != SI_KERNEL &&
		   (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)) {
		out->addr = info.f.addr;
	} else {
		out->pid = info.f.rt.pid;
		out->uid = info.f.rt.uid;
		out->value = info.f.rt.value; /* 0 unless sigqueue'd */
	}
	return sig;
}
