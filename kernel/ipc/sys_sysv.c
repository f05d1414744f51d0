/*
 * The System V IPC calls: msgget, msgsnd, msgrcv, msgctl (sysv_msg.c);
 * semget, semop, semtimedop, semctl (sysv_sem.c). Shared memory's are in
 * sys_shm.c.
 */
#include "ipc/sysv_impl.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20

static u32 my_pid(void)
{
	struct proc_ids ids = {0};
	cur_ids(&ids);
	return ids.pid;
}

SYSCALL(NR_msgget, msgget)
{
	struct sysv_obj *o;
	int r = sysv_get(&msg_table, (i32)a0, (int)a1, msgq_make, NULL, NULL, &o);
	if (r < 0)
		return r;
	int id = o->id;
	sysv_put(o);
	return id;
}

SYSCALL(NR_msgsnd, msgsnd)
{
	int id = (int)a0, flags = (int)a3;
	i64 size = (i64)a2;
	if (id < 0 || size < 0 || size > MSGMAX)
		return -EINVAL;
	i64 type;
	if (copy_from_domain(cur_dom(), &type, a1, sizeof type) < 0)
		return -EFAULT;
	if (type < 1)
		return -EINVAL;
	void *text = kmalloc(size ? (size_t)size : 1);
	if (!text)
		return -ENOMEM;
	long r = copy_from_domain(cur_dom(), text, a1 + 8, (size_t)size) < 0 ? -EFAULT : 0;
	if (r == 0)
		r = msgq_send(id, type, text, (size_t)size, flags, my_pid());
	kfree(text);
	return r;
}

SYSCALL(NR_msgrcv, msgrcv)
{
	int id = (int)a0, flags = (int)a4;
	i64 size = (i64)a2, type = (i64)a3;
	if (id < 0 || size < 0)
		return -EINVAL;
	if (flags & MSG_COPY)
		return -ENOSYS; /* as Linux without checkpoint/restore */
	struct msg_out m;
	long r = msgq_receive(id, type, (size_t)size, flags, my_pid(), &m);
	if (r < 0)
		return r;
	if (copy_to_domain(cur_dom(), a1, &m.type, sizeof m.type) < 0 ||
	    copy_to_domain(cur_dom(), a1 + 8, m.text, m.len) < 0)
		r = -EFAULT; /* the message is gone, as on Linux */
	else
		r = (long)m.len;
	msg_free(&m);
	return r;
}

/* struct msqid64_ds on x86-64 */
struct msqid64_ds {
	struct ipc64_perm perm;
	i64 stime, rtime, ctime;
	u64 cbytes, qnum, qbytes;
	i32 lspid, lrpid;
	u64 unused4, unused5;
};

struct msginfo {
	i32 msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	u16 msgseg;
};

static long msg_stat(struct msgq *q, u64 ubuf)
{
	struct msqid64_ds ds = {0};
	spin_lock(&q->o.lock);
	ds.perm = q->o.perm;
	ds.stime = q->stime;
	ds.rtime = q->rtime;
	ds.ctime = q->o.ctime;
	ds.cbytes = q->cbytes;
	ds.qnum = q->qnum;
	ds.qbytes = q->qbytes;
	ds.lspid = (i32)q->lspid;
	ds.lrpid = (i32)q->lrpid;
	spin_unlock(&q->o.lock);
	return copy_to_domain(cur_dom(), ubuf, &ds, sizeof ds) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_msgctl, msgctl)
{
	int id = (int)a0, cmd = (int)a1 & ~IPC_64;
	if (cmd == IPC_INFO || cmd == MSG_INFO) {
		struct msginfo mi = {.msgpool = 16384, .msgmap = 16384, .msgmax = MSGMAX, .msgmnb = MSGMNB,
				     .msgmni = SYSV_SLOTS, .msgssz = 16, .msgtql = 16384, .msgseg = 0xffff};
		if (cmd == MSG_INFO) { /* what is in use */
			spin_lock(&msg_table.lock);
			mi.msgpool = (i32)msg_table.count;
			spin_unlock(&msg_table.lock);
		}
		if (copy_to_domain(cur_dom(), a2, &mi, sizeof mi) < 0)
			return -EFAULT;
		return sysv_max_index(&msg_table);
	}
	if (cmd == MSG_STAT || cmd == MSG_STAT_ANY) {
		struct sysv_obj *o = sysv_at(&msg_table, id);
		if (!o)
			return -EINVAL;
		long r = msg_stat(container_of(o, struct msgq, o), a2);
		int qid = o->id;
		sysv_put(o);
		return r < 0 ? r : qid;
	}
	if (id < 0)
		return -EINVAL;
	struct sysv_obj *o = sysv_find(&msg_table, id);
	if (!o)
		return -EINVAL;
	struct msgq *q = container_of(o, struct msgq, o);
	long r;
	switch (cmd) {
	case IPC_STAT:
		r = msg_stat(q, a2);
		break;
	case IPC_SET: {
		struct msqid64_ds ds;
		if (copy_from_domain(cur_dom(), &ds, a2, sizeof ds) < 0) {
			r = -EFAULT;
			break;
		}
		spin_lock(&o->lock);
		sysv_set_perm_locked(o, &ds.perm);
		q->qbytes = ds.qbytes; /* root may pass MSGMNB */
		spin_unlock(&o->lock);
		waitq_wake_all(&q->senders); /* more room, perhaps */
		r = 0;
		break;
	}
	case IPC_RMID:
		sysv_remove(&msg_table, o);
		msgq_removed(q);
		r = 0;
		break;
	default:
		r = -EINVAL;
	}
	sysv_put(o);
	return r;
}

SYSCALL(NR_semget, semget)
{
	int nsems = (int)a1, flags = (int)a2;
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	u32 n = (u32)nsems;
	struct sysv_obj *o;
	/* A new set needs at least one semaphore; an existing one is found with 0. */
	if (!n) {
		int r = sysv_get(&sem_table, (i32)a0, flags & ~IPC_CREAT, semset_make, semset_check, &n, &o);
		if (r == -ENOENT && (flags & IPC_CREAT))
			return -EINVAL;
		if (r < 0)
			return r;
	} else {
		int r = sysv_get(&sem_table, (i32)a0, flags, semset_make, semset_check, &n, &o);
		if (r < 0)
			return r;
	}
	int id = o->id;
	sysv_put(o);
	return id;
}

static long do_semop(int id, u64 usops, u64 nsops, u64 uts)
{
	if (id < 0)
		return -EINVAL;
	if (nsops < 1)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	u64 deadline = 0;
	if (park_restarting()) {
		deadline = park_deadline(0);
	} else {
		if (uts) {
			i64 ts[2];
			if (copy_from_domain(cur_dom(), ts, uts, sizeof ts) < 0)
				return -EFAULT;
			if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
				return -EINVAL;
			u64 now = tsc_ns(), ns = (u64)ts[0] > (~0UL - now) / 1000000000UL
							 ? ~0UL - now : (u64)ts[0] * 1000000000UL + (u64)ts[1];
			deadline = now + MIN(ns, ~0UL - now);
			if (!deadline)
				deadline = 1;
		}
		park_deadline(deadline);
	}
	struct ksembuf *ops = kmalloc(nsops * sizeof *ops);
	if (!ops)
		return -ENOMEM;
	long r = copy_from_domain(cur_dom(), ops, usops, nsops * sizeof *ops) < 0 ? -EFAULT : 0;
	if (r == 0)
		r = semset_op(id, ops, (u32)nsops, deadline, my_pid());
	kfree(ops);
	return r;
}

SYSCALL(NR_semop, semop)
{
	return do_semop((int)a0, a1, a2, 0);
}

SYSCALL(NR_semtimedop, semtimedop)
{
	return do_semop((int)a0, a1, a2, a3);
}

/* struct semid64_ds on x86-64 */
struct semid64_ds {
	struct ipc64_perm perm;
	i64 otime;
	u64 unused1;
	i64 ctime;
	u64 unused2;
	u64 nsems;
	u64 unused3, unused4;
};

struct seminfo {
	i32 semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static long sem_stat(struct semset *s, u64 ubuf)
{
	struct semid64_ds ds = {0};
	spin_lock(&s->o.lock);
	ds.perm = s->o.perm;
	ds.otime = s->otime;
	ds.ctime = s->o.ctime;
	ds.nsems = s->nsems;
	spin_unlock(&s->o.lock);
	return copy_to_domain(cur_dom(), ubuf, &ds, sizeof ds) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_semctl, semctl)
{
	int id = (int)a0, num = (int)a1, cmd = (int)a2 & ~IPC_64;
	u64 arg = a3; /* union semun: an int for SETVAL, else a pointer */
	if (cmd == IPC_INFO || cmd == SEM_INFO) {
		struct seminfo si = {.semmap = 32000, .semmni = SYSV_SLOTS, .semmns = 1024000000,
				     .semmnu = 32000, .semmsl = SEMMSL, .semopm = SEMOPM, .semume = SEMOPM,
				     .semusz = 20, .semvmx = SEMVMX, .semaem = SEMVMX};
		if (cmd == SEM_INFO) {
			spin_lock(&sem_table.lock);
			si.semusz = (i32)sem_table.count;
			spin_unlock(&sem_table.lock);
		}
		if (copy_to_domain(cur_dom(), arg, &si, sizeof si) < 0)
			return -EFAULT;
		return sysv_max_index(&sem_table);
	}
	if (cmd == SEM_STAT || cmd == SEM_STAT_ANY) {
		struct sysv_obj *o = sysv_at(&sem_table, id);
		if (!o)
			return -EINVAL;
		long r = sem_stat(container_of(o, struct semset, o), arg);
		int sid = o->id;
		sysv_put(o);
		return r < 0 ? r : sid;
	}
	if (id < 0)
		return -EINVAL;
	struct sysv_obj *o = sysv_find(&sem_table, id);
	if (!o)
		return -EINVAL;
	struct semset *s = container_of(o, struct semset, o);
	bool one = cmd == GETVAL || cmd == SETVAL || cmd == GETPID || cmd == GETNCNT || cmd == GETZCNT;
	long r = 0;
	if (one && (num < 0 || (u32)num >= s->nsems)) {
		sysv_put(o);
		return -EINVAL;
	}
	switch (cmd) {
	case IPC_STAT:
		r = sem_stat(s, arg);
		break;
	case IPC_SET: {
		struct semid64_ds ds;
		if (copy_from_domain(cur_dom(), &ds, arg, sizeof ds) < 0) {
			r = -EFAULT;
			break;
		}
		spin_lock(&o->lock);
		sysv_set_perm_locked(o, &ds.perm);
		spin_unlock(&o->lock);
		break;
	}
	case IPC_RMID:
		sysv_remove(&sem_table, o);
		semset_removed(s);
		break;
	case GETVAL:
	case GETPID:
		spin_lock(&o->lock);
		r = cmd == GETVAL ? s->sems[num].val : (long)s->sems[num].pid;
		spin_unlock(&o->lock);
		break;
	case GETNCNT:
	case GETZCNT:
		r = semset_count(s, (u32)num, cmd == GETZCNT);
		break;
	case SETVAL: {
		int v = (int)arg;
		if (v < 0 || v > SEMVMX) {
			r = -ERANGE;
			break;
		}
		spin_lock(&o->lock);
		s->sems[num].val = (u16)v;
		s->sems[num].pid = my_pid();
		o->ctime = sysv_now();
		spin_unlock(&o->lock);
		semset_changed(s, num);
		break;
	}
	case GETALL:
	case SETALL: {
		u16 *vals = kmalloc(s->nsems * sizeof *vals);
		if (!vals) {
			r = -ENOMEM;
			break;
		}
		if (cmd == GETALL) {
			spin_lock(&o->lock);
			for (u32 i = 0; i < s->nsems; i++)
				vals[i] = s->sems[i].val;
			spin_unlock(&o->lock);
			r = copy_to_domain(cur_dom(), arg, vals, s->nsems * sizeof *vals) < 0 ? -EFAULT : 0;
		} else if (copy_from_domain(cur_dom(), vals, arg, s->nsems * sizeof *vals) < 0) {
			r = -EFAULT;
		} else {
			for (u32 i = 0; i < s->nsems && r == 0; i++)
				if (vals[i] > SEMVMX)
					r = -ERANGE;
			if (r == 0) {
				spin_lock(&o->lock);
				u32 pid = my_pid();
				for (u32 i = 0; i < s->nsems; i++)
					s->sems[i].val = vals[i], s->sems[i].pid = pid;
				o->ctime = sysv_now();
				spin_unlock(&o->lock);
				semset_changed(s, -1);
			}
		}
		kfree(vals);
		break;
	}
	default:
		r = -EINVAL;
	}
	sysv_put(o);
	return r;
}
