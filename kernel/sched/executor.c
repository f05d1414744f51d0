/*
 * The executor: each core polls tasks from its own run queue, drawn by
 * lottery; takes wakes from other cores through its inbox; steals from the
 * busiest core when its queue is empty; and halts when there is nothing to
 * do. Nothing here allocates, so waking is always possible.
 */
#include "sched/executor.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

/* Cores halted with nothing to do; a core with surplus work kicks one. [a] */
static u64 idle_cores;

#define STEAL_MAX 32 /* tasks taken in one steal */

void task_init(struct task *t, const char *name, enum poll_result (*poll)(struct task *),
	       void (*done)(struct task *))
{
	*t = (struct task){
	    .poll = poll,
	    .done = done,
	    .name = name,
	    .state = TASK_IDLE,
	    .tickets = TASK_DEFAULT_TICKETS,
	    .home = this_cpu()->index,
	};
}

void executor_init(struct cpu *c)
{
	struct executor *e = &c->exec;
	e->rq_lock = (struct spinlock)SPINLOCK_INIT;
	u64 seed = rdtsc() ^ ((u64)c->index << 32);
	lottery_init(&e->movable, seed);
	lottery_init(&e->pinned, seed * 31 + 7);
	rng_seed(&e->rng, seed + 1);
	e->timers_lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&e->timers);
	e->timers_first = 0;
	e->inbox = NULL;
	e->nr_runnable = 0;
	e->nr_kernel = 0;
	e->idle = 0;
}

static void kick_idle_core(void)
{
	u64 mask = __atomic_load_n(&idle_cores, __ATOMIC_RELAXED);
	while (mask) {
		int i = __builtin_ctzll(mask);
		u64 bit = 1UL << i;
		/* Clear it first so only one waker sends the IPI. */
		if (__atomic_fetch_and(&idle_cores, ~bit, __ATOMIC_ACQ_REL) & bit) {
			this_cpu()->exec.ipis_sent++;
			ipi_send(cpus[i]->apic_id, VEC_WAKE);
			return;
		}
		mask &= ~bit;
	}
}

static void rq_push(struct cpu *c, struct task *t)
{
	struct executor *e = &c->exec;
	spin_lock(&e->rq_lock);
	u32 weight = t->draw_tickets ? t->draw_tickets : __atomic_load_n(&t->tickets, __ATOMIC_RELAXED);
	lottery_insert(t->flags & TASK_PINNED ? &e->pinned : &e->movable, &t->lnode, weight);
	u32 n = ++e->nr_runnable;
	if (!t->park)
		__atomic_store_n(&e->nr_kernel, e->nr_kernel + 1, __ATOMIC_RELAXED);
	spin_unlock(&e->rq_lock);
	/* More work here than one core can do right now: let an idle core steal. */
	if (n >= 2 && c == this_cpu() && !(t->flags & TASK_PINNED) &&
	    __atomic_load_n(&idle_cores, __ATOMIC_RELAXED))
		kick_idle_core();
}

static struct task *rq_pick(struct cpu *c)
{
	struct executor *e = &c->exec;
	if (!__atomic_load_n(&e->nr_runnable, __ATOMIC_RELAXED))
		return NULL;
	spin_lock(&e->rq_lock);
	u64 pinned = lottery_total(&e->pinned), movable = lottery_total(&e->movable);
	struct lottery_node *n = NULL;
	if (pinned + movable) {
		/* One lottery over both sets: pick the set by its share of tickets (if both have some). */
		bool from_pinned = !movable || (pinned && rng_below(&e->rng, pinned + movable) < pinned);
		n = lottery_draw(from_pinned ? &e->pinned : &e->movable);
		e->nr_runnable--;
	}
	struct task *t = n ? container_of(n, struct task, lnode) : NULL;
	if (t && !t->park)
		__atomic_store_n(&e->nr_kernel, e->nr_kernel - 1, __ATOMIC_RELAXED);
	spin_unlock(&e->rq_lock);
	if (t)
		t->draw_tickets = 0; /* it won: compensation spent */
	return t;
}

void task_compensate(struct task *t, u64 ran)
{
	u32 tickets = __atomic_load_n(&t->tickets, __ATOMIC_RELAXED);
	u64 floor = TASK_QUANTUM_NS / TASK_COMP_MAX;
	u64 w = ran >= TASK_QUANTUM_NS ? 0 /* a whole turn: its own tickets */
					: (u64)tickets * TASK_QUANTUM_NS / (ran > floor ? ran : floor);
	t->draw_tickets = w > 0xffffffffu ? 0xffffffffu : (u32)w;
}

static void inbox_push(struct cpu *target, struct task *t)
{
	struct task *old = __atomic_load_n(&target->exec.inbox, __ATOMIC_RELAXED);
	do
		t->inbox_next = old;
	while (!__atomic_compare_exchange_n(&target->exec.inbox, &old, t, true, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED));
}

static void inbox_drain(struct cpu *c)
{
	if (!__atomic_load_n(&c->exec.inbox, __ATOMIC_RELAXED))
		return;
	struct task *list = __atomic_exchange_n(&c->exec.inbox, NULL, __ATOMIC_ACQUIRE);
	/* The inbox is a stack: reverse it so wakes keep their order. */
	struct task *fifo = NULL;
	while (list) {
		struct task *next = list->inbox_next;
		list->inbox_next = fifo;
		fifo = list;
		list = next;
	}
	while (fifo) {
		/* Read the link first: once queued, a thief may take the task and wake it elsewhere. */
		struct task *next = fifo->inbox_next;
		rq_push(c, fifo);
		fifo = next;
	}
}

/* Where a woken task should run: home, unless home is much busier than we are. */
static struct cpu *wake_target(struct task *t)
{
	struct cpu *me = this_cpu(), *home = cpus[t->home];
	if (home == me || (t->flags & TASK_PINNED))
		return home;
	u32 home_load = __atomic_load_n(&home->exec.nr_runnable, __ATOMIC_RELAXED);
	u32 my_load = __atomic_load_n(&me->exec.nr_runnable, __ATOMIC_RELAXED);
	return home_load > my_load + 2 ? me : home;
}

static void enqueue(struct task *t)
{
	struct cpu *me = this_cpu(), *target = wake_target(t);
	if (target == me) {
		rq_push(me, t);
		return;
	}
	me->exec.wakes_remote++;
	inbox_push(target, t);
	/* Pairs with the idle core's store to idle before it checks its inbox. */
	if (__atomic_load_n(&target->exec.idle, __ATOMIC_SEQ_CST)) {
		me->exec.ipis_sent++;
		ipi_send(target->apic_id, VEC_WAKE);
	}
}

void task_spawn(struct task *t, int cpu)
{
	if (cpu >= 0) {
		assert((u32)cpu < ncpus);
		t->home = (u32)cpu;
	} else {
		t->home = this_cpu()->index;
	}
	task_wake(t);
}

void task_wake(struct task *t)
{
	u32 s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
	for (;;) {
		switch (s) {
		case TASK_IDLE:
			if (__atomic_compare_exchange_n(&t->state, &s, TASK_QUEUED, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				enqueue(t);
				return;
			}
			break;
		case TASK_RUNNING:
			if (__atomic_compare_exchange_n(&t->state, &s, TASK_NOTIFIED, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return;
			break;
		default: /* already queued, notified or done */
			return;
		}
	}
}

struct task *task_acting(void)
{
	struct executor *e = &this_cpu()->exec;
	return e->stepping ? e->stepping : e->current;
}

struct task *task_step_begin(struct task *t)
{
	struct executor *e = &this_cpu()->exec;
	assert(__atomic_load_n(&t->state, __ATOMIC_RELAXED) == TASK_IDLE);
	__atomic_store_n(&t->home, this_cpu()->index, __ATOMIC_RELAXED);
	__atomic_store_n(&t->state, TASK_RUNNING, __ATOMIC_RELEASE);
	struct task *outer = e->stepping;
	e->stepping = t;
	return outer;
}

void task_step_end(struct task *t, enum poll_result r, struct task *outer)
{
	struct executor *e = &this_cpu()->exec;
	assert(e->stepping == t);
	e->stepping = outer;
	if (r == READY) {
		__atomic_store_n(&t->state, TASK_DONE, __ATOMIC_RELEASE);
		return;
	}
	u32 expected = TASK_RUNNING;
	if (!__atomic_compare_exchange_n(&t->state, &expected, TASK_IDLE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		/* Woken while it stepped: poll it as the executor would. */
		__atomic_store_n(&t->state, TASK_QUEUED, __ATOMIC_RELEASE);
		enqueue(t);
	}
}

void task_reuse(struct task *t)
{
	assert(__atomic_load_n(&t->state, __ATOMIC_RELAXED) == TASK_DONE);
	__atomic_store_n(&t->state, TASK_IDLE, __ATOMIC_RELAXED);
}

/* How busy core c looks from another: its queued tasks and the one it runs, if any. */
static u32 load_of(struct cpu *c)
{
	return __atomic_load_n(&c->exec.nr_runnable, __ATOMIC_RELAXED) +
	       !__atomic_load_n(&c->exec.idle, __ATOMIC_RELAXED);
}

void task_yield(struct task *t)
{
	struct cpu *me = this_cpu();
	if (ncpus > 1 && !(t->flags & TASK_PINNED)) {
		/* One other core, at random (two choices balance well, and cost one look). */
		u32 i = (u32)rng_below(&me->exec.rng, ncpus - 1);
		struct cpu *other = cpus[i >= me->index ? i + 1 : i];
		/* Here: what is queued, and this task; there: what is queued and what runs. */
		u32 here = __atomic_load_n(&me->exec.nr_runnable, __ATOMIC_RELAXED) + 1;
		if (__atomic_load_n(&other->online, __ATOMIC_ACQUIRE) && here > load_of(other) + 1)
			__atomic_store_n(&t->home, other->index, __ATOMIC_RELAXED); /* enqueue goes there */
	}
	task_wake(t);
}

static void run(struct cpu *c, struct task *t)
{
	struct executor *e = &c->exec;
	/* home first: a waker that sees TASK_RUNNING knows where to send its IPI. */
	__atomic_store_n(&t->home, c->index, __ATOMIC_RELAXED);
	__atomic_store_n(&t->state, TASK_RUNNING, __ATOMIC_RELEASE);
	e->current = t;
	assert(!e->stepping);
	t->polls++; /* times chosen to run, this one included */
	u64 start = tsc_ns();
	enum poll_result r = t->poll(t);
	t->run_ns += tsc_ns() - start;
	e->current = NULL;
	/* Invariant 4: no lock is held when a core goes back to its executor. */
	if (unlikely(c->locks_held))
		panic("task %s returned to the executor holding %lu spinlock(s)", t->name,
		      c->locks_held);
	/* Invariant 1: one kernel stack per core, and this task did not run off its end. */
	if (unlikely(!kstack_canary_ok(c)))
		panic("task %s ran into the last bytes of cpu %u's kernel stack (canary 0x%lx)",
		      t->name, c->index, kstack_canary(c)[0]);
	/* One writer; procfs on other cores reads it whole (/proc/stat's ctxt). */
	__atomic_store_n(&e->polls, e->polls + 1, __ATOMIC_RELAXED);
	if (r == READY) {
		__atomic_store_n(&t->state, TASK_DONE, __ATOMIC_RELEASE);
		if (t->done)
			t->done(t);
		return;
	}
	u32 expected = TASK_RUNNING;
	if (!__atomic_compare_exchange_n(&t->state, &expected, TASK_IDLE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		/* Woken while it ran (TASK_NOTIFIED): poll it again, here or on the core it is now pinned to. */
		__atomic_store_n(&t->state, TASK_QUEUED, __ATOMIC_RELEASE);
		enqueue(t);
	}
}

/* Take up to half of the busiest core's movable tasks. */
static bool steal(struct cpu *c)
{
	struct cpu *victim = NULL;
	u32 most = 0;
	for (u32 i = 0; i < ncpus; i++) {
		struct cpu *v = cpus[i];
		if (v == c || !v || !__atomic_load_n(&v->online, __ATOMIC_ACQUIRE))
			continue;
		u32 n = __atomic_load_n(&v->exec.nr_runnable, __ATOMIC_RELAXED);
		if (n > most) {
			most = n;
			victim = v;
		}
	}
	if (!victim)
		return false;
	struct task *taken = NULL;
	u32 count = 0;
	spin_lock(&victim->exec.rq_lock);
	u64 want = (lottery_count(&victim->exec.movable) + 1) / 2;
	if (want > STEAL_MAX)
		want = STEAL_MAX;
	while (count < want) {
		struct lottery_node *n = lottery_draw(&victim->exec.movable);
		if (!n)
			break;
		struct task *t = container_of(n, struct task, lnode);
		victim->exec.nr_runnable--;
		if (!t->park)
			__atomic_store_n(&victim->exec.nr_kernel, victim->exec.nr_kernel - 1,
					 __ATOMIC_RELAXED);
		t->inbox_next = taken;
		taken = t;
		count++;
	}
	spin_unlock(&victim->exec.rq_lock);
	if (!count)
		return false;
	c->exec.steals++;
	c->exec.stolen_tasks += count;
	while (taken) {
		struct task *next = taken->inbox_next;
		__atomic_store_n(&taken->home, c->index, __ATOMIC_RELAXED);
		rq_push(c, taken);
		taken = next;
	}
	return true;
}

bool executor_kernel_work(u64 now)
{
	struct executor *e = &this_cpu()->exec;
	u64 first = __atomic_load_n(&e->timers_first, __ATOMIC_RELAXED);
	return (first && first <= now) || __atomic_load_n(&e->nr_kernel, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&e->inbox, __ATOMIC_RELAXED);
}

static bool has_work(struct cpu *c)
{
	return __atomic_load_n(&c->exec.nr_runnable, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&c->exec.inbox, __ATOMIC_SEQ_CST);
}

/* Publish the idle figures as a pair: readers retry while idle_seq is odd or moved. */
static void idle_mark(struct executor *e, u64 idle_ns, u64 since)
{
	__atomic_store_n(&e->idle_seq, e->idle_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->idle_ns, idle_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&e->idle_since, since, __ATOMIC_RELAXED);
	__atomic_store_n(&e->idle_seq, e->idle_seq + 1, __ATOMIC_RELEASE);
}

u64 executor_idle_ns(struct cpu *c)
{
	struct executor *e = &c->exec;
	for (;;) {
		u32 seq = __atomic_load_n(&e->idle_seq, __ATOMIC_ACQUIRE);
		u64 idle = __atomic_load_n(&e->idle_ns, __ATOMIC_RELAXED);
		u64 since = __atomic_load_n(&e->idle_since, __ATOMIC_RELAXED);
		u64 now = tsc_ns();
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && __atomic_load_n(&e->idle_seq, __ATOMIC_RELAXED) == seq)
			return idle + (since && now > since ? now - since : 0);
		cpu_relax();
	}
}

static void idle(struct cpu *c)
{
	struct executor *e = &c->exec;
	u64 bit = 1UL << c->index;
	__atomic_store_n(&e->idle, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&idle_cores, bit, __ATOMIC_SEQ_CST);
	u64 next = timers_next_deadline();
	u64 now = tsc_ns();
	if (!has_work(c) && (!next || next > now)) {
		lapic_timer_arm(next);
		/*
		 * A halt may last seconds (nothing ticks): readers of the idle
		 * time count the one going on, or an idle core would look busy
		 * until its halt ended.
		 */
		idle_mark(e, e->idle_ns, now);
		/* sti's one-instruction shadow: an interrupt pending now still ends this hlt. */
		asm volatile("sti; hlt; cli" ::: "memory");
		idle_mark(e, e->idle_ns + (tsc_ns() - now), 0);
	}
	__atomic_fetch_and(&idle_cores, ~bit, __ATOMIC_SEQ_CST);
	__atomic_store_n(&e->idle, 0, __ATOMIC_SEQ_CST);
}

void executor_loop(void)
{
	struct cpu *c = this_cpu();
	kstack_canary_set(c);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	for (;;) {
		inbox_drain(c);
		timers_run();
		struct task *t = rq_pick(c);
		if (t) {
			run(c, t);
			continue;
		}
		if (ncpus > 1 && steal(c))
			continue;
		idle(c);
	}
}
