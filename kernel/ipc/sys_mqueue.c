/* mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr (mqueue.c). */
#include "ipc/mqueue.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/limits.h"
#include "proc/unsupported.h"
#include "arch/x86_64/rtc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define NSIG_MAX 64

/* A queue's name (the C library has taken its leading '/' off): EACCES for another '/'. */
static long get_name(u64 uname, char *name, size_t cap)
{
	long n = strncpy_from_domain(cur_dom(), name, uname, cap);
	if (n == -ENAMETOOLONG)
		return -ENAMETOOLONG;
	if (n < 0)
		return n;
	if (!name[0])
		return -ENOENT;
	for (const char *s = name; *s; s++)
		if (*s == '/')
			return -EACCES;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

SYSCALL(NR_mq_open, mq_open)
{
	char name[NAME_MAX + 1];
	long r = get_name(a0, name, sizeof name);
	if (r < 0)
		return r;
	int oflag = (int)a1;
	struct mq_attr attr, *ap = NULL;
	if ((oflag & O_CREAT) && a3) {
		if (copy_from_domain(cur_dom(), &attr, a3, sizeof attr) < 0)
			return -EFAULT;
		ap = &attr;
	}
	if ((oflag & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	struct file *f;
	r = mq_open_name(name, oflag, (u32)a2 & ~fs_umask(), ap, cur_rlimit(RLIMIT_MSGQUEUE), &f);
	if (r < 0)
		return r;
	r = fd_alloc(fs_files(), f, 0, oflag & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL(NR_mq_unlink, mq_unlink)
{
	char name[NAME_MAX + 1];
	long r = get_name(a0, name, sizeof name);
	return r < 0 ? r : mq_unlink_name(name);
}

/* An absolute CLOCK_REALTIME timeout as a tsc_ns deadline (kept across restarts). */
static long deadline_of(u64 uts, u64 *deadline)
{
	if (park_restarting()) {
		*deadline = park_deadline(0);
		return 0;
	}
	u64 d = 0;
	if (uts) {
		i64 ts[2];
		if (copy_from_domain(cur_dom(), ts, uts, sizeof ts) < 0)
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		u64 ns = (u64)ts[0] > ~0UL / 1000000000UL - 1 ? ~0UL : (u64)ts[0] * 1000000000UL + (u64)ts[1];
		u64 epoch = realtime_epoch_ns();
		d = ns > epoch ? ns - epoch : 1;
	}
	*deadline = park_deadline(d);
	return 0;
}

/* The queue behind descriptor fd, opened for mode (FMODE_READ or _WRITE): a file reference. */
static struct file *mq_file(int fd, u32 fmode, long *err)
{
	struct file *f = fs_fget(fd);
	if (!f || !file_is_mq(f) || !(f->fmode & fmode)) {
		file_put(f);
		*err = -EBADF;
		return NULL;
	}
	return f;
}

SYSCALL(NR_mq_timedsend, mq_timedsend)
{
	void *held = park_take(mq_release_ref);
	if (held)
		mq_release_ref(held);
	long r;
	struct file *f = mq_file((int)a0, FMODE_WRITE, &r);
	if (!f)
		return r;
	struct mq *q = f->priv;
	u32 prio = (u32)a3;
	u64 len = a2, deadline;
	if (len > (u64)q->msgsize)
		r = -EMSGSIZE;
	else if (prio >= MQ_PRIO_MAX)
		r = -EINVAL;
	else
		r = deadline_of(a4, &deadline);
	struct mq_msg *m = NULL;
	if (r == 0) {
		m = kmalloc(sizeof *m + len);
		if (!m)
			r = -ENOMEM;
	}
	if (r == 0 && copy_from_domain(cur_dom(), m->text, a1, len) < 0)
		r = -EFAULT;
	if (r == 0) {
		m->len = len;
		m->prio = prio;
		struct proc_ids ids = {0};
		cur_ids(&ids);
		r = mq_send(q, m, f->flags & O_NONBLOCK, deadline, ids.pid);
		m = NULL;
	}
	kfree(m);
	file_put(f);
	return r;
}

SYSCALL(NR_mq_timedreceive, mq_timedreceive)
{
	void *held = park_take(mq_receiver_gone);
	if (held)
		mq_receiver_gone(held);
	long r;
	struct file *f = mq_file((int)a0, FMODE_READ, &r);
	if (!f)
		return r;
	u64 deadline;
	r = deadline_of(a4, &deadline);
	struct mq_msg *m = NULL;
	if (r == 0)
		r = mq_receive(f->priv, a2, f->flags & O_NONBLOCK, deadline, &m);
	if (r == 0) {
		if (copy_to_domain(cur_dom(), a1, m->text, m->len) < 0 ||
		    (a3 && copy_to_domain(cur_dom(), a3, &m->prio, sizeof m->prio) < 0))
			r = -EFAULT; /* the message is gone, as on Linux */
		else
			r = (long)m->len;
		kfree(m);
	}
	file_put(f);
	return r;
}

struct ksigevent {
	u64 value;
	i32 signo, notify;
	i32 pad[12];
};

SYSCALL(NR_mq_notify, mq_notify)
{
	long r;
	struct file *f = mq_file((int)a0, FMODE_READ | FMODE_WRITE, &r);
	if (!f)
		return r;
	struct proc_ids ids = {0};
	cur_ids(&ids);
	struct mq_notify_req req, *rp = NULL;
	if (a1) {
		struct ksigevent ev;
		if (copy_from_domain(cur_dom(), &ev, a1, sizeof ev) < 0) {
			file_put(f);
			return -EFAULT;
		}
		r = 0;
		if (ev.notify == SIGEV_SIGNAL && (ev.signo < 1 || ev.signo > NSIG_MAX))
			r = -EINVAL;
		else if (ev.notify == MQ_SIGEV_THREAD) {
			/* The kernel's part of SIGEV_THREAD is a netlink socket: none here. */
			unsupported("mq_notify SIGEV_THREAD (no netlink)", 0);
			r = -EINVAL;
		} else if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE)
			r = -EINVAL;
		if (r < 0) {
			file_put(f);
			return r;
		}
		req = (struct mq_notify_req){.notify = ev.notify, .signo = ev.signo, .value = ev.value};
		rp = &req;
	}
	r = mq_set_notify(f->priv, f, ids.pid, rp);
	file_put(f);
	return r;
}

SYSCALL(NR_mq_getsetattr, mq_getsetattr)
{
	long r;
	struct file *f = mq_file((int)a0, FMODE_READ | FMODE_WRITE, &r);
	if (!f)
		return r;
	struct mq_attr old, nw;
	mq_get_attr(f->priv, f, &old);
	r = 0;
	if (a1) {
		if (copy_from_domain(cur_dom(), &nw, a1, sizeof nw) < 0)
			r = -EFAULT;
		else if (nw.mq_flags & ~(long)O_NONBLOCK)
			r = -EINVAL;
		else if (nw.mq_flags & O_NONBLOCK)
			__atomic_or_fetch(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&f->flags, ~(u32)O_NONBLOCK, __ATOMIC_RELAXED);
	}
	if (r == 0 && a2 && copy_to_domain(cur_dom(), a2, &old, sizeof old) < 0)
		r = -EFAULT;
	file_put(f);
	return r;
}
