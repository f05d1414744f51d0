/*
 * What user space can do to a ring: overflow its CQ (IORING_FEAT_NODROP
 * keeps every CQE, IORING_SQ_CQ_OVERFLOW says so), scribble on the
 * indexes the kernel reads (the SQ tail, the CQ head, SQ array slots),
 * submit from two threads at once, close the ring or exit with requests
 * parked in the kernel. Each gets Linux's answer, the kernel goes on,
 * and (on Ferry) no memory is left behind.
 */
#include "uh.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <pthread.h>
#include <stdatomic.h>

static void test_overflow(void)
{
	struct io_uring ring;
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 8;
	CHECK(io_uring_queue_init_params(8, &ring, &p) == 0, "a ring with 8 CQEs");
	int n = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			struct io_uring_sqe *sqe = u_sqe(&ring);
			io_uring_prep_nop(sqe);
			sqe->user_data = (__u64)n++;
		}
		io_uring_submit(&ring);
	}
	unsigned flags = IO_URING_READ_ONCE(*ring.sq.kflags);
	CHECK(flags & IORING_SQ_CQ_OVERFLOW, "24 NOPs into 8 CQEs: IORING_SQ_CQ_OVERFLOW");
	int ok = 1;
	for (int i = 0; i < 24; i++) {
		__u64 ud;
		int res;
		if (u_cqe(&ring, &ud, &res, NULL) || ud != (__u64)i || res != 0) {
			ok = 0;
			break;
		}
	}
	CHECK(ok, "all 24 CQEs arrive, in order (NODROP)");
	CHECK(!(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW),
	      "the flag clears once they are all in the ring");
	CHECK(*ring.cq.koverflow == 0, "none was dropped");
	io_uring_queue_exit(&ring);
}

static void test_scribbles(void)
{
	struct io_uring ring;
	CHECK(io_uring_queue_init(8, &ring, 0) == 0, "a ring to scribble on");
	unsigned head = *ring.sq.khead;
	/* A tail far ahead: the kernel reads at most the ring's size, each entry once. */
	for (unsigned i = 0; i < 8; i++) {
		ring.sq.array[i] = i;
		memset(&ring.sq.sqes[i], 0, sizeof ring.sq.sqes[i]); /* NOPs */
		ring.sq.sqes[i].user_data = 500 + i;
	}
	io_uring_smp_store_release(ring.sq.ktail, head + 100000);
	int r = (int)syscall(__NR_io_uring_enter, ring.ring_fd, 100000, 0, 0, NULL, 0);
	CHECK(r >= 0 && r <= 8, "a tail 100000 ahead: at most 8 entries taken (%d)", r);
	unsigned kh = IO_URING_READ_ONCE(*ring.sq.khead);
	io_uring_smp_store_release(ring.sq.ktail, kh); /* back to sane */
	for (int i = 0; i < r; i++)
		u_cqe(&ring, NULL, NULL, NULL);
	/* An SQ array slot out of range: dropped and counted. */
	unsigned dropped = *ring.sq.kdropped;
	ring.sq.array[kh & 7] = 1000;
	io_uring_smp_store_release(ring.sq.ktail, kh + 1);
	r = (int)syscall(__NR_io_uring_enter, ring.ring_fd, 1, 0, 0, NULL, 0);
	CHECK(r == 0 && *ring.sq.kdropped == dropped + 1,
	      "an SQ index of 1000: dropped and counted");
	ring.sq.array[(kh + 1) & 7] = (kh + 1) & 7;
	/* Back in step with liburing's own view of the SQ. */
	kh = IO_URING_READ_ONCE(*ring.sq.khead);
	io_uring_smp_store_release(ring.sq.ktail, kh);
	ring.sq.sqe_head = ring.sq.sqe_tail = kh;
	for (unsigned i = 0; i < 8; i++)
		ring.sq.array[i] = i;
	/* A CQ head scribbled past the tail counts as a full ring, not as room. */
	unsigned ctail = *ring.cq.ktail;
	io_uring_smp_store_release(ring.cq.khead, ctail + 1000);
	io_uring_prep_nop(u_sqe(&ring));
	io_uring_submit(&ring);
	/*
	 * Ferry reads the head at each post and takes this for a full ring (the
	 * CQE waits in the overflow list); Linux may post into room it counted
	 * earlier. Either way nothing unread is written over.
	 */
	if (!t_on_linux())
		CHECK(IO_URING_READ_ONCE(*ring.cq.ktail) == ctail,
		      "with the head past the tail, no CQE is written");
	io_uring_smp_store_release(ring.cq.khead, ctail);
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {U_GUARD_S, 0};
	CHECK(io_uring_wait_cqe_timeout(&ring, &cqe, &ts) == 0 && cqe->res == 0,
	      "with the head put back, the NOP's CQE arrives");
	io_uring_cqe_seen(&ring, cqe);
	/* The kernel's own fields: scribbling them changes nothing it reads. */
	*ring.sq.khead = 12345;
	*ring.cq.ktail = 54321;
	io_uring_queue_exit(&ring);
	CHECK(1, "the ring closes cleanly after all that");
}

/* One producer fills the SQ; two threads call io_uring_enter on it at once. */
enum { TWO_N = 4000 };
static struct io_uring two;
static atomic_int done_producing;

static void *consumer(void *arg)
{
	while (!atomic_load(&done_producing) ||
	       *two.sq.khead != IO_URING_READ_ONCE(*two.sq.ktail)) {
		syscall(__NR_io_uring_enter, two.ring_fd, 4, 0, 0, NULL, 0);
		sched_yield(); /* preempt=off: the others run only when we yield */
	}
	return NULL;
}

static void test_two_threads(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 8192;
	CHECK(io_uring_queue_init_params(16, &two, &p) == 0, "a ring for two submitters");
	pthread_t a, b;
	pthread_create(&a, NULL, consumer, NULL);
	pthread_create(&b, NULL, consumer, NULL);
	unsigned tail = *two.sq.ktail;
	for (int i = 0; i < TWO_N; i++) {
		while (tail - io_uring_smp_load_acquire(two.sq.khead) >= 16)
			sched_yield(); /* the consumers make room */
		unsigned slot = tail & 15;
		memset(&two.sq.sqes[slot], 0, sizeof two.sq.sqes[slot]);
		two.sq.sqes[slot].user_data = (__u64)i;
		two.sq.array[slot] = slot;
		io_uring_smp_store_release(two.sq.ktail, ++tail);
	}
	atomic_store(&done_producing, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	static unsigned char seen[TWO_N];
	int dup = 0, got = 0;
	for (int i = 0; i < TWO_N; i++) {
		__u64 ud;
		if (u_cqe(&two, &ud, NULL, NULL))
			break;
		got++;
		if (ud < TWO_N && seen[ud]++)
			dup++;
	}
	CHECK(got == TWO_N && dup == 0,
	      "two threads entering at once: each of %d entries once (%d, %d twice)", TWO_N, got,
	      dup);
	io_uring_queue_exit(&two);
}

/* A child leaves requests parked in the kernel: by closing the ring, or by exiting. */
static void leave_work(void *how)
{
	struct io_uring ring;
	if (io_uring_queue_init(32, &ring, 0))
		_exit(2);
	static int p[8][2];
	static char buf[8];
	for (int i = 0; i < 8; i++) {
		pipe(p[i]);
		io_uring_prep_read(io_uring_get_sqe(&ring), p[i][0], &buf[i], 1, 0);
		io_uring_prep_poll_add(io_uring_get_sqe(&ring), p[i][0], POLLIN);
	}
	/* Sockets: a multishot ACCEPT on a TCP listener, a one-shot one on an AF_UNIX listener, RECV and RECVMSG. */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_un u = {.sun_family = AF_UNIX};
	int lt = socket(AF_INET, SOCK_STREAM, 0), lu = socket(AF_UNIX, SOCK_STREAM, 0), sv[2];
	if (bind(lt, (struct sockaddr *)&a, sizeof a) || listen(lt, 4) || bind(lu, (struct sockaddr *)&u,
	    sizeof(sa_family_t)) || listen(lu, 4) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		_exit(4); /* an AF_UNIX name of just the family: autobind to an abstract name */
	static struct iovec iv = {buf, 1};
	static struct msghdr mh = {.msg_iov = &iv, .msg_iovlen = 1};
	io_uring_prep_multishot_accept(io_uring_get_sqe(&ring), lt, NULL, NULL, 0);
	io_uring_prep_accept(io_uring_get_sqe(&ring), lu, NULL, NULL, 0);
	io_uring_prep_recv(io_uring_get_sqe(&ring), sv[0], buf, 1, 0);
	io_uring_prep_recvmsg(io_uring_get_sqe(&ring), sv[1], &mh, 0);
	struct __kernel_timespec ts = {60, 0};
	io_uring_prep_timeout(io_uring_get_sqe(&ring), &ts, 0, 0);
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	if (io_uring_submit(&ring) != 22)
		_exit(3);
	if (how) {
		close(ring.ring_fd); /* closes with work in flight; the mappings go at exit */
		usleep(1000);
	}
	_exit(0); /* rings, pipes and requests all left to the kernel */
}

static void test_leftovers(void)
{
	int st = t_child(leave_work, NULL);
	CHECK_EXITED(st, 0, "a process exits with 21 requests parked in the kernel (sockets' among them)");
	st = t_child(leave_work, (void *)1);
	CHECK_EXITED(st, 0, "a process closes its ring with 21 requests parked");
	long before = u_memfree();
	for (int i = 0; i < 40; i++) {
		t_child(leave_work, (void *)(long)(i & 1));
	}
	usleep(200000); /* cancelled requests finish on their own cores */
	long after = u_memfree();
	if (t_on_linux())
		t_skip("memory after 40 such exits: Linux's free memory moves with its caches");
	else
		CHECK(before > 0 && after >= before - 256,
		      "40 more of them leave the kernel's free memory as it was (%ld -> %ld KiB)",
		      before, after);
}

/* A forked child submits to its parent's ring and exits: its parked request is cancelled. */
static void test_shared(void)
{
	struct io_uring ring;
	CHECK(io_uring_queue_init(8, &ring, 0) == 0, "a ring a child will share");
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, p[0], &c, 1, 0);
		sqe->user_data = 99;
		_exit(io_uring_submit(&ring) == 1 ? 0 : 1);
	}
	CHECK_EXITED(t_wait(pid), 0, "the child submitted a READ of an empty pipe and exited");
	/* Linux cancels it when the pipe next wakes it; Ferry at the exit already. */
	CHECK(write(p[1], "x", 1) == 1, "a byte for the pipe");
	__u64 ud;
	int res;
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 99 && res == -ECANCELED,
	      "its READ ends with ECANCELED in the shared ring");
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	test_overflow();
	test_scribbles();
	test_two_threads();
	test_leftovers();
	test_shared();
	return t_done();
}
