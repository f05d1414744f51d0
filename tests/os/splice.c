/*
 * splice: moving bytes between files without user buffers: splice (pipe
 * to file, file to pipe, pipe to pipe, with and without offsets), tee,
 * vmsplice, copy_file_range, sendfile to a pipe; and the calls about a
 * file's space and caching: fallocate (tmpfs), fadvise64, readahead,
 * sync_file_range, syncfs; close_range; pipe sizes (F_GETPIPE_SZ,
 * F_SETPIPE_SZ). Bad input gets Linux's errors.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "t.h"

#ifndef SPLICE_F_NONBLOCK
#define SPLICE_F_NONBLOCK 2
#endif
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)

static long xsplice(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned fl)
{
	return syscall(SYS_splice, in, oin, out, oout, len, fl);
}

static int make_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	write(fd, text, strlen(text));
	return fd;
}

static void check_splice(void)
{
	const char *a = t_tmp("splice-a"), *b = t_tmp("splice-b");
	int fa = make_file(a, "hello, splice world");
	int p[2];
	pipe(p);
	loff_t off = 7;
	CHECK(xsplice(fa, &off, p[1], NULL, 6, 0) == 6 && off == 13, "splice file -> pipe at an offset: 6 bytes, offset moved to 13");
	CHECK(lseek(fa, 0, SEEK_CUR) == 19, "  the file's own position did not move");
	char buf[64] = {0};
	CHECK(read(p[0], buf, sizeof buf) == 6 && memcmp(buf, "splice", 6) == 0, "  the pipe holds 'splice'");
	lseek(fa, 0, SEEK_SET);
	CHECK(xsplice(fa, NULL, p[1], NULL, 5, 0) == 5 && lseek(fa, 0, SEEK_CUR) == 5, "splice from the file's position moves it");
	int fb = open(b, O_CREAT | O_TRUNC | O_RDWR, 0600);
	CHECK(xsplice(p[0], NULL, fb, NULL, 100, 0) == 5, "splice pipe -> file: the 5 bytes in the pipe");
	pread(fb, buf, sizeof buf, 0);
	CHECK(memcmp(buf, "hello", 5) == 0, "  the file holds them");
	write(p[1], "XYZ", 3);
	off = 100;
	CHECK(xsplice(p[0], NULL, fb, &off, 3, 0) == 3 && off == 103, "splice pipe -> file at an offset");
	struct stat st;
	fstat(fb, &st);
	CHECK(st.st_size == 103, "  the file grew to 103 bytes");

	int q[2];
	pipe(q);
	write(p[1], "pipe2pipe", 9);
	CHECK(xsplice(p[0], NULL, q[1], NULL, 64, 0) == 9, "splice pipe -> pipe");
	CHECK(read(q[0], buf, sizeof buf) == 9 && memcmp(buf, "pipe2pipe", 9) == 0, "  the bytes arrive whole");
	int null = open("/dev/null", O_WRONLY);
	write(p[1], "discard", 7);
	CHECK(xsplice(p[0], NULL, null, NULL, 64, 0) == 7, "splice pipe -> /dev/null (what grep does with its input)");
	CHECK_ERR(xsplice(p[0], NULL, null, NULL, 64, SPLICE_F_NONBLOCK), EAGAIN, "an empty pipe with SPLICE_F_NONBLOCK: EAGAIN");
	close(p[1]);
	CHECK(xsplice(p[0], NULL, null, NULL, 64, 0) == 0, "an empty pipe with no writer: 0 (end of file)");
	close(p[0]);
	pipe(p);

	CHECK_ERR(xsplice(fa, NULL, fb, NULL, 4, 0), EINVAL, "neither end a pipe: EINVAL");
	off = 0;
	CHECK_ERR(xsplice(p[0], &off, fb, NULL, 4, 0), ESPIPE, "an offset for the pipe end: ESPIPE");
	CHECK_ERR(xsplice(p[0], NULL, fb, NULL, 4, 0x100), EINVAL, "unknown flags: EINVAL");
	CHECK_ERR(xsplice(-1, NULL, p[1], NULL, 4, 0), EBADF, "a bad descriptor: EBADF");
	CHECK_ERR(xsplice(fa, (loff_t *)8, p[1], NULL, 4, 0), EFAULT, "a bad offset pointer: EFAULT");
	off = -1;
	CHECK_ERR(xsplice(fa, &off, p[1], NULL, 4, 0), EINVAL, "a negative offset: EINVAL");
	CHECK_ERR(xsplice(p[1], NULL, fb, NULL, 4, 0), EBADF, "splice from a pipe's write end: EBADF");
	int ap = open(b, O_WRONLY | O_APPEND);
	write(p[1], "x", 1);
	CHECK_ERR(xsplice(p[0], NULL, ap, NULL, 1, 0), EINVAL, "splice into an O_APPEND file: EINVAL");
	close(ap);

	/* tee: the bytes stay in the first pipe. */
	write(p[1], "tee!", 4);
	CHECK(syscall(SYS_tee, p[0], q[1], 100, 0) == 5, "tee copies what is in the pipe (5 bytes)");
	CHECK(read(q[0], buf, 5) == 5 && memcmp(buf, "xtee!", 5) == 0, "  into the second pipe");
	CHECK(read(p[0], buf, 5) == 5 && memcmp(buf, "xtee!", 5) == 0, "  and leaves them in the first");
	CHECK_ERR(syscall(SYS_tee, p[0], p[1], 10, 0), EINVAL, "tee of a pipe into itself: EINVAL");
	CHECK_ERR(syscall(SYS_tee, fa, q[1], 10, 0), EINVAL, "tee from a file: EINVAL");
	CHECK_ERR(syscall(SYS_tee, p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN, "tee from an empty pipe, non-blocking: EAGAIN");

	/* vmsplice: user memory into the write end, out of the read end. */
	struct iovec iov[2] = {{"vm", 2}, {"splice", 6}};
	CHECK(syscall(SYS_vmsplice, p[1], iov, 2, 0) == 8, "vmsplice of two segments into a pipe");
	char v1[3] = {0}, v2[6] = {0};
	struct iovec out[2] = {{v1, 3}, {v2, 5}};
	CHECK(syscall(SYS_vmsplice, p[0], out, 2, 0) == 8 && memcmp(v1, "vms", 3) == 0 && memcmp(v2, "plice", 5) == 0,
	      "vmsplice out of the read end");
	CHECK_ERR(syscall(SYS_vmsplice, fa, iov, 1, 0), EBADF, "vmsplice on a file: EBADF");
	CHECK_ERR(syscall(SYS_vmsplice, p[1], iov, 1, 0x100), EINVAL, "vmsplice with unknown flags: EINVAL");
	CHECK_ERR(syscall(SYS_vmsplice, p[1], (void *)8, 1, 0), EFAULT, "vmsplice of a bad iovec: EFAULT");

	/* sendfile into a pipe, and a bigger transfer through splice in both directions. */
	lseek(fa, 0, SEEK_SET);
	CHECK(sendfile(p[1], fa, NULL, 5) == 5 && read(p[0], buf, 5) == 5 && memcmp(buf, "hello", 5) == 0,
	      "sendfile from a file into a pipe");
	static char big[200000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	ftruncate(fa, 0);
	pwrite(fa, big, sizeof big, 0);
	ftruncate(fb, 0);
	size_t moved = 0;
	loff_t in_off = 0, out_off = 0;
	int ok = 1;
	while (moved < sizeof big && ok) {
		long n = xsplice(fa, &in_off, p[1], NULL, sizeof big - moved, 0);
		ok = n > 0;
		while (n > 0 && ok) {
			long m = xsplice(p[0], NULL, fb, &out_off, (size_t)n, 0);
			ok = m > 0;
			n -= m;
			moved += m;
		}
	}
	static char back[200000];
	CHECK(ok && pread(fb, back, sizeof back, 0) == (ssize_t)sizeof back && memcmp(big, back, sizeof big) == 0,
	      "200000 bytes file -> pipe -> file by splice arrive intact");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(null);
	close(fa);
	close(fb);
	unlink(a);
	unlink(b);
}

static void check_copy_file_range(void)
{
	const char *a = t_tmp("cfr-a"), *b = t_tmp("cfr-b");
	int fa = make_file(a, "0123456789abcdef");
	int fb = open(b, O_CREAT | O_TRUNC | O_RDWR, 0600);
	loff_t in = 4, out = 2;
	CHECK(syscall(SYS_copy_file_range, fa, &in, fb, &out, 6, 0) == 6 && in == 10 && out == 8,
	      "copy_file_range with offsets: 6 bytes, both offsets moved");
	char buf[16] = {0};
	CHECK(pread(fb, buf, 8, 0) == 8 && memcmp(buf, "\0\0" "456789", 8) == 0, "  the bytes landed at offset 2");
	lseek(fa, 10, SEEK_SET);
	CHECK(syscall(SYS_copy_file_range, fa, NULL, fb, NULL, 100, 0) == 6 && lseek(fa, 0, SEEK_CUR) == 16,
	      "copy_file_range from the files' positions, short at end of file");
	CHECK(syscall(SYS_copy_file_range, fa, NULL, fb, NULL, 100, 0) == 0, "  then 0 at end of file");
	CHECK_ERR(syscall(SYS_copy_file_range, fa, NULL, fb, NULL, 10, 1), EINVAL, "flags: EINVAL");
	in = 0, out = 4;
	CHECK_ERR(syscall(SYS_copy_file_range, fa, &in, fa, &out, 8, 0), EINVAL, "overlapping ranges of one file: EINVAL");
	int p[2];
	pipe(p);
	CHECK_ERR(syscall(SYS_copy_file_range, p[0], NULL, fb, NULL, 8, 0), EINVAL, "from a pipe: EINVAL");
	close(p[0]);
	close(p[1]);
	int dir = open("/", O_RDONLY);
	CHECK_ERR(syscall(SYS_copy_file_range, dir, NULL, fb, NULL, 8, 0), EISDIR, "from a directory: EISDIR");
	close(dir);
	int ro = open(b, O_RDONLY);
	CHECK_ERR(syscall(SYS_copy_file_range, fa, NULL, ro, NULL, 8, 0), EBADF, "into a read-only descriptor: EBADF");
	close(ro);
	close(fa);
	close(fb);
	unlink(a);
	unlink(b);
}

static void check_space_calls(void)
{
	const char *a = t_tmp("falloc");
	int fd = open(a, O_CREAT | O_TRUNC | O_RDWR, 0600);
	struct stat st;
	CHECK(fallocate(fd, 0, 0, 100000) == 0 && fstat(fd, &st) == 0 && st.st_size == 100000 &&
		  st.st_blocks * 512 >= 100000,
	      "fallocate mode 0 on /tmp: size and blocks (%lld bytes, %lld blocks)", (long long)st.st_size,
	      (long long)st.st_blocks);
	CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 100000, 100000) == 0 && fstat(fd, &st) == 0 &&
		  st.st_size == 100000 && st.st_blocks * 512 >= 200000,
	      "FALLOC_FL_KEEP_SIZE: blocks past the end, size unchanged");
	char ones[8192];
	memset(ones, 1, sizeof ones);
	pwrite(fd, ones, sizeof ones, 4096);
	blkcnt_t before = st.st_blocks;
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192) == 0 && fstat(fd, &st) == 0 &&
		  st.st_blocks <= before && st.st_size == 100000,
	      "FALLOC_FL_PUNCH_HOLE: size kept, no blocks added");
	char got[8192];
	pread(fd, got, sizeof got, 4096);
	int zero = 1;
	for (size_t i = 0; i < sizeof got; i++)
		zero &= got[i] == 0;
	CHECK(zero, "  and the hole reads as zeros");
	CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP, "PUNCH_HOLE without KEEP_SIZE: EOPNOTSUPP");
	CHECK_ERR(fallocate(fd, 0, -1, 10), EINVAL, "a negative offset: EINVAL");
	CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL, "a zero length: EINVAL");
	CHECK_ERR(fallocate(fd, 0x1000, 0, 10), EOPNOTSUPP, "an unknown mode: EOPNOTSUPP");
	int p[2];
	pipe(p);
	CHECK_ERR(fallocate(p[1], 0, 0, 10), ESPIPE, "fallocate on a pipe: ESPIPE");
	int ro = open(a, O_RDONLY);
	CHECK_ERR(fallocate(ro, 0, 0, 10), EBADF, "on a read-only descriptor: EBADF");

	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0 && posix_fadvise(fd, 0, 4096, POSIX_FADV_DONTNEED) == 0,
	      "fadvise64 SEQUENTIAL and DONTNEED");
	CHECK(posix_fadvise(fd, 0, 0, 99) == EINVAL, "fadvise64 with an unknown advice: EINVAL");
	CHECK(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL) == ESPIPE, "fadvise64 on a pipe: ESPIPE");
	CHECK(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL) == EBADF, "fadvise64 on a bad descriptor: EBADF");
	CHECK(syscall(SYS_readahead, ro, 0, 65536) == 0, "readahead of a regular file");
	CHECK_ERR(syscall(SYS_readahead, p[0], 0, 100), EINVAL, "readahead of a pipe: EINVAL");
	CHECK_ERR(syscall(SYS_readahead, fd + 100, 0, 100), EBADF, "readahead of a bad descriptor: EBADF");
	CHECK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0, "sync_file_range(WRITE)");
	CHECK_ERR(sync_file_range(fd, 0, 0, 8), EINVAL, "sync_file_range with unknown flags: EINVAL");
	CHECK_ERR(sync_file_range(fd, -1, 0, 0), EINVAL, "sync_file_range at a negative offset: EINVAL");
	CHECK_ERR(sync_file_range(p[0], 0, 0, SYNC_FILE_RANGE_WRITE), ESPIPE, "sync_file_range on a pipe: ESPIPE");
	CHECK(syncfs(fd) == 0, "syncfs");
	CHECK_ERR(syncfs(-1), EBADF, "syncfs of a bad descriptor: EBADF");

	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536, "a new pipe holds 64 KiB (F_GETPIPE_SZ)");
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 100000) == 131072 && fcntl(p[0], F_GETPIPE_SZ) == 131072,
	      "F_SETPIPE_SZ 100000 rounds up to 128 KiB");
	static char fill[131072];
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	CHECK(write(p[1], fill, sizeof fill) == (ssize_t)sizeof fill, "  and the pipe takes 128 KiB");
	CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY, "shrinking below what it holds: EBUSY");
	CHECK_ERR(fcntl(fd, F_GETPIPE_SZ), EBADF, "F_GETPIPE_SZ on a file: EBADF");
	if (!t_on_linux())
		CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, 64 << 20), EPERM, "past pipe-max-size: EPERM");
	close(p[0]);
	close(p[1]);
	close(ro);
	close(fd);
	unlink(a);
}

/* Wait (up to 20 s) until thread tid is asleep in the kernel: state S in its stat. */
static int wait_asleep(pid_t tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	for (int i = 0; i < 2000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *e = strrchr(buf, ')');
			if (e && e[1] == ' ' && e[2] == 'S')
				return 1;
		}
		usleep(10000);
	}
	return 0;
}

struct blocked_splice {
	int in, out;
	pid_t tid;
	long r;
};

static void *splicer(void *arg)
{
	struct blocked_splice *b = arg;
	__atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	b->r = xsplice(b->in, NULL, b->out, NULL, 100, 0);
	return NULL;
}

/*
 * A splice waiting on an empty pipe holds the files it began with: its
 * descriptor closed and reused by another thread meanwhile, it still
 * takes what comes into its own pipe (as Linux's call holds its files).
 */
static void check_blocked_splice(void)
{
	const char *a = t_tmp("splice-blocked");
	int fd = open(a, O_CREAT | O_TRUNC | O_RDWR, 0600);
	int p[2], q[2];
	pipe(p);
	pipe(q);
	signal(SIGPIPE, SIG_IGN);
	struct blocked_splice b = {p[0], fd, 0, -2};
	pthread_t t;
	pthread_create(&t, NULL, splicer, &b);
	pid_t tid;
	while (!(tid = __atomic_load_n(&b.tid, __ATOMIC_ACQUIRE)))
		sched_yield();
	CHECK(wait_asleep(tid), "a splice from an empty pipe waits");
	CHECK(dup2(q[0], p[0]) == p[0], "another thread puts another pipe at its descriptor");
	CHECK(write(q[1], "zzzz", 4) == 4, "  and writes into that other pipe");
	CHECK(write(p[1], "abc", 3) == 3, "the splice's own pipe still has a reader: a write goes in");
	pthread_join(t, NULL);
	char buf[16] = {0};
	CHECK(b.r == 3 && pread(fd, buf, sizeof buf, 0) == 3 && memcmp(buf, "abc", 3) == 0,
	      "  the splice moves those 3 bytes, from the pipe it began with (%ld, '%s')", b.r, buf);
	signal(SIGPIPE, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(q[1]);
	close(fd);
	unlink(a);
}

static void check_close_range(void)
{
	int base = open("/", O_RDONLY);
	for (int i = 0; i < 5; i++)
		dup2(base, 100 + i);
	CHECK(syscall(SYS_close_range, 101, 103, 0) == 0, "close_range(101, 103)");
	CHECK(fcntl(100, F_GETFD) >= 0 && fcntl(101, F_GETFD) == -1 && fcntl(103, F_GETFD) == -1 &&
		  fcntl(104, F_GETFD) >= 0,
	      "  closed 101..103 and kept 100 and 104");
	CHECK(syscall(SYS_close_range, 100, ~0U, CLOSE_RANGE_CLOEXEC) == 0 && fcntl(100, F_GETFD) == FD_CLOEXEC &&
		  fcntl(104, F_GETFD) == FD_CLOEXEC,
	      "CLOSE_RANGE_CLOEXEC marks instead of closing");
	CHECK(syscall(SYS_close_range, 100, ~0U, CLOSE_RANGE_UNSHARE) == 0 && fcntl(104, F_GETFD) == -1,
	      "CLOSE_RANGE_UNSHARE closes (the table was not shared)");
	CHECK_ERR(syscall(SYS_close_range, 5, 4, 0), EINVAL, "first > last: EINVAL");
	CHECK_ERR(syscall(SYS_close_range, 0, 1, 8), EINVAL, "unknown flags: EINVAL");
	CHECK(syscall(SYS_close_range, 3000, 4000, 0) == 0, "a range with nothing open: 0");
	close(base);
}

int main(void)
{
	check_splice();
	check_copy_file_range();
	check_space_calls();
	check_close_range();
	check_blocked_splice();
	return t_done();
}
