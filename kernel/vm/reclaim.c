/*
 * Reclaim (see reclaim.h): one task, a future like any other work
 * (invariant 2), woken when an allocation leaves free memory under the
 * low watermark and working in short rounds, each requeueing itself,
 * until it is over the high one. A round frees what costs least first:
 * clean page-cache pages nothing maps (the LRU's clock, pcache.c); then,
 * with swap, it writes the swap cache's dirty pages and moves memory
 * files' unmapped pages out (and takes back pages an area that failed a
 * write holds, so they can go elsewhere); then it moves the hand of the
 * clock over the processes' page tables (mm/scan.c), which drops mapped
 * cache pages and sends anonymous ones to swap. A fault that finds no frame parks on
 * the memory queue; every round that frees something wakes it.
 *
 * The reserve: user memory (faults, the page cache) stops at it, so the
 * kernel's own allocations (page tables, the heap, the swap writes
 * themselves) can always finish what was started. When a whole stretch
 * of rounds frees nothing while faults wait (memory and swap both full,
 * and the clock finds nothing in use it could take later), or when with
 * no swap faults keep waiting for seconds while memory never rises over
 * the low watermark (programs' text read back as fast as it is dropped),
 * the out-of-memory killer chooses a process to end, then gives its
 * memory time to come back before it chooses again.
 *
 * Locks used to protect data in this file: [task] the reclaim task's own
 * (only it runs them), [a] atomic, [I] after reclaim_init.
 */
#include "vm/reclaim.h"
#include "vm/pcache.h"
#include "vm/swap.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "arch/x86_64/time.h"
#include "sched/park.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define ROUNDS_PER_POLL 16	     /* then it requeues, so other work runs in between */
#define SCAN_BUDGET 512		     /* page-table entries the clock looks at per domain visit */
#define SCAN_DOMAINS 4		     /* domains per round */
#define IDLE_SLEEP_NS (10UL * 1000000) /* nothing to do now: look again after writes landed */
#define OOM_IDLE_ROUNDS 8	     /* rounds with nothing freed and faults waiting: out of memory */
#define OOM_GRACE_NS (500UL * 1000000) /* a victim's memory comes back within this, mostly */
#define WAIT_TIMEOUT_NS (50UL * 1000000) /* a waiting fault looks again at least this often */
#define OOM_STALL_NS (3000UL * 1000000) /* no swap, faults waiting, memory never back over low */
#define NOMEM_RETRY_NS (10000UL * 1000000) /* a call out of kernel memory retries this long */
#define NOMEM_QUICK_TRIES 3	     /* runs of such a call that may find no memory with free over low */
#define NOMEM_QUICK_NS (1UL * 1000000) /* and the pause before each next one */
#define REHOME_NS (100UL * 1000000)  /* how often to look for pages a failed swap area holds */

static struct {
	struct task task;
	struct timer tm;
	struct waitq mem_wait; /* faults with no frame */
	u32 kicked;	       /* [a] a wake is on its way */
	bool ready;	       /* [I] */
	u64 low, high;	       /* [I] watermarks in free pages */
	u64 hand;	       /* [task] the clock's domain */
	u32 idle;	       /* [task] rounds in a row that freed nothing */
	u64 last_kill;	       /* [task] tsc_ns of the last out-of-memory kill */
	u64 stall_since;       /* [task] tsc_ns since which faults wait and memory stays low, or 0 */
	u64 waits;	       /* [a] faults that found no frame, ever */
	u64 waits_seen;	       /* [task] waits when the stall was last looked at */
	u64 rehome_at;	       /* [task] tsc_ns of the last swap_rehome */
	bool (*oom_kill)(void); /* [I] */
	struct reclaim_stats st; /* [a] */
} rc;

static void kick(void)
{
	if (rc.ready && !__atomic_exchange_n(&rc.kicked, 1, __ATOMIC_ACQ_REL))
		task_wake(&rc.task);
}

static bool waiters(void)
{
	spin_lock(&rc.mem_wait.lock);
	bool w = !list_empty(&rc.mem_wait.waiters);
	spin_unlock(&rc.mem_wait.lock);
	return w;
}

int reclaim_wait_memory(void)
{
	if (!rc.ready || !park_current())
		return -ENOMEM;
	__atomic_add_fetch(&rc.waits, 1, __ATOMIC_RELAXED);
	kick();
	spin_lock(&rc.mem_wait.lock);
	long r = park_on(&rc.mem_wait);
	spin_unlock(&rc.mem_wait.lock);
	/* Woken by a round that freed pages; and in any case soon, to look again. */
	park_timeout(tsc_ns() + WAIT_TIMEOUT_NS);
	return (int)r;
}

int reclaim_retry_call(void)
{
	if (!rc.ready || !park_current())
		return -ENOMEM;
	u64 now = tsc_ns();
	u32 tries;
	if (now - park_nomem_since(now, &tries) >= NOMEM_RETRY_NS)
		return -ENOMEM;
	if (buddy_free_pages() >= rc.low) {
		/*
		 * Memory is back already: a victim's, freed on another core
		 * between the failed allocation and this look. Run the call
		 * again soon, a few times; if it still finds none with memory
		 * over low, no kill would help (a piece too large).
		 */
		if (tries > NOMEM_QUICK_TRIES)
			return -ENOMEM;
		return (int)park_until(now + NOMEM_QUICK_NS);
	}
	return reclaim_wait_memory();
}

void reclaim_set_oom_killer(bool (*kill)(void))
{
	rc.oom_kill = kill;
}

void reclaim_get_stats(struct reclaim_stats *s)
{
	s->scanned = __atomic_load_n(&rc.st.scanned, __ATOMIC_RELAXED);
	s->swapped_out = __atomic_load_n(&rc.st.swapped_out, __ATOMIC_RELAXED);
	s->swapped_in_faults = 0;
	s->oom_kills = __atomic_load_n(&rc.st.oom_kills, __ATOMIC_RELAXED);
}

/*
 * One round: how many pages it freed or started on their way out.
 * *busy: the clock found pages in use (their accessed bits taken away)
 * or dropped cache pages from tables: there may be more to take later.
 */
static u64 round_once(bool *busy)
{
	u64 progress = pcache_reclaim(PAGE_SIZE) >> PAGE_SHIFT;
	progress += swap_write_dirty();
	if (swap_active())
		progress += pcache_swap_out(16);
	struct scan_stats st = {0};
	for (int k = 0; k < SCAN_DOMAINS; k++) {
		struct domain *d = domain_next(&rc.hand);
		if (!d)
			break;
		domain_scan(d, SCAN_BUDGET, &st);
		domain_put(d);
	}
	/*
	 * Pages a failed swap area could not write go back to their tables
	 * (a walk of every domain: not every round), for the clock to send
	 * to another area; until it does, there is more to take.
	 */
	u64 now = tsc_ns(), rehomed = 0;
	if (now - rc.rehome_at >= REHOME_NS) {
		rc.rehome_at = now;
		rehomed = swap_rehome();
	}
	*busy = st.young || st.dropped || rehomed;
	__atomic_add_fetch(&rc.st.scanned, st.scanned, __ATOMIC_RELAXED);
	__atomic_add_fetch(&rc.st.swapped_out, st.swapped, __ATOMIC_RELAXED);
	/*
	 * Dropping a cache page from a page table frees nothing by itself
	 * (its cache still holds it, and a process using it faults it right
	 * back): only what left memory, or is on its way out, is progress.
	 */
	return progress + st.swapped;
}

/* Nothing freed for a while, faults waiting: end a process (not while the last one ends). */
static void out_of_memory(void)
{
	u64 now = tsc_ns();
	if (!rc.oom_kill || (rc.last_kill && now - rc.last_kill < OOM_GRACE_NS))
		return;
	if (rc.oom_kill()) {
		rc.last_kill = now;
		__atomic_add_fetch(&rc.st.oom_kills, 1, __ATOMIC_RELAXED);
	}
	rc.idle = 0;
	rc.stall_since = 0;
}

/*
 * Thrashing: with no swap to go to, reclaim can keep freeing clean cache
 * pages that the waiting processes read straight back (their programs'
 * text), so rounds make progress while memory never comes back. Faults
 * that keep waiting for a long stretch while free memory never rises
 * over the low watermark, with no more clean file pages than that text,
 * are out of memory all the same.
 */
static bool stalled(void)
{
	u64 now = tsc_ns(), waits = __atomic_load_n(&rc.waits, __ATOMIC_RELAXED);
	bool waiting = waits != rc.waits_seen || waiters();
	rc.waits_seen = waits;
	/* Clean file pages to spare (more than programs' text) are memory to come, not a stall. */
	struct pcache_stats ps;
	pcache_get_stats(&ps);
	struct swap_stats ss;
	swap_get_stats(&ss);
	u64 file = ps.pages - MIN(ps.pages, ps.swapbacked + ss.cached); /* the swap cache's are not */
	u64 clean = file - MIN(file, ps.dirty + ps.writeback);
	if (!waiting || swap_active() || buddy_free_pages() > rc.low || clean > rc.high) {
		rc.stall_since = 0;
		return false;
	}
	if (!rc.stall_since)
		rc.stall_since = now;
	return now - rc.stall_since >= OOM_STALL_NS;
}

static enum poll_result reclaim_poll(struct task *self)
{
	timer_cancel(&rc.tm);
	for (int round = 0; round < ROUNDS_PER_POLL; round++) {
		if (buddy_free_pages() >= rc.high && !waiters()) {
			/* Done: sleep until the next kick (cleared first, so none is missed). */
			__atomic_store_n(&rc.kicked, 0, __ATOMIC_RELEASE);
			if (buddy_free_pages() >= rc.high && !waiters()) {
				/*
				 * What the clock sent to swap goes out now, not left in
				 * memory: a disk's ring takes so many at a time, so look
				 * again while writes are out.
				 */
				struct pcache_stats ps;
				pcache_get_stats(&ps);
				if ((swap_write_dirty() || ps.writeback) &&
				    sleep_until(&rc.tm, tsc_ns() + IDLE_SLEEP_NS))
					continue;
				return PENDING;
			}
		}
		bool busy;
		u64 progress = round_once(&busy);
		if (progress || buddy_free_pages() > rc.low)
			waitq_wake_all(&rc.mem_wait);
		if (stalled())
			out_of_memory();
		if (progress) {
			rc.idle = 0;
			continue;
		}
		/* Nothing to free now. Writes in flight will give pages back: wait for them. */
		struct pcache_stats ps;
		pcache_get_stats(&ps);
		if (busy) {
			rc.idle = 0; /* the clock is still on its way round: on at once */
			continue;
		}
		if (ps.writeback)
			rc.idle = 0;
		else if (++rc.idle >= OOM_IDLE_ROUNDS && waiters())
			out_of_memory();
		if (!sleep_until(&rc.tm, tsc_ns() + IDLE_SLEEP_NS))
			return PENDING;
	}
	task_wake(self); /* more to do: after the others' turn */
	return PENDING;
}

void reclaim_init(void)
{
	u64 total = buddy_total_pages();
	u64 step = MAX(256UL, total / 64);
	buddy_set_reserve(step);
	rc.low = 2 * step;
	rc.high = 3 * step;
	waitq_init(&rc.mem_wait);
	task_init(&rc.task, "reclaim", reclaim_poll, NULL);
	rc.ready = true;
	buddy_set_low_hook(rc.low, kick);
	task_spawn(&rc.task, -1);
}
