/*
 * files: the file calls on the RAM file system (/tmp if writable, else
 * the current directory): open flags, read/write/lseek with holes,
 * pread/pwrite, readv/writev, stat family, dup/dup2/dup3/fcntl, offsets
 * shared across dup and fork, getdents64 in small pieces, chdir/fchdir/
 * openat, umask, pipes, /dev/null, /dev/zero, and the usual errors.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>

#include "t.h"

static char dir[64], pa[128], pb[128], pc[128];

static int is(const char *buf, const char *want)
{
	return memcmp(buf, want, strlen(want)) == 0;
}

static void check_basic(void)
{
	char buf[64] = {0};
	int fd = open(pa, O_CREAT | O_EXCL | O_RDWR, 0644);

	if (!CHECK(fd >= 0, "create %s", pa))
		return;
	close(fd);
	CHECK(open(pa, O_RDWR) == fd, "open returns the lowest free descriptor");
	CHECK(write(fd, "hello, ", 7) == 7 && write(fd, "world\n", 6) == 6, "write twice");
	CHECK(lseek(fd, 0, SEEK_CUR) == 13, "the offset is 13");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek SEEK_SET 0");
	CHECK(read(fd, buf, sizeof buf) == 13 && is(buf, "hello, world\n"), "read it back");
	CHECK(read(fd, buf, sizeof buf) == 0, "read at end of file is 0");
	CHECK(lseek(fd, -6, SEEK_END) == 7 && read(fd, buf, 6) == 6 && is(buf, "world\n"),
	      "lseek SEEK_END -6 and read");
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL, "lseek before the start is EINVAL");

	CHECK(pwrite(fd, "HE", 2, 0) == 2 && lseek(fd, 0, SEEK_CUR) == 13,
	      "pwrite does not move the offset");
	memset(buf, 0, sizeof buf);
	CHECK(pread(fd, buf, 5, 0) == 5 && is(buf, "HEllo"), "pread sees pwrite's bytes");

	struct iovec w[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
	char r1[2], r2[3];
	struct iovec r[2] = {{r1, 2}, {r2, 3}};
	CHECK(writev(fd, w, 3) == 5, "writev three pieces");
	CHECK(pread(fd, buf, 5, 13) == 5 && is(buf, "abcde"), "they landed in order");
	CHECK(lseek(fd, 13, SEEK_SET) == 13 && readv(fd, r, 2) == 5 && is(r1, "ab") &&
		  is(r2, "cde"),
	      "readv reads them back into two buffers");

	CHECK(lseek(fd, 1 << 20, SEEK_SET) == 1 << 20 && write(fd, "!", 1) == 1,
	      "write 1 byte at 1 MiB");
	struct stat st, st2;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (1 << 20) + 1,
	      "fstat: a regular file of 1 MiB + 1 bytes");
	char hole[4096], zero[4096] = {0};
	memset(hole, 1, sizeof hole);
	CHECK(pread(fd, hole, sizeof hole, 8192) == sizeof hole && !memcmp(hole, zero, sizeof hole),
	      "the hole reads as zeros");
	CHECK(stat(pa, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == st.st_size,
	      "stat by path agrees with fstat");
	CHECK(lstat(pa, &st2) == 0 && st2.st_ino == st.st_ino, "lstat too");
	CHECK((st.st_mode & 0777) == 0644, "the mode is 0644 (umask 022)");
	CHECK(st.st_nlink >= 1, "st_nlink >= 1");
	close(fd);

	CHECK((fd = open(pa, O_WRONLY | O_APPEND)) >= 0, "open O_APPEND");
	lseek(fd, 0, SEEK_SET);
	CHECK(write(fd, "Z", 1) == 1 && lseek(fd, 0, SEEK_CUR) == (1 << 20) + 2,
	      "O_APPEND writes at the end whatever the offset");
	CHECK_ERR(read(fd, buf, 1), EBADF, "read on a write-only descriptor is EBADF");
	close(fd);
	CHECK((fd = open(pa, O_RDONLY)) >= 0, "open read-only");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write on a read-only descriptor is EBADF");
	close(fd);
	CHECK_ERR(close(fd), EBADF, "closing twice is EBADF");
	CHECK_ERR(read(fd, buf, 1), EBADF, "read on a closed descriptor is EBADF");
	CHECK((fd = open(pa, O_RDWR | O_TRUNC)) >= 0 && fstat(fd, &st) == 0 && st.st_size == 0,
	      "O_TRUNC empties the file");
	close(fd);
}

static void check_errors(void)
{
	char path[160];

	CHECK_ERR(open(pa, O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST,
		  "O_EXCL on an existing file is EEXIST");
	CHECK_ERR(open("/nonexistent-ferry", O_RDONLY), ENOENT, "opening a missing file is ENOENT");
	CHECK_ERR(open(dir, O_WRONLY), EISDIR, "opening a directory for writing is EISDIR");
	CHECK_ERR(open(pa, O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file is ENOTDIR");
	snprintf(path, sizeof path, "%s/x", pa);
	CHECK_ERR(open(path, O_RDONLY), ENOTDIR, "a file used as a directory is ENOTDIR");
	CHECK(access(pa, R_OK | W_OK) == 0, "access R_OK|W_OK on our file");
	CHECK_ERR(access("/nonexistent-ferry", F_OK), ENOENT, "access of a missing file is ENOENT");
}

static void check_dup(void)
{
	int fd = open(pb, O_CREAT | O_RDWR | O_TRUNC, 0644);
	int d = dup(fd);

	CHECK(fd >= 0 && d > fd, "dup returns a new descriptor");
	CHECK(write(fd, "12345", 5) == 5 && lseek(d, 0, SEEK_CUR) == 5, "dup shares the offset");
	CHECK(dup2(fd, 40) == 40 && lseek(40, 1, SEEK_SET) == 1 && lseek(fd, 0, SEEK_CUR) == 1,
	      "dup2 onto 40 shares it too");
	CHECK(dup2(fd, fd) == fd, "dup2 onto itself returns it");
	CHECK(dup3(fd, 41, O_CLOEXEC) == 41 && fcntl(41, F_GETFD) == FD_CLOEXEC,
	      "dup3 with O_CLOEXEC sets FD_CLOEXEC");
	CHECK_ERR(dup3(fd, fd, 0), EINVAL, "dup3 onto itself is EINVAL");
	CHECK(fcntl(fd, F_GETFD) == 0, "the original has no FD_CLOEXEC");
	CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC,
	      "F_SETFD sets FD_CLOEXEC");
	int h = fcntl(fd, F_DUPFD, 50);
	CHECK(h >= 50, "F_DUPFD 50 gives at least 50 (%d)", h);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL says O_RDWR");
	CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(d, F_GETFL) & O_APPEND),
	      "F_SETFL O_APPEND, seen through the dup (status flags are shared)");
	CHECK_ERR(dup(999), EBADF, "dup of a closed descriptor is EBADF");

	lseek(fd, 0, SEEK_SET);
	pid_t pid = fork();
	if (pid == 0)
		_exit(write(d, "abc", 3) == 3 ? 0 : 1);
	t_wait(pid);
	CHECK(lseek(fd, 0, SEEK_CUR) == 8, "a forked child's write moves the parent's offset");
	close(fd), close(d), close(40), close(41), close(h);
}

/* A getdents64 record; musl's struct dirent has a fixed 256-byte name. */
struct d64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Read a directory through getdents64 with a tiny buffer (many calls). */
static void check_getdents(void)
{
	char buf[96] __attribute__((aligned(8)));
	int found = 0, dots = 0, types = 1, calls = 0;
	int fd = open(pc, O_CREAT | O_RDWR, 0644);
	close(fd);

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (!CHECK(fd >= 0, "open %s as a directory", dir))
		return;
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, 8), EINVAL, "getdents64 into 8 bytes is EINVAL");
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0 && calls++ < 100000) {
		for (long off = 0; off < n;) {
			struct d64 *de = (struct d64 *)(buf + off);
			const char *base = strrchr(pa, '/') + 1;
			size_t len = strlen(base) - 1; /* pa, pb, pc differ in the last char */
			if (!strncmp(de->name, base, len) && strlen(de->name) == len + 1) {
				found++;
				types &= de->type == DT_REG;
			}
			dots += !strcmp(de->name, ".") || !strcmp(de->name, "..");
			off += de->reclen;
		}
	}
	CHECK(n == 0, "getdents64 ends with 0");
	CHECK(found == 3 && types, "it lists our 3 files as DT_REG (found %d)", found);
	CHECK(dots == 2, "and . and ..");
	CHECK(calls > 1, "in %d calls of %zu bytes", calls, sizeof buf);
	close(fd);

	char cwd[256];
	int here = open(".", O_RDONLY | O_DIRECTORY);
	struct stat a, b;
	int ok = chdir(dir) == 0 && getcwd(cwd, sizeof cwd) && stat(".", &a) == 0 &&
		 stat(dir, &b) == 0 && a.st_ino == b.st_ino;
	CHECK(ok, "chdir %s; getcwd says %s", dir, ok ? cwd : "?");
	CHECK(stat(strrchr(pa, '/') + 1, &a) == 0 && stat(pa, &b) == 0 && a.st_ino == b.st_ino,
	      "a relative path resolves in the new cwd");
	CHECK(fchdir(here) == 0, "fchdir back");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, strrchr(pa, '/') + 1, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && a.st_ino == b.st_ino, "openat relative to a dir fd");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "open with O_CLOEXEC sets FD_CLOEXEC");
	close(fd), close(dfd), close(here);
}

static void check_devices(void)
{
	char buf[4096];
	struct stat st;
	int fd = open("/dev/null", O_RDWR);

	CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 0, "/dev/null reads end of file");
	CHECK(write(fd, "gone", 4) == 4, "/dev/null swallows writes");
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is a character device");
	struct termios tio;
	CHECK_ERR(tcgetattr(fd, &tio), ENOTTY, "TCGETS on /dev/null is ENOTTY");
	close(fd);

	memset(buf, 0xff, sizeof buf);
	fd = open("/dev/zero", O_RDONLY);
	int zero = fd >= 0 && read(fd, buf, sizeof buf) == sizeof buf;
	for (size_t i = 0; i < sizeof buf; i++)
		zero &= buf[i] == 0;
	CHECK(zero, "/dev/zero fills a page with zeros");
	close(fd);
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "/ is a directory");

	fd = open(pa, O_RDONLY);
	CHECK_ERR(tcgetattr(fd, &tio), ENOTTY, "TCGETS on a regular file is ENOTTY");
	close(fd);

	char exe[256] = {0};
	struct stat a, b;
	int ok = readlink("/proc/self/exe", exe, sizeof exe - 1) > 0 && stat(exe, &a) == 0 &&
		 stat(t_self(), &b) == 0 && a.st_ino == b.st_ino;
	CHECK(ok, "readlink /proc/self/exe names this program (%s)", exe);
}

static void check_pipe(void)
{
	int fd[2];
	char buf[8192];
	struct stat st;

	if (!CHECK(pipe(fd) == 0, "pipe"))
		return;
	CHECK(fstat(fd[0], &st) == 0 && S_ISFIFO(st.st_mode), "a pipe is a FIFO");
	CHECK(write(fd[1], "ping", 4) == 4 && read(fd[0], buf, sizeof buf) == 4 && is(buf, "ping"),
	      "what goes in comes out");
	close(fd[1]);
	CHECK(read(fd[0], buf, sizeof buf) == 0, "with the write end closed, read is EOF");
	close(fd[0]);

	signal(SIGPIPE, SIG_IGN);
	if (pipe(fd))
		return;
	close(fd[0]);
	CHECK_ERR(write(fd[1], "x", 1), EPIPE, "writing with no reader is EPIPE");
	close(fd[1]);
	signal(SIGPIPE, SIG_DFL);

	if (pipe2(fd, O_NONBLOCK))
		return;
	CHECK_ERR(read(fd[0], buf, 1), EAGAIN, "an empty O_NONBLOCK pipe gives EAGAIN");
	memset(buf, 'p', sizeof buf);
	CHECK(write(fd[1], buf, 4096) == 4096, "a pipe holds at least 4096 bytes");
	close(fd[0]), close(fd[1]);
}

static void check_large(void)
{
	static unsigned char big[1 << 20], back[1 << 20];
	int fd = open(pb, O_RDWR | O_TRUNC);
	int ok = fd >= 0;

	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 31 + (i >> 12));
	for (size_t off = 0; ok && off < sizeof big; off += 65536)
		ok = write(fd, big + off, 65536) == 65536;
	CHECK(ok, "write 1 MiB in 64 KiB pieces");
	lseek(fd, 0, SEEK_SET);
	size_t got = 0;
	ssize_t n;
	while (got < sizeof back && (n = read(fd, back + got, 4000)) > 0)
		got += (size_t)n;
	CHECK(got == sizeof big && !memcmp(big, back, sizeof big),
	      "read it back in 4000-byte pieces, the same bytes");
	close(fd);
}

static void check_umask(void)
{
	struct stat st;
	mode_t old = umask(027);

	CHECK(umask(027) == 027, "umask returns the previous mask");
	int fd = open(pc, O_RDWR | O_CREAT | O_EXCL, 0666);
	if (fd < 0) { /* it exists from getdents; make it anew */
		unlink(pc);
		fd = open(pc, O_RDWR | O_CREAT | O_EXCL, 0666);
	}
	int ok = fd >= 0 && fstat(fd, &st) == 0;
	CHECK(ok && (st.st_mode & 0777) == 0640, "a file created 0666 under umask 027 is 0640 (%o)",
	      ok ? (unsigned)(st.st_mode & 0777) : 0);
	close(fd);
	umask(old);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", access("/tmp", W_OK) == 0 ? "/tmp" : ".");
	snprintf(pa, sizeof pa, "%s/ferry-files-%d-a", dir, (int)getpid());
	snprintf(pb, sizeof pb, "%s/ferry-files-%d-b", dir, (int)getpid());
	snprintf(pc, sizeof pc, "%s/ferry-files-%d-c", dir, (int)getpid());
	umask(022);

	check_basic();
	check_errors();
	check_dup();
	check_getdents();
	check_devices();
	check_pipe();
	check_large();
	check_umask();
	/* unlink is not among the calls tested here; ignore its result. */
	unlink(pa), unlink(pb), unlink(pc);
	return t_done();
}
