/*
 * Resource limits (getrlimit(2)): Linux's numbers, a soft and a hard
 * limit per process, inherited by fork and kept by exec. Each is
 * enforced where its resource is handed out (sys_limits.c lists where).
 * This header needs no process model: fs, ipc and mm read the caller's
 * limits through cur_rlimit (proc/cur.h).
 */
#pragma once

#include "lib/types.h"

enum {
	RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS,
	RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS,
	RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
	RLIM_NLIMITS
};

#define RLIM_INFINITY (~0UL)

struct rlimit64 {
	u64 cur, max;
};

/* The most descriptors a process may have: fs/nr_open, the highest RLIMIT_NOFILE. */
#define NR_OPEN 4096
/* The most processes and threads, and signals queued per process, by default. */
#define RLIMIT_NPROC_DEFAULT 16384
#define RLIMIT_SIGPENDING_DEFAULT 16384
#define MQ_BYTES_MAX 819200 /* RLIMIT_MSGQUEUE's default, as Linux's */

struct proc;
/* The limits of the first process (Linux's defaults for init). */
void rlimits_default(struct rlimit64 *lim);
/* p's soft limit for res (a plain load: limits change as whole words). */
u64 proc_rlimit_cur(struct proc *p, int res);
/* RLIMIT_CPU: signal p if its CPU time passed a limit (after a run was accounted). */
void rlimit_cpu_check(struct proc *p);
