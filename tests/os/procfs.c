/*
 * procfs: what ps, top, free and mount read from /proc, checked against
 * the calls that tell the same facts (getpid, getppid, argv...): stat and
 * status of this process, cmdline, environ, maps, exe, fd and self, the
 * directory of pids, meminfo, uptime, loadavg, stat, mounts, a zombie's
 * and a stopped process's state, and a pid that does not exist;
 * /proc/sys/vm/drop_caches takes 1 to 4 and nothing else.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>

#include "t.h"

static char text[65536];

/* The whole file into text (NUL-terminated); its length, or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while (n < (long)sizeof text - 1 && (r = read(fd, text + n, sizeof text - 1 - n)) > 0)
		n += r;
	close(fd);
	text[n] = 0;
	return n;
}

/* The number after "key:" in text, or -1. */
static long field(const char *key)
{
	size_t k = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, k) && p[k] == ':')
			return strtol(p + k + 1, NULL, 10);
	return -1;
}

static void check_stat(const char *path)
{
	if (!CHECK(slurp(path) > 0, "read %s", path))
		return;
	int pid = -1, ppid = -1, pgrp = -1, sid = -1;
	char comm[64] = "", state = 0;
	CHECK(sscanf(text, "%d (%63[^)]) %c %d %d %d", &pid, comm, &state, &ppid, &pgrp, &sid) == 6,
	      "%s: pid (comm) state ppid pgrp session parse", path);
	CHECK(pid == getpid(), "%s: pid %d is getpid() %d", path, pid, (int)getpid());
	CHECK(ppid == getppid() && pgrp == getpgrp() && sid == getsid(0),
	      "%s: ppid, pgrp and session match the calls", path);
	CHECK(state == 'R', "%s: we are running (state %c)", path, state);
	/* Fields after the comm: at least 44 more (proc(5) has 52 in all). */
	const char *rest = strrchr(text, ')');
	int n = 0;
	char *save, *tok;
	unsigned long long v[60] = {0};
	for (tok = strtok_r((char *)rest + 1, " \n", &save); tok && n < 60;
	     tok = strtok_r(NULL, " \n", &save))
		v[n++] = strtoull(tok, NULL, 10);
	CHECK(n >= 44, "%s: %d fields after the comm", path, n);
	/* v[0] is field 3 (state): field k is v[k - 3]. */
	CHECK(v[20 - 3] == 1, "num_threads (field 20) is 1: %llu", v[17]);
	CHECK(v[23 - 3] > 0, "vsize (field 23) is not 0: %llu", v[20]);
	/* rss (field 24): some Linux sandboxes report 0 here, so only Ferry's is checked. */
	if (!t_on_linux())
		CHECK(v[24 - 3] > 0, "rss (field 24) is not 0: %llu", v[21]);
	long up = -1;
	if (slurp("/proc/uptime") > 0)
		up = (long)(strtod(text, NULL) * 100) + 100;
	CHECK(up > 0 && v[22 - 3] <= (unsigned long long)up,
	      "starttime (field 22, %llu ticks) is not after uptime (%ld ticks)", v[19], up);
}

static void check_status(const char *argv0)
{
	if (!CHECK(slurp("/proc/self/status") > 0, "read /proc/self/status"))
		return;
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	char name[64] = "";
	const char *p = strstr(text, "Name:");
	if (p)
		sscanf(p, "Name:\t%63s", name);
	CHECK(!strncmp(name, base, 15), "status Name \"%s\" is our program's name \"%s\"", name, base);
	CHECK(field("Pid") == getpid() && field("Tgid") == getpid(), "status Pid and Tgid");
	CHECK(field("PPid") == getppid(), "status PPid");
	CHECK(field("Threads") == 1, "status Threads: 1");
	CHECK(field("VmSize") > 0 && field("VmRSS") > 0, "status VmSize and VmRSS");
	CHECK(strstr(text, "\nUid:") && strstr(text, "\nGid:") && strstr(text, "\nState:"),
	      "status has Uid, Gid and State lines");

	/* 4 MiB touched and given back: the high-water mark keeps it. */
	size_t big = 4 << 20;
	char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; m != MAP_FAILED && i < big; i += 4096)
		m[i] = 1;
	if (m != MAP_FAILED)
		munmap(m, big);
	slurp("/proc/self/status");
	long hwm = field("VmHWM"), rss = field("VmRSS");
	CHECK(hwm >= 4000 && hwm > rss + 2000, "VmHWM keeps the peak (%ld kB) above VmRSS (%ld kB)", hwm, rss);
}

static void check_cmdline(int argc, char **argv)
{
	long n = slurp("/proc/self/cmdline");
	long want = 0;
	int same = 1;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		if (want + (long)len > n || memcmp(text + want, argv[i], len))
			same = 0;
		want += (long)len;
	}
	CHECK(n == want && same, "cmdline (%ld bytes) is argv, NUL-separated (%ld bytes)", n, want);
}

static void check_maps(void)
{
	int local = 0;
	unsigned long me = (unsigned long)&local;
	if (!CHECK(slurp("/proc/self/maps") > 0, "read /proc/self/maps"))
		return;
	int stack = 0, inside = 0, lines = 0, good = 1;
	for (char *line = text; *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = 0;
		unsigned long a, b;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3 || a >= b || strlen(perms) != 4)
			good = 0;
		if (strstr(line, "[stack]")) {
			stack = 1;
			inside |= a <= me && me < b;
		}
		lines++;
		if (!end)
			break;
		line = end + 1;
	}
	CHECK(good && lines >= 3, "maps: %d lines of start-end perms", lines);
	CHECK(stack && inside, "maps has [stack], and a local variable lies in it");
}

static void check_links(void)
{
	char buf[256], want[16];
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	snprintf(want, sizeof want, "%d", (int)getpid());
	CHECK(n > 0 && (buf[n] = 0, !strcmp(buf, want)), "/proc/self is a link to our pid");
	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	struct stat a, b;
	CHECK(n > 0 && buf[0] == '/', "/proc/self/exe is an absolute path");
	CHECK(stat("/proc/self/exe", &a) == 0 && stat(t_self(), &b) == 0 && a.st_ino == b.st_ino &&
		      a.st_dev == b.st_dev,
	      "/proc/self/exe is the file we were started from");
}

static void check_dir(void)
{
	DIR *d = opendir("/proc");
	if (!CHECK(d, "opendir /proc"))
		return;
	char want[16];
	snprintf(want, sizeof want, "%d", (int)getpid());
	int self = 0, mine = 0, init = 0, meminfo = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		self |= !strcmp(e->d_name, "self");
		mine |= !strcmp(e->d_name, want) && e->d_type == DT_DIR;
		init |= !strcmp(e->d_name, "1");
		meminfo |= !strcmp(e->d_name, "meminfo");
	}
	closedir(d);
	CHECK(self && mine && init && meminfo, "/proc lists self, meminfo, pid 1 and our pid");
}

static void check_system(void)
{
	CHECK(slurp("/proc/meminfo") > 0 && field("MemTotal") > 0 && field("MemFree") >= 0 &&
		      field("MemFree") <= field("MemTotal") && field("MemAvailable") >= 0 &&
		      field("SwapTotal") >= 0 && field("Cached") >= 0 && field("Buffers") >= 0,
	      "meminfo: MemTotal > 0, MemFree <= MemTotal, and the lines free reads");
	double up = -1, idle = -1;
	CHECK(slurp("/proc/uptime") > 0 && sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0 &&
		      idle >= 0,
	      "uptime: two numbers, up %.2f s", up);
	double l1, l5, l15;
	int run, total;
	CHECK(slurp("/proc/loadavg") > 0 &&
		      sscanf(text, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &run, &total) == 5 &&
		      total >= 1,
	      "loadavg: three loads and running/total");
	CHECK(slurp("/proc/stat") > 0 && !strncmp(text, "cpu ", 4) && strstr(text, "\ncpu0 "),
	      "stat starts with the cpu lines");
	/* btime: the boot's wall-clock second (ps's START column adds a start time to it). */
	const char *b = strstr(text, "\nbtime ");
	long btime = b ? atol(b + 7) : -1;
	long now = (long)time(NULL);
	CHECK(btime > 0 && btime + (long)up >= now - 5 && btime + (long)up <= now + 5,
	      "stat: btime %ld plus uptime %.0f s is now (%ld)", btime, up, now);
	CHECK(slurp("/proc/cpuinfo") > 0 && strstr(text, "processor") && strstr(text, "model name"),
	      "cpuinfo has processor and model name");
	CHECK(slurp("/proc/version") > 0 && strstr(text, "version"), "version");
	CHECK(slurp("/proc/mounts") > 0 && strstr(text, " / ") && strstr(text, " /proc proc "),
	      "mounts lists / and /proc");
}

static void check_gone(void)
{
	CHECK_ERR(open("/proc/999999/stat", O_RDONLY), ENOENT, "/proc/999999/stat is ENOENT");
	CHECK_ERR(open("/proc/0/stat", O_RDONLY), ENOENT, "/proc/0/stat is ENOENT");
	CHECK_ERR(open("/proc/self/nothing", O_RDONLY), ENOENT, "an unknown pid file is ENOENT");
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	CHECK(pid > 0 && waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "a child exits");
	char state = '?';
	if (slurp(path) > 0 && strrchr(text, ')'))
		sscanf(strrchr(text, ')') + 1, " %c", &state);
	CHECK(state == 'Z', "an unreaped child is a zombie (%c)", state);
	int dfd = open(path, O_RDONLY);
	t_wait(pid);
	CHECK_ERR(open(path, O_RDONLY), ENOENT, "once reaped, its stat is ENOENT");
	char c;
	if (dfd >= 0)
		(void)!read(dfd, &c, 1); /* Linux: ESRCH; Ferry: the text made at open. Never a crash. */
	close(dfd);

	pid = fork();
	if (pid == 0)
		for (;;)
			pause();
	int st;
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	state = '?';
	if (slurp(path) > 0 && strrchr(text, ')'))
		sscanf(strrchr(text, ')') + 1, " %c", &state);
	CHECK(state == 'T', "a stopped child is T in its stat (%c)", state);
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	CHECK(slurp(path) > 0 && strstr(text, "State:\tT (stopped)"), "and in its status");
	kill(pid, SIGKILL);
	t_wait(pid);
}

/* One write to /proc/sys/vm/drop_caches from offset 0 (O_TRUNC as a shell's >); its result. */
static long drop_caches(const char *what)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	long r = write(fd, what, strlen(what));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static void check_drop_caches(void)
{
	static const char *const bad[] = {"0", "x"}; /* not 5: Linux 6.18 takes it */
	if (t_on_linux()) {
		t_skip("not dropping the host's page cache");
	} else {
		sync();
		CHECK(drop_caches("3\n") == 2, "drop_caches takes 3");
		CHECK(drop_caches(" 1 ") == 3, "drop_caches takes 1");
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERR(drop_caches(bad[i]), EINVAL, "drop_caches refuses %s", bad[i]);
	CHECK_ERR(open("/proc/sys/vm/drop_caches", O_RDONLY), EACCES,
		  "drop_caches is write-only, even for root");
	struct stat st;
	CHECK(stat("/proc/sys/vm", &st) == 0 && S_ISDIR(st.st_mode), "/proc/sys/vm is a directory");
}

/* readlink of /proc/self/fd/fd, NUL-terminated in buf; its length or -1. */
static ssize_t fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, len - 1);
	buf[n < 0 ? 0 : n] = 0;
	return n;
}

/* Opening /proc/self/fd/N opens the file itself, a pipe included; /dev/stdout leads there. */
static void check_fd_open(void)
{
	int p[2];
	char path[64], buf[32] = {0};
	CHECK(pipe(p) == 0, "pipe");
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	int r = open(path, O_RDONLY);
	CHECK(r >= 0 && write(p[1], "through", 7) == 7 && read(r, buf, sizeof buf) == 7 &&
		      !memcmp(buf, "through", 7),
	      "open of /proc/self/fd/N of a pipe reads the pipe");
	close(r);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		int fd = open("/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		_exit(fd >= 0 && write(fd, "to stdout", 9) == 9 ? 0 : 1);
	}
	memset(buf, 0, sizeof buf);
	CHECK(read(p[0], buf, sizeof buf) == 9 && !strcmp(buf, "to stdout") && t_wait(pid) == 0,
	      "a shell's > /dev/stdout reaches the pipe on fd 1");
	close(p[0]);
	close(p[1]);
}

static void check_environ(void)
{
	/* Our own environment as exec gave it: NUL-separated strings. */
	setenv("FERRY_PROCFS_TEST", "yes", 1); /* only in our memory: environ shows the start's */
	long n = slurp("/proc/self/environ");
	int has_path = 0, has_set = 0;
	for (long i = 0; i < n; i += (long)strlen(text + i) + 1) {
		has_path |= !strncmp(text + i, "PATH=", 5);
		has_set |= !strncmp(text + i, "FERRY_PROCFS_TEST=", 18);
	}
	CHECK(n > 0 && has_path && !has_set, "/proc/self/environ holds the environment exec gave");
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"/bin/sleep", "1", NULL}, *envp[] = {"A=1", "B=two", NULL};
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	n = 0;
	for (int i = 0; i < 200 && (n = slurp(path)) != 10; i++)
		usleep(10000); /* until the exec has happened */
	CHECK(n == 10 && !memcmp(text, "A=1\0B=two\0", 10), "another process's environ (%ld bytes)",
	      n);
	kill(pid, SIGKILL);
	t_wait(pid);
}

static void check_fds(void)
{
	char buf[256], want[256];
	const char *dir = t_tmp("fddir");
	mkdir(dir, 0700);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0 && fd_link(dfd, buf, sizeof buf) > 0 && !strcmp(buf, dir),
	      "fd/N of a directory names it (%s)", buf);

	/* A relative path with . and .. in it is shown absolute and clean. */
	char cwd[200];
	CHECK(getcwd(cwd, sizeof cwd) && chdir(dir) == 0, "chdir");
	int f = open("./sub/../f", O_CREAT | O_RDWR, 0600);
	if (f < 0) { /* sub must exist for the .. to resolve */
		mkdir("sub", 0700);
		f = open("./sub/../f", O_CREAT | O_RDWR, 0600);
	}
	snprintf(want, sizeof want, "%s/f", dir);
	CHECK(f >= 0 && fd_link(f, buf, sizeof buf) > 0 && !strcmp(buf, want),
	      "fd/N of a file opened by a relative path (%s)", buf);
	(void)!chdir(cwd);

	int p[2];
	CHECK(pipe(p) == 0 && fd_link(p[0], buf, sizeof buf) > 0 && !strncmp(buf, "pipe:[", 6),
	      "fd/N of a pipe is pipe:[...] (%s)", buf);

	/* The listing has our descriptors and no others. */
	DIR *d = opendir("/proc/self/fd");
	int seen = 0, bogus = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int n = atoi(e->d_name);
		if (n == f || n == p[0] || n == p[1] || n == dfd)
			seen++;
		else if (fcntl(n, F_GETFD) < 0 && n != dirfd(d))
			bogus++;
	}
	if (d)
		closedir(d);
	CHECK(seen == 4 && !bogus, "/proc/self/fd lists the open descriptors (%d of 4, %d closed)",
	      seen, bogus);
	int fd = f;
	close(f);
	CHECK(fd_link(fd, buf, sizeof buf) < 0 && errno == ENOENT, "a closed descriptor is ENOENT");
	CHECK(write(p[1], "x", 1) == 1, "pipe still works");
	close(p[0]);
	close(p[1]);
	close(dfd);
	snprintf(want, sizeof want, "%s/f", dir);
	unlink(want);
	snprintf(want, sizeof want, "%s/sub", dir);
	rmdir(want);
	rmdir(dir);
}

static int parked_tid;

/* Blocks reading the pipe *arg until the test writes to it. */
static void *parked(void *arg)
{
	char c;
	__atomic_store_n(&parked_tid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	read(*(int *)arg, &c, 1);
	return NULL;
}

/* /proc/<pid>/task: one directory per thread, each with its own stat, status and comm. */
static void check_tasks(void)
{
	pthread_t t;
	int go[2];
	pipe(go);
	pthread_create(&t, NULL, parked, &go[0]);
	int tid;
	while (!(tid = __atomic_load_n(&parked_tid, __ATOMIC_ACQUIRE)))
		sched_yield();
	int pid = (int)getpid();
	DIR *d = opendir("/proc/self/task");
	int n = 0, leader = 0, other = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		leader |= atoi(e->d_name) == pid && e->d_type == DT_DIR;
		other |= atoi(e->d_name) == tid;
	}
	if (d)
		closedir(d);
	CHECK(n == 2 && leader && other, "/proc/self/task lists both threads (%d entries)", n);
	char path[80];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
	/* Asleep in its read, once it gets there (a bounded wait, not a measure of speed). */
	for (int i = 0; i < 2000 && !(slurp(path) > 0 && strstr(text, ") S ")); i++)
		usleep(10000);
	CHECK(atoi(text) == tid && strstr(text, ") S "), "the thread's stat names it, asleep: %.30s",
	      text);
	snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
	CHECK(slurp(path) > 0 && field("Pid") == tid && field("Tgid") == pid,
	      "its status: Pid is the thread, Tgid the process");
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", pid);
	char comm[32];
	CHECK(slurp(path) > 0 && strlen(text) > 1 && text[strlen(text) - 1] == '\n',
	      "the leader's comm: one line");
	snprintf(comm, sizeof comm, "%s", text);
	CHECK(slurp("/proc/self/comm") > 0 && !strcmp(text, comm), "  the process's comm says the same");
	snprintf(path, sizeof path, "/proc/self/task/%d/..", tid);
	struct stat a, b;
	CHECK(stat(path, &a) == 0 && stat("/proc/self/task", &b) == 0 && a.st_ino == b.st_ino,
	      "a thread directory's .. is the task directory");
	write(go[1], "x", 1);
	pthread_join(t, NULL);
	close(go[0]);
	close(go[1]);
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	CHECK(access(path, F_OK) == -1 && errno == ENOENT, "the joined thread's directory is gone");
	snprintf(path, sizeof path, "/proc/self/task/%d", 1);
	CHECK(pid == 1 || (access(path, F_OK) == -1 && errno == ENOENT),
	      "another process's thread is not in our task directory");
	snprintf(path, sizeof path, "/proc/self/task/00%d", pid);
	CHECK(access(path, F_OK) == -1 && errno == ENOENT, "a tid with leading zeros: ENOENT");
}

int main(int argc, char **argv)
{
	char path[64];

	check_stat("/proc/self/stat");
	snprintf(path, sizeof path, "/proc/%d/stat", (int)getpid());
	check_stat(path);
	check_status(argv[0]);
	check_cmdline(argc, argv);
	check_maps();
	check_links();
	check_dir();
	check_system();
	check_gone();
	check_drop_caches();
	check_fds();
	check_environ();
	check_fd_open();
	check_tasks();
	return t_done();
}
