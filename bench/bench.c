/* The benchmark harness: batches, medians and a few process helpers. */
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[BENCH_MAX_BATCHES];
	memcpy(s, v, n * sizeof *v);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Do the last BENCH_MIN_BATCHES batches lie within BENCH_STABLE of their median? */
static int stable(const double *v, int n)
{
	const double *last = v + n - BENCH_MIN_BATCHES;
	double m = median(last, BENCH_MIN_BATCHES);
	for (int i = 0; i < BENCH_MIN_BATCHES; i++) {
		double d = last[i] > m ? last[i] - m : m - last[i];
		if (d > BENCH_STABLE * m)
			return 0;
	}
	return 1;
}

double bench_measure(const struct bench *b)
{
	/*
	 * Warm up, then double n until one batch lasts BENCH_BATCH_NS. Growing
	 * all the way (rather than scaling up from a short batch) keeps a
	 * batch's fixed costs, such as forking a partner, small beside its
	 * operations.
	 */
	long n = 1;
	uint64_t t = b->run(1, b->arg);
	while (t < BENCH_BATCH_NS && (!b->max_n || n < b->max_n)) {
		n *= 2;
		if (b->max_n && n > b->max_n)
			n = b->max_n;
		t = b->run(n, b->arg);
	}

	double per[BENCH_MAX_BATCHES];
	int k = 0;
	uint64_t start = now_ns();
	while (k < BENCH_MAX_BATCHES) {
		per[k++] = (double)b->run(n, b->arg) / n;
		if (k >= BENCH_MIN_BATCHES &&
		    (stable(per, k) || now_ns() - start > BENCH_BUDGET_NS))
			break;
	}
	double m = median(per, k);
	double lo = per[0], hi = per[0];
	for (int i = 1; i < k; i++) {
		lo = per[i] < lo ? per[i] : lo;
		hi = per[i] > hi ? per[i] : hi;
	}
	printf("# %s: %d batches of %ld, median %.1f ns, range %.1f-%.1f\n", b->name, k, n, m, lo,
	       hi);
	return m;
}

void bench_print(const char *name, double ns)
{
	printf("%s %.1f ns\n", name, ns);
	fflush(stdout);
}

void bench_ns(const struct bench *b)
{
	bench_print(b->name, bench_measure(b));
}

void bench_mbps(const struct bench *b, double bytes)
{
	double ns = bench_measure(b);
	printf("%s %.1f MB/s\n", b->name, bytes / ns * 1e3);
	fflush(stdout);
}

/* Counted once, before any pinning narrows the affinity mask. */
static cpu_set_t all_cpus;

int bench_ncpus(void)
{
	static int ncpus;
	if (!ncpus)
		ncpus =
		    sched_getaffinity(0, sizeof all_cpus, &all_cpus) < 0 ? 1 : CPU_COUNT(&all_cpus);
	return ncpus;
}

/* A kernel without sched_setaffinity still runs the benchmark, unpinned. */
void bench_pin(int cpu)
{
	if (bench_ncpus() < 2)
		return;
	cpu_set_t set = all_cpus;
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
	}
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		fprintf(stderr, "bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

void bench_reap(int pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		bench_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: child %d ended with status %#x\n", pid, status);
		exit(1);
	}
}
