/*
 * fcntl2: fcntl's signals on I/O (F_SETOWN, F_GETOWN, F_SETOWN_EX,
 * F_GETOWN_EX, F_SETSIG, F_GETSIG, O_ASYNC: SIGIO when a pipe becomes
 * readable or writable), F_DUPFD_CLOEXEC, and bad input. (Pipe sizes,
 * seals, locks and leases are in splice, calls2 and locks.)
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

#ifndef F_SETSIG
#define F_SETSIG 10
#define F_GETSIG 11
#endif

static volatile int sigio;
static void on_io(int sig)
{
	(void)sig;
	sigio++;
}

int main(void)
{
	int p[2];
	pipe(p);
	int d = fcntl(p[0], F_DUPFD_CLOEXEC, 50);
	CHECK(d >= 50 && fcntl(d, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC at 50 or above, close-on-exec");
	close(d);

	CHECK(fcntl(p[0], F_GETOWN) == 0, "F_GETOWN of a new pipe: nobody");
	CHECK(fcntl(p[0], F_SETOWN, getpid()) == 0 && fcntl(p[0], F_GETOWN) == getpid(), "F_SETOWN our pid");
	CHECK(fcntl(p[0], F_SETOWN, -getpgrp()) == 0 && fcntl(p[0], F_GETOWN) == -getpgrp(), "F_SETOWN our group (negative)");
	struct f_owner_ex ex = {F_OWNER_TID, (pid_t)syscall(SYS_gettid)};
	CHECK(fcntl(p[0], F_SETOWN_EX, &ex) == 0, "F_SETOWN_EX with F_OWNER_TID");
	struct f_owner_ex got = {0};
	CHECK(fcntl(p[0], F_GETOWN_EX, &got) == 0 && got.type == F_OWNER_TID && got.pid == ex.pid, "F_GETOWN_EX gives it back");
	CHECK_ERR(fcntl(p[0], F_SETOWN, 0x3ffffff0), ESRCH, "F_SETOWN of a missing pid: ESRCH");
	ex.type = 9;
	CHECK_ERR(fcntl(p[0], F_SETOWN_EX, &ex), EINVAL, "F_SETOWN_EX with type 9: EINVAL");
	CHECK_ERR(fcntl(p[0], F_SETOWN_EX, (void *)8), EFAULT, "F_SETOWN_EX from a bad pointer: EFAULT");
	CHECK_ERR(fcntl(p[0], F_SETSIG, 100), EINVAL, "F_SETSIG 100: EINVAL");

	/* O_ASYNC with the plain SIGIO. */
	signal(SIGIO, on_io);
	fcntl(p[0], F_SETOWN, getpid());
	CHECK(fcntl(p[0], F_SETFL, O_ASYNC) == 0 && (fcntl(p[0], F_GETFL) & O_ASYNC), "F_SETFL O_ASYNC on the read end");
	write(p[1], "x", 1);
	for (int i = 0; i < 1000 && !sigio; i++)
		sched_yield();
	CHECK(sigio == 1, "SIGIO when the pipe becomes readable");
	char c;
	read(p[0], &c, 1);

	/* F_SETSIG: a real-time signal with siginfo naming the descriptor. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &s, NULL);
	CHECK(fcntl(p[0], F_SETSIG, SIGRTMIN) == 0 && fcntl(p[0], F_GETSIG) == SIGRTMIN, "F_SETSIG SIGRTMIN");
	write(p[1], "y", 1);
	siginfo_t si;
	struct timespec w = {10, 0};
	CHECK(sigtimedwait(&s, &si, &w) == SIGRTMIN && si.si_code == POLL_IN && si.si_fd == p[0] && (si.si_band & POLLIN),
	      "  it comes with POLL_IN, the band and si_fd (code %d fd %d)", si.si_code, si.si_fd);
	read(p[0], &c, 1);
	fcntl(p[0], F_SETFL, 0);
	write(p[1], "z", 1);
	CHECK_ERR(sigtimedwait(&s, &si, &(struct timespec){0, 20000000}), EAGAIN, "no signal once O_ASYNC is cleared");
	read(p[0], &c, 1);

	/* The write end hears when room appears. */
	fcntl(p[1], F_SETOWN, getpid());
	fcntl(p[1], F_SETSIG, SIGRTMIN);
	fcntl(p[1], F_SETFL, O_ASYNC | O_NONBLOCK);
	write(p[1], "abc", 3);
	read(p[0], &c, 1);
	CHECK(sigtimedwait(&s, &si, &w) == SIGRTMIN && si.si_code == POLL_OUT && si.si_fd == p[1],
	      "the write end gets POLL_OUT when a read makes room");
	CHECK_ERR(fcntl(p[0], 12345), EINVAL, "an unknown fcntl command: EINVAL");
	CHECK_ERR(fcntl(-1, F_GETFD), EBADF, "fcntl of a bad descriptor: EBADF");
	return t_done();
}
