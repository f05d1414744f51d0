/*
 * POSIX message queues (mqueue.c, sys_mqueue.c): the queue object, its
 * files, and the operations the system calls run.
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "sched/park.h"
#include "proc/cur.h"
#include "arch/x86_64/time.h"

#define MQ_DFL_MAXMSG 10
#define MQ_DFL_MSGSIZE 8192
#define MQ_HARD_MAXMSG 65536
#define MQ_HARD_MSGSIZE (16 << 20)
#define MQ_PRIO_MAX 32768
enum { MQ_SIGEV_SIGNAL = 0, MQ_SIGEV_NONE = 1, MQ_SIGEV_THREAD = 2 };
#define SIGEV_SIGNAL MQ_SIGEV_SIGNAL
#define SIGEV_NONE MQ_SIGEV_NONE

struct mq_attr {
	long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs;
	long pad[4];
};

struct mq_msg {
	struct list_node node; /* [queue lock] */
	u32 prio;
	size_t len;
	u8 text[];
};

struct file;

struct mq {
	struct spinlock lock;
	u32 refs;               /* [a] the name's and each file's, and each parked call's */
	struct list_node name_node; /* [mq_lock] */
	long maxmsg, msgsize;   /* [I] */
	u32 mode;               /* [I] */
	struct list_node msgs;  /* [lock] highest priority first, then oldest */
	u64 curmsgs, bytes;     /* [lock] */
	u32 waiting_receivers;  /* [lock] parked mq_timedreceive calls */
	u32 notify_pid;         /* [lock] mq_notify's process, 0: none */
	struct file *notify_file; /* [lock] the descriptor it registered through (no reference) */
	int notify, signo;      /* [lock] */
	u64 value;              /* [lock] */
	struct waitq readers, writers;
	char name[];            /* [I] */
};

struct mq_notify_req {
	int notify, signo;
	u64 value;
};

static inline u64 tsc_ns_now(void)
{
	return tsc_ns();
}

bool file_is_mq(struct file *f);
/* mq_open: 0 and *out (a new file), or -errno. limit: the caller's RLIMIT_MSGQUEUE. */
int mq_open_name(const char *name, int oflag, u32 mode, const struct mq_attr *attr, u64 limit,
		 struct file **out);
int mq_unlink_name(const char *name);
/* Send m (taken over); deadline on tsc_ns (0: none). */
long mq_send(struct mq *q, struct mq_msg *m, bool nonblock, u64 deadline, u32 sender);
/* 0 and *out (the caller copies it out and frees it), or -errno. */
long mq_receive(struct mq *q, size_t room, bool nonblock, u64 deadline, struct mq_msg **out);
long mq_set_notify(struct mq *q, struct file *f, u32 pid, const struct mq_notify_req *req);
void mq_get_attr(struct mq *q, struct file *f, struct mq_attr *a);
/* park_hold's releases. */
void mq_release_ref(void *q);
void mq_receiver_gone(void *q);
