/*
 * Pipes between two processes: the round trip of one byte (both processes
 * pinned to one CPU, and, with two or more CPUs, on different CPUs), and
 * throughput with writes of 4 KiB, 64 KiB and 1 MiB (the reader reads with
 * a buffer of the same size; the scheduler places both).
 */
#include "bench.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct peer {
	int to[2];   /* parent -> child */
	int from[2]; /* child -> parent */
	int pid;
	size_t chunk; /* throughput: bytes per write and read */
};

static char buf[1 << 20];

static void must_write(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r <= 0)
			bench_die("pipe write");
		p = (const char *)p + r;
		len -= r;
	}
}

/* Reads exactly len bytes; returns 0 at end of file before any byte. */
static int must_read(int fd, void *p, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, (char *)p + got, len - got);
		if (r == 0 && got == 0)
			return 0;
		if (r <= 0)
			bench_die("pipe read");
		got += r;
	}
	return 1;
}

/* Child of a round-trip pair: echoes every byte until end of file. */
static void echo_loop(struct peer *p)
{
	char c;
	while (must_read(p->to[0], &c, 1))
		must_write(p->from[1], &c, 1);
	_exit(0);
}

/*
 * Child of a throughput pair: reads a batch's length, then that many bytes
 * in chunk-sized reads, then acknowledges with one byte.
 */
static void sink_loop(struct peer *p)
{
	uint64_t total;
	while (must_read(p->to[0], &total, sizeof total)) {
		while (total) {
			size_t want = total < p->chunk ? total : p->chunk;
			ssize_t r = read(p->to[0], buf, want);
			if (r <= 0)
				bench_die("pipe read");
			total -= r;
		}
		must_write(p->from[1], "", 1);
	}
	_exit(0);
}

static void start(struct peer *p, void (*loop)(struct peer *), int parent_cpu, int child_cpu)
{
	if (pipe(p->to) < 0 || pipe(p->from) < 0)
		bench_die("pipe");
	bench_pin(parent_cpu);
	p->pid = fork();
	if (p->pid < 0)
		bench_die("fork");
	if (p->pid == 0) {
		bench_pin(child_cpu);
		close(p->to[1]);
		close(p->from[0]);
		loop(p);
	}
	close(p->to[0]);
	close(p->from[1]);
}

static void stop(struct peer *p)
{
	close(p->to[1]);
	bench_reap(p->pid);
	close(p->from[0]);
}

static uint64_t run_roundtrip(long n, void *arg)
{
	struct peer *p = arg;
	char c = 'x';
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		must_write(p->to[1], &c, 1);
		if (!must_read(p->from[0], &c, 1))
			bench_die("echo ended");
	}
	return now_ns() - t0;
}

static uint64_t run_stream(long n, void *arg)
{
	struct peer *p = arg;
	uint64_t total = (uint64_t)n * p->chunk;
	char ack;
	uint64_t t0 = now_ns();
	must_write(p->to[1], &total, sizeof total);
	for (long i = 0; i < n; i++)
		must_write(p->to[1], buf, p->chunk);
	if (!must_read(p->from[0], &ack, 1))
		bench_die("sink ended");
	return now_ns() - t0;
}

int main(void)
{
	int ncpus = bench_ncpus();
	struct peer p;
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'b', sizeof buf);

	start(&p, echo_loop, 0, 0);
	bench_ns(&(struct bench){.name = "pipe_roundtrip", .run = run_roundtrip, .arg = &p});
	stop(&p);
	if (ncpus > 1) {
		start(&p, echo_loop, 0, 1);
		bench_ns(&(struct bench){
		    .name = "pipe_roundtrip_xcpu", .run = run_roundtrip, .arg = &p});
		stop(&p);
	}

	static const struct {
		const char *name;
		size_t chunk;
	} sizes[] = {{"pipe_bw_4k", 4096}, {"pipe_bw_64k", 65536}, {"pipe_bw_1m", 1 << 20}};
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p.chunk = sizes[i].chunk;
		start(&p, sink_loop, -1, -1);
		bench_mbps(&(struct bench){.name = sizes[i].name, .run = run_stream, .arg = &p},
			   p.chunk);
		stop(&p);
	}
	return 0;
}
