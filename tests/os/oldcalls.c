/*
 * oldcalls: calls at both ends of the ABI's age that programs still make:
 * preadv2/pwritev2 with their per-call flags (RWF_APPEND, RWF_DSYNC,
 * RWF_SYNC, RWF_NOWAIT, RWF_HIPRI) and offset -1; the older getdents(2)
 * with its struct linux_dirent; utime(2) and futimesat(2); and
 * restart_syscall(2) called with nothing to restart; unshare(2) of what
 * a process may stop sharing, and setns(2) of a file that names no
 * namespace. Bad input gets Linux's errors.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sched.h>
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>

#include "t.h"

#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10

/* The raw calls: the C libraries' wrappers differ on offset -1 and flags. */
static long p2(int write, int fd, struct iovec *iov, int cnt, long off, long flags)
{
	return syscall(write ? SYS_pwritev2 : SYS_preadv2, fd, iov, cnt, off, 0L, flags);
}

static long rd2(int fd, char *buf, size_t n, long off, long flags)
{
	struct iovec v = {buf, n};
	return p2(0, fd, &v, 1, off, flags);
}

static long wr2(int fd, const char *s, long off, long flags)
{
	struct iovec v = {(void *)s, strlen(s)};
	return p2(1, fd, &v, 1, off, flags);
}

static void check_rw2(void)
{
	const char *path = t_tmp("oldcalls-rw2");
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	char buf[64] = {0};
	CHECK(wr2(fd, "hello", -1, 0) == 5 && lseek(fd, 0, SEEK_CUR) == 5,
	      "pwritev2 at offset -1 writes at the position and moves it");
	CHECK(wr2(fd, "HE", 0, 0) == 2 && lseek(fd, 0, SEEK_CUR) == 5,
	      "pwritev2 at offset 0 leaves the position");
	CHECK(wr2(fd, "!!", 1, RWF_APPEND) == 2 && pread(fd, buf, sizeof buf, 0) == 7 &&
		  !memcmp(buf, "HEllo!!", 7),
	      "RWF_APPEND: at the end, whatever the offset (%s)", buf);
	CHECK(lseek(fd, 0, SEEK_CUR) == 5, "  and an explicit offset still leaves the position");
	CHECK(wr2(fd, "#", -1, RWF_APPEND) == 1 && lseek(fd, 0, SEEK_CUR) == 8,
	      "RWF_APPEND at offset -1 moves the position to the new end");
	CHECK(wr2(fd, "d", 8, RWF_DSYNC) == 1 && wr2(fd, "s", 9, RWF_SYNC) == 1 &&
		  wr2(fd, "h", 10, RWF_HIPRI) == 1,
	      "RWF_DSYNC, RWF_SYNC and RWF_HIPRI writes");
	memset(buf, 0, sizeof buf);
	CHECK(rd2(fd, buf, 3, 8, 0) == 3 && !memcmp(buf, "dsh", 3), "  and their bytes are there");
	lseek(fd, 1, SEEK_SET);
	memset(buf, 0, sizeof buf);
	CHECK(rd2(fd, buf, 4, -1, 0) == 4 && !memcmp(buf, "Ello", 4) && lseek(fd, 0, SEEK_CUR) == 5,
	      "preadv2 at offset -1 reads at the position and moves it");
	CHECK(rd2(fd, buf, 4, 0, RWF_NOWAIT) == 4, "RWF_NOWAIT reads a cached file");
	char a[3] = {0}, b[4] = {0};
	struct iovec two[2] = {{a, 2}, {b, 3}};
	CHECK(p2(0, fd, two, 2, 0, 0) == 5 && !memcmp(a, "HE", 2) && !memcmp(b, "llo", 3),
	      "preadv2 of two segments");

	/* Bad input. */
	CHECK_ERR(rd2(fd, buf, 4, 0, 0x1000), EOPNOTSUPP, "an unknown flag: EOPNOTSUPP");
	CHECK(rd2(fd, buf, 4, 0, 1L << 40) == 4, "the flags are an int: bits past 32 are not looked at");
	CHECK(rd2(fd, buf, 0, 0, 0x1000) == 0, "nothing to move: 0, whatever the flags");
	CHECK_ERR(rd2(fd, buf, 4, -2, 0), EINVAL, "offset -2: EINVAL");
	CHECK_ERR(rd2(-1, buf, 4, 0, 0), EBADF, "a bad descriptor: EBADF");
	CHECK_ERR(rd2(fd, (char *)8, 4, 0, 0), EFAULT, "a bad buffer: EFAULT");
	int ro = open(path, O_RDONLY);
	CHECK_ERR(wr2(ro, "x", 0, 0), EBADF, "pwritev2 on a read-only descriptor: EBADF");
	close(ro);
	close(fd);
	unlink(path);

	/* RWF_NOWAIT on a pipe: what would wait is EAGAIN instead. */
	int p[2];
	pipe(p);
	CHECK_ERR(rd2(p[0], buf, 4, -1, RWF_NOWAIT), EAGAIN, "RWF_NOWAIT on an empty pipe: EAGAIN");
	CHECK(fcntl(p[0], F_GETFL) == O_RDONLY, "  the descriptor did not become non-blocking");
	write(p[1], "xyz", 3);
	memset(buf, 0, sizeof buf);
	CHECK(rd2(p[0], buf, sizeof buf, -1, RWF_NOWAIT) == 3 && !memcmp(buf, "xyz", 3),
	      "RWF_NOWAIT on a pipe with bytes: they come");
	CHECK_ERR(rd2(p[0], buf, 4, 0, 0), ESPIPE, "preadv2 at an offset on a pipe: ESPIPE");
	close(p[0]);
	close(p[1]);
}

/* getdents(2)'s record: d_ino, d_off, d_reclen, the name, a NUL, then d_type as the last byte. */
struct old_dirent {
	unsigned long d_ino;
	long d_off;
	unsigned short d_reclen;
	char d_name[];
};

static void check_getdents(void)
{
	const char *dir = t_tmp("oldcalls-dir");
	char path[256];
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/a-file", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0700);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	char buf[4096];
	long n = syscall(SYS_getdents, fd, buf, sizeof buf);
	int file = 0, sub = 0, dots = 0, aligned = 1;
	struct stat st;
	for (long off = 0; off < n;) {
		struct old_dirent *d = (struct old_dirent *)(buf + off);
		unsigned char type = (unsigned char)buf[off + d->d_reclen - 1];
		aligned &= d->d_reclen % 8 == 0;
		if (!strcmp(d->d_name, "a-file")) {
			snprintf(path, sizeof path, "%s/a-file", dir);
			file = type == DT_REG && stat(path, &st) == 0 && st.st_ino == d->d_ino;
		}
		sub |= !strcmp(d->d_name, "sub") && type == DT_DIR;
		dots += !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
		off += d->d_reclen;
	}
	CHECK(n > 0 && file && sub && dots == 2 && aligned,
	      "getdents: ., .., a file and a directory, with inode numbers and types (%ld bytes)", n);
	CHECK(syscall(SYS_getdents, fd, buf, sizeof buf) == 0, "  then 0 at the end");
	lseek(fd, 0, SEEK_SET);
	CHECK_ERR(syscall(SYS_getdents, fd, buf, 8), EINVAL, "a buffer too small for one: EINVAL");
	CHECK_ERR(syscall(SYS_getdents, fd, (char *)8, sizeof buf), EFAULT, "a bad buffer: EFAULT");
	CHECK_ERR(syscall(SYS_getdents, -1, buf, sizeof buf), EBADF, "a bad descriptor: EBADF");
	close(fd);
	int f = open(t_self(), O_RDONLY);
	CHECK_ERR(syscall(SYS_getdents, f, buf, sizeof buf), ENOTDIR, "a file: ENOTDIR");
	close(f);
	snprintf(path, sizeof path, "%s/a-file", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

static void check_utime(void)
{
	const char *path = t_tmp("oldcalls-utime");
	close(open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600));
	struct stat st;
	struct utimbuf ub = {.actime = 1000000000, .modtime = 1200000000};
	CHECK(syscall(SYS_utime, path, &ub) == 0 && stat(path, &st) == 0 &&
		  st.st_atime == 1000000000 && st.st_mtime == 1200000000 &&
		  st.st_mtim.tv_nsec == 0,
	      "utime sets both times, in whole seconds");
	time_t before = time(NULL);
	CHECK(syscall(SYS_utime, path, NULL) == 0 && stat(path, &st) == 0 &&
		  st.st_mtime >= before - 1,
	      "utime with NULL: now");
	CHECK_ERR(syscall(SYS_utime, t_tmp("oldcalls-none"), &ub), ENOENT, "utime of a missing file: ENOENT");
	CHECK_ERR(syscall(SYS_utime, path, (void *)8), EFAULT, "utime with a bad pointer: EFAULT");

	char dir[128];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	const char *name = strrchr(path, '/') + 1;
	struct timeval tv[2] = {{1300000000, 250000}, {1400000000, 500000}};
	CHECK(syscall(SYS_futimesat, dfd, name, tv) == 0 && stat(path, &st) == 0 &&
		  st.st_atime == 1300000000 && st.st_mtime == 1400000000 &&
		  st.st_mtim.tv_nsec == 500000000,
	      "futimesat: a name relative to a directory, microseconds kept");
	tv[0].tv_usec = 1000000;
	CHECK_ERR(syscall(SYS_futimesat, dfd, name, tv), EINVAL, "futimesat with 1000000 us: EINVAL");
	CHECK_ERR(syscall(SYS_futimesat, -5, name, NULL), EBADF, "futimesat from a bad descriptor: EBADF");
	close(dfd);
	unlink(path);
}

static void check_unshare(void)
{
	CHECK(unshare(0) == 0, "unshare(0)");
	CHECK(unshare(CLONE_FS | CLONE_SYSVSEM) == 0, "unshare(CLONE_FS | CLONE_SYSVSEM), one thread");
	CHECK(unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) == 0,
	      "unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) of a process of one thread");
	CHECK_ERR(unshare(1), EINVAL, "unshare of a flag it has no use for: EINVAL");
	/* A child that shares our descriptors (CLONE_FILES) takes its own, then closes one. */
	int p[2];
	pipe(p);
	int fd = dup(p[0]);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		int ok = unshare(CLONE_FILES) == 0 && close(fd) == 0;
		_exit(ok ? 0 : 1);
	}
	int st = t_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && fcntl(fd, F_GETFD) >= 0,
	      "unshare(CLONE_FILES) in a CLONE_FILES child: its close leaves ours open");
	close(fd);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(syscall(SYS_setns, -1, 0), EBADF, "setns of a bad descriptor: EBADF");
	int root = open("/", O_RDONLY);
	CHECK_ERR(syscall(SYS_setns, root, 0), EINVAL, "setns of a file that is no namespace: EINVAL");
	close(root);
	if (!t_on_linux()) {
		/* Ferry has no namespaces: refused, as by a Linux built without them. */
		errno = 0;
		long r = unshare(CLONE_NEWUTS);
		CHECK(r == -1 && errno == (geteuid() ? EPERM : EINVAL),
		      "unshare(CLONE_NEWUTS): EPERM, or EINVAL for root (no namespaces)");
	}
}

int main(void)
{
	check_unshare();
	check_rw2();
	check_getdents();
	check_utime();
	errno = 0;
	CHECK(syscall(SYS_restart_syscall) == -1 && errno == EINTR,
	      "restart_syscall with nothing to restart: EINTR");
	return t_done();
}
