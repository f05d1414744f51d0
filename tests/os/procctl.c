/*
 * procctl: per-process settings and scheduling calls: prctl (PDEATHSIG,
 * CHILD_SUBREAPER, CAPBSET_READ, NO_NEW_PRIVS, DUMPABLE, NAME,
 * TIMERSLACK), personality, sched_setscheduler and its family,
 * sched_setattr/getattr, ioprio, membarrier, getcpu, uname and
 * sethostname, with the errors Linux gives for bad input.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

/* musl's wrappers for these return ENOSYS on purpose: call the kernel. */
#define sched_setscheduler(pid, pol, sp) syscall(SYS_sched_setscheduler, pid, pol, sp)
#define sched_getscheduler(pid) syscall(SYS_sched_getscheduler, pid)
#define sched_setparam(pid, sp) syscall(SYS_sched_setparam, pid, sp)
#define sched_getparam(pid, sp) syscall(SYS_sched_getparam, pid, sp)
#define sched_rr_get_interval(pid, ts) syscall(SYS_sched_rr_get_interval, pid, ts)

static void ms_sleep(int ms)
{
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

static void check_prctl(void)
{
	int v = -1;
	CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0 && prctl(PR_GET_PDEATHSIG, &v) == 0 && v == SIGUSR1,
	      "PR_SET_PDEATHSIG / PR_GET_PDEATHSIG");
	prctl(PR_SET_PDEATHSIG, 0);
	CHECK_ERR(prctl(PR_SET_PDEATHSIG, 65), EINVAL, "PR_SET_PDEATHSIG 65: EINVAL");
	CHECK_ERR(prctl(PR_GET_PDEATHSIG, (void *)8), EFAULT, "PR_GET_PDEATHSIG into a bad pointer: EFAULT");

	/* A grandchild whose parent dies gets its death signal. */
	int p[2], q[2];
	pipe(p);
	pipe(q);
	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(p[0]);
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGUSR2);
			sigprocmask(SIG_BLOCK, &s, NULL);
			prctl(PR_SET_PDEATHSIG, SIGUSR2);
			write(q[1], "r", 1);
			struct timespec w = {30, 0};
			int sig = sigtimedwait(&s, NULL, &w);
			write(p[1], sig == SIGUSR2 ? "y" : "n", 1);
			_exit(0);
		}
		char b;
		read(q[0], &b, 1); /* the grandchild is ready: die */
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	close(q[1]);
	char r = 0;
	t_wait(c);
	read(p[0], &r, 1);
	close(p[0]);
	CHECK(r == 'y', "PR_SET_PDEATHSIG: the signal comes when the parent exits");

	/* A subreaper adopts its orphaned grandchildren. */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER");
	CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 1, "PR_GET_CHILD_SUBREAPER says 1");
	pipe(p);
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(p[0]);
			ms_sleep(50);
			pid_t pp = getppid();
			write(p[1], &pp, sizeof pp);
			_exit(9);
		}
		char pidbuf[sizeof(pid_t)];
		memcpy(pidbuf, &g, sizeof g);
		write(p[1], pidbuf, sizeof g);
		_exit(0);
	}
	close(p[1]);
	pid_t g = 0, gp = 0;
	read(p[0], &g, sizeof g);
	t_wait(c);
	read(p[0], &gp, sizeof gp);
	close(p[0]);
	CHECK(gp == getpid(), "an orphaned grandchild is reparented to the subreaper (ppid %d)", gp);
	int st;
	CHECK(waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 9, "  which reaps it");
	prctl(PR_SET_CHILD_SUBREAPER, 0);

	CHECK(prctl(PR_CAPBSET_READ, 0) == 1, "PR_CAPBSET_READ of CAP_CHOWN: 1 for root");
	CHECK_ERR(prctl(PR_CAPBSET_READ, 1000), EINVAL, "PR_CAPBSET_READ of capability 1000: EINVAL");
	c = fork();
	if (c == 0) {
		int ok = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0;
		ok &= prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0) == -1 && errno == EINVAL;
		ok &= prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
		ok &= prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
		pid_t k = fork();
		if (k == 0)
			_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
		ok &= t_wait(k) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "PR_SET_NO_NEW_PRIVS: only 1, then PR_GET says 1, inherited by fork");
	c = fork();
	if (c == 0) {
		int ok = prctl(PR_SET_DUMPABLE, 0) == 0 && prctl(PR_GET_DUMPABLE) == 0;
		ok &= prctl(PR_SET_DUMPABLE, 1) == 0 && prctl(PR_GET_DUMPABLE) == 1;
		ok &= prctl(PR_SET_DUMPABLE, 2) == -1 && errno == EINVAL;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "PR_SET_DUMPABLE 0 and 1 (2: EINVAL) and PR_GET_DUMPABLE");
	char name[16];
	CHECK(prctl(PR_SET_NAME, "a-rather-long-thread-name") == 0 && prctl(PR_GET_NAME, name) == 0 &&
		  strcmp(name, "a-rather-long-t") == 0,
	      "PR_SET_NAME cuts at 15 characters (%s)", name);
	CHECK(prctl(PR_SET_TIMERSLACK, 1000) == 0 && prctl(PR_GET_TIMERSLACK) == 1000, "PR_SET_TIMERSLACK / GET");
	prctl(PR_SET_TIMERSLACK, 0);
	CHECK(prctl(PR_GET_TIMERSLACK) == 50000, "PR_SET_TIMERSLACK 0: back to 50 us");
	CHECK_ERR(prctl(9999), EINVAL, "an unknown prctl option: EINVAL");
}

static void check_personality(void)
{
	int old = personality(0xffffffff);
	CHECK(old == 0, "personality(0xffffffff): PER_LINUX (%d)", old);
	CHECK(personality(ADDR_NO_RANDOMIZE) == 0 && personality(0xffffffff) == ADDR_NO_RANDOMIZE,
	      "personality(ADDR_NO_RANDOMIZE) is kept");
	pid_t c = fork();
	if (c == 0)
		_exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
	CHECK_EXITED(t_wait(c), 0, "  and inherited");
	personality(PER_LINUX);
	c = fork();
	if (c == 0) {
		struct utsname u;
		personality(PER_LINUX32);
		uname(&u);
		_exit(strcmp(u.machine, "i686") == 0 ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "PER_LINUX32: uname says i686");
}

static void check_sched(void)
{
	CHECK(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1,
	      "SCHED_FIFO priorities 1..99");
	CHECK(sched_get_priority_max(SCHED_RR) == 99 && sched_get_priority_min(SCHED_RR) == 1, "SCHED_RR 1..99");
	CHECK(sched_get_priority_max(SCHED_OTHER) == 0 && sched_get_priority_min(SCHED_BATCH) == 0 &&
		  sched_get_priority_max(SCHED_IDLE) == 0,
	      "SCHED_OTHER, BATCH, IDLE: 0");
	CHECK_ERR(sched_get_priority_max(42), EINVAL, "an unknown policy: EINVAL");
	CHECK(sched_getscheduler(0) == SCHED_OTHER, "sched_getscheduler(0): SCHED_OTHER");
	pid_t c = fork();
	if (c == 0) {
		struct sched_param sp = {.sched_priority = 10};
		int ok = sched_setscheduler(0, SCHED_FIFO, &sp) == 0 && sched_getscheduler(0) == SCHED_FIFO;
		sp.sched_priority = -1;
		ok &= sched_getparam(0, &sp) == 0 && sp.sched_priority == 10;
		sp.sched_priority = 20;
		ok &= sched_setparam(0, &sp) == 0 && sched_getparam(0, &sp) == 0 && sp.sched_priority == 20;
		sp.sched_priority = 0;
		ok &= sched_setscheduler(0, SCHED_RR, &sp) == -1 && errno == EINVAL;
		sp.sched_priority = 100;
		ok &= sched_setscheduler(0, SCHED_RR, &sp) == -1 && errno == EINVAL;
		struct timespec ts;
		sp.sched_priority = 5;
		ok &= sched_setscheduler(0, SCHED_RR, &sp) == 0 && sched_rr_get_interval(0, &ts) == 0 &&
		      (ts.tv_sec > 0 || ts.tv_nsec > 0);
		pid_t k = fork();
		if (k == 0)
			_exit(sched_getscheduler(0) == SCHED_RR ? 0 : 1);
		ok &= t_wait(k) == 0;
		sp.sched_priority = 5;
		ok &= syscall(SYS_sched_setscheduler, 0, SCHED_RR | 0x40000000, &sp) == 0;
		ok &= sched_getscheduler(0) == (SCHED_RR | 0x40000000);
		k = fork();
		if (k == 0)
			_exit(sched_getscheduler(0) == SCHED_OTHER ? 0 : 1);
		ok &= t_wait(k) == 0;
		sp.sched_priority = 0;
		ok &= sched_setscheduler(0, SCHED_IDLE, &sp) == 0 && sched_getscheduler(0) == SCHED_IDLE;
		ok &= sched_setscheduler(0, SCHED_BATCH, &sp) == 0 && sched_getscheduler(0) == SCHED_BATCH;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0,
		     "sched_setscheduler FIFO/RR/IDLE/BATCH, sched_getparam/setparam, bad priorities EINVAL, "
		     "inherited by fork unless SCHED_RESET_ON_FORK, sched_rr_get_interval");
	struct sched_param sp = {0};
	CHECK_ERR(sched_setscheduler(0x3ffffff0, SCHED_OTHER, &sp), ESRCH, "sched_setscheduler of a missing pid: ESRCH");
	CHECK_ERR(sched_setscheduler(-1, SCHED_OTHER, &sp), EINVAL, "sched_setscheduler of pid -1: EINVAL");
	CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL), EINVAL, "sched_setscheduler with no param: EINVAL");
	CHECK_ERR(syscall(SYS_sched_getparam, 0, (void *)8), EFAULT, "sched_getparam into a bad pointer: EFAULT");

	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t prio;
		uint64_t runtime, deadline, period;
		uint32_t umin, umax;
		uint8_t extra[8];
	} at;
	memset(&at, 0, sizeof at);
	CHECK(syscall(SYS_sched_getattr, 0, &at, 48, 0) == 0 && at.size == 48 && at.policy == SCHED_OTHER,
	      "sched_getattr with the first size: 48 bytes, SCHED_OTHER");
	CHECK_ERR(syscall(SYS_sched_getattr, 0, &at, 40, 0), EINVAL, "sched_getattr with a size below 48: EINVAL");
	CHECK_ERR(syscall(SYS_sched_getattr, 0, &at, 48, 1), EINVAL, "sched_getattr with flags: EINVAL");
	c = fork();
	if (c == 0) {
		memset(&at, 0, sizeof at);
		at.size = 48;
		at.policy = SCHED_OTHER;
		at.nice = 5;
		int ok = syscall(SYS_sched_setattr, 0, &at, 0) == 0 && getpriority(PRIO_PROCESS, 0) == 5;
		at.size = 32;
		ok &= syscall(SYS_sched_setattr, 0, &at, 0) == -1 && errno == E2BIG && at.size >= 48;
		memset(&at, 0, sizeof at);
		at.size = sizeof at;
		at.extra[3] = 1;
		ok &= syscall(SYS_sched_setattr, 0, &at, 0) == -1 && errno == E2BIG;
		at.extra[3] = 0;
		at.policy = SCHED_FIFO;
		at.prio = 3;
		ok &= syscall(SYS_sched_setattr, 0, &at, 0) == 0 && sched_getscheduler(0) == SCHED_FIFO;
		ok &= syscall(SYS_sched_setattr, 0, &at, 1) == -1 && errno == EINVAL;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "sched_setattr: nice for SCHED_OTHER, E2BIG for short or unknown non-zero tails, SCHED_FIFO");
}

static void check_ioprio(void)
{
	int be4 = (2 << 13) | 4, idle = 3 << 13;
	CHECK(syscall(SYS_ioprio_set, 1, 0, be4) == 0 && syscall(SYS_ioprio_get, 1, 0) == be4,
	      "ioprio_set/get: best-effort level 4");
	CHECK(syscall(SYS_ioprio_set, 1, getpid(), idle) == 0 && syscall(SYS_ioprio_get, 1, getpid()) == idle,
	      "the idle class, by pid");
	CHECK_ERR(syscall(SYS_ioprio_set, 1, 0, 7 << 13), EINVAL, "class 7: EINVAL");
	CHECK_ERR(syscall(SYS_ioprio_set, 9, 0, be4), EINVAL, "an unknown 'which': EINVAL");
	CHECK_ERR(syscall(SYS_ioprio_get, 1, 0x3ffffff0), ESRCH, "ioprio_get of a missing pid: ESRCH");
}

static void *spin_thread(void *arg)
{
	volatile int *stop = arg;
	while (!*stop)
		;
	return NULL;
}

static void check_membarrier(void)
{
	long q = syscall(SYS_membarrier, 0, 0);
	CHECK(q > 0 && (q & 1) && (q & 8), "MEMBARRIER_CMD_QUERY lists GLOBAL and PRIVATE_EXPEDITED (0x%lx)", q);
	CHECK_ERR(syscall(SYS_membarrier, 8, 0), EPERM, "PRIVATE_EXPEDITED before registering: EPERM");
	CHECK(syscall(SYS_membarrier, 16, 0) == 0, "REGISTER_PRIVATE_EXPEDITED");
	volatile int stop = 0;
	pthread_t th;
	pthread_create(&th, NULL, spin_thread, (void *)&stop);
	int ok = 1;
	for (int i = 0; i < 100 && ok; i++)
		ok = syscall(SYS_membarrier, 8, 0) == 0;
	CHECK(ok, "100 PRIVATE_EXPEDITED barriers with a thread spinning on another core");
	CHECK(syscall(SYS_membarrier, 1, 0) == 0, "MEMBARRIER_CMD_GLOBAL");
	stop = 1;
	pthread_join(th, NULL);
	CHECK_ERR(syscall(SYS_membarrier, 1, 5), EINVAL, "membarrier with unknown flags: EINVAL");
	CHECK_ERR(syscall(SYS_membarrier, 12345, 0), EINVAL, "an unknown command: EINVAL");
}

static void check_misc(void)
{
	unsigned cpu = 99, node = 99;
	CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu < 64 && node == 0, "getcpu: cpu %u node %u", cpu, node);
	struct utsname u;
	CHECK(uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0, "uname's sysname is Linux");
	if (!t_on_linux())
		CHECK(strstr(u.release, "ferry") && strstr(u.version, "Ferry"), "  with Ferry in the release (%s) and version (%s)",
		      u.release, u.version);
	pid_t c = fork();
	if (c == 0) {
		if (t_on_linux())
			_exit(0); /* would rename the build machine */
		char h[65];
		int ok = sethostname("ferry-test", 10) == 0 && gethostname(h, sizeof h) == 0 && strcmp(h, "ferry-test") == 0;
		ok &= sethostname("x", 65) == -1 && errno == EINVAL;
		sethostname("ferry", 5);
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "sethostname changes uname's nodename (65 bytes: EINVAL)");
}

int main(void)
{
	check_prctl();
	check_personality();
	check_sched();
	check_ioprio();
	check_membarrier();
	check_misc();
	return t_done();
}
