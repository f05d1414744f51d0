/*
 * The out-of-memory choice (oom.h). A process's size is the pages its
 * memory has mapped plus the kernel buffers its open files hold (pipe
 * rings: file_ops.buffer_bytes), so processes that pin memory in pipes
 * rank as high as ones that map it. Init is never chosen: its end would
 * stop the machine.
 *
 * Locks: oom_victim is under proc_tree_lock. Sizes are read with only a
 * reference to the memory and descriptor table (no lock of the tree held
 * while a table is walked), so they are a moment's figures, which is all a
 * choice needs.
 */
#include "proc/oom.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "sched/task.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

/* How long a victim may take to die before the faulting process stops waiting. */
#define OOM_WAIT_NS (10 * 1000000000UL)
/* After a victim's memory came back, a failure this soon may be from just before. */
#define OOM_SETTLE_NS (1000000000UL)

/* Free pages below this after a failed allocation: short of memory, not merely fragmented. */
static u64 oom_low_pages(void)
{
	u64 low = buddy_total_pages() / 64;
	return low < 256 ? 256 : low;
}

static u32 victim_pid;   /* [proc_tree_lock] the last process killed for memory */
static u64 victim_since; /* [proc_tree_lock] when it was chosen */

/* pid's pages, mapped and in buffers; 0 when it is not a candidate. */
static u64 proc_size(u32 pid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (!p || p == init_proc || p->state != PROC_ALIVE ||
	    __atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE)) {
		spin_unlock(&proc_tree_lock);
		return 0;
	}
	struct domain *d = proc_dom_get(p);
	spin_lock(&p->lock); /* the process's end takes its file state under it */
	struct fdtable *t = p->fs ? fs_files_get(p->fs) : NULL;
	spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);

	u64 pages = 1; /* a candidate, even with nothing mapped */
	if (d) {
		spin_lock(&d->lock);
		pages += d->resident;
		spin_unlock(&d->lock);
		domain_put(d);
	}
	if (t) {
		pages += fdtable_buffer_bytes(t) / PAGE_SIZE;
		fdtable_put(t);
	}
	return pages;
}

/*
 * A victim chosen before that has not given its memory back yet (its
 * memory outlives the process by a moment: the last thread lets go of it
 * after the process is a zombie), unless past its time; proc_tree_lock held.
 */
static bool victim_dying_locked(void)
{
	struct proc *p = victim_pid ? proc_find(victim_pid) : NULL;
	bool dying = (p && p->oom_victim && p->state == PROC_ALIVE) || domain_oom_pending();
	return dying && tsc_ns() - victim_since < OOM_WAIT_NS;
}

enum oom_result oom_kill_for(struct proc *self)
{
	spin_lock(&proc_tree_lock);
	bool waiting = victim_dying_locked();
	bool recent = victim_pid && tsc_ns() - victim_since < OOM_SETTLE_NS;
	spin_unlock(&proc_tree_lock);
	if (waiting)
		return OOM_WAIT;
	/* The allocation failed just before the last victim's memory came back: try again. */
	if (recent && buddy_free_pages() >= oom_low_pages())
		return OOM_WAIT;

	u32 best = 0;
	u64 best_pages = 0;
	for (u32 pid = 2; pid < PID_MAX; pid++) {
		u64 pages = proc_size(pid);
		if (pages > best_pages) {
			best = pid;
			best_pages = pages;
		}
	}
	if (!best || (self && best == self->pid))
		return OOM_SELF;

	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(best);
	if (!p || p->state != PROC_ALIVE || __atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE)) {
		spin_unlock(&proc_tree_lock);
		return OOM_WAIT; /* it went meanwhile, giving its memory back: try again */
	}
	p->oom_victim = true;
	victim_pid = p->pid;
	victim_since = tsc_ns();
	struct domain *d = proc_dom_get(p);
	if (d) {
		domain_oom_mark(d);
		domain_put(d);
	}
	kprintf("ferry: out of memory%s (%lu KiB free): killed pid %u (%s), %lu KiB mapped and "
		"in buffers\n",
		self ? " in a page fault" : "", buddy_free_pages() * (PAGE_SIZE / 1024), p->pid,
		p->name, best_pages * (PAGE_SIZE / 1024));
	proc_exit_all(p, signal_exit_status(SIGKILL));
	spin_unlock(&proc_tree_lock);
	return OOM_WAIT;
}

/*
 * An allocation in the kernel found no memory (a fork's, a pipe's ring):
 * it fails, and the OOM task then looks whether memory is still short
 * and, if so, makes room for the next try. The allocator calls its hook
 * in any context, with locks held, so the choice cannot be made there.
 */
static struct task oom_task;
static u32 oom_kicked; /* [a] the task is woken and has not looked yet */
static bool oom_ready; /* [I after oom_init] */

static u64 oom_notice(u64 want)
{
	if (__atomic_load_n(&oom_ready, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&oom_kicked, 1, __ATOMIC_ACQ_REL))
		task_wake(&oom_task);
	return 0; /* nothing freed now: the caller's allocation fails */
}

static enum poll_result oom_poll(struct task *self)
{
	__atomic_store_n(&oom_kicked, 0, __ATOMIC_RELEASE);
	if (buddy_free_pages() < oom_low_pages())
		oom_kill_for(NULL);
	return PENDING; /* until the next failed allocation wakes it */
}

void oom_init(void)
{
	task_init(&oom_task, "oom", oom_poll, NULL);
	/* Registered after the caches' hooks: asked only once they have nothing left. */
	buddy_add_reclaim(oom_notice);
	__atomic_store_n(&oom_ready, true, __ATOMIC_RELEASE);
	task_spawn(&oom_task, -1); /* looks once (plenty free), then waits for a wake */
}
