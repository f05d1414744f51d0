/*
 * mqueue: POSIX message queues: mq_open (O_CREAT, O_EXCL, attributes),
 * priorities, blocking and timed send and receive across processes,
 * O_NONBLOCK, mq_notify with a signal, mq_getsetattr, descriptors that
 * read their status and poll, mq_unlink; and bad input.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

static void ms_sleep(int ms)
{
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

int main(void)
{
	char name[64];
	snprintf(name, sizeof name, "/ferry-mq-%d", getpid());
	mq_unlink(name);
	struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(q >= 0, "mq_open(O_CREAT | O_EXCL) with 4 messages of 64 bytes");
	CHECK_ERR(mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &a), EEXIST, "again with O_EXCL: EEXIST");
	struct mq_attr g;
	CHECK(mq_getattr(q, &g) == 0 && g.mq_maxmsg == 4 && g.mq_msgsize == 64 && g.mq_curmsgs == 0, "mq_getattr");
	CHECK(mq_send(q, "low", 4, 1) == 0 && mq_send(q, "high", 5, 9) == 0 && mq_send(q, "low2", 5, 1) == 0,
	      "three messages at priorities 1, 9, 1");
	char buf[64];
	unsigned prio;
	CHECK(mq_receive(q, buf, sizeof buf, &prio) == 5 && prio == 9 && strcmp(buf, "high") == 0, "the highest priority first");
	CHECK(mq_receive(q, buf, sizeof buf, &prio) == 4 && strcmp(buf, "low") == 0, "  then the older of equals");
	CHECK_ERR(mq_receive(q, buf, 10, &prio), EMSGSIZE, "a buffer smaller than mq_msgsize: EMSGSIZE");
	CHECK(mq_receive(q, buf, sizeof buf, &prio) == 5, "  the message stayed");
	char big[100] = {0};
	CHECK_ERR(mq_send(q, big, 65, 0), EMSGSIZE, "a message past mq_msgsize: EMSGSIZE");
	CHECK_ERR(mq_send(q, "x", 1, 40000), EINVAL, "priority 40000: EINVAL");

	struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;
	CHECK(mq_setattr(q, &nb, &old) == 0 && old.mq_flags == 0, "mq_setattr O_NONBLOCK");
	CHECK_ERR(mq_receive(q, buf, sizeof buf, NULL), EAGAIN, "an empty queue, non-blocking: EAGAIN");
	for (int i = 0; i < 4; i++)
		mq_send(q, "f", 1, 0);
	CHECK_ERR(mq_send(q, "f", 1, 0), EAGAIN, "a full queue, non-blocking: EAGAIN");
	nb.mq_flags = 0;
	mq_setattr(q, &nb, NULL);
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += 30000000;
	if (t.tv_nsec >= 1000000000)
		t.tv_sec++, t.tv_nsec -= 1000000000;
	CHECK_ERR(mq_timedsend(q, "f", 1, 0, &t), ETIMEDOUT, "mq_timedsend to a full queue times out: ETIMEDOUT");
	struct timespec badt = {0, 2000000000};
	CHECK_ERR(mq_timedsend(q, "f", 1, 0, &badt), EINVAL, "  with 2*10^9 ns: EINVAL");

	char st[128] = {0};
	int fd = (int)q;
	CHECK(pread(fd, st, sizeof st - 1, 0) > 0 && strncmp(st, "QSIZE:4", 7) == 0, "reading the descriptor: %.20s", st);
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && !(p.revents & POLLOUT), "poll: readable, not writable (full)");
	for (int i = 0; i < 4; i++)
		mq_receive(q, buf, sizeof buf, NULL);

	/* A receiver in another process waits for a sender. */
	pid_t c = fork();
	if (c == 0) {
		mqd_t cq = mq_open(name, O_RDONLY);
		char b[64];
		_exit(mq_receive(cq, b, sizeof b, NULL) == 3 && strcmp(b, "hi") == 0 ? 0 : 1);
	}
	ms_sleep(50);
	mq_send(q, "hi", 3, 0);
	CHECK_EXITED(t_wait(c), 0, "a receiver in another process gets a message sent later");

	/* mq_notify: a signal when a message arrives in the empty queue. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 77};
	CHECK(mq_notify(q, &ev) == 0, "mq_notify(SIGEV_SIGNAL)");
	c = fork();
	if (c == 0) {
		struct sigevent e2 = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
		_exit(mq_notify(q, &e2) == -1 && errno == EBUSY ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "another process's mq_notify: EBUSY");
	mq_send(q, "n", 2, 0);
	siginfo_t si;
	struct timespec w = {10, 0};
	CHECK(sigtimedwait(&s, &si, &w) == SIGUSR1 && si.si_code == SI_MESGQ && si.si_value.sival_int == 77 &&
		  si.si_pid == getpid(),
	      "the notification: SI_MESGQ, the sigval and the sender");
	mq_receive(q, buf, sizeof buf, NULL);
	mq_send(q, "n", 2, 0);
	CHECK_ERR(sigtimedwait(&s, &si, &(struct timespec){0, 20000000}), EAGAIN, "  only once per registration");
	mq_receive(q, buf, sizeof buf, NULL);
	CHECK(mq_notify(q, NULL) == 0, "mq_notify(NULL)");

	CHECK(mq_unlink(name) == 0, "mq_unlink");
	CHECK(mq_send(q, "still", 6, 0) == 0 && mq_receive(q, buf, sizeof buf, NULL) == 6, "  the open queue still works");
	CHECK_ERR(mq_open(name, O_RDONLY), ENOENT, "  but its name is gone: ENOENT");
	CHECK_ERR(mq_unlink(name), ENOENT, "mq_unlink of a missing queue: ENOENT");
	mq_close(q);
	struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 64};
	CHECK_ERR(mq_open(name, O_CREAT | O_RDWR, 0600, &bad), EINVAL, "mq_maxmsg 0: EINVAL");
	CHECK_ERR(syscall(SYS_mq_open, "a/b", O_CREAT | O_RDWR, 0600, NULL), EACCES, "a name with '/': EACCES");
	CHECK_ERR(syscall(SYS_mq_open, (char *)8, O_RDWR, 0, NULL), EFAULT, "a bad name pointer: EFAULT");
	CHECK_ERR(mq_send((mqd_t)0, "x", 1, 0), EBADF, "mq_send on a descriptor that is no queue: EBADF");
	mqd_t ro = mq_open(name, O_CREAT | O_RDONLY, 0600, NULL);
	CHECK_ERR(mq_send(ro, "x", 1, 0), EBADF, "mq_send on a read-only queue descriptor: EBADF");
	mq_close(ro);
	mq_unlink(name);
	return t_done();
}
