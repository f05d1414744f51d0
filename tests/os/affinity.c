/*
 * affinity: sched_getaffinity/sched_setaffinity and getcpu. A thread pinned
 * to one core runs there (sched_getcpu); the mask is inherited by forked
 * children and new threads; another process can be moved; a mask of no
 * online core is EINVAL; unpinning gives every core back. With one core
 * there is nowhere to move: those checks are skipped.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "t.h"

static int ncores(void)
{
	cpu_set_t s;
	return sched_getaffinity(0, sizeof s, &s) == 0 ? CPU_COUNT(&s) : 0;
}

/* Does the caller stay on cpu over many yields? */
static int stays_on(int cpu)
{
	for (int i = 0; i < 200; i++) {
		if (sched_getcpu() != cpu)
			return 0;
		sched_yield();
	}
	return 1;
}

static int pin(pid_t pid, int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(pid, sizeof s, &s);
}

static void *thread_cpu(void *arg)
{
	return (void *)(long)(stays_on(*(int *)arg) ? 1 : 0);
}

static void check_moved_by_another(int last)
{
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0, "pipes");
	pid_t pid = fork();
	if (pid == 0) {
		/* Once told, report when it has been seen on the last core 100 times in a row. */
		char c;
		(void)!read(go[0], &c, 1);
		int run = 0;
		while (run < 100) {
			run = sched_getcpu() == last ? run + 1 : 0;
			sched_yield();
		}
		(void)!write(done[1], "m", 1);
		_exit(0);
	}
	CHECK(pin(pid, last) == 0, "sched_setaffinity of a child process");
	cpu_set_t s;
	CHECK(sched_getaffinity(pid, sizeof s, &s) == 0 && CPU_COUNT(&s) == 1 && CPU_ISSET(last, &s),
	      "sched_getaffinity of the child shows its new mask");
	(void)!write(go[1], "g", 1);
	char c;
	CHECK(read(done[0], &c, 1) == 1 && c == 'm', "the child moved to core %d", last);
	t_wait(pid);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

int main(void)
{
	cpu_set_t all, s;
	CPU_ZERO(&all);
	CHECK(sched_getaffinity(0, sizeof all, &all) == 0 && CPU_COUNT(&all) >= 1,
	      "sched_getaffinity: %d core(s)", CPU_COUNT(&all));
	int n = ncores(), cpu = sched_getcpu();
	CHECK(cpu >= 0 && CPU_ISSET(cpu, &all), "sched_getcpu gives a core of the mask (%d)", cpu);
	CHECK_ERR(sched_getaffinity(0, 4, &s), EINVAL, "a mask buffer smaller than a word is EINVAL");
	CHECK_ERR(sched_getaffinity(999999, sizeof s, &s), ESRCH, "no such thread is ESRCH");

	CPU_ZERO(&s);
	CPU_SET(CPU_SETSIZE - 1, &s);
	CHECK_ERR(sched_setaffinity(0, sizeof s, &s), EINVAL, "a mask of no online core is EINVAL");

	if (n < 2) {
		t_skip("one core: nowhere to move");
		return t_done();
	}
	int last = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &all))
			last = i;
	int first = 0;
	while (!CPU_ISSET(first, &all))
		first++;

	CHECK(pin(0, last) == 0, "pin ourselves to core %d", last);
	CHECK(sched_getaffinity(0, sizeof s, &s) == 0 && CPU_COUNT(&s) == 1 && CPU_ISSET(last, &s),
	      "sched_getaffinity shows the one core");
	CHECK(stays_on(last), "we run on core %d from then on", last);
	CHECK(pin(0, first) == 0 && stays_on(first), "and move to core %d when pinned there", first);

	pid_t pid = fork();
	if (pid == 0)
		_exit(stays_on(first) && sched_getaffinity(0, sizeof s, &s) == 0 && CPU_COUNT(&s) == 1
			      ? 0
			      : 1);
	CHECK_EXITED(t_wait(pid), 0, "a forked child inherits the mask and runs there");
	pthread_t t;
	void *ok = NULL;
	CHECK(pthread_create(&t, NULL, thread_cpu, &first) == 0 && pthread_join(t, &ok) == 0 && ok,
	      "a new thread inherits the mask and runs there");

	CHECK(sched_setaffinity(0, sizeof all, &all) == 0 && sched_getaffinity(0, sizeof s, &s) == 0 &&
		      CPU_EQUAL(&s, &all),
	      "the full mask gives every core back");
	check_moved_by_another(last);
	return t_done();
}
