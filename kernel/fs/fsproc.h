/*
 * A process's file state: its descriptor table, working directory, root
 * and umask, kept in a struct fs_state that the process points to (the
 * process code does not look inside), and what the process life cycle
 * (kernel/exec) calls at spawn, fork, exec and exit. The helpers below
 * them are the file system calls' (sys_*.c) only way to the calling
 * process's state, so those files need no process code and run in host
 * tests over a stand-in.
 *
 * Owner: the process; its threads share it. fs_state.lock guards
 * replacing files (at exit), cwd and root (threads may chdir or chroot
 * while others walk paths); umask is a plain word (atomic loads and
 * stores). procfs reads other processes' state under the same lock.
 */
#pragma once

#include "lib/types.h"
#include "lib/spinlock.h"

struct inode;
struct file;
struct domain;
struct fdtable;
struct fd_ref;

struct fs_state {
	struct spinlock lock;
	struct fdtable *files; /* [lock to replace; the owner's threads read it without] */
	struct inode *cwd;     /* [lock] */
	struct inode *root;    /* [lock] chroot(2)'s root, or NULL: the file system's */
	u32 umask;             /* [a] */
};

/* ---- for the process life cycle ---- */

/* A first process's: empty descriptor table, cwd "/", umask 022; NULL: out of memory. */
struct fs_state *fs_state_new(void);
/* Open /dev/console as descriptors 0, 1 and 2 (init's standard streams). */
int fs_open_console(struct fs_state *fs);
/* fork/clone: a copy of the parent's (the same table with share_files); NULL: no memory. */
struct fs_state *fs_fork(struct fs_state *parent, bool share_files);
/* execve, once it cannot fail any more: close the FD_CLOEXEC descriptors. */
void fs_exec(struct fs_state *fs);
/* The process is gone: drop its descriptors and directories, and fs itself. */
void fs_exit(struct fs_state *fs);
/* fs's descriptor table with a new reference (fdtable_put it), or NULL once it is gone. */
struct fdtable *fs_files_get(struct fs_state *fs);
/*
 * Resolve an executable for execve/spawn (a kernel string, relative to
 * the calling process's cwd; "/" when there is no calling process). The
 * result is a regular file with an execute bit: -EACCES otherwise.
 */
int vfs_open_exec(const char *path, struct inode **out);
/* path (as vfs_open_exec resolves it) with every symlink resolved, into buf; else -errno. */
ssize_t fs_exe_realpath(const char *path, char *buf, size_t len);

/* ---- for the system calls: the calling thread's process ---- */

/* mmap(2) of fd when its file lends frames (file_ops.mmap_frames); registered with mm at boot. */
int fs_mmap_frames(int fd, u64 off, u64 npages, paddr_t *frames);

struct fdtable *fs_files(void);
/* close_range(CLOSE_RANGE_UNSHARE): a private copy of a descriptor table shared with another process. */
int fs_unshare_files(void);
/* A new reference to the cwd ("/" when there is no calling process). */
struct inode *fs_cwd_get(void);
/* A new reference to the calling process's root: chroot's, else the file system's. */
struct inode *fs_root_get(void);
/* chroot: the root becomes dir (the caller's reference is taken over). */
void fs_chroot(struct inode *dir);
/* chdir: the cwd becomes dir (the caller's reference is taken over). */
void fs_chdir(struct inode *dir);
u32 fs_umask(void);
u32 fs_umask_swap(u32 mask); /* returns the old mask */
/* The open file at fd (a new reference), or NULL: EBADF. */
struct file *fs_fget(int fd);
/* The same for one system call's use, lent cheaply when it can be (fd_borrow); .f NULL: EBADF. */
struct fd_ref fs_fborrow(int fd);
/*
 * For calls that may park on a file (a read of an empty pipe or socket):
 * the file at fd as fs_fborrow lends it, or on the restart of a call that
 * parked holding its file, that file, whatever fd names now (as on
 * Linux, a call blocked in a file keeps it: a close in another thread
 * does not end it, and the file's queues live while the call waits).
 */
struct fd_ref fs_fborrow_call(int fd);
/* The end of such a call with result r: one that parks keeps its file (counted), else it goes back. r. */
long fs_call_done(struct fd_ref ref, long r);
/* Copy a user path into a kmalloc'd buffer (just big enough or PATH_MAX): -EFAULT, -ENAMETOOLONG. */
long fs_copy_path(u64 upath, char **out);
/*
 * The same into the caller's buffer small (n bytes, on its stack: most
 * paths are short) when the path fits, else into a kmalloc'd PATH_MAX
 * one. *out is either; fs_path_free(*out, small) lets it go.
 */
#define FS_PATH_SMALL 128
long fs_copy_path_in(u64 upath, char *small, size_t n, char **out);
void fs_path_free(char *path, char *small);
/*
 * Where a *at() call's path starts: the root for absolute paths, the cwd
 * for AT_FDCWD, else dirfd's directory (-EBADF, -ENOTDIR; a non-directory
 * is fine when the path is empty, for AT_EMPTY_PATH).
 */
int fs_at_start(int dirfd, const char *path, struct inode **start);
/* Resolve (dirfd, user path) with lookup flags; a NULL path counts as "" when LOOKUP_EMPTY. */
int fs_resolve_at(int dirfd, u64 upath, unsigned lflags, struct inode **out);
/*
 * ip, found at upath from dirfd, changed (mask: IN_ATTRIB): tell the
 * directory its name is in, as the path names it (inotify; nothing while
 * nothing is watched).
 */
void fs_notify_parent_at(int dirfd, u64 upath, struct inode *ip, u32 mask);
/*
 * openat(2) with a kernel path (sys_open.c): the new descriptor or -errno
 * (-ERESTART_PARK while a disk is read). The system calls and io_uring's
 * OPENAT.
 */
long fs_openat(int dirfd, const char *path, int flags, u32 mode);
/*
 * statx(2) with a kernel path (NULL counts as "" with AT_EMPTY_PATH),
 * the result copied to ubuf in the caller's memory (sys_stat.c).
 */
long fs_statx(int dirfd, const char *path, u32 flags, u32 mask, u64 ubuf);
/* The lookup flags an *at() call's AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH ask for. */
unsigned fs_at_lookup_flags(u64 flags);
