/*
 * Job control: SIGSTOP, SIGTSTP and SIGCONT; wait4 with WUNTRACED and
 * WCONTINUED, waitid with WSTOPPED; SIGCHLD for stops (and SA_NOCLDSTOP);
 * every thread of a stopped process stops; a sleep interrupted by a stop
 * goes on after SIGCONT; SIGKILL ends a stopped process, even one whose
 * threads are still stopping; a handled SIGTSTP does not stop; an exit that
 * orphans a process group with a stopped member sends it SIGHUP and SIGCONT.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#include "t.h"

static volatile unsigned long *counters; /* shared with the children */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * The counting loops yield: with preempt=off on one CPU a loop that never
 * enters the kernel would keep the parent from running at all.
 */
static void *spin_second(void *arg)
{
	for (;;) {
		counters[1]++;
		sched_yield();
	}
	return arg;
}

/* A child that counts forever (two threads if threads), in shared memory. */
static pid_t spinner(int threads)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (threads) {
			pthread_t t;
			pthread_create(&t, NULL, spin_second, NULL);
		}
		for (;;) {
			counters[0]++;
			sched_yield();
		}
	}
	return pid;
}

/*
 * Does counter i move within 3 s? A thread that runs moves it at once; the
 * margin is for a loaded host, where an emulated CPU may not run for a
 * while. (That a stopped thread does not move is checked with still().)
 */
static int moving(int i)
{
	unsigned long a = counters[i];
	for (int waited = 0; waited < 3000; waited += 10) {
		sleep_ms(10);
		if (counters[i] != a)
			return 1;
	}
	return 0;
}

/* Does counter i come to stay put for 100 ms (within 3 s: a thread stops at its next look)? */
static int still(int i)
{
	for (int waited = 0; waited < 3000; waited += 100) {
		unsigned long a = counters[i];
		sleep_ms(100);
		if (counters[i] == a)
			return 1;
	}
	return 0;
}

static void check_stop_continue(void)
{
	pid_t pid = spinner(1);
	int st;
	sleep_ms(50);
	CHECK(moving(0) && moving(1), "both threads of the child run");
	CHECK(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
	pid_t w = waitpid(pid, &st, WUNTRACED);
	CHECK(w == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
	      "waitpid(WUNTRACED) reports it stopped by SIGSTOP (status %#x)", st);
	sleep_ms(20); /* the second thread stops at its next look */
	CHECK(still(0) && still(1), "neither thread runs while it is stopped");
	CHECK(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0, "the stop is reported once");
	CHECK(kill(pid, SIGCONT) == 0, "kill SIGCONT");
	w = waitpid(pid, &st, WCONTINUED);
	CHECK(w == pid && WIFCONTINUED(st), "waitpid(WCONTINUED) reports it continued (status %#x)",
	      st);
	CHECK(moving(0) && moving(1), "both threads run again");

	CHECK(kill(pid, SIGTSTP) == 0, "kill SIGTSTP");
	siginfo_t si = {0};
	int wr = waitid(P_PID, pid, &si, WSTOPPED);
	CHECK(wr == 0 && si.si_code == CLD_STOPPED && si.si_status == SIGTSTP && si.si_pid == pid,
	      "waitid(WSTOPPED): CLD_STOPPED by SIGTSTP (code %d, status %d)", si.si_code,
	      si.si_status);
	CHECK(kill(pid, SIGKILL) == 0 &&
		  waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "SIGKILL ends a stopped process");
}

static volatile int chld_code, chld_count;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_code = si->si_code;
	chld_count++;
}

static void check_sigchld(void)
{
	struct sigaction sa = {.sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigaction(SIGCHLD, &sa, NULL);
	pid_t pid = spinner(0);
	int st;
	chld_count = 0;
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	for (int i = 0; i < 100 && !chld_count; i++)
		sleep_ms(2);
	CHECK(chld_count >= 1 && chld_code == CLD_STOPPED, "SIGCHLD with CLD_STOPPED (code %d)",
	      chld_code);
	chld_count = 0;
	kill(pid, SIGCONT);
	for (int i = 0; i < 100 && !chld_count; i++)
		sleep_ms(2);
	CHECK(chld_count >= 1 && chld_code == CLD_CONTINUED, "SIGCHLD with CLD_CONTINUED (code %d)",
	      chld_code);

	sa.sa_flags |= SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	chld_count = 0;
	kill(pid, SIGSTOP);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st),
	      "with SA_NOCLDSTOP the stop is still reported to wait");
	sleep_ms(50);
	CHECK(chld_count == 0, "but no SIGCHLD comes for it");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	signal(SIGCHLD, SIG_DFL);
}

static void check_sleep_goes_on(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int64_t t0 = now_ns();
		struct timespec ts = {0, 300 * 1000000};
		int r = nanosleep(&ts, NULL);
		int64_t d = now_ns() - t0;
		_exit(r == 0 && d >= 300 * 1000000LL ? 0 : 1);
	}
	sleep_ms(50);
	int st;
	kill(pid, SIGTSTP);
	waitpid(pid, &st, WUNTRACED);
	sleep_ms(400); /* longer than the whole sleep: it must not end while stopped */
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "a stopped sleeper does not finish");
	kill(pid, SIGCONT);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "after SIGCONT its nanosleep completes (returns 0, whole time slept)");
}

static volatile int tstp_seen, cont_seen;

static void on_tstp(int sig)
{
	tstp_seen = 1;
}

static void on_cont(int sig)
{
	cont_seen = 1;
}

static void check_handled_stop(void)
{
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGTSTP, on_tstp);
		signal(SIGCONT, on_cont);
		(void)!write(pfd[1], "r", 1);
		while (!tstp_seen)
			sched_yield();
		(void)!write(pfd[1], "h", 1);
		while (!cont_seen)
			sched_yield();
		_exit(7);
	}
	char c;
	(void)!read(pfd[0], &c, 1);
	kill(pid, SIGTSTP);
	CHECK(read(pfd[0], &c, 1) == 1 && c == 'h', "a SIGTSTP handler runs instead of a stop");
	kill(pid, SIGCONT);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
	      "SIGCONT to a running process runs its handler");
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * SIGKILL right after the stop is reported: the child's second thread may
 * still be on its way to park. The kill must reach it there too.
 */
static void check_kill_as_it_stops(void)
{
	enum { ROUNDS = 40 };
	int i, st, stuck = 0;
	for (i = 0; i < ROUNDS && !stuck; i++) {
		pid_t pid = spinner(1);
		kill(pid, SIGSTOP);
		waitpid(pid, &st, WUNTRACED);
		kill(pid, SIGKILL);
		int64_t t0 = now_ns();
		while (waitpid(pid, &st, WNOHANG) == 0 && !stuck) {
			sleep_ms(1);
			stuck = now_ns() - t0 > 5000000000LL;
		}
	}
	if (stuck)
		t_note("round %d: the child was still there 5 s after SIGKILL", i);
	CHECK(!stuck, "%d stopped children killed at once each died", ROUNDS);
}

static volatile int *orphan_log; /* shared: the signals the grandchild took, in order */

static void log_signal(int sig)
{
	int n = orphan_log[0];
	if (n < 8)
		orphan_log[1 + n] = sig;
	orphan_log[0] = n + 1;
}

/*
 * A middle process in a new session starts a grandchild in a group of its
 * own (stopped, or asleep), then exits: the grandchild's group is
 * orphaned. POSIX: a newly orphaned group with a stopped member gets
 * SIGHUP, then SIGCONT; a group with none stopped gets nothing.
 */
static void orphan_group(int stop)
{
	memset((void *)orphan_log, 0, 64);
	pid_t mid = fork();
	if (mid == 0) {
		setsid();
		pid_t g = fork();
		if (g == 0) {
			setpgid(0, 0);
			signal(SIGHUP, log_signal);
			signal(SIGCONT, log_signal);
			orphan_log[12] = 1; /* ready */
			if (stop)
				raise(SIGSTOP);
			else
				sleep_ms(300);
			orphan_log[13] = 1; /* done */
			_exit(0);
		}
		int st;
		if (stop)
			waitpid(g, &st, WUNTRACED);
		else
			while (!orphan_log[12])
				sleep_ms(1);
		_exit(0); /* the grandchild's group is orphaned now */
	}
	int st;
	waitpid(mid, &st, 0);
	int64_t t0 = now_ns();
	while (!orphan_log[13] && now_ns() - t0 < 5000000000LL)
		sleep_ms(5);
	if (stop)
		/* Both pending at once: which handler runs first is not specified. */
		CHECK(orphan_log[13] && orphan_log[0] == 2 &&
			      orphan_log[1] + orphan_log[2] == SIGHUP + SIGCONT &&
			      (orphan_log[1] == SIGHUP || orphan_log[2] == SIGHUP),
		      "a stopped process whose group is orphaned gets SIGHUP and SIGCONT "
		      "(%d signals: %d %d)",
		      orphan_log[0], orphan_log[1], orphan_log[2]);
	else
		CHECK(orphan_log[13] && orphan_log[0] == 0,
		      "an orphaned group with nobody stopped gets no signal (%d)", orphan_log[0]);
}

int main(void)
{
	counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check_stop_continue();
	check_sigchld();
	check_sleep_goes_on();
	check_handled_stop();
	check_kill_as_it_stops();
	orphan_log = (volatile int *)counters + 16;
	orphan_group(1);
	orphan_group(0);
	return t_done();
}
