/*
 * intargs: int arguments are 32 bits wide, as Linux reads them. C
 * libraries pass an int in a 64-bit register without clearing the upper
 * half (glibc zero-extends -1 to 0x00000000ffffffff); a kernel that reads
 * the whole register sees garbage. Each call here gets its int arguments
 * with 0xffffffff in the upper half (G()) and must act on the low half.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

#define G(x) (0xffffffff00000000UL | (uint32_t)(x))
#define S(...) syscall(__VA_ARGS__)

int main(void)
{
	struct rusage ru;
	CHECK(S(SYS_getrusage, G(RUSAGE_CHILDREN), &ru) == 0, "getrusage(RUSAGE_CHILDREN) with a zero-extended -1");
	CHECK(S(SYS_getrusage, 0xffffffffUL, &ru) == 0, "getrusage(0xffffffff) is RUSAGE_CHILDREN");
	CHECK(S(SYS_getrusage, G(RUSAGE_SELF), &ru) == 0, "getrusage(RUSAGE_SELF) with garbage above");
	CHECK(S(SYS_getrusage, G(RUSAGE_THREAD), &ru) == 0, "getrusage(RUSAGE_THREAD) with garbage above");
	CHECK_ERR(S(SYS_getrusage, G(7), &ru), EINVAL, "getrusage(7): EINVAL");

	CHECK_ERR(S(SYS_setpgid, 0, 0xffffffffUL), EINVAL, "setpgid(0, zero-extended -1): EINVAL");
	pid_t k = fork();
	if (k == 0) /* a child is never a session leader */
		_exit(S(SYS_setpgid, G(0), G(0)) == 0 && getpgrp() == getpid() ? 0 : 1);
	CHECK_EXITED(t_wait(k), 0, "setpgid(0, 0) with garbage above, in a child");
	CHECK(S(SYS_getpgid, G(0)) == getpgrp(), "getpgid(0) with garbage above");
	CHECK(S(SYS_getsid, G(0)) == getsid(0), "getsid(0) with garbage above");
	CHECK_ERR(S(SYS_getpgid, 0xffffffffUL), ESRCH, "getpgid(-1): ESRCH");

	CHECK(S(SYS_kill, G(getpid()), G(0)) == 0, "kill(self, 0) with garbage above");
	CHECK(S(SYS_tgkill, G(getpid()), G(syscall(SYS_gettid)), G(0)) == 0, "tgkill(self, 0)");
	CHECK_ERR(S(SYS_kill, G(getpid()), G(-1)), EINVAL, "kill(self, -1): EINVAL");

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK(S(SYS_rt_sigprocmask, G(SIG_BLOCK), &set, &old, 8) == 0, "rt_sigprocmask(SIG_BLOCK)");
	S(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
	struct sigaction sa = {.sa_handler = SIG_IGN};
	CHECK(S(SYS_rt_sigaction, G(SIGUSR2), &sa, NULL, 8) == 0, "rt_sigaction(SIGUSR2)");

	int p[2];
	CHECK(S(SYS_pipe2, p, G(O_CLOEXEC)) == 0, "pipe2(O_CLOEXEC) with garbage above");
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC, "  and the descriptor is close-on-exec");
	CHECK(S(SYS_fcntl, G(p[0]), G(F_GETFD)) == FD_CLOEXEC, "fcntl(fd, F_GETFD)");
	CHECK(S(SYS_dup3, G(p[0]), G(40), G(O_CLOEXEC)) == 40, "dup3(fd, 40, O_CLOEXEC)");
	CHECK(S(SYS_close, G(40)) == 0, "close(40)");
	CHECK(S(SYS_lseek, G(0), 0, G(SEEK_CUR)) == -1 || 1, "lseek on stdin does not crash");
	struct pollfd pfd = {.fd = p[1], .events = POLLOUT};
	CHECK(S(SYS_poll, &pfd, G(1), G(0)) == 1, "poll(1 fd, timeout 0)");
	fd_set w;
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 0};
	CHECK(S(SYS_select, G(p[1] + 1), NULL, &w, NULL, &tv) == 1, "select(n, ...)");

	CHECK(S(SYS_faccessat, G(AT_FDCWD), "/", G(R_OK)) == 0, "faccessat(AT_FDCWD, /, R_OK)");
	struct stat st;
	CHECK(S(SYS_newfstatat, G(AT_FDCWD), "/", &st, G(0)) == 0, "newfstatat(AT_FDCWD, /, 0)");
	const char *f = t_tmp("intargs");
	int fd = S(SYS_openat, G(AT_FDCWD), f, G(O_CREAT | O_WRONLY), G(0600));
	CHECK(fd >= 0, "openat(AT_FDCWD, O_CREAT) with garbage above");
	close(fd);
	CHECK(S(SYS_unlinkat, G(AT_FDCWD), f, G(0)) == 0, "unlinkat(AT_FDCWD, f, 0)");
	CHECK(S(SYS_umask, G(022)) >= 0, "umask(022)");

	struct timespec ts;
	CHECK(S(SYS_clock_gettime, G(CLOCK_MONOTONIC), &ts) == 0, "clock_gettime(CLOCK_MONOTONIC)");
	CHECK(S(SYS_clock_getres, G(CLOCK_REALTIME), &ts) == 0, "clock_getres(CLOCK_REALTIME)");
	ts.tv_sec = 0;
	ts.tv_nsec = 1000;
	CHECK(S(SYS_clock_nanosleep, G(CLOCK_MONOTONIC), G(0), &ts, NULL) == 0, "clock_nanosleep(CLOCK_MONOTONIC, 0)");

	cpu_set_t cs;
	CHECK(S(SYS_sched_getaffinity, G(0), G(sizeof cs), &cs) > 0, "sched_getaffinity(0, size)");
	CHECK(S(SYS_getpriority, G(PRIO_PROCESS), G(0)) >= 0, "getpriority(PRIO_PROCESS, 0)");

	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(S(SYS_madvise, m, 4096, G(MADV_NORMAL)) == 0, "madvise(MADV_NORMAL)");
	munmap(m, 4096);

	pid_t c = fork();
	if (c == 0)
		_exit(3);
	int status = 0;
	CHECK(S(SYS_wait4, 0xffffffffUL, &status, G(0), NULL) == c, "wait4(zero-extended -1) reaps the child");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3, "  with its status");

	char buf[16];
	CHECK(S(SYS_getrandom, buf, sizeof buf, G(0)) == sizeof buf, "getrandom(flags 0)");
	char name[16];
	CHECK(S(SYS_prctl, G(PR_GET_NAME), name, 0, 0, 0) == 0, "prctl(PR_GET_NAME)");
	CHECK(S(SYS_setuid, G(0)) == 0, "setuid(0)");
	return t_done();
}
