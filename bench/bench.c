/* The benchmark harness: batches, medians and a few process helpers. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

void bench_write_all(int fd, const void *p, size_t len, const char *what)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			bench_die(what);
		p = (const char *)p + w;
		len -= (size_t)w;
	}
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

#define REPEAT_MAX 31

double bench_repeat(const char *name, uint64_t (*fn)(void *), void *arg, int reps, int warm)
{
	double v[REPEAT_MAX];
	if (reps > REPEAT_MAX)
		reps = REPEAT_MAX;
	if (warm)
		fn(arg);
	for (int i = 0; i < reps; i++)
		v[i] = (double)fn(arg);
	double lo = v[0], hi = v[0];
	for (int i = 1; i < reps; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	double m = median(v, reps);
	printf("# %s: %d runs, median %.0f ns, range %.0f-%.0f\n", name, reps, m, lo, hi);
	return m;
}

void bench_unsupported(const char *name, const char *why)
{
	printf("%s unsupported %s\n", name, why);
	fflush(stdout);
}

int bench_spawn_wait(char *const argv[], const char *out)
{
	static char *const envp[] = {"PATH=/bin", NULL};
	fflush(stdout);
	int pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (in >= 0 && in != 0) {
			dup2(in, 0);
			close(in);
		}
		if (out) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			if (fd != 1)
				close(fd);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		bench_die("waitpid");
	return status;
}

void bench_cmd(char *const argv[], const char *out)
{
	int status = bench_spawn_wait(argv, out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: `%s %s %s` ended with status %#x\n", argv[0],
			argv[1] ? argv[1] : "", argv[1] && argv[2] ? argv[2] : "", status);
		exit(1);
	}
}
