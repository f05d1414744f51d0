/*
 * The end of memory, on the process side: the out-of-memory killer that
 * reclaim (vm/reclaim.c) calls when memory and swap are both full and
 * faults wait, and the accounts of kernel memory processes made (pipe
 * buffers: cur.h's kcharge), which count toward what the killer weighs.
 *
 * The choice: the process holding the most memory (its resident pages,
 * those out in swap, and the kernel memory it made), never init (pid 1),
 * never one already ending; kernel tasks are not processes and are never
 * chosen. One line on the console says who and how much. Its memory
 * comes back as its threads end, which they do at their next turn (a
 * parked one is woken).
 *
 * Locks used to protect data in this file: a kcharge's fields are [a];
 * the walk holds proc_tree_lock, then each process's lock briefly.
 */
#include "proc/proc.h"
#include "proc/cur.h"
#include "proc/signal.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "vm/reclaim.h"
#include "lib/kernel.h"

struct kcharge {
	u32 refs;  /* [a] the process and each object charged to it */
	i64 bytes; /* [a] */
};

struct kcharge *cur_kcharge(void)
{
	struct proc *p = cur_proc();
	if (!p)
		return NULL;
	spin_lock(&p->lock);
	if (!p->kmem && (p->kmem = knew(struct kcharge)))
		p->kmem->refs = 1; /* the process's own */
	struct kcharge *c = p->kmem;
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);
	return c;
}

void kcharge_add(struct kcharge *c, i64 bytes)
{
	if (c)
		__atomic_add_fetch(&c->bytes, bytes, __ATOMIC_RELAXED);
}

void kcharge_put(struct kcharge *c)
{
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(c);
}

/*
 * What p holds, in KiB: resident pages, its pages out in swap (each one
 * it touches comes back: a process whose memory is mostly in swap is not
 * small) and the kernel memory it made. Caller holds its lock.
 */
static u64 weight_kb(struct proc *p)
{
	u64 kb = 0;
	if (p->dom)
		kb += (__atomic_load_n(&p->dom->resident, __ATOMIC_RELAXED) +
		       __atomic_load_n(&p->dom->swapped, __ATOMIC_RELAXED)) *
		      (PAGE_SIZE / 1024);
	if (p->kmem)
		kb += (u64)MAX(__atomic_load_n(&p->kmem->bytes, __ATOMIC_RELAXED), 0L) / 1024;
	return kb;
}

static bool oom_kill(void)
{
	struct proc *victim = NULL;
	u64 best = 0, resident = 0;
	u32 pid = 1;
	char name[PROC_NAME_MAX];
	spin_lock(&proc_tree_lock);
	for (struct proc *p; (p = proc_nth_locked(&pid));) {
		if (p == init_proc || p->state != PROC_ALIVE ||
		    __atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE))
			continue;
		spin_lock(&p->lock);
		u64 w = weight_kb(p);
		spin_unlock(&p->lock);
		if (w > best) {
			best = w;
			victim = p;
		}
	}
	if (victim) {
		spin_lock(&victim->lock);
		resident = victim->dom ? victim->dom->resident * (PAGE_SIZE / 1024) : 0;
		spin_unlock(&victim->lock);
		pid = victim->pid;
		memcpy(name, victim->name, sizeof name);
		name[PROC_NAME_MAX - 1] = 0;
		proc_exit_all(victim, signal_exit_status(SIGKILL));
	}
	spin_unlock(&proc_tree_lock);
	if (!victim)
		return false;
	kprintf("ferry: out of memory: killed pid %u (%s), %lu KiB resident\n", pid, name, resident);
	return true;
}

void oom_init(void)
{
	reclaim_set_oom_killer(oom_kill);
}
