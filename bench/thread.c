/* pthread_create followed by pthread_join of a thread that returns at once. */
#include "bench.h"

#include <errno.h>
#include <pthread.h>

static void *nothing(void *arg)
{
	return arg;
}

static uint64_t run_thread(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, nothing, NULL);
		if (err) {
			errno = err;
			bench_die("pthread_create");
		}
		pthread_join(t, NULL);
	}
	return now_ns() - t0;
}

int main(void)
{
	bench_ns(&(struct bench){.name = "pthread_create_join", .run = run_thread});
	return 0;
}
