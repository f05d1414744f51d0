/*
 * System V IPC's insides, shared by sysv_msg.c, sysv_sem.c, sysv_shm.c
 * and their system calls (sys_sysv.c, sys_shm.c); nothing else includes it.
 */
#pragma once

#include "ipc/sysv.h"
#include "lib/list.h"
#include "sched/park.h"

#define MSGMAX 8192  /* the largest message */
#define MSGMNB 16384 /* a new queue's bytes */
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000

struct msgq {
	struct sysv_obj o;
	struct list_node msgs;  /* [o.lock] struct msg, oldest first */
	u64 cbytes, qnum, qbytes; /* [o.lock] */
	u32 lspid, lrpid;       /* [o.lock] */
	i64 stime, rtime;       /* [o.lock] */
	struct waitq senders, receivers;
};

extern struct sysv_table msg_table;
struct sysv_obj *msgq_make(void *arg);
long msgq_send(int id, i64 type, const void *text, size_t len, int flags, u32 pid);

struct msg_out {
	i64 type;
	size_t len;
	const u8 *text;
	void *buf;
};
/* 0 and *out (copy out->len bytes of out->text, then msg_free), or -errno. */
long msgq_receive(int id, i64 type, size_t max, int flags, u32 pid, struct msg_out *out);
void msg_free(struct msg_out *out);
/* IPC_RMID happened: wake the waiters (they find it gone: EIDRM). */
void msgq_removed(struct msgq *q);

#define SEMMSL 32000 /* semaphores per set */
#define SEMOPM 500   /* operations per semop */
#define SEMVMX 32767 /* a semaphore's largest value */
#define SEM_UNDO 0x1000

struct sem {
	u16 val;   /* [set lock] */
	u32 pid;   /* [set lock] the last to change it */
};

struct semset {
	struct sysv_obj o;
	u32 nsems;          /* [I] */
	i64 otime;          /* [o.lock] */
	struct waitq wait;  /* semop waiters, woken at every change */
	struct list_node waiters; /* [o.lock] struct sem_waiter: GETNCNT, GETZCNT */
	struct sem sems[];  /* [o.lock] */
};

extern struct sysv_table sem_table;
struct sysv_obj *semset_make(void *arg);
int semset_check(struct sysv_obj *o, void *arg);

struct ksembuf {
	u16 num;
	i16 op;
	i16 flg;
};
/* semop/semtimedop: deadline 0 is none. */
long semset_op(int id, const struct ksembuf *ops, u32 nops, u64 deadline, u32 pid);
/* semctl's GETNCNT and GETZCNT: waiters blocked decrementing semaphore num / waiting for zero. */
int semset_count(struct semset *s, u32 num, bool zero);
/* SETVAL/SETALL changed values: forget their undo adjustments, wake the waiters. */
void semset_changed(struct semset *s, int num);
void semset_removed(struct semset *s);

/* Shared memory: Linux's defaults (shmget(2)); SHMLBA is a page on x86-64. */
#define SHMMIN 1UL
#define SHMMAX (~0UL - (1UL << 24))
#define SHMALL (~0UL - (1UL << 24)) /* pages */
#define SHMMNI 4096
#define SHM_DEST 01000   /* ipc64_perm.mode: removed, goes with its last attachment */
#define SHM_LOCKED 02000 /* ipc64_perm.mode: SHM_LOCK */
#define SHM_HUGETLB 04000
#define SHM_NORESERVE 010000

/*
 * A segment: its pages are a shared anonymous memory object (vm/shmem.h)
 * that every attachment maps. Each attaching region (mm counts them:
 * REGION_SYSVSHM) holds a reference on the segment, so a segment removed
 * with IPC_RMID keeps its id until its last attachment goes.
 */
struct shmseg {
	struct sysv_obj o;
	struct vmobj *mem;  /* [I] the pages (a reference) */
	u64 size;           /* [I] bytes asked for */
	u64 nattch;         /* [o.lock] regions attaching it */
	i64 atime, dtime;   /* [o.lock] */
	u32 cpid, lpid;     /* [I], [o.lock] */
	struct vmname *name; /* [o.lock] what maps call its attachments (set by shmget) */
	u64 locked;         /* [shm_table.lock] SHM_LOCK: pages counted to lock_uid, or 0 */
	u32 lock_uid;       /* [shm_table.lock] */
};

extern struct sysv_table shm_table;
/* shmget: the id, or -errno. */
long shmseg_get(i32 key, u64 size, int flags);
/* Pages of every segment (SHMALL, SHM_INFO's shm_tot). */
u64 shm_total_pages(void);
/* shmat: map s in the caller at addr (0: anywhere) with shmat's flags: the address or -errno. */
long shmseg_attach(struct shmseg *s, u64 addr, int flags);
/* IPC_RMID: the key is free now; the segment goes now or with its last attachment. */
void shmseg_remove(struct shmseg *s);
/* SHM_LOCK / SHM_UNLOCK: 0, -EPERM, -ENOMEM (RLIMIT_MEMLOCK). */
int shmseg_lock(struct shmseg *s, bool lock);
