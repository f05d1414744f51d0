/*
 * nice: getpriority/setpriority (and libc's nice) for a process and a
 * process group, getpriority for the user; children inherit the value;
 * out-of-range values are clamped; bad arguments fail; /proc/<pid>/stat
 * shows the value. On Ferry a nice value is a share of lottery tickets:
 * getpstat shows them (nice 0 holds 100, each step 1.25 times fewer or
 * more).
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include "ferry.h"
#include "t.h"

static int prio(int which, id_t who)
{
	errno = 0;
	int n = getpriority(which, who);
	return errno ? -100 : n;
}

/* Fields 18 and 19 of /proc/self/stat: priority and nice. */
static int stat_nice(int *prio_out)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	int field = 2, prio = -100, nice = -100;
	for (; p && *p; p++) {
		if (*p != ' ')
			continue;
		field++;
		if (field == 18)
			prio = atoi(p + 1);
		if (field == 19)
			nice = atoi(p + 1);
	}
	*prio_out = prio;
	return nice;
}

static unsigned tickets_of(pid_t pid)
{
	static char buf[PSTAT_SIZE(256)];
	struct pstat *ps = (struct pstat *)buf;
	ps->cap = 256;
	if (getpstat(ps) < 0)
		return 0;
	for (uint32_t i = 0; i < ps->cap && i < ps->count; i++)
		if (ps->ent[i].pid == pid)
			return ps->ent[i].tickets;
	return 0;
}

int main(void)
{
	/* On Linux the value is inherited from whatever ran the test. */
	if (!t_on_linux())
		CHECK(prio(PRIO_PROCESS, 0) == 0, "a process starts at nice 0 (%d)",
		      prio(PRIO_PROCESS, 0));
	CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0 && prio(PRIO_PROCESS, 0) == 5,
	      "setpriority(PRIO_PROCESS, 0, 5)");
	CHECK(prio(PRIO_PROCESS, getpid()) == 5, "getpriority by our own pid");
	int sp, sn = stat_nice(&sp);
	CHECK(sn == 5 && sp == 25, "/proc/self/stat shows priority 25, nice 5 (%d, %d)", sp, sn);
	pid_t pid = fork();
	if (pid == 0)
		_exit(prio(PRIO_PROCESS, 0) == 5 ? 0 : 1);
	CHECK_EXITED(t_wait(pid), 0, "a child inherits nice 5");
	errno = 0;
	CHECK(nice(2) == 7 && errno == 0 && prio(PRIO_PROCESS, 0) == 7, "nice(2) adds 2");
	CHECK(setpriority(PRIO_PROCESS, 0, 100) == 0 && prio(PRIO_PROCESS, 0) == 19,
	      "nice 100 is clamped to 19");
	/* Lower values need privilege on Linux; on Ferry everyone is root. */
	int low = geteuid() == 0 ? -20 : 19;
	if (low == -20)
		CHECK(setpriority(PRIO_PROCESS, 0, -100) == 0 && prio(PRIO_PROCESS, 0) == -20,
		      "nice -100 is clamped to -20");
	else
		t_skip("nice below 0: not root");

	/* A process group: the child makes its own and waits while we set the group's value. */
	int ready[2], go[2];
	CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipes");
	pid = fork();
	if (pid == 0) {
		char c;
		setpgid(0, 0);
		(void)!write(ready[1], "r", 1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	(void)!read(ready[0], &c, 1);
	CHECK(setpriority(PRIO_PGRP, pid, 3) == 0 && prio(PRIO_PROCESS, pid) == 3 &&
		      prio(PRIO_PGRP, pid) == 3,
	      "setpriority(PRIO_PGRP) reaches the group's member");
	CHECK(prio(PRIO_PROCESS, 0) == low, "and not us, in another group");
	(void)!write(go[1], "g", 1);
	t_wait(pid);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);

	/* Only a look: setting PRIO_USER would renice every process of the user on Linux. */
	int best = prio(PRIO_USER, getuid());
	CHECK(best >= -20 && best <= low, "PRIO_USER: the best value among our uid's (%d)", best);
	CHECK_ERR(setpriority(PRIO_PROCESS, 999999, 1), ESRCH, "setpriority of no such pid is ESRCH");
	CHECK_ERR(getpriority(PRIO_PROCESS, 999999), ESRCH, "getpriority of no such pid is ESRCH");
	CHECK_ERR(setpriority(7, 0, 1), EINVAL, "an unknown `which` is EINVAL");

	if (t_on_linux()) {
		t_skip("tickets: Ferry's lottery");
	} else {
		setpriority(PRIO_PROCESS, 0, 0);
		CHECK(tickets_of(getpid()) == 100, "nice 0 holds 100 tickets (%u)", tickets_of(getpid()));
		setpriority(PRIO_PROCESS, 0, 10);
		CHECK(tickets_of(getpid()) == 11, "nice 10 holds 11 (100 / 1.25^10) (%u)",
		      tickets_of(getpid()));
		setpriority(PRIO_PROCESS, 0, -10);
		CHECK(tickets_of(getpid()) == 931, "nice -10 holds 931 (%u)", tickets_of(getpid()));
		CHECK(settickets(250) == 0 && prio(PRIO_PROCESS, 0) == -4,
		      "250 tickets read back as nice -4, the nearest (%d)", prio(PRIO_PROCESS, 0));
	}
	return t_done();
}
