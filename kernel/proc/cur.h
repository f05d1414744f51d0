/*
 * The calling thread's process, for the code that runs system calls: one
 * way to each thing (the caller's process, its memory, its state in the
 * file system, its ids). From a task that is not a user thread (the boot
 * task mounting the root), cur_proc and cur_fs give NULL.
 *
 * fs, ipc and dev include this, not proc/proc.h: they need the caller,
 * not the process model.
 */
#pragma once

#include "lib/types.h"

struct proc;
struct domain;
struct fs_state;

struct proc *cur_proc(void);
/* The caller's memory; only from a user thread (a system call or trap). */
struct domain *cur_dom(void);
/* The caller's file state (fs/fsproc.h), or NULL from a kernel task. */
struct fs_state *cur_fs(void);

/* The caller's soft limit for resource res (proc/limits.h); no limit from a kernel task. */
u64 cur_rlimit(int res);

/* The ids job control looks at, read together under proc_tree_lock. */
struct proc_ids {
	u32 pid, pgid, sid;
};
/* The caller's ids; false (and nothing written) from a kernel task. */
bool cur_ids(struct proc_ids *out);
