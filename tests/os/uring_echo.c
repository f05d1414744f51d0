/*
 * Demo, kept as a test: a single-threaded echo server that serves many
 * clients at once with the futures of user/lib/future.h. Each client is a
 * process of its own with a channel to the server; the server keeps a
 * receive in flight for every client and, as each message arrives,
 * sends the very same buffer back (zero copy: its pages move back to the
 * client) and receives again. Its sessions are futures; fut_all says
 * when every client is done.
 *
 * On Linux there are no channels: the same server runs over pipes, with
 * READ and WRITE futures instead of MSG_RECV and MSG_SEND.
 */
#include "t.h"
#include "future.h"
#include "ferry.h"
#include <fcntl.h>

#define CLIENTS 16
#define MESSAGES 40
#define MSG_LEN 64

static int use_pipes;

struct session {
	struct fexec *ex;
	int in, out;        /* the server's receiving and sending ends (one channel: the same) */
	struct future op;   /* the operation in flight for this client */
	struct future done; /* ready when the client has gone */
	void *msg;          /* channel: the buffer received */
	char buf[MSG_LEN];  /* pipes: the bytes received */
	int echoed;
};

static void on_recv(struct future *f, void *arg);

static void recv_next(struct session *s)
{
	if (use_pipes)
		fut_read(s->ex, &s->op, s->in, s->buf, MSG_LEN, -1, on_recv, s);
	else
		fut_msg_recv(s->ex, &s->op, s->in, &s->msg, on_recv, s);
}

static void on_sent(struct future *f, void *arg)
{
	struct session *s = arg;
	if (f->res < 0) {
		t_line("not ok - ", "echo send failed: %d", f->res);
		fut_complete(&s->done, s->echoed); /* counted as done; the check below fails */
		return;
	}
	s->echoed++;
	recv_next(s);
}

static void on_recv(struct future *f, void *arg)
{
	struct session *s = arg;
	if (f->res <= 0) {
		/* The client closed its end: this session is over. */
		fut_complete(&s->done, s->echoed);
		return;
	}
	if (use_pipes)
		fut_write(s->ex, &s->op, s->out, s->buf, (size_t)f->res, -1, on_sent, s);
	else
		fut_msg_send(s->ex, &s->op, s->out, s->msg, (size_t)f->res, on_sent, s);
}

/* A client: send MESSAGES messages and check each echo. */
static int client(int in, int out, int id)
{
	for (int i = 0; i < MESSAGES; i++) {
		char want[MSG_LEN];
		snprintf(want, sizeof want, "client %d message %d", id, i);
		if (use_pipes) {
			char got[MSG_LEN];
			if (write(out, want, MSG_LEN) != MSG_LEN)
				return 1;
			ssize_t n = 0;
			while (n < MSG_LEN) {
				ssize_t r = read(in, got + n, MSG_LEN - n);
				if (r <= 0)
					return 2;
				n += r;
			}
			if (strcmp(got, want))
				return 3;
		} else {
			char *m = msg_alloc(MSG_LEN);
			if (!m)
				return 4;
			strcpy(m, want);
			if (msg_send(out, m, MSG_LEN) < 0)
				return 5;
			void *back;
			if (msg_recv(in, &back) != MSG_LEN || back != m || strcmp(back, want))
				return 6; /* the same buffer, back at the same address */
			msg_free(back);
		}
	}
	return 0;
}

int main(void)
{
	use_pipes = t_on_linux();
	t_note("transport: %s", use_pipes ? "pipes (Linux)" : "zero-copy channels");
	struct fexec ex;
	int r = fexec_init(&ex, 64);
	CHECK(r == 0, "a ring for the server (%d)", r);
	if (r)
		return t_done();
	static struct session s[CLIENTS];
	pid_t pids[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		int srv_in, srv_out, cli_in, cli_out;
		if (use_pipes) {
			int up[2], down[2];
			pipe(up), pipe(down);
			srv_in = up[0], cli_out = up[1], cli_in = down[0], srv_out = down[1];
		} else {
			int ch[2];
			chan_create(ch);
			srv_in = srv_out = ch[0];
			cli_in = cli_out = ch[1];
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			if (srv_in != srv_out)
				close(srv_out);
			close(srv_in);
			_exit(client(cli_in, cli_out, i));
		}
		close(cli_in);
		if (cli_out != cli_in)
			close(cli_out);
		s[i] = (struct session){.ex = &ex, .in = srv_in, .out = srv_out};
		fut_init(&s[i].done, NULL, NULL);
		recv_next(&s[i]);
	}
	struct future all, *kids[CLIENTS];
	for (int i = 0; i < CLIENTS; i++)
		kids[i] = &s[i].done;
	fut_all(&all, kids, CLIENTS, NULL, NULL);
	CHECK(ex.inflight == CLIENTS, "%d receives in flight at once, one thread", CLIENTS);
	while (!fut_ready(&all))
		if (fexec_step(&ex, 1) < 0)
			break;
	int total = 0;
	for (int i = 0; i < CLIENTS; i++)
		total += s[i].echoed;
	CHECK(fut_ready(&all) && total == CLIENTS * MESSAGES,
	      "the server echoed all %d messages (%d)", CLIENTS * MESSAGES, total);
	int ok = 0;
	for (int i = 0; i < CLIENTS; i++) {
		int st = t_wait(pids[i]);
		ok += st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(ok == CLIENTS, "every client got back exactly what it sent (%d of %d)", ok, CLIENTS);
	fexec_exit(&ex);
	return t_done();
}
