/*
 * User threads as tasks (invariant 2). Polling a thread runs it in user
 * mode until it traps in a way the fast path cannot finish: a call that
 * parks (it returns PENDING and is re-run when woken: invariant 3), the
 * end of its quantum (it yields), or its exit (READY: the end function
 * given to thread_alloc finishes it, from the layer above).
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sched/executor.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/time.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define QUANTUM_NS TASK_QUANTUM_NS /* preempt=on: a thread's turn */

/* QUANTUM_NS in TSC cycles, worked out once (the TSC is calibrated before any thread runs). */
static u64 quantum_tsc(void)
{
	static u64 cycles; /* [a] */
	u64 c = __atomic_load_n(&cycles, __ATOMIC_RELAXED);
	if (!c)
		__atomic_store_n(&cycles, c = ns_to_tsc(QUANTUM_NS), __ATOMIC_RELAXED);
	return c;
}

int enter_user(struct trapframe *regs);
__attribute__((noreturn)) void exit_to_executor(int reason);

static inline void fxsave(void *area)
{
	asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static inline void fxrstor(const void *area)
{
	asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/*
 * Arm the local timer for whichever comes first: a kernel timer or the end
 * of the quantum (with preempt=off too: then the quantum's end is only a
 * look at whether kernel work waits). A timer already due before that is
 * left as it is: it fires early, thread_return_to_user finds nothing due
 * and arms it again. That costs an interrupt per quantum instead of a
 * timer write per run (a thread that yields or parks often starts many
 * runs per quantum).
 */
static void arm_timer_for_user(struct thread *t, u64 now)
{
	u64 next = timers_next_deadline();
	if (!next || t->quantum_end < next)
		next = t->quantum_end;
	/* Nothing needed: a timer still armed only brings one early interrupt. */
	if (!next || lapic_timer_due_by(next, now))
		return;
	lapic_timer_arm(next);
}

/*
 * The live frame into the thread, by quadwords: GCC makes the struct copy
 * a rep movsl, two steps per register where one will do.
 */
static inline void frame_save(struct trapframe *dst, const struct trapframe *src)
{
	_Static_assert(sizeof *dst % 8 == 0, "a frame is whole registers");
	u64 n = sizeof *dst / 8;
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void thread_leave(enum leave_reason why)
{
	struct thread *t = current_thread();
	assert(t);
	if (why != LEAVE_EXIT)
		frame_save(&t->regs, thread_live_frame());
	fxsave(t->fpu);
	exit_to_executor(why);
}

bool thread_place(struct thread *t)
{
	u64 mask = __atomic_load_n(&t->affinity, __ATOMIC_RELAXED) & cpus_online_mask();
	u32 me = this_cpu()->index;
	if (!mask || mask == cpus_online_mask()) {
		t->task.flags &= ~TASK_PINNED;
		return false;
	}
	u32 cpu = (mask >> me) & 1 ? me : (u32)__builtin_ctzll(mask);
	t->task.flags |= TASK_PINNED;
	__atomic_store_n(&t->task.home, cpu, __ATOMIC_RELAXED);
	return cpu != me;
}

/*
 * Job control: a thread of a stopped process parks on cont_wait until
 * SIGCONT (or a kill) wakes it; true if it parked. Callers look at
 * p->stopped first (the common case costs one load); the check under the
 * queue's lock pairs with proc_continue_locked's wake: none is lost.
 */
bool park_if_stopped(struct thread *t)
{
	struct proc *p = t->proc;
	spin_lock(&p->cont_wait.lock);
	bool stop = __atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE);
	if (stop)
		park_on(&p->cont_wait);
	spin_unlock(&p->cont_wait.lock);
	return stop;
}

/*
 * Before a return to user mode from an interrupt or exception: the checks
 * of thread_user_checks (proc.h), then the timer. A system call leaves
 * the local timer as it was (one that arms a kernel timer without
 * parking, alarm say, has timer_arm bring the local timer forward), so
 * only interrupts re-arm it: the one-shot timer may just have fired.
 */
void thread_return_to_user(struct trapframe *tf)
{
	struct thread *t = current_thread();
	if (t) {
		u64 now_tsc = rdtsc();
		thread_user_checks(t, tf, now_tsc);
		u64 now = tsc_ns_at(now_tsc);
		/*
		 * preempt=off: the thread keeps its core, but not past kernel
		 * work waiting on it: a timer come due (a sleep's, a park's
		 * timeout, a POSIX timer's), or a kernel task a timer or an
		 * interrupt woke. It yields, and the executor fires the timers
		 * and runs what they woke. Else a thread that computes without a
		 * call would hold them for ever (a membarrier's wait, whose
		 * thread parked on this core, once did; and an itimer's task,
		 * woken by a timer the thread yielded for, when the lottery gave
		 * the core back to the thread first).
		 */
		if (!opts.preempt && executor_kernel_work(now))
			thread_leave(LEAVE_YIELD);
		arm_timer_for_user(t, now);
	}
}

void thread_quantum_over(struct thread *t, u64 now_tsc)
{
	u64 now = tsc_ns_at(now_tsc);
	/*
	 * preempt=off: no thread takes another's core, but kernel work waits
	 * at most a quantum, also for a thread whose timer interrupt came
	 * during a system call (only returns from interrupts in user mode
	 * look at once).
	 */
	if (opts.preempt || executor_kernel_work(now))
		thread_leave(LEAVE_YIELD);
	t->quantum_end = now + QUANTUM_NS;
	t->quantum_end_tsc = now_tsc + quantum_tsc();
	arm_timer_for_user(t, now);
}

/*
 * The time of one run in user mode (system calls included) split into
 * user and system time; counted once per run, not per system call.
 */
static void account(struct thread *t, u64 run, int why)
{
	u64 sys = 0;
	if (t->sys_tsc) { /* none when a call left user mode at once (sched_yield, a park) */
		sys = MIN(tsc_cycles_ns(t->sys_tsc), run);
		t->sys_tsc = 0;
	}
	/* The thread's own counters: no atomics on this path (proc_usage sums them). */
	t->ru.utime_ns += run - sys;
	t->ru.stime_ns += sys;
	t->ru.nvcsw += why == LEAVE_PARK;
	t->ru.nivcsw += why == LEAVE_YIELD;
	__atomic_add_fetch(&t->proc->cpu_ns, run, __ATOMIC_RELAXED);
	/* proc_rlimit_cur's load, inline: every run ends here. */
	u64 cpu_limit = __atomic_load_n(&t->proc->rlim[RLIMIT_CPU].cur, __ATOMIC_RELAXED);
	if (unlikely(cpu_limit != RLIM_INFINITY))
		rlimit_cpu_check(t->proc);
}

static enum poll_result thread_run(struct thread *t)
{
	struct task *task = &t->task;
	struct proc *p = t->proc;
	/*
	 * A parked thread that runs again is no longer waiting where it
	 * parked, nor on its timer: the restarted call arms what it still needs.
	 */
	park_resume(&t->park);
	t->park.restarting = t->park.nr >= 0;
	if (__atomic_load_n(&t->affinity_changed, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&t->affinity_changed, false, __ATOMIC_RELAXED);
		if (thread_place(t)) {
			task_wake(task); /* the executor queues it on its new core */
			return PENDING;
		}
	}
	for (;;) {
		if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE)) {
			return READY; /* its task's end function finishes it */
		}
		/* Stopped: signals stay pending until it continues (SIGKILL and SIGCONT act when sent). */
		if (__atomic_load_n(&p->stopped, __ATOMIC_RELAXED) && park_if_stopped(t))
			return PENDING;
		/*
		 * A parked sigtimedwait takes the signals it waits for itself:
		 * its restart runs at once (the syscall instruction) and the
		 * exit delivers what it leaves.
		 */
		if (signal_pending(t) && !__atomic_load_n(&t->sigwait, __ATOMIC_RELAXED)) {
			if (!signal_deliver_frame(t, &t->regs))
				return PENDING; /* parked until its stack is back from swap */
			continue; /* it may have been killed or stopped */
		}
		domain_activate(t->dom);
		fxrstor(t->fpu);
		wrmsr(MSR_FS_BASE, t->fs_base); /* fs_base_ok() where it was set (proc.h) */
		t->syscall_now = 0; /* a call that parked or left is over */
		/* One TSC read gives the run's start in both units (the exit compares TSC values). */
		u64 start_tsc = rdtsc(), start = tsc_ns_at(start_tsc);
		t->run_start = start;
		t->run_start_tsc = start_tsc;
		t->quantum_end = start + QUANTUM_NS;
		t->quantum_end_tsc = start_tsc + quantum_tsc();
		arm_timer_for_user(t, start);
		int why = enter_user(&t->regs);
		u64 ran = tsc_cycles_ns(rdtsc() - start_tsc);
		account(t, ran, why);
		task_compensate(task, ran); /* a short turn draws with more tickets next time */
		switch (why) {
		case LEAVE_PARK:
			return PENDING;
		case LEAVE_YIELD:
			task_yield(task); /* runs again after the lottery's next draws, here or elsewhere */
			return PENDING;
		case LEAVE_EXIT:
			return READY;
		default:
			panic("thread %u: bad leave reason %d", t->tid, why);
		}
	}
}

/*
 * Polling a thread: while it runs here, the core's cur_* pointers name
 * its process, memory and file state (proc/cur.h), so a system call finds
 * its caller with one load.
 */
enum poll_result thread_poll(struct task *task)
{
	struct thread *t = container_of(task, struct thread, task);
	struct cpu *c = this_cpu();
	c->cur_proc = t->proc;
	c->cur_dom = t->proc->dom;
	c->cur_fs = t->proc->fs;
	c->cur_cred = t->cred;
	/* Only this thread adds threads to a process of one (and clears this when it does). */
	c->cur_alone = __atomic_load_n(&t->proc->nthreads, __ATOMIC_ACQUIRE) == 1 &&
		       !__atomic_load_n(&t->proc->shares_files, __ATOMIC_ACQUIRE);
	enum poll_result r = thread_run(t);
	c->cur_proc = NULL; /* the others mean nothing without it (cur.h) */
	c->cur_cred = NULL; /* a kernel task acts as root */
	return r;
}

/* Fresh FPU state: x87 control word 0x37f and MXCSR 0x1f80 (SDM 1, 10.2.3 and 8.1.5). */
void thread_fpu_init(struct thread *t)
{
	memset(t->fpu, 0, sizeof t->fpu);
	*(u16 *)&t->fpu[0] = 0x37f;
	*(u32 *)&t->fpu[24] = 0x1f80;
	*(u32 *)&t->fpu[28] = 0xffbf; /* MXCSR_MASK */
}
