/*
 * System V IPC (svipc(7)): message queues (sysv_msg.c), semaphore sets
 * (sysv_sem.c) and shared memory segments (sysv_shm.c), with what they
 * share here (sysv.c): the key -> id tables, ids as Linux builds them
 * (slot + 32768 * sequence, so a removed object's id is not soon
 * reused), struct ipc64_perm and its permission rules.
 *
 * Locking: each kind has one table lock (sysv_table.lock) guarding its
 * slots and keys; each object has its own lock for its contents. A
 * caller finds an object under the table lock and takes a reference
 * (refs) before dropping it; IPC_RMID marks it removed and takes it out
 * of the table, and the last reference frees it.
 */
#pragma once

#include "lib/types.h"
#include "lib/spinlock.h"
#include "sched/waitq.h"

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100
#define SYSV_SLOTS 32000 /* MSGMNI and SEMMNI, Linux's defaults */
#define SYSV_SEQ_MULT 32768

/* struct ipc64_perm on x86-64 */
struct ipc64_perm {
	i32 key;
	u32 uid, gid, cuid, cgid;
	u32 mode;
	u16 seq, pad2;
	u64 unused1, unused2;
};

/* What every IPC object starts with. */
struct sysv_obj {
	struct spinlock lock;
	u32 refs;            /* [a] the table's (while not removed) and callers' */
	bool removed;        /* [lock] IPC_RMID: waiters wake to EIDRM */
	int id;              /* [I] */
	struct ipc64_perm perm; /* [lock] */
	i64 ctime;           /* [lock] last change (seconds) */
	void (*free)(struct sysv_obj *o); /* [I] */
};

struct sysv_table {
	struct spinlock lock;
	struct sysv_obj **slots; /* [lock] SYSV_SLOTS, allocated on first use */
	u16 seq;                 /* [lock] */
	u32 count;               /* [lock] objects in use */
	u32 limit;               /* [I] the most objects (SHMMNI), 0: SYSV_SLOTS */
};

/*
 * Find or make the object for key (msgget, semget): 0 and *out (a new
 * reference), or -EEXIST, -ENOENT, -ENOSPC, -ENOMEM. make(arg) builds a
 * new object (its perm and id are filled here); check(o, arg) vets an
 * existing one (semget's nsems).
 */
int sysv_get(struct sysv_table *t, i32 key, int flags, struct sysv_obj *(*make)(void *),
	     int (*check)(struct sysv_obj *, void *), void *arg, struct sysv_obj **out);
/* The object with id (a new reference), or NULL. */
struct sysv_obj *sysv_find(struct sysv_table *t, int id);
/* The one in slot idx (MSG_STAT, SEM_STAT), or NULL. */
struct sysv_obj *sysv_at(struct sysv_table *t, int idx);
void sysv_put(struct sysv_obj *o);
/* IPC_RMID: out of the table, marked removed (caller holds no lock). */
void sysv_remove(struct sysv_table *t, struct sysv_obj *o);
/* IPC_SET's common part: uid, gid and the mode's low 9 bits; caller holds o->lock. */
void sysv_set_perm_locked(struct sysv_obj *o, const struct ipc64_perm *p);
/* The highest slot in use (IPC_INFO's return value), or 0. */
int sysv_max_index(struct sysv_table *t);
i64 sysv_now(void);
/*
 * Linux's ipcperms: may the caller use o for the rwx bits of flag (any of
 * its three triples)? Owner or creator get the owner's bits, the groups
 * the group's, CAP_IPC_OWNER everything. Caller holds o->lock.
 */
bool sysv_perm_ok(struct sysv_obj *o, int flag);
/* IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN. Caller holds o->lock. */
bool sysv_owner_ok(struct sysv_obj *o);

/* /proc/sysvipc's files: put(arg, line) for the header, then each object's line, as Linux's. */
enum { SYSV_PROC_MSG, SYSV_PROC_SEM, SYSV_PROC_SHM };
void sysv_proc_lines(int kind, void (*put)(void *arg, const char *line), void *arg);

/* exec/exit.c: a process's SEM_UNDO adjustments are applied as it ends. */
void sem_exit(u32 pid);
/*
 * exec/exit.c: the ending process p detaches its shared memory segments
 * from d, its memory, before its parent hears of the exit (shm_nattch,
 * and shm_lpid naming p, as Linux's exit_mm).
 */
struct proc;
struct domain;
void shm_exit(struct proc *p, struct domain *d);
