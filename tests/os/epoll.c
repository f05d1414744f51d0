/*
 * epoll: epoll(7) as Linux has it. Level-triggered items report while
 * ready, edge-triggered ones once per change, one-shot ones once until
 * EPOLL_CTL_MOD; EPOLLEXCLUSIVE's rules; EPOLLRDHUP; sets inside sets,
 * with ELOOP for loops and for nesting past Linux's depth; a file's last
 * close takes it out of its sets (not a close of one of its descriptors);
 * every kind of pollable file; 1000 idle descriptors and one ready;
 * maxevents smaller than what is ready; timeouts, epoll_pwait's mask and
 * epoll_pwait2; and the errors of bad arguments.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

#include "t.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int add(int ep, int fd, unsigned events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* epoll_wait with timeout 0: how many events, the first in *ev. */
static int poll0(int ep, struct epoll_event *ev)
{
	struct epoll_event tmp[8];
	int n = epoll_wait(ep, ev ? ev : tmp, ev ? 1 : 8, 0);
	return n;
}

static void check_level_edge_oneshot(void)
{
	int p[2];
	pipe(p);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC), "epoll_create1(EPOLL_CLOEXEC)");
	CHECK(add(ep, p[0], EPOLLIN, 42) == 0, "add a pipe's read end, level-triggered");
	struct epoll_event ev;
	CHECK(poll0(ep, &ev) == 0, "nothing ready");
	write(p[1], "ab", 2);
	CHECK(poll0(ep, &ev) == 1 && ev.events == EPOLLIN && ev.data.u64 == 42, "EPOLLIN with its data");
	CHECK(poll0(ep, &ev) == 1, "level-triggered: again, while unread");
	char b[8];
	read(p[0], b, sizeof b);
	CHECK(poll0(ep, &ev) == 0, "and not once read");

	struct epoll_event mod = {.events = EPOLLIN | EPOLLET, .data.u64 = 7};
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod) == 0, "EPOLL_CTL_MOD to edge-triggered");
	write(p[1], "a", 1);
	CHECK(poll0(ep, &ev) == 1 && ev.data.u64 == 7, "edge-triggered: one event for a write");
	CHECK(poll0(ep, &ev) == 0, "none more while nothing changes (the byte unread)");
	write(p[1], "b", 1);
	CHECK(poll0(ep, &ev) == 1, "a new write is a new edge, even unread");
	CHECK(poll0(ep, &ev) == 0, "then quiet again");
	read(p[0], b, sizeof b);

	mod = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 9};
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod) == 0, "EPOLL_CTL_MOD to one-shot");
	write(p[1], "c", 1);
	CHECK(poll0(ep, &ev) == 1 && ev.data.u64 == 9, "one-shot: reported once");
	write(p[1], "d", 1);
	CHECK(poll0(ep, &ev) == 0, "then disabled, even with more data");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod) == 0 && poll0(ep, &ev) == 1,
	      "re-armed by EPOLL_CTL_MOD, it reports what is pending");
	read(p[0], b, sizeof b);

	/* The write end: EPOLLOUT, and EPOLLERR once the reader is gone. */
	CHECK(add(ep, p[1], EPOLLOUT, 8) == 0, "add the write end for EPOLLOUT");
	CHECK(poll0(ep, &ev) == 1 && ev.events == EPOLLOUT && ev.data.u64 == 8, "an empty pipe is writable");
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	close(p[0]);
	CHECK(poll0(ep, &ev) == 1 && (ev.events & EPOLLERR), "EPOLLERR (always asked) once the reader is gone");
	close(p[1]);
	close(ep);
}

static void check_many_and_maxevents(void)
{
	enum { N = 1000 };
	int ep = epoll_create1(0);
	static int fds[N];
	int ok = 1;
	for (int i = 0; i < N; i++) {
		fds[i] = eventfd(0, EFD_NONBLOCK);
		if (fds[i] < 0 || add(ep, fds[i], EPOLLIN, (uint64_t)i) < 0) {
			ok = 0;
			break;
		}
	}
	CHECK(ok, "1000 eventfds in one set");
	uint64_t one = 1;
	write(fds[500], &one, sizeof one);
	struct epoll_event ev[16];
	int n = epoll_wait(ep, ev, 16, 0);
	CHECK(n == 1 && ev[0].data.u64 == 500, "one ready among 1000 idle: exactly that one");
	for (int i = 0; i < 10; i++)
		write(fds[i * 7], &one, sizeof one);
	int seen[N] = {0}, total = 0;
	for (int round = 0; round < 4; round++) {
		n = epoll_wait(ep, ev, 4, 0);
		CHECK(n == 4, "maxevents 4 with 11 ready: 4 (round %d)", round);
		for (int i = 0; i < n; i++)
			if (!seen[ev[i].data.u64]++)
				total++;
	}
	CHECK(total == 11, "level-triggered items take turns: all 11 seen in 16 events (%d)", total);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	CHECK(poll0(ep, NULL) == 0, "closing them all empties the set");
	close(ep);
}

static void check_close_removes(void)
{
	int p[2];
	pipe(p);
	int ep = epoll_create1(0);
	add(ep, p[0], EPOLLIN, 1);
	int d = dup(p[0]);
	close(p[0]);
	write(p[1], "x", 1);
	CHECK(poll0(ep, NULL) == 1, "closing one descriptor of a file leaves it in the set (a dup lives)");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), EBADF, "but its old fd is gone (EBADF)");
	close(d);
	CHECK(poll0(ep, NULL) == 0, "the file's last close takes it out");
	/* The fd number is reused by a new file: not the old item. */
	int q[2];
	pipe(q);
	struct epoll_event ev = {.events = EPOLLIN};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0, "a new file at the same number can be added");
	close(q[0]);
	close(q[1]);
	close(p[1]);
	close(ep);
}

static void check_rdhup_and_sockets(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int ep = epoll_create1(0);
	add(ep, sv[0], EPOLLIN | EPOLLRDHUP | EPOLLET, 1);
	struct epoll_event ev;
	CHECK(poll0(ep, &ev) == 0, "a quiet socket");
	send(sv[1], "x", 1, 0);
	CHECK(poll0(ep, &ev) == 1 && ev.events == EPOLLIN, "data: EPOLLIN");
	shutdown(sv[1], SHUT_WR);
	CHECK(poll0(ep, &ev) == 1 && (ev.events & EPOLLRDHUP) && !(ev.events & EPOLLHUP),
	      "the peer shuts down writing: EPOLLRDHUP (0x%x)", ev.events);
	close(sv[1]);
	CHECK(poll0(ep, &ev) == 1 && (ev.events & EPOLLHUP), "the peer closes: EPOLLHUP");
	close(sv[0]);

	/* Edge-triggered EPOLLOUT: fill, then drain: one edge. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	add(ep, sv[0], EPOLLOUT | EPOLLET, 2);
	CHECK(poll0(ep, &ev) == 1 && ev.events == EPOLLOUT && ev.data.u64 == 2, "writable at first");
	CHECK(poll0(ep, &ev) == 0, "edge-triggered: once");
	static char chunk[4096];
	while (send(sv[0], chunk, sizeof chunk, MSG_DONTWAIT) > 0)
		;
	CHECK(poll0(ep, &ev) == 0, "full: nothing");
	while (recv(sv[1], chunk, sizeof chunk, MSG_DONTWAIT) > 0)
		;
	CHECK(poll0(ep, &ev) == 1 && ev.events == EPOLLOUT, "drained: a new EPOLLOUT edge");
	close(sv[0]);
	close(sv[1]);
	close(ep);
}

static void check_nesting(void)
{
	int p[2];
	pipe(p);
	int inner = epoll_create1(0), outer = epoll_create1(0);
	add(inner, p[0], EPOLLIN, 1);
	CHECK(add(outer, inner, EPOLLIN, 2) == 0, "an epoll set inside another");
	struct epoll_event ev;
	CHECK(poll0(outer, &ev) == 0, "nothing ready inside: nothing outside");
	struct pollfd pf = {inner, POLLIN, 0};
	CHECK(poll(&pf, 1, 0) == 0, "poll(2) of the inner set: not readable");
	write(p[1], "x", 1);
	CHECK(poll0(outer, &ev) == 1 && ev.data.u64 == 2 && ev.events == EPOLLIN,
	      "ready inside: the inner set is readable outside");
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN), "and to poll(2)");
	char b;
	read(p[0], &b, 1);
	CHECK(poll0(outer, &ev) == 0, "drained: quiet again");

	/* A blocking wait on the outer set, woken by a write in another process. */
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		write(p[1], "y", 1);
		_exit(0);
	}
	long long t0 = now_ms();
	int n = epoll_wait(outer, &ev, 1, 20000);
	CHECK(n == 1 && ev.data.u64 == 2 && now_ms() - t0 < 15000, "a blocked wait on the outer set wakes");
	t_wait(pid);
	read(p[0], &b, 1);

	CHECK_ERR(add(inner, outer, EPOLLIN, 3), ELOOP, "a loop of two sets is ELOOP");
	CHECK_ERR(add(inner, inner, EPOLLIN, 3), EINVAL, "a set in itself is EINVAL");
	close(inner);
	close(outer);

	/* Linux allows sets 5 deep (EP_MAX_NESTS 4); a sixth level is ELOOP. */
	int e[7];
	for (int i = 0; i < 7; i++)
		e[i] = epoll_create1(0);
	int depth_ok = 1;
	for (int i = 1; i < 5; i++)
		depth_ok &= add(e[i], e[i - 1], EPOLLIN, 0) == 0;
	CHECK(depth_ok, "a chain of five sets");
	CHECK_ERR(add(e[5], e[4], EPOLLIN, 0), ELOOP, "a sixth level is ELOOP");
	CHECK_ERR(add(e[0], e[6], EPOLLIN, 0), ELOOP, "so is one more set below the deepest");
	CHECK(add(e[6], e[2], EPOLLIN, 0) == 0, "a set beside the chain at a shallower level is fine");
	for (int i = 0; i < 7; i++)
		close(e[i]);
	close(p[0]);
	close(p[1]);
}

static void check_exclusive(void)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	int ep = epoll_create1(0), ep2 = epoll_create1(0);
	CHECK_ERR(add(ep, efd, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL,
		  "EPOLLEXCLUSIVE with EPOLLONESHOT is EINVAL");
	CHECK_ERR(add(ep, efd, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0), EINVAL,
		  "EPOLLEXCLUSIVE with EPOLLRDHUP is EINVAL");
	CHECK_ERR(add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL,
		  "EPOLLEXCLUSIVE on an epoll set is EINVAL");
	CHECK(add(ep, efd, EPOLLIN | EPOLLEXCLUSIVE, 1) == 0, "EPOLLEXCLUSIVE with EPOLLIN");
	struct epoll_event mod = {.events = EPOLLIN};
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &mod), EINVAL, "an exclusive item cannot be modified");
	mod.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERR(epoll_ctl(ep2, EPOLL_CTL_MOD, efd, &mod), EINVAL, "nor can MOD ask for it");
	CHECK(add(ep2, efd, EPOLLIN | EPOLLEXCLUSIVE, 2) == 0, "the same eventfd, exclusive in a second set");
	uint64_t one = 1;
	write(efd, &one, sizeof one);
	int n1 = poll0(ep, NULL), n2 = poll0(ep2, NULL);
	CHECK(n1 + n2 >= 1, "an event reaches one set or more (%d, %d)", n1, n2);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0, "an exclusive item can be deleted");
	close(efd);
	close(ep);
	close(ep2);
}

static void *writer_thread(void *arg)
{
	sleep_ms(100);
	uint64_t one = 1;
	write(*(int *)arg, &one, sizeof one);
	return NULL;
}

static int sigs;
static void on_usr1(int s)
{
	sigs++;
}

static void check_waits(void)
{
	int ep = epoll_create1(0);
	int efd = eventfd(0, 0);
	add(ep, efd, EPOLLIN, 5);
	struct epoll_event ev;
	long long t0 = now_ms();
	CHECK(epoll_wait(ep, &ev, 1, 150) == 0, "a 150 ms timeout with nothing ready: 0");
	CHECK(now_ms() - t0 >= 140, "after the timeout");
	pthread_t t;
	pthread_create(&t, NULL, writer_thread, &efd);
	CHECK(epoll_wait(ep, &ev, 1, -1) == 1 && ev.data.u64 == 5, "a blocked wait wakes on another thread's write");
	pthread_join(t, NULL);
	uint64_t v;
	read(efd, &v, sizeof v);
	struct timespec ts = {0, 100 * 1000000};
	t0 = now_ms();
	CHECK(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8) == 0 && now_ms() - t0 >= 90,
	      "epoll_pwait2 with a 100 ms timespec");

	/* epoll_pwait: SIGUSR1 blocked outside, let in by the call's mask. */
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, in;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&in);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	sigs = 0;
	int r = epoll_pwait(ep, &ev, 1, 20000, &in);
	CHECK(r == -1 && errno == EINTR && sigs == 1, "epoll_pwait: a signal its mask lets in ends it with EINTR");
	t_wait(pid);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1), "and the caller's mask is back");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(efd);
	close(ep);
}

/* Four threads in epoll_wait on one set; writes to an eventfd in it, edge-triggered. */
static int tep, tefd, tstop;
static long tsum;
static long long tstop_ms; /* when the end was written; 0 before */

static void *epoll_thread(void *arg)
{
	for (;;) {
		struct epoll_event ev;
		long long begin = now_ms();
		int n = epoll_wait(tep, &ev, 1, 30000);
		if (n < 0)
			return (void *)1;
		if (n == 0) {
			/*
			 * 30 s with nothing: fine before the end (a slow machine
			 * may leave one thread idle that long while the others take
			 * the writes). But the end, level-triggered, must wake every
			 * wait it finds: one that timed out although the end came
			 * at least 2 s before its deadline lost that wake.
			 */
			long long stop = __atomic_load_n(&tstop_ms, __ATOMIC_ACQUIRE);
			if (stop && stop - begin < 28000)
				return (void *)1;
			continue;
		}
		if (ev.data.u64 == 2)
			return NULL;
		uint64_t v;
		if (read(tefd, &v, sizeof v) == sizeof v)
			__atomic_add_fetch(&tsum, (long)v, __ATOMIC_RELAXED);
	}
}

static void check_threads(void)
{
	tep = epoll_create1(0);
	tefd = eventfd(0, EFD_NONBLOCK);
	tstop = eventfd(0, EFD_NONBLOCK);
	add(tep, tefd, EPOLLIN | EPOLLET, 1);
	add(tep, tstop, EPOLLIN, 2);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, epoll_thread, NULL);
	uint64_t one = 1;
	for (int i = 0; i < 200; i++) {
		write(tefd, &one, sizeof one);
		if (i % 16 == 0)
			sleep_ms(1);
	}
	long long t0 = now_ms();
	while (__atomic_load_n(&tsum, __ATOMIC_RELAXED) < 200 && now_ms() - t0 < 30000)
		sleep_ms(5);
	CHECK(tsum == 200, "four threads waiting on one set take all 200 writes (%ld)", tsum);
	__atomic_store_n(&tstop_ms, now_ms(), __ATOMIC_RELEASE);
	write(tstop, &one, sizeof one);
	int lost = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		lost += r != NULL;
	}
	CHECK(lost == 0, "and all wake for the end (%d timed out)", lost);
	close(tefd);
	close(tstop);
	close(tep);
}

static void check_files(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev;
	int efd = eventfd(0, EFD_NONBLOCK);
	add(ep, efd, EPOLLIN, 1);
	uint64_t one = 1;
	write(efd, &one, sizeof one);
	CHECK(poll0(ep, &ev) == 1 && ev.data.u64 == 1, "eventfd");
	epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);

	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	add(ep, tfd, EPOLLIN, 2);
	struct itimerspec its = {{0, 0}, {0, 50 * 1000000}};
	timerfd_settime(tfd, 0, &its, NULL);
	CHECK(epoll_wait(ep, &ev, 1, 20000) == 1 && ev.data.u64 == 2, "timerfd: its expiration wakes the wait");
	epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);

	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int sfd = signalfd(-1, &m, SFD_NONBLOCK);
	add(ep, sfd, EPOLLIN, 3);
	CHECK(poll0(ep, &ev) == 0, "signalfd: nothing pending");
	kill(getpid(), SIGUSR2);
	CHECK(poll0(ep, &ev) == 1 && ev.data.u64 == 3, "signalfd: a pending signal");
	struct signalfd_siginfo si;
	read(sfd, &si, sizeof si);
	CHECK(poll0(ep, &ev) == 0, "read, it is consumed");
	sigprocmask(SIG_UNBLOCK, &m, NULL);

	int fd = open("/dev/null", O_RDONLY);
	CHECK_ERR(add(ep, fd, EPOLLIN, 0), EPERM, "/dev/null cannot be waited on (EPERM, as Linux)");
	close(fd);
	fd = open(t_self(), O_RDONLY);
	CHECK_ERR(add(ep, fd, EPOLLIN, 0), EPERM, "a regular file: EPERM");
	close(fd);
	if (isatty(0)) {
		CHECK(add(ep, 0, EPOLLOUT, 4) == 0 && poll0(ep, &ev) >= 1, "a tty is writable");
		epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
	} else {
		t_skip("stdin is no tty here");
	}
	close(efd);
	close(tfd);
	close(sfd);
	close(ep);
}

static void check_bad(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	struct epoll_event ev = {.events = EPOLLIN}, out[1];
	CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL, "epoll_create(0) is EINVAL");
	CHECK_ERR(epoll_create1(1), EINVAL, "epoll_create1 with an unknown flag is EINVAL");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 9999, &ev), EBADF, "a closed target is EBADF");
	CHECK_ERR(epoll_ctl(9999, EPOLL_CTL_ADD, p[0], &ev), EBADF, "a closed set is EBADF");
	CHECK_ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL, "a pipe as the set is EINVAL");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (struct epoll_event *)8), EFAULT, "a bad event is EFAULT");
	CHECK_ERR(epoll_ctl(ep, 99, p[0], &ev), EINVAL, "op 99 is EINVAL");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT, "MOD of what is not there: ENOENT");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT, "DEL of it: ENOENT");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST, "ADD twice: EEXIST");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], (struct epoll_event *)8) == 0, "DEL ignores the event pointer");
	CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL, "maxevents 0 is EINVAL");
	CHECK_ERR(epoll_wait(ep, out, -1, 0), EINVAL, "maxevents -1 is EINVAL");
	CHECK_ERR(epoll_wait(p[0], out, 1, 0), EINVAL, "epoll_wait on a pipe is EINVAL");
	CHECK_ERR(epoll_wait(9999, out, 1, 0), EBADF, "on a closed descriptor: EBADF");
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	write(p[1], "x", 1);
	CHECK_ERR(epoll_wait(ep, (struct epoll_event *)8, 1, 0), EFAULT, "events to a bad address: EFAULT");
	sigset_t m;
	sigemptyset(&m);
	CHECK_ERR(syscall(SYS_epoll_pwait, ep, out, 1, 0, &m, 4), EINVAL, "epoll_pwait with sigsetsize 4: EINVAL");
	struct timespec bad = {0, 2000000000};
	CHECK_ERR(syscall(SYS_epoll_pwait2, ep, out, 1, &bad, NULL, 8), EINVAL, "epoll_pwait2 with a bad timespec");
	char b[4];
	CHECK_ERR(read(ep, b, sizeof b), EINVAL, "read of an epoll set is EINVAL");
	struct stat st;
	CHECK(fstat(ep, &st) == 0, "fstat of an epoll set works");
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(void)
{
	check_level_edge_oneshot();
	check_many_and_maxevents();
	check_close_removes();
	check_rdhup_and_sockets();
	check_nesting();
	check_exclusive();
	check_waits();
	check_threads();
	check_files();
	check_bad();
	return t_done();
}
