/*
 * locks: file locks. fcntl record locks (F_SETLK, F_SETLKW, F_GETLK)
 * between processes, with deadlock detection, splitting, release on any
 * close and on exit, and EINTR; open-file-description locks (F_OFD_*);
 * flock(2); and the errors for bad input.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#include "t.h"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

static const char *path;

static int lk(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl = {.l_type = (short)type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

static struct flock getlk(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl = {.l_type = (short)type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	fcntl(fd, cmd, &fl);
	return fl;
}

static void ms_sleep(int ms)
{
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

/* Run fn in a child with its own descriptor on the file; its exit code. */
static int in_child(int (*fn)(int fd))
{
	pid_t c = fork();
	if (c == 0) {
		int fd = open(path, O_RDWR);
		_exit(fn(fd));
	}
	int st = t_wait(c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int try_write_0_100(int fd)
{
	return lk(fd, F_SETLK, F_WRLCK, 0, 100) == 0 ? 0 : errno;
}

static int getlk_0(int fd)
{
	struct flock fl = getlk(fd, F_GETLK, F_WRLCK, 0, 10);
	return fl.l_type == F_WRLCK && fl.l_pid == getppid() && fl.l_start == 0 && fl.l_len == 100 ? 0 : 1;
}

static int lock_100_200(int fd)
{
	return lk(fd, F_SETLK, F_WRLCK, 100, 100);
}

static int read_lock_0(int fd)
{
	return lk(fd, F_SETLK, F_RDLCK, 0, 10) == 0 ? 0 : errno;
}

static int probe_50(int fd)
{
	return getlk(fd, F_GETLK, F_WRLCK, 50, 1).l_type;
}

static int probe_10(int fd)
{
	return getlk(fd, F_GETLK, F_WRLCK, 10, 1).l_type;
}

static void check_posix(void)
{
	int fd = open(path, O_RDWR);
	CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 100) == 0, "F_SETLK a write lock on bytes 0..99");
	CHECK(in_child(try_write_0_100) == EAGAIN, "another process's F_SETLK of the same bytes: EAGAIN");
	CHECK(in_child(getlk_0) == 0, "F_GETLK there reports our write lock, pid, start 0 and length 100");
	CHECK(in_child(lock_100_200) == 0, "the next 100 bytes are free for the other process");
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 10).l_type == F_UNLCK, "F_GETLK of our own lock: F_UNLCK");
	CHECK(lk(fd, F_SETLK, F_UNLCK, 40, 20) == 0, "unlock 40..59 in the middle: the lock splits");
	CHECK(in_child(probe_50) == F_UNLCK && in_child(probe_10) == F_WRLCK, "  50 is free, 10 is still locked");
	CHECK(lk(fd, F_SETLK, F_RDLCK, 0, 0) == 0, "a read lock over the whole file replaces ours");
	CHECK(in_child(read_lock_0) == 0, "  and another read lock shares it");
	CHECK(in_child(try_write_0_100) == EAGAIN, "  but a write lock does not");

	/* Any close of the file by the process drops its record locks. */
	lk(fd, F_SETLK, F_WRLCK, 0, 100);
	int other = open(path, O_RDONLY);
	close(other);
	CHECK(in_child(try_write_0_100) == 0, "closing another descriptor of the file dropped our locks");
	close(fd);
}

static int hold_then_exit(int fd)
{
	lk(fd, F_SETLK, F_WRLCK, 0, 100);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void check_waits(void)
{
	int fd = open(path, O_RDWR);
	CHECK(in_child(hold_then_exit) == 0 && lk(fd, F_SETLK, F_WRLCK, 0, 100) == 0,
	      "a lock held by a process that exited is gone");
	/* F_SETLKW waits for the holder. */
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		int cfd = open(path, O_RDWR);
		write(p[1], "w", 1);
		int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 100);
		_exit(r == 0 ? 0 : 1);
	}
	char b;
	read(p[0], &b, 1);
	ms_sleep(50);
	int st;
	CHECK(waitpid(c, &st, WNOHANG) == 0, "F_SETLKW waits while the lock is held");
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	CHECK_EXITED(t_wait(c), 0, "  and gets it once it is released");

	/* Deadlock: we hold A and want B; the child holds B and waits for A. */
	lk(fd, F_SETLK, F_WRLCK, 0, 1);
	c = fork();
	if (c == 0) {
		int cfd = open(path, O_RDWR);
		lk(cfd, F_SETLK, F_WRLCK, 10, 1);
		write(p[1], "b", 1);
		int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
		_exit(r == 0 ? 0 : 1);
	}
	read(p[0], &b, 1);
	ms_sleep(50);
	CHECK_ERR(lk(fd, F_SETLKW, F_WRLCK, 10, 1), EDEADLK, "F_SETLKW that would close a circle of waits: EDEADLK");
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	CHECK_EXITED(t_wait(c), 0, "  the other waiter gets its lock once we let go");

	/* A signal ends the wait with EINTR (no SA_RESTART). */
	lk(fd, F_SETLK, F_WRLCK, 0, 100);
	c = fork();
	if (c == 0) {
		int cfd = open(path, O_RDWR);
		struct sigaction sa = {.sa_handler = on_alarm};
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 100);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "a signal interrupts F_SETLKW with EINTR");
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void check_ofd(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK(lk(a, F_OFD_SETLK, F_WRLCK, 0, 10) == 0, "F_OFD_SETLK on one open file");
	CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, 0, 10), EAGAIN, "another open file of the same process conflicts: EAGAIN");
	struct flock fl = getlk(b, F_OFD_GETLK, F_WRLCK, 0, 10);
	CHECK(fl.l_type == F_WRLCK && fl.l_pid == -1, "F_OFD_GETLK reports it with pid -1 (%d)", fl.l_pid);
	CHECK_ERR(lk(b, F_SETLK, F_WRLCK, 5, 1), EAGAIN, "a POSIX lock conflicts with an OFD lock");
	int dup_a = dup(a);
	close(a);
	CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, 0, 10), EAGAIN, "the lock stays while a dup of its file is open");
	close(dup_a);
	CHECK(lk(b, F_OFD_SETLK, F_WRLCK, 0, 10) == 0, "  and goes with the last descriptor");
	struct flock bad = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 1};
	CHECK_ERR(fcntl(b, F_OFD_SETLK, &bad), EINVAL, "F_OFD_SETLK with l_pid set: EINVAL");
	close(b);
}

static void check_flock(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK(flock(a, LOCK_EX) == 0, "flock(LOCK_EX)");
	CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK, "another open file's LOCK_EX|LOCK_NB: EWOULDBLOCK");
	CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "  and LOCK_SH|LOCK_NB too");
	CHECK(lk(b, F_SETLK, F_WRLCK, 0, 10) == 0, "flock and fcntl locks do not conflict");
	lk(b, F_SETLK, F_UNLCK, 0, 0);
	int c2 = dup(a);
	CHECK(flock(c2, LOCK_EX) == 0, "a dup shares the flock lock");
	CHECK(flock(a, LOCK_SH) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "converted to shared: others may share");
	CHECK(flock(a, LOCK_UN) == 0 && flock(b, LOCK_UN) == 0, "LOCK_UN");
	close(c2);

	flock(a, LOCK_EX);
	pid_t c = fork();
	if (c == 0) {
		close(a); /* the parent's descriptor stays the file's last */
		int fd = open(path, O_RDWR);
		_exit(flock(fd, LOCK_EX) == 0 ? 0 : 1);
	}
	ms_sleep(50);
	int st;
	CHECK(waitpid(c, &st, WNOHANG) == 0, "a blocking flock waits");
	close(a); /* the last descriptor of the open file: its lock goes */
	CHECK_EXITED(t_wait(c), 0, "  and gets the lock when the holder's file is closed");
	CHECK_ERR(flock(b, 0), EINVAL, "flock with no operation: EINVAL");
	CHECK_ERR(flock(b, LOCK_SH | LOCK_EX), EINVAL, "flock with two operations: EINVAL");
	CHECK_ERR(flock(-1, LOCK_SH), EBADF, "flock of a bad descriptor: EBADF");
	close(b);
}

static void check_bad_input(void)
{
	int fd = open(path, O_RDWR), ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	CHECK_ERR(lk(fd, F_SETLK, 7, 0, 1), EINVAL, "an unknown lock type: EINVAL");
	struct flock fl = {.l_type = F_RDLCK, .l_whence = 9};
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL, "an unknown whence: EINVAL");
	CHECK_ERR(fcntl(fd, F_SETLK, (void *)8), EFAULT, "a bad struct flock: EFAULT");
	CHECK_ERR(lk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF, "a write lock on a read-only descriptor: EBADF");
	CHECK_ERR(lk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF, "a read lock on a write-only descriptor: EBADF");
	CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, -5, 1), EINVAL, "a negative start: EINVAL");
	CHECK_ERR(lk(fd, F_GETLK, F_UNLCK, 0, 1), EINVAL, "F_GETLK asking about F_UNLCK: EINVAL");
	CHECK(lk(fd, F_SETLK, F_WRLCK, 10, -5) == 0 && getlk(fd, F_GETLK, F_WRLCK, 0, 0).l_type == F_UNLCK,
	      "a negative length locks the bytes before the start");
	CHECK(fcntl(fd, F_GETLEASE) == F_UNLCK, "F_GETLEASE: no lease");
	if (!t_on_linux())
		CHECK_ERR(fcntl(fd, F_SETLEASE, F_RDLCK), EINVAL, "F_SETLEASE: EINVAL (leases are not offered)");
	close(fd);
	close(ro);
	close(wo);
}

int main(void)
{
	path = t_tmp("locks");
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	char zeros[1024] = {0};
	write(fd, zeros, sizeof zeros);
	close(fd);
	check_posix();
	check_waits();
	check_ofd();
	check_flock();
	check_bad_input();
	unlink(path);
	return t_done();
}
