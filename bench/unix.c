/*
 * AF_UNIX stream sockets between two processes: the round trip of one
 * byte over a socketpair (both processes pinned to one CPU, and, with two
 * or more CPUs, on different CPUs), as bench/pipe.c measures pipes.
 */
#include "bench.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

struct peer {
	int sv[2]; /* parent's end, child's end */
	int pid;
};

static void echo_loop(int fd)
{
	char c;
	ssize_t r;
	while ((r = read(fd, &c, 1)) == 1)
		if (write(fd, &c, 1) != 1)
			bench_die("socket write");
	if (r < 0)
		bench_die("socket read");
	_exit(0);
}

static void start(struct peer *p, int parent_cpu, int child_cpu)
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p->sv) < 0)
		bench_die("socketpair");
	bench_pin(parent_cpu);
	p->pid = fork();
	if (p->pid < 0)
		bench_die("fork");
	if (p->pid == 0) {
		bench_pin(child_cpu);
		close(p->sv[0]);
		echo_loop(p->sv[1]);
	}
	close(p->sv[1]);
}

static void stop(struct peer *p)
{
	close(p->sv[0]);
	bench_reap(p->pid);
	bench_pin(-1);
}

static uint64_t run_roundtrip(long n, void *arg)
{
	struct peer *p = arg;
	char c = 'x';
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (write(p->sv[0], &c, 1) != 1)
			bench_die("socket write");
		if (read(p->sv[0], &c, 1) != 1)
			bench_die("echo ended");
	}
	return now_ns() - t0;
}

int main(void)
{
	struct peer p;
	signal(SIGPIPE, SIG_IGN);
	start(&p, 0, 0);
	bench_ns(&(struct bench){.name = "unix_stream_roundtrip", .run = run_roundtrip, .arg = &p});
	stop(&p);
	if (bench_ncpus() > 1) {
		start(&p, 0, 1);
		bench_ns(&(struct bench){
		    .name = "unix_stream_roundtrip_xcpu", .run = run_roundtrip, .arg = &p});
		stop(&p);
	}
	return 0;
}
