/*
 * File-descriptor tables: what a process's small integers name. A table
 * is shared by the threads of a process (and by clone(CLONE_FILES)); fork
 * copies it, so parent and child share the open files (and their offsets)
 * but not the descriptors. FD_CLOEXEC is per descriptor.
 *
 * Locks used to protect struct members in this file:
 *  a  atomic
 *  t  fdtable.lock (innermost but for kheap; never held across I/O)
 */
#pragma once

#include "lib/types.h"
#include "lib/spinlock.h"

struct file;

#define FD_MAX 4096 /* fs/nr_open: the highest RLIMIT_NOFILE (proc/limits.h's NR_OPEN) */

/*
 * The calling process's RLIMIT_NOFILE, at most FD_MAX: every allocation
 * below stays under it (fsproc.c; the host tests' stand-in gives FD_MAX).
 */
u32 fd_limit(void);

struct fdtable {
	struct spinlock lock;
	u32 refs;           /* [a] processes and threads using it */
	u32 cap;            /* [t] slots in fds (grows in powers of two up to FD_MAX) */
	struct file **fds;  /* [t] each slot holds a reference */
	u64 *cloexec;       /* [t] a bit per slot */
};

struct fdtable *fdtable_create(void);                 /* empty; NULL when out of memory */
struct fdtable *fdtable_fork(struct fdtable *parent); /* a copy sharing the open files */
void fdtable_get(struct fdtable *t);                  /* share (threads, CLONE_FILES) */
void fdtable_put(struct fdtable *t);                  /* the last user closes everything */
void fdtable_close_on_exec(struct fdtable *t);        /* execve: close FD_CLOEXEC descriptors */

/*
 * Install f (taking over the caller's reference) at the lowest free fd >=
 * minfd; -EMFILE if none is under the limit, -EINVAL for a minfd past it.
 */
int fd_alloc(struct fdtable *t, struct file *f, int minfd, bool cloexec);
/*
 * A pair of new files (pipe2, chan_create, socketpair) as the two lowest
 * free descriptors, both or neither, taking over the caller's references
 * either way; the descriptors go to the user's int[2] at ufds in dom
 * (-EFAULT closes them again). 0 or -errno.
 */
struct domain;
int fd_install_pair(struct fdtable *t, struct file *f[2], bool cloexec, struct domain *dom, u64 ufds);
/*
 * The file at fd for the length of one system call (Linux's fdget).
 * alone: the caller's process has one thread, so when the table is not
 * shared either (refs 1) nobody else can close fd meanwhile, and the file
 * is lent without the lock or a reference; otherwise it comes as from
 * fd_get. f is NULL for EBADF. Give it back with fd_ref_put.
 */
struct fd_ref {
	struct file *f;
	bool counted;
};
struct fd_ref fd_borrow(struct fdtable *t, int fd, bool alone);
void fd_ref_put(struct fd_ref r);
/* A new reference to the file at fd, or NULL (EBADF). */
struct file *fd_get(struct fdtable *t, int fd);
int fd_close(struct fdtable *t, int fd);
/* dup2/dup3: newfd becomes a copy of oldfd (closing what was there). Returns newfd. */
int fd_dup_to(struct fdtable *t, int oldfd, int newfd, bool cloexec);
/* close_range(2): close fds first..last (or set FD_CLOEXEC on them). */
void fd_close_range(struct fdtable *t, u32 first, u32 last, bool cloexec);
/* FD_CLOEXEC of fd: 0 or 1, or -EBADF. */
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);
