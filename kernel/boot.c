/*
 * The boot task: the first task on the boot core, pinned there. With
 * `selftest` it runs the plain self-tests, then each executor test in turn
 * (parking until the test finishes or times out), and exits QEMU with the
 * verdict; with `bench` it runs the benchmarks. Otherwise it starts init.
 */
#include "sched/selftest_async.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "sched/park.h"
#include "blk/blk.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "lib/selftest.h"
#include "exec/exec.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "fs/ext2.h"

extern const struct async_test __async_tests_start[], __async_tests_end[];

static struct boot_task {
	struct task task;
	struct timer watchdog;
	struct async_ctx ctx;
	const struct async_test *cur;
	struct park park; /* parked on a block while mounting the root disk */
	bool started;
	bool benches;
	int failed;
} btask;

void async_task_finished(struct async_ctx *ctx)
{
	if (__atomic_sub_fetch(&ctx->outstanding, 1, __ATOMIC_ACQ_REL) == 0)
		task_wake(ctx->runner);
}

/* Next test of the current kind (tests or benchmarks), or NULL. */
static const struct async_test *next_test(const struct async_test *t)
{
	for (; t < __async_tests_end; t++)
		if (t->is_bench == btask.benches)
			return t;
	return NULL;
}

/* Runs one step; returns false while a test is still in flight. */
static bool run_async_tests(void)
{
	while (btask.cur) {
		const struct async_test *t = btask.cur;
		if (!btask.started) {
			btask.ctx = (struct async_ctx){.runner = &btask.task, .start_ns = tsc_ns()};
			btask.started = true;
			t->start(&btask.ctx);
		}
		if (__atomic_load_n(&btask.ctx.outstanding, __ATOMIC_ACQUIRE)) {
			u64 deadline = btask.ctx.start_ns + t->timeout_ms * 1000000;
			if (!sleep_until(&btask.watchdog, deadline))
				return false;
			/* Its tasks may still run: no safe way on, so stop here. */
			kprintf("selftest: %s FAILED: not finished after %lu ms (%u tasks left)\n",
				t->name, t->timeout_ms, btask.ctx.outstanding);
			machine_exit(false);
		}
		timer_cancel(&btask.watchdog);
		bool ok = t->finish(&btask.ctx);
		if (!t->is_bench)
			kprintf("selftest: %s %s\n", t->name, ok ? "ok" : "FAILED");
		if (!ok)
			btask.failed++;
		btask.started = false;
		btask.cur = next_test(t + 1);
	}
	return true;
}

#define INIT_ARGS_MAX 32

/*
 * Split the command after "--" into words; single or double quotes keep
 * spaces inside a word (enough for tools/ferry-run's quoting).
 */
static int split_words(char *s, char **argv, int max)
{
	int n = 0;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		char *out = s;
		argv[n++] = out;
		char quote = 0;
		for (; *s && (quote || *s != ' '); s++) {
			if (!quote && (*s == '\'' || *s == '"'))
				quote = *s;
			else if (quote && *s == quote)
				quote = 0;
			else
				*out++ = *s;
		}
		if (*s)
			s++;
		*out = 0;
	}
	return n;
}

static void start_init(void)
{
	static char run[sizeof opts.run];
	char *argv[INIT_ARGS_MAX + 2];
	char *envp[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "TERM=linux", NULL};
	argv[0] = opts.init;
	strlcpy(run, opts.run, sizeof run);
	int n = split_words(run, argv + 1, INIT_ARGS_MAX);
	argv[n + 1] = NULL;
	int pid = spawn_init(opts.init, argv, envp);
	if (pid < 0) {
		kprintf("ferry: cannot start init %s (error %d); nothing to run\n", opts.init, -pid);
		machine_exit(false);
	}
}

/*
 * crash=KIND: kernel bugs on purpose, so tests can check that each one is
 * reported clearly (with a symbolic backtrace) and ends the run.
 */
/* Recursion with big frames, never a tail call: it runs off the end of its stack. */
static u64 __attribute__((noinline)) stack_eater(u64 depth)
{
	volatile u8 frame[512];
	frame[depth % sizeof frame] = (u8)depth;
	if (depth == ~0UL) /* never: keeps the compiler from calling it endless */
		return 0;
	return stack_eater(depth + 1) + frame[depth % sizeof frame];
}

static enum poll_result stack_eater_poll(struct task *self)
{
	stack_eater(0);
	return READY;
}

static void __attribute__((noinline)) crash_on_purpose(const char *kind)
{
	kprintf("crash: provoking '%s'\n", kind);
	if (!strcmp(kind, "pagefault")) {
		*(volatile u64 *)0xdead0000UL = 1;
	} else if (!strcmp(kind, "assert")) {
		assert(kind[0] == 'x');
	} else if (!strcmp(kind, "doublefree")) {
		void *p = kmalloc(64);
		kfree(p);
		kfree(p);
	} else if (!strcmp(kind, "foreignfree")) {
		kfree((void *)&opts);
	} else if (!strcmp(kind, "stack")) {
		stack_eater(0);
	} else if (!strcmp(kind, "stack-ap")) {
		/* The same on the last core, whose stack is mapped by vm_map_kstack. */
		static struct task eater;
		task_init(&eater, "stack-eater", stack_eater_poll, NULL);
		eater.flags = TASK_PINNED;
		task_spawn(&eater, (int)ncpus - 1);
		return; /* and the boot task waits for the end */
	} else if (!strcmp(kind, "pagedoublefree")) {
		paddr_t pa = page_alloc(0);
		page_free(pa, 0);
		page_free(pa, 0);
	} else if (!strcmp(kind, "canary")) {
		/* Deep code reaching the end of the stack, short of the guard page: the canary. */
		kstack_canary(this_cpu())[1] = 0;
		return; /* the executor checks when this task goes back to it */
	} else if (!strcmp(kind, "uaf")) {
		/* KCHECKS: a write into a freed object, caught when it is handed out again. */
		u8 *p = kmalloc(96);
		kfree(p);
		p[40] = 1;
		kfree(kmalloc(96));
	} else if (!strcmp(kind, "lockuaf")) {
		/* KCHECKS: a lock taken in freed memory (it would spin for ever on the poison). */
		struct spinlock *l = kmalloc(4096);
		kfree(l);
		spin_lock(l);
	} else if (!strcmp(kind, "pageuaf")) {
		/* KCHECKS: the same for a whole page. */
		paddr_t pa = page_alloc(0);
		page_free(pa, 0);
		((u8 *)phys_to_virt(pa))[100] = 1;
		for (int i = 0; i < 64; i++) /* LIFO: the page comes back at once (or soon) */
			page_alloc(0);
	} else {
		kprintf("crash: unknown kind '%s'\n", kind);
		opts.crash[0] = 0; /* boot on */
	}
}

static enum poll_result boot_poll(struct task *self)
{
	if (opts.crash[0]) {
		crash_on_purpose(opts.crash);
		if (opts.crash[0])
			return PENDING; /* a crash on another core ends the run; nothing wakes this */
	}
	if (!btask.cur && !btask.started) {
		/* First poll: everything that runs to completion on this core. */
		if (opts.bench) {
			btask.benches = true;
			selftests_run(true);
		} else if (opts.selftest) {
			btask.failed = selftests_run(false);
		}
		if (opts.bench || opts.selftest)
			btask.cur = next_test(__async_tests_start);
	}
	if (!run_async_tests())
		return PENDING;
	if (opts.bench) {
		kprintf("bench: done\n");
		machine_exit(true);
	}
	if (opts.selftest) {
		if (btask.failed) {
			kprintf("selftest: %d FAILED\n", btask.failed);
			machine_exit(false);
		}
		kprintf("selftest: all passed\n");
		machine_exit(true);
	}
	/* root=: the disk's file system becomes "/" first (reads the disk: may park). */
	park_resume(&btask.park);
	/* The disks' partitions first: the root may be one (root=/dev/vda1). */
	if (blk_part_scan_step() == PENDING)
		return PENDING;
	if (ext2_root_step() == PENDING)
		return PENDING;
	start_init();
	return READY;
}

void boot_task_start(void)
{
	task_init(&btask.task, "boot", boot_poll, NULL);
	park_init(&btask.park);
	btask.task.park = &btask.park;
	btask.task.flags = TASK_PINNED;
	task_spawn(&btask.task, 0);
}
