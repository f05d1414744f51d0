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
#include "proc/limits.h"
#include "proc/futex.h"

struct domain;
struct fs_state;

#define PROC_NAME_MAX 16
#define PID_MAX 32768          /* pids and tids are below this */
#define PROC_CMDLINE_MAX 4096  /* argv kept for /proc/<pid>/cmdline; longer is cut */
#define NSIG 64
#define SIGRTMIN 32 /* signals from here on queue, each with its siginfo */

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
	u64 majflt;                 /* page faults that waited for a disk */
	u64 nvcsw, nivcsw;          /* waits; turns ended by the quantum or sched_yield */
};

/* u's fields added into sum (maxrss: the larger); atomically when sum is shared. */
void usage_add(struct usage *sum, const struct usage *u);
struct proc;
/* All of p's usage so far: ended threads, live ones, its current domain's peak. */
void proc_usage(struct proc *p, struct usage *out);
struct thread;
/*
 * The same for the calling thread's process, its run so far included,
 * split into user and system time the way the run's end will account it
 * (so two readings never go backwards).
 */
void proc_usage_now(struct thread *t, struct usage *out);
/* The calling thread's own usage, its run so far included (as proc_usage_now). */
void thread_usage_now(struct thread *t, struct usage *out);
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
	/*
	 * Pending signals' siginfo (sigqueue.c): an entry per real-time
	 * signal sent, one per pending standard signal. The pending bits
	 * (sig_pending here and in each thread) change under sig_lock, and
	 * are read without it.
	 */
	struct spinlock sig_lock;   /* innermost but for kheap */
	struct list_node sigq;      /* [sig_lock] process-directed signals' entries */
	u32 sigq_count;             /* [sig_lock] entries on sigq and its threads' */
	u32 nthreads;               /* [lock] live threads */
	bool shares_files;          /* [a] kernel tasks use its descriptors too (cur_share_files):
	                               its threads are never alone */
	u32 holds;                  /* [a] 1 until reaped, plus one per proc_hold: the struct is
	                               freed when the last goes */
	struct k_sigaction sigactions[NSIG]; /* [lock] */
	u64 sig_pending;            /* [a; changed under sig_lock] process-directed signals */
	bool exiting;               /* [a] exit_group or fatal signal in progress */
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
	struct cred *cred;          /* [lock to replace; a to read] whom it acts for (proc/cred.h):
	                               holds a reference; immutable, replaced by proc_cred_commit */
	bool dumpable;              /* [a] others with its ids may read its private state (/proc) */
	bool no_new_privs;          /* [a] set once (prctl), kept by fork and exec: exec adds no privilege */
	u32 tickets;                /* [lock] lottery tickets for its threads (sys_sched.c) */
	struct rlimit64 rlim[RLIM_NLIMITS]; /* [lock to change; read with atomics] */
	/* prctl(2) and friends (sys_prctl.c), each one word [a] */
	u8 pdeath_sig;              /* [a] sent to it when its parent exits; fork clears it */
	bool subreaper;             /* [a] PR_SET_CHILD_SUBREAPER: orphans below come here */
	u32 personality;            /* [a] personality(2): inherited, kept by exec */
	u16 ioprio;                 /* [a] ioprio_set(2): class << 13 | data; 0: none set */
	u32 membarrier_reg;         /* [a] membarrier(2) registrations; exec clears them */
	int exit_signal;            /* [I] told to the parent at its end (clone's CSIGNAL; 0: none) */
	struct list_node ptimers;   /* [lock] its POSIX and CPU-time interval timers (ptimer.c) */
	u64 cpu_ns;                 /* [a] CPU time its threads' ended runs took (RLIMIT_CPU) */
	char name[PROC_NAME_MAX];   /* [owner thread] */
	char exe[128];              /* [owner thread] path of the executable */
	char *cmdline;              /* [lock] argv, NUL-separated (kmalloc'd), or NULL */
	u32 cmdline_len;            /* [lock] */
	u64 start_ns;
	struct usage ru;            /* [a] its ended threads', and the peak sizes of domains it left;
	                               proc_usage adds the live threads' */
	struct usage cru;           /* [proc_tree_lock] reaped children's, theirs included */
	u32 vfork_child_pending;    /* [a] set while a vfork child has not exec'd or exited */
	u32 vfork_waiter;           /* [I once it runs] pid of the process its vfork holds up (its
	                               parent, or with CLONE_PARENT its parent's child) */
	struct alarm *alarm;        /* [owner threads] alarm(2), or NULL */
	struct list_node joinable;  /* [lock] exited thread_clone threads not yet joined */
	u32 nclone_threads;         /* [lock] live thread_clone threads */
	struct waitq thread_exit;   /* thread_join waits here */
	struct kcharge *kmem;       /* [lock] kernel memory it made (pipe buffers), or NULL (oom.c) */
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

struct seccomp_filter;

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
	struct seccomp_filter *seccomp; /* [a] its filters (proc/seccomp.h): replaced by itself, or
	                                by another thread of its process under proc.lock (TSYNC) */
	u8 seccomp_mode;             /* [proc.lock to write from another thread] SECCOMP_MODE_* */
	bool affinity_changed;       /* [a] another thread set affinity: follow it at the next poll */
	u64 sig_pending;             /* [a; changed under proc.sig_lock] thread-directed signals */
	struct list_node sigq;       /* [proc.sig_lock] their siginfo entries */
	u64 sigwait;                 /* [a] signals a parked rt_sigtimedwait takes itself, or 0 */
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
	struct cred *cred;           /* [owner] the cred it acts with (a reference): its process's,
	                                taken again when that one changes (thread_cred_refresh) */
	u64 thread_stack;            /* thread_clone: stack handed back by thread_join */
	bool joinable;               /* created by thread_clone: thread_join reaps it */
	struct futex_waiter futex;   /* its futex wait (proc/futex.h) */
	vaddr_t robust_list;         /* [owner] set_robust_list's head, walked when it ends */
	u64 run_start;               /* [owner] tsc_ns() when it last entered user mode */
	u64 run_start_tsc;           /* [owner] the same instant in TSC cycles */
	u64 sys_tsc;                 /* [owner] TSC cycles in system calls since then */
	u64 sys_entry_tsc;           /* [owner] rdtsc() at the entry of the call in progress */
	u64 timer_slack_ns;          /* [owner] PR_SET_TIMERSLACK */
	u8 sched_policy;             /* [a] SCHED_* (sys_sched.c) */
	u8 rt_prio;                  /* [a] SCHED_FIFO/RR priority, 1..99 */
	bool sched_reset_on_fork;    /* [a] SCHED_RESET_ON_FORK */
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
/* waitid(P_PIDFD)'s way from a descriptor to a pid, set at boot by the layer with files (main.c). */
void proc_set_pidfd_lookup(long (*fn)(int fd));
/* Woken at the end of every process (pidfd's poll waits here). */
extern struct waitq proc_exit_wq;
extern struct proc *init_proc;

struct proc *proc_find(u32 pid); /* caller holds proc_tree_lock */
/* Walk every process: the first at pid *pid or above (*pid moves past it), or NULL. */
struct proc *proc_nth_locked(u32 *pid);
/* p's thread tid, or NULL; caller holds p->lock. */
struct thread *proc_thread_locked(struct proc *p, u32 tid);
static inline struct thread *current_thread(void);

/* The live trapframe of the thread running on this core, inside a syscall or trap. */
static inline struct trapframe *thread_live_frame(void);

/* Leave user mode back to the executor (from a syscall or trap handler). */
__attribute__((noreturn)) void thread_leave(enum leave_reason why);
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
/* clone(CLONE_PARENT): the new process c becomes its creator's sibling. */
void proc_adopt_by_grandparent(struct proc *c);
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
/*
 * Kernel work that outlives the process's threads and may still touch its
 * struct (an io_uring request parked on its child_exit queue) holds it:
 * the pid goes at the reap as ever, the memory only at the last unhold.
 */
void proc_hold(struct proc *p);
void proc_unhold(struct proc *p);
/* p's alarm (alarm.c): fires after delay_ns (0 disarms), then every interval_ns; ns left on the old one. */
long alarm_set(struct proc *p, u64 delay_ns, u64 interval_ns, u64 *old_interval);
void alarm_cancel(struct proc *p);
/* ns left on p's alarm (0: none) and its interval. */
long alarm_get(struct proc *p, u64 *interval);
u32 proc_count(void);
/*
 * RLIMIT_NPROC: would one more thread or process pass p's limit? Linux
 * counts a user's tasks, zombies included, and spares root; Ferry has
 * only root and counts every task (ids in use), and spares no one.
 */
bool proc_nproc_exceeded(struct proc *p);

/*
 * wait4's search for the calling process (sys_proc.c), for callers other
 * than wait4 and waitid (io_uring's wait for a child): reap or look at
 * one child matching pid (as wait4 reads it) with options (WEXITED...);
 * 1 and its status, pid and usage; 0 with WNOHANG and nothing to report;
 * -ECHILD; or -ERESTART_PARK, parked until a child changes.
 */
long proc_wait_child(i64 pid, int options, int *status, u32 *pid_out, struct usage *ru);

/* Thread joins (sys_thread.c): a thread_clone thread leaves a record for thread_join. */
void thread_joinable_exit(struct thread *t);

/* Signals */
struct siginfo64;
/* sig from the kernel (si_code SI_KERNEL), or with info (its si_signo is the signal). */
void signal_send_proc(struct proc *p, int sig);
/* To one thread: the caller holds t->proc->lock (which keeps t alive) or is t. */
void signal_send_thread(struct thread *t, int sig);
/*
 * The same with the sender's siginfo. limited: a real-time signal beyond
 * the queue's limit (RLIMIT_SIGPENDING) is refused with -EAGAIN
 * (sigqueue); otherwise it is queued anyway (kill), as on Linux. 0 or -errno.
 */
int signal_send_proc_info(struct proc *p, const struct siginfo64 *info, bool limited);
int signal_send_thread_info(struct thread *t, const struct siginfo64 *info, bool limited);
/* info to every live process of group pgid (caller holds proc_tree_lock); how many. */
int signal_send_group_info_locked(u32 pgid, const struct siginfo64 *info);
/* SIGCHLD to parent for child pid's change of state (st: its wait status). */
void signal_send_chld(struct proc *parent, u32 pid, int st);
/* The same with another signal (clone's exit signal). */
void signal_send_exit(struct proc *parent, int sig, u32 pid, int st);

/* ---- the queue of pending signals (sigqueue.c) ---- */

/* Queue info for p (t NULL) or its thread t and mark it pending; 0 or -EAGAIN. */
int sigqueue_add(struct proc *p, struct thread *t, const struct siginfo64 *info, bool limited);
/*
 * Take one pending signal among `allowed` for t (its own first, then its
 * process's; the lowest number first) with its siginfo; 0 if none.
 */
int sigqueue_take(struct thread *t, u64 allowed, struct siginfo64 *info);
/* Forget the pending signals in set, for p and every thread of it; caller holds p->lock. */
void sigqueue_discard_locked(struct proc *p, u64 set);
/*
 * A timer's expiry while its last signal (SI_TIMER, timer id) is still
 * pending anywhere in p: add n to that signal's overrun and return true;
 * false if none is pending (the caller queues a new one).
 */
bool sigqueue_timer_merge(struct proc *p, int id, u64 n);
/* Free what is queued on t (its end) or on p (its reaping). */
void sigqueue_free_thread(struct thread *t);
void sigqueue_free_proc(struct proc *p);
/* Would sig be discarded on arrival at p (ignored, explicitly or by default)? */
bool signal_is_ignored(struct proc *p, int sig);
/*
 * Deliver t's pending signals into tf (the frame it returns to user mode
 * with). false: the thread was parked until the stack pages a frame goes
 * to are back in memory (out in swap): it must leave (the signals stay
 * pending, delivered when it runs again).
 */
bool signal_deliver_frame(struct thread *t, struct trapframe *tf);
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

/* The same for t of process p (t->proc), known already. */
static inline bool signal_pending_in(struct thread *t, struct proc *p)
{
	u64 pending = __atomic_load_n(&t->sig_pending, __ATOMIC_SEQ_CST) |
		      __atomic_load_n(&p->sig_pending, __ATOMIC_SEQ_CST);
	return (pending & ~thread_sig_mask(t)) != 0;
}

static inline bool signal_pending(struct thread *t)
{
	return signal_pending_in(t, t->proc);
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
 * The end of t's quantum, seen on its way back to user mode: with
 * preempt=on it yields; with preempt=off only if kernel work waits on its
 * core, else it starts another quantum (thread.c). May not return.
 */
void thread_quantum_over(struct thread *t, u64 now_tsc);

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
	struct proc *p = t->proc; /* [I]: loaded once, not after each atomic */
	if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE))
		thread_leave(LEAVE_EXIT);
	if (signal_pending_in(t, p)) {
		if (!signal_deliver_frame(t, tf))
			thread_leave(LEAVE_PARK); /* its stack comes back from swap first */
		if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE))
			thread_leave(LEAVE_EXIT);
	}
	if (__atomic_load_n(&p->stopped, __ATOMIC_RELAXED) && park_if_stopped(t))
		thread_leave(LEAVE_PARK); /* runs on from this frame once continued */
	if (now_tsc >= t->quantum_end_tsc)
		thread_quantum_over(t, now_tsc);
}

/*
 * Thread lookups by tid for futexes (proc.c): is tid a live thread? And
 * lend delta tickets to it (negative: take them back; never below one).
 */
bool thread_alive(u32 tid);
/* The live thread tid (looking in first's process first), with *pp's lock held; under proc_tree_lock. */
struct thread *thread_find_locked(u32 tid, struct proc *first, struct proc **pp);
/*
 * A CPU-time clock's reading (usage.c): CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID, or another process's or thread's clock id as
 * the C library builds them. -EINVAL for no such clock.
 */
#define CPUCLOCK_PROF 0
#define CPUCLOCK_SCHED 2
long cpuclock_read(int clk, u64 *ns);
void thread_lend_tickets(u32 tid, i32 delta);
