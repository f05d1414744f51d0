/*
 * ferrycalls: Ferry's own system calls through the user library
 * (user/lib/ferry.h): tickets, getpstat, mprotect_ro/munprotect, threads,
 * spawn, channels and messages. On Linux each call must fail with ENOSYS
 * (which checks the numbers are outside Linux's table and the wrappers set
 * errno), and the Ferry checks are skipped.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "ferry.h"
#include "t.h"

#define PG 4096

static void check_enosys(void)
{
	int fds[2];
	void *p;

	CHECK_ERR(spawn("/bin/true", NULL, NULL), ENOSYS, "spawn is ENOSYS on Linux");
	CHECK_ERR(settickets(5), ENOSYS, "settickets is ENOSYS on Linux");
	CHECK_ERR(getpstat(NULL), ENOSYS, "getpstat is ENOSYS on Linux");
	CHECK_ERR(thread_clone(NULL, NULL, NULL, NULL), ENOSYS, "thread_clone is ENOSYS on Linux");
	CHECK_ERR(thread_join(&p), ENOSYS, "thread_join is ENOSYS on Linux");
	CHECK_ERR(mprotect_ro(NULL, 1), ENOSYS, "mprotect_ro is ENOSYS on Linux");
	CHECK_ERR(munprotect(NULL, 1), ENOSYS, "munprotect is ENOSYS on Linux");
	CHECK_ERR(chan_create(fds), ENOSYS, "chan_create is ENOSYS on Linux");
	errno = 0;
	CHECK(msg_alloc(PG) == NULL && errno == ENOSYS, "msg_alloc is ENOSYS (NULL) on Linux");
	CHECK_ERR(msg_free(NULL), ENOSYS, "msg_free is ENOSYS on Linux");
	CHECK_ERR(msg_send(0, NULL, 0), ENOSYS, "msg_send is ENOSYS on Linux");
	CHECK_ERR(msg_recv(0, &p), ENOSYS, "msg_recv is ENOSYS on Linux");
	CHECK_ERR(thread_create(NULL, NULL, NULL), ENOSYS, "thread_create is ENOSYS on Linux");
	CHECK_ERR(thread_join_free(), ENOSYS, "thread_join_free is ENOSYS on Linux");
}

static const struct pstat_entry *find(struct pstat *ps, pid_t pid)
{
	for (uint32_t i = 0; i < ps->cap && i < ps->count; i++)
		if (ps->ent[i].pid == pid)
			return &ps->ent[i];
	return NULL;
}

static uint32_t my_tickets(void)
{
	static char buf[PSTAT_SIZE(256)];
	struct pstat *ps = (struct pstat *)buf;

	ps->cap = 256;
	const struct pstat_entry *e = getpstat(ps) >= 0 ? find(ps, getpid()) : NULL;
	return e ? e->tickets : 0;
}

static void check_pstat(void)
{
	static char buf[PSTAT_SIZE(256)];
	struct pstat *ps = (struct pstat *)buf;

	CHECK_ERR(settickets(0), EINVAL, "settickets(0) is EINVAL");
	CHECK_ERR(settickets(-3), EINVAL, "settickets(-3) is EINVAL");
	CHECK(settickets(17) == 0, "settickets(17)");

	ps->cap = 256;
	int n = getpstat(ps);
	CHECK(n >= 1 && (uint32_t)n == (ps->count < 256 ? ps->count : 256),
	      "getpstat fills min(cap, count) entries (%d of %u)", n, ps->count);
	const struct pstat_entry *me = find(ps, getpid());
	if (CHECK(me != NULL, "getpstat lists this process")) {
		CHECK(me->tgid == getpid() && me->ppid == getppid(),
		      "with its pid, tgid and parent");
		CHECK(me->tickets == 17, "with its 17 tickets (%u)", me->tickets);
		CHECK(me->state == PSTAT_RUNNING, "running (state %u)", me->state);
		CHECK(me->last_cpu >= 0 && me->nsched >= 1, "on a core (%d), scheduled %llu times",
		      me->last_cpu, (unsigned long long)me->nsched);
		CHECK(!strncmp(me->name, "ferrycalls", PSTAT_NAME_LEN), "named %.16s", me->name);
		CHECK(me->text_pages > 0 && me->stack_pages > 0 && me->resident > 0,
		      "with text, stack and resident pages");
	}
	ps->cap = 0;
	CHECK(getpstat(ps) == 0 && ps->count >= 1, "cap 0: nothing filled, count still given");
	CHECK_ERR(getpstat(NULL), EFAULT, "getpstat(NULL) is EFAULT");

	pid_t pid = fork();
	if (pid == 0)
		_exit(my_tickets() == 17 ? 0 : 1);
	CHECK_EXITED(t_wait(pid), 0, "a forked child inherits the tickets");
}

static void check_protect(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 'a';
	CHECK(mprotect_ro(p, 2) == 0, "mprotect_ro two pages");
	CHECK(p[0] == 'a', "still readable");
	CHECK_KILLED(t_child(t_write_byte, p + PG), SIGSEGV, "writing a protected page is SIGSEGV");
	CHECK(munprotect(p, 1) == 0, "munprotect the first page");
	p[0] = 'b';
	CHECK(p[0] == 'b', "it is writable again");
	CHECK_KILLED(t_child(t_write_byte, p + PG), SIGSEGV, "the second is still protected");
	CHECK_ERR(mprotect_ro(p + 1, 1), EINVAL, "an unaligned address is EINVAL");
	CHECK_ERR(mprotect_ro(p, 0), EINVAL, "0 pages is EINVAL");
	CHECK_ERR(mprotect_ro(p, 3), EINVAL, "a range running past the mapping is EINVAL");
	CHECK_ERR(munprotect((void *)((uintptr_t)check_protect & ~(uintptr_t)(PG - 1)), 1), EINVAL,
		  "munprotect of text is EINVAL (W^X)");
	munmap(p, 2 * PG);
}

static volatile long total;

static void add(void *a, void *b)
{
	__atomic_fetch_add((long *)a, (long)b, __ATOMIC_SEQ_CST);
}

static void check_threads(void)
{
	pid_t tids[4];
	int made = 0, joined = 0;

	for (int i = 0; i < 4; i++)
		made += (tids[i] = thread_create(add, (void *)&total, (void *)(long)(i + 1))) > 0;
	CHECK(made == 4, "thread_create four threads");
	for (int i = 0; i < 4; i++) {
		pid_t t = thread_join_free();
		for (int j = 0; j < 4; j++)
			joined += t == tids[j];
	}
	CHECK(joined == 4, "thread_join_free returns each of their tids");
	CHECK(total == 10, "they all ran in our memory (total %ld, want 10)", total);
	CHECK_ERR(thread_join_free(), ESRCH, "joining with no threads left is ESRCH");
}

static void check_spawn(void)
{
	char *argv[] = {(char *)t_self(), "--exit", "9", NULL};
	pid_t pid = spawn(t_self(), argv, environ);

	CHECK(pid > 0, "spawn this program");
	CHECK_EXITED(t_wait(pid), 9, "the spawned program's exit status");
	CHECK_ERR(spawn("/nonexistent", argv, environ), ENOENT,
		  "spawn of a missing file is ENOENT");
	CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD, "and leaves no child behind");
}

static void check_messages(void)
{
	int fds[2];

	if (!CHECK(chan_create(fds) == 0, "chan_create"))
		return;
	char *buf = msg_alloc(2 * PG);
	CHECK(buf && ((uintptr_t)buf & (PG - 1)) == 0, "msg_alloc gives a page-aligned buffer");
	CHECK((uintptr_t)buf >= 96ull << 40 && (uintptr_t)buf < 127ull << 40,
	      "in the exchange region (%p)", (void *)buf);
	if (!buf)
		return;
	strcpy(buf, "hello");
	strcpy(buf + PG, "world");

	pid_t pid = fork();
	if (pid == 0) {
		void *got = NULL;
		ssize_t n = msg_recv(fds[1], &got);
		int ok = n == 2 * PG && got == buf && !strcmp(got, "hello") &&
			 !strcmp((char *)got + PG, "world");
		_exit(ok && msg_free(got) == 0 ? 0 : 1);
	}
	CHECK(msg_send(fds[0], buf, 2 * PG) == 0, "msg_send two pages");
	CHECK_KILLED(t_child(t_read_byte, buf), SIGSEGV, "the sender can no longer touch them");
	CHECK_EXITED(t_wait(pid), 0, "the receiver got them at the same address, intact");
	close(fds[0]), close(fds[1]);
}

#define GIB (1ul << 30)
#define EXCHANGE_GIB (127 - 96) * 1024 /* the exchange region holds this many 1 GiB buffers */

/* A child that takes n 1 GiB buffers and exits without freeing them: 0 if it got all. */
static int hoard(int n)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < n; i++)
			if (!msg_alloc(GIB))
				_exit(1);
		_exit(0);
	}
	int st = t_wait(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

/*
 * Exchange addresses come back: buffers freed, or left behind by processes
 * that exited, are handed out again once the region's fresh addresses run
 * out (they were never reclaimed: a few short-lived processes taking 1 GiB
 * each made every later msg_alloc in the system fail). A freed buffer's
 * address faults in the process that freed it.
 */
static void check_message_reuse(void)
{
	char *first = msg_alloc(PG);
	strcpy(first, "stale");
	CHECK(msg_free(first) == 0, "msg_free");
	CHECK_KILLED(t_child(t_read_byte, first), SIGSEGV, "a freed buffer's address faults");
	int i, rounds = EXCHANGE_GIB + 1000;
	for (i = 0; i < rounds; i++) {
		char *b = msg_alloc(GIB);
		if (!b || msg_free(b) != 0)
			break;
	}
	CHECK(i == rounds, "%d rounds of msg_alloc(1 GiB) and msg_free, more than the region holds (%d)",
	      rounds, i);
	int children = 8, each = EXCHANGE_GIB / children + 100, ok = 0;
	for (i = 0; i < children; i++)
		ok += hoard(each) == 0;
	CHECK(ok == children, "%d processes each leaving %d GiB of buffers behind at exit: all got them",
	      ok, each);
	char *b = msg_alloc(GIB);
	CHECK(b != NULL, "and msg_alloc still works after them");
	if (b)
		msg_free(b);
	CHECK_KILLED(t_child(t_read_byte, first), SIGSEGV,
		     "the first freed buffer's address still faults here");
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--exit"))
		return atoi(argv[2]);
	if (t_on_linux()) {
		check_enosys();
		t_skip("Ferry's own calls: not on Linux");
		return t_done();
	}
	check_pstat();
	check_protect();
	check_threads();
	check_spawn();
	check_messages();
	check_message_reuse();
	return t_done();
}
