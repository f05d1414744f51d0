/*
 * System V semaphore sets (sysv.h, semop(2)). A semop's operations apply
 * all together or not at all: they are applied in order and rolled back
 * at the first that would block. A blocked semop parks on the set's wait
 * queue with a record of what it waits for (GETNCNT, GETZCNT count them)
 * that also holds the set (park_hold); every change wakes the set's
 * waiters, which look again.
 *
 * SEM_UNDO: each process keeps, per set, the sum of its undoable changes
 * (undo_list, under undo_lock), applied in reverse when it ends (sem_exit).
 */
#include "ipc/sysv_impl.h"
#include "mm/kheap.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct sysv_table sem_table = {.lock = SPINLOCK_INIT};

struct sem_waiter {
	struct list_node node; /* [set lock] */
	struct semset *s;      /* holds a reference */
	u32 num;
	bool zero;             /* waits for zero, not for a value to take from */
};

struct undo {
	struct list_node node; /* [undo_lock] */
	u32 pid;
	int semid;
	u32 nsems;
	i32 adj[];
};

static struct spinlock undo_lock = SPINLOCK_INIT;
static struct list_node undo_list = {&undo_list, &undo_list}; /* [undo_lock] */

static void semset_free(struct sysv_obj *o)
{
	kfree(container_of(o, struct semset, o));
}

struct sysv_obj *semset_make(void *arg)
{
	u32 n = *(u32 *)arg;
	struct semset *s = kzalloc(sizeof *s + n * sizeof s->sems[0]);
	if (!s)
		return NULL;
	s->nsems = n;
	waitq_init(&s->wait);
	list_init(&s->waiters);
	s->o.free = semset_free;
	return &s->o;
}

int semset_check(struct sysv_obj *o, void *arg)
{
	u32 n = *(u32 *)arg;
	return n > container_of(o, struct semset, o)->nsems ? -EINVAL : 0;
}

static void waiter_release(void *arg)
{
	struct sem_waiter *w = arg;
	spin_lock(&w->s->o.lock);
	list_remove(&w->node);
	spin_unlock(&w->s->o.lock);
	sysv_put(&w->s->o);
	kfree(w);
}

int semset_count(struct semset *s, u32 num, bool zero)
{
	int n = 0;
	spin_lock(&s->o.lock);
	struct list_node *pos;
	list_for_each(pos, &s->waiters)
	{
		struct sem_waiter *w = container_of(pos, struct sem_waiter, node);
		n += w->num == num && w->zero == zero;
	}
	spin_unlock(&s->o.lock);
	return n;
}

/* The undo record of (pid, set), made if make; caller holds undo_lock. */
static struct undo *undo_of_locked(u32 pid, struct semset *s, bool make)
{
	struct list_node *pos;
	list_for_each(pos, &undo_list)
	{
		struct undo *u = container_of(pos, struct undo, node);
		if (u->pid == pid && u->semid == s->o.id)
			return u;
	}
	if (!make)
		return NULL;
	struct undo *u = kzalloc(sizeof *u + s->nsems * sizeof u->adj[0]);
	if (!u)
		return NULL;
	u->pid = pid;
	u->semid = s->o.id;
	u->nsems = s->nsems;
	list_push_back(&undo_list, &u->node);
	return u;
}

long semset_op(int id, const struct ksembuf *ops, u32 nops, u64 deadline, u32 pid)
{
	struct sem_waiter *held = park_take(waiter_release);
	bool was_waiting = held != NULL;
	if (held)
		waiter_release(held);
	struct sysv_obj *o = sysv_find(&sem_table, id);
	if (!o)
		return was_waiting ? -EIDRM : -EINVAL;
	struct semset *s = container_of(o, struct semset, o);
	long r = 0;
	bool undo = false;
	for (u32 i = 0; i < nops; i++) {
		if (ops[i].num >= s->nsems) {
			sysv_put(o);
			return -EFBIG;
		}
		undo |= ops[i].flg & SEM_UNDO;
	}
	if (deadline && tsc_ns() >= deadline) {
		sysv_put(o);
		return -EAGAIN;
	}
	struct sem_waiter *w = knew(struct sem_waiter); /* in case it must wait */
	if (!w) {
		sysv_put(o);
		return -ENOMEM;
	}
	spin_lock(&undo_lock); /* outside the set's lock: undo_lock, then a set's */
	spin_lock(&o->lock);
	if (o->removed) {
		r = -EIDRM;
		goto out;
	}
	u32 i;
	for (i = 0; i < nops; i++) {
		struct sem *sm = &s->sems[ops[i].num];
		int v = sm->val, op = ops[i].op;
		if (op > 0 && v + op > SEMVMX) {
			r = -ERANGE;
			break;
		}
		if ((op < 0 && v < -op) || (op == 0 && v != 0)) {
			r = -EAGAIN;
			break;
		}
		sm->val = (u16)(v + op);
	}
	if (r < 0) {
		u32 b = i; /* the operation that could not go */
		while (i-- > 0) /* roll back what went before */
			s->sems[ops[i].num].val = (u16)(s->sems[ops[i].num].val - ops[i].op);
		if (r == -EAGAIN && !(ops[b].flg & IPC_NOWAIT)) {
			*w = (struct sem_waiter){.s = s, .num = ops[b].num, .zero = ops[b].op == 0};
			list_push_back(&s->waiters, &w->node);
			spin_lock(&s->wait.lock);
			r = park_on(&s->wait);
			spin_unlock(&s->wait.lock);
			spin_unlock(&o->lock);
			spin_unlock(&undo_lock);
			park_timeout(deadline);
			park_hold(waiter_release, w); /* it holds our reference to the set */
			return r;
		}
		goto out;
	}
	struct undo *u = undo ? undo_of_locked(pid, s, true) : NULL;
	if (undo && !u) {
		for (i = nops; i-- > 0;)
			s->sems[ops[i].num].val = (u16)(s->sems[ops[i].num].val - ops[i].op);
		r = -ENOMEM;
		goto out;
	}
	bool changed = false;
	for (i = 0; i < nops; i++) {
		s->sems[ops[i].num].pid = pid;
		changed |= ops[i].op != 0;
		if (ops[i].flg & SEM_UNDO)
			u->adj[ops[i].num] -= ops[i].op;
	}
	s->otime = sysv_now();
	spin_unlock(&o->lock);
	spin_unlock(&undo_lock);
	kfree(w);
	if (changed)
		waitq_wake_all(&s->wait);
	sysv_put(o);
	return 0;
out:
	spin_unlock(&o->lock);
	spin_unlock(&undo_lock);
	kfree(w);
	sysv_put(o);
	return r;
}

void semset_changed(struct semset *s, int num)
{
	spin_lock(&undo_lock);
	struct list_node *pos;
	list_for_each(pos, &undo_list)
	{
		struct undo *u = container_of(pos, struct undo, node);
		if (u->semid != s->o.id)
			continue;
		for (u32 i = 0; i < u->nsems; i++)
			if (num < 0 || (u32)num == i)
				u->adj[i] = 0;
	}
	spin_unlock(&undo_lock);
	waitq_wake_all(&s->wait);
}

void semset_removed(struct semset *s)
{
	waitq_wake_all(&s->wait);
}

void sem_exit(u32 pid)
{
	for (;;) {
		spin_lock(&undo_lock);
		struct undo *u = NULL;
		struct list_node *pos;
		list_for_each(pos, &undo_list)
		{
			struct undo *c = container_of(pos, struct undo, node);
			if (c->pid == pid) {
				u = c;
				break;
			}
		}
		if (u)
			list_remove(&u->node);
		spin_unlock(&undo_lock);
		if (!u)
			return;
		struct sysv_obj *o = sysv_find(&sem_table, u->semid);
		if (o) {
			struct semset *s = container_of(o, struct semset, o);
			spin_lock(&o->lock);
			for (u32 i = 0; i < s->nsems && i < u->nsems; i++) {
				int v = s->sems[i].val + u->adj[i];
				if (u->adj[i]) {
					/* Clamped to 0..SEMVMX, as Linux does. */
					s->sems[i].val = (u16)(v < 0 ? 0 : v > SEMVMX ? SEMVMX : v);
					s->sems[i].pid = pid;
				}
			}
			spin_unlock(&o->lock);
			waitq_wake_all(&s->wait);
			sysv_put(o);
		}
		kfree(u);
	}
}
