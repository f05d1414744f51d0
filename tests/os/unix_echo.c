/*
 * unix_echo: an epoll echo server over AF_UNIX, the shape real servers
 * have: a non-blocking listener and connections in one edge-triggered
 * set, each drained until EAGAIN, with replies queued when a socket is
 * full. Eight client processes connect at once and each sends 40
 * messages of varied sizes (up to 100 KB, more than a socket holds),
 * checking every echoed byte; the server must see every client end.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "t.h"

enum { CLIENTS = 8, ROUNDS = 40, MAXMSG = 100000 };

struct conn {
	int fd;
	unsigned char *pending; /* what could not be written back yet */
	size_t len, off;
};

static unsigned char rbuf[1 << 16];

/* Write what is pending; 0 done, 1 blocked (EAGAIN), -1 error. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN ? 1 : -1;
		c->off += (size_t)w;
	}
	c->len = c->off = 0;
	return 0;
}

static void queue(struct conn *c, const unsigned char *p, size_t n)
{
	c->pending = realloc(c->pending, c->len + n);
	memcpy(c->pending + c->len, p, n);
	c->len += n;
}

static int server(int l)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	int ended = 0, accepted = 0;
	while (ended < CLIENTS) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, 30000);
		if (n <= 0)
			return -1; /* a hang: the test fails rather than waits for ever */
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					c = calloc(1, sizeof *c);
					c->fd = fd;
					struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
								  .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
					accepted++;
				}
				if (errno != EAGAIN)
					return -2;
				continue;
			}
			int closed = 0;
			for (;;) {
				ssize_t r = recv(c->fd, rbuf, sizeof rbuf, 0);
				if (r > 0) {
					if (c->len == 0) {
						ssize_t w = send(c->fd, rbuf, (size_t)r, MSG_NOSIGNAL);
						if (w < 0 && errno != EAGAIN)
							return -3;
						if (w < 0)
							w = 0;
						if (w < r)
							queue(c, rbuf + w, (size_t)(r - w));
					} else {
						queue(c, rbuf, (size_t)r);
					}
					continue;
				}
				if (r == 0)
					closed = 1;
				else if (errno != EAGAIN)
					return -4;
				break;
			}
			if (flush(c) < 0)
				return -5;
			if (closed) {
				close(c->fd); /* leaves the set */
				free(c->pending);
				free(c);
				ended++;
			}
		}
	}
	close(ep);
	return accepted;
}

static int client(const struct sockaddr_un *a, socklen_t len, unsigned seed)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(s, (const struct sockaddr *)a, len) < 0)
		return 1;
	static unsigned char out[MAXMSG], in[MAXMSG];
	for (int round = 0; round < ROUNDS; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = 1 + (seed >> 8) % (round % 5 == 4 ? MAXMSG : 2000);
		for (size_t i = 0; i < n; i++)
			out[i] = (unsigned char)(seed + i * 31);
		/* Send and receive together: the message may be more than the buffers hold. */
		size_t sent = 0, got = 0;
		while (got < n) {
			if (sent < n) {
				ssize_t w = send(s, out + sent, n - sent, MSG_DONTWAIT);
				if (w > 0)
					sent += (size_t)w;
				else if (errno != EAGAIN)
					return 2;
			}
			ssize_t r = recv(s, in + got, n - got, sent < n ? MSG_DONTWAIT : 0);
			if (r > 0)
				got += (size_t)r;
			else if (r == 0 || errno != EAGAIN)
				return 3;
		}
		if (memcmp(in, out, n))
			return 4;
	}
	close(s);
	return 0;
}

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "ferry-echo-%d", (int)getpid());
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 64) == 0, "a non-blocking listener");
	pid_t pids[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(client(&a, len, (unsigned)(i + 1) * 7919u));
	}
	int accepted = server(l);
	CHECK(accepted == CLIENTS, "the epoll server served %d clients to their end (%d)", CLIENTS, accepted);
	int ok = 0;
	for (int i = 0; i < CLIENTS; i++) {
		int st = t_wait(pids[i]);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(ok == CLIENTS, "every client got every byte back (%d of %d)", ok, CLIENTS);
	close(l);
	return t_done();
}
