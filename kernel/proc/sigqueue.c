/*
 * The queue of pending signals: what each pending signal's handler or
 * sigtimedwait will be told (its siginfo). Real-time signals (SIGRTMIN
 * and up) queue an entry per send, so none is lost and each keeps its
 * value; a standard signal already pending is merged with the new one,
 * as POSIX says. Entries sit on the process (process-directed signals)
 * or on the thread a signal was sent to.
 *
 * Locking: proc.sig_lock guards both lists and every change of the
 * pending bits (proc.sig_pending, thread.sig_pending), so a bit is set
 * exactly while its signal has an entry (or had no memory for one). The
 * bits are read without the lock: signal_pending (proc.h) is one load
 * on every return to user mode.
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/sigframe.h"
#include "proc/limits.h"
#include "proc/ptimer.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct sigq_entry {
	struct list_node node;   /* [proc.sig_lock] on proc.sigq or thread.sigq */
	struct siginfo64 info;
};

int sigqueue_add(struct proc *p, struct thread *t, const struct siginfo64 *info, bool limited)
{
	int sig = info->si_signo;
	u64 bit = SIGBIT(sig);
	u64 *pending = t ? &t->sig_pending : &p->sig_pending;
	struct list_node *q = t ? &t->sigq : &p->sigq;
	/* Allocated before the lock; given back if the signal merges. */
	struct sigq_entry *e = knew(struct sigq_entry);
	if (e)
		e->info = *info;
	spin_lock(&p->sig_lock);
	if (sig < SIGRTMIN && (__atomic_load_n(pending, __ATOMIC_RELAXED) & bit)) {
		spin_unlock(&p->sig_lock);
		kfree(e); /* merged with the one pending */
		return 0;
	}
	if (e && p->sigq_count >= proc_rlimit_cur(p, RLIMIT_SIGPENDING) &&
	    (limited || sig < SIGRTMIN)) {
		kfree(e); /* over the limit: a standard signal still goes, without its info */
		e = NULL;
	}
	if (!e && sig >= SIGRTMIN && limited) {
		spin_unlock(&p->sig_lock);
		return -EAGAIN;
	}
	if (e) {
		list_push_back(q, &e->node);
		p->sigq_count++;
	}
	/* Pending first, then the mask: pairs with thread_set_sig_mask (proc.h). */
	__atomic_fetch_or(pending, bit, __ATOMIC_SEQ_CST);
	spin_unlock(&p->sig_lock);
	return 0;
}

/* Take the first entry for sig off q into info; true if another one for sig is left. */
static bool unqueue_locked(struct proc *p, struct list_node *q, int sig, struct siginfo64 *info)
{
	assert(spin_is_locked(&p->sig_lock));
	struct sigq_entry *found = NULL;
	bool more = false;
	struct list_node *pos;
	list_for_each(pos, q)
	{
		struct sigq_entry *e = container_of(pos, struct sigq_entry, node);
		if (e->info.si_signo != sig)
			continue;
		if (found) {
			more = true;
			break;
		}
		found = e;
	}
	if (found) {
		*info = found->info;
		list_remove(&found->node);
		p->sigq_count--;
		kfree(found);
	} else {
		/* Sent when no entry could be had: the signal, with nothing more to say. */
		*info = (struct siginfo64){.si_signo = sig, .si_code = SI_KERNEL};
	}
	return more;
}

static bool merge_in(struct list_node *q, int id, u64 n)
{
	struct list_node *pos;
	list_for_each(pos, q)
	{
		struct sigq_entry *e = container_of(pos, struct sigq_entry, node);
		if (e->info.si_code == SI_TIMER && e->info.f.timer.tid == id) {
			u64 o = (u64)e->info.f.timer.overrun + n;
			e->info.f.timer.overrun = (i32)MIN(o, (u64)0x7fffffff);
			return true;
		}
	}
	return false;
}

bool sigqueue_timer_merge(struct proc *p, int id, u64 n)
{
	spin_lock(&p->lock);
	spin_lock(&p->sig_lock);
	bool found = merge_in(&p->sigq, id, n);
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		if (found)
			break;
		found = merge_in(&container_of(pos, struct thread, proc_node)->sigq, id, n);
	}
	spin_unlock(&p->sig_lock);
	spin_unlock(&p->lock);
	return found;
}

int sigqueue_take(struct thread *t, u64 allowed, struct siginfo64 *info)
{
	struct proc *p = t->proc;
	if (!((__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) |
	       __atomic_load_n(&p->sig_pending, __ATOMIC_ACQUIRE)) & allowed))
		return 0;
	spin_lock(&p->sig_lock);
	u64 mine = t->sig_pending & allowed, shared = p->sig_pending & allowed;
	u64 *pending = mine ? &t->sig_pending : &p->sig_pending;
	u64 set = mine ? mine : shared;
	int sig = 0;
	if (set) {
		sig = __builtin_ctzll(set) + 1;
		if (!unqueue_locked(p, mine ? &t->sigq : &p->sigq, sig, info))
			__atomic_fetch_and(pending, ~SIGBIT(sig), __ATOMIC_ACQ_REL);
	}
	spin_unlock(&p->sig_lock);
	if (sig && info->si_code == SI_TIMER)
		ptimer_delivered(p, info->f.timer.tid, info->f.timer.overrun);
	return sig;
}

static void drop_locked(struct proc *p, struct list_node *q, u64 set)
{
	struct list_node *pos = q->next;
	while (pos != q) {
		struct sigq_entry *e = container_of(pos, struct sigq_entry, node);
		pos = pos->next;
		if (set & SIGBIT(e->info.si_signo)) {
			list_remove(&e->node);
			p->sigq_count--;
			kfree(e);
		}
	}
}

void sigqueue_discard_locked(struct proc *p, u64 set)
{
	assert(spin_is_locked(&p->lock));
	spin_lock(&p->sig_lock);
	__atomic_fetch_and(&p->sig_pending, ~set, __ATOMIC_ACQ_REL);
	drop_locked(p, &p->sigq, set);
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		__atomic_fetch_and(&t->sig_pending, ~set, __ATOMIC_ACQ_REL);
		drop_locked(p, &t->sigq, set);
	}
	spin_unlock(&p->sig_lock);
}

void sigqueue_free_thread(struct thread *t)
{
	struct proc *p = t->proc;
	spin_lock(&p->sig_lock);
	drop_locked(p, &t->sigq, ~0UL);
	t->sig_pending = 0;
	spin_unlock(&p->sig_lock);
}

void sigqueue_free_proc(struct proc *p)
{
	spin_lock(&p->sig_lock);
	drop_locked(p, &p->sigq, ~0UL);
	spin_unlock(&p->sig_lock);
}
