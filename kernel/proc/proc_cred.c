/*
 * Processes and their credentials (cred.h): how a process publishes a new
 * cred and its threads pick it up, and the rules for acting on another
 * process (reading its private state, signalling it, changing its
 * priority).
 *
 * A process's cred pointer (proc.cred) changes under proc.lock; a thread
 * holds a reference of its own (thread.cred) to the cred it acts with,
 * which its core's cur_cred names while it runs, so another thread's
 * change never frees a cred in use. The system-call dispatcher compares
 * the two at each call and takes the new one (thread_cred_refresh): a
 * change made by one thread holds for every call its other threads make
 * after it, as a C library's set*id broadcast gives on Linux.
 */
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "lib/kernel.h"

struct cred *proc_cred_get(struct proc *p)
{
	spin_lock(&p->lock);
	struct cred *c = cred_get(p->cred);
	spin_unlock(&p->lock);
	return c;
}

void thread_cred_refresh(struct thread *t)
{
	struct cred *c = proc_cred_get(t->proc);
	struct cred *old = t->cred;
	t->cred = c;
	if (t == current_thread())
		this_cpu()->cur_cred = c;
	cred_put(old);
}

void proc_cred_commit(struct thread *t, struct cred *new)
{
	struct proc *p = t->proc;
	spin_lock(&p->lock);
	struct cred *old = p->cred;
	__atomic_store_n(&p->cred, new, __ATOMIC_RELEASE);
	spin_unlock(&p->lock);
	/* Linux's commit_creds: who changed whom it acts for keeps its state from /proc readers. */
	if (old->euid != new->euid || old->egid != new->egid || old->fsuid != new->fsuid ||
	    old->fsgid != new->fsgid || (new->cap_permitted & ~old->cap_permitted))
		__atomic_store_n(&p->dumpable, false, __ATOMIC_RELAXED);
	cred_put(old);
	thread_cred_refresh(t);
}

/*
 * Linux's ptrace_may_access without the ptrace: the caller acts for the
 * very user target runs as (all of its real, effective and saved ids,
 * compared with the caller's file-system ids, or the real ones), and
 * target is dumpable; or the caller has CAP_SYS_PTRACE. Its own process
 * always may.
 */
bool proc_may_access(const struct cred *me, struct proc *target, bool real_ids)
{
	if (target == cur_proc() || cred_capable(me, CAP_SYS_PTRACE))
		return true;
	u32 uid = real_ids ? me->uid : me->fsuid, gid = real_ids ? me->gid : me->fsgid;
	struct cred *tc = proc_cred_get(target);
	bool same = uid == tc->uid && uid == tc->euid && uid == tc->suid && gid == tc->gid &&
		    gid == tc->egid && gid == tc->sgid;
	cred_put(tc);
	return same && __atomic_load_n(&target->dumpable, __ATOMIC_RELAXED);
}

/*
 * kill(2)'s rule (cred_may_signal), and SIGCONT within one session is
 * always allowed (job control across su). Caller holds proc_tree_lock.
 */
bool proc_may_signal(const struct cred *me, struct proc *target, int sig)
{
	if (cred_capable(me, CAP_KILL))
		return true;
	struct cred *tc = proc_cred_get(target);
	bool ok = cred_may_signal(me, tc);
	cred_put(tc);
	if (!ok && sig == SIGCONT) {
		assert(spin_is_locked(&proc_tree_lock)); /* the sessions stay put */
		ok = cur_proc() && cur_proc()->sid == target->sid;
	}
	return ok;
}

bool proc_may_renice(const struct cred *me, struct proc *target)
{
	if (cred_capable(me, CAP_SYS_NICE))
		return true;
	struct cred *tc = proc_cred_get(target);
	bool ok = cred_may_renice(me, tc);
	cred_put(tc);
	return ok;
}
