/*
 * unix_dgram: AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET (unix(7)). Message
 * boundaries, truncation (MSG_TRUNC both ways), empty datagrams, sender
 * names, connect and its EPERM, ECONNREFUSED and ENOTCONN when the peer
 * goes, EMSGSIZE, a receiver's queue limit (max_dgram_qlen) with EAGAIN,
 * poll and a blocked sender; seqpackets over listen/accept, their end of
 * file and EPIPE (without SIGPIPE), and SIOCINQ.
 */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "t.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, strlen(path));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static int sigpipes;
static void on_sigpipe(int s)
{
	sigpipes++;
}

static void check_pair(int type, const char *name)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, type, 0, sv) == 0, "%s socketpair", name);
	send(sv[0], "first", 5, 0);
	send(sv[0], "second!", 7, 0);
	char b[32];
	CHECK(recv(sv[1], b, sizeof b, 0) == 5, "%s: one message per read (5)", name);
	CHECK(recv(sv[1], b, sizeof b, 0) == 7, "%s: then the next (7)", name);
	send(sv[0], "truncated", 9, 0);
	struct iovec iov = {b, 4};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	CHECK(recvmsg(sv[1], &m, 0) == 4 && (m.msg_flags & MSG_TRUNC) && !memcmp(b, "trun", 4),
	      "%s: a short buffer gets the start and MSG_TRUNC in msg_flags", name);
	CHECK_ERR(recv(sv[1], b, sizeof b, MSG_DONTWAIT), EAGAIN, "%s: and the rest is gone", name);
	send(sv[0], "0123456789", 10, 0);
	CHECK(recv(sv[1], b, 3, MSG_TRUNC) == 10, "%s: MSG_TRUNC asks for the real length (10)", name);
	send(sv[0], "peek", 4, 0);
	CHECK(recv(sv[1], b, sizeof b, MSG_PEEK) == 4 && recv(sv[1], b, sizeof b, 0) == 4,
	      "%s: MSG_PEEK leaves the message", name);
	CHECK(send(sv[0], "", 0, 0) == 0, "%s: an empty message is sent", name);
	int avail = -1;
	CHECK(ioctl(sv[1], FIONREAD, &avail) == 0 && avail == 0, "%s: FIONREAD: its size, 0", name);
	CHECK(recv(sv[1], b, sizeof b, MSG_DONTWAIT) == 0, "%s: and received, as 0 bytes", name);
	CHECK_ERR(recv(sv[1], b, sizeof b, MSG_DONTWAIT), EAGAIN, "%s: it was one message", name);
	send(sv[0], "abc", 3, 0);
	CHECK(ioctl(sv[1], FIONREAD, &avail) == 0 && avail == 3, "%s: FIONREAD of a 3-byte message", name);
	recv(sv[1], b, sizeof b, 0);
	int v = 0;
	socklen_t l = sizeof v;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == type, "%s: SO_TYPE", name);
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigaction(SIGPIPE, &sa, NULL);
	close(sv[1]);
	sigpipes = 0;
	if (type == SOCK_SEQPACKET) {
		CHECK(recv(sv[0], b, sizeof b, 0) == 0, "%s: the peer closed: end of file", name);
		CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE, "%s: a send is EPIPE", name);
	} else {
		CHECK_ERR(send(sv[0], "x", 1, 0), ECONNREFUSED, "%s: a send to a closed peer is ECONNREFUSED", name);
		CHECK_ERR(send(sv[0], "x", 1, 0), ENOTCONN, "%s: then we are disconnected: ENOTCONN", name);
	}
	CHECK(sigpipes == 0, "%s: no SIGPIPE", name);
	signal(SIGPIPE, SIG_DFL);
	close(sv[0]);
}

static void check_names(void)
{
	const char *path = t_tmp("dg"), *path2 = t_tmp("dg2");
	unlink(path);
	unlink(path2);
	struct sockaddr_un a, a2, from;
	socklen_t len = path_addr(&a, path), len2 = path_addr(&a2, path2), fl;
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(r, (struct sockaddr *)&a, len) == 0, "bind a datagram socket to a path");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(s, "hi", 2, 0, (struct sockaddr *)&a, len) == 2, "sendto the path");
	char b[16];
	fl = sizeof from;
	CHECK(recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &fl) == 2 && fl == 0,
	      "recvfrom: an unbound sender has no name (length 0, got %d)", (int)fl);
	bind(s, (struct sockaddr *)&a2, len2);
	sendto(s, "hey", 3, 0, (struct sockaddr *)&a, len);
	fl = sizeof from;
	CHECK(recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &fl) == 3 && fl == len2 &&
		      !strcmp(from.sun_path, path2),
	      "a bound sender's name comes with its datagram");
	CHECK_ERR(send(s, "x", 1, 0), ENOTCONN, "send without a name or a peer is ENOTCONN");
	CHECK(connect(s, (struct sockaddr *)&a, len) == 0, "connect to set the default peer");
	CHECK(send(s, "y", 1, 0) == 1 && recv(r, b, sizeof b, 0) == 1, "then send needs no name");
	CHECK(connect(r, (struct sockaddr *)&a2, len2) == 0, "the receiver connects back");
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_ERR(sendto(t, "z", 1, 0, (struct sockaddr *)&a, len), EPERM,
		  "a third socket may not send to one connected elsewhere: EPERM");
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	CHECK(connect(r, &unspec, sizeof unspec) == 0, "connect to AF_UNSPEC disconnects");
	CHECK(sendto(t, "z", 1, 0, (struct sockaddr *)&a, len) == 1, "then anyone may send again");
	recv(r, b, sizeof b, 0);
	int v = 300000;
	socklen_t vl = sizeof v;
	setsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	getsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, &vl);
	static char big[600000];
	CHECK_ERR(sendto(t, big, (size_t)v, 0, (struct sockaddr *)&a, len), EMSGSIZE,
		  "a datagram as big as the send buffer is EMSGSIZE");
	close(r);
	CHECK_ERR(send(s, "x", 1, 0), ECONNREFUSED, "its receiver closed: ECONNREFUSED");
	CHECK_ERR(sendto(t, "x", 1, 0, (struct sockaddr *)&a, len), ECONNREFUSED,
		  "a path whose socket is closed: ECONNREFUSED");
	unlink(path);
	CHECK_ERR(sendto(t, "x", 1, 0, (struct sockaddr *)&a, len), ENOENT, "a missing path: ENOENT");
	int st = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(st, (struct sockaddr *)&a, len);
	CHECK_ERR(sendto(t, "x", 1, 0, (struct sockaddr *)&a, len), EPROTOTYPE,
		  "to a stream socket's name: EPROTOTYPE");
	close(st);
	unlink(path);
	close(s);
	close(t);
	unlink(path2);
	int raw = socket(AF_UNIX, SOCK_RAW, 0);
	v = 0;
	vl = sizeof v;
	CHECK(raw >= 0 && getsockopt(raw, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_DGRAM,
	      "SOCK_RAW is taken as SOCK_DGRAM");
	close(raw);
}

static int qlen(void)
{
	int q = 10;
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	if (f) {
		if (fscanf(f, "%d", &q) != 1)
			q = 10;
		fclose(f);
	}
	return q;
}

static void check_queue_limit(void)
{
	const char *path = t_tmp("dgq");
	unlink(path);
	struct sockaddr_un a;
	socklen_t len = path_addr(&a, path);
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(r, (struct sockaddr *)&a, len);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)&a, len);
	int n = 0, q = qlen();
	while (n < 1000 && send(s, "m", 1, MSG_DONTWAIT) == 1)
		n++;
	CHECK(n == q + 1 && errno == EAGAIN,
	      "a receiver not connected back takes max_dgram_qlen + 1 datagrams, then EAGAIN (%d)", n);
	struct pollfd p = {s, POLLOUT, 0};
	CHECK(poll(&p, 1, 0) == 0, "and the sender is not writable");
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(150);
		char b;
		recv(r, &b, 1, 0);
		_exit(0);
	}
	CHECK(poll(&p, 1, 20000) == 1 && (p.revents & POLLOUT), "one read by the receiver makes it writable");
	t_wait(pid);
	CHECK(send(s, "n", 1, MSG_DONTWAIT) == 1, "a send goes through");
	pid = fork();
	if (pid == 0) {
		sleep_ms(150);
		char b;
		recv(r, &b, 1, 0);
		_exit(0);
	}
	CHECK(send(s, "o", 1, 0) == 1, "a blocking send to a full receiver waits for room");
	t_wait(pid);
	close(r);
	close(s);
	unlink(path);
}

static void check_seqpacket_listen(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "ferry-seq-%d", (int)getpid());
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 4) == 0, "a seqpacket listener");
	int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	char b[16];
	CHECK_ERR(send(c, "x", 1, 0), ENOTCONN, "send before connect: ENOTCONN");
	CHECK_ERR(recv(c, b, 1, MSG_DONTWAIT), ENOTCONN, "recv before connect: ENOTCONN");
	CHECK(connect(c, (struct sockaddr *)&a, len) == 0, "connect");
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0, "accept");
	send(c, "one", 3, 0);
	send(c, "two!", 4, 0);
	CHECK(recv(s, b, sizeof b, 0) == 3 && recv(s, b, sizeof b, 0) == 4, "boundaries kept");
	int st = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(connect(st, (struct sockaddr *)&a, len), ECONNREFUSED,
		  "abstract names are per type: a stream socket finds no listener (ECONNREFUSED)");
	CHECK(bind(st, (struct sockaddr *)&a, len) == 0, "and may bind the same abstract name");
	close(st);
	int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_ERR(listen(dg, 1), EOPNOTSUPP, "listen on a datagram socket is EOPNOTSUPP");
	CHECK_ERR(accept(dg, NULL, NULL), EOPNOTSUPP, "accept too");
	close(dg);
	close(s);
	close(c);
	close(l);
}

static void check_shutdown(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	CHECK(shutdown(sv[1], SHUT_RD) == 0, "shutdown(SHUT_RD) of a datagram socket");
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "its peer's sends are EPIPE");
	char b[4];
	CHECK(recv(sv[1], b, sizeof b, 0) == 0, "its reads return 0 at once");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	check_pair(SOCK_DGRAM, "dgram");
	check_pair(SOCK_SEQPACKET, "seqpacket");
	check_names();
	check_queue_limit();
	check_seqpacket_listen();
	check_shutdown();
	return t_done();
}
