/*
 * fifo: named pipes (mkfifo, fifo(7)). A blocking open waits for the
 * other end, O_RDWR and O_RDONLY|O_NONBLOCK do not, O_WRONLY|O_NONBLOCK
 * without a reader is ENXIO; bytes pass through; what nobody read goes
 * when the last end closes; an open interrupted by a signal or ended by
 * SIGKILL leaves no end behind; the two ends closed at the same moment on
 * two cores (the fuzzer found the pipe freed under the first one's wake);
 * a thread blocked reading a pipe whose two ends another thread closes.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "t.h"

static const char *path;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void check_nonblocking(void)
{
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode), "mkfifo makes a FIFO");
	CHECK_ERR(open(path, O_WRONLY | O_NONBLOCK), ENXIO,
		  "O_WRONLY|O_NONBLOCK with no reader is ENXIO");
	int r = open(path, O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0, "O_RDONLY|O_NONBLOCK opens at once");
	char buf[16];
	CHECK(read(r, buf, sizeof buf) == 0, "and reads end of file: no writer");
	int w = open(path, O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0, "with a reader, O_WRONLY|O_NONBLOCK opens");
	CHECK(write(w, "hello", 5) == 5 && read(r, buf, sizeof buf) == 5 && !memcmp(buf, "hello", 5),
	      "bytes pass from the write end to the read end");
	CHECK(fstat(w, &st) == 0 && S_ISFIFO(st.st_mode), "fstat of an end is the FIFO");
	close(w);
	close(r);

	int rw = open(path, O_RDWR);
	CHECK(rw >= 0, "O_RDWR opens without waiting");
	CHECK(write(rw, "abc", 3) == 3, "write through O_RDWR");
	close(rw);
	rw = open(path, O_RDWR | O_NONBLOCK);
	CHECK(rw >= 0 && read(rw, buf, sizeof buf) == -1 && errno == EAGAIN,
	      "what nobody read went with the last end");
	close(rw);
}

/* One side opens at once in a child; the other opens 150 ms later. */
static void check_rendezvous(int child_flags, int parent_flags, const char *what)
{
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		long long t0 = now_ms();
		int fd = open(path, child_flags);
		long long waited = now_ms() - t0;
		if (fd < 0)
			_exit(2);
		if (child_flags == O_WRONLY)
			(void)!write(fd, "x", 1);
		else {
			char c;
			if (read(fd, &c, 1) != 1 || c != 'y')
				_exit(3);
		}
		(void)!write(pfd[1], &waited, sizeof waited);
		_exit(0);
	}
	sleep_ms(150);
	int fd = open(path, parent_flags);
	char c = 0;
	if (parent_flags == O_RDONLY)
		(void)!read(fd, &c, 1);
	else
		(void)!write(fd, "y", 1);
	int st = t_wait(pid);
	long long waited = 0;
	(void)!read(pfd[0], &waited, sizeof waited);
	CHECK(fd >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && waited >= 100 &&
		      (parent_flags != O_RDONLY || c == 'x'),
	      "%s (waited %lld ms, status %#x)", what, waited, st);
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
}

static void on_alarm(int sig)
{
}

static void check_abandoned(void)
{
	/* A signal without SA_RESTART ends a waiting open with EINTR. */
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {0, 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(open(path, O_RDONLY), EINTR, "a signal interrupts a waiting open (EINTR)");
	signal(SIGALRM, SIG_DFL);
	CHECK_ERR(open(path, O_WRONLY | O_NONBLOCK), ENXIO,
		  "and the interrupted reader left no end behind");

	/* A writer killed while it waits leaves no end behind. */
	pid_t pid = fork();
	if (pid == 0) {
		open(path, O_WRONLY);
		_exit(1);
	}
	sleep_ms(100);
	kill(pid, SIGKILL);
	t_wait(pid);
	int r = open(path, O_RDONLY | O_NONBLOCK);
	char c;
	CHECK(r >= 0 && read(r, &c, 1) == 0, "a writer killed in its open left no end behind");
	close(r);
}

/*
 * Many rounds of open, one byte, close on both sides. Each side says on a
 * pipe when it has closed, and neither opens again before the other has:
 * else an end still open from the last round could meet the next one.
 */
static void check_rounds(void)
{
	enum { ROUNDS = 100 };
	int ack[2], done[2];
	CHECK(pipe(ack) == 0 && pipe(done) == 0, "pipes");
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < ROUNDS; i++) {
			int fd = open(path, O_WRONLY);
			unsigned char b = (unsigned char)i;
			if (fd < 0 || write(fd, &b, 1) != 1)
				_exit(1);
			close(fd);
			if (write(done[1], "d", 1) != 1 || read(ack[0], &b, 1) != 1)
				_exit(2);
		}
		_exit(0);
	}
	int ok = 0;
	for (int i = 0; i < ROUNDS; i++) {
		int fd = open(path, O_RDONLY);
		unsigned char b = 0;
		ok += fd >= 0 && read(fd, &b, 1) == 1 && b == (unsigned char)i;
		close(fd);
		(void)!write(ack[1], "a", 1);
		(void)!read(done[0], &b, 1);
	}
	int st = t_wait(pid);
	CHECK(ok == ROUNDS && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%d rounds of open, write, close met their readers (%d)", ROUNDS, ok);
	close(ack[0]);
	close(ack[1]);
	close(done[0]);
	close(done[1]);
}

/* Both ends closed at once, many times: one side's close must not free the pipe the other's uses. */
static void check_close_race(void)
{
	enum { ROUNDS = 2000 };
	volatile int *go = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(go != MAP_FAILED, "a shared page"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 1; i <= ROUNDS; i++) {
			while (go[0] != i) /* the reader is open */
				sched_yield(); /* with one CPU and preempt=off, spinning alone would never end */
			int fd = open(path, O_WRONLY | O_NONBLOCK);
			go[1] = i;
			while (go[2] != i)
				sched_yield();
			close(fd);
		}
		_exit(0);
	}
	int bad = 0;
	for (int i = 1; i <= ROUNDS; i++) {
		int fd = open(path, O_RDONLY | O_NONBLOCK);
		bad += fd < 0;
		go[0] = i;
		while (go[1] != i) /* the writer is open */
			sched_yield();
		go[2] = i;
		close(fd); /* both close now */
	}
	CHECK_EXITED(t_wait(pid), 0, "%d rounds of both ends closing at once", ROUNDS);
	CHECK(bad == 0, "every read open worked");
	munmap((void *)go, 4096);
}

/*
 * A thread blocked in read(2) on a pipe while another closes both ends:
 * the first close wakes it, the second frees the pipe, and the woken
 * reader came back to the pipe's wait queue to leave it (a lock in freed
 * memory: a hang, or the checking kernel's panic). Linux keeps the read
 * going and it sees end of file (0); Ferry restarts it and the descriptor
 * is gone (EBADF). Either way it ends, and the machine goes on.
 */
static int blocked_fd;
static volatile int reader_started;

static void *blocked_reader(void *arg)
{
	char c;
	reader_started = 1;
	ssize_t n = read(blocked_fd, &c, 1);
	return (void *)(intptr_t)(n == 0 ? 0 : n < 0 ? errno : -1);
}

static void check_reader_closed_under(void)
{
	int bad = 0, rounds = 200;
	for (int i = 0; i < rounds; i++) {
		int fd[2];
		if (pipe(fd) < 0) {
			bad++;
			break;
		}
		blocked_fd = fd[0];
		reader_started = 0;
		pthread_t t;
		if (pthread_create(&t, NULL, blocked_reader, NULL) != 0) {
			bad++;
			break;
		}
		while (!reader_started)
			sched_yield();
		for (int k = 0; k < 3; k++)
			sched_yield(); /* most often it is in read by now; either way the read must end */
		close(fd[0]);
		close(fd[1]);
		void *r;
		pthread_join(t, &r);
		int e = (int)(intptr_t)r;
		if (e != 0 && e != EBADF)
			bad++;
	}
	CHECK(bad == 0, "%d times a reader blocked on a pipe whose ends another thread closed: "
		       "it ends with 0 or EBADF (%d did not)", rounds, bad);
}

int main(void)
{
	path = t_tmp("fifo");
	unlink(path);
	if (!CHECK(mkfifo(path, 0600) == 0, "mkfifo"))
		return t_done();
	check_nonblocking();
	check_rendezvous(O_WRONLY, O_RDONLY, "a write open waits for a reader");
	check_rendezvous(O_RDONLY, O_WRONLY, "a read open waits for a writer");
	check_abandoned();
	check_rounds();
	check_close_race();
	check_reader_closed_under();
	CHECK(unlink(path) == 0, "unlink the FIFO");
	return t_done();
}
