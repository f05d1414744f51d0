/*
 * Wrappers for Ferry's own system calls, with the `syscall` instruction
 * written out so the library does not depend on musl's syscall() (which
 * is variadic and clobbers errno in its own way).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ferry.h"

static long sys4(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;

	/* The CPU overwrites rcx (return rip) and r11 (rflags). */
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Linux's rule: results from -4095 to -1 are -errno, all else is a value. */
static long ret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

#define CALL(n, a, b, c, d) ret(sys4((n), (long)(a), (long)(b), (long)(c), (long)(d)))

pid_t spawn(const char *path, char *const argv[], char *const envp[])
{
	return CALL(SYS_spawn, path, argv, envp, 0);
}

int settickets(int n)
{
	return CALL(SYS_settickets, n, 0, 0, 0);
}

int getpstat(struct pstat *ps)
{
	return CALL(SYS_getpstat, ps, 0, 0, 0);
}

pid_t thread_clone(void (*fn)(void *, void *), void *arg1, void *arg2, void *stack)
{
	return CALL(SYS_thread_clone, fn, arg1, arg2, stack);
}

pid_t thread_join(void **stack)
{
	return CALL(SYS_thread_join, stack, 0, 0, 0);
}

int mprotect_ro(void *addr, unsigned long npages)
{
	return CALL(SYS_mprotect_ro, addr, npages, 0, 0);
}

int munprotect(void *addr, unsigned long npages)
{
	return CALL(SYS_munprotect, addr, npages, 0, 0);
}

int chan_create(int fds[2])
{
	return CALL(SYS_chan_create, fds, 0, 0, 0);
}

void *msg_alloc(size_t len)
{
	long r = CALL(SYS_msg_alloc, len, 0, 0, 0);

	return r == -1 ? NULL : (void *)r;
}

int msg_free(void *buf)
{
	return CALL(SYS_msg_free, buf, 0, 0, 0);
}

int msg_send(int fd, void *buf, size_t len)
{
	return CALL(SYS_msg_send, fd, buf, len, 0);
}

ssize_t msg_recv(int fd, void **buf)
{
	return CALL(SYS_msg_recv, fd, buf, 0, 0);
}

/*
 * What a new thread needs, kept at the top of its own stack so nothing is
 * allocated besides the stack and the joiner can find the mapping again.
 */
struct thread_start {
	void (*fn)(void *, void *);
	void *arg1, *arg2;
	void *map; /* the whole mapping: guard page + stack */
};

_Static_assert(sizeof(struct thread_start) % 16 == 0, "keeps the stack 16-aligned below it");

#define GUARD 4096
#define MAP_LEN (GUARD + THREAD_STACK_SIZE)

/* First code a thread runs: fn, then SYS_exit, which ends this thread only. */
static void thread_start(void *start, void *unused)
{
	struct thread_start *ts = start;

	(void)unused;
	ts->fn(ts->arg1, ts->arg2);
	for (;;)
		sys4(SYS_exit, 0, 0, 0, 0);
}

pid_t thread_create(void (*fn)(void *, void *), void *arg1, void *arg2)
{
	char *map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		return -1;
	if (mprotect(map, GUARD, PROT_NONE) < 0) {
		munmap(map, MAP_LEN);
		return -1;
	}
	/* Top of the stack: the start record (32 bytes, so 16-aligned below
	 * it), then a zero return address, as if thread_start were called. */
	struct thread_start *ts = (struct thread_start *)(map + MAP_LEN) - 1;
	*ts = (struct thread_start){fn, arg1, arg2, map};
	void **stack = (void **)ts - 1;
	*stack = NULL;

	pid_t tid = thread_clone(thread_start, ts, NULL, stack);
	if (tid < 0) {
		int e = errno;
		munmap(map, MAP_LEN);
		errno = e;
	}
	return tid;
}

pid_t thread_join_free(void)
{
	void *stack;
	pid_t tid = thread_join(&stack);

	if (tid < 0)
		return tid;
	/* The start record sits just above the return-address slot. */
	struct thread_start *ts = (struct thread_start *)((void **)stack + 1);
	munmap(ts->map, MAP_LEN);
	return tid;
}
