/*
 * System V IPC's insides, shared by sysv_msg.c, sysv_sem.c and their
 * system calls (sys_sysv.c); nothing else includes it.
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
