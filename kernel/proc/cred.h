/*
 * Credentials: whom a process acts for. A process points to one struct
 * cred, which its threads share (Linux keeps them per thread and has the
 * C library keep the threads in step; one per process is what that
 * amounts to). A cred never changes once a process points to it, so a
 * core that holds a reference reads it without a lock: a change (setuid,
 * setgroups, capset, exec of a set-user-ID program) fills a fresh copy
 * and publishes it (proc_cred_commit), and the old one goes with its last
 * reference.
 *
 * Privilege is a set of Linux capabilities, numbered as Linux numbers
 * them; uid 0 holds them all, and the set-uid calls move them as Linux's
 * do (capabilities(7): "Effect of user ID changes on capabilities").
 *
 * Layers: proc owns the struct and the changes (cred.c, sys_ids.c). The
 * file system, ipc and devices read the caller's with cur_cred()
 * (proc/cur.h) and the inline helpers here, which need nothing of the
 * process model.
 *
 * Locks: [I] immutable once published, [a] atomic.
 */
#pragma once

#include "lib/types.h"

/* Capabilities (Linux's numbers, include/uapi/linux/capability.h). */
enum {
	CAP_CHOWN = 0,
	CAP_DAC_OVERRIDE = 1,
	CAP_DAC_READ_SEARCH = 2,
	CAP_FOWNER = 3,
	CAP_FSETID = 4,
	CAP_KILL = 5,
	CAP_SETGID = 6,
	CAP_SETUID = 7,
	CAP_SETPCAP = 8,
	CAP_NET_BIND_SERVICE = 10,
	CAP_NET_ADMIN = 12,
	CAP_NET_RAW = 13,
	CAP_IPC_LOCK = 14,
	CAP_IPC_OWNER = 15,
	CAP_SYS_CHROOT = 18,
	CAP_SYS_PTRACE = 19,
	CAP_SYS_ADMIN = 21,
	CAP_SYS_BOOT = 22,
	CAP_SYS_NICE = 23,
	CAP_SYS_RESOURCE = 24,
	CAP_SYS_TIME = 25,
	CAP_MKNOD = 27,
	CAP_LAST_CAP = 40, /* CAP_CHECKPOINT_RESTORE: the highest Linux 6.x knows */
};

#define CAP_BIT(c) (1ULL << (c))
#define CAP_FULL_SET ((CAP_BIT(CAP_LAST_CAP) << 1) - 1)
/* What follows the file-system uid (setfsuid): Linux's CAP_FS_MASK. */
#define CAP_FS_SET                                                                            \
	(CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_DAC_OVERRIDE) | CAP_BIT(CAP_DAC_READ_SEARCH) |       \
	 CAP_BIT(CAP_FOWNER) | CAP_BIT(CAP_FSETID) | CAP_BIT(9) /* LINUX_IMMUTABLE */ |         \
	 CAP_BIT(CAP_MKNOD) | CAP_BIT(32) /* MAC_OVERRIDE */)

#define NGROUPS_MAX 65536 /* Linux's: setgroups refuses longer lists (EINVAL) */
#define ID_UNCHANGED ((u32)-1) /* -1 for "leave it" in the set*id calls and chown */

/* securebits: only keep-caps so far (prctl PR_SET_KEEPCAPS). */
#define SECBIT_KEEP_CAPS (1U << 4)

struct cred {
	u32 refs;                  /* [a] */
	u32 uid, euid, suid, fsuid; /* [I] real, effective, saved, file system */
	u32 gid, egid, sgid, fsgid; /* [I] */
	u64 cap_effective;         /* [I] what the checks look at */
	u64 cap_permitted;         /* [I] what it may make effective */
	u64 cap_inheritable;       /* [I] kept across exec (no file capabilities here) */
	u64 cap_bset;              /* [I] the bounding set: the most an exec can give */
	u32 securebits;            /* [I] SECBIT_* */
	u32 ngroups;               /* [I] */
	u32 groups[];              /* [I] supplementary groups, sorted (duplicates kept) */
};

/* Root's, with every capability: init's and kernel tasks' (never freed). */
extern struct cred cred_root;

/* A copy of c with room for ngroups groups (c's copied if as many); refs 1. NULL: no memory. */
struct cred *cred_copy(const struct cred *c, u32 ngroups);
static inline struct cred *cred_get(struct cred *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}
void cred_put(struct cred *c);

static inline bool cred_capable(const struct cred *c, int cap)
{
	return (c->cap_effective >> cap) & 1;
}

/* Is gid the file-system gid or a supplementary group (Linux's in_group_p)? */
bool cred_in_group(const struct cred *c, u32 gid);

/* kill(2): me's real or effective uid is t's real or saved uid, or me has CAP_KILL. */
static inline bool cred_may_signal(const struct cred *me, const struct cred *t)
{
	return cred_capable(me, CAP_KILL) || me->euid == t->suid || me->euid == t->uid ||
	       me->uid == t->suid || me->uid == t->uid;
}

/* setpriority(2), sched_setaffinity(2): me's euid is t's real or effective uid, or CAP_SYS_NICE. */
static inline bool cred_may_renice(const struct cred *me, const struct cred *t)
{
	return cred_capable(me, CAP_SYS_NICE) || me->euid == t->uid || me->euid == t->euid;
}

/*
 * The capability changes Linux makes when the ids change (cap_emulate_setxuid
 * and the fsuid rule): new has its ids set, old is what they were.
 */
void cred_fix_caps(struct cred *new, const struct cred *old);

/* ---- for the process model and exec (they include proc/proc.h) ---- */

struct proc;
struct thread;

/* p's cred with a new reference (cred_put it). */
struct cred *proc_cred_get(struct proc *p);
/* t (the calling thread) takes its process's current cred. */
void thread_cred_refresh(struct thread *t);
/* The calling thread t's process acts with new from now on (new's reference is taken over). */
void proc_cred_commit(struct thread *t, struct cred *new);
/*
 * May a process acting with me read target's private state (/proc/<pid>/
 * environ, fd, maps, mem; its memory)? With real_ids, me's real ids
 * count (process_vm_readv), else its file-system ids (/proc).
 */
bool proc_may_access(const struct cred *me, struct proc *target, bool real_ids);
/* May me send sig to target (kill(2)'s rule)? Caller holds proc_tree_lock. */
bool proc_may_signal(const struct cred *me, struct proc *target, int sig);
/* May me change target's priority or cores (cred_may_renice)? Not with target's lock held. */
bool proc_may_renice(const struct cred *me, struct proc *target);
