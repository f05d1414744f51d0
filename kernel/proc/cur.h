/*
 * The calling thread's process, for the code that runs system calls: one
 * way to each thing (the caller's process, its memory, its state in the
 * file system, its credentials, its ids). While no thread runs on this
 * core (a kernel task such as the boot task mounting the root), cur_proc
 * and cur_fs give NULL and cur_cred root's; cur_dom and cur_alone mean
 * something only in a thread's system calls and traps.
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
struct cred;
extern struct cred cred_root; /* proc/cred.h */

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
/*
 * The caller's credentials (proc/cred.h), valid for the whole call: the
 * thread holds a reference. Read them with cred.h's helpers.
 */
static inline struct cred *cur_cred(void)
{
	struct cred *c = CUR_LOAD(struct cred *, CPU_CUR_CRED);
	return c ? c : &cred_root;
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
struct cred *cur_cred(void);
bool cur_alone(void);
#endif

/*
 * Act with c instead for the rest of this call, until the old one (the
 * return value) is put back: access(2) checks with the real ids. The
 * caller keeps c referenced meanwhile, and puts the old one back on every
 * way out (a park included: the thread's own is set again when it next
 * runs).
 */
struct cred *cur_cred_swap(struct cred *c);

/* The caller's pid (0 from a kernel task): credentials on messages (SCM_CREDENTIALS). */
u32 cur_pid(void);

/* The caller's soft limit for resource res (proc/limits.h); no limit from a kernel task. */
u64 cur_rlimit(int res);

/*
 * Kernel work done for a process outside its threads (an io_uring
 * request's step, kernel/uring): while it runs, the cur_* pointers name
 * that process, with dom for its memory, fs for its file state and cred
 * for the ids it acts with (the submitter's, which the caller keeps
 * referenced), and it is never "alone" (other tasks may use its
 * descriptors at the same time).
 * cur_act_for returns what they named before, for cur_restore.
 */
struct cur_saved {
	struct proc *proc;
	struct domain *dom;
	struct fs_state *fs;
	struct cred *cred;
	bool alone;
};
struct cur_saved cur_act_for(struct proc *p, struct domain *dom, struct fs_state *fs,
			     struct cred *cred);
void cur_restore(struct cur_saved s);
/*
 * The caller's process has work in kernel tasks that uses its descriptors
 * (ring requests): from now on its threads never borrow a descriptor
 * without a reference (cur_alone is false), this call's included.
 */
void cur_share_files(void);

/*
 * Kernel memory a process made and that lives as long as something holds
 * it (pipe buffers): counted to that process, so the out-of-memory killer
 * (proc/oom.c) sees who fills memory that way. cur_kcharge: the caller's
 * account, referenced (NULL from a kernel task); the charge stays with the
 * object, which gives it back (kcharge_add with a negative count) and lets
 * go of the account when it goes, whether or not the process has ended.
 */
struct kcharge;
struct kcharge *cur_kcharge(void);
void kcharge_add(struct kcharge *c, i64 bytes);
void kcharge_put(struct kcharge *c);

/* The ids job control looks at, read together under proc_tree_lock. */
struct proc_ids {
	u32 pid, pgid, sid;
};
/* The caller's ids; false (and nothing written) from a kernel task. */
bool cur_ids(struct proc_ids *out);
