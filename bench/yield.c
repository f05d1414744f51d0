/*
 * sched_yield between two processes on one CPU: each of the two makes n
 * yields, so with a fair scheduler every yield switches to the other. The
 * figure is nanoseconds per yield. Each batch forks its partner; timing
 * starts when fork returns in the parent, so only the partner's exit and
 * the wait are counted with the yields.
 */
#include "bench.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

static uint64_t run_yield(long n, void *arg)
{
	int pid = fork();
	if (pid < 0)
		bench_die("fork");
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		sched_yield();
	if (pid == 0)
		_exit(0);
	bench_reap(pid);
	return (now_ns() - t0) / 2;
}

int main(void)
{
	bench_ncpus();
	bench_pin(0); /* both processes: the child inherits the mask */
	bench_ns(&(struct bench){.name = "sched_yield_pingpong", .run = run_yield});
	return 0;
}
