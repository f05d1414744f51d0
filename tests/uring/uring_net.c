/*
 * Sockets on the ring: ACCEPT (one-shot and multishot), CONNECT, SEND,
 * RECV, SENDMSG, RECVMSG and SHUTDOWN over AF_UNIX and TCP loopback;
 * requests that wait park in the kernel (an ACCEPT with nobody
 * connecting, a RECV with nothing sent) and are cancelled there; their
 * failure cases (not a socket, bad buffers, bad flags, a refused
 * connection, a closed peer); completions signalled through a registered
 * eventfd. The same program runs on the build machine's Linux.
 */
#include "uh.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

static struct io_uring ring;

/* A listening socket of the family and the address to reach it. */
struct where {
	int family;
	struct sockaddr_storage addr;
	socklen_t len;
};

static int listener(int family, struct where *w, int flags)
{
	int fd = socket(family, SOCK_STREAM | flags, 0);
	if (fd < 0)
		return -1;
	memset(w, 0, sizeof *w);
	w->family = family;
	if (family == AF_UNIX) {
		static int seq;
		struct sockaddr_un *a = (struct sockaddr_un *)&w->addr;
		a->sun_family = AF_UNIX;
		int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "uring-net-%d-%d",
				 (int)getpid(), seq++);
		w->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&w->addr;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		w->len = sizeof *a;
	}
	if (bind(fd, (struct sockaddr *)&w->addr, w->len) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	if (family == AF_INET)
		getsockname(fd, (struct sockaddr *)&w->addr, &w->len); /* the port chosen */
	return fd;
}

static const char *fam(int family)
{
	return family == AF_UNIX ? "AF_UNIX" : "TCP";
}

/* A connected pair through the ring: a parked ACCEPT, then a CONNECT. *srv, *cli. */
static int ring_pair(int family, int *srv, int *cli)
{
	struct where w;
	int l = listener(family, &w, 0);
	CHECK(l >= 0, "%s: a listening socket", fam(family));
	if (l < 0)
		return -1;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof peer;
	memset(&peer, 0, sizeof peer);
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_accept(sqe, l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	sqe->user_data = 1;
	CHECK(io_uring_submit(&ring) == 1, "%s: ACCEPT submitted", fam(family));
	usleep(20000);
	CHECK(!u_peek(&ring), "%s: ACCEPT with nobody connecting waits in the kernel", fam(family));
	int c = socket(family, SOCK_STREAM, 0);
	sqe = u_sqe(&ring);
	io_uring_prep_connect(sqe, c, (struct sockaddr *)&w.addr, w.len);
	sqe->user_data = 2;
	CHECK(io_uring_submit(&ring) == 1, "%s: CONNECT submitted", fam(family));
	int afd = -1, cres = -1;
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) < 0)
			break;
		if (ud == 1)
			afd = res;
		else if (ud == 2)
			cres = res;
	}
	CHECK(cres == 0, "%s: CONNECT completes with 0 (%d)", fam(family), cres);
	CHECK(afd >= 0, "%s: ACCEPT completes with a descriptor (%d)", fam(family), afd);
	if (afd >= 0)
		CHECK(fcntl(afd, F_GETFD) & FD_CLOEXEC, "%s: ACCEPT's SOCK_CLOEXEC is kept",
		      fam(family));
	if (family == AF_INET) {
		struct sockaddr_in mine;
		socklen_t ml = sizeof mine;
		getsockname(c, (struct sockaddr *)&mine, &ml);
		struct sockaddr_in *p = (struct sockaddr_in *)&peer;
		CHECK(plen == sizeof(struct sockaddr_in) && p->sin_family == AF_INET &&
			  p->sin_port == mine.sin_port,
		      "TCP: ACCEPT wrote the peer's address (the client's port)");
	} else {
		CHECK(plen >= sizeof(sa_family_t) && peer.ss_family == AF_UNIX,
		      "AF_UNIX: ACCEPT wrote the peer's address (an unnamed AF_UNIX socket)");
	}
	close(l);
	*srv = afd;
	*cli = c;
	return afd >= 0 && cres == 0 ? 0 : -1;
}

static void test_transfer(int family)
{
	int s, c;
	if (ring_pair(family, &s, &c) < 0)
		return;
	const char *F = fam(family);

	/* RECV parks until SEND gives it something. */
	char buf[64] = {0};
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, buf, sizeof buf, 0);
	sqe->user_data = 3;
	CHECK(io_uring_submit(&ring) == 1, "%s: RECV submitted", F);
	usleep(20000);
	CHECK(!u_peek(&ring), "%s: RECV with nothing sent waits in the kernel", F);
	sqe = u_sqe(&ring);
	io_uring_prep_send(sqe, c, "hello", 5, 0);
	sqe->user_data = 4;
	io_uring_submit(&ring);
	int got3 = -1, got4 = -1;
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) < 0)
			break;
		if (ud == 3)
			got3 = res;
		if (ud == 4)
			got4 = res;
	}
	CHECK(got4 == 5, "%s: SEND of 5 bytes gives 5 (%d)", F, got4);
	CHECK(got3 == 5 && !memcmp(buf, "hello", 5), "%s: the parked RECV got them (%d)", F, got3);

	/* SENDMSG and RECVMSG with two segments each. */
	struct iovec out[2] = {{"abc", 3}, {"defgh", 5}};
	struct msghdr om = {.msg_iov = out, .msg_iovlen = 2};
	sqe = u_sqe(&ring);
	io_uring_prep_sendmsg(sqe, c, &om, 0);
	CHECK(u_one(&ring, sqe) == 8, "%s: SENDMSG of two segments sends 8", F);
	char a[4] = {0}, b[16] = {0};
	struct iovec in[2] = {{a, 4}, {b, sizeof b}};
	struct msghdr im = {.msg_iov = in, .msg_iovlen = 2, .msg_flags = 0x7777};
	sqe = u_sqe(&ring);
	io_uring_prep_recvmsg(sqe, s, &im, 0);
	int r = u_one(&ring, sqe);
	CHECK(r == 8 && !memcmp(a, "abcd", 4) && !memcmp(b, "efgh", 4),
	      "%s: RECVMSG fills both segments (%d)", F, r);
	CHECK(im.msg_flags == 0, "%s: RECVMSG writes msg_flags back (0x%x)", F, im.msg_flags);

	/* MSG_WAITALL: one RECV collects two SENDs. */
	char w[10] = {0};
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, w, sizeof w, MSG_WAITALL);
	sqe->user_data = 5;
	io_uring_submit(&ring);
	CHECK(send(c, "0123", 4, 0) == 4, "%s: 4 bytes sent", F);
	usleep(20000);
	CHECK(!u_peek(&ring), "%s: RECV with MSG_WAITALL waits on for the rest", F);
	CHECK(send(c, "456789", 6, 0) == 6, "%s: 6 more sent", F);
	__u64 ud;
	int res;
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 5 && res == 10 && !memcmp(w, "0123456789", 10),
	      "%s: RECV with MSG_WAITALL gets all 10 (%d)", F, res);

	/* MSG_DONTWAIT in the request: EAGAIN rather than waiting. */
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, buf, sizeof buf, MSG_DONTWAIT);
	CHECK(u_one(&ring, sqe) == -EAGAIN, "%s: RECV with MSG_DONTWAIT and nothing there: EAGAIN", F);

	/* O_NONBLOCK on the socket does not stop a ring RECV from waiting (as Linux). */
	fcntl(s, F_SETFL, O_NONBLOCK);
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, buf, sizeof buf, 0);
	sqe->user_data = 6;
	io_uring_submit(&ring);
	usleep(20000);
	CHECK(!u_peek(&ring), "%s: RECV on an O_NONBLOCK socket waits all the same", F);
	/* ... and is cancelled where it waits. */
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 6, 0);
	sqe->user_data = 7;
	io_uring_submit(&ring);
	int rc6 = 1, rc7 = 1;
	for (int i = 0; i < 2; i++) {
		if (u_cqe(&ring, &ud, &res, NULL) < 0)
			break;
		if (ud == 6)
			rc6 = res;
		if (ud == 7)
			rc7 = res;
	}
	CHECK(rc7 == 0 && rc6 == -ECANCELED, "%s: ASYNC_CANCEL of the parked RECV: 0, and it ends "
	      "with ECANCELED (%d, %d)", F, rc7, rc6);
	fcntl(s, F_SETFL, 0);

	/* A bad buffer: EFAULT in the CQE, and the socket goes on working. */
	sqe = u_sqe(&ring);
	io_uring_prep_send(sqe, c, (void *)8, 16, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "%s: SEND from an unmapped buffer: EFAULT", F);
	CHECK(send(c, "zz", 2, 0) == 2, "%s: 2 bytes sent", F);
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, (void *)8, 16, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "%s: RECV into an unmapped buffer: EFAULT", F);
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, (void *)0xffff888000000000UL, 16, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "%s: RECV into a kernel address: EFAULT", F);
	sqe = u_sqe(&ring);
	io_uring_prep_recvmsg(sqe, s, (void *)8, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "%s: RECVMSG with an unmapped msghdr: EFAULT", F);
	sqe = u_sqe(&ring);
	io_uring_prep_sendmsg(sqe, c, (void *)8, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "%s: SENDMSG with an unmapped msghdr: EFAULT", F);

	/* SHUTDOWN: the other end reads its end of file. */
	sqe = u_sqe(&ring);
	io_uring_prep_shutdown(sqe, c, SHUT_WR);
	CHECK(u_one(&ring, sqe) == 0, "%s: SHUTDOWN(SHUT_WR) gives 0", F);
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, s, buf, sizeof buf, 0);
	r = u_one(&ring, sqe);
	CHECK(r == 0 || (r == 2 && (sqe = u_sqe(&ring), io_uring_prep_recv(sqe, s, buf, sizeof buf, 0),
				    u_one(&ring, sqe) == 0)),
	      "%s: RECV after the peer's SHUTDOWN: end of file", F);
	sqe = u_sqe(&ring);
	io_uring_prep_shutdown(sqe, c, 7);
	CHECK(u_one(&ring, sqe) == -EINVAL, "%s: SHUTDOWN with how 7: EINVAL", F);

	/* A closed peer: EPIPE, and no SIGPIPE (the ring implies MSG_NOSIGNAL). */
	close(s);
	usleep(20000);
	int e = 0;
	/* TCP: the first sends may go out before the peer's reset comes back (5 s at most). */
	for (int i = 0; i < 250 && e != -EPIPE && e != -ECONNRESET; i++) {
		sqe = u_sqe(&ring);
		io_uring_prep_send(sqe, c, "a", 1, 0);
		e = u_one(&ring, sqe);
		if (e == -EPIPE || e == -ECONNRESET)
			break;
		usleep(20000);
	}
	CHECK(family == AF_UNIX ? e == -EPIPE : (e == -EPIPE || e == -ECONNRESET),
	      "%s: SEND to a closed peer: EPIPE, and the process lives on (%d)", F, e);
	close(c);
}

/* Requests in flight with the listener idle: a multishot ACCEPT and cancelling a parked one. */
static void test_accept(int family)
{
	const char *F = fam(family);
	struct where w;
	int l = listener(family, &w, SOCK_NONBLOCK);
	CHECK(l >= 0, "%s: a listening socket (O_NONBLOCK)", F);
	if (l < 0)
		return;
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_accept(sqe, l, NULL, NULL, 0);
	sqe->user_data = 10;
	io_uring_submit(&ring);
	usleep(20000);
	CHECK(!u_peek(&ring), "%s: ACCEPT on an O_NONBLOCK listener waits all the same", F);
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 10, 0);
	sqe->user_data = 11;
	io_uring_submit(&ring);
	int r10 = 1, r11 = 1;
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) < 0)
			break;
		if (ud == 10)
			r10 = res;
		if (ud == 11)
			r11 = res;
	}
	CHECK(r11 == 0 && r10 == -ECANCELED, "%s: the parked ACCEPT is cancelled (%d, %d)", F, r11, r10);

	/* Multishot: one request, a CQE with IORING_CQE_F_MORE per connection. */
	sqe = u_sqe(&ring);
	io_uring_prep_multishot_accept(sqe, l, NULL, NULL, 0);
	sqe->user_data = 12;
	io_uring_submit(&ring);
	int cl[3], fds[3], n = 0;
	unsigned more = IORING_CQE_F_MORE;
	for (int i = 0; i < 3; i++) {
		cl[i] = socket(family, SOCK_STREAM, 0);
		CHECK(connect(cl[i], (struct sockaddr *)&w.addr, w.len) == 0, "%s: client %d connects",
		      F, i);
		__u64 ud;
		int res;
		unsigned fl;
		if (u_cqe(&ring, &ud, &res, &fl) == 0 && ud == 12 && res >= 0) {
			fds[n++] = res;
			more &= fl;
		}
	}
	CHECK(n == 3 && more, "%s: multishot ACCEPT: three connections, each CQE with F_MORE (%d)", F, n);
	if (n == 3) {
		CHECK(write(cl[2], "m", 1) == 1, "%s: the last client writes", F);
		char ch = 0;
		CHECK(read(fds[2], &ch, 1) == 1 && ch == 'm', "%s: its accepted descriptor reads it", F);
	}
	sqe = u_sqe(&ring);
	io_uring_prep_cancel64(sqe, 12, 0);
	sqe->user_data = 13;
	io_uring_submit(&ring);
	int r12 = 1, r13 = 1;
	unsigned f12 = ~0u;
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		unsigned fl;
		if (u_cqe(&ring, &ud, &res, &fl) < 0)
			break;
		if (ud == 12)
			r12 = res, f12 = fl;
		if (ud == 13)
			r13 = res;
	}
	CHECK(r13 == 0 && r12 == -ECANCELED && !(f12 & IORING_CQE_F_MORE),
	      "%s: cancelled, the multishot ACCEPT ends with ECANCELED and no F_MORE", F);
	for (int i = 0; i < 3; i++) {
		close(cl[i]);
		if (i < n)
			close(fds[i]);
	}

	/* Flags and lengths are checked. */
	sqe = u_sqe(&ring);
	io_uring_prep_accept(sqe, l, NULL, NULL, 0x40);
	CHECK(u_one(&ring, sqe) == -EINVAL, "%s: ACCEPT with an unknown flag: EINVAL", F);
	sqe = u_sqe(&ring);
	io_uring_prep_accept(sqe, l, NULL, NULL, 0);
	sqe->len = 1;
	CHECK(u_one(&ring, sqe) == -EINVAL, "%s: ACCEPT with len set: EINVAL", F);
	close(l);

	int c = socket(family, SOCK_STREAM, 0);
	sqe = u_sqe(&ring);
	io_uring_prep_accept(sqe, c, NULL, NULL, 0);
	CHECK(u_one(&ring, sqe) == -EINVAL, "%s: ACCEPT on a socket not listening: EINVAL", F);
	/* Nobody listens at w any more. */
	sqe = u_sqe(&ring);
	io_uring_prep_connect(sqe, c, (struct sockaddr *)&w.addr, w.len);
	int rc = u_one(&ring, sqe);
	CHECK(rc == -ECONNREFUSED, "%s: CONNECT where nobody listens: ECONNREFUSED (%d)", F, rc);
	sqe = u_sqe(&ring);
	io_uring_prep_connect(sqe, c, (struct sockaddr *)8, w.len);
	CHECK(u_one(&ring, sqe) == -EFAULT, "%s: CONNECT with an unmapped address: EFAULT", F);
	sqe = u_sqe(&ring);
	io_uring_prep_connect(sqe, c, (struct sockaddr *)&w.addr, 1000);
	CHECK(u_one(&ring, sqe) == -EINVAL, "%s: CONNECT with an address length of 1000: EINVAL", F);
	close(c);
}

/* Each socket op on a descriptor that is no socket, or none at all. */
static void test_not_socket(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "a pipe");
	char buf[8];
	struct msghdr m = {0};
	struct sockaddr_in a = {.sin_family = AF_INET};
	for (int fd = p[0], pass = 0; pass < 2; pass++, fd = 1000) {
		int want = pass ? -EBADF : -ENOTSOCK;
		const char *what = pass ? "a closed descriptor: EBADF" : "a pipe: ENOTSOCK";
		struct io_uring_sqe *sqe = u_sqe(&ring);
		io_uring_prep_send(sqe, fd, "x", 1, 0);
		CHECK(u_one(&ring, sqe) == want, "SEND on %s", what);
		sqe = u_sqe(&ring);
		io_uring_prep_recv(sqe, fd, buf, sizeof buf, 0);
		CHECK(u_one(&ring, sqe) == want, "RECV on %s", what);
		sqe = u_sqe(&ring);
		io_uring_prep_sendmsg(sqe, fd, &m, 0);
		CHECK(u_one(&ring, sqe) == want, "SENDMSG on %s", what);
		sqe = u_sqe(&ring);
		io_uring_prep_recvmsg(sqe, fd, &m, 0);
		CHECK(u_one(&ring, sqe) == want, "RECVMSG on %s", what);
		sqe = u_sqe(&ring);
		io_uring_prep_accept(sqe, fd, NULL, NULL, 0);
		CHECK(u_one(&ring, sqe) == want, "ACCEPT on %s", what);
		sqe = u_sqe(&ring);
		io_uring_prep_connect(sqe, fd, (struct sockaddr *)&a, sizeof a);
		CHECK(u_one(&ring, sqe) == want, "CONNECT on %s", what);
		sqe = u_sqe(&ring);
		io_uring_prep_shutdown(sqe, fd, SHUT_RD);
		CHECK(u_one(&ring, sqe) == want, "SHUTDOWN on %s", what);
	}
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], buf, sizeof buf, 0);
	sqe->ioprio = IORING_RECV_MULTISHOT;
	CHECK(u_one(&ring, sqe) == -EINVAL, "RECV multishot without provided buffers: EINVAL");
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], buf, sizeof buf, 0);
	sqe->ioprio = 0x80;
	CHECK(u_one(&ring, sqe) == -EINVAL, "RECV with an unknown ioprio flag: EINVAL");
	/* Fields these ops do not use are not looked at, as on Linux. */
	sqe = u_sqe(&ring);
	io_uring_prep_send(sqe, sv[1], "ab", 2, 0);
	sqe->buf_index = 3;
	sqe->addr3 = 5;
	CHECK(u_one(&ring, sqe) == 2, "SEND with buf_index and addr3 set: they are ignored");
	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], buf, sizeof buf, 0);
	sqe->buf_index = 3;
	CHECK(u_one(&ring, sqe) == 2, "RECV with buf_index set: it is ignored");
	sqe = u_sqe(&ring);
	io_uring_prep_shutdown(sqe, sv[0], SHUT_RD);
	sqe->addr3 = 5;
	CHECK(u_one(&ring, sqe) == 0, "SHUTDOWN with addr3 set: it is ignored");
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

/* Links: a RECV cut short under MSG_WAITALL breaks its chain; a LINK_TIMEOUT ends a parked RECV. */
static void test_links(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a socket pair");
	char buf[16];
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], buf, 10, MSG_WAITALL);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 20;
	sqe = u_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 21;
	io_uring_submit(&ring);
	CHECK(write(sv[1], "1234", 4) == 4 && shutdown(sv[1], SHUT_WR) == 0,
	      "4 bytes, then the sender's end of file");
	int r20 = 1, r21 = 1;
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) < 0)
			break;
		if (ud == 20)
			r20 = res;
		if (ud == 21)
			r21 = res;
	}
	CHECK(r20 == 4 && r21 == -ECANCELED,
	      "RECV with MSG_WAITALL ends short (4) and cuts its link: the NOP is cancelled (%d, %d)",
	      r20, r21);

	sqe = u_sqe(&ring);
	io_uring_prep_recv(sqe, sv[1], buf, sizeof buf, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 22;
	struct __kernel_timespec ts = {0, 50 * 1000 * 1000};
	sqe = u_sqe(&ring);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	sqe->user_data = 23;
	io_uring_submit(&ring);
	int r22 = 1, r23 = 1;
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) < 0)
			break;
		if (ud == 22)
			r22 = res;
		if (ud == 23)
			r23 = res;
	}
	CHECK(r22 == -ECANCELED && r23 == -ETIME,
	      "a LINK_TIMEOUT of 50 ms ends a parked RECV: ECANCELED, and ETIME (%d, %d)", r22, r23);
	close(sv[0]);
	close(sv[1]);
}

static void test_probe(void)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
	CHECK(p != NULL, "IORING_REGISTER_PROBE");
	if (!p)
		return;
	static const struct {
		int op;
		const char *name;
	} ops[] = {{IORING_OP_SENDMSG, "SENDMSG"}, {IORING_OP_RECVMSG, "RECVMSG"},
		   {IORING_OP_ACCEPT, "ACCEPT"},   {IORING_OP_CONNECT, "CONNECT"},
		   {IORING_OP_SEND, "SEND"},       {IORING_OP_RECV, "RECV"},
		   {IORING_OP_SHUTDOWN, "SHUTDOWN"}};
	for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
		CHECK(io_uring_opcode_supported(p, ops[i].op), "PROBE lists %s as supported",
		      ops[i].name);
	io_uring_free_probe(p);
}

static unsigned long long efd_take(int efd)
{
	unsigned long long v = 0;
	return read(efd, &v, sizeof v) == sizeof v ? v : 0;
}

static void nops(int n, int flags)
{
	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = u_sqe(&ring);
		io_uring_prep_nop(sqe);
		sqe->flags |= (unsigned char)flags;
	}
	io_uring_submit(&ring);
	for (int i = 0; i < n; i++)
		u_cqe(&ring, NULL, NULL, NULL);
}

static void test_eventfd(void)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	CHECK(efd >= 0, "an eventfd");
	CHECK(io_uring_unregister_eventfd(&ring) == -ENXIO, "UNREGISTER_EVENTFD with none: ENXIO");
	int p[2];
	pipe(p);
	CHECK(io_uring_register_eventfd(&ring, p[0]) == -EINVAL, "REGISTER_EVENTFD of a pipe: EINVAL");
	CHECK(io_uring_register_eventfd(&ring, 1000) == -EBADF, "REGISTER_EVENTFD of no descriptor: EBADF");
	CHECK(io_uring_register_eventfd(&ring, efd) == 0, "REGISTER_EVENTFD");
	CHECK(io_uring_register_eventfd(&ring, efd) == -EBUSY, "a second REGISTER_EVENTFD: EBUSY");
	CHECK(efd_take(efd) == 0, "registering signals nothing");
	nops(1, 0);
	CHECK(efd_take(efd) == 1, "a NOP's completion signals the eventfd");
	nops(3, 0);
	CHECK(efd_take(efd) == 1, "three NOPs completed together signal it once");

	/* A request parked in the kernel: its completion wakes a poll of the eventfd. */
	char b[4];
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, p[0], b, sizeof b, 0);
	io_uring_submit(&ring);
	struct pollfd pfd = {.fd = efd, .events = POLLIN};
	CHECK(poll(&pfd, 1, 20) == 0, "no signal while the READ waits");
	CHECK(write(p[1], "e", 1) == 1, "the pipe written");
	CHECK(poll(&pfd, 1, U_GUARD_S * 1000) == 1 && (pfd.revents & POLLIN),
	      "the parked READ's completion makes the eventfd readable");
	CHECK(efd_take(efd) == 1, "its count is 1");
	u_cqe(&ring, NULL, NULL, NULL);

	/* IORING_CQ_EVENTFD_DISABLED: the user turns signals off in the CQ ring's flags. */
	__atomic_or_fetch(ring.cq.kflags, IORING_CQ_EVENTFD_DISABLED, __ATOMIC_RELEASE);
	nops(1, 0);
	CHECK(efd_take(efd) == 0, "with IORING_CQ_EVENTFD_DISABLED: no signal");
	__atomic_and_fetch(ring.cq.kflags, ~IORING_CQ_EVENTFD_DISABLED, __ATOMIC_RELEASE);
	nops(1, 0);
	CHECK(efd_take(efd) == 1, "enabled again: signalled");

	CHECK(io_uring_unregister_eventfd(&ring) == 0, "UNREGISTER_EVENTFD");
	nops(1, 0);
	CHECK(efd_take(efd) == 0, "unregistered: no signal");

	/* _ASYNC: only completions made outside the submitting call. */
	CHECK(io_uring_register_eventfd_async(&ring, efd) == 0, "REGISTER_EVENTFD_ASYNC");
	nops(1, 0);
	CHECK(efd_take(efd) == 0, "ASYNC: a NOP completed inline signals nothing");
	nops(1, IOSQE_ASYNC);
	CHECK(efd_take(efd) == 1, "ASYNC: a NOP with IOSQE_ASYNC signals it");
	CHECK(io_uring_unregister_eventfd(&ring) == 0, "UNREGISTER_EVENTFD (ASYNC)");
	close(efd);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill the test: sends on the ring raise none */
	int r = io_uring_queue_init(64, &ring, 0);
	CHECK(r == 0, "io_uring_queue_init (%d)", r);
	if (r)
		return t_done();
	test_probe();
	test_transfer(AF_UNIX);
	test_transfer(AF_INET);
	test_accept(AF_UNIX);
	test_accept(AF_INET);
	test_links();
	test_not_socket();
	test_eventfd();
	io_uring_queue_exit(&ring);
	return t_done();
}
