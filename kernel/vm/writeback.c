/*
 * Write-back (see writeback.h). The task is a timer future that requeues
 * itself (invariant 2): every WB_PERIOD_NS, or at once when dirty pages
 * pass WB_DIRTY_PERCENT of memory, it starts writes of what is dirty, a
 * cache at a time, without waiting for any (the disks' completions mark
 * the pages clean). A store that would have to wait for its own metadata
 * first (ext2's block map not in the block cache) starts that read and
 * is tried again WB_RETRY_NS later.
 *
 * Locks used to protect data in this file: [wb.lock] for the list.
 */
#include "vm/writeback.h"
#include "vm/swap.h"
#include "vm/pcache.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sched/task.h"
#include "sched/timer.h"

#define WB_PERIOD_NS (5UL * 1000000000)
#define WB_RETRY_NS (100UL * 1000000)
#define WB_DIRTY_PERCENT 10

static struct {
	struct spinlock lock;
	struct list_node dirty; /* [lock] caches with dirty pages, oldest first */
	bool ready;		/* [I after wb_init] */
	struct task task;
	struct timer tm;
	u64 next; /* [task] when it runs next */
	u64 kicked; /* [a] set by a threshold wake */
} wb = {.lock = SPINLOCK_INIT, .dirty = LIST_INIT(wb.dirty)};

void wb_note_dirty(struct pcache *pc)
{
	if (pc->flags & PC_SWAPCACHE)
		return; /* reclaim writes the swap caches (vm/reclaim.c) */
	spin_lock(&wb.lock);
	if (!pc->on_dirty_list) {
		pc->on_dirty_list = true;
		list_push_back(&wb.dirty, &pc->dirty_link);
	}
	spin_unlock(&wb.lock);
	struct pcache_stats s;
	pcache_get_stats(&s);
	if (wb.ready && s.dirty * 100 > buddy_total_pages() * WB_DIRTY_PERCENT &&
	    !__atomic_exchange_n(&wb.kicked, 1, __ATOMIC_RELAXED))
		task_wake(&wb.task);
}

void wb_forget(struct pcache *pc)
{
	spin_lock(&wb.lock);
	if (pc->on_dirty_list) {
		list_remove(&pc->dirty_link);
		pc->on_dirty_list = false;
	}
	spin_unlock(&wb.lock);
}

/*
 * The next cache on the list after `after` (NULL: the first) that match
 * accepts, with a reference on its owner; NULL at the end. A cache with
 * nothing dirty left leaves the list here.
 */
static struct pcache *next_cache(struct list_node **pos, bool (*match)(struct pcache *, void *),
				 void *arg)
{
	spin_lock(&wb.lock);
	struct list_node *n = *pos ? (*pos)->next : wb.dirty.next;
	while (n != &wb.dirty) {
		struct pcache *pc = container_of(n, struct pcache, dirty_link);
		struct list_node *next = n->next;
		if (!__atomic_load_n(&pc->ndirty, __ATOMIC_RELAXED)) {
			/* Its writes may still be in flight: sync waits for pages, not the list. */
			list_remove(n);
			pc->on_dirty_list = false;
		} else if ((!match || match(pc, arg)) && pc->ops->tryget(pc)) {
			*pos = n;
			spin_unlock(&wb.lock);
			return pc;
		}
		n = next;
	}
	spin_unlock(&wb.lock);
	return NULL;
}

/*
 * Walk the list, starting each cache's writes: 0, or the first error a
 * cache gave (-EAGAIN: some store would have waited). A cache taken off
 * the list while we held it leaves `pos` dangling: start over then.
 */
static int start_all(bool (*match)(struct pcache *, void *), void *arg)
{
	int ret = 0;
	struct list_node *pos = NULL;
	struct pcache *pc;
	while ((pc = next_cache(&pos, match, arg))) {
		int r = pcache_writeback(pc, 0, ~0UL, false, PCG_NOPARK);
		if (r && !ret)
			ret = r;
		spin_lock(&wb.lock);
		bool gone = !pc->on_dirty_list;
		spin_unlock(&wb.lock);
		pc->ops->put(pc);
		if (gone)
			break; /* pos left the list: the next round goes on from the start */
	}
	return ret;
}

int wb_sync(bool (*match)(struct pcache *, void *), void *arg)
{
	/* Start everything first, then wait cache by cache (the disks work meanwhile). */
	start_all(match, arg);
	int err = 0;
	struct list_node *pos = NULL;
	struct pcache *pc;
	while ((pc = next_cache(&pos, match, arg))) {
		int r = pcache_writeback(pc, 0, ~0UL, true, 0);
		pc->ops->put(pc);
		if (r == -ERESTART_PARK)
			return r;
		if (r && !err)
			err = r;
		pos = NULL; /* it may have left the list: from the start (clean ones leave at once) */
	}
	return err;
}

bool wb_shutdown(void (*poll)(void), u64 ns)
{
	u64 deadline = tsc_ns() + ns;
	for (;;) {
		start_all(NULL, NULL);
		struct pcache_stats s;
		pcache_get_stats(&s);
		/* The swap caches' pages matter no more at power-off. */
		struct swap_stats ss;
		swap_get_stats(&ss);
		if (s.dirty <= ss.dirty && !s.writeback)
			return true;
		if (tsc_ns() > deadline)
			return false;
		poll();
		cpu_relax();
	}
}

static enum poll_result wb_poll(struct task *self)
{
	for (;;) {
		bool kicked = __atomic_exchange_n(&wb.kicked, 0, __ATOMIC_RELAXED);
		if (!kicked && !sleep_until(&wb.tm, wb.next))
			return PENDING;
		timer_cancel(&wb.tm);
		int r = start_all(NULL, NULL);
		wb.next = tsc_ns() + (r == -EAGAIN ? WB_RETRY_NS : WB_PERIOD_NS);
	}
}

void wb_init(void)
{
	wb.next = tsc_ns() + WB_PERIOD_NS;
	task_init(&wb.task, "writeback", wb_poll, NULL);
	wb.ready = true;
	task_spawn(&wb.task, -1);
}
