/*
 * File locks: fcntl(2)'s record locks (F_SETLK, F_SETLKW, F_GETLK), their
 * open-file-description form (F_OFD_*), and flock(2). A lock covers a
 * byte range of an inode and has an owner: for POSIX record locks the
 * descriptor table (so every thread of a process shares them, a fork's
 * child has none, exec keeps them, and any close of the file by the
 * process drops them all), for OFD and flock locks the open file (they
 * go with its last descriptor). flock locks and record locks do not
 * conflict with each other, as on Linux.
 *
 * Locking: one lock, the lock waiters' queue's, guards every inode's list
 * (inode.locks) and the list of blocked requests (deadlock detection). A
 * blocked F_SETLKW or flock parks on that queue and runs again after any
 * unlock; it keeps its request in the blocked list across the park
 * (park_hold), so an abandoned wait (a signal: EINTR) leaves nothing.
 */
#pragma once

#include "lib/types.h"

struct file;
struct inode;
struct fdtable;
struct domain;

/* fcntl's lock commands: F_GETLK, F_SETLK(W), F_OFD_GETLK, F_OFD_SETLK(W); uflock: struct flock. */
long lock_fcntl(struct fdtable *t, struct file *f, int cmd, u64 uflock);
/* flock(2) on f. */
long lock_flock(struct file *f, int op);
/* A descriptor of t for ip closes: t's record locks on ip go (fdtable.c). */
void locks_remove_posix(struct fdtable *t, struct inode *ip);
/* The open file's last reference goes: its OFD and flock locks go (vfs.c). */
void locks_remove_file(struct file *f);
