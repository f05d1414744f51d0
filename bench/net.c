/*
 * Sockets over the loopback interface: the TCP round trip of one byte
 * (TCP_NODELAY, both processes on one CPU, as pipe_roundtrip), TCP
 * throughput with 64 KiB writes, and the UDP round trip of one byte.
 * The loopback interface is brought up first (Linux's benchmark initramfs
 * leaves it down; Ferry's is up from boot).
 */
#include "bench.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK 65536

static char buf[CHUNK];

static void lo_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	memset(&r, 0, sizeof r);
	strcpy(r.ifr_name, "lo");
	if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &r) == 0 && !(r.ifr_flags & IFF_UP)) {
		r.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &r);
	}
	if (s >= 0)
		close(s);
}

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void must_write(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r <= 0)
			bench_die("socket write");
		p = (const char *)p + r;
		len -= (size_t)r;
	}
}

static int must_read(int fd, void *p, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, (char *)p + got, len - got);
		if (r == 0 && got == 0)
			return 0;
		if (r <= 0)
			bench_die("socket read");
		got += (size_t)r;
	}
	return 1;
}

struct pair {
	int fd; /* the parent's end */
	int pid;
	int udp;
	struct sockaddr_in peer; /* UDP: where the echo is */
};

/* A TCP connection to a forked child running loop on its end. */
static void tcp_pair(struct pair *p, void (*loop)(int fd), int cpu)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = lo(0);
	socklen_t len = sizeof a;
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &len))
		bench_die("tcp listen");
	bench_pin(cpu);
	p->pid = fork();
	if (p->pid < 0)
		bench_die("fork");
	if (p->pid == 0) {
		int s = accept(ls, NULL, NULL);
		if (s < 0)
			bench_die("accept");
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		close(ls);
		loop(s);
		_exit(0);
	}
	close(ls);
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(p->fd, (struct sockaddr *)&a, sizeof a))
		bench_die("connect");
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	p->udp = 0;
}

static void echo_loop(int fd)
{
	char c;
	while (must_read(fd, &c, 1))
		must_write(fd, &c, 1);
}

/* Reads a batch's length, then that many bytes, then answers one byte. */
static void sink_loop(int fd)
{
	uint64_t total;
	while (must_read(fd, &total, sizeof total)) {
		while (total) {
			ssize_t r = read(fd, buf, total < CHUNK ? total : CHUNK);
			if (r <= 0)
				bench_die("socket read");
			total -= (uint64_t)r;
		}
		must_write(fd, "", 1);
	}
}

static void udp_pair(struct pair *p, int cpu)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in aa = lo(0), ba = lo(0);
	socklen_t len = sizeof aa;
	if (a < 0 || b < 0 || bind(a, (struct sockaddr *)&aa, sizeof aa) ||
	    bind(b, (struct sockaddr *)&ba, sizeof ba) ||
	    getsockname(a, (struct sockaddr *)&aa, &len) ||
	    getsockname(b, (struct sockaddr *)&ba, &len) ||
	    connect(a, (struct sockaddr *)&ba, sizeof ba) || connect(b, (struct sockaddr *)&aa, sizeof aa))
		bench_die("udp sockets");
	bench_pin(cpu);
	p->pid = fork();
	if (p->pid < 0)
		bench_die("fork");
	if (p->pid == 0) {
		char c;
		close(a);
		for (;;) {
			ssize_t r = recv(b, &c, 1, 0);
			if (r != 1 || c == 'q')
				_exit(0);
			if (send(b, &c, 1, 0) != 1)
				bench_die("udp send");
		}
	}
	close(b);
	p->fd = a;
	p->udp = 1;
}

static void stop(struct pair *p)
{
	if (p->udp)
		send(p->fd, "q", 1, 0);
	else
		shutdown(p->fd, SHUT_WR);
	bench_reap(p->pid);
	close(p->fd);
	bench_pin(-1);
}

static uint64_t run_roundtrip(long n, void *arg)
{
	struct pair *p = arg;
	char c = 'x';
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (p->udp) {
			if (send(p->fd, &c, 1, 0) != 1 || recv(p->fd, &c, 1, 0) != 1)
				bench_die("udp round trip");
		} else {
			must_write(p->fd, &c, 1);
			if (!must_read(p->fd, &c, 1))
				bench_die("echo ended");
		}
	}
	return now_ns() - t0;
}

static uint64_t run_stream(long n, void *arg)
{
	struct pair *p = arg;
	uint64_t total = (uint64_t)n * CHUNK;
	char ack;
	uint64_t t0 = now_ns();
	must_write(p->fd, &total, sizeof total);
	for (long i = 0; i < n; i++)
		must_write(p->fd, buf, CHUNK);
	if (!must_read(p->fd, &ack, 1))
		bench_die("sink ended");
	return now_ns() - t0;
}

int main(void)
{
	struct pair p;
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'n', sizeof buf);
	lo_up();
	int probe = socket(AF_INET, SOCK_STREAM, 0);
	if (probe < 0) {
		bench_unsupported("tcp_roundtrip", "no AF_INET sockets");
		bench_unsupported("tcp_bw_64k", "no AF_INET sockets");
		bench_unsupported("udp_roundtrip", "no AF_INET sockets");
		return 0;
	}
	close(probe);

	tcp_pair(&p, echo_loop, 0);
	bench_ns(&(struct bench){.name = "tcp_roundtrip", .run = run_roundtrip, .arg = &p});
	stop(&p);

	tcp_pair(&p, sink_loop, -1);
	bench_mbps(&(struct bench){.name = "tcp_bw_64k", .run = run_stream, .arg = &p}, CHUNK);
	stop(&p);

	udp_pair(&p, 0);
	bench_ns(&(struct bench){.name = "udp_roundtrip", .run = run_roundtrip, .arg = &p});
	stop(&p);
	return 0;
}
