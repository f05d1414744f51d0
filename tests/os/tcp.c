/*
 * TCP over loopback: many connections to one epoll server (each sends and
 * gets back 1 MiB, with checksums), non-blocking connect to a closed port,
 * half-close, SO_LINGER's reset, SO_REUSEADDR over TIME_WAIT, addresses,
 * options, and bad input (absurd options, bad addresses and pointers, a
 * socket closed while another thread is blocked in it).
 *
 * TCP_CONNS and TCP_BYTES (environment) change the big test's size.
 */
#include "t.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A listening socket on 127.0.0.1 at a kernel-chosen port; its port in *port. */
static int listener(int *port, int backlog)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(0);
	socklen_t len = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, backlog) ||
	    getsockname(s, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}

static int connect_to(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(port);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static unsigned char pattern(unsigned conn, size_t i)
{
	return (unsigned char)(i * 131 + conn * 7 + (i >> 12));
}

/* ---- the echo server: one epoll loop for every connection ---- */

struct econn {
	int fd;
	unsigned char buf[16384];
	size_t have, sent;
	int eof;
};

/* The same server with poll(2), for a kernel without epoll (it says so). */
static void echo_server_poll(int ls, int nconn)
{
	struct econn **c = calloc((size_t)nconn + 1, sizeof *c);
	struct pollfd *p = calloc((size_t)nconn + 1, sizeof *p);
	set_nonblock(ls);
	int n = 0, done = 0;
	while (done < nconn) {
		p[0] = (struct pollfd){.fd = ls, .events = POLLIN};
		for (int i = 0; i < n; i++)
			p[i + 1] = (struct pollfd){.fd = c[i] ? c[i]->fd : -1,
						   .events = c[i] && c[i]->sent < c[i]->have ? POLLOUT : POLLIN};
		if (poll(p, (nfds_t)n + 1, 60000) <= 0)
			_exit(11);
		int fd;
		while (n < nconn && (fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
			c[n] = calloc(1, sizeof **c);
			c[n++]->fd = fd;
		}
		for (int i = 0; i < n; i++) {
			struct econn *k = c[i];
			if (!k || !(p[i + 1].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
				continue;
			if (k->sent < k->have) {
				ssize_t w = write(k->fd, k->buf + k->sent, k->have - k->sent);
				if (w > 0)
					k->sent += (size_t)w;
				else if (errno != EAGAIN)
					_exit(12);
				continue;
			}
			ssize_t r = read(k->fd, k->buf, sizeof k->buf);
			if (r == 0) {
				close(k->fd);
				free(k);
				c[i] = NULL;
				done++;
			} else if (r > 0) {
				k->have = (size_t)r;
				k->sent = 0;
			} else if (errno != EAGAIN) {
				_exit(13);
			}
		}
	}
	_exit(0);
}

static void echo_server(int ls, int nconn)
{
	int ep = epoll_create1(0);
	if (ep < 0 && errno == ENOSYS) {
		t_note("no epoll here: the server uses poll");
		echo_server_poll(ls, nconn);
	}
	if (ep < 0)
		_exit(10);
	set_nonblock(ls);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	int done = 0, accepted = 0;
	while (done < nconn) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 60000);
		if (n <= 0)
			_exit(11);
		for (int i = 0; i < n; i++) {
			struct econn *c = evs[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					c = calloc(1, sizeof *c);
					c->fd = fd;
					struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
					accepted++;
				}
				continue;
			}
			for (;;) {
				if (c->sent < c->have) {
					ssize_t w = write(c->fd, c->buf + c->sent, c->have - c->sent);
					if (w < 0 && errno == EAGAIN) {
						struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
						epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
						break;
					}
					if (w <= 0)
						_exit(12);
					c->sent += (size_t)w;
					continue;
				}
				if (c->eof) {
					close(c->fd); /* closes its epoll entry too */
					free(c);
					done++;
					break;
				}
				ssize_t r = read(c->fd, c->buf, sizeof c->buf);
				if (r < 0 && errno == EAGAIN) {
					struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
					break;
				}
				if (r < 0)
					_exit(13);
				if (r == 0)
					c->eof = 1;
				c->have = (size_t)r;
				c->sent = 0;
			}
		}
	}
	_exit(accepted == nconn ? 0 : 14);
}

/* ---- the clients: one poll loop over every connection ---- */

struct cconn {
	int fd;
	size_t sent, got;
	unsigned sum_sent, sum_got;
	int bad, shut, over;
};

static int many_clients(int port, int nconn, size_t bytes)
{
	struct cconn *c = calloc((size_t)nconn, sizeof *c);
	struct pollfd *p = calloc((size_t)nconn, sizeof *p);
	for (int i = 0; i < nconn; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in a = lo(port);
		if (connect(c[i].fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS)
			return -1;
	}
	int left = nconn;
	unsigned char buf[32768];
	while (left) {
		for (int i = 0; i < nconn; i++) {
			p[i].fd = c[i].over ? -1 : c[i].fd;
			p[i].events = POLLIN | (c[i].sent < bytes ? POLLOUT : 0);
		}
		int n = poll(p, (nfds_t)nconn, 60000);
		if (n <= 0)
			return -2;
		for (int i = 0; i < nconn; i++) {
			struct cconn *k = &c[i];
			if (k->over)
				continue;
			if ((p[i].revents & POLLOUT) && k->sent < bytes) {
				size_t chunk = bytes - k->sent < sizeof buf ? bytes - k->sent : sizeof buf;
				for (size_t j = 0; j < chunk; j++)
					buf[j] = pattern((unsigned)i, k->sent + j);
				ssize_t w = write(k->fd, buf, chunk);
				if (w > 0) {
					for (ssize_t j = 0; j < w; j++)
						k->sum_sent += buf[j];
					k->sent += (size_t)w;
				} else if (errno != EAGAIN) {
					return -3;
				}
			}
			if (k->sent == bytes && !k->shut) {
				shutdown(k->fd, SHUT_WR); /* half-close: the echo still comes back */
				k->shut = 1;
			}
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t r = read(k->fd, buf, sizeof buf);
				if (r > 0) {
					for (ssize_t j = 0; j < r; j++) {
						if (buf[j] != pattern((unsigned)i, k->got + (size_t)j))
							k->bad = 1;
						k->sum_got += buf[j];
					}
					k->got += (size_t)r;
				} else if (r == 0) {
					k->over = 1;
					left--;
					close(k->fd);
				} else if (errno != EAGAIN) {
					return -4;
				}
			}
		}
	}
	int bad = 0;
	for (int i = 0; i < nconn; i++)
		if (c[i].bad || c[i].got != bytes || c[i].sum_got != c[i].sum_sent)
			bad++;
	free(c);
	free(p);
	return bad;
}

static void test_many(void)
{
	int nconn = getenv("TCP_CONNS") ? atoi(getenv("TCP_CONNS")) : 200;
	size_t bytes = getenv("TCP_BYTES") ? (size_t)atol(getenv("TCP_BYTES")) : 1 << 20;
	int port, ls = listener(&port, 256);
	CHECK(ls >= 0, "a listener on 127.0.0.1");
	pid_t srv = fork();
	if (srv == 0)
		echo_server(ls, nconn);
	close(ls);
	int bad = many_clients(port, nconn, bytes);
	CHECK(bad == 0, "%d connections each sent %zu bytes and got them back with the same checksum "
			"(result %d)",
	      nconn, bytes, bad);
	int st = t_wait(srv);
	CHECK_EXITED(st, 0, "the epoll server served every connection and exited");
}

static void test_refused(void)
{
	int port, ls = listener(&port, 1);
	close(ls); /* now nothing listens there */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = lo(port);
	int r = connect(s, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	CHECK(r == 0 || e == EINPROGRESS || e == ECONNREFUSED,
	      "non-blocking connect to a closed port: EINPROGRESS or ECONNREFUSED (got %d)", e);
	if (r < 0 && e == EINPROGRESS) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		CHECK(poll(&p, 1, 10000) == 1, "poll says the connect is over");
		int err = 0;
		socklen_t len = sizeof err;
		CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNREFUSED,
		      "SO_ERROR is ECONNREFUSED (got %d)", err);
		CHECK(p.revents & (POLLERR | POLLHUP), "poll shows POLLERR or POLLHUP (0x%x)", p.revents);
	}
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED,
		  "blocking connect to a closed port: ECONNREFUSED");
	close(s);
}

static void test_halfclose_and_addresses(void)
{
	int port, ls = listener(&port, 4);
	int c = connect_to(port);
	struct sockaddr_in peer;
	socklen_t plen = sizeof peer;
	int s = accept4(ls, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	CHECK(c >= 0 && s >= 0, "connect and accept4");
	struct sockaddr_in me, him;
	socklen_t l1 = sizeof me, l2 = sizeof him;
	CHECK(getsockname(c, (struct sockaddr *)&me, &l1) == 0 &&
		  getpeername(c, (struct sockaddr *)&him, &l2) == 0 && me.sin_port == peer.sin_port &&
		  him.sin_port == htons((unsigned short)port) &&
		  me.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && plen == sizeof peer,
	      "getsockname, getpeername and accept's address agree");
	CHECK(write(c, "hello", 5) == 5 && shutdown(c, SHUT_WR) == 0, "write, then shutdown(SHUT_WR)");
	char buf[16];
	CHECK(read(s, buf, sizeof buf) == 5 && read(s, buf, sizeof buf) == 0,
	      "the other side reads the data, then end of file");
	CHECK(write(s, "back", 4) == 4, "the other side can still write");
	CHECK(read(c, buf, sizeof buf) == 4 && memcmp(buf, "back", 4) == 0,
	      "the half-closed side still reads");
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(c, "x", 1), EPIPE, "writing after SHUT_WR: EPIPE");
	close(s);
	CHECK(read(c, buf, sizeof buf) == 0, "then end of file when the other side closes");
	close(c);

	/* SO_LINGER with 0 s: close resets the connection. */
	c = connect_to(port);
	s = accept(ls, NULL, NULL);
	struct linger lg = {1, 0};
	CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER {1, 0}");
	close(c);
	usleep(100000);
	CHECK_ERR(read(s, buf, sizeof buf), ECONNRESET, "the peer of a lingering-0 close: ECONNRESET");
	close(s);
	close(ls);
}

static void test_reuseaddr(void)
{
	/* The old connection must have had SO_REUSEADDR too (Linux's rule): from its listener. */
	int port, ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in la = lo(0);
	socklen_t lalen = sizeof la;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	bind(ls, (struct sockaddr *)&la, sizeof la);
	listen(ls, 4);
	getsockname(ls, (struct sockaddr *)&la, &lalen);
	port = ntohs(la.sin_port);
	int c = connect_to(port);
	int s = accept(ls, NULL, NULL);
	close(ls);
	close(s); /* the server's end closes first: it goes to TIME_WAIT */
	char b;
	CHECK(read(c, &b, 1) == 0, "the client sees the close");
	close(c);
	usleep(100000);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(port);
	CHECK_ERR(bind(t, (struct sockaddr *)&a, sizeof a), EADDRINUSE,
		  "bind to a port in TIME_WAIT without SO_REUSEADDR: EADDRINUSE");
	close(t);
	t = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	CHECK(bind(t, (struct sockaddr *)&a, sizeof a) == 0 && listen(t, 1) == 0,
	      "with SO_REUSEADDR: bind and listen");
	int u = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	CHECK_ERR(bind(u, (struct sockaddr *)&a, sizeof a), EADDRINUSE,
		  "but not beside a listener, even with SO_REUSEADDR");
	close(u);
	close(t);
}

static void test_options(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int v = 1;
	socklen_t len = sizeof v;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0 &&
		  getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1,
	      "TCP_NODELAY set and read back");
	v = 1000;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof v) == 0, "TCP_MAXSEG 1000");
	v = 30;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v) == 0 &&
		  setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v) == 0,
	      "TCP_KEEPIDLE and SO_KEEPALIVE");
	len = sizeof v;
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE");
	CHECK_ERR(setsockopt(s, IPPROTO_TCP, 12345, &v, sizeof v), ENOPROTOOPT,
		  "an unknown TCP option: ENOPROTOOPT");
	CHECK_ERR(setsockopt(s, 9999, 1, &v, sizeof v), ENOPROTOOPT, "an unknown level: ENOPROTOOPT");
	CHECK_ERR(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, 1), EINVAL, "a short option: EINVAL");
	CHECK_ERR(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (void *)8, sizeof v), EFAULT,
		  "an option at a bad address: EFAULT");
	v = -5;
	CHECK_ERR(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v), EINVAL,
		  "a negative keepalive time: EINVAL");
	close(s);
}

static void test_bad_addresses(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(1);
	CHECK_ERR(bind(s, (struct sockaddr *)&a, 4), EINVAL, "bind with a short address: EINVAL");
	CHECK_ERR(bind(s, (struct sockaddr *)8, sizeof a), EFAULT, "bind at a bad pointer: EFAULT");
	a.sin_addr.s_addr = inet_addr("192.0.2.1");
	a.sin_port = 0;
	CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL,
		  "bind to an address that is not ours: EADDRNOTAVAIL");
	struct sockaddr_in6 six = {.sin6_family = AF_INET6};
	CHECK(connect(s, (struct sockaddr *)&six, sizeof six) == -1 &&
		  (errno == EAFNOSUPPORT || errno == EINVAL),
	      "connect with an IPv6 address on an IPv4 socket fails");
	char buf[4];
	CHECK_ERR(read(s, buf, sizeof buf), ENOTCONN, "read on an unconnected socket: ENOTCONN");
	CHECK_ERR(listen(99, 1), EBADF, "listen on a bad descriptor: EBADF");
	CHECK_ERR(listen(0, 1), ENOTSOCK, "listen on a file that is not a socket: ENOTSOCK");
	CHECK_ERR(accept(s, NULL, NULL), EINVAL, "accept on a socket that does not listen: EINVAL");
	CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT,
	      "SOCK_STREAM with IPPROTO_UDP: EPROTONOSUPPORT");
	close(s);
}

/* A thread blocked in recv while the socket is closed under it. */
static void *blocked_reader(void *arg)
{
	char b[8];
	ssize_t r = recv(*(int *)arg, b, sizeof b, 0);
	return (void *)(long)r;
}

static void test_close_while_blocked(void)
{
	int port, ls = listener(&port, 4);
	int c = connect_to(port);
	int s = accept(ls, NULL, NULL);
	pthread_t th;
	pthread_create(&th, NULL, blocked_reader, &c);
	usleep(200000);
	shutdown(c, SHUT_RDWR); /* wakes the reader on every kernel */
	void *ret;
	pthread_join(th, &ret);
	CHECK((long)ret == 0, "a reader blocked in recv sees end of file when the socket is shut down");
	pthread_create(&th, NULL, blocked_reader, &s);
	usleep(200000);
	close(s); /* the reader still holds the file; the peer's close ends its wait */
	close(c);
	pthread_join(th, &ret);
	CHECK((long)ret <= 0, "a reader whose descriptor was closed under it returns (%ld)", (long)ret);
	close(ls);
}

int main(void)
{
	test_refused();
	test_halfclose_and_addresses();
	test_reuseaddr();
	test_options();
	test_bad_addresses();
	test_close_while_blocked();
	test_many();
	return t_done();
}
