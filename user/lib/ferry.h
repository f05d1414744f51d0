/*
 * The small user library: C wrappers for Ferry's own system calls
 * (numbers and structures in <uapi/ferry.h>) and Brian OS's thread helpers.
 * Wrappers follow libc's habit: -1 (or NULL) and errno on failure. On Linux
 * every call fails with ENOSYS.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>
#include <uapi/ferry.h>

pid_t spawn(const char *path, char *const argv[], char *const envp[]);
int settickets(int n);
int getpstat(struct pstat *ps);
pid_t thread_clone(void (*fn)(void *, void *), void *arg1, void *arg2, void *stack);
pid_t thread_join(void **stack);
int mprotect_ro(void *addr, unsigned long npages);
int munprotect(void *addr, unsigned long npages);
int chan_create(int fds[2]);
void *msg_alloc(size_t len);
int msg_free(void *buf);
int msg_send(int fd, void *buf, size_t len);
ssize_t msg_recv(int fd, void **buf);

/*
 * Threads, as in Brian OS. thread_create maps a stack of THREAD_STACK_SIZE
 * bytes (with a guard page below it) and runs fn(arg1, arg2) on it; when fn
 * returns, the thread exits. thread_join_free waits for one thread, unmaps
 * its stack and returns its tid.
 *
 * musl does not know about these threads: they share the creator's TLS, so
 * errno, stdio buffers and malloc are shared without locks. A thread should
 * stick to plain memory and system calls (write(2) is fine; printf from two
 * threads at once is not).
 */
#define THREAD_STACK_SIZE (64 * 1024)
pid_t thread_create(void (*fn)(void *, void *), void *arg1, void *arg2);
pid_t thread_join_free(void);
