/*
 * UDP over loopback: datagrams with their senders' addresses, message
 * boundaries, MSG_PEEK and MSG_TRUNC, connected sockets and the
 * ECONNREFUSED an ICMP port-unreachable brings, IP_RECVERR's error queue
 * (recvmsg(MSG_ERRQUEUE), as glibc's resolver asks for), readiness in poll,
 * timeouts, the largest datagram, port conflicts and SO_REUSEADDR.
 */
#include "t.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

/* linux/errqueue.h (musl's headers have not got it) */
struct sock_extended_err {
	unsigned ee_errno;
	unsigned char ee_origin, ee_type, ee_code, ee_pad;
	unsigned ee_info, ee_data;
};
#define SO_EE_ORIGIN_ICMP 2
#define SO_EE_OFFENDER(ee) ((struct sockaddr *)((ee) + 1))
#ifndef IP_RECVERR
#define IP_RECVERR 11
#endif

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int bound(int *port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo(0);
	socklen_t len = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) ||
	    getsockname(s, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}

/*
 * IP_RECVERR: an unconnected socket that asked hears of the ICMP port
 * unreachable its datagram brought, in its error queue: the datagram's
 * data, where it went, and a sock_extended_err naming the ICMP message.
 */
static void check_recverr(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1, v = 0;
	socklen_t vl = sizeof v;
	CHECK(setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof one) == 0, "IP_RECVERR on");
	CHECK(getsockopt(s, IPPROTO_IP, IP_RECVERR, &v, &vl) == 0 && v == 1 && vl == sizeof v,
	      "getsockopt says it is on");
	char buf[64], ctl[256];
	struct iovec iov = {buf, sizeof buf};
	struct sockaddr_in name;
	struct msghdr m = {.msg_name = &name, .msg_namelen = sizeof name, .msg_iov = &iov,
			   .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	CHECK_ERR(recvmsg(s, &m, MSG_ERRQUEUE), EAGAIN, "an empty error queue: EAGAIN, at once");
	int pz;
	int z = bound(&pz);
	close(z);
	struct sockaddr_in dead = lo(pz);
	CHECK(sendto(s, "lost one", 8, 0, (struct sockaddr *)&dead, sizeof dead) == 8,
	      "sendto a port where nothing listens");
	struct pollfd p = {.fd = s, .events = 0};
	CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLERR), "poll: POLLERR");
	ssize_t n = recvmsg(s, &m, MSG_ERRQUEUE);
	CHECK(n == 8 && !memcmp(buf, "lost one", 8), "MSG_ERRQUEUE: the datagram's data (%zd)", n);
	CHECK(m.msg_flags & MSG_ERRQUEUE, "msg_flags has MSG_ERRQUEUE");
	CHECK(m.msg_namelen == sizeof name && name.sin_port == htons((unsigned short)pz) &&
		      name.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "its name is where the datagram went");
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct sock_extended_err *ee = c ? (struct sock_extended_err *)CMSG_DATA(c) : NULL;
	CHECK(c && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR &&
		      c->cmsg_len >= CMSG_LEN(sizeof *ee + sizeof(struct sockaddr_in)),
	      "a control message IP_RECVERR");
	if (ee) {
		CHECK(ee->ee_errno == ECONNREFUSED && ee->ee_origin == SO_EE_ORIGIN_ICMP &&
			      ee->ee_type == 3 && ee->ee_code == 3,
		      "sock_extended_err: ECONNREFUSED from ICMP type 3 code 3 (%u %u %u %u)",
		      ee->ee_errno, ee->ee_origin, ee->ee_type, ee->ee_code);
		struct sockaddr_in *off = (struct sockaddr_in *)SO_EE_OFFENDER(ee);
		CHECK(off->sin_family == AF_INET && off->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
		      "the offender: 127.0.0.1, who sent the ICMP message");
	}
	CHECK_ERR(recvmsg(s, &m, MSG_ERRQUEUE), EAGAIN, "taken: the queue is empty again");
	int e = -1;
	vl = sizeof e;
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &vl) == 0 && e == 0,
	      "and no error is pending (%d)", e);
	v = 1;
	vl = sizeof v;
	CHECK(setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, 0) == 0 &&
		      getsockopt(s, IPPROTO_IP, IP_RECVERR, &v, &vl) == 0 && v == 0,
	      "a zero-length value turns it off, as Linux reads it");
	close(s);
}

int main(void)
{
	int pa, pb;
	int a = bound(&pa), b = bound(&pb);
	CHECK(a >= 0 && b >= 0 && pa != pb, "two sockets bound to 127.0.0.1 on their own ports");
	struct sockaddr_in to = lo(pb), from;
	socklen_t flen = sizeof from;
	CHECK(sendto(a, "one", 3, 0, (struct sockaddr *)&to, sizeof to) == 3 &&
		  sendto(a, "second", 6, 0, (struct sockaddr *)&to, sizeof to) == 6,
	      "two datagrams sent");
	struct pollfd p = {.fd = b, .events = POLLIN};
	CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "poll: readable");
	char buf[70000];
	CHECK(recv(b, buf, sizeof buf, MSG_PEEK) == 3, "MSG_PEEK sees the first datagram");
	CHECK(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) == 3 &&
		  !memcmp(buf, "one", 3) && from.sin_port == htons((unsigned short)pa) &&
		  from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && flen == sizeof from,
	      "recvfrom: the datagram and who sent it");
	CHECK(recv(b, buf, 2, MSG_TRUNC) == 6, "MSG_TRUNC: the full length of a datagram cut short");
	CHECK_ERR(recv(b, buf, sizeof buf, MSG_DONTWAIT), EAGAIN, "nothing left: EAGAIN");

	struct iovec iov = {buf, 4};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	sendto(a, "truncated", 9, 0, (struct sockaddr *)&to, sizeof to);
	CHECK(recvmsg(b, &m, 0) == 4 && (m.msg_flags & MSG_TRUNC), "recvmsg sets MSG_TRUNC");

	/* The largest datagram, and one byte more. */
	memset(buf, 'x', sizeof buf);
	CHECK(sendto(a, buf, 65507, 0, (struct sockaddr *)&to, sizeof to) == 65507,
	      "a 65507-byte datagram");
	CHECK(recv(b, buf, sizeof buf, 0) == 65507, "arrives whole");
	CHECK_ERR(sendto(a, buf, 65508, 0, (struct sockaddr *)&to, sizeof to), EMSGSIZE,
		  "65508 bytes: EMSGSIZE");

	/* Connected to a port where nothing listens: the ICMP error comes back as ECONNREFUSED. */
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	int pz;
	int z = bound(&pz);
	close(z);
	struct sockaddr_in dead = lo(pz);
	CHECK(connect(c, (struct sockaddr *)&dead, sizeof dead) == 0, "connect a UDP socket");
	CHECK(send(c, "anyone?", 7, 0) == 7, "send on it");
	usleep(200000);
	CHECK_ERR(recv(c, buf, sizeof buf, 0), ECONNREFUSED, "the next call: ECONNREFUSED");
	CHECK_ERR(send(c, "x", 1, MSG_DONTWAIT) >= 0 ? (errno = 0, -1) : -1, 0,
		  "and the error is reported only once");
	close(c);

	check_recverr();

	/* A receive timeout. */
	struct timeval tv = {0, 200000};
	CHECK(setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO 200 ms");
	CHECK_ERR(recv(b, buf, sizeof buf, 0), EAGAIN, "recv times out with EAGAIN");

	/* Port conflicts. */
	struct sockaddr_in mine = lo(pb);
	int d = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_ERR(bind(d, (struct sockaddr *)&mine, sizeof mine), EADDRINUSE,
		  "a second bind to the same port: EADDRINUSE");
	close(d);
	int one = 1, e = socket(AF_INET, SOCK_DGRAM, 0), f = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = lo(0);
	socklen_t alen = sizeof any;
	setsockopt(e, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(f, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	bind(e, (struct sockaddr *)&any, sizeof any);
	getsockname(e, (struct sockaddr *)&any, &alen);
	CHECK(bind(f, (struct sockaddr *)&any, sizeof any) == 0,
	      "with SO_REUSEADDR on both, two sockets share a port");
	close(e);
	close(f);

	/* Bad input. */
	CHECK_ERR(sendto(a, "x", 1, 0, (struct sockaddr *)&to, 3), EINVAL, "a short address: EINVAL");
	CHECK_ERR(sendto(a, "x", 1, 0, (struct sockaddr *)16, sizeof to), EFAULT,
		  "an address at a bad pointer: EFAULT");
	CHECK_ERR(send(a, "x", 1, 0), EDESTADDRREQ, "send without a destination: EDESTADDRREQ");
	CHECK_ERR(recv(a, (void *)16, 10, MSG_DONTWAIT), EAGAIN,
		  "nothing to read into a bad buffer: EAGAIN first");
	sendto(b, "y", 1, 0, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,
		.sin_port = htons((unsigned short)pa), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
	       sizeof to);
	usleep(50000);
	CHECK_ERR(recv(a, (void *)16, 10, 0), EFAULT, "a datagram into a bad buffer: EFAULT");
	close(a);
	close(b);
	return t_done();
}
