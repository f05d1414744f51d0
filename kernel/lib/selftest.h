/*
 * Kernel self-tests (`selftest` on the command line) and micro-benchmarks
 * (`bench`). A file registers its own with SELFTEST()/BENCH(); they are
 * collected by the linker in .selftests and run on the boot core before
 * the executor starts (tests that need the executor are futures, see
 * sched/selftest.c). A test returns true on success and prints why not.
 */
#pragma once

#include "lib/types.h"

struct selftest {
	const char *name;
	bool (*fn)(void);
	bool is_bench;
};

#define SELFTEST_ENTRY(kind, name, bench)                                                  \
	static bool kind##_##name(void);                                                   \
	static const struct selftest kind##_entry_##name                                   \
	    __attribute__((section(".selftests"), used, aligned(8))) = {#name, kind##_##name, \
									 bench};             \
	static bool kind##_##name(void)

#define SELFTEST(name) SELFTEST_ENTRY(selftest, name, false)
#define BENCH(name)    SELFTEST_ENTRY(bench, name, true)

/* Run every registered test (or benchmark); returns the number that failed. */
int selftests_run(bool benches);

/* Print one benchmark line: "bench: <name> <ns> ns/op (<ops> ops)". */
void bench_report(const char *name, u64 total_ns, u64 ops);
