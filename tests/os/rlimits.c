/*
 * rlimits: resource limits that hold. getrlimit/setrlimit/prlimit64 and
 * their rules, inheritance across fork and exec, /proc/<pid>/limits, and
 * each enforced limit: NOFILE (EMFILE), NPROC (EAGAIN), FSIZE (SIGXFSZ
 * and EFBIG), STACK (the stack's size), AS and DATA (ENOMEM), CPU
 * (SIGXCPU, then SIGKILL).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "tuser.h"

#include <sched.h>

static void set(int res, rlim_t cur, rlim_t max)
{
	struct rlimit r = {cur, max};
	setrlimit(res, &r);
}

static rlim_t cur_of(int res)
{
	struct rlimit r;
	getrlimit(res, &r);
	return r.rlim_cur;
}

static void check_rules(void)
{
	struct rlimit r;
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur <= r.rlim_max, "getrlimit(RLIMIT_NOFILE): soft <= hard");
	if (!t_on_linux())
		CHECK(r.rlim_cur == 1024 && r.rlim_max == 4096, "  1024 soft and 4096 hard by default (%lu, %lu)",
		      (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
	struct rlimit bad = {100, 50};
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL, "setrlimit with soft above hard: EINVAL");
	struct rlimit huge = {1024, 1UL << 30};
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &huge), EPERM, "RLIMIT_NOFILE above fs/nr_open: EPERM");
	CHECK_ERR(syscall(SYS_setrlimit, 99, &r), EINVAL, "setrlimit of resource 99: EINVAL");
	CHECK_ERR(syscall(SYS_getrlimit, 16, &r), EINVAL, "getrlimit of resource 16: EINVAL");
	CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)8), EFAULT, "getrlimit into a bad pointer: EFAULT");
	CHECK_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, (void *)8), EFAULT, "setrlimit from a bad pointer: EFAULT");
	CHECK_ERR(syscall(SYS_prlimit64, -1, RLIMIT_NOFILE, NULL, &r), ESRCH, "prlimit64 of pid -1: ESRCH");
	CHECK_ERR(syscall(SYS_prlimit64, 0x3ffffff0, RLIMIT_NOFILE, NULL, &r), ESRCH, "prlimit64 of a huge pid: ESRCH");
	struct rlimit core = {0, RLIM_INFINITY};
	CHECK(setrlimit(RLIMIT_CORE, &core) == 0 && cur_of(RLIMIT_CORE) == 0, "RLIMIT_CORE is kept (Ferry writes no core dumps)");
}

static void check_inherit(const char *self)
{
	pid_t c = fork();
	if (c == 0) {
		set(RLIMIT_NOFILE, 100, 200);
		execl(self, self, "--nofile", (char *)NULL);
		_exit(99);
	}
	CHECK_EXITED(t_wait(c), 0, "a limit set before exec holds in the new program (RLIMIT_NOFILE 100/200)");
	set(RLIMIT_MSGQUEUE, 12345, cur_of(RLIMIT_MSGQUEUE) == RLIM_INFINITY ? RLIM_INFINITY : 819200);
	c = fork();
	if (c == 0)
		_exit(cur_of(RLIMIT_MSGQUEUE) == 12345 ? 0 : 1);
	CHECK_EXITED(t_wait(c), 0, "fork's child inherits its parent's limits");

	int p[2];
	pipe(p);
	c = fork();
	if (c == 0) {
		char b;
		read(p[0], &b, 1);
		_exit(cur_of(RLIMIT_NOFILE) == 77 ? 0 : 1);
	}
	struct rlimit n = {77, 200}, old;
	CHECK(syscall(SYS_prlimit64, c, RLIMIT_NOFILE, &n, &old) == 0, "prlimit64 sets another process's limit");
	write(p[1], "x", 1);
	CHECK_EXITED(t_wait(c), 0, "  and that process sees it");
	close(p[0]);
	close(p[1]);
}

static int nofile_child(void)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	if (r.rlim_cur != 100 || r.rlim_max != 200)
		return 1;
	FILE *f = fopen("/proc/self/limits", "r");
	char line[256];
	int found = 0;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Max open files            100                  200                  files", 73) == 0)
			found = 1;
	return found ? 0 : 2;
}

static void check_nofile(void)
{
	pid_t c = fork();
	if (c == 0) {
		set(RLIMIT_NOFILE, 10, 10);
		int last = -1, err = 0;
		for (int i = 0; i < 20; i++) {
			int fd = open("/", O_RDONLY);
			if (fd < 0) {
				err = errno;
				break;
			}
			last = fd;
		}
		int ok = last == 9 && err == EMFILE;
		ok &= dup2(0, 10) == -1 && errno == EBADF;
		ok &= fcntl(0, F_DUPFD, 10) == -1 && errno == EINVAL;
		close(9);
		close(8);
		int p[2];
		ok &= pipe(p) == 0 && p[1] == 9;
		ok &= pipe(p) == -1 && errno == EMFILE;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_NOFILE 10: open stops at fd 9 with EMFILE, dup2(0, 10) EBADF, F_DUPFD 10 EINVAL, pipe EMFILE");
	c = fork();
	if (c == 0) {
		int n = 0;
		if (t_on_linux()) /* the build machine's own default may differ */
			set(RLIMIT_NOFILE, 1024, 4096);
		while (open("/", O_RDONLY) >= 0)
			n++;
		_exit(errno == EMFILE && n >= 1000 && n <= 1024 ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "the default soft limit stops open() at 1024 descriptors with EMFILE");
}

static void *nothing(void *arg)
{
	return arg;
}

static void check_nproc(void)
{
	pid_t c = fork();
	if (c == 0) {
		/* Root is not held to it: become nobody. */
		if (setuid(65534) != 0)
			_exit(3);
		set(RLIMIT_NPROC, 1, 1);
		pid_t g = fork();
		if (g == 0)
			_exit(0);
		int ok = g == -1 && errno == EAGAIN;
		pthread_t th;
		ok &= pthread_create(&th, NULL, nothing, NULL) == EAGAIN;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_NPROC 1: fork and pthread_create fail with EAGAIN");
}

static volatile int xfsz;
static void on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

static void check_fsize(void)
{
	const char *path = t_tmp("fsize");
	pid_t c = fork();
	if (c == 0) {
		signal(SIGXFSZ, on_xfsz);
		set(RLIMIT_FSIZE, 1000, RLIM_INFINITY);
		int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		char buf[1500] = {0};
		int ok = write(fd, buf, 1500) == 1000 && xfsz == 0;
		ok &= write(fd, buf, 10) == -1 && errno == EFBIG && xfsz == 1;
		ok &= ftruncate(fd, 2000) == -1 && errno == EFBIG && xfsz == 2;
		ok &= ftruncate(fd, 500) == 0;
		ok &= pwrite(fd, buf, 100, 950) == 50;
		ok &= write(fd, buf, 0) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_FSIZE 1000: a write stops at 1000 bytes, then EFBIG and SIGXFSZ; ftruncate past it too");
	c = fork();
	if (c == 0) {
		set(RLIMIT_FSIZE, 10, RLIM_INFINITY);
		int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		write(fd, "0123456789abc", 13);
		write(fd, "x", 1);
		_exit(0);
	}
	CHECK_KILLED(t_wait(c), SIGXFSZ, "SIGXFSZ's default action kills the writer");
	unlink(path);
}

static int recurse(int depth_kib)
{
	volatile char pad[1024];
	pad[0] = (char)depth_kib;
	if (depth_kib <= 1)
		return pad[0];
	return recurse(depth_kib - 1) + pad[0];
}

static void check_stack(const char *self)
{
	pid_t c = fork();
	if (c == 0) {
		set(RLIMIT_STACK, 1 << 20, RLIM_INFINITY);
		execl(self, self, "--stack", "4096", (char *)NULL);
		_exit(99);
	}
	CHECK_KILLED(t_wait(c), SIGSEGV, "RLIMIT_STACK 1 MiB at exec: using 4 MiB of stack faults");
	c = fork();
	if (c == 0) {
		set(RLIMIT_STACK, 32 << 20, RLIM_INFINITY);
		execl(self, self, "--stack", "16384", (char *)NULL);
		_exit(99);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_STACK 32 MiB at exec: 16 MiB of stack is fine");
}

static void check_memory(void)
{
	pid_t c = fork();
	if (c == 0) {
		set(RLIMIT_AS, 512UL << 20, RLIM_INFINITY);
		void *big = mmap(NULL, 1UL << 30, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int ok = big == MAP_FAILED && errno == ENOMEM;
		void *small = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ok &= small != MAP_FAILED;
		void *b0 = sbrk(0);
		ok &= sbrk(1L << 30) == (void *)-1 && sbrk(0) == b0;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_AS 512 MiB: a 1 GiB mmap or brk fails with ENOMEM, 16 MiB works");
	c = fork();
	if (c == 0) {
		set(RLIMIT_DATA, 64UL << 20, RLIM_INFINITY);
		void *w = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int ok = w == MAP_FAILED && errno == ENOMEM;
		void *r = mmap(NULL, 128 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ok &= r != MAP_FAILED;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_DATA 64 MiB: 128 MiB of private writable memory fails, read-only succeeds");
}

static volatile int xcpu;
static double cpu_s(void);
static volatile double xcpu_at; /* CPU seconds when SIGXCPU came */
static void on_xcpu(int sig)
{
	(void)sig;
	xcpu_at = cpu_s(); /* clock_gettime is async-signal-safe */
	xcpu = 1;
}

static double cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void check_cpu(void)
{
	pid_t c = fork();
	if (c == 0) {
		signal(SIGXCPU, on_xcpu);
		set(RLIMIT_CPU, 1, 3);
		volatile uint64_t x = 0;
		/* Yields: with preempt=off a run that never enters the kernel is never counted. */
		while (!xcpu && cpu_s() < 2.5) {
			x++;
			sched_yield();
		}
		/* Linux notices at a tick, later on a loaded machine: between 1 s and the loop's end. */
		_exit(xcpu && xcpu_at >= 0.9 && xcpu_at < 2.5 ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_CPU 1 s: SIGXCPU after a second of CPU time");
	c = fork();
	if (c == 0) {
		set(RLIMIT_CPU, 1, 1);
		volatile uint64_t x = 0;
		while (cpu_s() < 3) {
			x++;
			sched_yield();
		}
		_exit(0);
	}
	CHECK_KILLED(t_wait(c), SIGKILL, "RLIMIT_CPU with a hard limit of 1 s: SIGKILL");
}

/*
 * Who may change what (prlimit(2)): raising a hard limit takes
 * CAP_SYS_RESOURCE, and another process's limits need its user and group
 * ids to be the caller's (or CAP_SYS_RESOURCE). Checked as nobody.
 */
static void check_privilege(void)
{
	if (geteuid() != 0) {
		t_skip("not root: the privilege checks start as root");
		return;
	}
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	pid_t c = fork();
	if (c == 0) {
		int ok = 1;
		struct rlimit low = {64, r.rlim_max - 1}, high = {64, r.rlim_max};
		ok &= setrlimit(RLIMIT_NOFILE, &low) == 0;
		/* Root raises it back with CAP_SYS_RESOURCE (a container's root may lack it). */
		if (t_has_cap(24)) {
			ok &= setrlimit(RLIMIT_NOFILE, &high) == 0;
			ok &= setrlimit(RLIMIT_NOFILE, &low) == 0;
		}
		if (setgid(65534) || setuid(65534))
			_exit(3);
		ok &= setrlimit(RLIMIT_NOFILE, &low) == 0;
		ok &= setrlimit(RLIMIT_NOFILE, &high) == -1 && errno == EPERM;
		struct rlimit got;
		ok &= syscall(SYS_prlimit64, getppid(), RLIMIT_NOFILE, NULL, &got) == -1 && errno == EPERM;
		pid_t g = fork();
		if (g == 0) {
			pause();
			_exit(0);
		}
		ok &= syscall(SYS_prlimit64, g, RLIMIT_NOFILE, NULL, &got) == 0 && got.rlim_max == low.rlim_max;
		kill(g, SIGKILL);
		waitpid(g, NULL, 0);
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "a user lowers a hard limit but may not raise it, nor touch root's limits; its own child's it may read");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--nofile") == 0)
		return nofile_child();
	if (argc > 2 && strcmp(argv[1], "--stack") == 0)
		return recurse(atoi(argv[2])) == 12345 ? 2 : 0;
	const char *self = t_self();
	check_rules();
	check_privilege();
	check_inherit(self);
	check_nofile();
	check_nproc();
	check_fsize();
	check_stack(self);
	check_memory();
	check_cpu();
	return t_done();
}
