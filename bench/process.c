/*
 * Making processes: fork+exit+wait, posix_spawn+wait and Ferry's native
 * spawn+wait of a tiny static program, and execve of that program.
 *   process [path of exec_tiny]   (default /bench/exec_tiny)
 * Ferry's spawn (call 1024, include/uapi/ferry.h) is measured only where
 * the kernel has it: Linux answers ENOSYS, and the line says "unsupported".
 */
#include "bench.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FERRY_SYS_SPAWN 1024 /* spawn(path, argv, envp) -> pid */

static const char *tiny = "/bench/exec_tiny";
static char *envp[] = {NULL};

static uint64_t run_fork(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int pid = fork();
		if (pid < 0)
			bench_die("fork");
		if (pid == 0)
			_exit(0);
		bench_reap(pid);
	}
	return now_ns() - t0;
}

static uint64_t run_posix_spawn(long n, void *arg)
{
	char *argv[] = {(char *)tiny, NULL};
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int err = posix_spawn(&pid, tiny, NULL, NULL, argv, envp);
		if (err) {
			errno = err;
			bench_die("posix_spawn");
		}
		bench_reap(pid);
	}
	return now_ns() - t0;
}

static long ferry_spawn(void)
{
	char *argv[] = {(char *)tiny, NULL};
	return syscall(FERRY_SYS_SPAWN, tiny, argv, envp);
}

static uint64_t run_ferry_spawn(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long pid = ferry_spawn();
		if (pid < 0)
			bench_die("spawn");
		bench_reap(pid);
	}
	return now_ns() - t0;
}

/* Median fork+exit+wait, from the first benchmark. */
static double fork_ns;

/*
 * n execve calls: one child runs a chain of n exec_tiny images. The
 * batch's one fork+exit+wait is taken off (its median cost measured just
 * before), as under TCG's wall clock a batch holds only a few execs.
 */
static uint64_t run_execve(long n, void *arg)
{
	char count[24];
	snprintf(count, sizeof count, "%ld", n - 1);
	char *argv[] = {(char *)tiny, count, NULL};
	uint64_t t0 = now_ns();
	int pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		execve(tiny, argv, envp);
		_exit(127);
	}
	bench_reap(pid);
	uint64_t t = now_ns() - t0;
	return t > fork_ns ? t - (uint64_t)fork_ns : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		tiny = argv[1];
	if (access(tiny, X_OK) < 0)
		bench_die(tiny);
	struct bench fork = {.name = "fork_exit_wait", .run = run_fork};
	fork_ns = bench_measure(&fork);
	bench_print(fork.name, fork_ns);
	bench_ns(&(struct bench){.name = "posix_spawn_wait", .run = run_posix_spawn});
	long pid = ferry_spawn();
	if (pid >= 0) {
		bench_reap(pid);
		bench_ns(&(struct bench){.name = "ferry_spawn_wait", .run = run_ferry_spawn});
	} else if (errno == ENOSYS) {
		bench_unsupported("ferry_spawn_wait", "(no spawn call: ENOSYS)");
	} else {
		bench_die("spawn");
	}
	bench_ns(&(struct bench){.name = "execve", .run = run_execve});
	return 0;
}
