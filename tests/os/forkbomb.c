/*
 * forkbomb: a fork bomb in its own process group is stopped by its
 * parent. The parent once did not run for 400 s beside one: a task that
 * sleeps drew no more often than any one of thousands of tasks spinning
 * out their quanta, so each of its turns waited for about as many draws as
 * there were spinners (the lottery now gives it compensation tickets).
 * And one kill(-group, SIGKILL) must end the group: a fork that finished
 * while its parent was being killed made a child the kill never saw.
 *
 * Judged in draws and turns, not seconds: how many turns the bomb's
 * processes got while the parent woke from 8 short sleeps (getpstat's
 * times scheduled), and how many of its own turns the parent needed until
 * the group was gone. Ferry only: not on the build machine; and not
 * with preempt=off, where nothing takes a core from a task that spins.
 */
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "ferry.h"
#include "t.h"

#define BOMB_MAX 600   /* processes: enough to starve a sleeper, not to run out of memory */
#define SLEEPS 8
#define TURNS_MAX 2000 /* the parent's yields until the group is gone */

static volatile long *made; /* shared by the bomb's processes */

static void bomb(void)
{
	setpgid(0, 0);
	for (;;) /* children do the same, then spin */
		if (__atomic_fetch_add(made, 1, __ATOMIC_RELAXED) < BOMB_MAX)
			fork();
}

/* Turns every thread but the caller has had (getpstat: times scheduled). */
static uint64_t others_turns(void)
{
	static char buf[PSTAT_SIZE(BOMB_MAX + 512)];
	struct pstat *ps = (struct pstat *)buf;
	ps->cap = BOMB_MAX + 512;
	if (getpstat(ps) < 0)
		return 0;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < ps->cap && i < ps->count; i++)
		if (ps->ent[i].pid != getpid())
			sum += ps->ent[i].nsched;
	return sum;
}

/* preempt=off on the kernel command line: cooperative mode, where a spinning task keeps its core. */
static int cooperative(void)
{
	char line[512] = {0};
	FILE *f = fopen("/proc/cmdline", "r");
	if (f) {
		(void)!fread(line, 1, sizeof line - 1, f);
		fclose(f);
	}
	return strstr(line, "preempt=off") != NULL;
}

int main(void)
{
	if (t_on_linux()) {
		t_skip("a fork bomb on the build machine: no");
		return t_done();
	}
	if (cooperative()) {
		t_skip("preempt=off: a task that spins keeps its core by design, so a bomb wins");
		return t_done();
	}
	made = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t leader = fork();
	if (leader == 0)
		bomb();
	CHECK(leader > 0, "the bomb starts");
	setpgid(leader, leader);
	struct timespec tick = {0, 100 * 1000 * 1000}, nap = {0, 1000 * 1000};
	while (*made < BOMB_MAX)
		nanosleep(&tick, NULL);
	/* No output while measuring: the parent's turns stay as short as a shell's. */
	uint64_t before = others_turns();
	for (int i = 0; i < SLEEPS; i++)
		nanosleep(&nap, NULL);
	/* Every core draws meanwhile; the parent waits for the draws of its own. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t per_wake = (others_turns() - before) / SLEEPS / (uint64_t)(cores > 0 ? cores : 1);
	t_note("%d processes spin; the bomb had %lu turns per core per wake of the parent",
	       BOMB_MAX, (unsigned long)per_wake);
	CHECK(per_wake < BOMB_MAX / 4,
	      "a sleeping parent waits for far fewer turns than there are spinners (%lu)",
	      (unsigned long)per_wake);
	CHECK(kill(-leader, SIGKILL) == 0, "kill(-group, SIGKILL)");
	int turns = 0;
	while (kill(-leader, 0) == 0 && turns < TURNS_MAX) {
		sched_yield();
		turns++;
	}
	t_note("the group was gone after %d of the parent's turns", turns);
	CHECK(turns < TURNS_MAX, "one kill ends the whole group within %d of the parent's turns",
	      TURNS_MAX);
	CHECK(kill(-leader, 0) < 0 && errno == ESRCH, "no member is left");
	CHECK_KILLED(t_wait(leader), SIGKILL, "the leader died of SIGKILL");
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	CHECK_EXITED(t_wait(c), 3, "and the system goes on");
	return t_done();
}
