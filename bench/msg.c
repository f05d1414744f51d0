/*
 * Moving a message of 4 KiB, 64 KiB, 1 MiB and 16 MiB from one process to
 * another, three ways, all as a ping-pong between two processes (the
 * message goes over and comes back): the figure is the time per message
 * (half a round trip), so a cost that stays flat as the size grows shows
 * directly.
 *   msg_SIZE       Ferry's zero-copy messages: msg_send moves the buffer's
 *                  pages out of the sender's page table, msg_recv maps them
 *                  at the same address in the receiver (include/uapi/ferry.h).
 *                  The buffer is written once before timing, so its pages
 *                  are present. Linux has no such call: "unsupported".
 *   pipemsg_SIZE   the same bytes through a pipe: write SIZE bytes, the
 *                  other process reads them into its buffer (one pipe each
 *                  way, default pipe size), on every kernel.
 *   vmsplice_SIZE  Linux's zero-copy pipe: vmsplice(SPLICE_F_GIFT) of the
 *                  buffer into a pipe, the other process splices it out to
 *                  /dev/null (so no byte is copied, and none lands in the
 *                  receiver's memory either). Ferry has no vmsplice yet.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "uapi/ferry.h"

#define MAX_SIZE (16ul << 20)

static const struct {
	const char *tag;
	size_t size;
} sizes[] = {{"4k", 4096}, {"64k", 65536}, {"1m", 1 << 20}, {"16m", 16 << 20}};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static char *buf; /* MAX_SIZE bytes, touched, for pipes and vmsplice */
static int devnull;

static void must_write(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r <= 0)
			bench_die("pipe write");
		p += r;
		len -= (size_t)r;
	}
}

/* Reads exactly len bytes; 0 at end of file before any byte. */
static int must_read(int fd, char *p, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);
		if (r == 0 && got == 0)
			return 0;
		if (r <= 0)
			bench_die("pipe read");
		got += (size_t)r;
	}
	return 1;
}

/* --- Ferry's messages --- */

/* Ferry's calls through syscall(): -1 and errno on failure. */
static long ferry(long n, long a, long b, long c)
{
	return syscall(n, a, b, c);
}

struct chan_pair {
	int fds[2];
	int pid;
	char *msg; /* the buffer, in the parent while it is not travelling */
	size_t size;
};

static void msg_echo(struct chan_pair *c)
{
	for (;;) {
		void *got = NULL;
		long n = ferry(SYS_msg_recv, c->fds[1], (long)&got, 0);
		if (n <= 0) /* the parent closed its end */
			_exit(0);
		if (ferry(SYS_msg_send, c->fds[1], (long)got, n) < 0)
			bench_die("msg_send (echo)");
	}
}

static uint64_t run_msg(long n, void *arg)
{
	struct chan_pair *c = arg;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (ferry(SYS_msg_send, c->fds[0], (long)c->msg, (long)c->size) < 0)
			bench_die("msg_send");
		void *got = NULL;
		if (ferry(SYS_msg_recv, c->fds[0], (long)&got, 0) != (long)c->size || got != c->msg)
			bench_die("msg_recv");
	}
	return (now_ns() - t0) / 2;
}

static void bench_msg(void)
{
	struct chan_pair c;
	if (ferry(SYS_chan_create, (long)c.fds, 0, 0) < 0) {
		for (unsigned i = 0; i < NSIZES; i++) {
			char name[32];
			snprintf(name, sizeof name, "msg_%s", sizes[i].tag);
			bench_unsupported(name, errno == ENOSYS ? "(no msg_send/msg_recv: ENOSYS)"
								: strerror(errno));
		}
		return;
	}
	c.pid = fork();
	if (c.pid < 0)
		bench_die("fork");
	if (c.pid == 0) {
		close(c.fds[0]);
		msg_echo(&c);
	}
	close(c.fds[1]);
	for (unsigned i = 0; i < NSIZES; i++) {
		char name[32];
		snprintf(name, sizeof name, "msg_%s", sizes[i].tag);
		c.size = sizes[i].size;
		c.msg = (char *)ferry(SYS_msg_alloc, (long)c.size, 0, 0);
		if ((long)c.msg == -1)
			bench_die("msg_alloc");
		memset(c.msg, 'm', c.size);
		bench_ns(&(struct bench){.name = name, .run = run_msg, .arg = &c});
		if (ferry(SYS_msg_free, (long)c.msg, 0, 0) < 0)
			bench_die("msg_free");
	}
	close(c.fds[0]);
	bench_reap(c.pid);
}

/* --- Pipes, and vmsplice --- */

struct pipe_pair {
	int to[2], from[2];
	int pid;
	size_t size;
	int splice; /* vmsplice out, splice to /dev/null in */
};

static void splice_in(int fd, size_t len)
{
	while (len) {
		ssize_t r = splice(fd, NULL, devnull, NULL, len, SPLICE_F_MOVE);
		if (r <= 0)
			bench_die("splice");
		len -= (size_t)r;
	}
}

static void vmsplice_out(int fd, const char *p, size_t len)
{
	while (len) {
		struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
		ssize_t r = vmsplice(fd, &iov, 1, SPLICE_F_GIFT);
		if (r <= 0)
			bench_die("vmsplice");
		p += r;
		len -= (size_t)r;
	}
}

static void send_one(struct pipe_pair *p, int fd)
{
	if (p->splice)
		vmsplice_out(fd, buf, p->size);
	else
		must_write(fd, buf, p->size);
}

static int recv_one(struct pipe_pair *p, int fd)
{
	if (!p->splice)
		return must_read(fd, buf, p->size);
	/* One byte first, to see the end of file, then the rest. */
	char c;
	ssize_t r = read(fd, &c, 1);
	if (r == 0)
		return 0;
	if (r != 1)
		bench_die("pipe read");
	splice_in(fd, p->size - 1);
	return 1;
}

static void pipe_echo(struct pipe_pair *p)
{
	while (recv_one(p, p->to[0]))
		send_one(p, p->from[1]);
	_exit(0);
}

static uint64_t run_pipe(long n, void *arg)
{
	struct pipe_pair *p = arg;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		send_one(p, p->to[1]);
		if (!recv_one(p, p->from[0]))
			bench_die("echo ended");
	}
	return (now_ns() - t0) / 2;
}

static void bench_pipe(int splice, const char *prefix)
{
	for (unsigned i = 0; i < NSIZES; i++) {
		struct pipe_pair p = {.size = sizes[i].size, .splice = splice};
		char name[32];
		snprintf(name, sizeof name, "%s_%s", prefix, sizes[i].tag);
		if (pipe(p.to) < 0 || pipe(p.from) < 0)
			bench_die("pipe");
		if (splice) {
			struct iovec iov = {.iov_base = buf, .iov_len = 1};
			if (vmsplice(p.to[1], &iov, 1, SPLICE_F_GIFT) < 0) {
				bench_unsupported(name, errno == ENOSYS ? "(no vmsplice: ENOSYS)"
									: strerror(errno));
				close(p.to[0]), close(p.to[1]), close(p.from[0]), close(p.from[1]);
				continue;
			}
			char c;
			if (read(p.to[0], &c, 1) != 1)
				bench_die("read after vmsplice");
		}
		p.pid = fork();
		if (p.pid < 0)
			bench_die("fork");
		if (p.pid == 0) {
			close(p.to[1]);
			close(p.from[0]);
			pipe_echo(&p);
		}
		close(p.to[0]);
		close(p.from[1]);
		bench_ns(&(struct bench){.name = name, .run = run_pipe, .arg = &p});
		close(p.to[1]);
		bench_reap(p.pid);
		close(p.from[0]);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_WRONLY);
	if (devnull < 0)
		bench_die("/dev/null");
	buf = aligned_alloc(4096, MAX_SIZE);
	if (!buf)
		bench_die("aligned_alloc");
	memset(buf, 'p', MAX_SIZE);
	bench_msg();
	bench_pipe(0, "pipemsg");
	bench_pipe(1, "vmsplice");
	return 0;
}
