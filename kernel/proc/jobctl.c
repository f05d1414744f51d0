/*
 * Job control: stopping and continuing processes (signal(7)), what the
 * parent hears of it, the POSIX rule for process groups that an exit
 * orphans, and the rule for reading a terminal from the background
 * (jobctl.h). Everything here runs under proc_tree_lock; a stopped
 * process's threads read p->stopped with atomics and park on
 * p->cont_wait (park_if_stopped, thread.c).
 */
#include "proc/jobctl.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* [proc_tree_lock] processes stopped now: an exit looks for orphaned stopped groups only if any. */
static u32 nr_stopped;

/*
 * The parent hears of a child's stop or continue: SIGCHLD (unless it asked
 * for none with SA_NOCLDSTOP) with the state in its siginfo, and a
 * wake for wait4.
 */
static void notify_parent_stop(struct proc *p, int status)
{
	struct proc *parent = p->parent;
	if (!parent)
		return;
	if (!(parent->sigactions[SIGCHLD - 1].flags & SA_NOCLDSTOP)) {
		signal_send_chld(parent, p->pid, status);
	}
	waitq_wake_all(&parent->child_exit);
}

void proc_stop(struct proc *p, int sig)
{
	spin_lock(&proc_tree_lock);
	if (!p->stopped && !__atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE)) {
		p->stop_sig = (u8)sig;
		p->wait_report = REPORT_STOPPED;
		__atomic_store_n(&p->stopped, true, __ATOMIC_RELEASE);
		nr_stopped++;
		notify_parent_stop(p, (sig << 8) | 0x7f);
		/* The other threads stop at their next look (thread_poll, return_to_user). */
		spin_lock(&p->lock);
		struct list_node *pos;
		list_for_each(pos, &p->threads)
			thread_kick(container_of(pos, struct thread, proc_node));
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
}

void proc_continue_locked(struct proc *p)
{
	assert(spin_is_locked(&proc_tree_lock));
	/* SIGCONT cancels stops still pending, as a stop cancels a pending SIGCONT. */
	u64 stops = SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU);
	spin_lock(&p->lock);
	sigqueue_discard_locked(p, stops);
	spin_unlock(&p->lock);
	if (!__atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE))
		return;
	p->wait_report = REPORT_CONTINUED;
	__atomic_store_n(&p->stopped, false, __ATOMIC_RELEASE);
	nr_stopped--;
	waitq_wake_all(&p->cont_wait); /* parkers check stopped under its lock: no lost wake */
	notify_parent_stop(p, 0xffff);
}

/* A live member of a group other than `gone`, the process that is exiting. */
static bool member(struct proc *m, u32 pgid, struct proc *gone)
{
	return m && m != gone && m->state == PROC_ALIVE && m->pgid == pgid;
}

/*
 * A group is orphaned when no member's parent sits in another group of
 * the same session: nobody is left there whose shell could continue it.
 */
static bool orphaned(u32 pgid, struct proc *gone)
{
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *m = proc_find(i);
		if (member(m, pgid, gone) && m->parent && m->parent != gone &&
		    m->parent->pgid != pgid && m->parent->sid == m->sid)
			return false;
	}
	return true;
}

static bool has_stopped(u32 pgid, struct proc *gone)
{
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *m = proc_find(i);
		if (member(m, pgid, gone) && m->stopped)
			return true;
	}
	return false;
}

/* POSIX _exit: a newly orphaned group with a stopped member gets SIGHUP, then SIGCONT. */
static void hup_if_orphaned(u32 pgid, struct proc *gone)
{
	if (!nr_stopped || !has_stopped(pgid, gone) || !orphaned(pgid, gone))
		return;
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *m = proc_find(i);
		if (member(m, pgid, gone)) {
			signal_send_proc(m, SIGHUP);
			signal_send_proc(m, SIGCONT);
		}
	}
}

/* p is exiting and its child c now belongs to init: c's group may be orphaned by it. */
void jobctl_reparented_locked(struct proc *c, struct proc *p)
{
	assert(spin_is_locked(&proc_tree_lock));
	if (nr_stopped && c->pgid != p->pgid && c->sid == p->sid)
		hup_if_orphaned(c->pgid, p);
}

/*
 * p's last thread is gone and its children belong to init. A stop p
 * never saw continued ends here, and p's exit may orphan its own group,
 * if p was the group's link to another group of the session.
 */
void jobctl_exit_locked(struct proc *p)
{
	assert(spin_is_locked(&proc_tree_lock));
	if (p->stopped) { /* killed while stopped */
		__atomic_store_n(&p->stopped, false, __ATOMIC_RELEASE);
		nr_stopped--;
	}
	struct proc *parent = p->parent;
	if (nr_stopped && parent && parent->pgid != p->pgid && parent->sid == p->sid)
		hup_if_orphaned(p->pgid, p);
}

long jobctl_tty_read(u32 fg, u32 sid)
{
	struct thread *th = current_thread();
	if (!th || !fg)
		return 0;
	struct proc *p = th->proc;
	spin_lock(&proc_tree_lock);
	u32 my_sid = p->sid, my_pgid = p->pgid;
	spin_unlock(&proc_tree_lock);
	if (my_sid != sid || my_pgid == fg)
		return 0;
	if (signal_is_ignored(p, SIGTTIN) || (thread_sig_mask(th) & SIGBIT(SIGTTIN)))
		return -EIO;
	signal_send_group(my_pgid, SIGTTIN);
	return -ERESTART_SIGNAL;
}
