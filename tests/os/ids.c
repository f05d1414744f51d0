/*
 * Process and thread ids: more processes and threads than there are ids
 * (32768) come and go, so ids must be recycled when each one ends; a
 * process's first thread has its pid as tid, other threads their own.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "t.h"

#define ROUNDS 40000

static pid_t thread_tid;

static void *note_tid(void *arg)
{
	thread_tid = gettid();
	return arg;
}

int main(void)
{
	CHECK(gettid() == getpid(), "the first thread's tid is the pid");
	int bad = 0, i;
	for (i = 0; i < ROUNDS && !bad; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(gettid() == getpid() ? 7 : 8);
		int st;
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
			bad = 1;
	}
	CHECK(!bad, "%d forks, each child's tid its pid (stopped at %d)", ROUNDS, i);
	bad = 0;
	for (i = 0; i < ROUNDS && !bad; i++) {
		pthread_t t;
		thread_tid = 0;
		if (pthread_create(&t, NULL, note_tid, NULL) != 0 || pthread_join(t, NULL) != 0 ||
		    thread_tid <= 0 || thread_tid == getpid())
			bad = 1;
	}
	CHECK(!bad, "%d threads created and joined, each with a tid of its own (stopped at %d)",
	      ROUNDS, i);
	return t_done();
}
