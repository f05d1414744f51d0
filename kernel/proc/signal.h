/*
 * Signals with Linux numbers, default actions and the x86-64 rt_sigframe
 * layout (so musl's and glibc's handlers and restorers work unchanged).
 * Pending sets are atomics any core may set; delivery happens on the core
 * running the thread, just before it returns to user mode.
 */
#pragma once

#include "lib/types.h"

struct thread;
struct trapframe;
struct proc;
struct waitq;

enum {
	SIGHUP = 1, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1,
	SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP,
	SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH,
	SIGIO, SIGPWR, SIGSYS,
};

#define SIG_DFL 0
#define SIG_IGN 1
#define SA_NOCLDSTOP 0x1
#define SA_NOCLDWAIT 0x2
#define SA_SIGINFO   0x4
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTORER  0x04000000

#define SIGBIT(s) (1UL << ((s)-1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/*
 * Deliver what is pending on the frame the thread will return with (live
 * or saved); false if the thread parked for its stack's pages (it must
 * leave; the signals stay pending).
 */
bool signal_deliver_frame(struct thread *t, struct trapframe *tf);
/* A synchronous fault: deliver sig now (handler) or kill with a console line. */
void signal_fault(struct thread *t, struct trapframe *tf, int sig, u64 addr, const char *what);
/* Wait-status encoding of death by a signal (with the core-dump bit for core signals). */
int signal_exit_status(int sig);
/* Reset handled signals to default (execve). */
void signal_reset_on_exec(struct proc *p);

/* ---- for the layers above (they need no process model for these) ---- */

/* Has the calling thread a signal pending that its mask lets in? (false: a kernel task) */
bool signal_deliverable(void);
/* sig to the calling thread (SIGPIPE on a broken pipe); nothing from a kernel task. */
void signal_raise(int sig);
/*
 * Send sig to every live process of group pgid (sig 0 only counts them);
 * returns how many there were. The _locked form: caller holds proc_tree_lock.
 */
int signal_send_group(u32 pgid, int sig);
/*
 * SIGIO and friends (fcntl's F_SETOWN, F_SETSIG): sig to the thread tid
 * (who > 0, thread), the process who (who > 0) or the group -who (who <
 * 0); with a nonzero fd the siginfo says POLL band and fd (si_code, si_band,
 * si_fd), else it is plain. Nothing if nobody matches.
 */
void signal_send_io(int who, bool thread, int sig, int code, i64 band, int fd);
/* mq_notify's signal to process pid: SI_MESGQ, the sender's pid, the sigval. */
void signal_send_mesgq(u32 pid, int sig, u64 value, u32 sender);
/* Is there such a target (F_SETOWN's check)? */
bool signal_io_target_exists(int who, bool thread);
int signal_send_group_locked(u32 pgid, int sig);
/* At boot: the queues signalfd waits on. */
void signal_init(void);

/* ---- for signalfd (event/signalfd.c) ---- */

/* What a signalfd reader learns of a signal (struct signalfd_siginfo's fields). */
struct ksiginfo {
	int signo, code, errno_;
	u32 pid, uid;      /* the sender: kill, sigqueue, SIGCHLD's child */
	int status;        /* SIGCHLD */
	u64 value;         /* sigqueue's and timers' sigval */
	i32 tid, overrun;  /* POSIX timers */
	i64 band;          /* SIGIO */
	i32 fd;            /* SIGIO */
	u64 addr;          /* faults */
};
/* The signals pending for the calling thread: its own and its process's. */
u64 signal_pending_set(void);
/* Take one pending signal in mask (the thread's own first), as its delivery would; 0 if none. */
int signal_take(u64 mask, struct ksiginfo *out);
/* The queue woken when a signal is sent to the calling process (or a process sharing it). */
struct waitq *signal_waitq(void);

/*
 * ppoll and pselect6: mask is the calling thread's mask for the call (a
 * restart keeps the caller's own mask saved from the first run); the own
 * mask comes back with signal_call_mask_end, or in a handler's frame.
 */
void signal_call_mask(u64 mask);
void signal_call_mask_end(void);
