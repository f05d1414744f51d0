/*
 * isolation: users kept apart, the threat model of a multi-user system.
 * A victim process runs as user 2000 with a private file, a secret in its
 * memory and its environment, open descriptors (a pipe, and on Ferry a
 * message channel) and a child. An attacker running as user 1000 tries
 * every way at them: the file, /proc/<pid>/mem, process_vm_readv and
 * writev, /proc/<pid>/environ, maps, exe and fd/N, kill and tgkill,
 * setpriority and sched_setaffinity; and the machine-wide powers: mount,
 * umount, reboot, setting the clock, the host name, chroot, device nodes,
 * a set-user-ID program from a nosuid mount. Each is refused, with
 * Linux's error; the same calls on the attacker's own child work.
 *
 * Messages need nothing of their own: a channel is reached only through
 * a descriptor, and another user's descriptors are out of reach
 * (/proc/<pid>/fd is refused), so the attacker cannot even name one.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

#include "tuser.h"
#include "uapi/ferry.h"

#define SECRET "the victim's secret"

static char secret[64] = SECRET;

/* What the victim tells: who it is and where its things are. */
struct victim {
	pid_t pid, child;
	unsigned long secret_addr;
	int pipe_fd, chan_fd;
	char file[160];
};

static struct victim v;
static char scratch[128];

/* The victim: user 2000, waits on stdin until the test ends. */
static void victim(int report, int done)
{
	if (t_become(T_UID2, T_GID2) < 0)
		_exit(96);
	struct victim me = {.pid = getpid(), .secret_addr = (unsigned long)secret, .chan_fd = -1};
	snprintf(me.file, sizeof me.file, "%s/private", scratch);
	int fd = open(me.file, O_CREAT | O_EXCL | O_WRONLY, 0600);
	(void)!write(fd, SECRET, sizeof SECRET);
	close(fd);
	int p[2];
	if (pipe(p) == 0)
		me.pipe_fd = p[0];
	setpgid(0, 0); /* a group of its own, for kill(-pid) */
	if (!t_on_linux()) {
		int c[2];
		if (syscall(SYS_chan_create, c) == 0)
			me.chan_fd = c[0];
	}
	me.child = fork();
	if (me.child == 0) {
		char ch;
		(void)!read(done, &ch, 1);
		_exit(0);
	}
	(void)!write(report, &me, sizeof me);
	char ch;
	(void)!read(done, &ch, 1);
	kill(me.child, SIGKILL);
	waitpid(me.child, NULL, 0);
	unlink(me.file);
	_exit(0);
}

static char path_buf[128];

static const char *proc(pid_t pid, const char *what)
{
	snprintf(path_buf, sizeof path_buf, "/proc/%d/%s", (int)pid, what);
	return path_buf;
}

/* The attacker's refusals, then the same calls on its own child. */
static void attacker(void *arg)
{
	/* Never go on with privilege: some calls below would act on this machine. */
	if (geteuid() == 0 || getuid() == 0 || t_caps(0, 0) != 0 || t_caps(0, 1) != 0) {
		CHECK(0, "the attacker has no privilege left");
		return;
	}
	char buf[64] = {0};
	struct iovec local = {buf, sizeof SECRET}, remote = {(void *)v.secret_addr, sizeof SECRET};

	/* Files. */
	CHECK_ERR(open(v.file, O_RDONLY), EACCES, "another user's 0600 file: reading EACCES");
	CHECK_ERR(open(v.file, O_WRONLY), EACCES, "writing EACCES");
	CHECK_ERR(unlink(v.file), EPERM, "removing it from the sticky scratch directory: EPERM");

	/* Memory. */
	CHECK_ERR(open(proc(v.pid, "mem"), O_RDONLY), EACCES, "/proc/<pid>/mem: EACCES");
	CHECK_ERR(process_vm_readv(v.pid, &local, 1, &remote, 1, 0), EPERM,
		  "process_vm_readv: EPERM");
	CHECK_ERR(process_vm_writev(v.pid, &local, 1, &remote, 1, 0), EPERM,
		  "process_vm_writev: EPERM");
	CHECK(strcmp(buf, SECRET) != 0, "the secret did not leak");

	/* Private /proc files and descriptors; public ones as on Linux. */
	CHECK_ERR(open(proc(v.pid, "environ"), O_RDONLY), EACCES, "/proc/<pid>/environ: EACCES");
	CHECK_ERR(open(proc(v.pid, "maps"), O_RDONLY), EACCES, "/proc/<pid>/maps: EACCES");
	CHECK_ERR(readlink(proc(v.pid, "exe"), buf, sizeof buf), EACCES, "/proc/<pid>/exe: EACCES");
	CHECK_ERR(open(proc(v.pid, "fd"), O_RDONLY | O_DIRECTORY), EACCES,
		  "listing /proc/<pid>/fd: EACCES");
	char fdname[16];
	snprintf(fdname, sizeof fdname, "fd/%d", v.pipe_fd);
	CHECK_ERR(open(proc(v.pid, fdname), O_RDONLY), EACCES,
		  "its pipe through /proc/<pid>/fd/N: EACCES");
	if (v.chan_fd >= 0) {
		snprintf(fdname, sizeof fdname, "fd/%d", v.chan_fd);
		CHECK_ERR(open(proc(v.pid, fdname), O_RDWR), EACCES,
			  "its message channel through /proc/<pid>/fd/N: EACCES");
	}
	int fd = open(proc(v.pid, "cmdline"), O_RDONLY);
	CHECK(fd >= 0, "/proc/<pid>/cmdline is public, as on Linux");
	close(fd);
	struct stat st = {0};
	int r = stat(proc(v.pid, ""), &st);
	CHECK(r == 0 && st.st_uid == T_UID2, "/proc/<pid> belongs to the victim's user (%u)",
	      (unsigned)st.st_uid);

	/* Signals and scheduling. */
	CHECK_ERR(kill(v.pid, SIGKILL), EPERM, "kill(SIGKILL): EPERM");
	CHECK_ERR(kill(v.pid, 0), EPERM, "kill(0) (a probe): EPERM");
	CHECK_ERR(syscall(SYS_tgkill, v.pid, v.pid, SIGTERM), EPERM, "tgkill: EPERM");
	CHECK_ERR(kill(-v.pid, SIGKILL), EPERM, "its process group: EPERM");
	CHECK_ERR(setpriority(PRIO_PROCESS, v.pid, 19), EPERM, "setpriority (renice): EPERM");
	CHECK_ERR(setpriority(PRIO_USER, T_UID2, 19), EPERM, "setpriority of its user: EPERM");
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	CHECK_ERR(sched_setaffinity(v.pid, sizeof one, &one), EPERM, "sched_setaffinity: EPERM");
	CHECK_ERR(setpriority(PRIO_PROCESS, 0, -5), EACCES,
		  "raising its own priority: EACCES (CAP_SYS_NICE)");

	/* The machine. */
	CHECK_ERR(mount("tmpfs", scratch, "tmpfs", 0, NULL), EPERM, "mount: EPERM");
	CHECK_ERR(umount("/tmp"), EPERM, "umount: EPERM");
	CHECK_ERR(reboot(RB_POWER_OFF), EPERM, "reboot: EPERM");
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	CHECK_ERR(clock_settime(CLOCK_REALTIME, &now), EPERM, "clock_settime: EPERM");
	struct timeval tv = {now.tv_sec, 0};
	CHECK_ERR(settimeofday(&tv, NULL), EPERM, "settimeofday: EPERM");
	if (sethostname("x", 1) < 0 && errno == ENOSYS && !t_on_linux())
		t_skip("sethostname: not on Ferry yet");
	else
		CHECK_ERR(sethostname("x", 1), EPERM, "sethostname: EPERM");
	CHECK_ERR(chroot("/"), EPERM, "chroot: EPERM");
	char dev[160];
	snprintf(dev, sizeof dev, "%s/mine/null", scratch);
	CHECK_ERR(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), EPERM, "mknod of a device: EPERM");
	CHECK_ERR(setuid(0), EPERM, "setuid(0): EPERM");
	if (t_on_linux())
		t_skip("settickets: Ferry's own call");
	else
		CHECK_ERR(syscall(SYS_settickets, 100000), EPERM,
			  "settickets above its share: EPERM (CAP_SYS_NICE)");

	/* Its own processes: all of it works. */
	pid_t own = fork();
	if (own == 0) {
		char c;
		(void)!read(0, &c, 1);
		pause();
		_exit(0);
	}
	remote.iov_base = secret;
	memset(buf, 0, sizeof buf);
	CHECK(process_vm_readv(own, &local, 1, &remote, 1, 0) == sizeof SECRET &&
		      !strcmp(buf, SECRET),
	      "process_vm_readv of its own child");
	fd = open(proc(own, "mem"), O_RDONLY);
	memset(buf, 0, sizeof buf);
	CHECK(fd >= 0 && pread(fd, buf, sizeof SECRET, (off_t)(unsigned long)secret) == sizeof SECRET &&
		      !strcmp(buf, SECRET),
	      "its child's /proc/<pid>/mem");
	close(fd);
	CHECK((fd = open(proc(own, "environ"), O_RDONLY)) >= 0, "its child's environ");
	close(fd);
	CHECK(setpriority(PRIO_PROCESS, own, 5) == 0, "renicing its child (down)");
	CHECK(kill(own, SIGKILL) == 0, "killing its child");
	waitpid(own, NULL, 0);
}

/* getpstat (Ferry's): every process listed, another user's memory layout not. */
static void attacker_pstat(void *arg)
{
	enum { CAP = 512 };
	static struct pstat_entry room[CAP + 1];
	struct pstat *ps = (struct pstat *)room;
	ps->cap = CAP;
	long n = syscall(SYS_getpstat, ps);
	int seen_victim = 0, named = 0, hidden = 1, mine_shown = 0;
	for (long i = 0; i < n; i++) {
		if (ps->ent[i].tgid == v.pid) {
			seen_victim = 1;
			named = ps->ent[i].name[0] != 0;
			hidden &= ps->ent[i].slot_base == 0;
		}
		if (ps->ent[i].tgid == getpid())
			mine_shown = ps->ent[i].slot_base != 0;
	}
	CHECK(seen_victim && named, "getpstat lists the victim, with its name");
	CHECK(hidden, "but not where its memory is (slot_base 0)");
	CHECK(mine_shown, "its own slot it sees");
}

int main(void)
{
	if (!t_need_root())
		return t_done();
	snprintf(scratch, sizeof scratch, "%s", t_tmp("isolation"));
	CHECK(mkdir(scratch, 01777) == 0 && chmod(scratch, 01777) == 0, "a sticky scratch directory");
	char mine[160];
	snprintf(mine, sizeof mine, "%s/mine", scratch);
	CHECK(mkdir(mine, 0755) == 0 && chown(mine, T_UID, T_GID) == 0, "with a directory of user 1000");
	int report[2], done[2];
	CHECK(pipe(report) == 0 && pipe(done) == 0, "pipes");
	pid_t vp = fork();
	if (vp == 0) {
		close(report[0]);
		close(done[1]);
		victim(report[1], done[0]);
	}
	close(report[1]);
	close(done[0]);
	CHECK(read(report[0], &v, sizeof v) == sizeof v && v.pid == vp, "the victim is ready");
	CHECK_EXITED(t_as(T_UID, T_GID, attacker, NULL), 0, "user 1000 cannot reach user 2000");
	if (t_on_linux())
		t_skip("getpstat: Ferry's own call");
	else
		CHECK_EXITED(t_as(T_UID, T_GID, attacker_pstat, NULL), 0, "getpstat's privacy");
	close(done[1]);
	CHECK_EXITED(t_wait(vp), 0, "the victim was not disturbed");
	rmdir(mine);
	rmdir(scratch);
	return t_done();
}
