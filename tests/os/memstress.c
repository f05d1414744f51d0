/*
 * Memory pressure: children each fill anonymous memory with a pattern of
 * their own and read it all back (every byte checked), then keep part of
 * it and wait; a command may run meanwhile (tests/swap.sh: swapoff -a);
 * then they check what they kept again. With no arguments, a small run
 * (4 x 8 MiB) that any machine holds; tests/swap.sh asks for four times
 * the machine's memory, so most of it goes to swap and comes back.
 * With --expect-oom (a machine with too little memory and no swap), a
 * child must be killed by the out-of-memory killer and this process go on.
 *   memstress [--procs N] [--mib M] [--keep K] [--then 'CMD'] [--expect-oom]
 */
#include "t.h"

#include <stdint.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/mman.h>

#define MIB (1024L * 1024)

static uint64_t word(int child, long i)
{
	/* Different for every word of every child: a page swapped in wrong shows. */
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL + (uint64_t)child * 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

/* Check words [from, to) of child's memory: the index of the first wrong word, or -1. */
static long check(const uint64_t *m, int child, long from, long to)
{
	for (long i = from; i < to; i++)
		if (m[i] != word(child, i))
			return i;
	return -1;
}

static int run_child(int child, long mib, long keep, int ready, int go)
{
	long words = mib * MIB / 8;
	uint64_t *m = mmap(NULL, (size_t)(mib * MIB), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	for (long i = 0; i < words; i++)
		m[i] = word(child, i);
	long bad = check(m, child, 0, words);
	if (bad >= 0) {
		printf("# child %d: word %ld wrong after the fill\n", child, bad);
		return 3;
	}
	/* Most of it goes; what is kept is checked again after the command. */
	munmap((char *)m + keep * MIB, (size_t)((mib - keep) * MIB));
	char c = 'r';
	(void)!write(ready, &c, 1);
	(void)!read(go, &c, 1);
	bad = check(m, child, 0, keep * MIB / 8);
	if (bad >= 0) {
		printf("# child %d: kept word %ld wrong after the command\n", child, bad);
		return 4;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int procs = 4;
	long mib = 8, keep = 2;
	const char *then = NULL;
	bool expect_oom = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect-oom"))
			expect_oom = true;
		else if (i + 1 == argc)
			break;
		else if (!strcmp(argv[i], "--procs"))
			procs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mib"))
			mib = atol(argv[++i]);
		else if (!strcmp(argv[i], "--keep"))
			keep = atol(argv[++i]);
		else if (!strcmp(argv[i], "--then"))
			then = argv[++i];
	}
	if (procs < 1 || procs > 64 || mib < 1 || keep < 0 || keep > mib) {
		fprintf(stderr, "memstress: bad arguments\n");
		return 2;
	}
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t kids[64];
	int status[64];
	bool reaped[64] = {false};
	for (int c = 0; c < procs; c++) {
		kids[c] = fork();
		if (kids[c] == 0) {
			close(ready[0]);
			close(go[1]);
			_exit(run_child(c, mib, keep, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	/*
	 * Until every child has filled its memory, or one has ended (killed
	 * for want of memory): the others hold the pipe open, so look.
	 */
	int n = 0, ended = 0;
	while (n < procs && !ended) {
		struct pollfd pf = {.fd = ready[0], .events = POLLIN};
		char c;
		if (poll(&pf, 1, 500) == 1 && read(ready[0], &c, 1) == 1) {
			n++;
			continue;
		}
		/* A timeout, or the end of the pipe (every child gone): has one ended? */
		for (int k = 0; k < procs; k++)
			if (!reaped[k] && waitpid(kids[k], &status[k], WNOHANG) == kids[k])
				reaped[k] = true, ended++;
		if (!ended && !(pf.revents & POLLIN))
			continue;
		if (!ended)
			usleep(100 * 1000); /* the pipe's end came before the child's status */
	}
	if (expect_oom) {
		CHECK(ended > 0, "a child ended before filling %ld MiB (%d of %d filled)", mib, n, procs);
	} else {
		CHECK(n == procs, "%d processes filled %ld MiB each and read every word back", procs,
		      mib);
	}
	if (then && !ended) {
		fflush(stdout);
		int st = system(then);
		CHECK(st == 0, "the command between: %s (status %d)", then, st);
	}
	signal(SIGPIPE, SIG_IGN); /* every child may be gone */
	for (int k = 0; k < procs; k++)
		(void)!write(go[1], "g", 1);
	int good = 0, oom = 0;
	for (int k = 0; k < procs; k++) {
		int st = reaped[k] ? status[k] : t_wait(kids[k]);
		bool fine = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
		good += fine;
		oom += st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
		if (!fine)
			t_note("child %d: %s", k, t_status(st));
	}
	if (expect_oom)
		CHECK(oom > 0 && good + oom == procs,
		      "the out-of-memory killer ended %d of them (SIGKILL), the rest were right", oom);
	else
		CHECK(good == procs, "every process found the %ld MiB it kept intact afterwards", keep);
	return t_done();
}
