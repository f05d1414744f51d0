/*
 * Executor self-tests and benchmarks (run by the boot task, see
 * boot_task.c): mass spawning with stealing, cross-core ping-pong wakes,
 * sleep accuracy and lottery shares.
 */
#include "sched/selftest_async.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "lib/selftest.h"
#include "mm/kheap.h"

/* ---- spawn: many tasks from one core, each polled exactly once ---- */

#define SPAWN_TASKS 100000

struct spawn_task {
	struct task task;
	struct async_ctx *ctx;
	u32 idx;
};

static u8 *spawn_ran;                /* [a] polls per task */
static u64 spawn_per_cpu[MAX_CPUS];  /* [a] tasks polled per core */
static u32 spawn_count;

static enum poll_result spawn_poll(struct task *t)
{
	struct spawn_task *st = container_of(t, struct spawn_task, task);
	__atomic_add_fetch(&spawn_ran[st->idx], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&spawn_per_cpu[this_cpu()->index], 1, __ATOMIC_RELAXED);
	return READY;
}

static void spawn_done(struct task *t)
{
	struct spawn_task *st = container_of(t, struct spawn_task, task);
	struct async_ctx *ctx = st->ctx;
	kfree(st);
	async_task_finished(ctx);
}

/*
 * The spawner is a task of its own, pinned to the boot core, that spawns a
 * batch and requeues itself (invariant 1: long kernel work is split into
 * tasks), so its core runs spawned tasks too while the others steal.
 */
#define SPAWN_BATCH 256

static struct spawner {
	struct task task;
	struct async_ctx *ctx;
	u32 next, total;
} spawner;

static enum poll_result spawner_poll(struct task *self)
{
	u32 end = MIN(spawner.next + SPAWN_BATCH, spawner.total);
	for (; spawner.next < end; spawner.next++) {
		struct spawn_task *st = knew(struct spawn_task);
		if (!st) {
			kprintf("selftest: spawn: out of memory after %u tasks\n", spawner.next);
			spawner.total = spawner.next;
			break;
		}
		task_init(&st->task, "spawn", spawn_poll, spawn_done);
		st->ctx = spawner.ctx;
		st->idx = spawner.next;
		__atomic_add_fetch(&spawner.ctx->outstanding, 1, __ATOMIC_RELAXED);
		task_spawn(&st->task, -1);
	}
	if (spawner.next < spawner.total) {
		task_wake(self); /* more to do after the lottery's next draws */
		return PENDING;
	}
	return READY;
}

static void spawner_done(struct task *self)
{
	async_task_finished(spawner.ctx);
}

static void spawn_start_n(struct async_ctx *ctx, u32 n)
{
	spawn_ran = kzalloc(n);
	assert(spawn_ran);
	memset(spawn_per_cpu, 0, sizeof spawn_per_cpu);
	spawn_count = n;
	/* The spawner's own count, so no early finisher ends the test. */
	ctx->outstanding = 1;
	spawner = (struct spawner){.ctx = ctx, .total = n};
	task_init(&spawner.task, "spawner", spawner_poll, spawner_done);
	spawner.task.flags = TASK_PINNED;
	task_spawn(&spawner.task, 0);
}

static void spawn_start(struct async_ctx *ctx)
{
	spawn_start_n(ctx, SPAWN_TASKS);
}

static bool spawn_finish(struct async_ctx *ctx)
{
	bool ok = true;
	for (u32 i = 0; i < spawn_count; i++) {
		if (spawn_ran[i] != 1) {
			kprintf("selftest: spawn: task %u polled %u times\n", i, spawn_ran[i]);
			ok = false;
			break;
		}
	}
	kprintf("selftest: spawn: %u tasks in %lu ms; per core:", spawn_count,
		(tsc_ns() - ctx->start_ns) / 1000000);
	for (u32 c = 0; c < ncpus; c++) {
		kprintf(" %lu", spawn_per_cpu[c]);
		if (!spawn_per_cpu[c]) {
			ok = false;
		}
	}
	kprintf("\n");
	if (!ok)
		kprintf("selftest: spawn: some core ran no task (stealing broken?)\n");
	kfree(spawn_ran);
	return ok;
}

ASYNC_TEST(spawn, .name = "executor_spawn_100k", .start = spawn_start, .finish = spawn_finish,
	   .timeout_ms = 120000);

/* ---- ping-pong: two pinned tasks on two cores wake each other in turn ---- */

#define PINGPONG_ROUNDS 300

struct pingpong;

struct pingpong_side {
	struct task task;
	struct pingpong *pair; /* [I] */
	u32 me;                /* [I] 0 or 1 */
};

struct pingpong {
	struct pingpong_side side[2];
	struct async_ctx *ctx;
	u32 turn;       /* [a] which side may take the next step */
	u32 count[2];   /* [a] steps taken by each side */
	u32 rounds;
	u64 start_ns, end_ns;
};

static struct pingpong *pairs;
static u32 npairs;

static enum poll_result pingpong_poll(struct task *t)
{
	struct pingpong_side *s = container_of(t, struct pingpong_side, task);
	struct pingpong *p = s->pair;
	u32 me = s->me;
	if (__atomic_load_n(&p->turn, __ATOMIC_ACQUIRE) != me)
		return PENDING; /* not our turn yet: the other side will wake us */
	u32 n = __atomic_add_fetch(&p->count[me], 1, __ATOMIC_RELAXED);
	__atomic_store_n(&p->turn, 1 - me, __ATOMIC_RELEASE);
	task_wake(&p->side[1 - me].task);
	return n >= p->rounds ? READY : PENDING;
}

static void pingpong_done(struct task *t)
{
	struct pingpong *p = container_of(t, struct pingpong_side, task)->pair;
	p->end_ns = tsc_ns();
	async_task_finished(p->ctx);
}

static void pingpong_setup(struct async_ctx *ctx, u32 rounds, bool all_pairs)
{
	u32 n = ncpus < 2 ? 1 : (all_pairs ? ncpus * (ncpus - 1) / 2 : 1);
	pairs = kzalloc(n * sizeof *pairs);
	assert(pairs);
	npairs = n;
	ctx->outstanding = 2 * n;
	u32 k = 0;
	for (u32 i = 0; i < ncpus && k < n; i++) {
		for (u32 j = i + 1; j < ncpus + (ncpus < 2) && k < n; j++) {
			struct pingpong *p = &pairs[k++];
			p->ctx = ctx;
			p->rounds = rounds;
			p->start_ns = tsc_ns();
			for (u32 m = 0; m < 2; m++) {
				task_init(&p->side[m].task, "pingpong", pingpong_poll,
					  pingpong_done);
				p->side[m].task.flags = TASK_PINNED;
				p->side[m].pair = p;
				p->side[m].me = m;
			}
			task_spawn(&p->side[1].task, (int)(j % ncpus));
			task_spawn(&p->side[0].task, (int)i);
		}
	}
}

static void pingpong_start(struct async_ctx *ctx)
{
	pingpong_setup(ctx, PINGPONG_ROUNDS, true);
}

static bool pingpong_finish(struct async_ctx *ctx)
{
	bool ok = true;
	for (u32 k = 0; k < npairs; k++) {
		struct pingpong *p = &pairs[k];
		if (p->count[0] != p->rounds || p->count[1] != p->rounds) {
			kprintf("selftest: pingpong: pair %u made %u/%u steps of %u\n", k,
				p->count[0], p->count[1], p->rounds);
			ok = false;
		}
	}
	kprintf("selftest: pingpong: %u pairs x %u round trips in %lu ms\n", npairs,
		PINGPONG_ROUNDS, (tsc_ns() - ctx->start_ns) / 1000000);
	kfree(pairs);
	return ok;
}

ASYNC_TEST(pingpong, .name = "executor_pingpong_all_pairs", .start = pingpong_start,
	   .finish = pingpong_finish, .timeout_ms = 60000);

/* ---- sleep: a task sleeping until a deadline wakes soon after it ---- */

#define SLEEP_NS      (20 * 1000000UL)
#define SLEEP_LATE_NS (50 * 1000000UL) /* generous: TCG timing is coarse */

struct sleeper {
	struct task task;
	struct timer timer;
	struct async_ctx *ctx;
	u64 deadline, woke;
};
static struct sleeper *sleepers;

static enum poll_result sleeper_poll(struct task *t)
{
	struct sleeper *s = container_of(t, struct sleeper, task);
	if (!s->deadline)
		s->deadline = tsc_ns() + SLEEP_NS;
	if (!sleep_until(&s->timer, s->deadline))
		return PENDING;
	s->woke = tsc_ns();
	return READY;
}

static void sleeper_done(struct task *t)
{
	async_task_finished(container_of(t, struct sleeper, task)->ctx);
}

static void sleep_start(struct async_ctx *ctx)
{
	sleepers = kzalloc(ncpus * sizeof *sleepers);
	assert(sleepers);
	ctx->outstanding = ncpus;
	for (u32 i = 0; i < ncpus; i++) {
		task_init(&sleepers[i].task, "sleeper", sleeper_poll, sleeper_done);
		sleepers[i].task.flags = TASK_PINNED;
		sleepers[i].ctx = ctx;
		task_spawn(&sleepers[i].task, (int)i);
	}
}

static bool sleep_finish(struct async_ctx *ctx)
{
	bool ok = true;
	for (u32 i = 0; i < ncpus; i++) {
		struct sleeper *s = &sleepers[i];
		i64 late = (i64)(s->woke - s->deadline);
		kprintf("selftest: sleep: cpu %u woke %ld us after its deadline\n", i, late / 1000);
		if (late < 0 || (u64)late > SLEEP_LATE_NS)
			ok = false;
	}
	kfree(sleepers);
	return ok;
}

ASYNC_TEST(sleep, .name = "timer_sleep_wakes_after_deadline", .start = sleep_start,
	   .finish = sleep_finish, .timeout_ms = 10000);

/* ---- lottery: 100 vs 50 tickets, always runnable, on one core ---- */

#define LOTTERY_DRAWS 10000

struct lottery_test {
	struct task task[2];
	struct async_ctx *ctx;
	u32 wins[2];
	u32 total;
	bool arrived[2]; /* polled at least once: both are in the draw */
};
static struct lottery_test lot;

static enum poll_result lottery_poll(struct task *t)
{
	int me = t == &lot.task[0] ? 0 : 1;
	if (lot.total >= LOTTERY_DRAWS)
		return READY;
	/*
	 * Both are spawned from the boot core; on a loaded host the second can
	 * reach this core's inbox thousands of draws after the first. Count
	 * only draws both took part in.
	 */
	lot.arrived[me] = true;
	if (!lot.arrived[0] || !lot.arrived[1]) {
		task_wake(t);
		return PENDING;
	}
	lot.wins[me]++;
	lot.total++;
	task_wake(t); /* stay runnable: woken while running, so polled again */
	return PENDING;
}

static void lottery_done(struct task *t)
{
	async_task_finished(lot.ctx);
}

static void lottery_start(struct async_ctx *ctx)
{
	lot = (struct lottery_test){.ctx = ctx};
	ctx->outstanding = 2;
	int cpu = (int)ncpus - 1; /* away from the boot task where possible */
	for (int i = 0; i < 2; i++) {
		task_init(&lot.task[i], "lottery", lottery_poll, lottery_done);
		lot.task[i].flags = TASK_PINNED;
		lot.task[i].tickets = i == 0 ? 100 : 50;
		task_spawn(&lot.task[i], cpu);
	}
}

static bool lottery_finish(struct async_ctx *ctx)
{
	/* 2:1 expected; the standard deviation of the ratio is about 0.04 here. */
	u64 ratio1000 = lot.wins[1] ? (u64)lot.wins[0] * 1000 / lot.wins[1] : 0;
	kprintf("selftest: lottery: 100 vs 50 tickets won %u vs %u draws (ratio %lu.%03lu)\n",
		lot.wins[0], lot.wins[1], ratio1000 / 1000, ratio1000 % 1000);
	return ratio1000 >= 1850 && ratio1000 <= 2150;
}

ASYNC_TEST(lottery, .name = "lottery_share_2_to_1", .start = lottery_start,
	   .finish = lottery_finish, .timeout_ms = 30000);

/* ---- benchmarks ---- */

#define BENCH_SPAWNS 20000

static void bench_spawn_start(struct async_ctx *ctx)
{
	spawn_start_n(ctx, BENCH_SPAWNS);
}

static bool bench_spawn_finish(struct async_ctx *ctx)
{
	u64 ns = tsc_ns() - ctx->start_ns;
	bench_report(ncpus > 1 ? "task spawn+poll (with steals)" : "task spawn+poll", ns,
		     spawn_count);
	u64 stolen = 0;
	for (u32 c = 1; c < ncpus; c++)
		stolen += spawn_per_cpu[c];
	if (ncpus > 1)
		kprintf("bench: %-28s %lu tasks/s run by other cores\n", "steal throughput",
			ns ? stolen * 1000000000UL / ns : 0);
	kfree(spawn_ran);
	return true;
}

ASYNC_TEST(bench_spawn, .name = "bench_spawn", .start = bench_spawn_start,
	   .finish = bench_spawn_finish, .timeout_ms = 120000, .is_bench = true);

#define BENCH_PINGPONG 2000

static void bench_wake_start(struct async_ctx *ctx)
{
	pingpong_setup(ctx, BENCH_PINGPONG, false);
}

static bool bench_wake_finish(struct async_ctx *ctx)
{
	struct pingpong *p = &pairs[0];
	/* Each round is two wakes; report one wake's latency. */
	bench_report(ncpus > 1 ? "cross-core wake" : "same-core wake", p->end_ns - p->start_ns,
		     2UL * BENCH_PINGPONG);
	kfree(pairs);
	return true;
}

ASYNC_TEST(bench_wake, .name = "bench_wake", .start = bench_wake_start,
	   .finish = bench_wake_finish, .timeout_ms = 60000, .is_bench = true);
