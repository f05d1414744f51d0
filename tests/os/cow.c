/*
 * cow: fork copies on write. Parent and child start with the same memory
 * (data, bss, heap, stack, anonymous mmap) and never see each other's
 * writes afterwards, in either order; 64 children that all write the same
 * pages each see only their own values and exit with the right status;
 * read-only memory stays read-only in the child; MAP_SHARED stays shared.
 */
#include <sched.h>
#include <sys/mman.h>

#include "t.h"

#define PG 4096
#define NKIDS 64
#define KID_PAGES 16

static long in_data = 1;
static long in_bss[2 * PG / sizeof(long)];
static char kid_buf[KID_PAGES * PG];

/* Every kind of private memory a process has, one long in each. */
static long *spots[5];
static const char *spot_names[5] = {"data", "bss", "heap", "stack", "mmap"};

static void set_all(long v)
{
	for (int i = 0; i < 5; i++)
		*spots[i] = v;
}

/* Which spots do not hold v, as a bit mask (0: all hold it). */
static int differ(long v)
{
	int mask = 0;

	for (int i = 0; i < 5; i++)
		if (*(volatile long *)spots[i] != v)
			mask |= 1 << i;
	return mask;
}

static void say_differ(int mask, const char *who)
{
	for (int i = 0; i < 5; i++)
		if (mask & (1 << i))
			t_note("%s: %s memory differs", who, spot_names[i]);
}

static void check_both_ways(void)
{
	int p2c[2], c2p[2];
	char b;

	set_all(100);
	if (!CHECK(pipe(p2c) == 0 && pipe(c2p) == 0, "pipe"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		/* Exit code bits: 1 = did not see the parent's values at fork,
		 * 2 = lost its own writes or saw the parent's later ones. */
		int code = differ(100) ? 1 : 0;
		set_all(200);
		if (write(c2p[1], "w", 1) != 1 || read(p2c[0], &b, 1) != 1)
			_exit(9);
		if (differ(200))
			code |= 2;
		_exit(code);
	}
	CHECK(pid > 0, "fork");
	CHECK(read(c2p[0], &b, 1) == 1, "the child wrote and told us");
	int mask = differ(100);
	CHECK(mask == 0, "the parent does not see the child's writes");
	say_differ(mask, "parent");
	set_all(300);
	CHECK(write(p2c[1], "p", 1) == 1, "the parent wrote and told the child");
	int st = t_wait(pid);
	CHECK(st != -1 && WIFEXITED(st) && !(WEXITSTATUS(st) & 1),
	      "the child saw the parent's memory as it was at fork (%s)", t_status(st));
	CHECK(st != -1 && WIFEXITED(st) && !(WEXITSTATUS(st) & 2),
	      "the child kept its own writes and never saw the parent's");
	CHECK(differ(300) == 0, "the parent kept its own writes");
	set_all(400);
	CHECK(differ(400) == 0, "after the child is gone the parent's pages are still writable");
	close(p2c[0]), close(p2c[1]), close(c2p[0]), close(c2p[1]);
}

/* Each child stamps every page of kid_buf with its number, yields a few
 * times so the others run (on other cores too), and checks its stamps. */
static void kid(int i)
{
	int code = 100 + i;

	if (in_data != 7 || kid_buf[0] != 'P')
		code = 1;
	in_data = i;
	for (int r = 0; r < 4; r++) {
		for (int pg = 0; pg < KID_PAGES; pg++)
			kid_buf[pg * PG + r] = (char)i;
		sched_yield();
		for (int pg = 0; pg < KID_PAGES; pg++)
			if (kid_buf[pg * PG + r] != (char)i)
				code = 2;
	}
	if (in_data != i)
		code = 3;
	_exit(code);
}

static void check_many(void)
{
	pid_t pids[NKIDS];
	int seen[NKIDS] = {0}, forked = 0, right = 0, other = 0;

	in_data = 7;
	memset(kid_buf, 'P', sizeof kid_buf);
	for (int i = 0; i < NKIDS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			kid(i);
		forked += pids[i] > 0;
	}
	CHECK(forked == NKIDS, "forked %d children (of %d)", forked, NKIDS);
	for (int n = 0; n < forked; n++) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0 && errno == EINTR) {
			n--;
			continue;
		}
		int i = 0;
		while (i < NKIDS && pids[i] != pid)
			i++;
		if (i == NKIDS || seen[i]) {
			other++;
			continue;
		}
		seen[i] = 1;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 100 + i)
			right++;
		else
			t_note("child %d: %s, want exit %d", i, t_status(st), 100 + i);
	}
	CHECK(right == NKIDS && other == 0, "all %d children exited with their own status (%d did)",
	      NKIDS, right);
	CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD, "no child is left");
	int intact = in_data == 7;
	for (size_t i = 0; i < sizeof kid_buf; i++)
		intact &= kid_buf[i] == 'P';
	CHECK(intact, "the parent's pages are untouched by 64 children's writes");
}

static void check_nested(void)
{
	in_data = 10;
	pid_t pid = fork();
	if (pid == 0) {
		in_data = 20;
		pid_t g = fork();
		if (g == 0)
			_exit(in_data == 20 ? (in_data = 30, 0) : 1);
		int st = t_wait(g);
		_exit(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && in_data == 20 ? 0 : 1);
	}
	CHECK_EXITED(t_wait(pid), 0, "a grandchild copies its parent's copy, and both keep theirs");
	CHECK(in_data == 10, "the grandparent kept its value");
}

static void check_kinds(void)
{
	char *ro = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro[0] = 5;
	mprotect(ro, PG, PROT_READ);
	CHECK_KILLED(t_child(t_write_byte, ro), SIGSEGV,
		     "a read-only page stays read-only in a child");
	CHECK_KILLED(t_child(t_write_byte, (void *)check_kinds), SIGSEGV,
		     "text stays read-only in a child");
	CHECK(ro[0] == 5, "and the parent's copy is unchanged");
	munmap(ro, PG);

	volatile long *sh =
	    mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(sh != MAP_FAILED, "mmap a shared anonymous page"))
		return;
	*sh = 1;
	pid_t pid = fork();
	if (pid == 0) {
		*sh = 2;
		_exit(0);
	}
	t_wait(pid);
	CHECK(*sh == 2, "a MAP_SHARED page is shared with the child, not copied");
	munmap((void *)sh, PG);

	/* Pages nobody touched before the fork are shared too. */
	sh = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid = fork();
	if (pid == 0) {
		sh[PG / sizeof(long)] = 3;
		_exit(0);
	}
	t_wait(pid);
	CHECK(sh[PG / sizeof(long)] == 3,
	      "an untouched MAP_SHARED page written by the child is seen by the parent");
	munmap((void *)sh, 4 * PG);
}

int main(void)
{
	long on_stack = 0;
	long *mm = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	spots[0] = &in_data;
	spots[1] = &in_bss[PG / sizeof(long)];
	spots[2] = malloc(sizeof(long));
	spots[3] = &on_stack;
	spots[4] = mm;
	if (!CHECK(spots[2] && mm != MAP_FAILED, "malloc and mmap for the test"))
		return t_done();

	check_both_ways();
	check_many();
	check_nested();
	check_kinds();
	return t_done();
}
