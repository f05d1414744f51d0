/*
 * A process's file state: its descriptor table, working directory and
 * umask (fields of struct proc), and what the process code calls at
 * spawn, fork, exec and exit. The helpers below them are the file system
 * calls' (sys_*.c) only way to the calling process, so those files need
 * no process code and run in host tests over a stand-in process.
 *
 * proc.files is shared by the threads of a process; proc.cwd and
 * proc.root are read and replaced under proc.lock (threads may chdir or
 * chroot while others walk paths);
 * proc.umask is a plain word (atomic loads and stores).
 */
#pragma once

#include "lib/types.h"

struct proc;
struct inode;
struct file;
struct domain;

/* ---- for the process code ---- */

/* A first process: empty descriptor table, cwd "/", umask 022. -ENOMEM. */
int fs_proc_init(struct proc *p);
/* Open /dev/console as descriptors 0, 1 and 2 (init's standard streams). */
int fs_open_console(struct proc *p);
/* fork/clone: a copy of the parent's table (or the same one with CLONE_FILES), cwd, umask. */
int fs_fork(struct proc *parent, struct proc *child, bool share_files);
/* execve, once it cannot fail any more: close the FD_CLOEXEC descriptors. */
void fs_exec(struct proc *p);
/* The process is gone: drop its descriptors and cwd. */
void fs_exit(struct proc *p);
/*
 * Resolve an executable for execve/spawn (a kernel string, relative to
 * the calling process's cwd; "/" when there is no calling process). The
 * result is a regular file with an execute bit: -EACCES otherwise.
 */
int vfs_open_exec(const char *path, struct inode **out);
/* path (as vfs_open_exec resolves it) with every symlink resolved, into buf; else -errno. */
ssize_t fs_exe_realpath(const char *path, char *buf, size_t len);

/* ---- for the system calls: the calling thread's process ---- */

struct fdtable *fs_files(void);
/* A reference to p's descriptor table (fdtable_put it), or NULL once p has exited. */
struct fdtable *fs_files_of(struct proc *p);
struct domain *fs_dom(void);
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
/* Copy a user path into a kmalloc'd PATH_MAX buffer: -EFAULT, -ENAMETOOLONG. */
long fs_copy_path(u64 upath, char **out);
/*
 * Where a *at() call's path starts: the root for absolute paths, the cwd
 * for AT_FDCWD, else dirfd's directory (-EBADF, -ENOTDIR; a non-directory
 * is fine when the path is empty, for AT_EMPTY_PATH).
 */
int fs_at_start(int dirfd, const char *path, struct inode **start);
/* Resolve (dirfd, user path) with lookup flags; a NULL path counts as "" when LOOKUP_EMPTY. */
int fs_resolve_at(int dirfd, u64 upath, unsigned lflags, struct inode **out);
/* The lookup flags an *at() call's AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH ask for. */
unsigned fs_at_lookup_flags(u64 flags);
