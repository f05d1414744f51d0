/*
 * unix_scm: control messages over AF_UNIX (unix(7), cmsg(3)). SCM_RIGHTS
 * passes descriptors to another process (pipes, and sockets in flight
 * that are used after), truncates as Linux does when the buffer is short
 * (MSG_CTRUNC, the rest closed), honours MSG_CMSG_CLOEXEC, refuses bad
 * descriptors and more than 253; a socket sent over itself (and a ring
 * of two) is collected once unreachable; descriptors in flight are bounded
 * (ETOOMANYREFS); SCM_CREDENTIALS with SO_PASSCRED, and a stream reader
 * wanting credentials never gets two writers' bytes in one read.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>

#include "t.h"

static int send_fds(int s, const int *fds, int n, int flags)
{
	char buf[CMSG_SPACE(sizeof(int) * 300)];
	struct iovec iov = {"x", 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			   .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
	memset(buf, 0, sizeof buf);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	/* The system call itself: musl's sendmsg refuses control buffers over 1024 bytes. */
	return (int)syscall(SYS_sendmsg, s, &m, flags);
}

/* Receive one message; up to max descriptors into fds. Descriptors received, or -1. */
static int recv_fds(int s, int *fds, int max, size_t ctl, int flags, int *mflags)
{
	char buf[CMSG_SPACE(sizeof(int) * 300)];
	char data[16];
	struct iovec iov = {data, sizeof data};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl ? buf : NULL,
			   .msg_controllen = ctl};
	if (recvmsg(s, &m, flags) < 0)
		return -1;
	if (mflags)
		*mflags = m.msg_flags;
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n < max; i++)
				memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	return n;
}

/* Wait until fd's peer is closed (POLLHUP), up to 20 s. */
static int hup_within(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 20000) == 1 && (p.revents & POLLHUP);
}

static void check_rights(void)
{
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		int got[4];
		int n = recv_fds(sv[1], got, 4, CMSG_SPACE(sizeof(int) * 4), 0, NULL);
		_exit(n == 1 && write(got[0], "from child", 10) == 10 ? 0 : 1);
	}
	CHECK(send_fds(sv[0], &p[1], 1, 0) == 1, "send a pipe's write end with SCM_RIGHTS");
	close(p[1]);
	char b[16] = {0};
	CHECK(read(p[0], b, sizeof b) == 10 && !memcmp(b, "from child", 10), "another process writes through it");
	CHECK_EXITED(t_wait(pid), 0, "the child got one descriptor");
	close(p[0]);

	/* Three descriptors into room for one: MSG_CTRUNC, and the others are closed. */
	int q[3][2];
	for (int i = 0; i < 3; i++)
		pipe(q[i]);
	int w[3] = {q[0][1], q[1][1], q[2][1]};
	send_fds(sv[0], w, 3, 0);
	for (int i = 0; i < 3; i++)
		close(q[i][1]);
	int got[3], mf = 0;
	int n = recv_fds(sv[1], got, 3, CMSG_LEN(sizeof(int)), 0, &mf);
	CHECK(n == 1 && (mf & MSG_CTRUNC), "three into room for one: one, and MSG_CTRUNC");
	CHECK(hup_within(q[1][0]) && hup_within(q[2][0]), "the two that did not fit are closed");
	struct pollfd pf = {q[0][0], POLLIN, 0};
	CHECK(poll(&pf, 1, 0) == 0, "the one received is open");
	close(got[0]);
	CHECK(hup_within(q[0][0]), "until we close it");
	for (int i = 0; i < 3; i++)
		close(q[i][0]);

	/* MSG_CMSG_CLOEXEC */
	pipe(p);
	send_fds(sv[0], &p[0], 1, 0);
	n = recv_fds(sv[1], got, 1, CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC, NULL);
	CHECK(n == 1 && (fcntl(got[0], F_GETFD) & FD_CLOEXEC), "MSG_CMSG_CLOEXEC sets FD_CLOEXEC");
	close(got[0]);
	/* No control buffer: MSG_CTRUNC, and the descriptor is closed. */
	send_fds(sv[0], &p[1], 1, 0);
	close(p[1]);
	n = recv_fds(sv[1], got, 1, 0, 0, &mf);
	CHECK(n == 0 && (mf & MSG_CTRUNC), "no control buffer: MSG_CTRUNC");
	CHECK(hup_within(p[0]), "and what was sent is closed");
	close(p[0]);

	int bad = 9999;
	CHECK_ERR(send_fds(sv[0], &bad, 1, 0), EBADF, "a closed descriptor is EBADF");
	int many[254];
	for (int i = 0; i < 254; i++)
		many[i] = 0;
	CHECK_ERR(send_fds(sv[0], many, 254, 0), EINVAL, "254 descriptors is EINVAL");
	CHECK(send_fds(sv[0], many, 253, 0) == 1, "253 go");
	static int lots[253];
	CHECK(recv_fds(sv[1], lots, 253, CMSG_SPACE(sizeof(int) * 253), 0, NULL) == 253, "and arrive");
	for (int i = 0; i < 253; i++)
		close(lots[i]);
	close(sv[0]);
	close(sv[1]);
}

static void check_socket_in_flight(void)
{
	/* A connected socket passed to a child, which talks through it. */
	int carrier[2], conv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, carrier);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, conv);
	pid_t pid = fork();
	if (pid == 0) {
		int s;
		if (recv_fds(carrier[1], &s, 1, CMSG_SPACE(sizeof(int)), 0, NULL) != 1)
			_exit(1);
		char b[8];
		_exit(recv(s, b, sizeof b, 0) == 4 && send(s, "pong", 4, 0) == 4 ? 0 : 2);
	}
	send_fds(carrier[0], &conv[1], 1, 0);
	close(conv[1]);
	send(conv[0], "ping", 4, 0);
	char b[8];
	CHECK(recv(conv[0], b, sizeof b, 0) == 4 && !memcmp(b, "pong", 4),
	      "a socket sent in flight is used by its receiver");
	CHECK_EXITED(t_wait(pid), 0, "the child answered");
	close(conv[0]);
	close(carrier[0]);
	close(carrier[1]);
}

static void check_cycles(void)
{
	/* A socket sent over itself: its own queue holds it. A pipe end sent beside it shows when it goes. */
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	int fds[2] = {sv[0], p[1]};
	CHECK(send_fds(sv[1], fds, 2, 0) == 1, "send a socket into its own queue (with a pipe's write end)");
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	CHECK(hup_within(p[0]), "once unreachable, the cycle is collected (the pipe end closes)");
	close(p[0]);

	/* A ring of two: a's queue holds b, b's holds a. */
	int a[2], c[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, a);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, c);
	pipe(p);
	int one[2] = {c[0], p[1]};
	send_fds(a[1], one, 2, 0); /* into a[0]'s queue */
	send_fds(c[1], &a[0], 1, 0); /* into c[0]'s queue */
	close(p[1]);
	close(a[0]);
	close(c[0]);
	close(a[1]);
	close(c[1]);
	CHECK(hup_within(p[0]), "a ring of two sockets is collected once unreachable");
	close(p[0]);

	/* In flight but reachable: a's queue holds c[0], and a[0] is open. Collections leave it. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, a);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, c);
	pipe(p);
	int two[2] = {c[0], p[1]};
	send_fds(a[1], two, 2, 0);
	close(c[0]);
	close(p[1]);
	int x[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, x);
	close(x[0]); /* releases of unix sockets start the collector */
	close(x[1]);
	CHECK(poll(&(struct pollfd){p[0], POLLIN, 0}, 1, 100) == 0, "a socket in flight that can be received lives");
	int back[2];
	CHECK(recv_fds(a[0], back, 2, CMSG_SPACE(sizeof(int) * 2), 0, NULL) == 2, "and is received");
	CHECK(send(c[1], "q", 1, 0) == 1 && recv(back[0], &(char){0}, 1, 0) == 1, "working");
	close(back[0]);
	close(back[1]);
	close(a[0]);
	close(a[1]);
	close(c[1]);
	CHECK(hup_within(p[0]), "closed, everything goes");
	close(p[0]);

	/* A socket sent over itself by its own send: into its peer's queue, no cycle. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	CHECK(send_fds(sv[0], &sv[0], 1, 0) == 1, "a socket sent over itself");
	int got;
	CHECK(recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL) == 1, "arrives at its peer");
	CHECK(send(got, "z", 1, 0) == 1, "and works there");
	close(got);
	close(sv[0]);
	close(sv[1]);
}

static void limit_child(void *arg)
{
	if (geteuid() == 0) {
		/* CAP_SYS_RESOURCE is exempt: drop root to see the limit. */
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
	}
	struct rlimit rl = {64, 64};
	setrlimit(RLIMIT_NOFILE, &rl); /* Ferry's is fixed: getrlimit says which applies */
	getrlimit(RLIMIT_NOFILE, &rl);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		_exit(4);
	int p[2];
	pipe(p);
	int n = 0, r;
	while ((r = send_fds(sv[0], &p[0], 1, MSG_DONTWAIT)) == 1 && n < 5000)
		n++;
	if (r >= 0 || errno != ETOOMANYREFS)
		_exit(5);
	if ((rlim_t)n > rl.rlim_cur + 2)
		_exit(6);
	int got;
	for (int i = 0; i < n; i++) {
		if (recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL) != 1)
			_exit(7);
		close(got);
	}
	_exit(send_fds(sv[0], &p[0], 1, 0) == 1 ? 0 : 8);
}

static void check_limit(void)
{
	CHECK_EXITED(t_child(limit_child, NULL), 0,
		     "descriptors in flight stop at RLIMIT_NOFILE (ETOOMANYREFS), and go again once received");
}

static void check_credentials(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	int on = 1;
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0, "SO_PASSCRED on the receiver");
	pid_t pid = fork();
	if (pid == 0) {
		send(sv[0], "c", 1, 0);
		_exit(0);
	}
	t_wait(pid);
	char data[4], buf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {data, sizeof data};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
	CHECK(recvmsg(sv[1], &m, 0) == 1, "receive");
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct ucred cr = {0};
	if (c && c->cmsg_type == SCM_CREDENTIALS)
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && cr.pid == pid &&
		      cr.uid == getuid() && cr.gid == getgid(),
	      "SCM_CREDENTIALS: the sending child's pid, uid, gid");

	/* Sending our own credentials explicitly. */
	struct ucred me = {getpid(), getuid(), getgid()};
	char sbuf[CMSG_SPACE(sizeof me)];
	struct iovec siov = {"d", 1};
	struct msghdr sm = {.msg_iov = &siov, .msg_iovlen = 1, .msg_control = sbuf, .msg_controllen = sizeof sbuf};
	c = CMSG_FIRSTHDR(&sm);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof me);
	memcpy(CMSG_DATA(c), &me, sizeof me);
	CHECK(sendmsg(sv[0], &sm, 0) == 1, "SCM_CREDENTIALS with our own pid is accepted");
	m.msg_controllen = sizeof buf;
	recvmsg(sv[1], &m, 0);
	c = CMSG_FIRSTHDR(&m);
	if (c)
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
	CHECK(c && cr.pid == getpid(), "and received");
	me.pid = 1;
	memcpy(CMSG_DATA(c = CMSG_FIRSTHDR(&sm)), &me, sizeof me);
	if (geteuid() != 0) {
		CHECK_ERR(sendmsg(sv[0], &sm, 0), EPERM, "another process's pid is EPERM");
	} else {
		/* Root may (CAP_SYS_ADMIN); nobody may not. */
		CHECK(sendmsg(sv[0], &sm, 0) == 1, "root sends another process's pid");
		m.msg_controllen = sizeof buf;
		recvmsg(sv[1], &m, 0);
		pid_t k = fork();
		if (k == 0) {
			me.uid = me.gid = 65534;
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(&sm)), &me, sizeof me);
			if (setgid(65534) < 0 || setuid(65534) < 0)
				_exit(3);
			_exit(sendmsg(sv[0], &sm, 0) == -1 && errno == EPERM ? 0 : 1);
		}
		CHECK_EXITED(t_wait(k), 0, "another process's pid is EPERM for a user");
	}
	c = CMSG_FIRSTHDR(&sm);
	c->cmsg_len = CMSG_LEN(sizeof me - 4);
	sm.msg_controllen = CMSG_SPACE(sizeof me - 4);
	CHECK_ERR(sendmsg(sv[0], &sm, 0), EINVAL, "a short SCM_CREDENTIALS is EINVAL");
	c->cmsg_type = 99;
	c->cmsg_len = CMSG_LEN(4);
	CHECK_ERR(sendmsg(sv[0], &sm, 0), EINVAL, "an unknown SOL_SOCKET control message is EINVAL");
	c->cmsg_len = 1000;
	CHECK_ERR(sendmsg(sv[0], &sm, 0), EINVAL, "a cmsg_len past the buffer is EINVAL");
	close(sv[0]);
	close(sv[1]);

	/* A stream reader with SO_PASSCRED: one writer's bytes per read. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
	send(sv[0], "aa", 2, 0);
	pid = fork();
	if (pid == 0) {
		send(sv[0], "bb", 2, 0);
		_exit(0);
	}
	t_wait(pid);
	char rb[8];
	iov = (struct iovec){rb, sizeof rb};
	m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
	long n1 = recvmsg(sv[1], &m, 0);
	c = CMSG_FIRSTHDR(&m);
	if (c)
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
	CHECK(n1 == 2 && c && cr.pid == getpid(), "the first read: our 2 bytes with our pid");
	m.msg_controllen = sizeof buf;
	long n2 = recvmsg(sv[1], &m, 0);
	c = CMSG_FIRSTHDR(&m);
	if (c)
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
	CHECK(n2 == 2 && c && cr.pid == pid, "the second: the child's, with its pid");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	check_rights();
	check_socket_in_flight();
	check_cycles();
	check_limit();
	check_credentials();
	return t_done();
}
