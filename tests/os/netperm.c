/*
 * netperm: sockets and privilege. Ports below 1024 take
 * CAP_NET_BIND_SERVICE (ip(7)), raw sockets CAP_NET_RAW (raw(7)); the
 * credentials a Unix socket reports (SO_PEERCRED) and carries
 * (SCM_CREDENTIALS) are the sender's effective ids, and a process may
 * claim only ids it holds (unix(7)). Interface requests (netdevice(7))
 * work on a socket of any family; anyone reads an interface, changing one
 * or the routing table takes CAP_NET_ADMIN.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
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

/* lo's flags by SIOCGIFFLAGS on s into *ifr; 0 or -1. */
static int lo_flags(int s, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof *ifr);
	strcpy(ifr->ifr_name, "lo");
	return ioctl(s, SIOCGIFFLAGS, ifr);
}

/* What anyone may do with interfaces, and what a user may not. */
static void check_interfaces(int user)
{
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	int r = ioctl(u, SIOCGIFINDEX, &ifr);
	CHECK(r == 0 && ifr.ifr_ifindex > 0, "SIOCGIFINDEX of lo on an AF_UNIX socket (%d): %s",
	      ifr.ifr_ifindex, r ? strerror(errno) : "ok");
	unsigned idx = if_nametoindex("lo");
	char name[IF_NAMESIZE] = "";
	CHECK(idx == (unsigned)ifr.ifr_ifindex && if_indextoname(idx, name) && !strcmp(name, "lo"),
	      "if_nametoindex(\"lo\") is %u, and if_indextoname gives '%s' back", idx, name);
	CHECK_ERR(ioctl(u, SIOCGIFINDEX, (void *)8), EFAULT, "SIOCGIFINDEX of a bad pointer: EFAULT");
	CHECK_ERR(ioctl(u, 0x5401 /* TCGETS */, &ifr), ENOTTY, "a terminal's request on a socket: ENOTTY");
	close(u);
	if (!user)
		return;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	r = lo_flags(s, &ifr);
	CHECK(r == 0, "a user reads lo's flags: %s", r ? strerror(errno) : "ok");
	CHECK_ERR(ioctl(s, SIOCSIFFLAGS, &ifr), EPERM, "a user sets lo's flags");
	lo_flags(s, &ifr);
	ifr.ifr_mtu = 1500;
	CHECK_ERR(ioctl(s, SIOCSIFMTU, &ifr), EPERM, "a user sets lo's MTU");
	lo_flags(s, &ifr);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000002);
	CHECK_ERR(ioctl(s, SIOCSIFADDR, &ifr), EPERM, "a user sets lo's address");
	struct rtentry rt = {0};
	((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_dst)->sin_addr.s_addr = htonl(0x0a630000);
	((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_genmask)->sin_addr.s_addr = htonl(0xffff0000);
	rt.rt_flags = RTF_UP;
	rt.rt_dev = "lo";
	CHECK_ERR(ioctl(s, SIOCADDRT, &rt), EPERM, "a user adds a route");
	close(s);
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
	check_interfaces(1);
}

static void as_root(void *arg)
{
	(void)arg;
	check_interfaces(0);
	if (t_has_cap(12 /* CAP_NET_ADMIN */)) {
		struct ifreq ifr;
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		int r = lo_flags(s, &ifr);
		if (r == 0)
			r = ioctl(s, SIOCSIFFLAGS, &ifr);
		CHECK(r == 0, "root (CAP_NET_ADMIN) sets lo's flags as they were: %s",
		      r ? strerror(errno) : "ok");
		close(s);
	} else {
		t_skip("no CAP_NET_ADMIN here: root cannot change an interface");
	}
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
