/*
 * Every io_uring operation Ferry offers, through Debian's liburing, with
 * its results and its failure cases: a bad descriptor, a bad or kernel
 * buffer address (the CQE says EFAULT and the ring goes on), reserved
 * fields, out-of-range fixed indexes, unknown opcodes. The same checks
 * hold on the build machine's Linux.
 */
#include "uh.h"
#include <sys/uio.h>

static struct io_uring ring;
static char dir[128];

static char *path(const char *name)
{
	static char buf[4][192];
	static int n;
	char *p = buf[n++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}


static void test_nop(void)
{
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	CHECK(u_one(&ring, sqe) == 0, "NOP completes with 0");
	for (int i = 0; i < 32; i++) {
		sqe = u_sqe(&ring);
		io_uring_prep_nop(sqe);
		sqe->user_data = 1000 + i;
	}
	CHECK(io_uring_submit(&ring) == 32, "32 NOPs submitted at once");
	int ok = 1;
	for (int i = 0; i < 32; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) || res != 0 || ud != (__u64)(1000 + i))
			ok = 0;
	}
	CHECK(ok, "their 32 CQEs come back in order, user data kept");
	sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->rw_flags = 0x80000000;
	CHECK(u_one(&ring, sqe) == -EINVAL, "NOP with a reserved field set: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->opcode = 199;
	CHECK(u_one(&ring, sqe) == -EINVAL, "an unknown opcode: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->flags = 0x80;
	CHECK(u_one(&ring, sqe) == -EINVAL, "an unknown SQE flag: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = 1;
	struct io_uring_sqe *sqe2 = u_sqe(&ring);
	io_uring_prep_nop(sqe2);
	sqe2->user_data = 2;
	io_uring_submit(&ring);
	__u64 ud = 0;
	u_cqe(&ring, &ud, NULL, NULL);
	CHECK(ud == 2 && !u_peek(&ring), "CQE_SKIP_SUCCESS: a NOP that succeeds posts nothing");
}

static void test_rw(void)
{
	const char *f = path("rw");
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "scratch file opens");
	char out[8192], in[8192];
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (char)(i * 7 + 3);
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_write(sqe, fd, out, 4096, 0);
	CHECK(u_one(&ring, sqe) == 4096, "WRITE of 4096 bytes at 0");
	struct iovec iov[2] = {{out + 4096, 1000}, {out + 5096, 3096}};
	sqe = u_sqe(&ring);
	io_uring_prep_writev(sqe, fd, iov, 2, 4096);
	CHECK(u_one(&ring, sqe) == 4096, "WRITEV of two segments at 4096");
	memset(in, 0, sizeof in);
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, fd, in, sizeof in, 0);
	CHECK(u_one(&ring, sqe) == 8192 && !memcmp(in, out, 8192), "READ gets back all 8192 bytes");
	memset(in, 0, sizeof in);
	struct iovec riov[3] = {{in, 10}, {in + 10, 0}, {in + 10, 90}};
	sqe = u_sqe(&ring);
	io_uring_prep_readv(sqe, fd, riov, 3, 100);
	CHECK(u_one(&ring, sqe) == 100 && !memcmp(in, out + 100, 100), "READV at offset 100");
	/* Offset -1: the file position, which moves. */
	lseek(fd, 8000, SEEK_SET);
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, fd, in, 100, -1);
	CHECK(u_one(&ring, sqe) == 100 && !memcmp(in, out + 8000, 100),
	      "READ at -1 reads at the position");
	CHECK(lseek(fd, 0, SEEK_CUR) == 8100, "and moves it");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, fd, in, 100, 9000);
	CHECK(u_one(&ring, sqe) == 0, "READ past the end: 0");
	/* Failures: the CQE carries the error and the ring goes on. */
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 999, in, 10, 0);
	CHECK(u_one(&ring, sqe) == -EBADF, "READ from a bad descriptor: EBADF");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, fd, (void *)16, 10, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "READ into an unmapped buffer: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, fd, (void *)0xffffffff81000000UL, 10, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "READ into a kernel address: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_write(sqe, fd, (void *)0xffff888000000000UL, 10, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "WRITE from a kernel address: EFAULT");
	struct iovec bad[1] = {{(void *)16, 10}};
	sqe = u_sqe(&ring);
	io_uring_prep_readv(sqe, fd, bad, 1, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "READV with a bad segment: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_readv(sqe, fd, (struct iovec *)16, 1, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "READV with a bad vector address: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_readv(sqe, fd, riov, 5000, 0);
	CHECK(u_one(&ring, sqe) == -EINVAL, "READV with more than IOV_MAX segments: EINVAL");
	int ro = open(f, O_RDONLY);
	sqe = u_sqe(&ring);
	io_uring_prep_write(sqe, ro, out, 10, 0);
	CHECK(u_one(&ring, sqe) == -EBADF, "WRITE to a read-only descriptor: EBADF");
	sqe = u_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, 0);
	CHECK(u_one(&ring, sqe) == 0, "FSYNC");
	sqe = u_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	CHECK(u_one(&ring, sqe) == 0, "FSYNC with DATASYNC");
	sqe = u_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, 0x80);
	CHECK(u_one(&ring, sqe) == -EINVAL, "FSYNC with an unknown flag: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_fsync(sqe, 999, 0);
	CHECK(u_one(&ring, sqe) == -EBADF, "FSYNC of a bad descriptor: EBADF");

	/* Fixed buffers and files. */
	static char fixed[2][8192];
	struct iovec bufs[2] = {{fixed[0], sizeof fixed[0]}, {fixed[1], sizeof fixed[1]}};
	CHECK(io_uring_register_buffers(&ring, bufs, 2) == 0, "two buffers registered");
	CHECK(io_uring_register_buffers(&ring, bufs, 2) == -EBUSY, "registering again: EBUSY");
	sqe = u_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, fixed[1] + 100, 4000, 0, 1);
	CHECK(u_one(&ring, sqe) == 4000 && !memcmp(fixed[1] + 100, out, 4000),
	      "READ_FIXED into buffer 1");
	memcpy(fixed[0], "fixed!", 6);
	sqe = u_sqe(&ring);
	io_uring_prep_write_fixed(sqe, fd, fixed[0], 6, 100, 0);
	CHECK(u_one(&ring, sqe) == 6 && pread(fd, in, 6, 100) == 6 && !memcmp(in, "fixed!", 6),
	      "WRITE_FIXED from buffer 0");
	sqe = u_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, fixed[0], 10, 0, 2);
	CHECK(u_one(&ring, sqe) == -EFAULT, "READ_FIXED with buffer index 2 of 2: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, fixed[0] + 8000, 1000, 0, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "READ_FIXED past its buffer's end: EFAULT");
	CHECK(io_uring_unregister_buffers(&ring) == 0, "buffers unregistered");
	CHECK(io_uring_unregister_buffers(&ring) == -ENXIO, "and again: ENXIO");
	struct iovec badbuf = {(void *)16, 4096};
	CHECK(io_uring_register_buffers(&ring, &badbuf, 1) == -EFAULT,
	      "registering an unmapped buffer: EFAULT");

	int files[3] = {fd, -1, ro};
	CHECK(io_uring_register_files(&ring, files, 3) == 0, "three fixed files (one empty)");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 2, in, 6, 100);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK(u_one(&ring, sqe) == 6 && !memcmp(in, "fixed!", 6), "READ through fixed file 2");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 1, in, 6, 100);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK(u_one(&ring, sqe) == -EBADF, "READ through an empty fixed slot: EBADF");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 3, in, 6, 100);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK(u_one(&ring, sqe) == -EBADF, "READ through fixed index 3 of 3: EBADF");
	int upd = fd;
	CHECK(io_uring_register_files_update(&ring, 1, &upd, 1) == 1, "fixed slot 1 updated");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 1, in, 6, 100);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK(u_one(&ring, sqe) == 6, "READ through the updated slot");
	CHECK(io_uring_register_files_update(&ring, 3, &upd, 1) == -EINVAL,
	      "updating past the table: EINVAL");
	int rfd = ring.ring_fd;
	CHECK(io_uring_register_files_update(&ring, 0, &rfd, 1) == -EBADF,
	      "a ring in the fixed table: EBADF");
	CHECK(io_uring_unregister_files(&ring) == 0, "fixed files unregistered");
	close(ro);
	close(fd);
}

static void test_pipe(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	char buf[64] = {0};
	/* A read of an empty pipe parks in the kernel; the write after it completes it. */
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof buf, 0);
	sqe->user_data = 7;
	CHECK(io_uring_submit(&ring) == 1, "READ of an empty pipe submitted");
	usleep(20000);
	CHECK(!u_peek(&ring), "it waits: no CQE yet");
	CHECK(write(p[1], "hello", 5) == 5, "write(2) to the pipe");
	__u64 ud;
	int res;
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 7 && res == 5 && !memcmp(buf, "hello", 5),
	      "the parked READ completes with the data");
	sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof buf, 0);
	sqe->rw_flags = RWF_NOWAIT;
	CHECK(u_one(&ring, sqe) == -EAGAIN, "READ with RWF_NOWAIT of an empty pipe: EAGAIN at once");
	sqe = u_sqe(&ring);
	io_uring_prep_write(sqe, p[1], "ring", 4, 0);
	CHECK(u_one(&ring, sqe) == 4 && read(p[0], buf, 4) == 4 && !memcmp(buf, "ring", 4),
	      "WRITE to a pipe");
	/* A WRITE larger than the pipe: it parks midway and goes on from where it was. */
	enum { BIG = 200 * 1024 };
	static char big[BIG], back[BIG];
	for (int i = 0; i < BIG; i++)
		big[i] = (char)(i * 31 + i / 4096);
	sqe = u_sqe(&ring);
	io_uring_prep_write(sqe, p[1], big, BIG, 0);
	sqe->user_data = 8;
	CHECK(io_uring_submit(&ring) == 1, "a 200 KiB WRITE into a 64 KiB pipe submitted");
	/* Read what comes until the WRITE has completed and the pipe is empty. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	size_t moved = 0;
	int wres = -1, done = 0;
	for (int spins = 0; spins < 1000000 && !(done && moved >= (size_t)wres); spins++) {
		ssize_t n = read(p[0], back + moved, BIG - moved);
		if (n > 0) {
			moved += (size_t)n;
			continue;
		}
		if (!done && u_peek(&ring)) {
			done = u_cqe(&ring, &ud, &wres, NULL) == 0 && ud == 8;
			continue;
		}
		if (done && moved >= (size_t)wres)
			break;
		usleep(1000);
	}
	fcntl(p[0], F_SETFL, 0);
	/* Ferry's WRITE waits for room as write(2) does; Linux may end a pipe write short. */
	if (t_on_linux())
		CHECK(done && wres > 0, "it completes (%d bytes written)", wres);
	else
		CHECK(done && wres == BIG, "it completes with all 200 KiB written (%d)", wres);
	CHECK(wres > 0 && moved == (size_t)wres && !memcmp(big, back, moved),
	      "and the reader got every byte it wrote, in order");
	/* SPLICE and TEE. */
	const char *f = path("splice");
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(write(fd, "0123456789", 10) == 10, "a file for SPLICE");
	sqe = u_sqe(&ring);
	io_uring_prep_splice(sqe, fd, 2, p[1], -1, 5, 0);
	CHECK(u_one(&ring, sqe) == 5 && read(p[0], buf, 5) == 5 && !memcmp(buf, "23456", 5),
	      "SPLICE from a file at 2 into a pipe");
	CHECK(write(p[1], "abc", 3) == 3, "three bytes into the pipe");
	sqe = u_sqe(&ring);
	io_uring_prep_splice(sqe, p[0], -1, fd, 20, 3, 0);
	CHECK(u_one(&ring, sqe) == 3 && pread(fd, buf, 3, 20) == 3 && !memcmp(buf, "abc", 3),
	      "SPLICE from the pipe into the file at 20");
	sqe = u_sqe(&ring);
	io_uring_prep_splice(sqe, fd, 0, fd, 0, 3, 0);
	CHECK(u_one(&ring, sqe) == -EINVAL, "SPLICE with no pipe: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_splice(sqe, p[0], 0, fd, 0, 3, 0);
	CHECK(u_one(&ring, sqe) == -ESPIPE, "SPLICE with an offset on the pipe: ESPIPE");
	int q[2];
	CHECK(pipe(q) == 0, "a second pipe");
	CHECK(write(p[1], "teedata", 7) == 7, "data for TEE");
	sqe = u_sqe(&ring);
	io_uring_prep_tee(sqe, p[0], q[1], 7, 0);
	CHECK(u_one(&ring, sqe) == 7, "TEE copies 7 bytes");
	CHECK(read(q[0], buf, 7) == 7 && !memcmp(buf, "teedata", 7), "the second pipe has them");
	CHECK(read(p[0], buf, 7) == 7 && !memcmp(buf, "teedata", 7),
	      "and the first still has them");
	sqe = u_sqe(&ring);
	io_uring_prep_tee(sqe, fd, q[1], 7, 0);
	CHECK(u_one(&ring, sqe) == -EINVAL, "TEE from a file: EINVAL");
	/* SHUTDOWN wants a socket. */
	sqe = u_sqe(&ring);
	io_uring_prep_shutdown(sqe, p[0], SHUT_RDWR);
	CHECK(u_one(&ring, sqe) == -ENOTSOCK, "SHUTDOWN of a pipe: ENOTSOCK");
	/* POLL_ADD: one-shot and multishot; POLL_REMOVE. */
	sqe = u_sqe(&ring);
	io_uring_prep_poll_add(sqe, q[0], POLLIN);
	sqe->user_data = 20;
	io_uring_submit(&ring);
	usleep(20000);
	CHECK(!u_peek(&ring), "POLL_ADD on an empty pipe waits");
	CHECK(write(q[1], "x", 1) == 1, "a byte arrives");
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 20 && (res & POLLIN),
	      "POLL_ADD says POLLIN");
	sqe = u_sqe(&ring);
	io_uring_prep_poll_multishot(sqe, q[0], POLLIN);
	sqe->user_data = 21;
	io_uring_submit(&ring);
	unsigned flags;
	CHECK(u_cqe(&ring, &ud, &res, &flags) == 0 && ud == 21 && (res & POLLIN) &&
		  (flags & IORING_CQE_F_MORE),
	      "multishot POLL_ADD reports the byte already there, with F_MORE");
	usleep(20000);
	CHECK(!u_peek(&ring), "and then waits for the next wake (no flood)");
	CHECK(write(q[1], "y", 1) == 1, "another byte");
	CHECK(u_cqe(&ring, &ud, &res, &flags) == 0 && ud == 21 && (flags & IORING_CQE_F_MORE),
	      "a second CQE from the same poll");
	sqe = u_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 21);
	sqe->user_data = 22;
	io_uring_submit(&ring);
	int got = 0, ok = 1;
	for (int i = 0; i < 2; i++) {
		if (u_cqe(&ring, &ud, &res, &flags))
			ok = 0;
		else if (ud == 22)
			got |= 1, ok &= res == 0;
		else if (ud == 21)
			got |= 2, ok &= res == -ECANCELED && !(flags & IORING_CQE_F_MORE);
	}
	CHECK(ok && got == 3, "POLL_REMOVE: 0, and the poll ends with ECANCELED");
	/* POLL_REMOVE with an update: a poll waiting for POLLOUT on the read end waits for POLLIN. */
	sqe = u_sqe(&ring);
	io_uring_prep_poll_add(sqe, q[0], POLLOUT);
	sqe->user_data = 23;
	io_uring_submit(&ring);
	usleep(10000);
	sqe = u_sqe(&ring);
	io_uring_prep_poll_update(sqe, 23, 24, POLLIN, IORING_POLL_UPDATE_EVENTS |
					       IORING_POLL_UPDATE_USER_DATA);
	sqe->user_data = 25;
	io_uring_submit(&ring);
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 25 && res == 0,
	      "POLL_REMOVE updating its events and user data: 0");
	CHECK(write(q[1], "z", 1) == 1, "a byte for it");
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 24 && (res & POLLIN),
	      "the updated poll reports POLLIN under its new user data");
	sqe = u_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 12345);
	CHECK(u_one(&ring, sqe) == -ENOENT, "POLL_REMOVE of nothing: ENOENT");
	sqe = u_sqe(&ring);
	io_uring_prep_poll_add(sqe, q[0], POLLIN);
	sqe->addr = 1;
	CHECK(u_one(&ring, sqe) == -EINVAL, "POLL_ADD with a reserved field: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_poll_add(sqe, 999, POLLIN);
	CHECK(u_one(&ring, sqe) == -EBADF, "POLL_ADD on a bad descriptor: EBADF");
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void test_paths(void)
{
	struct io_uring_sqe *sqe = u_sqe(&ring);
	char name[64];
	strcpy(name, path("made"));
	io_uring_prep_mkdirat(sqe, AT_FDCWD, name, 0755);
	CHECK(u_one(&ring, sqe) == 0, "MKDIRAT");
	memset(name, 0, sizeof name); /* SUBMIT_STABLE: the path was taken at submission */
	struct stat st;
	CHECK(stat(path("made"), &st) == 0 && S_ISDIR(st.st_mode), "the directory exists");
	sqe = u_sqe(&ring);
	io_uring_prep_mkdirat(sqe, AT_FDCWD, path("made"), 0755);
	CHECK(u_one(&ring, sqe) == -EEXIST, "MKDIRAT again: EEXIST");
	sqe = u_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, path("made/f"), O_CREAT | O_RDWR, 0600);
	int fd = u_one(&ring, sqe);
	CHECK(fd >= 0, "OPENAT with O_CREAT gives a descriptor");
	CHECK(write(fd, "12345", 5) == 5, "which writes");
	sqe = u_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, path("none/f"), O_RDONLY, 0);
	CHECK(u_one(&ring, sqe) == -ENOENT, "OPENAT of a missing path: ENOENT");
	sqe = u_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, (char *)16, O_RDONLY, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "OPENAT with a bad path address: EFAULT");
	struct statx sx;
	memset(&sx, 0, sizeof sx);
	sqe = u_sqe(&ring);
	io_uring_prep_statx(sqe, AT_FDCWD, path("made/f"), 0, STATX_SIZE, &sx);
	CHECK(u_one(&ring, sqe) == 0 && sx.stx_size == 5, "STATX says 5 bytes");
	sqe = u_sqe(&ring);
	io_uring_prep_statx(sqe, AT_FDCWD, path("made/f"), 0, STATX_SIZE, (struct statx *)16);
	CHECK(u_one(&ring, sqe) == -EFAULT, "STATX into a bad buffer: EFAULT");
	sqe = u_sqe(&ring);
	io_uring_prep_statx(sqe, fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx);
	CHECK(u_one(&ring, sqe) == 0 && sx.stx_size == 5, "STATX of a descriptor (AT_EMPTY_PATH)");
	sqe = u_sqe(&ring);
	io_uring_prep_renameat(sqe, AT_FDCWD, path("made/f"), AT_FDCWD, path("made/g"), 0);
	CHECK(u_one(&ring, sqe) == 0 && access(path("made/g"), F_OK) == 0 &&
		  access(path("made/f"), F_OK) != 0,
	      "RENAMEAT");
	sqe = u_sqe(&ring);
	io_uring_prep_fadvise(sqe, fd, 0, 5, POSIX_FADV_WILLNEED);
	CHECK(u_one(&ring, sqe) == 0, "FADVISE WILLNEED");
	sqe = u_sqe(&ring);
	io_uring_prep_fadvise(sqe, fd, 0, 5, 99);
	CHECK(u_one(&ring, sqe) == -EINVAL, "FADVISE with a bad advice: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_fallocate(sqe, fd, 0, 0, 4096);
	int r = u_one(&ring, sqe);
	CHECK(r == 0 || r == -EOPNOTSUPP,
	      "FALLOCATE: done, or EOPNOTSUPP where the file system has none (%d)", r);
	sqe = u_sqe(&ring);
	io_uring_prep_fallocate(sqe, fd, 0, 0, 0);
	CHECK(u_one(&ring, sqe) == -EINVAL, "FALLOCATE of 0 bytes: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_close(sqe, fd);
	CHECK(u_one(&ring, sqe) == 0 && fcntl(fd, F_GETFD) < 0, "CLOSE");
	sqe = u_sqe(&ring);
	io_uring_prep_close(sqe, fd);
	CHECK(u_one(&ring, sqe) == -EBADF, "CLOSE again: EBADF");
	sqe = u_sqe(&ring);
	io_uring_prep_close(sqe, ring.ring_fd);
	CHECK(u_one(&ring, sqe) == -EBADF, "CLOSE of the ring's own descriptor: EBADF");
	sqe = u_sqe(&ring);
	io_uring_prep_unlinkat(sqe, AT_FDCWD, path("made/g"), 0);
	CHECK(u_one(&ring, sqe) == 0 && access(path("made/g"), F_OK) != 0, "UNLINKAT");
	sqe = u_sqe(&ring);
	io_uring_prep_unlinkat(sqe, AT_FDCWD, path("made"), 0);
	CHECK(u_one(&ring, sqe) == -EISDIR, "UNLINKAT of a directory without AT_REMOVEDIR: EISDIR");
	sqe = u_sqe(&ring);
	io_uring_prep_unlinkat(sqe, AT_FDCWD, path("made"), AT_REMOVEDIR);
	CHECK(u_one(&ring, sqe) == 0, "UNLINKAT with AT_REMOVEDIR");
	sqe = u_sqe(&ring);
	io_uring_prep_openat(sqe, 0, path("x"), O_RDONLY, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK(u_one(&ring, sqe) == -EBADF, "OPENAT with IOSQE_FIXED_FILE: EBADF");
	/* MADVISE */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 1;
	sqe = u_sqe(&ring);
	io_uring_prep_madvise(sqe, m, 8192, MADV_DONTNEED);
	CHECK(u_one(&ring, sqe) == 0 && m[0] == 0, "MADVISE DONTNEED drops the page");
	sqe = u_sqe(&ring);
	io_uring_prep_madvise(sqe, m + 1, 8192, MADV_DONTNEED);
	CHECK(u_one(&ring, sqe) == -EINVAL, "MADVISE of an unaligned address: EINVAL");
	munmap(m, 8192);
}

static void test_msg_ring(void)
{
	struct io_uring other;
	CHECK(io_uring_queue_init(4, &other, 0) == 0, "a second ring");
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_msg_ring(sqe, other.ring_fd, 77, 0x1234, 0);
	CHECK(u_one(&ring, sqe) == 0, "MSG_RING to the second ring");
	__u64 ud;
	int res;
	CHECK(u_cqe(&other, &ud, &res, NULL) == 0 && ud == 0x1234 && res == 77,
	      "the second ring gets the CQE (res 77, user data 0x1234)");
	int p[2];
	pipe(p);
	sqe = u_sqe(&ring);
	io_uring_prep_msg_ring(sqe, p[0], 1, 2, 0);
	CHECK(u_one(&ring, sqe) == -EBADFD, "MSG_RING to a pipe: EBADFD");
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&other);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", t_tmp("uring-ops"));
	mkdir(dir, 0755);
	int r = io_uring_queue_init(64, &ring, 0);
	CHECK(r == 0, "io_uring_queue_init (%d)", r);
	if (r)
		return t_done();
	test_nop();
	test_rw();
	test_pipe();
	test_paths();
	test_msg_ring();
	io_uring_queue_exit(&ring);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
	return t_done();
}
