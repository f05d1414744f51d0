/*
 * Processes and threads. A process owns a domain (its memory), a file
 * table, signal dispositions and its place in the process tree; a thread
 * is a task (invariant 2) that runs the process's code in user mode.
 *
 * Locking: proc_tree_lock (global, shared) guards the tree (parent,
 * children, state, exit status) and the pid table. proc.lock guards the
 * thread list and signal state. A thread's own fields are touched only by
 * the core polling it, except `killed` and `sig_pending` [a].
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "lib/cmdline.h"
#include "arch/x86_64/trap.h"
#include "mm/layout.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "sched/waitq.h"
#include "sched/park.h"

struct domain;
struct fs_state;

#define PROC_NAME_MAX 16
#define PID_MAX 32768          /* pids and tids are below this */
#define PROC_CMDLINE_MAX 4096  /* argv kept for /proc/<pid>/cmdline; longer is cut */
#define NSIG 64

struct k_sigaction {
	u64 handler;  /* SIG_DFL 0, SIG_IGN 1, or a user address */
	u64 flags;    /* SA_* */
	u64 restorer;
	u64 mask;
};

enum proc_state { PROC_ALIVE, PROC_ZOMBIE, PROC_REAPED };

/* What getrusage and wait4 report. */
struct usage {
	u64 utime_ns, stime_ns;     /* in user mode; in system calls */
	u64 maxrss_pages;           /* the most pages mapped at once (domains left behind) */
	u64 minflt;                 /* page faults resolved */
	u64 nvcsw, nivcsw;          /* waits; turns ended by the quantum or sched_yield */
};

/* u's fields added into sum (maxrss: the larger); atomically when sum is shared. */
void usage_add(struct usage *sum, const struct usage *u);
struct proc;
/* All of p's usage so far: ended threads, live ones, its current domain's peak. */
void proc_usage(struct proc *p, struct usage *out);
struct thread;
/*
 * The same for the calling thread's process, its run in user mode so far
 * included (counted as user time; the run is accounted when it ends).
 */
void proc_usage_now(struct thread *t, struct usage *out);
/* Nanoseconds the calling thread has run since it last entered user mode (not yet accounted). */
u64 thread_run_so_far(struct thread *t);
/* u as Linux's struct rusage at user address uaddr in dom: 0 or -EFAULT. */
int put_rusage(struct domain *dom, u64 uaddr, const struct usage *u);

struct proc {
	u32 pid;                    /* [I] */
	u32 pgid, sid;              /* [proc_tree_lock] */
	u32 ppid;                   /* [proc_tree_lock; read with atomics] parent's pid, for getppid */
	struct proc *parent;        /* [proc_tree_lock] */
	struct list_node children;  /* [proc_tree_lock] */
	struct list_node sibling;   /* [proc_tree_lock] in parent's children */
	enum proc_state state;      /* [proc_tree_lock] */
	int exit_status;            /* [proc_tree_lock] wait4 encoding */
	struct waitq child_exit;    /* parent waits here for its children */
	struct waitq vfork_done;    /* a vfork parent waits here, on its own queue: its child may be
	                               freed the moment it wakes it (proc_vfork_release) */

	struct spinlock lock;
	struct list_node threads;   /* [lock] */
	u32 nthreads;               /* [lock] live threads */
	struct k_sigaction sigactions[NSIG]; /* [lock] */
	u64 sig_pending;            /* [a] process-directed signals */
	bool exiting;               /* [a] exit_group or fatal signal in progress */
	bool oom_victim;            /* [proc_tree_lock] killed to give memory back (proc/oom.c) */
	int exit_code;              /* [lock] status to report once the last thread is gone */
	/*
	 * Job control: a stop signal's default action stops every thread
	 * (parked on cont_wait) until SIGCONT. Changed under proc_tree_lock;
	 * threads read stopped with atomics.
	 */
	bool stopped;
	u8 stop_sig;                /* [proc_tree_lock] the signal that stopped it */
	u8 wait_report;             /* [proc_tree_lock] a change wait4 has yet to report: REPORT_* */
	struct waitq cont_wait;     /* its stopped threads park here */

	struct domain *dom;         /* [owner thread] replaced by execve; swapped under lock
	                               so other cores may take a reference (proc_dom_get) */
	struct fs_state *fs;        /* [lock to replace; its threads read it without] the file
	                               system's per-process state (fs/fsproc.h), NULL once gone */
	u32 tickets;                /* [lock] lottery tickets for its threads (sys_sched.c) */
	char name[PROC_NAME_MAX];   /* [owner thread] */
	char exe[128];              /* [owner thread] path of the executable */
	char *cmdline;              /* [lock] argv, NUL-separated (kmalloc'd), or NULL */
	u32 cmdline_len;            /* [lock] */
	u64 start_ns;
	struct usage ru;            /* [a] its ended threads', and the peak sizes of domains it left;
	                               proc_usage adds the live threads' */
	struct usage cru;           /* [proc_tree_lock] reaped children's, theirs included */
	u32 vfork_child_pending;    /* [a] set while a vfork child has not exec'd or exited */
	struct alarm *alarm;        /* [owner threads] alarm(2), or NULL */
	u32 last_child_pid;         /* [a] the child behind the latest SIGCHLD */
	int last_child_status;      /* [a] its wait status */
	struct list_node joinable;  /* [lock] exited thread_clone threads not yet joined */
	u32 nclone_threads;         /* [lock] live thread_clone threads */
	struct waitq thread_exit;   /* thread_join waits here */
};

enum { REPORT_NONE, REPORT_STOPPED, REPORT_CONTINUED };

/* p's nice value (-20..19), read back from its lottery tickets (sys_sched.c). */
int proc_nice(struct proc *p);

/* A stop signal's default action, taken by one of p's threads: p stops. */
void proc_stop(struct proc *p, int sig);
/* SIGCONT sent to p: it runs again if stopped. Caller holds proc_tree_lock. */
void proc_continue_locked(struct proc *p);
/* Exit of p, under proc_tree_lock (jobctl.c): groups it orphans with a stopped
 * member get SIGHUP and SIGCONT. Once per child moved to init, then once for p. */
void jobctl_reparented_locked(struct proc *c, struct proc *p);
void jobctl_exit_locked(struct proc *p);

enum leave_reason { LEAVE_PARK = 1, LEAVE_YIELD, LEAVE_EXIT };

struct thread {
	struct task task;
	struct trapframe regs;       /* user registers while not in user mode */
	u8 fpu[512] __attribute__((aligned(16))); /* FXSAVE area */
	struct proc *proc;           /* [I] */
	struct list_node proc_node;  /* [proc.lock] */
	u32 tid;                     /* [I] */
	u64 fs_base;                 /* [owner] loaded into MSR_FS_BASE: always fs_base_ok() */
	u64 sig_mask;                /* [a] blocked signals: written by the thread itself
	                                (thread_set_sig_mask), read by senders on any core */
	u64 saved_sig_mask;          /* ppoll/pselect6/sigsuspend: the caller's own mask */
	bool restore_sigmask;        /* sig_mask is temporary: a handler's frame saves saved_sig_mask */
	u64 affinity;                /* [a] cores it may run on (sched_setaffinity); 0: all */
	bool affinity_changed;       /* [a] another thread set affinity: follow it at the next poll */
	u64 sig_pending;             /* [a] thread-directed signals */
	u64 altstack_sp, altstack_size;
	u32 altstack_flags;
	u64 clear_child_tid;         /* CLONE_CHILD_CLEARTID / set_tid_address */
	bool killed;                 /* [a] must exit at the next chance */
	int exit_code;
	struct park park;            /* [owner] parking and restart (sched/park.h) */
	u32 syscall_now;             /* [owner] the call being handled plus 1; 0 outside one (logonce) */
	bool full_restore;           /* frame rewritten (sigreturn, signal, exec): return with iret */
	u64 quantum_end;             /* preempt=on: when this thread's turn ends (tsc_ns) */
	u64 quantum_end_tsc;         /* the same in TSC ticks: the system-call exit compares rdtsc */
	struct domain *dom;          /* [owner] the domain it runs in; holds a reference */
	u64 thread_stack;            /* thread_clone: stack handed back by thread_join */
	bool joinable;               /* created by thread_clone: thread_join reaps it */
	struct domain *futex_dom;    /* futex this thread waits on (key: domain, address) */
	vaddr_t futex_addr;
	bool futex_woken;            /* [futex bucket lock] woken by FUTEX_WAKE, not spuriously */
	u64 run_start;               /* [owner] tsc_ns() when it last entered user mode */
	u64 sys_tsc;                 /* [owner] TSC cycles in system calls since then */
	struct usage ru;             /* [owner] its own (maxrss unused): folded into proc->ru at its end */
};

/*
 * What user space may hand the kernel to load into a register on its way
 * back to user mode. wrmsr of a non-canonical FS base and iretq to a
 * non-canonical rip are #GP faults in the kernel on a real CPU (QEMU's
 * emulator lets the first pass), so each value is checked where it
 * enters, and the loads trust it:
 *  - FS base (wrmsr in thread_poll): fs_base_ok() in arch_prctl(ARCH_SET_FS)
 *    and clone(CLONE_SETTLS); exec sets 0; fork and threads copy it.
 *  - rip (iretq in trap_return): user_rip_ok() in rt_sigreturn and when a
 *    handler's frame is pushed (signal.c); exec's entry lies inside the
 *    image it loaded; thread_clone checks its entry; sysret is used only
 *    for a rip below USER_TOP (sys/syscall.c).
 *  - cs and ss: only the kernel's own selectors, never taken from user
 *    memory (rt_sigreturn ignores the frame's); rflags: USER_RFLAGS only.
 * Other MSRs (EFER, STAR, LSTAR, FMASK, GS bases, APIC, TSC deadline) get
 * kernel values only.
 */
static inline bool fs_base_ok(u64 v)
{
	return v < USER_TOP - PAGE_SIZE; /* Linux's bound, TASK_SIZE_MAX: EPERM above */
}

static inline bool user_rip_ok(u64 v)
{
	return v < USER_TOP;
}

extern struct spinlock proc_tree_lock;
extern struct proc *init_proc;

struct proc *proc_find(u32 pid); /* caller holds proc_tree_lock */
/* p's thread tid, or NULL; caller holds p->lock. */
struct thread *proc_thread_locked(struct proc *p, u32 tid);
static inline struct thread *current_thread(void);

/* The live trapframe of the thread running on this core, inside a syscall or trap. */
static inline struct trapframe *thread_live_frame(void);

/* Leave user mode back to the executor (from a syscall or trap handler). */
__attribute__((noreturn)) void thread_leave(enum leave_reason why);
/* Finish the current thread; the process ends with the last one. */
__attribute__((noreturn)) void thread_exit(int code);
/* exit_group / fatal signal: every thread of p exits; status is wait4-encoded. */
void proc_exit_all(struct proc *p, int status);
/*
 * A vfork child exec'd or is ending: its parent, waiting on its own
 * vfork_done (exec/sys_clone.c), goes on. The flag and the wake are under
 * proc_tree_lock, as the parent's look at them, so neither side can see
 * the other freed.
 */
void proc_vfork_release_locked(struct proc *child);

/*
 * A new thread of p, not yet started. end(task) runs once it is done
 * (exited or killed): the process life cycle above the file system ends
 * threads there (kernel/exec/exit.c), so this layer never calls up.
 */
struct thread *thread_alloc(struct proc *p, void (*end)(struct task *));
/*
 * The pieces of a thread's end, for that caller: the thread leaves its
 * process (true if it was the last; *status is the process's wait
 * status); once the layers above let go of what the process held,
 * proc_finish makes it a zombie and tells its parent; thread_release
 * frees the thread (its hold on its memory goes last).
 */
bool thread_detach(struct thread *t, int *status);
void proc_finish(struct proc *p, int status);
void thread_release(struct thread *t);
/* A thread from thread_alloc that never started: its tid and memory go back. */
void thread_free_unstarted(struct thread *t);
/* execve in a thread that is not the leader: it becomes the leader (tid = pid), as on Linux. */
void thread_take_leader_tid(struct thread *t);
void thread_start(struct thread *t);
void thread_fpu_init(struct thread *t);
void thread_kick(struct thread *t);
void thread_set_entry(struct trapframe *tf, vaddr_t entry, vaddr_t sp);
void thread_return_to_user(struct trapframe *tf);
struct proc *proc_alloc(struct proc *parent);
/* Undo proc_alloc for a process that never ran (the caller let go of its fs state). */
void proc_free_unstarted(struct proc *p);
/* Name p after the program at path (its base name); exe: the file itself, or NULL for path. */
void proc_set_name(struct proc *p, const char *path, const char *exe);
/* Record argv (argc strings packed in args) for /proc/<pid>/cmdline; out of memory keeps none. */
void proc_set_cmdline(struct proc *p, const char *args, u32 argc);
/* p's domain with a new reference (domain_put it), or NULL once p has exited. */
struct domain *proc_dom_get(struct proc *p);
/* Replace p's domain (exec, exit) so proc_dom_get never sees a freed one; returns the old. */
struct domain *proc_dom_swap(struct proc *p, struct domain *d);
void proc_reap(struct proc *p); /* caller holds proc_tree_lock */
/* p's alarm (alarm.c): fires after delay_ns (0 disarms), then every interval_ns; ns left on the old one. */
long alarm_set(struct proc *p, u64 delay_ns, u64 interval_ns, u64 *old_interval);
void alarm_cancel(struct proc *p);
u32 proc_count(void);

/* Thread joins (sys_thread.c): a thread_clone thread leaves a record for thread_join. */
void thread_joinable_exit(struct thread *t);

/* Signals */
void signal_send_proc(struct proc *p, int sig);
void signal_send_thread(struct thread *t, int sig);
/* Would sig be discarded on arrival at p (ignored, explicitly or by default)? */
bool signal_is_ignored(struct proc *p, int sig);
/* Deliver t's pending signals into tf (the frame it returns to user mode with). */
void signal_deliver_frame(struct thread *t, struct trapframe *tf);
static inline u64 thread_sig_mask(const struct thread *t)
{
	return __atomic_load_n(&t->sig_mask, __ATOMIC_SEQ_CST);
}

/*
 * Set the calling thread's own mask (or a new thread's, before it runs).
 * Sequentially consistent, as the senders' pending bit and their read of
 * the mask are: a thread that unblocks a signal and then looks for
 * pending ones before it parks (sigsuspend, ppoll) sees the bit, or the
 * sender sees the new mask and kicks it. With a plain store, x86 lets the
 * look pass the store, both miss, and the wake is lost.
 */
static inline void thread_set_sig_mask(struct thread *t, u64 mask)
{
	__atomic_store_n(&t->sig_mask, mask, __ATOMIC_SEQ_CST);
}

static inline bool signal_pending(struct thread *t)
{
	u64 pending = __atomic_load_n(&t->sig_pending, __ATOMIC_SEQ_CST) |
		      __atomic_load_n(&t->proc->sig_pending, __ATOMIC_SEQ_CST);
	return (pending & ~thread_sig_mask(t)) != 0;
}

#include "arch/x86_64/cpu.h"

static inline struct trapframe *thread_live_frame(void)
{
	return (struct trapframe *)(this_cpu()->entry_rsp - sizeof(struct trapframe));
}

static inline struct thread *current_thread(void)
{
	struct task *t = this_cpu()->exec.current;
	extern enum poll_result thread_poll(struct task *);
	return t && t->poll == thread_poll ? container_of(t, struct thread, task) : NULL;
}

/* The running thread, inside a system call: always a thread there, so nothing to check. */
static inline struct thread *syscall_thread(void)
{
	return container_of(this_cpu()->exec.current, struct thread, task);
}

/*
 * Follow t->affinity (t is the running thread, or not yet started): pin it
 * to a core its mask allows, this one if it can, or unpin it. True if it
 * must move to another core (thread.c).
 */
bool thread_place(struct thread *t);

/* Job control: park t until its process continues; true if it parked (thread.c). Call it
 * only when t->proc->stopped was seen set. */
bool park_if_stopped(struct thread *t);

/*
 * The last look before any return to user mode (tf is the live frame):
 * act on kills, signals, a stop and the end of the quantum (now_tsc: the
 * TSC lately read). May not return: the thread leaves. Inline because the
 * system-call exit runs it every time.
 */
static inline __attribute__((always_inline)) void thread_user_checks(struct thread *t,
								      struct trapframe *tf,
								      u64 now_tsc)
{
	if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&t->proc->exiting, __ATOMIC_ACQUIRE))
		thread_leave(LEAVE_EXIT);
	if (signal_pending(t)) {
		signal_deliver_frame(t, tf);
		if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE))
			thread_leave(LEAVE_EXIT);
	}
	if (__atomic_load_n(&t->proc->stopped, __ATOMIC_RELAXED) && park_if_stopped(t))
		thread_leave(LEAVE_PARK); /* runs on from this frame once continued */
	if (opts.preempt && now_tsc >= t->quantum_end_tsc)
		thread_leave(LEAVE_YIELD);
}
