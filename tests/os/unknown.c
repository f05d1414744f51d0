/*
 * unknown: system calls Ferry does not know. Each returns ENOSYS; the
 * kernel logs an unknown number at most once per program (a program is
 * its executable), and lines about unsupported calls are rate-limited
 * overall, so one program calling them in a loop cannot flood the console
 * (a stress test once wrote 2,201 lines in 3 s). The number is read as 32
 * bits, as Linux reads it.
 */
#include <sys/klog.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

#define UNKNOWN 5000 /* above Ferry's own calls and Linux's */

static char logbuf[1 << 16];

/* Lines of the kernel log mentioning "system call NR " for pid (0: any pid). */
static int count_lines(long nr, pid_t pid)
{
	int n = klogctl(3, logbuf, sizeof logbuf - 1); /* SYSLOG_ACTION_READ_ALL */
	if (n < 0)
		return -1;
	logbuf[n] = 0;
	char want[64], who[32];
	snprintf(want, sizeof want, "system call %ld ", nr);
	snprintf(who, sizeof who, "pid %d ", (int)pid);
	int count = 0;
	for (char *line = logbuf; line && *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = 0;
		if (strstr(line, want) && (!pid || strstr(line, who)))
			count++;
		line = end ? end + 1 : NULL;
	}
	return count;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	int bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += syscall(UNKNOWN) != -1 || errno != ENOSYS;
	CHECK(bad == 0, "an unknown call is ENOSYS, 1000 times");
	CHECK(syscall((1L << 32) | SYS_getpid) == getpid(),
	      "the call number is rax's low 32 bits: (1 << 32) | getpid is getpid");
	CHECK(syscall(-1L) == -1 && errno == ENOSYS, "call -1 is ENOSYS");
	if (t_on_linux()) {
		t_skip("what Ferry's kernel logs: not on Linux");
		return t_done();
	}
	CHECK(count_lines(UNKNOWN, getpid()) == 1, "logged once for 1000 calls");
	pid_t c = fork();
	if (c == 0)
		_exit(syscall(UNKNOWN) == -1 ? 0 : 1);
	CHECK_EXITED(t_wait(c), 0, "a child of the same program calls it too");
	CHECK(count_lines(UNKNOWN, c) == 0, "and is not logged again (same program)");

	/* Many different numbers: the console gets a burst, then about two lines a second. */
	double t0 = now();
	for (long nr = UNKNOWN + 1; nr <= UNKNOWN + 400; nr++)
		syscall(nr);
	double took = now() - t0;
	int lines = 0;
	for (long nr = UNKNOWN + 1; nr <= UNKNOWN + 400; nr++)
		lines += count_lines(nr, getpid());
	CHECK(lines >= 1 && lines <= 12 + 2 * (int)took,
	      "400 unknown numbers in %.1f s gave %d lines: rate-limited", took, lines);
	return t_done();
}
