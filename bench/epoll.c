/*
 * epoll_wait on a set of 1000 idle descriptors and one ready: eventfds,
 * level-triggered, the ready one kept ready (never read), so each call
 * returns that one event. What a server pays per wake-up when most of
 * its connections are quiet; the cost should not grow with the idle ones.
 */
#include "bench.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IDLE 1000

static int ep;

static uint64_t run_wait(long n, void *arg)
{
	struct epoll_event ev[8];
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (epoll_wait(ep, ev, 8, 0) != 1)
			bench_die("epoll_wait");
	return now_ns() - t0;
}

int main(void)
{
	ep = epoll_create1(0);
	if (ep < 0)
		bench_die("epoll_create1");
	for (int i = 0; i <= IDLE; i++) {
		int fd = eventfd(0, EFD_NONBLOCK);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		if (fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			bench_die("eventfd in the set");
		if (i == IDLE) {
			uint64_t one = 1;
			if (write(fd, &one, sizeof one) != sizeof one)
				bench_die("eventfd write");
		}
	}
	bench_ns(&(struct bench){.name = "epoll_wait_1000_idle_1_ready", .run = run_wait});
	return 0;
}
