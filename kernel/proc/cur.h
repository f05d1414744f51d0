/*
 * The calling thread's process, for the code that runs system calls: one
 * way to each thing (the caller's process, its memory, its state in the
 * file system, its ids). While no thread runs on this core (a kernel
 * task such as the boot task mounting the root), cur_proc and cur_fs give
 * NULL; cur_dom and cur_alone mean something only in a thread's system
 * calls and traps.
 *
 * fs, ipc and dev include this, not proc/proc.h: they need the caller,
 * not the process model. They live in the running core's struct cpu
 * (thread_poll sets them), so each is one load through GS.
 */
#pragma once

#include "lib/types.h"

struct proc;
struct domain;
struct fs_state;

#ifndef FERRY_HOST
#include "arch/x86_64/cpu_offsets.h"

#define CUR_LOAD(type, off)                                                   \
	({                                                                     \
		type v_;                                                       \
		asm("movq %%gs:%c1, %0" : "=r"(v_) : "i"(off));                \
		v_;                                                            \
	})
static inline struct proc *cur_proc(void)
{
	return CUR_LOAD(struct proc *, CPU_CUR_PROC);
}
static inline struct domain *cur_dom(void)
{
	return CUR_LOAD(struct domain *, CPU_CUR_DOM);
}
static inline struct fs_state *cur_fs(void)
{
	return cur_proc() ? CUR_LOAD(struct fs_state *, CPU_CUR_FS) : NULL;
}
/* Has the caller's process one thread (so no other thread can close its descriptors)? */
static inline bool cur_alone(void)
{
	u8 v;
	asm("movb %%gs:%c1, %0" : "=r"(v) : "i"(CPU_CUR_ALONE));
	return v;
}
#else
/* Host tests stand in for the caller (tests/host/fsproc_shim.c). */
struct proc *cur_proc(void);
struct domain *cur_dom(void);
struct fs_state *cur_fs(void);
bool cur_alone(void);
#endif

/* The ids job control looks at, read together under proc_tree_lock. */
struct proc_ids {
	u32 pid, pgid, sid;
};
/* The caller's ids; false (and nothing written) from a kernel task. */
bool cur_ids(struct proc_ids *out);
