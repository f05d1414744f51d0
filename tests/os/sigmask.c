/*
 * sigmask: a signal sent from another core while the receiver unblocks it
 * and goes to sleep (sigsuspend, ppoll with a temporary mask) is never
 * lost. The receiver keeps SIGUSR1 blocked except inside the call; the
 * sender, pinned to another core where there is one, waits for each
 * handler before it sends the next, so most signals land just as the
 * receiver stores its new mask and looks for pending signals. A kernel
 * that lets that look pass the mask store (x86 may), while the sender
 * reads the old mask and sends no wake, leaves the receiver asleep with
 * the signal pending.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

enum { ROUNDS = 4000, STUCK_SECONDS = 30 };

static volatile unsigned *acks; /* handlers run so far, shared with the receiver */
static int never_ready[2];      /* a pipe nobody writes: ppoll waits on it */

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(acks, 1, __ATOMIC_SEQ_CST);
}

static int ncpus(void)
{
	cpu_set_t s;
	return sched_getaffinity(0, sizeof s, &s) == 0 ? CPU_COUNT(&s) : 1;
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof s, &s);
}

/* The receiver: SIGUSR1 blocked, let in only while it sleeps. */
static void receive_forever(int use_ppoll)
{
	sigset_t block, open;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&open);
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	__atomic_store_n(acks, 1, __ATOMIC_SEQ_CST); /* ready */
	for (;;) {
		if (use_ppoll) {
			struct pollfd p = {.fd = never_ready[0], .events = POLLIN};
			ppoll(&p, 1, NULL, &open);
		} else {
			sigsuspend(&open);
		}
	}
}

/* Send ROUNDS signals with send(), each after the last one's handler ran; true if none was lost. */
static int drive(void (*send)(void *), void *arg, const char *what)
{
	unsigned i;
	int stuck = 0;
	while (__atomic_load_n(acks, __ATOMIC_SEQ_CST) == 0)
		sched_yield();
	for (i = 1; i <= ROUNDS && !stuck; i++) {
		struct timespec t0, t1;
		send(arg);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (__atomic_load_n(acks, __ATOMIC_SEQ_CST) <= i && !stuck) {
			sched_yield();
			clock_gettime(CLOCK_MONOTONIC, &t1);
			stuck = t1.tv_sec - t0.tv_sec > STUCK_SECONDS;
		}
	}
	if (stuck)
		t_note("%s: signal %u went unhandled for %d s", what, i - 1, STUCK_SECONDS);
	return !stuck;
}

static void kill_child(void *arg)
{
	kill(*(pid_t *)arg, SIGUSR1);
}

static void across_processes(int use_ppoll)
{
	const char *call = use_ppoll ? "ppoll" : "sigsuspend";
	*acks = 0;
	pid_t pid = fork();
	if (pid == 0) {
		if (ncpus() > 1)
			pin(1);
		receive_forever(use_ppoll);
	}
	int ok = drive(kill_child, &pid, call);
	CHECK(ok, "%d signals from another process to a child in %s: every one handled", ROUNDS,
	      call);
	kill(pid, SIGKILL);
	t_wait(pid);
}

struct receiver {
	pid_t tid;
	int use_ppoll;
};

static void *receiver_thread(void *arg)
{
	struct receiver *r = arg;
	__atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	if (ncpus() > 1)
		pin(1);
	receive_forever(r->use_ppoll);
	return NULL;
}

static void tgkill_thread(void *arg)
{
	syscall(SYS_tgkill, getpid(), ((struct receiver *)arg)->tid, SIGUSR1);
}

/* The same between two threads of one process (tgkill): the process is killed at the end. */
static void across_threads(int use_ppoll)
{
	const char *call = use_ppoll ? "ppoll" : "sigsuspend";
	*acks = 0;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t block;
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigprocmask(SIG_BLOCK, &block, NULL); /* only the receiver lets it in */
		static struct receiver r;
		r.use_ppoll = use_ppoll;
		pthread_t th;
		pthread_create(&th, NULL, receiver_thread, &r);
		while (!__atomic_load_n(&r.tid, __ATOMIC_SEQ_CST))
			sched_yield();
		pin(0);
		_exit(drive(tgkill_thread, &r, call) ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%d signals from another thread to a thread in %s: every one handled", ROUNDS, call);
}

int main(void)
{
	acks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(acks != MAP_FAILED, "a shared page for the counts"))
		return t_done();
	if (!CHECK(pipe(never_ready) == 0, "a pipe that never becomes readable"))
		return t_done();
	t_note("%d CPU(s)", ncpus());
	if (ncpus() > 1)
		pin(0);
	across_processes(0);
	across_processes(1);
	across_threads(0);
	across_threads(1);
	return t_done();
}
