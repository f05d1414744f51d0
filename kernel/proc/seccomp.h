/*
 * seccomp (seccomp(2)): a thread's system calls filtered before they run,
 * by classic BPF programs over struct seccomp_data, or in strict mode
 * limited to read, write, _exit and rt_sigreturn.
 *
 * A thread's filters are a chain, newest first, each holding a reference
 * to the one before; threads share chains (a new thread takes its
 * creator's). A chain is never changed once made, only replaced, and
 * a thread's is replaced only by a chain that contains it (Linux's rule,
 * also for SECCOMP_FILTER_FLAG_TSYNC), so a thread reading its own chain
 * without a lock never sees it freed: the new chain holds the old.
 */
#pragma once

#include "lib/types.h"

struct thread;
struct trapframe;

struct seccomp_filter;

/* The modes (PR_GET_SECCOMP's answer). */
#define SECCOMP_MODE_DISABLED 0
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2

/*
 * Filter system call nr with tf's arguments for t (its mode is not
 * DISABLED). Returns 1 to run the call, or 0 with *ret set to what the
 * call returns instead (the thread may have been made to exit, or have
 * SIGSYS pending).
 */
int seccomp_check(struct thread *t, u64 nr, struct trapframe *tf, long *ret);
/* A new thread nt takes its creator t's mode and filters. */
void seccomp_inherit(struct thread *nt, const struct thread *t);
/* t is freed: its reference to its chain goes. */
void seccomp_release(struct thread *t);
/* The actions (the high half of a filter's answer; the low half is its data). */
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#define SECCOMP_RET_KILL_THREAD  0x00000000U
#define SECCOMP_RET_TRAP         0x00030000U
#define SECCOMP_RET_ERRNO        0x00050000U
#define SECCOMP_RET_USER_NOTIF   0x7fc00000U
#define SECCOMP_RET_TRACE        0x7ff00000U
#define SECCOMP_RET_LOG          0x7ffc0000U
#define SECCOMP_RET_ALLOW        0x7fff0000U
#define SECCOMP_DATA_SIZE 64 /* struct seccomp_data */

/* The calling thread goes into strict mode: 0, or -EINVAL if it has filters. */
long seccomp_set_strict(void);
/* Add the filter at user address uprog (struct sock_fprog) with SECCOMP_FILTER_FLAG_*. */
long seccomp_set_filter(u32 flags, u64 uprog);
/* prctl(PR_SET_SECCOMP): mode and a user struct sock_fprog. */
long seccomp_prctl_set(u64 mode, u64 ufilter);
/* How many filters t's chain holds (/proc/<pid>/status's Seccomp_filters). */
u32 seccomp_nfilters(const struct thread *t);
