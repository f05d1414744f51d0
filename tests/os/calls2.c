/*
 * calls2: newer calls the C libraries use first: clone3 (and clone's
 * CLONE_PIDFD, CLONE_PARENT, exit signal), pidfds (pidfd_open, poll,
 * pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD)), execveat and
 * fexecve, openat2 with RESOLVE_*, faccessat2, fchmodat2, statx,
 * name_to_handle_at, memfd_create with seals, kcmp; and their bad input.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "t.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#define P_PIDFD 3

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* struct statx (linux/stat.h): this musl has no statx() */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct kstatx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
#define STATX_BASIC_STATS 0x7ffU
#define STATX_SIZE 0x200U
#define STATX_MTIME 0x40U
#define STATX_ATTR_MOUNT_ROOT 0x2000
#define statx(d, p, f, m, b) syscall(SYS_statx, d, p, f, m, b)

struct open_how {
	uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10

static long clone3(struct clone_args *a, size_t size)
{
	return syscall(SYS_clone3, a, size);
}

static void check_clone3(void)
{
	int pidfd = -1;
	struct clone_args a = {.flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD};
	long pid = clone3(&a, 64);
	if (pid == 0)
		_exit(42);
	CHECK(pid > 0 && pidfd >= 0, "clone3 with CLONE_PIDFD: a child and a pidfd (%ld, %d)", pid, pidfd);
	CHECK(fcntl(pidfd, F_GETFD) == FD_CLOEXEC, "  the pidfd is close-on-exec");
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	CHECK(poll(&p, 1, 30000) == 1 && (p.revents & POLLIN), "  poll says POLLIN once the child has exited");
	siginfo_t si = {0};
	CHECK(syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL) == 0 && si.si_pid == pid && si.si_status == 42,
	      "waitid(P_PIDFD) reaps it with its status");
	close(pidfd);

	a = (struct clone_args){.exit_signal = SIGCHLD};
	CHECK_ERR(clone3(&a, 32), EINVAL, "clone3 with a size below 64: EINVAL");
	CHECK_ERR(clone3(&a, 8192), E2BIG, "clone3 with a size past a page: E2BIG");
	char big[128] = {0};
	memcpy(big, &a, sizeof a);
	big[100] = 1;
	CHECK_ERR(clone3((struct clone_args *)big, sizeof big), E2BIG, "clone3 with unknown non-zero fields: E2BIG");
	a.flags = SIGCHLD;
	CHECK_ERR(clone3(&a, 64), EINVAL, "a signal among clone3's flags: EINVAL");
	a = (struct clone_args){.exit_signal = 100};
	CHECK_ERR(clone3(&a, 64), EINVAL, "exit signal 100: EINVAL");
	a = (struct clone_args){.flags = CLONE_THREAD, .exit_signal = SIGCHLD};
	CHECK_ERR(clone3(&a, 64), EINVAL, "CLONE_THREAD without CLONE_SIGHAND: EINVAL");
	a = (struct clone_args){.stack = 4096, .exit_signal = SIGCHLD};
	CHECK_ERR(clone3(&a, 64), EINVAL, "a stack without a size: EINVAL");
	CHECK_ERR(clone3((struct clone_args *)8, 64), EFAULT, "clone3 of a bad pointer: EFAULT");

	/* An exit signal other than SIGCHLD reaches the parent. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	a = (struct clone_args){.exit_signal = SIGUSR1};
	pid = clone3(&a, 64);
	if (pid == 0)
		_exit(0);
	struct timespec w = {30, 0};
	CHECK(sigtimedwait(&s, &si, &w) == SIGUSR1 && si.si_pid == pid, "clone3's exit_signal SIGUSR1 comes at the child's end");
	waitpid((pid_t)pid, NULL, __WALL);
	sigprocmask(SIG_UNBLOCK, &s, NULL);

	/* clone with CLONE_PIDFD puts the pidfd where parent_tid points. */
	pidfd = -1;
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, NULL);
	if (pid == 0)
		_exit(0);
	CHECK(pid > 0 && pidfd >= 0, "clone(CLONE_PIDFD)");
	t_wait((pid_t)pid);
	close(pidfd);
	CHECK_ERR(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, NULL, &pidfd, NULL, NULL), EINVAL,
		  "clone with CLONE_PIDFD and CLONE_PARENT_SETTID: EINVAL");
}

static void check_pidfd(void)
{
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	int fd = (int)syscall(SYS_pidfd_open, c, 0);
	CHECK(fd >= 0, "pidfd_open of a child");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) == 0, "  not readable while it runs");
	int pipefd[2];
	pipe(pipefd);
	int got = (int)syscall(SYS_pidfd_getfd, fd, 0, 0);
	CHECK(got >= 0 && fcntl(got, F_GETFD) == FD_CLOEXEC, "pidfd_getfd takes a copy of the child's descriptor 0");
	close(got);
	CHECK_ERR(syscall(SYS_pidfd_getfd, fd, 999, 0), EBADF, "pidfd_getfd of a descriptor it has not: EBADF");
	CHECK(syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0, "pidfd_send_signal(SIGKILL)");
	int st = t_wait(c);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "  the child died of it");
	CHECK_ERR(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0), ESRCH, "signalling a reaped process: ESRCH");
	CHECK_ERR(syscall(SYS_pidfd_send_signal, pipefd[0], SIGTERM, NULL, 0), EBADF, "a pipe is no pidfd: EBADF");
	CHECK_ERR(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0x10000), EINVAL, "pidfd_send_signal with flags: EINVAL");
	close(fd);
	CHECK_ERR(syscall(SYS_pidfd_open, 0x3ffffff0, 0), ESRCH, "pidfd_open of a missing pid: ESRCH");
	CHECK_ERR(syscall(SYS_pidfd_open, -1, 0), EINVAL, "pidfd_open of pid -1: EINVAL");
	CHECK_ERR(syscall(SYS_pidfd_open, getpid(), 1), EINVAL, "pidfd_open with unknown flags: EINVAL");
	close(pipefd[0]);
	close(pipefd[1]);
}

static void check_execveat(const char *self)
{
	pid_t c = fork();
	if (c == 0) {
		int fd = open(self, O_RDONLY);
		char *argv[] = {"calls2", "--exit", "7", NULL};
		syscall(SYS_execveat, fd, "", argv, NULL, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	CHECK_EXITED(t_wait(c), 7, "execveat(fd, \"\", AT_EMPTY_PATH) runs the open file");
	c = fork();
	if (c == 0) {
		char dir[256];
		snprintf(dir, sizeof dir, "%s", self);
		char *slash = strrchr(dir, '/');
		*slash = 0;
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		char *argv[] = {"calls2", "--exit", "8", NULL};
		syscall(SYS_execveat, dfd, slash + 1, argv, NULL, 0);
		_exit(100 + errno);
	}
	CHECK_EXITED(t_wait(c), 8, "execveat(dirfd, name) runs a file relative to a directory");
	c = fork();
	if (c == 0) {
		int fd = open(self, O_RDONLY);
		char *argv[] = {"calls2", "--exit", "9", NULL};
		fexecve(fd, argv, (char *[]){NULL});
		_exit(100 + errno);
	}
	CHECK_EXITED(t_wait(c), 9, "fexecve");
	char *argv[] = {"x", NULL};
	CHECK_ERR(syscall(SYS_execveat, AT_FDCWD, "", argv, NULL, 0), ENOENT, "execveat of \"\" without AT_EMPTY_PATH: ENOENT");
	CHECK_ERR(syscall(SYS_execveat, AT_FDCWD, self, argv, NULL, 0x8000), EINVAL, "execveat with unknown flags: EINVAL");
	CHECK_ERR(syscall(SYS_execveat, 999, "x", argv, NULL, 0), EBADF, "execveat from a bad dirfd: EBADF");
	const char *link = t_tmp("execveat-link");
	symlink(self, link);
	CHECK_ERR(syscall(SYS_execveat, AT_FDCWD, link, argv, NULL, AT_SYMLINK_NOFOLLOW), ELOOP,
		  "execveat of a symlink with AT_SYMLINK_NOFOLLOW: ELOOP");
	unlink(link);
}

static void check_openat2(void)
{
	const char *base = t_tmp("openat2");
	mkdir(base, 0700);
	char path[256];
	snprintf(path, sizeof path, "%s/sub", base);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sub/file", base);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof path, "%s/link", base);
	symlink("sub/file", path);
	snprintf(path, sizeof path, "%s/abslink", base);
	symlink("/", path);
	int dfd = open(base, O_RDONLY | O_DIRECTORY);
	struct open_how how = {.flags = O_RDONLY};
	int fd = (int)syscall(SYS_openat2, dfd, "sub/file", &how, sizeof how);
	CHECK(fd >= 0, "openat2 of a relative path");
	close(fd);
	how.resolve = RESOLVE_NO_SYMLINKS;
	CHECK_ERR(syscall(SYS_openat2, dfd, "link", &how, sizeof how), ELOOP, "RESOLVE_NO_SYMLINKS through a symlink: ELOOP");
	how.resolve = RESOLVE_BENEATH;
	CHECK(syscall(SYS_openat2, dfd, "link", &how, sizeof how) >= 0, "RESOLVE_BENEATH allows a link that stays below");
	CHECK_ERR(syscall(SYS_openat2, dfd, "../", &how, sizeof how), EXDEV, "RESOLVE_BENEATH with '..' above the start: EXDEV");
	CHECK_ERR(syscall(SYS_openat2, dfd, "/", &how, sizeof how), EXDEV, "RESOLVE_BENEATH with an absolute path: EXDEV");
	CHECK_ERR(syscall(SYS_openat2, dfd, "abslink", &how, sizeof how), EXDEV, "RESOLVE_BENEATH through a link to /: EXDEV");
	CHECK(syscall(SYS_openat2, dfd, "sub/../sub/file", &how, sizeof how) >= 0, "  but '..' that stays below is fine");
	how.resolve = RESOLVE_IN_ROOT;
	fd = (int)syscall(SYS_openat2, dfd, "/sub/file", &how, sizeof how);
	CHECK(fd >= 0, "RESOLVE_IN_ROOT: '/' is the start directory");
	close(fd);
	how.resolve = RESOLVE_NO_MAGICLINKS;
	char self_fd[64];
	snprintf(self_fd, sizeof self_fd, "/proc/self/fd/%d", dfd);
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, self_fd, &how, sizeof how), ELOOP, "RESOLVE_NO_MAGICLINKS on /proc/self/fd/N: ELOOP");
	how.resolve = RESOLVE_NO_XDEV;
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "/proc/self", &how, sizeof how), EXDEV, "RESOLVE_NO_XDEV into /proc: EXDEV");
	how = (struct open_how){.flags = O_RDONLY, .resolve = 0x1000};
	CHECK_ERR(syscall(SYS_openat2, dfd, "sub", &how, sizeof how), EINVAL, "an unknown RESOLVE flag: EINVAL");
	how = (struct open_how){.flags = O_RDONLY, .mode = 0600};
	CHECK_ERR(syscall(SYS_openat2, dfd, "sub", &how, sizeof how), EINVAL, "a mode without O_CREAT: EINVAL");
	how = (struct open_how){.flags = 1UL << 40};
	CHECK_ERR(syscall(SYS_openat2, dfd, "sub", &how, sizeof how), EINVAL, "unknown open flags: EINVAL");
	how = (struct open_how){.flags = O_RDONLY};
	CHECK_ERR(syscall(SYS_openat2, dfd, "sub", &how, 16), EINVAL, "a size below open_how's: EINVAL");
	CHECK_ERR(syscall(SYS_openat2, dfd, "sub", (void *)8, sizeof how), EFAULT, "a bad open_how: EFAULT");
	how = (struct open_how){.flags = O_CREAT | O_WRONLY, .mode = 0640};
	snprintf(path, sizeof path, "%s/made", base);
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	CHECK(fd >= 0, "openat2 with O_CREAT and a mode");
	close(fd);

	/* faccessat2 and fchmodat2 with their flags. */
	CHECK(syscall(SYS_faccessat2, dfd, "sub/file", R_OK, AT_EACCESS) == 0, "faccessat2 with AT_EACCESS");
	CHECK_ERR(syscall(SYS_faccessat2, dfd, "sub/file", R_OK, 0x8000), EINVAL, "faccessat2 with unknown flags: EINVAL");
	CHECK(syscall(SYS_fchmodat2, dfd, "sub/file", 0640, 0) == 0, "fchmodat2");
	struct stat st;
	snprintf(path, sizeof path, "%s/sub/file", base);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640, "  the mode is 0640");
	long r = syscall(SYS_fchmodat2, dfd, "link", 0600, AT_SYMLINK_NOFOLLOW);
	CHECK(r == -1 && (errno == EOPNOTSUPP || errno == ENOSYS), "fchmodat2 of a symlink with AT_SYMLINK_NOFOLLOW: EOPNOTSUPP");
	CHECK_ERR(syscall(SYS_fchmodat2, dfd, "sub/file", 0600, 0x8000), EINVAL, "fchmodat2 with unknown flags: EINVAL");
	close(dfd);
}

static void check_statx(void)
{
	struct kstatx sx;
	memset(&sx, 0, sizeof sx);
	CHECK(statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &sx) == 0, "statx of /");
	CHECK((sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS && S_ISDIR(sx.stx_mode) && sx.stx_nlink >= 1,
	      "  the basic fields, a directory");
	CHECK((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT),
	      "  STATX_ATTR_MOUNT_ROOT is known and set");
	const char *f = t_tmp("statx");
	int fd = open(f, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	write(fd, "12345", 5);
	struct kstatx s2;
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE | STATX_MTIME, &s2) == 0 && s2.stx_size == 5 &&
		  !(s2.stx_attributes & STATX_ATTR_MOUNT_ROOT),
	      "statx(fd, \"\", AT_EMPTY_PATH): size 5, not a mount root");
	struct stat st;
	fstat(fd, &st);
	CHECK(s2.stx_mtime.tv_sec == st.st_mtim.tv_sec && s2.stx_mtime.tv_nsec == (uint32_t)st.st_mtim.tv_nsec,
	      "  times with nanoseconds, as stat gives them");
	CHECK(s2.stx_dev_major == major(st.st_dev) && s2.stx_dev_minor == minor(st.st_dev), "  dev's major and minor");
	close(fd);
	unlink(f);
	CHECK_ERR(statx(AT_FDCWD, "/", 0x10000, STATX_BASIC_STATS, &sx), EINVAL, "statx with unknown flags: EINVAL");
	CHECK_ERR(statx(AT_FDCWD, "/", 0, 0x80000000U, &sx), EINVAL, "statx with STATX__RESERVED: EINVAL");
	CHECK_ERR(statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, (struct kstatx *)8), EFAULT, "statx into a bad pointer: EFAULT");
	char handle[128];
	int mount_id;
	long r = syscall(SYS_name_to_handle_at, AT_FDCWD, "/nonexistent-ferry", handle, &mount_id, 0);
	CHECK(r == -1 && errno == ENOENT, "name_to_handle_at of a missing file: ENOENT");
	if (!t_on_linux()) {
		*(unsigned *)handle = 64;
		CHECK_ERR(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", handle, &mount_id, 0), EOPNOTSUPP,
			  "name_to_handle_at: EOPNOTSUPP (no file system offers handles)");
	}
}

static void check_memfd(void)
{
	int fd = memfd_create("ferry-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "memfd_create with MFD_CLOEXEC");
	CHECK(write(fd, "hello", 5) == 5 && ftruncate(fd, 8192) == 0, "  it takes writes and a size");
	char buf[8] = {0};
	CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0, "  and reads back");
	char link[64], target[128] = {0};
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	readlink(link, target, sizeof target - 1);
	CHECK(strcmp(target, "/memfd:ferry-test (deleted)") == 0, "  /proc/self/fd shows /memfd:NAME (deleted) (%s)", target);
	CHECK(fcntl(fd, F_GET_SEALS) == 0, "F_GET_SEALS: none yet");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0, "F_ADD_SEALS shrink and grow");
	CHECK_ERR(ftruncate(fd, 100), EPERM, "  a shrink: EPERM");
	CHECK_ERR(ftruncate(fd, 100000), EPERM, "  a growth: EPERM");
	CHECK_ERR(pwrite(fd, "x", 1, 8192), EPERM, "  a write past the end: EPERM");
	CHECK(pwrite(fd, "x", 1, 0) == 1, "  a write inside is fine");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL) == 0 && pwrite(fd, "y", 1, 0) == -1 && errno == EPERM,
	      "F_SEAL_WRITE: writes fail with EPERM");
	CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM, "F_SEAL_SEAL: no more seals (EPERM)");
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL), "F_GET_SEALS lists them");
	close(fd);
	fd = memfd_create("plain", 0);
	CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM, "without MFD_ALLOW_SEALING: EPERM");
	CHECK(fcntl(fd, F_GETFD) == 0, "  and without MFD_CLOEXEC it stays open across exec");
	close(fd);
	int tmp = open("/", O_RDONLY);
	CHECK_ERR(fcntl(tmp, F_GET_SEALS), EINVAL, "F_GET_SEALS of a directory: EINVAL");
	close(tmp);
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CHECK_ERR(memfd_create(longname, 0), EINVAL, "a name past 249 bytes: EINVAL");
	CHECK_ERR(memfd_create("x", 0x100), EINVAL, "unknown flags: EINVAL");
	CHECK_ERR(memfd_create((char *)8, 0), EFAULT, "a bad name pointer: EFAULT");
}

/* kcmp: one object is equal to itself; two differ, in an order both ways agree on. */
static void check_kcmp(void)
{
	enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS };
	pid_t me = getpid();
	CHECK(syscall(SYS_kcmp, me, me, KCMP_VM, 0, 0) == 0, "kcmp: our memory is our memory");
	int fd = open("/", O_RDONLY), same = dup(fd), other = open("/", O_RDONLY);
	CHECK(syscall(SYS_kcmp, me, me, KCMP_FILE, fd, same) == 0, "a dup'ed descriptor: the same file");
	long a = syscall(SYS_kcmp, me, me, KCMP_FILE, fd, other);
	long b = syscall(SYS_kcmp, me, me, KCMP_FILE, other, fd);
	CHECK((a == 1 && b == 2) || (a == 2 && b == 1), "two opens: two files, ordered (%ld, %ld)", a, b);
	int go[2];
	pipe(go);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(0);
	}
	a = syscall(SYS_kcmp, me, pid, KCMP_VM, 0, 0);
	b = syscall(SYS_kcmp, pid, me, KCMP_VM, 0, 0);
	CHECK((a == 1 && b == 2) || (a == 2 && b == 1), "a forked child's memory is its own (%ld, %ld)",
	      a, b);
	CHECK(syscall(SYS_kcmp, me, pid, KCMP_FILES, 0, 0) > 0, "  and so is its descriptor table");
	CHECK(syscall(SYS_kcmp, me, pid, KCMP_FILE, fd, fd) == 0,
	      "  but a descriptor it inherited is the same file");
	write(go[1], "x", 1);
	t_wait(pid);
	CHECK_ERR(syscall(SYS_kcmp, me, me, KCMP_FILE, fd, 4000), EBADF, "a closed descriptor: EBADF");
	CHECK_ERR(syscall(SYS_kcmp, me, me, 99, 0, 0), EINVAL, "an unknown type: EINVAL");
	CHECK_ERR(syscall(SYS_kcmp, me, 999999, KCMP_VM, 0, 0), ESRCH, "a missing process: ESRCH");
	close(fd);
	close(same);
	close(other);
	close(go[0]);
	close(go[1]);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--exit") == 0)
		return atoi(argv[2]);
	const char *self = t_self();
	check_clone3();
	check_pidfd();
	check_execveat(self);
	check_openat2();
	check_statx();
	check_memfd();
	check_kcmp();
	return t_done();
}
