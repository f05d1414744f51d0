/*
 * initsig: signals sent to init (pid 1) that it has no handler for are
 * ignored, as Linux ignores them, SIGKILL and SIGSTOP included: any user
 * could otherwise stop the machine with kill(1, SIGINT). (Ferry's init
 * handles SIGUSR1, SIGUSR2 and SIGTERM itself, as busybox's does: halt,
 * power off, reboot; those are not sent here.) Ferry only: on the build
 * machine, pid 1 is the host's init.
 */
#include <sched.h>
#include <sys/syscall.h>

#include "t.h"

/* init's state letter from /proc/1/stat, or '?'. */
static char init_state(void)
{
	char buf[256] = {0};
	FILE *f = fopen("/proc/1/stat", "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	char *paren = n ? strrchr(buf, ')') : NULL;
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

int main(void)
{
	if (t_on_linux()) {
		t_skip("pid 1 is the build machine's init here: not signalled");
		return t_done();
	}
	static const int sigs[] = {SIGINT, SIGHUP, SIGQUIT, SIGSEGV, SIGALRM, SIGPROF, SIGSTOP,
				   SIGTSTP, SIGKILL};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		CHECK(kill(1, sigs[i]) == 0, "kill(1, %d) is allowed (and ignored)", sigs[i]);
		CHECK(syscall(SYS_tgkill, 1, 1, sigs[i]) == 0, "tgkill(1, 1, %d) too", sigs[i]);
	}
	/* Let init run a while: a signal it took would have ended it (and the machine). */
	for (int i = 0; i < 50; i++)
		sched_yield();
	usleep(100 * 1000);
	CHECK(kill(1, 0) == 0, "init is still there");
	char s = init_state();
	CHECK(s != 'T' && s != 'Z' && s != '?', "init is neither stopped nor a zombie (state %c)", s);
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	CHECK_EXITED(t_wait(c), 7, "and the system goes on");
	return t_done();
}
