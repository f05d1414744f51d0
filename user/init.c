/*
 * init: Ferry's PID 1. Runs one command, reaps every process that ends up
 * as its child meanwhile (orphans are re-parented to init), reports how
 * the command ended and powers the machine off.
 *
 *   init [-v] [--] [COMMAND [ARGS...]]
 *
 * The kernel passes the part of its command line after `--` as
 * COMMAND ARGS. Without one it runs `/bin/busybox sh`. A COMMAND without
 * a slash is looked up in PATH (default /bin). When the command ends, init
 * prints one of these lines (tools/ferry-run reads them; keep the wording):
 *   init: COMMAND exited with status N
 *   init: COMMAND killed by signal S
 * and a COMMAND that cannot be started exits with status 127, as in sh.
 * -v also reports each orphan reaped.
 *
 * As PID 1 it first mounts procfs on /proc and a tmpfs on /tmp when /proc
 * is not mounted yet (Ferry's kernel mounts both itself; an init booted
 * without them gets them here; failures are reported, not fatal), then
 * runs /etc/rc with /bin/sh if it exists and reports a failure of it as
 *   init: /etc/rc failed (status N)
 * Outside PID 1 (on Linux, for tests) it does none of that and does not
 * power off: it becomes a child subreaper so orphans still come to it,
 * and exits with the command's status (128 + S if killed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static char *default_cmd[] = {"/bin/busybox", "sh", NULL};

/* The kernel should give PID 1 the console as 0, 1 and 2; if it did not,
 * open it ourselves so messages are seen. */
static void ensure_stdio(void)
{
	int fd = -1;

	for (int i = 0; i < 3; i++) {
		if (fcntl(i, F_GETFD) >= 0)
			continue;
		if (fd < 0)
			fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd < 0)
			return;
		if (fd != i)
			dup2(fd, i);
	}
	if (fd > 2)
		close(fd);
}

#define PROC_SUPER_MAGIC 0x9fa0

/*
 * A /proc that is already procfs means the system is up (Ferry's kernel
 * mounted it, or this is a PID namespace inside a running Linux): then
 * nothing is mounted, so a test never covers a host's /tmp.
 */
static void mount_early(void)
{
	struct statfs sf;

	if (statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
		return;
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		fprintf(stderr, "init: mount /proc: %s\n", strerror(errno));
	mkdir("/tmp", 01777);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") < 0)
		fprintf(stderr, "init: mount /tmp: %s\n", strerror(errno));
}

static pid_t start(char **cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* Its own session, with the console as controlling terminal, so
		 * a shell gets job control and ^C. Failures here are harmless. */
		setsid();
		ioctl(0, TIOCSCTTY, 0);
		execvp(cmd[0], cmd);
		fprintf(stderr, "init: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
	return pid;
}

/* Wait for the command, reaping whatever else exits meanwhile. */
static int wait_for(pid_t cmd, int verbose)
{
	int st;

	for (;;) {
		pid_t pid = waitpid(-1, &st, 0);
		if (pid == cmd)
			return st;
		if (pid > 0) {
			if (verbose)
				fprintf(stderr, "init: reaped orphan %d (status %#x)\n", (int)pid,
					st);
			continue;
		}
		if (errno != EINTR) { /* ECHILD: cannot happen while cmd lives */
			fprintf(stderr, "init: wait: %s\n", strerror(errno));
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	int verbose = 0, i = 1;

	ensure_stdio();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else
			fprintf(stderr, "init: unknown option %s, ignored\n", argv[i]);
	}
	char **cmd = i < argc ? argv + i : default_cmd;

	setenv("PATH", "/bin", 0);
	setenv("HOME", "/", 0);
	setenv("TERM", "linux", 0);

	int pid1 = getpid() == 1;
	if (!pid1)
		prctl(PR_SET_CHILD_SUBREAPER, 1); /* Linux only; harmless elsewhere */

	if (pid1) {
		mount_early();
		if (access("/etc/rc", R_OK) == 0) {
			char *rc[] = {"/bin/sh", "/etc/rc", NULL};
			pid_t rpid = start(rc);
			int rst = rpid > 0 ? wait_for(rpid, verbose) : -1;
			if (rst != 0)
				fprintf(stderr, "init: /etc/rc failed (status %#x)\n", rst);
		}
	}

	int code = 1;
	pid_t pid = start(cmd);
	int st = pid > 0 ? wait_for(pid, verbose) : -1;
	if (st == -1) {
		fprintf(stderr, "init: %s did not run\n", cmd[0]);
	} else if (WIFSIGNALED(st)) {
		printf("init: %s killed by signal %d\n", cmd[0], WTERMSIG(st));
		code = 128 + WTERMSIG(st);
	} else {
		printf("init: %s exited with status %d\n", cmd[0], WEXITSTATUS(st));
		code = WEXITSTATUS(st);
	}
	fflush(stdout);

	if (!pid1) {
		fprintf(stderr, "init: not PID 1, so not powering off\n");
		return code;
	}
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached if the kernel refused. Exiting makes a kernel stop
	 * loudly, which beats hanging until some timeout. */
	fprintf(stderr, "init: power off failed: %s\n", strerror(errno));
	return code;
}
