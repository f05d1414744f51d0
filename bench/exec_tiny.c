/*
 * The smallest program the process benchmarks start. With an argument n > 0
 * it replaces itself with `exec_tiny n-1` (a chain of execve calls);
 * otherwise it exits at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	if (n <= 0)
		return 0;
	char next[24];
	snprintf(next, sizeof next, "%ld", n - 1);
	char *args[] = {argv[0], next, NULL};
	char *envp[] = {NULL};
	execve(argv[0], args, envp);
	perror("exec_tiny: execve");
	return 1;
}
