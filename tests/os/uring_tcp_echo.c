/*
 * Demo, kept as a test: a single-threaded TCP echo server on loopback
 * that serves many clients at once with the futures of user/lib/future.h
 * over io_uring's socket operations. One multishot ACCEPT future brings
 * every connection; each connection is a session whose RECV and SEND
 * futures follow one another (what came is sent back, all of it, then
 * the next RECV), so all the clients' receives are in flight together
 * from one thread, parked in the kernel on their sockets. When every
 * client has gone, the ACCEPT is cancelled and the loop ends.
 *
 * Each client is a process of its own speaking plain blocking sockets.
 * The same program runs on Linux.
 */
#include "t.h"
#include "future.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CLIENTS 16
#define MESSAGES 40
#define MSG_LEN 64

struct session {
	struct fexec *ex;
	int fd;
	struct future op;   /* the RECV or SEND in flight */
	char buf[MSG_LEN];
	int len, sent;      /* bytes received, and of them sent back so far */
	long bytes;         /* echoed in all */
};

static struct fexec ex;
static struct session sessions[CLIENTS];
static int nsessions, ended, failures;
static struct future acceptor, cancel;

static void on_recv(struct future *f, void *arg);

static void session_end(struct session *s, int res)
{
	if (res < 0) {
		t_line("not ok - ", "session %d: %d", (int)(s - sessions), res);
		failures++;
	}
	close(s->fd);
	if (++ended == CLIENTS)
		fut_cancel(&ex, &cancel, &acceptor, NULL, NULL); /* nobody else is coming */
}

static void on_sent(struct future *f, void *arg)
{
	struct session *s = arg;
	if (f->res <= 0) {
		session_end(s, f->res < 0 ? f->res : -EPIPE);
		return;
	}
	s->sent += f->res;
	s->bytes += f->res;
	if (s->sent < s->len) /* a short send: the rest goes next */
		fut_send(s->ex, &s->op, s->fd, s->buf + s->sent, (size_t)(s->len - s->sent), 0,
			 on_sent, s);
	else
		fut_recv(s->ex, &s->op, s->fd, s->buf, MSG_LEN, 0, on_recv, s);
}

static void on_recv(struct future *f, void *arg)
{
	struct session *s = arg;
	if (f->res <= 0) {
		session_end(s, f->res); /* 0: the client closed its end */
		return;
	}
	s->len = f->res;
	s->sent = 0;
	fut_send(s->ex, &s->op, s->fd, s->buf, (size_t)s->len, 0, on_sent, s);
}

/* The multishot ACCEPT's continuation: once per connection. */
static void on_accept(struct future *f, void *arg)
{
	if (f->res < 0) {
		if (f->res != -ECANCELED) {
			t_line("not ok - ", "accept: %d", f->res);
			failures++;
		}
		return;
	}
	if (nsessions == CLIENTS) {
		close(f->res);
		failures++;
		return;
	}
	struct session *s = &sessions[nsessions++];
	*s = (struct session){.ex = &ex, .fd = f->res};
	fut_recv(&ex, &s->op, s->fd, s->buf, MSG_LEN, 0, on_recv, s);
}

/* A client: MESSAGES messages, each echoed whole before the next. */
static int client(const struct sockaddr_in *a, int id)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)a, sizeof *a) < 0)
		return 1;
	for (int i = 0; i < MESSAGES; i++) {
		char want[MSG_LEN], got[MSG_LEN];
		memset(want, 0, sizeof want);
		snprintf(want, sizeof want, "client %d message %d", id, i);
		if (write(fd, want, MSG_LEN) != MSG_LEN)
			return 2;
		ssize_t n = 0;
		while (n < MSG_LEN) {
			ssize_t r = read(fd, got + n, MSG_LEN - n);
			if (r <= 0)
				return 3;
			n += r;
		}
		if (memcmp(got, want, MSG_LEN))
			return 4;
	}
	close(fd);
	return 0;
}

int main(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, CLIENTS) == 0 &&
		  getsockname(l, (struct sockaddr *)&a, &alen) == 0,
	      "a TCP listener on 127.0.0.1");
	int r = fexec_init(&ex, 64);
	CHECK(r == 0, "a ring for the server (%d)", r);
	if (r)
		return t_done();
	fut_accept(&ex, &acceptor, l, 1, on_accept, NULL);
	pid_t pids[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			fexec_exit(&ex);
			close(l);
			_exit(client(&a, i));
		}
	}
	unsigned most = 0;
	while (!fut_ready(&acceptor)) {
		if (fexec_step(&ex, 1) < 0)
			break;
		if (ex.inflight > most)
			most = ex.inflight;
	}
	long total = 0;
	for (int i = 0; i < nsessions; i++)
		total += sessions[i].bytes;
	CHECK(nsessions == CLIENTS && ended == CLIENTS && !failures,
	      "one thread served %d connections to their end (%d, %d failures)", CLIENTS, nsessions,
	      failures);
	CHECK(total == (long)CLIENTS * MESSAGES * MSG_LEN, "it echoed every byte (%ld of %ld)", total,
	      (long)CLIENTS * MESSAGES * MSG_LEN);
	t_note("at most %u operations in flight at once", most);
	CHECK(fut_ready(&acceptor) && acceptor.res == -ECANCELED,
	      "the multishot ACCEPT ended when cancelled (%d)", acceptor.res);
	int ok = 0;
	for (int i = 0; i < CLIENTS; i++) {
		int st = t_wait(pids[i]);
		ok += st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(ok == CLIENTS, "every client got back exactly what it sent (%d of %d)", ok, CLIENTS);
	fexec_run(&ex); /* the cancel's own completion */
	fexec_exit(&ex);
	close(l);
	return t_done();
}
