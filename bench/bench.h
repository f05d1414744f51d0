/*
 * The benchmarks' shared harness. Every benchmark is a plain static musl
 * program that runs on Linux and on Ferry alike and prints one line per
 * figure: `name value unit`, unit `ns` (per operation, lower is better),
 * `MB/s` (10^6 bytes per second, higher is better) or `spread` (a
 * dimensionless figure, lower is better). A figure this kernel cannot give
 * because it lacks a feature (ENOSYS) is the line `name unsupported why`:
 * the report shows "not supported" there instead of failing. Lines
 * starting with `#` are remarks for people; the report skips them.
 *
 * A measurement runs in batches of n operations, n chosen so a batch lasts
 * about BENCH_BATCH_NS; batches repeat until the last few agree or the time
 * budget is spent, and the median batch is reported. Under QEMU's
 * `-icount shift=0` the clock advances one nanosecond per guest
 * instruction, so the same code then reports instruction counts.
 */
#ifndef BENCH_H
#define BENCH_H

#define _GNU_SOURCE
#include <stdint.h>
#include <time.h>

#define BENCH_BATCH_NS 20000000ull    /* 20 ms a batch */
#define BENCH_BUDGET_NS 1000000000ull /* stop adding batches after 1 s */
#define BENCH_MIN_BATCHES 5
#define BENCH_MAX_BATCHES 51
#define BENCH_STABLE 0.03 /* last 5 batches within 3 % of their median */

struct bench {
	const char *name;
	/* Performs n operations; returns the nanoseconds they took. */
	uint64_t (*run)(long n, void *arg);
	void *arg;
	long max_n; /* largest batch the operation allows, 0 for no limit */
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Median nanoseconds per operation over the batches (see above). */
double bench_measure(const struct bench *b);

/* Measures b and prints `name ns-per-op ns`. */
void bench_ns(const struct bench *b);

/* Prints `name ns ns`, for a figure measured with bench_measure. */
void bench_print(const char *name, double ns);

/* Measures b, whose operation moves `bytes`, and prints `name MB/s`. */
void bench_mbps(const struct bench *b, double bytes);

/*
 * Runs fn(arg) `reps` times (after one untimed warm-up run if warm is set);
 * fn returns the nanoseconds of the part it times. Prints a remark with the
 * range and returns the median. For whole workloads (a shell loop, an
 * untar) that take far longer than a batch.
 */
double bench_repeat(const char *name, uint64_t (*fn)(void *), void *arg, int reps, int warm);

/* Prints `name unsupported why`: this kernel lacks what the figure needs. */
void bench_unsupported(const char *name, const char *why);

/*
 * Runs argv[0] (a full path) with argv, stdout to out (NULL: inherited) and
 * stdin from /dev/null, and waits; returns its wait status.
 */
int bench_spawn_wait(char *const argv[], const char *out);

/* The same, and dies unless it exited with status 0. */
void bench_cmd(char *const argv[], const char *out);

/* Number of CPUs this process may run on. */
int bench_ncpus(void);

/* Pins the calling process to one CPU, or with -1 lets it run on all again. */
void bench_pin(int cpu);

/* Prints a message with errno's text and exits with status 1. */
void bench_die(const char *what);

/*
 * write() until all len bytes are written, as careful programs do (a
 * kernel may write less than asked, e.g. when the rest would wait for the
 * disk); dies naming what on an error.
 */
void bench_write_all(int fd, const void *p, size_t len, const char *what);

/* waitpid for one child; dies unless it exited with status 0. */
void bench_reap(int pid);

#endif
