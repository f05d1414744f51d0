/*
 * Processes: pids, creation, the process tree, exit and reaping. The tree
 * and pid table are shared by all cores under proc_tree_lock.
 */
#include "proc/seccomp.h"
#include "proc/proc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/futex.h"
#include "proc/signal.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "proc/cur.h"
#include "proc/ptimer.h"

struct spinlock proc_tree_lock = SPINLOCK_INIT;
struct proc *init_proc;
struct waitq proc_exit_wq = WAITQ_INIT(proc_exit_wq);
static struct proc *procs[PID_MAX]; /* [proc_tree_lock] process by pid */
static u64 ids_used[PID_MAX / 64];  /* [proc_tree_lock] pids and tids in use */
static u32 next_id = 1;             /* [proc_tree_lock] */
static u32 nprocs;                  /* [proc_tree_lock] */
static u32 nids;                    /* [proc_tree_lock; read with atomics] ids in use */

enum poll_result thread_poll(struct task *task);

/* Pids and tids share one space, as on Linux. Caller holds proc_tree_lock. */
static u32 id_alloc(void)
{
	for (u32 n = 0; n < PID_MAX; n++) {
		u32 id = next_id;
		next_id = next_id + 1 < PID_MAX ? next_id + 1 : 2; /* 1 is init's forever */
		if (id && !(ids_used[id / 64] & (1UL << (id % 64)))) {
			ids_used[id / 64] |= 1UL << (id % 64);
			__atomic_store_n(&nids, nids + 1, __ATOMIC_RELAXED);
			return id;
		}
	}
	return 0;
}

static void id_free(u32 id)
{
	ids_used[id / 64] &= ~(1UL << (id % 64));
	__atomic_store_n(&nids, nids - 1, __ATOMIC_RELAXED);
}

/*
 * RLIMIT_NPROC, as Linux counts it: the threads of every process whose
 * real uid is the caller's. Root and holders of CAP_SYS_RESOURCE or
 * CAP_SYS_ADMIN are not held to it. All ids in use bound that count, so
 * the table is walked only when they reach the limit.
 */
bool proc_nproc_exceeded(struct proc *p)
{
	u64 limit = proc_rlimit_cur(p, RLIMIT_NPROC);
	if (__atomic_load_n(&nids, __ATOMIC_RELAXED) < limit)
		return false;
	const struct cred *c = cur_cred();
	if (c->uid == 0 || cred_capable(c, CAP_SYS_RESOURCE) || cred_capable(c, CAP_SYS_ADMIN))
		return false;
	u64 n = 0;
	spin_lock(&proc_tree_lock);
	for (u32 i = 1; i < PID_MAX && n < limit; i++) {
		struct proc *q = procs[i];
		if (!q || q->state != PROC_ALIVE)
			continue;
		spin_lock(&q->lock);
		if (q->cred->uid == c->uid)
			n += q->nthreads;
		spin_unlock(&q->lock);
	}
	spin_unlock(&proc_tree_lock);
	return n >= limit;
}

struct proc *proc_find(u32 pid)
{
	return pid && pid < PID_MAX ? procs[pid] : NULL;
}

struct thread *proc_thread_locked(struct proc *p, u32 tid)
{
	assert(spin_is_locked(&p->lock));
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

/*
 * The live thread tid, with its process's lock held (*pp), or NULL;
 * caller holds proc_tree_lock. A thread's id is its process's pid (the
 * first thread) or any id of the shared space: the caller's process is
 * looked at first, then every process.
 */
struct thread *thread_find_locked(u32 tid, struct proc *first, struct proc **pp)
{
	assert(spin_is_locked(&proc_tree_lock));
	struct proc *cands[2] = {first, proc_find(tid)};
	for (int i = 0; i < 2; i++) {
		struct proc *p = cands[i];
		if (!p || p->state != PROC_ALIVE)
			continue;
		spin_lock(&p->lock);
		struct thread *t = proc_thread_locked(p, tid);
		if (t) {
			*pp = p;
			return t;
		}
		spin_unlock(&p->lock);
	}
	for (u32 i = 1; i < PID_MAX; i++) {
		struct proc *p = procs[i];
		if (!p || p->state != PROC_ALIVE || p == first)
			continue;
		spin_lock(&p->lock);
		struct thread *t = proc_thread_locked(p, tid);
		if (t) {
			*pp = p;
			return t;
		}
		spin_unlock(&p->lock);
	}
	return NULL;
}

bool thread_alive(u32 tid)
{
	if (!tid || tid >= PID_MAX)
		return false;
	struct proc *p;
	spin_lock(&proc_tree_lock);
	struct thread *t = thread_find_locked(tid, cur_proc(), &p);
	if (t)
		spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	return t != NULL;
}

void thread_lend_tickets(u32 tid, i32 delta)
{
	if (!tid || tid >= PID_MAX)
		return;
	struct proc *p;
	spin_lock(&proc_tree_lock);
	struct thread *t = thread_find_locked(tid, cur_proc(), &p);
	if (t) {
		u32 old = __atomic_load_n(&t->task.tickets, __ATOMIC_RELAXED), new;
		do {
			i64 n = (i64)old + delta;
			new = n < 1 ? 1 : n > 100000000 ? 100000000 : (u32)n;
		} while (!__atomic_compare_exchange_n(&t->task.tickets, &old, new, true,
						      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
}

u32 proc_count(void)
{
	return nprocs;
}

/* A thread's own tid goes back when it ends; the leader's is the pid, freed with the process. */
static void tid_free(struct thread *t)
{
	if (t->tid == t->proc->pid)
		return;
	spin_lock(&proc_tree_lock);
	id_free(t->tid);
	spin_unlock(&proc_tree_lock);
}

void thread_free_unstarted(struct thread *t)
{
	seccomp_release(t);
	sigqueue_free_thread(t);
	tid_free(t);
	cred_put(t->cred);
	kfree(t);
}

void thread_take_leader_tid(struct thread *t)
{
	u32 old = t->tid;
	if (old == t->proc->pid)
		return;
	spin_lock(&proc_tree_lock);
	t->tid = t->proc->pid;
	id_free(old);
	spin_unlock(&proc_tree_lock);
}

struct thread *thread_alloc(struct proc *p, void (*end)(struct task *))
{
	struct thread *t = knew(struct thread);
	if (!t)
		return NULL;
	/*
	 * A process's first thread has the pid as its tid (Linux's group
	 * leader): nothing else links threads into a process that has none.
	 */
	spin_lock(&p->lock);
	bool first = list_empty(&p->threads);
	t->cred = cred_get(p->cred);
	spin_unlock(&p->lock);
	spin_lock(&proc_tree_lock);
	t->tid = first ? p->pid : id_alloc();
	spin_unlock(&proc_tree_lock);
	if (!t->tid) {
		cred_put(t->cred);
		kfree(t);
		return NULL;
	}
	task_init(&t->task, p->name, thread_poll, end);
	t->task.tickets = p->tickets;
	t->proc = p;
	/* Made by a thread (clone, spawn): it keeps its creator's seccomp filters, as on Linux. */
	struct thread *creator = current_thread();
	if (creator)
		seccomp_inherit(t, creator);
	list_init(&t->sigq);
	park_init(&t->park);
	t->task.park = &t->park;
	thread_fpu_init(t);
	return t;
}

/* Link a ready thread into its process and make it runnable. */
void thread_start(struct thread *t)
{
	struct proc *p = t->proc;
	t->dom = p->dom;
	domain_get(t->dom);
	spin_lock(&p->lock);
	list_push_back(&p->threads, &t->proc_node);
	p->nthreads++;
	spin_unlock(&p->lock);
	/* A new thread runs where its creator may (sched_setaffinity(2): inherited). */
	struct thread *creator = current_thread();
	t->affinity = creator ? creator->affinity : 0;
	/* And under its policy, unless it asked for SCHED_RESET_ON_FORK (sys_sched.c). */
	if (creator && creator->proc != NULL && !creator->sched_reset_on_fork &&
	    creator->sched_policy) {
		t->sched_policy = creator->sched_policy;
		t->rt_prio = creator->rt_prio;
		t->task.tickets = creator->task.tickets;
	}
	thread_place(t);
	task_spawn(&t->task, t->task.flags & TASK_PINNED ? (int)t->task.home : -1);
}

/* A new process with no memory, files or threads yet; parent may be NULL (init). */
struct proc *proc_alloc(struct proc *parent)
{
	struct proc *p = knew(struct proc);
	if (!p)
		return NULL;
	p->holds = 1; /* the process's own, until it is reaped */
	p->lock = (struct spinlock)SPINLOCK_INIT;
	p->sig_lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&p->sigq);
	list_init(&p->ptimers);
	list_init(&p->children);
	list_init(&p->threads);
	list_init(&p->joinable);
	waitq_init(&p->thread_exit);
	waitq_init(&p->child_exit);
	waitq_init(&p->cont_wait);
	waitq_init(&p->vfork_done);
	p->tickets = parent ? parent->tickets : TASK_DEFAULT_TICKETS;
	p->exit_signal = SIGCHLD; /* fork's; clone may choose another */
	p->dumpable = true;
	if (parent) {
		spin_lock(&parent->lock);
		memcpy(p->rlim, parent->rlim, sizeof p->rlim); /* fork(2): inherited */
		spin_unlock(&parent->lock);
		p->no_new_privs = __atomic_load_n(&parent->no_new_privs, __ATOMIC_RELAXED);
		p->dumpable = __atomic_load_n(&parent->dumpable, __ATOMIC_RELAXED);
		p->personality = __atomic_load_n(&parent->personality, __ATOMIC_RELAXED);
		p->ioprio = __atomic_load_n(&parent->ioprio, __ATOMIC_RELAXED);
	} else {
		rlimits_default(p->rlim);
	}
	p->start_ns = tsc_ns();
	if (parent) {
		memcpy(p->name, parent->name, sizeof p->name);
		memcpy(p->exe, parent->exe, sizeof p->exe);
		memcpy(p->sigactions, parent->sigactions, sizeof p->sigactions);
		p->no_new_privs = __atomic_load_n(&parent->no_new_privs, __ATOMIC_RELAXED);
		p->dumpable = __atomic_load_n(&parent->dumpable, __ATOMIC_RELAXED);
		spin_lock(&parent->lock);
		p->cred = cred_get(parent->cred);
		p->cmdline = parent->cmdline_len ? kmalloc(parent->cmdline_len) : NULL;
		if (p->cmdline) {
			memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
			p->cmdline_len = parent->cmdline_len;
		}
		spin_unlock(&parent->lock);
	} else {
		p->cred = cred_get(&cred_root); /* init acts as root */
	}
	spin_lock(&proc_tree_lock);
	/*
	 * A parent being killed makes no child: a kill of its group has
	 * walked the table already (under this lock) and would never see it,
	 * and a fork bomb would outlive kill(-group, SIGKILL). Its own exit
	 * answers the caller.
	 */
	p->pid = parent && __atomic_load_n(&parent->exiting, __ATOMIC_ACQUIRE) ? 0 : id_alloc();
	if (!p->pid) {
		spin_unlock(&proc_tree_lock);
		cred_put(p->cred);
		kfree(p->cmdline);
		kfree(p);
		return NULL;
	}
	procs[p->pid] = p;
	nprocs++;
	p->parent = parent;
	if (parent) {
		p->ppid = parent->pid;
		p->pgid = parent->pgid;
		p->sid = parent->sid;
		list_push_back(&parent->children, &p->sibling);
	} else {
		p->pgid = p->sid = p->pid;
	}
	spin_unlock(&proc_tree_lock);
	return p;
}

void proc_adopt_by_grandparent(struct proc *c)
{
	spin_lock(&proc_tree_lock);
	struct proc *gp = c->parent ? c->parent->parent : NULL;
	if (gp) {
		list_remove(&c->sibling);
		c->parent = gp;
		__atomic_store_n(&c->ppid, gp->pid, __ATOMIC_RELAXED);
		list_push_back(&gp->children, &c->sibling);
	}
	spin_unlock(&proc_tree_lock);
}

void proc_free_unstarted(struct proc *p)
{
	assert(!p->fs);
	spin_lock(&proc_tree_lock);
	if (p->parent)
		list_remove(&p->sibling);
	procs[p->pid] = NULL;
	id_free(p->pid);
	nprocs--;
	spin_unlock(&proc_tree_lock);
	if (p->dom)
		domain_put(p->dom);
	cred_put(p->cred);
	sigqueue_free_proc(p);
	kcharge_put(p->kmem);
	kfree(p->cmdline);
	kfree(p);
}

void proc_set_name(struct proc *p, const char *path, const char *exe)
{
	const char *base = path;
	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			base = s + 1;
	strlcpy(p->name, base, sizeof p->name);
	/* exe names the file itself (/bin/busybox for /bin/sh), as Linux's /proc/<pid>/exe. */
	strlcpy(p->exe, exe ? exe : path, sizeof p->exe);
}

void proc_set_cmdline(struct proc *p, const char *args, u32 argc)
{
	size_t len = 0;
	for (u32 i = 0; i < argc; i++)
		len += strlen(args + len) + 1;
	len = MIN(len, (size_t)PROC_CMDLINE_MAX);
	char *c = len ? kmalloc(len) : NULL;
	if (c)
		memcpy(c, args, len);
	spin_lock(&p->lock);
	char *old = p->cmdline;
	p->cmdline = c;
	p->cmdline_len = c ? (u32)len : 0;
	spin_unlock(&p->lock);
	kfree(old);
}

struct domain *proc_dom_get(struct proc *p)
{
	spin_lock(&p->lock);
	struct domain *d = p->dom;
	if (d)
		domain_get(d); /* p's own reference keeps it alive while we hold p->lock */
	spin_unlock(&p->lock);
	return d;
}

struct domain *proc_dom_swap(struct proc *p, struct domain *d)
{
	spin_lock(&p->lock);
	struct domain *old = p->dom;
	if (old) {
		/* Its peak stays in the process's figures once the domain is left behind. */
		struct usage u = {.maxrss_pages = __atomic_load_n(&old->peak, __ATOMIC_RELAXED)};
		usage_add(&p->ru, &u);
	}
	p->dom = d;
	spin_unlock(&p->lock);
	return old;
}

/* Initial user registers: entry point, stack, interrupts on. */
void thread_set_entry(struct trapframe *tf, vaddr_t entry, vaddr_t sp)
{
	memset(tf, 0, sizeof *tf);
	tf->rip = entry;
	tf->rsp = sp;
	tf->cs = GDT_UCODE | 3;
	tf->ss = GDT_UDATA | 3;
	tf->rflags = 0x202; /* IF, and the always-one bit */
}

/*
 * Make a thread notice a kill, signal or stop soon: wake it if parked,
 * interrupt it if it runs user code on another core. A running thread may
 * be in the kernel on its way to park (pause, a wait, park_if_stopped)
 * after it last looked: task_wake marks it TASK_NOTIFIED, so the executor
 * polls it again instead of leaving it parked with the news unseen.
 */
void thread_kick(struct thread *t)
{
	task_wake(&t->task);
	u32 s = __atomic_load_n(&t->task.state, __ATOMIC_ACQUIRE);
	if (s == TASK_NOTIFIED) {
		u32 home = __atomic_load_n(&t->task.home, __ATOMIC_RELAXED);
		if (home != this_cpu()->index)
			ipi_send(cpus[home]->apic_id, VEC_WAKE);
	}
}

void proc_exit_all(struct proc *p, int status)
{
	spin_lock(&p->lock);
	if (!p->exiting) {
		p->exit_code = status;
		__atomic_store_n(&p->exiting, true, __ATOMIC_RELEASE);
	}
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		__atomic_store_n(&t->killed, true, __ATOMIC_RELEASE);
		thread_kick(t);
	}
	spin_unlock(&p->lock);
}

static bool auto_reap(struct proc *parent)
{
	struct k_sigaction *a = &parent->sigactions[SIGCHLD - 1];
	return a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
}

void proc_vfork_release_locked(struct proc *child)
{
	assert(spin_is_locked(&proc_tree_lock));
	/*
	 * By pid: the waiter may have died meanwhile, and its pid gone to
	 * another process, whose wake is then spurious (harmless).
	 */
	struct proc *w = child->vfork_waiter ? proc_find(child->vfork_waiter) : NULL;
	if (__atomic_exchange_n(&child->vfork_child_pending, 0, __ATOMIC_ACQ_REL) && w)
		waitq_wake_all(&w->vfork_done);
}

/* Free a reaped process; caller holds proc_tree_lock. */
void proc_reap(struct proc *p)
{
	sigqueue_free_proc(p);
	procs[p->pid] = NULL;
	id_free(p->pid);
	nprocs--;
	cred_put(p->cred);
	kcharge_put(p->kmem);
	kfree(p->cmdline);
	p->cmdline = NULL;
	proc_unhold(p);
}

void proc_hold(struct proc *p)
{
	__atomic_add_fetch(&p->holds, 1, __ATOMIC_RELAXED);
}

void proc_unhold(struct proc *p)
{
	if (__atomic_sub_fetch(&p->holds, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(p);
}

struct proc *proc_nth_locked(u32 *pid)
{
	assert(spin_is_locked(&proc_tree_lock));
	for (; *pid < PID_MAX; (*pid)++)
		if (procs[*pid])
			return procs[(*pid)++];
	return NULL;
}

void proc_finish(struct proc *p, int status)
{
	assert(!p->fs); /* the file system let go of its state first (kernel/exec/exit.c) */
	alarm_cancel(p);
	ptimer_exit(p);
	domain_deactivate(p->dom);
	domain_put(proc_dom_swap(p, NULL));

	if (p == init_proc) {
		kprintf("ferry: init (pid 1) exited with status %d; powering off\n", status);
		machine_exit(status == 0);
	}

	spin_lock(&proc_tree_lock);
	proc_vfork_release_locked(p); /* before it may be reaped below */
	/*
	 * Orphans go to the nearest ancestor that asked for them
	 * (PR_SET_CHILD_SUBREAPER) and is not exiting, else to init, which
	 * reaps them. A child that asked for a signal at its parent's death
	 * (PR_SET_PDEATHSIG) gets it now.
	 */
	struct proc *reaper = init_proc;
	for (struct proc *a = p->parent; a && a != init_proc; a = a->parent) {
		if (__atomic_load_n(&a->subreaper, __ATOMIC_RELAXED) && a->state == PROC_ALIVE &&
		    !__atomic_load_n(&a->exiting, __ATOMIC_RELAXED)) {
			reaper = a;
			break;
		}
	}
	bool orphan_zombies = false;
	while (!list_empty(&p->children)) {
		struct proc *c = container_of(list_pop_front(&p->children), struct proc, sibling);
		c->parent = reaper;
		__atomic_store_n(&c->ppid, reaper->pid, __ATOMIC_RELAXED);
		list_push_back(&reaper->children, &c->sibling);
		orphan_zombies |= c->state == PROC_ZOMBIE;
		if (c->state == PROC_ZOMBIE && reaper != init_proc)
			signal_send_chld(reaper, c->pid, c->exit_status); /* a zombie to reap now */
		jobctl_reparented_locked(c, p);
		u8 sig = __atomic_load_n(&c->pdeath_sig, __ATOMIC_RELAXED);
		if (sig && c->state == PROC_ALIVE)
			signal_send_proc(c, sig);
	}
	jobctl_exit_locked(p);
	struct proc *parent = p->parent;
	u32 pid = p->pid;
	int esig = p->exit_signal;
	p->exit_status = status;
	if (auto_reap(parent)) {
		list_remove(&p->sibling);
		p->state = PROC_REAPED;
		proc_reap(p);
	} else {
		p->state = PROC_ZOMBIE;
	}
	if (orphan_zombies)
		waitq_wake_all(&reaper->child_exit);
	/*
	 * Still under proc_tree_lock: the parent may be exiting too, and only
	 * the lock keeps it from being reaped (and freed) under our feet.
	 */
	if (esig)
		signal_send_exit(parent, esig, pid, status);
	waitq_wake_all(&parent->child_exit);
	spin_unlock(&proc_tree_lock);
	waitq_wake_all(&proc_exit_wq);
}

bool thread_detach(struct thread *t, int *status)
{
	struct proc *p = t->proc;
	park_cancel(&t->park);
	futex_exit_robust(t);
	if (t->clear_child_tid) {
		u32 zero = 0;
		copy_to_domain(p->dom, t->clear_child_tid, &zero, sizeof zero);
		/* A page out in swap cannot be waited for here (exit brought it back first). */
		park_cancel(&t->park);
		futex_wake_addr(p->dom, t->clear_child_tid, 1);
	}
	tid_free(t);
	spin_lock(&p->lock);
	sigqueue_free_thread(t); /* under p->lock: no sender finds it afterwards */
	usage_add(&p->ru, &t->ru); /* with the removal: proc_usage counts it once */
	list_remove(&t->proc_node);
	u32 left = --p->nthreads;
	*status = p->exiting ? p->exit_code : (t->exit_code & 0xff) << 8;
	spin_unlock(&p->lock);
	thread_joinable_exit(t);
	return left == 0;
}

void thread_release(struct thread *t)
{
	/* The thread's own hold on its memory goes last (proc_finish dropped the process's). */
	struct domain *d = t->dom;
	domain_deactivate(d);
	domain_put(d);
	cred_put(t->cred);
	seccomp_release(t);
	kfree(t);
}
