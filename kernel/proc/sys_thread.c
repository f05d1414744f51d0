/*
 * Brian OS's thread_join (thread_clone is in kernel/exec/sys_clone.c) and
 * getpstat, the process table ps reads. getpstat shows every process to
 * everyone, as Linux's /proc does (names, states, sizes); where its
 * memory lies (slot_base) only to those who may read its private state
 * (proc_may_access), as /proc/<pid>/maps.
 */
#include "proc/proc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

struct joined {
	struct list_node node; /* [proc.lock] in proc.joinable */
	u32 tid;
	u64 stack;
};

/* Called as a thread ends: a thread_clone thread leaves a record for thread_join. */
void thread_joinable_exit(struct thread *t)
{
	if (!t->joinable)
		return;
	struct proc *p = t->proc;
	struct joined *j = knew(struct joined);
	spin_lock(&p->lock);
	p->nclone_threads--;
	if (j) {
		j->tid = t->tid;
		j->stack = t->thread_stack;
		list_push_back(&p->joinable, &j->node);
	}
	spin_unlock(&p->lock);
	waitq_wake_all(&p->thread_exit);
}

SYSCALL(SYS_thread_join, thread_join)
{
	struct proc *p = cur_proc();
	spin_lock(&p->lock);
	if (!list_empty(&p->joinable)) {
		struct joined *j = container_of(list_pop_front(&p->joinable), struct joined, node);
		spin_unlock(&p->lock);
		u32 tid = j->tid;
		u64 stack = j->stack;
		kfree(j);
		if (a0 && copy_to_domain(p->dom, a0, &stack, sizeof stack) < 0)
			return -EFAULT;
		return tid;
	}
	if (!p->nclone_threads) {
		spin_unlock(&p->lock);
		return -ESRCH;
	}
	spin_lock(&p->thread_exit.lock);
	long r = park_on(&p->thread_exit);
	spin_unlock(&p->thread_exit.lock);
	spin_unlock(&p->lock);
	return r;
}

/* Page counts of a domain by kind, for ps. */
static void count_pages(struct domain *d, struct pstat_entry *e)
{
	spin_lock(&d->lock);
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		u64 n = (r->end - r->start) / PAGE_SIZE;
		if (r->flags & REGION_STACK)
			e->stack_pages += n;
		else if (r->flags & REGION_HEAP)
			e->heap_pages += n;
		else if ((r->flags & REGION_IMAGE) && (r->flags & REGION_WRITE))
			e->data_pages += n;
		else if (r->flags & REGION_IMAGE)
			e->text_pages += n;
		else
			e->mmap_pages += n;
	}
	e->resident = d->resident;
	e->swapped = d->swapped;
	e->slot_base = d->brk_start >= d->slot_base ? d->slot_base : 0;
	spin_unlock(&d->lock);
}

static u32 task_state_of(struct thread *t)
{
	switch (__atomic_load_n(&t->task.state, __ATOMIC_RELAXED)) {
	case TASK_RUNNING:
	case TASK_NOTIFIED:
		return PSTAT_RUNNING;
	case TASK_QUEUED:
		return PSTAT_RUNNABLE;
	default:
		return PSTAT_SLEEPING;
	}
}

#define PSTAT_MAX 4096

SYSCALL(SYS_getpstat, getpstat)
{
	struct proc *self = cur_proc();
	u32 cap;
	if (copy_from_domain(self->dom, &cap, a0, sizeof cap) < 0)
		return -EFAULT;
	cap = MIN(cap, PSTAT_MAX);
	struct pstat_entry *ents = cap ? kzalloc(cap * sizeof *ents) : NULL;
	if (cap && !ents)
		return -ENOMEM;
	u32 count = 0;
	spin_lock(&proc_tree_lock);
	for (u32 pid = 1; pid < 32768; pid++) {
		struct proc *p = proc_find(pid);
		if (!p || p->state == PROC_REAPED)
			continue;
		if (p->state == PROC_ZOMBIE) {
			if (count < cap) {
				struct pstat_entry *e = &ents[count];
				e->pid = e->tgid = (i32)p->pid;
				e->ppid = p->parent ? (i32)p->parent->pid : 0;
				e->state = PSTAT_ZOMBIE;
				e->tickets = p->tickets;
				e->last_cpu = -1;
				memcpy(e->name, p->name, sizeof e->name);
			}
			count++;
			continue;
		}
		bool private_ok = proc_may_access(cur_cred(), p, false);
		spin_lock(&p->lock);
		struct list_node *pos;
		bool first = true;
		list_for_each(pos, &p->threads)
		{
			struct thread *t = container_of(pos, struct thread, proc_node);
			if (count < cap) {
				struct pstat_entry *e = &ents[count];
				e->pid = first ? (i32)p->pid : (i32)t->tid;
				e->tgid = (i32)p->pid;
				e->ppid = p->parent ? (i32)p->parent->pid : 0;
				e->state = task_state_of(t);
				e->tickets = t->task.tickets;
				e->last_cpu = (i32)t->task.home;
				e->nsched = t->task.polls;
				e->run_ns = t->task.run_ns;
				memcpy(e->name, p->name, sizeof e->name);
				if (p->dom)
					count_pages(p->dom, e);
				if (!private_ok)
					e->slot_base = 0;
			}
			first = false;
			count++;
		}
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
	long r = copy_to_domain(self->dom, a0 + offsetof(struct pstat, count), &count, sizeof count);
	u32 filled = MIN(cap, count);
	if (r == 0 && filled)
		r = copy_to_domain(self->dom, a0 + sizeof(struct pstat), ents, filled * sizeof *ents);
	kfree(ents);
	return r < 0 ? -EFAULT : (long)filled;
}
