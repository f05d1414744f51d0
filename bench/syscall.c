/*
 * The cheapest ways into the kernel: a null system call (getppid), a
 * one-byte write to /dev/null, and clock_gettime (a real system call on
 * Ferry; a vDSO call that stays in user mode on Linux). rdtsc is a
 * baseline: one user-mode instruction, the same on every kernel.
 */
#include "bench.h"

#include <fcntl.h>
#include <unistd.h>

static uint64_t run_getppid(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		getppid();
	return now_ns() - t0;
}

static uint64_t run_write(long n, void *arg)
{
	int fd = *(int *)arg;
	char c = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(fd, &c, 1) != 1)
			bench_die("write /dev/null");
	return now_ns() - t0;
}

static uint64_t run_clock(long n, void *arg)
{
	struct timespec ts;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return now_ns() - t0;
}

static uint64_t run_rdtsc(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		(void)rdtsc();
	return now_ns() - t0;
}

int main(void)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		bench_die("open /dev/null");
	bench_ns(&(struct bench){.name = "getppid", .run = run_getppid});
	bench_ns(&(struct bench){.name = "write_devnull", .run = run_write, .arg = &fd});
	bench_ns(&(struct bench){.name = "clock_gettime", .run = run_clock});
	bench_ns(&(struct bench){.name = "rdtsc", .run = run_rdtsc});
	return 0;
}
