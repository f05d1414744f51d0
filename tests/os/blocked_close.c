/*
 * blocked_close: a descriptor closed by one thread while another is
 * blocked in a call on it. As on Linux, the blocked call keeps the file:
 * a pipe read goes on and gets what is written next, or end of file when
 * the last writer goes; a signal ends it cleanly; poll, woken, reports
 * POLLNVAL for the closed descriptor; an epoll_wait on a closed set goes
 * on. (Before calls kept their files, the pipe was freed under the
 * parked reader: it was never woken, and a signal then touched freed
 * memory.)
 */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <time.h>

#include "t.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct call {
	int fd;
	long r;
	int e;
	char c;
	struct pollfd pf;
	struct epoll_event ev;
};

static void *reader(void *arg)
{
	struct call *c = arg;
	c->r = read(c->fd, &c->c, 1);
	c->e = errno;
	return NULL;
}

static void *poller(void *arg)
{
	struct call *c = arg;
	c->pf = (struct pollfd){c->fd, POLLIN, 0};
	c->r = poll(&c->pf, 1, 20000);
	return NULL;
}

static void *waiter(void *arg)
{
	struct call *c = arg;
	c->r = epoll_wait(c->fd, &c->ev, 1, 20000);
	c->e = errno;
	return NULL;
}

static void on_usr1(int s)
{
}

int main(void)
{
	int p[2];
	pthread_t t;
	struct call c;

	pipe(p);
	c = (struct call){.fd = p[0], .r = -2};
	pthread_create(&t, NULL, reader, &c);
	sleep_ms(100);
	close(p[0]);
	write(p[1], "a", 1);
	pthread_join(t, NULL);
	CHECK(c.r == 1 && c.c == 'a', "a pipe read blocked while its descriptor is closed gets the next byte");
	close(p[1]);

	pipe(p);
	c = (struct call){.fd = p[0], .r = -2};
	pthread_create(&t, NULL, reader, &c);
	sleep_ms(100);
	close(p[0]);
	close(p[1]);
	pthread_join(t, NULL);
	CHECK(c.r == 0, "with both ends closed, it returns end of file");

	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	pipe(p);
	c = (struct call){.fd = p[0], .r = -2};
	pthread_create(&t, NULL, reader, &c);
	sleep_ms(100);
	close(p[0]);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	CHECK(c.r == -1 && c.e == EINTR, "a signal ends it with EINTR");
	close(p[1]);

	pipe(p);
	c = (struct call){.fd = p[0], .r = -2};
	pthread_create(&t, NULL, poller, &c);
	sleep_ms(100);
	close(p[0]);
	write(p[1], "b", 1);
	pthread_join(t, NULL);
	CHECK(c.r == 1 && (c.pf.revents & POLLNVAL), "a woken poll reports POLLNVAL for the closed descriptor");
	close(p[1]);

	pipe(p);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	c = (struct call){.fd = ep, .r = -2};
	pthread_create(&t, NULL, waiter, &c);
	sleep_ms(100);
	close(ep);
	write(p[1], "c", 1);
	pthread_join(t, NULL);
	CHECK(c.r == 1 && c.ev.data.u32 == 7, "an epoll_wait on a set closed meanwhile gets the event");
	close(p[0]);
	close(p[1]);
	return t_done();
}
