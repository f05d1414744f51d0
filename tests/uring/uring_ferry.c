/*
 * Ferry's own operations on the ring (include/uapi/ferry.h): zero-copy
 * channel messages sent and received as ring operations (a receive parks
 * in the kernel until a message comes), and spawn plus waiting for a
 * child, so one thread runs processes and their messages from one ring.
 * On Linux the opcodes are unknown: every one completes with EINVAL.
 */
#include "uh.h"
#include "uapi/ferry.h"

static struct io_uring ring;

static struct io_uring_sqe *ferry_sqe(int op, int fd, __u64 addr, __u32 len)
{
	struct io_uring_sqe *sqe = u_sqe(&ring);
	memset(sqe, 0, sizeof *sqe);
	sqe->opcode = (__u8)op;
	sqe->fd = fd;
	sqe->addr = addr;
	sqe->len = len;
	return sqe;
}

static void test_messages(void)
{
	int ch[2];
	CHECK(syscall(SYS_chan_create, ch) == 0, "a channel");
	__u64 got = 0;
	struct io_uring_sqe *sqe = ferry_sqe(IORING_OP_FERRY_MSG_RECV, ch[0], (__u64)&got, 0);
	sqe->user_data = 1;
	CHECK(io_uring_submit(&ring) == 1, "MSG_RECV on an empty channel submitted");
	usleep(20000);
	CHECK(!u_peek(&ring), "it waits in the kernel");
	char *m = (char *)syscall(SYS_msg_alloc, 8192);
	CHECK((long)m > 0, "a message buffer");
	strcpy(m, "over the channel");
	CHECK(syscall(SYS_msg_send, ch[1], m, 17) == 0, "msg_send(2) from the other end");
	__u64 ud;
	int res;
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 1 && res == 17 && got == (__u64)m &&
		  !strcmp((char *)got, "over the channel"),
	      "MSG_RECV completes: 17 bytes, mapped at the sender's address");
	/* And the other way: MSG_SEND through the ring, msg_recv(2) on the far end. */
	char *n = (char *)syscall(SYS_msg_alloc, 4096);
	strcpy(n, "ring to call");
	sqe = ferry_sqe(IORING_OP_FERRY_MSG_SEND, ch[0], (__u64)n, 13);
	CHECK(u_one(&ring, sqe) == 0, "MSG_SEND through the ring");
	void *r = NULL;
	CHECK(syscall(SYS_msg_recv, ch[1], &r) == 13 && r == n && !strcmp(r, "ring to call"),
	      "msg_recv(2) gets it, zero copy");
	sqe = ferry_sqe(IORING_OP_FERRY_MSG_SEND, ch[0], (__u64)&got, 8);
	CHECK(u_one(&ring, sqe) == -EINVAL, "sending what is no message buffer: EINVAL");
	int p[2];
	pipe(p);
	sqe = ferry_sqe(IORING_OP_FERRY_MSG_RECV, p[0], (__u64)&got, 0);
	CHECK(u_one(&ring, sqe) == -EBADF, "MSG_RECV on a pipe: EBADF");
	sqe = ferry_sqe(IORING_OP_FERRY_MSG_RECV, ch[0], 16, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "MSG_RECV with a bad address for the result: EFAULT");
	sqe = ferry_sqe(IORING_OP_FERRY_MSG_RECV, ch[0], (__u64)&got, 0);
	sqe->off = 1;
	CHECK(u_one(&ring, sqe) == -EINVAL, "MSG_RECV with a reserved field set: EINVAL");
	/* A receive that waits, then the other end closes: 0, nothing left. */
	sqe = ferry_sqe(IORING_OP_FERRY_MSG_RECV, ch[0], (__u64)&got, 0);
	sqe->user_data = 2;
	io_uring_submit(&ring);
	usleep(10000);
	close(ch[1]);
	CHECK(u_cqe(&ring, &ud, &res, NULL) == 0 && ud == 2 && res == 0,
	      "a waiting MSG_RECV ends with 0 when the peer closes");
	close(ch[0]);
	close(p[0]);
	close(p[1]);
}

static int spawn_one(struct io_uring *r, const char *path, char **argv, char **envp)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	memset(sqe, 0, sizeof *sqe);
	sqe->opcode = IORING_OP_FERRY_SPAWN;
	sqe->addr = (__u64)path;
	sqe->off = (__u64)argv;
	sqe->addr3 = (__u64)envp;
	return u_one(r, sqe);
}

static void test_spawn(void)
{
	static char *argv_true[] = {"true", NULL};
	static char *argv_sleep[] = {"sleep", "0.2", NULL};
	static char *argv_false[] = {"false", NULL};
	static char *envp[] = {NULL};
	struct io_uring_sqe *sqe = ferry_sqe(IORING_OP_FERRY_SPAWN, 0, (__u64)"/bin/true", 0);
	sqe->off = (__u64)argv_true;
	sqe->addr3 = (__u64)envp;
	int pid = u_one(&ring, sqe);
	CHECK(pid > 0, "SPAWN /bin/true: its pid (%d)", pid);
	int status = -1;
	sqe = ferry_sqe(IORING_OP_FERRY_WAIT, pid, (__u64)&status, 0);
	CHECK(u_one(&ring, sqe) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "WAIT for it: its pid, exit status 0");
	sqe = ferry_sqe(IORING_OP_FERRY_SPAWN, 0, (__u64)"/bin/sleep", 0);
	sqe->off = (__u64)argv_sleep;
	sqe->addr3 = (__u64)envp;
	int sp = u_one(&ring, sqe);
	sqe = ferry_sqe(IORING_OP_FERRY_SPAWN, 0, (__u64)"/bin/false", 0);
	sqe->off = (__u64)argv_false;
	sqe->addr3 = (__u64)envp;
	int fp = u_one(&ring, sqe);
	CHECK(sp > 0 && fp > 0, "two more children: sleep 0.2 and false");
	int st[2] = {-1, -1};
	for (int i = 0; i < 2; i++) {
		sqe = ferry_sqe(IORING_OP_FERRY_WAIT, -1, (__u64)&st[i], 0);
		sqe->user_data = (__u64)i;
	}
	CHECK(io_uring_submit(&ring) == 2, "two WAITs for any child submitted");
	int pids[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		__u64 ud;
		int res;
		if (!u_cqe(&ring, &ud, &res, NULL) && ud < 2)
			pids[ud] = res;
	}
	int fs = pids[0] == fp ? st[0] : st[1], ss = pids[0] == sp ? st[0] : st[1];
	CHECK(((pids[0] == sp && pids[1] == fp) || (pids[0] == fp && pids[1] == sp)) &&
		  WEXITSTATUS(fs) == 1 && WEXITSTATUS(ss) == 0,
	      "both end, each reaped once with its own status");
	sqe = ferry_sqe(IORING_OP_FERRY_WAIT, -1, 0, 0);
	CHECK(u_one(&ring, sqe) == -ECHILD, "WAIT with no child left: ECHILD");
	sqe = ferry_sqe(IORING_OP_FERRY_WAIT, -1, 0, 0);
	sqe->rw_flags = 0x1000;
	CHECK(u_one(&ring, sqe) == -EINVAL, "WAIT with unknown options: EINVAL");
	sqe = ferry_sqe(IORING_OP_FERRY_SPAWN, 0, (__u64)"/no/such", 0);
	CHECK(u_one(&ring, sqe) == -ENOENT, "SPAWN of a missing program: ENOENT");
	sqe = ferry_sqe(IORING_OP_FERRY_SPAWN, 0, 16, 0);
	CHECK(u_one(&ring, sqe) == -EFAULT, "SPAWN with a bad path address: EFAULT");
}

/* A process that exits with a WAIT parked on its own children: cancelled, then reaped at once. */
static void wait_and_exit(void *arg)
{
	struct io_uring r;
	if (io_uring_queue_init(4, &r, 0))
		_exit(2);
	static char *argv[] = {"sleep", "2", NULL};
	static char *envp[] = {NULL};
	if (spawn_one(&r, "/bin/sleep", argv, envp) <= 0)
		_exit(3);
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r);
	memset(sqe, 0, sizeof *sqe);
	sqe->opcode = IORING_OP_FERRY_WAIT;
	sqe->fd = -1;
	io_uring_submit(&r);
	_exit(0);
}

static void test_exit_with_wait(void)
{
	int ok = 0;
	for (int i = 0; i < 20; i++)
		ok += WIFEXITED(t_child(wait_and_exit, NULL)) ? 1 : 0;
	CHECK(ok == 20,
	      "20 processes exit with a WAIT parked on their own children, and are reaped");
}

int main(void)
{
	int r = io_uring_queue_init(16, &ring, 0);
	CHECK(r == 0, "a ring (%d)", r);
	if (r)
		return t_done();
	if (t_on_linux()) {
		int ops[] = {IORING_OP_FERRY_MSG_SEND, IORING_OP_FERRY_MSG_RECV,
			     IORING_OP_FERRY_SPAWN, IORING_OP_FERRY_WAIT};
		for (int i = 0; i < 4; i++)
			CHECK(u_one(&ring, ferry_sqe(ops[i], -1, 0, 0)) == -EINVAL,
			      "Ferry's opcode %d on Linux: EINVAL", ops[i]);
		t_skip("Ferry's channel, spawn and wait operations: Ferry only");
	} else {
		test_messages();
		test_spawn();
		test_exit_with_wait();
	}
	io_uring_queue_exit(&ring);
	return t_done();
}
