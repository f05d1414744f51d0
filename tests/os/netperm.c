/*
 * netperm: sockets and privilege. Ports below 1024 take
 * CAP_NET_BIND_SERVICE (ip(7)), raw sockets CAP_NET_RAW (raw(7)); the
 * credentials a Unix socket reports (SO_PEERCRED) and carries
 * (SCM_CREDENTIALS) are the sender's effective ids, and a process may
 * claim only ids it holds (unix(7)).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tuser.h"

#define LOW_PORT 999 /* privileged, and rarely in use on a build machine */

/* ip_unprivileged_port_start (Linux; 1024 where it is not set or not there). */
static int unprivileged_start(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
	int v = 1024;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

static int bind_port(int type, int port)
{
	int s = socket(AF_INET, type, 0);
	if (s < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = bind(s, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	close(s);
	errno = e;
	return r;
}

/* Send one byte with SCM_CREDENTIALS claiming pid, uid, gid over a socketpair. */
static int send_creds(int s, pid_t pid, uid_t uid, gid_t gid)
{
	struct ucred c = {.pid = pid, .uid = uid, .gid = gid};
	union {
		char buf[CMSG_SPACE(sizeof c)];
		struct cmsghdr align;
	} u;
	char byte = 'x';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof u.buf};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_CREDENTIALS;
	h->cmsg_len = CMSG_LEN(sizeof c);
	memcpy(CMSG_DATA(h), &c, sizeof c);
	return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static void as_user(void *arg)
{
	int privileged = *(int *)arg;
	if (privileged) {
		CHECK_ERR(bind_port(SOCK_STREAM, LOW_PORT), EACCES, "a user binds TCP port %d", LOW_PORT);
		CHECK_ERR(bind_port(SOCK_DGRAM, LOW_PORT), EACCES, "a user binds UDP port %d", LOW_PORT);
	}
	CHECK(bind_port(SOCK_STREAM, 0) == 0, "a user binds TCP port 0 (any): %s", strerror(errno));
	CHECK(bind_port(SOCK_DGRAM, 0) == 0, "a user binds UDP port 0 (any): %s", strerror(errno));
	CHECK_ERR(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM, "a user opens a raw socket");

	int sv[2];
	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno)))
		return;
	struct ucred pc;
	socklen_t len = sizeof pc;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &len) == 0 && pc.uid == T_UID &&
		      pc.gid == T_GID && pc.pid == getpid(),
	      "SO_PEERCRED gives the user's ids (%u:%u)", (unsigned)pc.uid, (unsigned)pc.gid);
	int on = 1;
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
	CHECK_ERR(send_creds(sv[0], getpid(), 0, T_GID), EPERM, "a user claims uid 0 in SCM_CREDENTIALS");
	CHECK_ERR(send_creds(sv[0], getpid(), T_UID, 0), EPERM, "a user claims gid 0 in SCM_CREDENTIALS");
	CHECK_ERR(send_creds(sv[0], 1, T_UID, T_GID), EPERM, "a user claims pid 1 in SCM_CREDENTIALS");
	CHECK(send_creds(sv[0], getpid(), T_UID, T_GID) == 0, "its own ids go through: %s",
	      strerror(errno));
	close(sv[0]);
	close(sv[1]);
}

static void as_root(void *arg)
{
	(void)arg;
	CHECK(bind_port(SOCK_STREAM, LOW_PORT) == 0, "root binds TCP port %d: %s", LOW_PORT,
	      strerror(errno));
	CHECK(bind_port(SOCK_DGRAM, LOW_PORT) == 0, "root binds UDP port %d: %s", LOW_PORT,
	      strerror(errno));
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	CHECK(s >= 0, "root opens a raw socket: %s", strerror(errno));
	if (s >= 0)
		close(s);
	int sv[2];
	if (CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno))) {
		CHECK(send_creds(sv[0], getpid(), T_UID, T_GID) == 0,
		      "root (CAP_SETUID, CAP_SETGID) claims another's ids: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
	}
}

int main(void)
{
	if (!t_need_root())
		return t_done();
	int privileged = unprivileged_start() > LOW_PORT;
	if (!privileged)
		t_skip("ports from %d are unprivileged here: no EACCES to see", unprivileged_start());
	CHECK_EXITED(t_as(T_UID, T_GID, as_user, &privileged), 0, "user 1000's sockets");
	CHECK_EXITED(t_root_child(as_root, NULL), 0, "root's sockets");
	return t_done();
}
