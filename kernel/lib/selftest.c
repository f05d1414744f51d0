/* Runs the self-tests and benchmarks the linker gathered in .selftests. */
#include "lib/selftest.h"
#include "lib/kernel.h"

extern const struct selftest __selftests_start[], __selftests_end[];

int selftests_run(bool benches)
{
	int failed = 0;
	for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
		if (t->is_bench != benches)
			continue;
		bool ok = t->fn();
		if (!benches)
			kprintf("selftest: %s %s\n", t->name, ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	return failed;
}

void bench_report(const char *name, u64 total_ns, u64 ops)
{
	u64 per = ops ? total_ns / ops : 0;
	u64 frac = ops ? (total_ns % ops) * 10 / ops : 0;
	kprintf("bench: %-28s %6lu.%lu ns/op (%lu ops)\n", name, per, frac, ops);
}
