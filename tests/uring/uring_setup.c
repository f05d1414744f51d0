/*
 * The io_uring interface itself: io_uring_setup's sizes, flags and
 * errors (absurd sizes, reserved fields), the ring mappings, features
 * reported and true, io_uring_enter's waits (min_complete, a timeout
 * through IORING_ENTER_EXT_ARG, a signal), a pollable ring descriptor,
 * PROBE, R_DISABLED with restrictions, SINGLE_ISSUER, SQPOLL. On Linux
 * too.
 */
#include "uh.h"
#include <pthread.h>
#include <sys/time.h>

static int setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int enter(int fd, unsigned sub, unsigned min, unsigned flags, void *arg, size_t sz)
{
	return (int)syscall(__NR_io_uring_enter, fd, sub, min, flags, arg, sz);
}

static void test_sizes(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	CHECK_ERR(setup(0, &p), EINVAL, "setup with 0 entries: EINVAL");
	memset(&p, 0, sizeof p);
	CHECK_ERR(setup(32769, &p), EINVAL, "setup with 32769 entries: EINVAL");
	memset(&p, 0, sizeof p);
	CHECK_ERR(setup(0xffffffffu, &p), EINVAL, "setup with 2^32-1 entries: EINVAL");
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CLAMP;
	int fd = setup(0xffffffffu, &p);
	CHECK(fd >= 0 && p.sq_entries == 32768 && p.cq_entries == 65536,
	      "with CLAMP: clamped to 32768 / 65536 (%u / %u)", p.sq_entries, p.cq_entries);
	close(fd);
	memset(&p, 0, sizeof p);
	fd = setup(5, &p);
	CHECK(fd >= 0 && p.sq_entries == 8 && p.cq_entries == 16, "5 entries: 8 and 16");
	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "the ring descriptor is close-on-exec");
	close(fd);
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 100;
	fd = setup(8, &p);
	CHECK(fd >= 0 && p.cq_entries == 128, "CQSIZE 100: 128");
	close(fd);
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	CHECK_ERR(setup(8, &p), EINVAL, "CQSIZE of 0: EINVAL");
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 4;
	CHECK_ERR(setup(8, &p), EINVAL, "CQSIZE smaller than the SQ: EINVAL");
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 1u << 20;
	CHECK_ERR(setup(8, &p), EINVAL, "CQSIZE of 2^20: EINVAL");
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
	p.cq_entries = 1u << 20;
	fd = setup(8, &p);
	CHECK(fd >= 0 && p.cq_entries == 65536, "CQSIZE 2^20 with CLAMP: 65536");
	close(fd);
	memset(&p, 0, sizeof p);
	p.resv[1] = 1;
	CHECK_ERR(setup(8, &p), EINVAL, "a reserved field set: EINVAL");
	memset(&p, 0, sizeof p);
	p.flags = 1u << 31;
	CHECK_ERR(setup(8, &p), EINVAL, "an unknown flag: EINVAL");
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_TASKRUN_FLAG;
	CHECK_ERR(setup(8, &p), EINVAL, "TASKRUN_FLAG without COOP_TASKRUN: EINVAL");
	CHECK_ERR(setup(8, (struct io_uring_params *)16), EFAULT,
		  "params at a bad address: EFAULT");
	CHECK_ERR(setup(8, (struct io_uring_params *)0xffffffff81000000UL), EFAULT,
		  "params at a kernel address: EFAULT");
}

static void test_mmap(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int fd = setup(8, &p);
	CHECK(fd >= 0, "a ring to map");
	CHECK(p.features & IORING_FEAT_SINGLE_MMAP, "IORING_FEAT_SINGLE_MMAP");
	CHECK(p.features & IORING_FEAT_NODROP, "IORING_FEAT_NODROP");
	CHECK(p.features & IORING_FEAT_EXT_ARG, "IORING_FEAT_EXT_ARG");
	CHECK(p.features & IORING_FEAT_SUBMIT_STABLE, "IORING_FEAT_SUBMIT_STABLE");
	CHECK(p.features & IORING_FEAT_RW_CUR_POS, "IORING_FEAT_RW_CUR_POS");
	size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	size_t sz = sqsz > cqsz ? sqsz : cqsz;
	void *rings = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			   IORING_OFF_SQ_RING);
	CHECK(rings != MAP_FAILED, "the rings map at IORING_OFF_SQ_RING");
	unsigned *sq_entries = (unsigned *)((char *)rings + p.sq_off.ring_entries);
	unsigned *cq_mask = (unsigned *)((char *)rings + p.cq_off.ring_mask);
	CHECK(rings != MAP_FAILED && *sq_entries == 8 && *cq_mask == 15,
	      "the header says 8 SQ entries and CQ mask 15");
	void *cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_CQ_RING);
	CHECK(cq != MAP_FAILED && *(unsigned *)((char *)cq + p.cq_off.ring_entries) == 16,
	      "the CQ ring maps at IORING_OFF_CQ_RING too");
	void *sqes = mmap(NULL, 8 * 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQES);
	CHECK(sqes != MAP_FAILED, "the SQEs map at IORING_OFF_SQES");
	/* Linux decodes the offset's high bits (IORING_OFF_MMAP_MASK): low bits do not matter. */
	void *also = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, IORING_OFF_SQ_RING + 0x1000);
	CHECK(also != MAP_FAILED && *(unsigned *)((char *)also + p.sq_off.ring_entries) == 8,
	      "IORING_OFF_SQ_RING + 0x1000 is the SQ ring too");
	munmap(also, 4096);
	errno = 0;
	void *bad = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0x40000000);
	if (t_on_linux())
		CHECK(bad == MAP_FAILED, "an offset naming no area fails");
	else
		CHECK(bad == MAP_FAILED && errno == EINVAL, "an offset naming no area: EINVAL");
	if (t_on_linux()) {
		t_skip("a mapping larger than the SQEs: newer Linux maps it (and faults past the "
		       "end)");
	} else {
		errno = 0;
		bad = mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, IORING_OFF_SQES);
		CHECK(bad == MAP_FAILED && errno == EINVAL,
		      "more than the SQEs' size: EINVAL (as Linux 6.1)");
	}
	/* The memory stays valid after the descriptor closes, as long as it is mapped. */
	close(fd);
	CHECK(*sq_entries == 8, "the rings stay readable after close");
	munmap(rings, sz);
	munmap(cq, cqsz);
	munmap(sqes, 8 * 64);
}

static void test_enter(void)
{
	struct io_uring ring;
	CHECK(io_uring_queue_init(8, &ring, 0) == 0, "a ring");
	CHECK(ring.sq.ring_ptr == ring.cq.ring_ptr, "liburing maps one area for both rings");
	int p[2];
	pipe(p);
	CHECK_ERR(enter(p[0], 0, 0, 0, NULL, 0), EOPNOTSUPP,
		  "io_uring_enter on a pipe: EOPNOTSUPP");
	CHECK_ERR(enter(999, 0, 0, 0, NULL, 0), EBADF, "io_uring_enter on a bad descriptor: EBADF");
	CHECK_ERR(enter(ring.ring_fd, 0, 0, 1u << 30, NULL, 0), EINVAL,
		  "an unknown enter flag: EINVAL");
	CHECK_ERR(syscall(__NR_io_uring_register, p[0], IORING_REGISTER_PROBE, NULL, 0), EOPNOTSUPP,
		  "io_uring_register on a pipe: EOPNOTSUPP");
	CHECK_ERR(syscall(__NR_io_uring_register, ring.ring_fd, 9999, NULL, 0), EINVAL,
		  "an unknown register opcode: EINVAL");
	struct io_uring_getevents_arg arg = {0};
	CHECK_ERR(enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, 3),
		  EINVAL, "EXT_ARG of the wrong size: EINVAL");
	/* A wait with a timeout (EXT_ARG) and nothing coming. */
	struct __kernel_timespec ts = {0, 30000000};
	struct io_uring_cqe *cqe;
	CHECK(io_uring_wait_cqe_timeout(&ring, &cqe, &ts) == -ETIME,
	      "a 30 ms wait for nothing: ETIME");
	/* The ring descriptor polls: readable once a CQE is there. */
	struct pollfd pfd = {ring.ring_fd, POLLIN, 0};
	CHECK(poll(&pfd, 1, 0) == 0, "poll on the ring: not readable while the CQ is empty");
	io_uring_prep_nop(u_sqe(&ring));
	io_uring_submit(&ring);
	CHECK(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN), "readable once a NOP completed");
	io_uring_wait_cqe(&ring, &cqe);
	io_uring_cqe_seen(&ring, cqe);
	/* min_complete: the call parks until the READ is done. */
	char c;
	io_uring_prep_read(u_sqe(&ring), p[0], &c, 1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		(void)!write(p[1], "w", 1);
		_exit(0);
	}
	int r = io_uring_submit_and_wait(&ring, 1);
	CHECK(r == 1 && u_peek(&ring), "submit_and_wait(1) returns once the READ completed");
	t_wait(pid);
	io_uring_cqe_seen(&ring, (io_uring_peek_cqe(&ring, &cqe), cqe));
	/* Probe */
	struct io_uring_probe *pr = io_uring_get_probe_ring(&ring);
	CHECK(pr && io_uring_opcode_supported(pr, IORING_OP_NOP) &&
		  io_uring_opcode_supported(pr, IORING_OP_READ) &&
		  io_uring_opcode_supported(pr, IORING_OP_TIMEOUT) &&
		  !io_uring_opcode_supported(pr, 250),
	      "PROBE: NOP, READ, TIMEOUT supported; opcode 250 not");
	free(pr);
	char probe[sizeof(struct io_uring_probe) + 4 * sizeof(struct io_uring_probe_op)];
	memset(probe, 0, sizeof probe);
	probe[0] = 1;
	CHECK_ERR(syscall(__NR_io_uring_register, ring.ring_fd, IORING_REGISTER_PROBE, probe, 4),
		  EINVAL, "PROBE into a buffer that is not zeroed: EINVAL");
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

static void on_alarm(int sig)
{
}

static void test_signal(void)
{
	struct io_uring ring;
	CHECK(io_uring_queue_init(8, &ring, 0) == 0, "a ring for a signal");
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	int r = enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	CHECK(r == -1 && errno == EINTR, "a signal ends a wait for completions: EINTR");
	signal(SIGALRM, SIG_DFL);
	io_uring_queue_exit(&ring);
}

static void test_disabled(void)
{
	struct io_uring ring;
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_R_DISABLED;
	CHECK(io_uring_queue_init_params(8, &ring, &p) == 0, "a ring made disabled");
	io_uring_prep_nop(u_sqe(&ring));
	CHECK(io_uring_submit(&ring) == -EBADFD, "submitting to it: EBADFD");
	struct io_uring_restriction res[2];
	memset(res, 0, sizeof res);
	res[0].opcode = IORING_RESTRICTION_SQE_OP;
	res[0].sqe_op = IORING_OP_NOP;
	res[1].opcode = IORING_RESTRICTION_REGISTER_OP;
	res[1].register_op = IORING_REGISTER_PROBE;
	CHECK(io_uring_register_restrictions(&ring, res, 2) == 0,
	      "restrictions: NOP and PROBE only");
	CHECK(io_uring_register_restrictions(&ring, res, 2) == -EBUSY,
	      "registering them twice: EBUSY");
	CHECK(io_uring_enable_rings(&ring) == 0, "the ring enabled");
	CHECK(io_uring_enable_rings(&ring) == -EACCES,
	      "enabling it again, a register opcode the restrictions leave out: EACCES");
	CHECK(io_uring_submit(&ring) == 1, "the NOP queued before goes now");
	__u64 ud;
	int r;
	CHECK(u_cqe(&ring, &ud, &r, NULL) == 0 && r == 0, "and completes");
	char buf[4];
	struct io_uring_sqe *sqe = u_sqe(&ring);
	io_uring_prep_read(sqe, 0, buf, 1, 0);
	CHECK(u_one(&ring, sqe) == -EACCES, "a READ, not allowed: EACCES");
	int fds[1] = {0};
	CHECK(io_uring_register_files(&ring, fds, 1) == -EACCES,
	      "registering files, not allowed: EACCES");
	io_uring_queue_exit(&ring);
	memset(&p, 0, sizeof p);
	CHECK(io_uring_queue_init_params(8, &ring, &p) == 0, "an enabled ring");
	CHECK(io_uring_register_restrictions(&ring, res, 2) == -EBADFD,
	      "restrictions on an enabled ring: EBADFD");
	CHECK(io_uring_enable_rings(&ring) == -EBADFD, "enabling an enabled ring: EBADFD");
	io_uring_queue_exit(&ring);
}

static struct io_uring issuer_ring;
static int other_result;

static void *other_thread(void *arg)
{
	io_uring_prep_nop(io_uring_get_sqe(&issuer_ring));
	other_result = io_uring_submit(&issuer_ring);
	return NULL;
}

static void test_single_issuer(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
	CHECK(io_uring_queue_init_params(8, &issuer_ring, &p) == 0,
	      "SINGLE_ISSUER and COOP_TASKRUN accepted");
	pthread_t th;
	pthread_create(&th, NULL, other_thread, NULL);
	pthread_join(th, NULL);
	CHECK(other_result == -EEXIST, "another thread submitting: EEXIST");
	CHECK(io_uring_submit(&issuer_ring) == 1, "the creator submits what it queued");
	__u64 ud;
	int r;
	CHECK(u_cqe(&issuer_ring, &ud, &r, NULL) == 0 && r == 0, "and it completes");
	io_uring_queue_exit(&issuer_ring);
}

static void test_sqpoll(void)
{
	struct io_uring ring;
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_SQPOLL;
	p.sq_thread_idle = 20; /* ms */
	int r = io_uring_queue_init_params(8, &ring, &p);
	CHECK(r == 0, "an SQPOLL ring (%d)", r);
	if (r)
		return;
	int ok = 1;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			struct io_uring_sqe *sqe = u_sqe(&ring);
			io_uring_prep_nop(sqe);
			sqe->user_data = (__u64)(round * 10 + i);
		}
		io_uring_submit(&ring); /* wakes the poller if it sleeps */
		for (int i = 0; i < 4; i++) {
			__u64 ud;
			int res;
			if (u_cqe(&ring, &ud, &res, NULL) || res != 0 ||
			    ud != (__u64)(round * 10 + i))
				ok = 0;
		}
		usleep(60000); /* past the idle time: it goes to sleep */
	}
	CHECK(ok, "NOPs submitted through the polling task, three rounds, each after it slept");
	usleep(60000);
	unsigned flags = IO_URING_READ_ONCE(*ring.sq.kflags);
	CHECK(flags & IORING_SQ_NEED_WAKEUP, "idle, it asks for a wakeup (IORING_SQ_NEED_WAKEUP)");
	io_uring_queue_exit(&ring);
}

int main(void)
{
	test_sizes();
	test_mmap();
	test_enter();
	test_signal();
	test_disabled();
	test_single_issuer();
	test_sqpoll();
	return t_done();
}
