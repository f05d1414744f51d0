/*
 * UDP over loopback: datagrams with their senders' addresses, message
 * boundaries, MSG_PEEK and MSG_TRUNC, connected sockets and the
 * ECONNREFUSED an ICMP port-unreachable brings, readiness in poll,
 * timeouts, the largest datagram, port conflicts and SO_REUSEADDR.
 */
#include "t.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

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
