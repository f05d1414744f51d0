/*
 * init: Ferry's PID 1. Runs one command, reaps every process that ends up
 * as its child meanwhile (orphans are re-parented to init), reports how
 * the command ended and powers the machine off.
 *
 *   init [-v] [--stdin=relay|null] [--] [COMMAND [ARGS...]]
 *
 * The kernel passes the part of its command line after `--` as
 * COMMAND ARGS. Without one it runs `/bin/busybox sh`. A COMMAND without
 * a slash is looked up in PATH (default /bin). When the command ends, init
 * prints one of these lines (tools/ferry-run reads them; keep the wording):
 *   init: COMMAND exited with status N
 *   init: COMMAND killed by signal S
 * and a COMMAND that cannot be started exits with status 127, as in sh,
 * after a line saying why (with the kernel's reason for an exec it refused).
 * -v also reports each orphan reaped.
 *
 * The command's standard input is the console, unless:
 *   --stdin=null   it is /dev/null;
 *   --stdin=relay  it is a pipe fed from the console, which then carries
 *                  the host's standard input (tools/ferry-run in a
 *                  pipeline): init puts the console in raw mode, prints
 *                  "init: relaying standard input" and a child of init
 *                  copies what comes, where the byte 0xff escapes: 0xff
 *                  0xff is the byte 0xff itself, 0xff and any other byte
 *                  is the end of the input.
 *
 * As PID 1 it also does what busybox's halt, poweroff and reboot ask of
 * an init: SIGUSR1 halts, SIGUSR2 powers off, SIGTERM reboots. It says
 * so, sends every other process SIGTERM, then SIGKILL to those left after
 * two seconds, syncs and asks the kernel.
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
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/reboot.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
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
#define SYSFS_MAGIC 0x62656572

/*
 * A /proc that is already procfs means the system is up (Ferry's kernel
 * mounted it, or this is a PID namespace inside a running Linux): then
 * nothing is mounted, so a test never covers a host's /tmp. Otherwise (a
 * disk root) /proc, /sys (unless already sysfs) and /tmp are mounted.
 */
static void mount_early(void)
{
	struct statfs sf;

	if (statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
		return;
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		fprintf(stderr, "init: mount /proc: %s\n", strerror(errno));
	if (statfs("/sys", &sf) < 0 || sf.f_type != SYSFS_MAGIC) {
		mkdir("/sys", 0555);
		if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
			fprintf(stderr, "init: mount /sys: %s\n", strerror(errno));
	}
	mkdir("/tmp", 01777);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") < 0)
		fprintf(stderr, "init: mount /tmp: %s\n", strerror(errno));
}

enum stdin_mode { STDIN_CONSOLE, STDIN_NULL, STDIN_RELAY };

/*
 * The kernel's reason for refusing an exec is in its log ("exec: not a
 * loadable program: ..."), shown on the console only at loglevel 2 and
 * up; tools/ferry-run boots quietly, so say it here. Only a line logged
 * after `before` reasons (the count taken just before the exec) is ours.
 */
static const char exec_tag[] = "exec: not a loadable program: ";

/* The log's reasons: how many there are, and the last one (NUL-terminated in a static buffer). */
static int exec_reasons(const char **last)
{
	static char log[16384];
	int n = klogctl(3, log, sizeof log - 1); /* SYSLOG_ACTION_READ_ALL */
	int count = 0;
	*last = NULL;
	if (n <= 0)
		return 0;
	log[n] = 0;
	for (char *p = log; (p = strstr(p, exec_tag)); p += sizeof exec_tag - 1) {
		*last = p + sizeof exec_tag - 1;
		count++;
	}
	return count;
}

static void print_exec_reason(int before)
{
	const char *last;
	if (exec_reasons(&last) <= before || !last)
		return;
	fprintf(stderr, "init: the kernel says: %.*s\n", (int)strcspn(last, "\n"), last);
}

static pid_t start(char **cmd, int in)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (in >= 0 && in != 0) {
			dup2(in, 0);
			close(in);
		}
		/* Its own session, with the console as controlling terminal, so
		 * a shell gets job control and ^C. Failures here are harmless. */
		setsid();
		ioctl(isatty(0) ? 0 : 1, TIOCSCTTY, 0);
		const char *ignored;
		int before = exec_reasons(&ignored);
		execvp(cmd[0], cmd);
		int e = errno;
		fprintf(stderr, "init: cannot run %s: %s\n", cmd[0], strerror(e));
		print_exec_reason(before);
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
	return pid;
}

/* Write all of buf; false once the command has closed its input (EPIPE). */
static bool write_all(int fd, const unsigned char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * The relay: copy the console to the pipe, undoing the escapes, until the
 * end-of-input mark. While the command is not reading, the relay waits on
 * the pipe and the kernel holds the console's input back in the UART
 * (flow control), so nothing is lost however late the command reads.
 */
static void relay(int out)
{
	unsigned char in[4096], plain[4096];
	bool esc = false;

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		ssize_t n = read(0, in, sizeof in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t m = 0;
		bool end = false;
		for (ssize_t i = 0; i < n && !end; i++) {
			if (esc) {
				esc = false;
				if (in[i] == 0xff)
					plain[m++] = 0xff;
				else
					end = true;
			} else if (in[i] == 0xff) {
				esc = true;
			} else {
				plain[m++] = in[i];
			}
		}
		if (!write_all(out, plain, m) || end)
			break;
	}
	_exit(0);
}

/* The command's standard input: -1 for the console as it is. */
static int setup_stdin(enum stdin_mode mode)
{
	if (mode == STDIN_NULL)
		return open("/dev/null", O_RDONLY);
	if (mode != STDIN_RELAY)
		return -1;
	/* Raw before the ready line: nothing the host sends after it is echoed or edited. */
	struct termios t;
	if (tcgetattr(0, &t) == 0) {
		cfmakeraw(&t);
		t.c_oflag |= OPOST | ONLCR; /* output stays as it was */
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &t);
	}
	int p[2];
	if (pipe(p) < 0) {
		fprintf(stderr, "init: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		relay(p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
		close(p[0]);
		return -1;
	}
	printf("init: relaying standard input\n");
	fflush(stdout);
	return p[0];
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

static void say(const char *s)
{
	(void)!write(1, s, strlen(s));
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Busybox's halt, poweroff and reboot signal PID 1, as they would busybox's
 * init. The whole shutdown runs in the handler, with async-signal-safe
 * calls only: init may be anywhere (in printf, between fork and exec), and
 * a flag checked before waitpid could miss a signal that came just before
 * it, leaving init asleep until some child exits.
 */
static void on_shutdown(int sig)
{
	if (getpid() != 1) { /* a child of init, between fork and exec */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	const char *what = sig == SIGUSR1 ? "halt" : sig == SIGUSR2 ? "power off" : "reboot";
	int cmd = sig == SIGUSR1 ? RB_HALT_SYSTEM : sig == SIGUSR2 ? RB_POWER_OFF : RB_AUTOBOOT;

	say("\ninit: the system is going down to ");
	say(what);
	say("\n");
	kill(-1, SIGTERM);
	kill(-1, SIGCONT); /* a stopped process must run to die of SIGTERM */
	for (int i = 0; i < 20; i++) {
		reap_all();
		if (kill(-1, 0) < 0 && errno == ESRCH)
			break;
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	kill(-1, SIGKILL);
	reap_all();
	sync();
	reboot(cmd);
	say("init: the kernel refused to ");
	say(what);
	say("\n");
}

static void catch_shutdown(void)
{
	struct sigaction sa = {.sa_handler = on_shutdown};
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv)
{
	int verbose = 0, i = 1;
	enum stdin_mode in_mode = STDIN_CONSOLE;

	ensure_stdio();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--stdin=null"))
			in_mode = STDIN_NULL;
		else if (!strcmp(argv[i], "--stdin=relay"))
			in_mode = STDIN_RELAY;
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
		catch_shutdown();
		mount_early();
		if (access("/etc/rc", R_OK) == 0) {
			char *rc[] = {"/bin/sh", "/etc/rc", NULL};
			pid_t rpid = start(rc, -1);
			int rst = rpid > 0 ? wait_for(rpid, verbose) : -1;
			if (rst != 0)
				fprintf(stderr, "init: /etc/rc failed (status %#x)\n", rst);
		}
	}

	int code = 1;
	int in = setup_stdin(in_mode);
	pid_t pid = start(cmd, in);
	if (in >= 0)
		close(in);
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
