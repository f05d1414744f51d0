/*
 * pidfds (pidfd_open(2)): a file that names a process, readable (for
 * poll) once the process has exited. A pidfd keeps the process's pid and
 * start time, so a pid reused by another process is never taken for it.
 */
#pragma once

#include "lib/types.h"

struct file;
struct proc;

/* A new pidfd file for p (a reference the caller installs), or NULL. */
struct file *pidfd_file(struct proc *p, bool nonblock);
/*
 * The process a pidfd names, under proc_tree_lock (the caller holds it):
 * the struct proc if it has not been reaped, else NULL. -EBADF in *err
 * for a file that is not a pidfd, -ESRCH for one whose process is gone.
 */
struct proc *pidfd_proc_locked(struct file *f, int *err);
/* Is f a pidfd? */
bool file_is_pidfd(struct file *f);
/* waitid(P_PIDFD): the pid the pidfd fd names; -EBADF, -EINVAL, -ECHILD (sys_pidfd.c). */
long pidfd_pid(int fd);
