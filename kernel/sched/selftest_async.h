/*
 * Self-tests and benchmarks that need the executor running on every core
 * (spawning, waking, stealing, sleeping). Each is started by the boot
 * task, which parks until the test says it is finished or its time limit
 * passes (a hang becomes a failure, never a hung run).
 */
#pragma once

#include "lib/types.h"

struct task;

struct async_ctx {
	struct task *runner; /* [I] woken when outstanding reaches 0 */
	u32 outstanding;     /* [a] tasks still running */
	u64 start_ns;        /* [I] */
};

struct async_test {
	const char *name;
	void (*start)(struct async_ctx *ctx); /* spawn the tasks, set outstanding */
	bool (*finish)(struct async_ctx *ctx); /* check (or report) once all are done */
	u64 timeout_ms;
	bool is_bench;
};

#define ASYNC_TEST(id, ...)                                                        \
	static const struct async_test async_test_##id                             \
	    __attribute__((section(".async_tests"), used, aligned(8))) = {__VA_ARGS__}

/* Called by a test's tasks as each finishes: the last one wakes the runner. */
void async_task_finished(struct async_ctx *ctx);

/* The boot core's first task: self-tests, benchmarks, then init. */
void boot_task_start(void);
