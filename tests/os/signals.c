/*
 * signals: faults kill only the faulting process, with the signal Linux
 * sends (SIGSEGV for a bad access or a protection violation, SIGILL,
 * SIGFPE, SIGTRAP); kill with SIGTERM and SIGKILL, also of a child parked
 * in a system call; handlers, masks and SIGCHLD. Each fault happens in a
 * child; this process must go on.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <time.h>

#include "t.h"

static void null_read(void *a)
{
	(void)*(volatile int *)0;
}

static void null_write(void *a)
{
	*(volatile int *)0 = 1;
}

static void write_text(void *a)
{
	*(volatile char *)null_read = 0;
}

static void write_rodata(void *a)
{
	*(volatile char *)"a string literal" = 'A';
}

/* A `ret` in memory that must not be executable. */
static void jump_to(void *code)
{
	((void (*)(void))code)();
}

static char data_code[16] = {(char)0xc3};

static void jump_stack(void *a)
{
	char code[16] = {(char)0xc3};
	jump_to(code);
}

/* Deep recursion with big frames, until the guard page below the stack. */
static int recurse(int depth)
{
	volatile char frame[4096];

	frame[0] = (char)depth;
	if (depth > (1 << 22)) /* 16 GiB of frames: never reached, quiets gcc */
		return 0;
	return recurse(depth + 1) + frame[0];
}

static void overflow(void *a)
{
	/* Keep Linux's growing stack small; Ferry's has a fixed guard page. */
	struct rlimit rl = {1 << 20, 1 << 20};
	setrlimit(RLIMIT_STACK, &rl);
	recurse(0);
}

static void ud2(void *a)
{
	__asm__ volatile("ud2");
}

static void divide(void *a)
{
	volatile int zero = 0, x = 1;
	x /= zero;
}

static void hlt(void *a)
{
	__asm__ volatile("hlt"); /* privileged: #GP in user mode */
}

static void int3(void *a)
{
	__asm__ volatile("int3");
}

static void check_faults(void)
{
	CHECK_KILLED(t_child(null_read, NULL), SIGSEGV, "reading address 0 is SIGSEGV");
	CHECK_KILLED(t_child(null_write, NULL), SIGSEGV, "writing address 0 is SIGSEGV");
	CHECK_KILLED(t_child(write_text, NULL), SIGSEGV, "writing its own text is SIGSEGV");
	CHECK_KILLED(t_child(write_rodata, NULL), SIGSEGV, "writing a string literal is SIGSEGV");
	CHECK_KILLED(t_child(t_read_byte, (void *)0xffff800000000000ul), SIGSEGV,
		     "reading a kernel-half address is SIGSEGV");
	CHECK_KILLED(t_child(t_read_byte, (void *)0xffffffff80000000ul), SIGSEGV,
		     "reading the kernel image's address is SIGSEGV");
	CHECK_KILLED(t_child(t_read_byte, (void *)0x0000800000000000ul), SIGSEGV,
		     "reading a non-canonical address is SIGSEGV");

	char *heap = malloc(64);
	heap[0] = (char)0xc3;
	CHECK_KILLED(t_child(jump_to, heap), SIGSEGV, "jumping into the heap is SIGSEGV");
	free(heap);
	CHECK_KILLED(t_child(jump_stack, NULL), SIGSEGV, "jumping into the stack is SIGSEGV");
	CHECK_KILLED(t_child(jump_to, data_code), SIGSEGV, "jumping into data is SIGSEGV");
	CHECK_KILLED(t_child(jump_to, NULL), SIGSEGV, "jumping to address 0 is SIGSEGV");
	CHECK_KILLED(t_child(overflow, NULL), SIGSEGV,
		     "overflowing the stack into its guard page is SIGSEGV");
	CHECK_KILLED(t_child(ud2, NULL), SIGILL, "an undefined instruction (ud2) is SIGILL");
	CHECK_KILLED(t_child(divide, NULL), SIGFPE, "dividing by zero is SIGFPE");
	CHECK_KILLED(t_child(hlt, NULL), SIGSEGV, "a privileged instruction (hlt) is SIGSEGV");
	CHECK_KILLED(t_child(int3, NULL), SIGTRAP, "a breakpoint (int3) is SIGTRAP");
	CHECK(1, "the parent went on after all of these");
}

/* A child that reports ready on a pipe and then waits in a system call. */
static pid_t parked_child(int how)
{
	int fd[2];
	char b;

	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		if (how == 1)
			signal(SIGTERM, SIG_IGN);
		close(fd[0]);
		(void)!write(fd[1], "r", 1);
		if (how == 2) { /* park in a read that nobody will satisfy */
			int p[2];
			if (pipe(p) == 0)
				(void)!read(p[0], &b, 1);
		} else {
			struct timespec ts = {30, 0};
			while (1)
				nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	close(fd[1]);
	(void)!read(fd[0], &b, 1);
	close(fd[0]);
	return pid;
}

static void check_kill(void)
{
	pid_t pid = parked_child(0);
	CHECK(kill(pid, SIGTERM) == 0, "kill SIGTERM a sleeping child");
	CHECK_KILLED(t_wait(pid), SIGTERM, "it dies of SIGTERM");

	pid = parked_child(2);
	CHECK(kill(pid, SIGKILL) == 0, "kill SIGKILL a child blocked in read");
	CHECK_KILLED(t_wait(pid), SIGKILL, "it dies of SIGKILL");

	pid = parked_child(1);
	kill(pid, SIGTERM);
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	CHECK(waitpid(pid, NULL, WNOHANG) == 0, "a child ignoring SIGTERM survives it");
	kill(pid, SIGKILL);
	CHECK_KILLED(t_wait(pid), SIGKILL, "SIGKILL cannot be ignored");

	CHECK_ERR(kill(pid, 0), ESRCH, "kill of a reaped pid is ESRCH");
	CHECK_ERR(kill(getpid(), 9999), EINVAL, "kill with an invalid signal is EINVAL");
}

static volatile sig_atomic_t got_usr1, chld_count, chld_pid, chld_status;

static void on_usr1(int sig)
{
	got_usr1++;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_count++;
	chld_pid = si->si_pid;
	chld_status = si->si_status;
}

static sigjmp_buf segv_jmp;
static void *volatile segv_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	segv_addr = si->si_addr;
	siglongjmp(segv_jmp, 1);
}

static void check_handlers(void)
{
	struct sigaction sa = {0};
	volatile long keep = 0x1234567890l;

	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	CHECK(got_usr1 == 1 && keep == 0x1234567890l, "a handler runs and returns (rt_sigreturn)");

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR1);
	CHECK(got_usr1 == 1, "a blocked signal waits");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(got_usr1 == 2, "and is delivered when unblocked");

	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	t_wait(pid);
	CHECK(chld_count == 1 && chld_pid == pid && chld_status == 7,
	      "SIGCHLD reaches the parent with the child's pid and status");
	signal(SIGCHLD, SIG_DFL);

	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	volatile int *volatile bad = (int *)16;
	if (sigsetjmp(segv_jmp, 1) == 0)
		(void)*bad;
	CHECK(segv_addr == (void *)16, "a SIGSEGV handler gets the faulting address (%p)",
	      segv_addr);
	signal(SIGSEGV, SIG_DFL);
}

static volatile pid_t usr2_tid;
static volatile int worker_ready, worker_stop;

static void on_usr2(int sig)
{
	usr2_tid = gettid();
}

/* SIGUSR2 unblocked here (main blocks it): spin until told to stop. */
static void *usr2_worker(void *arg)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	*(pid_t *)arg = gettid();
	worker_ready = 1;
	while (!worker_stop && !usr2_tid)
		sched_yield();
	return NULL;
}

/* tgkill/tkill (pthread_kill, raise) reach one thread, not any thread of the process. */
static void check_thread_signals(void)
{
	struct sigaction sa = {.sa_handler = on_usr2};
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, &old);

	pid_t wtid = 0;
	pthread_t w;
	worker_ready = worker_stop = 0;
	usr2_tid = 0;
	pthread_create(&w, NULL, usr2_worker, &wtid);
	while (!worker_ready)
		sched_yield();
	CHECK(kill(wtid, 0) == 0, "kill(2) takes a thread's id (its process)");
	CHECK(pthread_kill(w, SIGUSR2) == 0, "pthread_kill");
	pthread_join(w, NULL);
	CHECK(usr2_tid == wtid, "pthread_kill's signal ran on that thread (tid %d, handler on %d)",
	      (int)wtid, (int)usr2_tid);

	/* raise() in a thread that blocks the signal: it waits for that thread alone. */
	worker_ready = worker_stop = 0;
	usr2_tid = 0;
	pthread_create(&w, NULL, usr2_worker, &wtid);
	while (!worker_ready)
		sched_yield();
	raise(SIGUSR2);
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	CHECK(usr2_tid == 0, "a thread-directed signal is not taken by another thread");
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR2), "it is pending for the thread that blocks it");
	worker_stop = 1;
	pthread_join(w, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	CHECK(usr2_tid == gettid(), "unblocked, it runs on that thread");
	CHECK(syscall(SYS_tgkill, getpid(), 999999, SIGUSR2) == -1 && errno == ESRCH,
	      "tgkill of a thread that does not exist is ESRCH");
	CHECK(syscall(SYS_tgkill, getpid(), gettid(), 0) == 0, "tgkill with signal 0 checks");
	CHECK(syscall(SYS_tgkill, 0, gettid(), SIGUSR2) == -1 && errno == EINVAL,
	      "tgkill with tgid 0 is EINVAL");
	signal(SIGUSR2, SIG_DFL);
}

static volatile unsigned *pause_acks; /* shared with the pausing child */

static void on_usr1_ack(int sig)
{
	(*pause_acks)++;
}

/*
 * The sender waits for each signal's handler before it sends the next, so
 * most signals arrive just as the child goes back into pause(): after its
 * look for pending signals, before it parks. A signal lost there leaves
 * the child parked for good.
 */
static void check_pause_race(void)
{
	enum { ROUNDS = 3000 };
	pause_acks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(pause_acks != MAP_FAILED, "mmap shared page");
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1_ack);
		*pause_acks = 1; /* ready */
		for (;;)
			pause();
	}
	unsigned i;
	int stuck = 0;
	struct timespec t0, t1;
	while (*pause_acks == 0)
		sched_yield();
	for (i = 1; i <= ROUNDS && !stuck; i++) {
		kill(pid, SIGUSR1);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (*pause_acks <= i && !stuck) {
			sched_yield();
			clock_gettime(CLOCK_MONOTONIC, &t1);
			stuck = t1.tv_sec - t0.tv_sec > 5;
		}
	}
	if (stuck)
		t_note("signal %u went unhandled for 5 s", i - 1);
	CHECK(!stuck, "%d signals to a child in pause() each ran its handler", ROUNDS);
	kill(pid, SIGKILL);
	t_wait(pid);
	munmap((void *)pause_acks, 4096);
}

int main(void)
{
	check_faults();
	check_kill();
	check_handlers();
	check_thread_signals();
	check_pause_race();
	return t_done();
}
