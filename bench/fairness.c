/*
 * Fairness: four CPU-bound processes started together on (at least) two
 * CPUs, each doing the same work, about half a second of it alone. The
 * figure is the spread of their finish times, (latest - earliest) / mean,
 * measured from the common start: 0 when the scheduler shares the CPUs
 * evenly. Median of five rounds. Needs two CPUs: with one it says so and
 * reports nothing (the harness runs it in wall mode and under -icount with
 * two CPUs).
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PROCS 4
#define ROUNDS 5
#define ALONE_NS 500000000ull /* the work of one process, run alone */

static uint64_t spin(uint64_t n)
{
	uint64_t x = 1;
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double round_spread(uint64_t work)
{
	int go[2], done[2], pids[PROCS];
	if (pipe(go) < 0 || pipe(done) < 0)
		bench_die("pipe");
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			bench_die("fork");
		if (pids[i] == 0) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) != 0) /* end of file: everyone starts */
				_exit(1);
			spin(work);
			uint64_t t = now_ns();
			if (write(done[1], &t, sizeof t) != sizeof t)
				_exit(1);
			_exit(0);
		}
	}
	close(go[0]);
	close(done[1]);
	uint64_t start = now_ns();
	close(go[1]);
	double fin[PROCS], sum = 0;
	for (int i = 0; i < PROCS; i++) {
		uint64_t t;
		if (read(done[0], &t, sizeof t) != sizeof t)
			bench_die("read finish time");
		fin[i] = (double)(t - start);
		sum += fin[i];
	}
	close(done[0]);
	for (int i = 0; i < PROCS; i++)
		bench_reap(pids[i]);
	qsort(fin, PROCS, sizeof fin[0], cmp_double);
	double mean = sum / PROCS, spread = (fin[PROCS - 1] - fin[0]) / mean;
	printf("# fairness: finish %.0f %.0f %.0f %.0f ms, spread %.3f\n", fin[0] / 1e6, fin[1] / 1e6,
	       fin[2] / 1e6, fin[3] / 1e6, spread);
	return spread;
}

int main(void)
{
	int ncpus = bench_ncpus();
	if (ncpus < 2) {
		printf("# fairness: %d CPU: needs two, nothing measured\n", ncpus);
		return 0;
	}
	/* Size the work so that one process alone takes about ALONE_NS. */
	uint64_t n = 1 << 16, t = 0;
	while (t < ALONE_NS / 8) {
		n *= 2;
		uint64_t t0 = now_ns();
		spin(n);
		t = now_ns() - t0;
	}
	uint64_t work = (uint64_t)((double)n * ALONE_NS / (double)t);
	printf("# fairness: %d processes on %d CPUs, %llu steps each\n", PROCS, ncpus,
	       (unsigned long long)work);
	double s[ROUNDS];
	for (int r = 0; r < ROUNDS; r++)
		s[r] = round_spread(work);
	qsort(s, ROUNDS, sizeof s[0], cmp_double);
	printf("fairness_spread_4on2 %.4f spread\n", s[ROUNDS / 2]);
	return 0;
}
