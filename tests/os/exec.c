/*
 * exec: execve, the wait calls and their Linux status encoding, what exec
 * keeps (pid, descriptors without FD_CLOEXEC, ignored signals) and drops,
 * execve's errors, "#!" scripts, vfork and posix_spawn, orphans and zombies.
 * The program runs itself (AT_EXECFN) in helper modes chosen by argv[1].
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <time.h>

#include "t.h"

/* Helper modes, run in an exec'd copy of this program. */
static int helper(int argc, char **argv)
{
	const char *m = argv[1];
	struct sigaction sa;

	if (!strcmp(m, "exit") && argc > 2)
		return atoi(argv[2]);
	if (!strcmp(m, "raise") && argc > 2)
		return raise(atoi(argv[2])), 99;
	if (!strcmp(m, "pid"))
		return printf("%d\n", (int)getpid()) > 0 ? 0 : 1;
	if (!strcmp(m, "fds") && argc > 3) { /* argv[2] must be closed, argv[3] open */
		int closed = fcntl(atoi(argv[2]), F_GETFD) == -1 && errno == EBADF;
		return closed && fcntl(atoi(argv[3]), F_GETFD) == 0 ? 0 : 1;
	}
	if (!strcmp(m, "script")) /* "#!self script": argv is self, "script", the script, "p1" */
		return argc == 4 && strstr(argv[2], "script") && !strcmp(argv[3], "p1") ? 0 : 1;
	if (!strcmp(m, "sigs")) { /* SIGTERM stays ignored, SIGUSR1's handler is gone */
		int ign = sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
		int dfl = sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL;
		return ign && dfl ? 0 : 1;
	}
	return 98;
}

/* Fork, optionally run setup in the child, then exec this program in a helper mode. */
static pid_t run(void (*setup)(void *), void *arg, const char *mode, const char *a1, const char *a2)
{
	const char *argv[] = {t_self(), mode, a1, a2, NULL};
	pid_t pid = fork();

	if (pid == 0) {
		if (setup)
			setup(arg);
		execv(t_self(), (char **)argv);
		_exit(127);
	}
	return pid;
}

static void check_status(void)
{
	int st = t_wait(run(NULL, NULL, "exit", "7", NULL));

	CHECK(st == 0x0700, "exit(7) gives status 0x0700 (got %#x)", st);
	st = t_wait(run(NULL, NULL, "exit", "0", NULL));
	CHECK(st == 0, "exit(0) gives status 0 (got %#x)", st);
	st = t_wait(run(NULL, NULL, "exit", "259", NULL));
	CHECK(st == 0x0300, "exit(259) keeps the low 8 bits: 0x0300 (got %#x)", st);
	st = t_wait(run(NULL, NULL, "raise", "15", NULL));
	CHECK(st == SIGTERM, "death by SIGTERM gives status 15 (got %#x)", st);

	pid_t pid;
	struct rusage ru;
	pid = run(NULL, NULL, "exit", "3", NULL);
	CHECK(wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3,
	      "wait4 with a rusage buffer");

	siginfo_t si;
	pid = run(NULL, NULL, "exit", "5", NULL);
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_pid == pid && si.si_signo == SIGCHLD &&
		  si.si_code == CLD_EXITED && si.si_status == 5,
	      "waitid: CLD_EXITED, status 5");
	pid = run(NULL, NULL, "raise", "15", NULL);
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == pid && si.si_code == CLD_KILLED &&
		  si.si_status == SIGTERM,
	      "waitid: CLD_KILLED, SIGTERM");
}

static void check_wait_rules(void)
{
	int fd[2], st;
	char b;
	siginfo_t si;

	if (!CHECK(pipe(fd) == 0, "pipe"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[1]);
		_exit(read(fd[0], &b, 1) == 0 ? 4 : 5); /* waits for the parent's close */
	}
	close(fd[0]);
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "WNOHANG on a running child returns 0");
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0,
	      "waitid WNOHANG on a running child leaves si_pid 0");
	CHECK(getppid() != pid && waitpid(getppid(), &st, 0) == -1 && errno == ECHILD,
	      "waitpid for a process that is not a child is ECHILD");
	close(fd[1]);
	CHECK_EXITED(t_wait(pid), 4, "the child saw EOF and exited");
	CHECK_ERR(waitpid(-1, &st, 0), ECHILD, "waitpid with no children is ECHILD");

	/* A child that has exited stays, as a zombie, until it is waited for. */
	if (pipe(fd))
		return;
	pid = fork();
	if (pid == 0)
		_exit(0);
	close(fd[1]);
	while (read(fd[0], &b, 1) > 0) /* EOF: the child has closed its files */
		;
	close(fd[0]);
	CHECK(kill(pid, 0) == 0, "an exited child not yet waited for still exists");
	t_wait(pid);
	CHECK_ERR(kill(pid, 0), ESRCH, "after wait it is gone");
}

static void to_pipe(void *fds)
{
	int *fd = fds;

	dup2(fd[1], 1);
}

static void cloexec(void *fds)
{
	int *fd = fds;

	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, 0);
}

static void on_usr1(int s)
{
	(void)s;
}

static void sigs(void *unused)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGUSR1, on_usr1);
}

static void check_keeps(void)
{
	int fd[2];
	char buf[32] = {0};

	if (!CHECK(pipe(fd) == 0, "pipe"))
		return;
	pid_t pid = run(to_pipe, fd, "pid", NULL, NULL);
	close(fd[1]);
	int ok = read(fd[0], buf, sizeof buf - 1) > 0 && atoi(buf) == pid;
	CHECK(ok, "execve keeps the pid (%d; the exec'd program says %d)", pid, atoi(buf));
	close(fd[0]);
	t_wait(pid);

	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY), ab[2] = {a, b};
	char sa[12], sb[12];
	snprintf(sa, sizeof sa, "%d", a);
	snprintf(sb, sizeof sb, "%d", b);
	CHECK_EXITED(t_wait(run(cloexec, ab, "fds", sa, sb)), 0,
		     "execve closes FD_CLOEXEC descriptors and keeps the others");
	close(a), close(b);
	CHECK_EXITED(t_wait(run(sigs, NULL, "sigs", NULL, NULL)), 0,
		     "execve keeps ignored signals and resets handled ones to default");
}

static void check_errors(void)
{
	char *argv[] = {"x", NULL};
	char head[200];
	const char *junk = t_tmp("junk"), *trunc = t_tmp("trunc"), *plain = t_tmp("plain");
	const char *mach = t_tmp("machine");

	CHECK_ERR(execv("/nonexistent/program", argv), ENOENT,
		  "execve of a missing file is ENOENT");
	CHECK_ERR(execv("/", argv), EACCES, "execve of a directory is EACCES");

	int fd = open(junk, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	(void)!write(fd, "\x01\x02 not a program\n", 18);
	close(fd);
	CHECK_ERR(execv(junk, argv), ENOEXEC, "execve of an executable file of junk is ENOEXEC");

	int self = open(t_self(), O_RDONLY);
	CHECK(self >= 0 && read(self, head, sizeof head) == sizeof head, "read our own ELF header");
	close(self);
	fd = open(trunc, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	(void)!write(fd, head, sizeof head);
	close(fd);
	/* Linux answers EIO when the program headers are cut off; Ferry ENOEXEC. */
	int r = execv(trunc, argv), e = errno;
	CHECK(r == -1 && (e == ENOEXEC || e == EIO), "execve of a truncated ELF fails (%s)",
	      strerror(e));

	head[18] = (char)0xef, head[19] = (char)0xbe; /* e_machine: no such machine */
	fd = open(mach, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	(void)!write(fd, head, sizeof head);
	close(fd);
	CHECK_ERR(execv(mach, argv), ENOEXEC,
		  "execve of an ELF file for another machine is ENOEXEC");

	fd = open(plain, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	close(fd);
	CHECK_ERR(execv(plain, argv), EACCES, "execve of a file without x permission is EACCES");
	unlink(junk), unlink(trunc), unlink(mach), unlink(plain);
}

/* An executable file holding text. */
static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);
	(void)!write(fd, text, strlen(text));
	close(fd);
	chmod(path, mode);
}

/* Run path with argv {path, "p1"} in a child; its wait status, or 0x10000 | errno if execve failed. */
static int run_script(const char *path)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		fcntl(fd[1], F_SETFD, FD_CLOEXEC);
		execl(path, path, "p1", (char *)NULL);
		int e = errno;
		(void)!write(fd[1], &e, sizeof e);
		_exit(127);
	}
	close(fd[1]);
	int e = 0;
	int got = read(fd[0], &e, sizeof e) == sizeof e;
	close(fd[0]);
	int st = t_wait(pid);
	return got ? 0x10000 | e : st;
}

/* "#!" scripts: the kernel runs the interpreter the first line names (binfmt_script's rules). */
static void check_scripts(void)
{
	char text[300];
	const char *s1 = t_tmp("script1"), *s2 = t_tmp("script2"), *s3 = t_tmp("script3");
	const char *s4 = t_tmp("script4"), *s5 = t_tmp("script5");

	snprintf(text, sizeof text, "#!%s script\nnot for the kernel\n", t_self());
	put_file(s1, text, 0755);
	CHECK(run_script(s1) == 0, "a #! script runs its interpreter with its argument, its path "
				   "and the caller's arguments");
	snprintf(text, sizeof text, "#!  %s   script  \n", t_self());
	put_file(s1, text, 0755);
	CHECK(run_script(s1) == 0, "blanks around the interpreter and its argument are dropped");

	put_file(s2, "#!/nonexistent/interpreter\n", 0755);
	CHECK(run_script(s2) == (0x10000 | ENOENT), "a missing interpreter is ENOENT");
	snprintf(text, sizeof text, "#!%s\n", s3);
	put_file(s2, text, 0755);
	put_file(s3, "#!/bin/sh\n", 0644);
	CHECK(run_script(s2) == (0x10000 | EACCES),
	      "an interpreter without execute permission is EACCES");
	put_file(s3, "#!\n", 0755);
	CHECK(run_script(s3) == (0x10000 | ENOEXEC), "\"#!\" naming nothing is ENOEXEC");
	put_file(s4, text, 0644);
	CHECK(run_script(s4) == (0x10000 | EACCES), "a script without execute permission is EACCES");

	/* Each script the interpreter of the next: too long a chain is ELOOP. */
	snprintf(text, sizeof text, "#!%s\n", s5);
	put_file(s5, text, 0755);
	CHECK(run_script(s5) == (0x10000 | ELOOP), "a script that is its own interpreter is ELOOP");
	unlink(s1), unlink(s2), unlink(s3), unlink(s4), unlink(s5);
}

static volatile int vfork_flag;

static void check_vfork_spawn(void)
{
	vfork_flag = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
		vfork_flag = 1; /* the parent's memory: vfork shares it */
		_exit(3);
	}
	CHECK(vfork_flag == 1, "vfork: the parent waits for the child, which runs in its memory");
	CHECK_EXITED(t_wait(pid), 3, "vfork: the child's exit status");

	char *argv[] = {(char *)t_self(), "exit", "4", NULL};
	pid = vfork();
	if (pid == 0) {
		execv(t_self(), argv);
		_exit(127);
	}
	CHECK_EXITED(t_wait(pid), 4, "vfork then execve");

	argv[2] = "6";
	CHECK(posix_spawn(&pid, t_self(), NULL, NULL, argv, environ) == 0, "posix_spawn");
	CHECK_EXITED(t_wait(pid), 6, "posix_spawn: the program's exit status");

	int fd[2];
	char buf[32] = {0};
	posix_spawn_file_actions_t fa;
	char *pargv[] = {(char *)t_self(), "pid", NULL};
	if (pipe(fd))
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	CHECK(posix_spawn(&pid, t_self(), &fa, NULL, pargv, environ) == 0,
	      "posix_spawn with its output sent to a pipe");
	close(fd[1]);
	int ok = read(fd[0], buf, sizeof buf - 1) > 0 && atoi(buf) == pid;
	CHECK(ok, "posix_spawn: the program ran with the pid returned (%d; it says %d)", pid,
	      atoi(buf));
	close(fd[0]);
	t_wait(pid);
	posix_spawn_file_actions_destroy(&fa);
	CHECK(posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, environ) == ENOENT,
	      "posix_spawn of a missing file returns ENOENT");
}

/*
 * An orphan goes to init (pid 1) on Ferry. On Linux, the nearest
 * "subreaper" adopts it: make this process one, so the check does not
 * depend on how the host's init is set up.
 */
static void check_orphan(void)
{
	int fd[2];
	pid_t reaper = 1;

	if (t_on_linux() && prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
		reaper = getpid();
	if (pipe(fd))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		pid_t me = getpid();
		if (fork() == 0) {
			for (int i = 0; i < 2000 && getppid() == me; i++)
				usleep(1000);
			pid_t pp = getppid();
			(void)!write(fd[1], &pp, sizeof pp);
			_exit(0);
		}
		_exit(0);
	}
	close(fd[1]);
	CHECK_EXITED(t_wait(pid), 0, "the orphan's parent exits");
	pid_t pp = 0;
	int got = read(fd[0], &pp, sizeof pp) == sizeof pp;
	CHECK(got && pp == reaper, "the orphan is adopted by %s (pid %d; it reports %d)",
	      reaper == 1 ? "init" : "us", reaper, pp);
	close(fd[0]);
	if (reaper != 1)
		CHECK(waitpid(-1, NULL, 0) > 0, "and can be reaped by its new parent");
}

/* MemFree of /proc/meminfo, in KiB. */
static long mem_free_kb(void)
{
	char buf[512] = {0};
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	close(fd);
	const char *p = n > 0 ? strstr(buf, "MemFree:") : NULL;
	return p ? atol(p + 8) : -1;
}

/*
 * Ten processes running one big program (busybox, 2 MiB of text) share
 * its text: together they take far less than ten copies, from the RAM
 * root or from a disk (the page cache holds the file's pages once).
 * Ferry only: the host's free memory moves with everything else running
 * there.
 */
static void check_shared_text(void)
{
	struct stat st;
	if (t_on_linux() || stat("/bin/busybox", &st) < 0) {
		t_skip("shared text: measured on Ferry, with its busybox");
		return;
	}
	enum { N = 10 };
	pid_t kids[N];
	/* Once first, so that a disk's pages of it are in the page cache before we count. */
	pid_t warm = fork();
	if (warm == 0) {
		execl("/bin/busybox", "sleep", "0", (char *)NULL);
		_exit(127);
	}
	t_wait(warm);
	long before = mem_free_kb();
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			execl("/bin/busybox", "sleep", "3", (char *)NULL);
			_exit(127);
		}
	}
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL); /* all of them started and asleep */
	long used = before - mem_free_kb();
	for (int i = 0; i < N; i++) {
		kill(kids[i], SIGKILL);
		t_wait(kids[i]);
	}
	CHECK(used > 0 && used < N * 512,
	      "%d busybox processes take %ld KiB, not %d copies of its %lld KiB file", N, used, N,
	      (long long)st.st_size / 1024);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return helper(argc, argv);
	CHECK(getppid() > 0, "getppid");
	check_status();
	check_wait_rules();
	check_keeps();
	check_errors();
	check_scripts();
	check_vfork_spawn();
	check_orphan();
	check_shared_text();
	return t_done();
}
