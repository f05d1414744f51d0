/*
 * unix_stream: AF_UNIX SOCK_STREAM as Linux has it (unix(7), socket(7)):
 * socketpair, listen/connect/accept, fstat, shutdown and half-close,
 * EPIPE and SIGPIPE, ECONNRESET, MSG_PEEK/DONTWAIT/WAITALL/NOSIGNAL,
 * non-blocking I/O, SO_RCVTIMEO/SO_SNDTIMEO, interruption by signals
 * (SA_RESTART restarts a wait, a timeout makes it EINTR), a socket closed
 * while a thread blocks in it, a 4 MiB transfer with a checksum, buffer
 * sizes, SO_PEERCRED, and bad arguments getting Linux's errors.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

#include "t.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
}

static void check_basics(void)
{
	int sv[2];
	CHECK(pair(sv) == 0, "socketpair(AF_UNIX, SOCK_STREAM)");
	CHECK(write(sv[0], "hello", 5) == 5, "write to one end");
	char b[16] = {0};
	CHECK(read(sv[1], b, sizeof b) == 5 && !memcmp(b, "hello", 5), "read it from the other");
	CHECK(send(sv[1], "back", 4, 0) == 4 && recv(sv[0], b, sizeof b, 0) == 4 && !memcmp(b, "back", 4),
	      "and the other way (send/recv)");
	struct stat st;
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat says S_IFSOCK");
	int v = -1;
	socklen_t l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM && l == 4,
	      "SO_TYPE is SOCK_STREAM");
	l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &l) == 0 && v == AF_UNIX, "SO_DOMAIN is AF_UNIX");
	l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0 && v == 0, "SO_PROTOCOL is 0");
	l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v == 0,
	      "SO_ACCEPTCONN is 0 on a connected socket");
	struct iovec iov[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
	CHECK(writev(sv[0], iov, 3) == 6, "writev of three pieces");
	char x[2], y[4];
	struct iovec riov[2] = {{x, 2}, {y, 4}};
	CHECK(readv(sv[1], riov, 2) == 6 && !memcmp(x, "ab", 2) && !memcmp(y, "cdef", 4),
	      "readv gathers them");
	CHECK_ERR(lseek(sv[0], 0, SEEK_SET), ESPIPE, "lseek on a socket is ESPIPE");
	close(sv[0]);
	close(sv[1]);
}

static void check_flags(void)
{
	int sv[2];
	pair(sv);
	char b[16];
	CHECK_ERR(recv(sv[1], b, sizeof b, MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT on an empty socket");
	send(sv[0], "abcdef", 6, 0);
	CHECK(recv(sv[1], b, 3, MSG_PEEK) == 3 && !memcmp(b, "abc", 3), "MSG_PEEK sees the data");
	CHECK(recv(sv[1], b, 2, 0) == 2 && !memcmp(b, "ab", 2), "and leaves it to be read");
	send(sv[0], "gh", 2, 0);
	CHECK(recv(sv[1], b, sizeof b, MSG_PEEK) == 6 && !memcmp(b, "cdefgh", 6),
	      "MSG_PEEK reads across writes");
	CHECK(recv(sv[1], b, sizeof b, 0) == 6, "a read takes both writes' bytes");
	int fl = fcntl(sv[1], F_GETFL);
	CHECK(fcntl(sv[1], F_SETFL, fl | O_NONBLOCK) == 0 && (fcntl(sv[1], F_GETFL) & O_NONBLOCK),
	      "fcntl(O_NONBLOCK)");
	CHECK_ERR(read(sv[1], b, sizeof b), EAGAIN, "a non-blocking read of nothing is EAGAIN");
	fcntl(sv[1], F_SETFL, fl);

	/* MSG_WAITALL: the reader waits for all it asked for, across writes. */
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			sleep_ms(30);
			send(sv[0], "wxyz" + i, 1, 0);
		}
		_exit(0);
	}
	CHECK(recv(sv[1], b, 4, MSG_WAITALL) == 4 && !memcmp(b, "wxyz", 4),
	      "MSG_WAITALL gathers four one-byte writes");
	t_wait(pid);
	close(sv[0]);
	close(sv[1]);
}

static int sigpipes;
static void on_sigpipe(int s)
{
	sigpipes++;
}

static void check_shutdown(void)
{
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigaction(SIGPIPE, &sa, NULL);
	int sv[2];
	pair(sv);
	char b[16];
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown(SHUT_WR)");
	CHECK(read(sv[1], b, sizeof b) == 0, "the other end reads end of file");
	CHECK(write(sv[1], "r", 1) == 1 && read(sv[0], b, 1) == 1, "half-close: it can still answer");
	sigpipes = 0;
	CHECK_ERR(write(sv[0], "x", 1), EPIPE, "a write after SHUT_WR is EPIPE");
	CHECK(sigpipes == 1, "with SIGPIPE");
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "MSG_NOSIGNAL: EPIPE");
	CHECK(sigpipes == 1, "and no SIGPIPE");
	struct pollfd p = {sv[1], POLLIN | POLLRDHUP, 0};
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP) && (p.revents & POLLIN),
	      "poll shows POLLRDHUP on the end whose peer shut down writing");
	CHECK(shutdown(sv[1], SHUT_RD) == 0, "shutdown(SHUT_RD)");
	CHECK_ERR(write(sv[0], "x", 1), EPIPE, "the peer of a SHUT_RD end gets EPIPE");
	CHECK_ERR(shutdown(sv[0], 3), EINVAL, "shutdown how 3 is EINVAL");
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	close(sv[1]);
	sigpipes = 0;
	CHECK_ERR(write(sv[0], "x", 1), EPIPE, "a write to a closed peer is EPIPE");
	CHECK(sigpipes == 1, "with SIGPIPE");
	CHECK(read(sv[0], b, 1) == 0, "and a read is end of file");
	p = (struct pollfd){sv[0], POLLIN | POLLOUT, 0};
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "poll shows POLLHUP");
	close(sv[0]);

	pair(sv);
	send(sv[0], "unread", 6, 0);
	close(sv[1]);
	CHECK_ERR(recv(sv[0], b, 1, MSG_DONTWAIT), ECONNRESET,
		  "the peer closed with our data unread: ECONNRESET, even with MSG_DONTWAIT");
	close(sv[0]);
	pair(sv);
	send(sv[1], "unread", 6, 0);
	close(sv[1]);
	CHECK(recv(sv[0], b, sizeof b, 0) == 6, "what the peer sent before closing is still read");
	CHECK(recv(sv[0], b, sizeof b, 0) == 0, "then end of file");
	close(sv[0]);

	pair(sv);
	send(sv[0], "never read", 10, 0);
	close(sv[1]); /* closed with data unread */
	CHECK_ERR(recv(sv[0], b, sizeof b, 0), ECONNRESET,
		  "the peer closed leaving data unread: ECONNRESET");
	CHECK(recv(sv[0], b, sizeof b, 0) == 0, "once; then end of file");
	close(sv[0]);
	signal(SIGPIPE, SIG_DFL);
}

/* Fill sv[0]'s buffer with non-blocking writes; the bytes written. */
static long fill(int fd)
{
	static char chunk[4096];
	long n = 0, r;
	while ((r = send(fd, chunk, sizeof chunk, MSG_DONTWAIT)) > 0)
		n += r;
	return r < 0 && errno == EAGAIN ? n : -1;
}

static void check_nonblocking_and_buffers(void)
{
	int sv[2];
	pair(sv);
	int v = -1;
	socklen_t l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l) == 0 && v > 0, "SO_SNDBUF has a default");
	long full = fill(sv[0]);
	CHECK(full > 0, "non-blocking writes fill the buffer, then EAGAIN (%ld bytes)", full);
	struct pollfd p = {sv[0], POLLOUT, 0};
	CHECK(poll(&p, 1, 0) == 0, "a full socket is not writable");
	char buf[4096];
	long got = 0, r;
	while ((r = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)) > 0)
		got += r;
	CHECK(got == full, "the reader gets every byte");
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLOUT), "drained, it is writable again");
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	v = 1000;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0, "SO_SNDBUF 1000");
	l = sizeof v;
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
	CHECK(v == 4608, "is raised to Linux's minimum, 4608 (%d)", v);
	v = 100000;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	l = sizeof v;
	getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l);
	CHECK(v == 200000, "SO_RCVBUF 100000 reads back doubled (%d)", v);
	long small = fill(sv[0]);
	CHECK(small > 0 && small < full, "a small SO_SNDBUF holds less (%ld < %ld)", small, full);
	close(sv[0]);
	close(sv[1]);
}

static void check_timeouts(void)
{
	int sv[2];
	pair(sv);
	struct timeval tv = {0, 200000};
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO 200 ms");
	struct timeval got;
	socklen_t l = sizeof got;
	CHECK(getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &got, &l) == 0 && l == sizeof got &&
		      got.tv_sec == 0 && got.tv_usec >= 200000 && got.tv_usec < 220000,
	      "reads back (%ld us)", (long)got.tv_usec);
	char b[8];
	long long t0 = now_ms();
	CHECK_ERR(recv(sv[1], b, sizeof b, 0), EAGAIN, "a read times out with EAGAIN");
	long long waited = now_ms() - t0;
	CHECK(waited >= 190, "after the timeout (%lld ms)", waited);
	tv.tv_usec = 1000000;
	CHECK_ERR(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), EDOM,
		  "a timeval of a million microseconds is EDOM");
	CHECK_ERR(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL, "a short timeval is EINVAL");

	tv = (struct timeval){0, 200000};
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	long full = fill(sv[0]);
	t0 = now_ms();
	CHECK_ERR(send(sv[0], "x", 1, 0), EAGAIN, "a write to a full socket times out with EAGAIN");
	CHECK(now_ms() - t0 >= 190, "after SO_SNDTIMEO");
	/* A big write times out partway: it reports what it wrote. */
	while (recv(sv[1], b, sizeof b, MSG_DONTWAIT) > 0)
		;
	static char big[1 << 20];
	long r = send(sv[0], big, sizeof big, 0);
	CHECK(r > 0 && r < (long)sizeof big, "a 1 MiB write times out partway and says how much (%ld)", r);
	(void)full;
	close(sv[0]);
	close(sv[1]);
}

static int handled;
static void on_usr1(int s)
{
	handled++;
}

/* A child waits in recv; SIGUSR1 arrives (handler with or without SA_RESTART). */
static void check_signal(int restart, int timeout, const char *what)
{
	int sv[2];
	pair(sv);
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0};
		sigaction(SIGUSR1, &sa, NULL);
		if (timeout) {
			struct timeval tv = {30, 0};
			setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		}
		char c;
		(void)!write(p[1], "r", 1);
		long r = recv(sv[1], &c, 1, 0);
		int e = errno;
		/* 1: restarted and read the byte; 2: EINTR after the handler. */
		_exit(r == 1 && c == 'z' && handled ? 1 : r < 0 && e == EINTR && handled ? 2 : 3);
	}
	char c;
	(void)!read(p[0], &c, 1);
	sleep_ms(100);
	kill(pid, SIGUSR1);
	sleep_ms(100);
	send(sv[0], "z", 1, 0);
	int st = t_wait(pid);
	CHECK_EXITED(st, restart && !timeout ? 1 : 2, "%s", what);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

struct blocked {
	int fd;
	long r;
	char c;
	int e;
};

static void *blocked_reader(void *arg)
{
	struct blocked *b = arg;
	b->r = recv(b->fd, &b->c, 1, 0);
	b->e = errno;
	return NULL;
}

static void check_close_while_blocked(void)
{
	/* As on Linux: closing the descriptor does not end a call blocked in it. */
	int sv[2];
	pair(sv);
	struct blocked b = {sv[1], -2, 0, 0};
	pthread_t t;
	pthread_create(&t, NULL, blocked_reader, &b);
	sleep_ms(100);
	CHECK(close(sv[1]) == 0, "close a socket another thread is blocked reading");
	sleep_ms(100);
	CHECK(b.r == -2, "the blocked read goes on");
	send(sv[0], "k", 1, 0);
	pthread_join(t, NULL);
	CHECK(b.r == 1 && b.c == 'k', "and gets what the peer sends next");
	close(sv[0]);

	pair(sv);
	b = (struct blocked){sv[1], -2, 0, 0};
	pthread_create(&t, NULL, blocked_reader, &b);
	sleep_ms(100);
	CHECK(shutdown(sv[1], SHUT_RDWR) == 0, "shutdown a socket another thread is blocked reading");
	pthread_join(t, NULL);
	CHECK(b.r == 0, "the blocked read returns end of file");
	close(sv[0]);
	close(sv[1]);
}

static uint32_t crc_step(uint32_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void check_bulk(void)
{
	int sv[2];
	pair(sv);
	enum { TOTAL = 4 << 20 };
	int res[2];
	pipe(res);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		static unsigned char buf[70000];
		uint32_t h = 2166136261u;
		long got = 0, r;
		size_t ask = 1;
		while ((r = read(sv[1], buf, ask)) > 0) {
			h = crc_step(h, buf, (size_t)r);
			got += r;
			ask = ask * 7 % sizeof buf + 1;
		}
		(void)!write(res[1], &h, sizeof h);
		(void)!write(res[1], &got, sizeof got);
		_exit(0);
	}
	close(sv[1]);
	static unsigned char data[TOTAL];
	uint32_t seed = 12345;
	for (size_t i = 0; i < TOTAL; i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (unsigned char)(seed >> 16);
	}
	size_t off = 0, step = 3;
	while (off < TOTAL) {
		size_t n = step < TOTAL - off ? step : TOTAL - off;
		long w = write(sv[0], data + off, n);
		if (w <= 0)
			break;
		off += (size_t)w;
		step = step * 13 % 300000 + 1;
	}
	close(sv[0]);
	uint32_t h = 0;
	long got = 0;
	(void)!read(res[0], &h, sizeof h);
	(void)!read(res[0], &got, sizeof got);
	t_wait(pid);
	CHECK(off == TOTAL && got == TOTAL && h == crc_step(2166136261u, data, TOTAL),
	      "4 MiB in writes of odd sizes arrive whole, in order (%ld bytes)", got);
	close(res[0]);
	close(res[1]);
}

static void check_peercred(void)
{
	int sv[2];
	pair(sv);
	struct ucred c;
	socklen_t l = sizeof c;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &l) == 0 && l == sizeof c &&
		      c.pid == getpid() && c.uid == getuid() && c.gid == getgid(),
	      "SO_PEERCRED of a socketpair: our pid, uid, gid");
	close(sv[0]);
	close(sv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	l = sizeof c;
	CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &l) == 0 && c.pid == 0 && c.uid == (uid_t)-1,
	      "unconnected: pid 0, uid -1");
	close(s);
}

static void check_bad(void)
{
	char b[8];
	int sv[2];
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT, "protocol 7 is EPROTONOSUPPORT");
	CHECK_ERR(socket(AF_UNIX, 9, 0), ESOCKTNOSUPPORT, "type 9 is ESOCKTNOSUPPORT");
	CHECK_ERR(socket(AF_UNIX, 42, 0), EINVAL, "type 42 is EINVAL");
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL, "an unknown type flag is EINVAL");
	CHECK_ERR(socket(1234, SOCK_STREAM, 0), EAFNOSUPPORT, "family 1234 is EAFNOSUPPORT");
	CHECK_ERR(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT, "family -1 is EAFNOSUPPORT");
	int *volatile bad = (int *)8;
	CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, bad), EFAULT, "socketpair to a bad address");
	CHECK_ERR(send(12345, "x", 1, 0), EBADF, "send on a closed descriptor is EBADF");
	CHECK_ERR(recv(0 > 1 ? 0 : 12345, b, 1, 0), EBADF, "recv on one too");
	int fd = open("/dev/null", O_RDWR);
	CHECK_ERR(send(fd, "x", 1, 0), ENOTSOCK, "send on /dev/null is ENOTSOCK");
	CHECK_ERR(listen(fd, 1), ENOTSOCK, "listen on /dev/null is ENOTSOCK");
	CHECK_ERR(shutdown(fd, SHUT_RD), ENOTSOCK, "shutdown on /dev/null is ENOTSOCK");
	int v = 0;
	socklen_t l = sizeof v;
	CHECK_ERR(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), ENOTSOCK, "getsockopt on /dev/null");
	close(fd);
	pair(sv);
	CHECK_ERR(send(sv[0], (void *)8, 10, 0), EFAULT, "send from a bad address is EFAULT");
	send(sv[0], "abc", 3, 0);
	CHECK_ERR(recv(sv[1], (void *)8, 10, 0), EFAULT, "recv into a bad address is EFAULT");
	CHECK(recv(sv[1], b, 10, 0) == 3, "the data is still there");
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof v), ENOPROTOOPT,
		  "an unknown option is ENOPROTOOPT");
	CHECK_ERR(setsockopt(sv[0], 6 /* IPPROTO_TCP */, 1, &v, sizeof v), EOPNOTSUPP,
		  "a TCP option on a unix socket is EOPNOTSUPP");
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL, "a short int is EINVAL");
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, (void *)8, 4), EFAULT,
		  "a bad option pointer is EFAULT");
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, -1), EINVAL,
		  "a negative option length is EINVAL");
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, sizeof v), ENOPROTOOPT,
		  "SO_TYPE cannot be set");
	CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8), EFAULT,
		  "getsockopt with a bad length pointer");
	int neg = -1;
	CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, (socklen_t *)&neg), EINVAL,
		  "getsockopt with a negative length");
	v = 1;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v) == 0, "SO_KEEPALIVE on");
	v = 0;
	l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, &l) == 0 && v == 1, "reads back 1");
	struct linger lg = {1, 5};
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER");
	lg = (struct linger){0, 0};
	l = sizeof lg;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, &l) == 0 && lg.l_onoff == 1 && lg.l_linger == 5,
	      "reads back");
	char small = 0;
	l = 1;
	v = 1;
	setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &small, &l) == 0 && l == 1 && small == 1,
	      "a 1-byte getsockopt buffer gets the low byte");
	CHECK_ERR(listen(sv[0], 1), EINVAL, "listen on a connected socket is EINVAL");
	CHECK_ERR(accept(sv[0], NULL, NULL), EINVAL, "accept on a socket not listening is EINVAL");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	CHECK_ERR(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, sizeof a), EISCONN,
		  "sendto with a name on a connected stream is EISCONN");
	close(sv[0]);
	close(sv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(send(s, "x", 1, 0), ENOTCONN, "send on an unconnected stream is ENOTCONN");
	CHECK_ERR(recv(s, b, 1, 0), EINVAL, "recv on an unconnected stream is EINVAL");
	CHECK_ERR(getpeername(s, (struct sockaddr *)&a, &l), ENOTCONN, "getpeername: ENOTCONN");
	CHECK_ERR(accept4(s, NULL, NULL, 0x1234), EINVAL, "accept4 with unknown flags is EINVAL");
	close(s);
}

int main(void)
{
	check_basics();
	check_flags();
	check_shutdown();
	check_nonblocking_and_buffers();
	check_timeouts();
	check_signal(1, 0, "SA_RESTART: a blocked recv runs again after the handler");
	check_signal(0, 0, "no SA_RESTART: the handler ends it with EINTR");
	check_signal(1, 1, "SA_RESTART but SO_RCVTIMEO set: EINTR (signal(7))");
	check_close_while_blocked();
	check_bulk();
	check_peercred();
	check_bad();
	return t_done();
}
