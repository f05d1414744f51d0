/*
 * Signals: installing a handler (sigaction of SIGUSR1, the same handler
 * each time) and catching one (raise(SIGUSR1): musl blocks signals, sends
 * it with tkill and restores the mask; the handler runs and returns through
 * rt_sigreturn).
 */
#include "bench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	caught++;
}

static uint64_t run_install(long n, void *arg)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (sigaction(SIGUSR1, &sa, NULL) < 0)
			bench_die("sigaction");
	return now_ns() - t0;
}

static uint64_t run_catch(long n, void *arg)
{
	sig_atomic_t before = caught;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		raise(SIGUSR1);
	uint64_t t = now_ns() - t0;
	if (caught - before != n) {
		fprintf(stderr, "signal: %ld raised, %d caught\n", n, (int)(caught - before));
		exit(1);
	}
	return t;
}

int main(void)
{
	bench_ns(&(struct bench){.name = "sigaction_install", .run = run_install});
	bench_ns(&(struct bench){.name = "signal_catch", .run = run_catch});
	return 0;
}
