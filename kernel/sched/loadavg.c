/*
 * Every 5 s (and 10 ms: like Linux's 5*HZ+1, so a task that wakes every
 * 5 s is not seen at every sample) a task counts what is running or
 * waiting to run: each core's queued tasks plus the task it is polling,
 * the sampler itself left out. Each average then moves toward that count
 * by a fixed share, avg = avg * e + n * (1 - e) with e = exp(-5 s / T)
 * for T = 1, 5 and 15 minutes, in Linux's fixed point and with its
 * rounding, so the figures mean what they mean there. Linux also counts
 * tasks waiting uninterruptibly (for a disk); Ferry does not.
 *
 * avg[] is written by the sampler alone and read with atomics ([a]).
 */
#include "sched/loadavg.h"
#include "sched/executor.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

#define FIXED_1 (1UL << LOADAVG_FSHIFT)
#define SAMPLE_NS (5010UL * 1000000)
/* FIXED_1 * exp(-5 s / T) for T = 60, 300 and 900 s (Linux's EXP_1, EXP_5, EXP_15). */
static const u64 decay[3] = {1884, 2014, 2037};

static struct {
	struct task task;
	struct timer tm;
	u64 next;
	u64 avg[3]; /* [a] */
} la;

static u64 active_tasks(void)
{
	u64 n = 0;
	for (u32 i = 0; i < ncpus; i++) {
		struct cpu *c = cpus[i];
		if (!c || !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			continue;
		n += __atomic_load_n(&c->exec.nr_runnable, __ATOMIC_RELAXED);
		struct task *t = __atomic_load_n(&c->exec.current, __ATOMIC_RELAXED);
		n += t && t != &la.task;
	}
	return n;
}

static u64 damp(u64 avg, u64 e, u64 active)
{
	u64 v = avg * e + active * (FIXED_1 - e);
	if (active >= avg)
		v += FIXED_1 - 1; /* round up on the way up, so a steady load reaches its value */
	return v / FIXED_1;
}

static enum poll_result sample_poll(struct task *self)
{
	while (sleep_until(&la.tm, la.next)) {
		u64 active = active_tasks() * FIXED_1;
		for (int i = 0; i < 3; i++)
			__atomic_store_n(&la.avg[i], damp(la.avg[i], decay[i], active),
					 __ATOMIC_RELAXED);
		la.next += SAMPLE_NS;
		if (la.next < tsc_ns()) /* fell behind (a long halt of the guest): no catching up */
			la.next = tsc_ns() + SAMPLE_NS;
	}
	return PENDING;
}

void loadavg_init(void)
{
	la.next = tsc_ns() + SAMPLE_NS;
	task_init(&la.task, "loadavg", sample_poll, NULL);
	task_spawn(&la.task, -1);
}

void loadavg_get(u64 avg[3])
{
	for (int i = 0; i < 3; i++)
		avg[i] = __atomic_load_n(&la.avg[i], __ATOMIC_RELAXED);
}
