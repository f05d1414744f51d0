/*
 * POSIX message queues (mq_overview(7)): named queues of prioritized
 * messages, opened as files (readable for their status line, pollable:
 * POLLIN with messages, POLLOUT with room) and used through mq_timedsend,
 * mq_timedreceive, mq_notify and mq_getsetattr (sys_mqueue.c).
 *
 * Names live in one table (mq_lock); each queue has its own lock for its
 * messages and counts, and references: its name's and one per open
 * file. A sender or receiver that must wait parks on the queue holding a
 * reference (park_hold). The queues are not a mountable file system:
 * /dev/mqueue does not list them.
 */
#include "ipc/mqueue.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/signal.h"
#include "proc/sigframe.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static struct spinlock mq_lock = SPINLOCK_INIT;
static struct list_node names = {&names, &names}; /* [mq_lock] struct mq with a name */
static struct superblock mqfs = {.fstype = "mqueue"};

static void mq_put(struct mq *q)
{
	if (__atomic_sub_fetch(&q->refs, 1, __ATOMIC_ACQ_REL))
		return;
	while (!list_empty(&q->msgs))
		kfree(container_of(list_pop_front(&q->msgs), struct mq_msg, node));
	kfree(q);
}

void mq_release_ref(void *q)
{
	mq_put(q);
}

/* Caller holds mq_lock. */
static struct mq *lookup_locked(const char *name)
{
	struct list_node *pos;
	list_for_each(pos, &names)
	{
		struct mq *q = container_of(pos, struct mq, name_node);
		if (strcmp(q->name, name) == 0)
			return q;
	}
	return NULL;
}

static void status(struct mq *q, char *buf, size_t cap)
{
	spin_lock(&q->lock);
	snprintf(buf, cap, "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6u\n", q->bytes,
		 q->notify_pid ? q->notify : 0, q->notify_pid && q->notify == SIGEV_SIGNAL ? q->signo : 0,
		 q->notify_pid);
	spin_unlock(&q->lock);
}

static ssize_t mq_read(struct file *f, struct uio *u, u64 *pos)
{
	char buf[96];
	status(f->priv, buf, sizeof buf);
	size_t n = strlen(buf);
	if (*pos >= n)
		return 0;
	size_t k = MIN(n - (size_t)*pos, u->resid);
	if (uio_copy_out(u, buf + *pos, k) < 0)
		return -EFAULT;
	*pos += k;
	return (ssize_t)k;
}

static u32 mq_poll(struct file *f, struct poll_set *pw)
{
	struct mq *q = f->priv;
	poll_wait_add(pw, &q->readers);
	poll_wait_add(pw, &q->writers);
	spin_lock(&q->lock);
	u32 m = 0;
	if (q->curmsgs)
		m |= POLLIN | POLLRDNORM;
	if (q->curmsgs < (u64)q->maxmsg)
		m |= POLLOUT | POLLWRNORM;
	spin_unlock(&q->lock);
	return m;
}

static void mq_file_release(struct file *f)
{
	struct mq *q = f->priv;
	/* A registration goes with the registering process's descriptor. */
	struct proc_ids ids = {0};
	if (cur_ids(&ids)) {
		spin_lock(&q->lock);
		if (q->notify_pid == ids.pid && q->notify_file == f)
			q->notify_pid = 0;
		spin_unlock(&q->lock);
	}
	mq_put(q);
}

static const struct file_ops mq_fops = {.read = mq_read, .poll = mq_poll, .release = mq_file_release};

bool file_is_mq(struct file *f)
{
	return f->ops == &mq_fops;
}

static void mq_evict(struct inode *ip)
{
	kfree(ip);
}

static const struct inode_ops mq_inode_ops = {.evict = mq_evict};

int mq_open_name(const char *name, int oflag, u32 mode, const struct mq_attr *attr, u64 limit,
		 struct file **out)
{
	struct mq *fresh = NULL;
	if (oflag & O_CREAT) {
		long maxmsg = attr ? attr->mq_maxmsg : MQ_DFL_MAXMSG;
		long msgsize = attr ? attr->mq_msgsize : MQ_DFL_MSGSIZE;
		if (attr && (maxmsg <= 0 || msgsize <= 0 || maxmsg > MQ_HARD_MAXMSG ||
			     msgsize > MQ_HARD_MSGSIZE))
			return -EINVAL;
		u64 bytes = (u64)maxmsg * ((u64)msgsize + sizeof(struct mq_msg));
		if (bytes > limit)
			return -EMFILE; /* RLIMIT_MSGQUEUE, as Linux says it */
		fresh = kzalloc(sizeof *fresh + strlen(name) + 1);
		if (!fresh)
			return -ENOMEM;
		fresh->lock = (struct spinlock)SPINLOCK_INIT;
		fresh->refs = 1; /* the name's */
		fresh->maxmsg = maxmsg;
		fresh->msgsize = msgsize;
		fresh->mode = mode & 0777;
		list_init(&fresh->msgs);
		waitq_init(&fresh->readers);
		waitq_init(&fresh->writers);
		strlcpy(fresh->name, name, strlen(name) + 1);
	}
	struct inode *ip = knew(struct inode);
	if (!ip) {
		kfree(fresh);
		return -ENOMEM;
	}
	spin_lock(&mq_lock);
	struct mq *q = lookup_locked(name);
	int r = 0;
	if (q && (oflag & O_CREAT) && (oflag & O_EXCL))
		r = -EEXIST;
	else if (!q && !fresh)
		r = -ENOENT;
	if (r == 0 && !q) {
		q = fresh;
		fresh = NULL;
		list_push_back(&names, &q->name_node);
	}
	if (r == 0)
		__atomic_add_fetch(&q->refs, 1, __ATOMIC_RELAXED); /* the file's */
	spin_unlock(&mq_lock);
	kfree(fresh);
	if (r < 0) {
		kfree(ip);
		return r;
	}
	if (!mqfs.dev)
		mqfs.dev = vfs_anon_dev();
	inode_init(ip, &mqfs, S_IFREG | q->mode, &mq_inode_ops);
	u32 acc = (u32)oflag & O_ACCMODE;
	u32 fmode = (acc == O_RDONLY ? FMODE_READ : acc == O_WRONLY ? FMODE_WRITE
				   : FMODE_READ | FMODE_WRITE);
	struct file *f = file_alloc(ip, fmode, (u32)oflag & O_NONBLOCK, &mq_fops);
	inode_put(ip);
	if (!f) {
		mq_put(q);
		return -ENOMEM;
	}
	f->priv = q;
	*out = f;
	return 0;
}

int mq_unlink_name(const char *name)
{
	spin_lock(&mq_lock);
	struct mq *q = lookup_locked(name);
	if (q)
		list_remove(&q->name_node);
	spin_unlock(&mq_lock);
	if (!q)
		return -ENOENT;
	mq_put(q); /* the name's reference */
	return 0;
}

/* The notification a message into an empty queue sends, if one is registered (q locked). */
static void notify_locked(struct mq *q, u32 sender, u32 *pid, int *sig, u64 *value)
{
	*pid = 0;
	if (!q->notify_pid || q->waiting_receivers)
		return;
	if (q->notify == SIGEV_SIGNAL) {
		*pid = q->notify_pid;
		*sig = q->signo;
		*value = q->value;
	}
	q->notify_pid = 0; /* one notification per registration */
}

long mq_send(struct mq *q, struct mq_msg *m, bool nonblock, u64 deadline, u32 sender)
{
	spin_lock(&q->lock);
	if (q->curmsgs >= (u64)q->maxmsg) {
		if (nonblock) {
			spin_unlock(&q->lock);
			kfree(m);
			return -EAGAIN;
		}
		if (deadline && tsc_ns_now() >= deadline) {
			spin_unlock(&q->lock);
			kfree(m);
			return -ETIMEDOUT;
		}
		kfree(m);
		spin_lock(&q->writers.lock);
		long r = park_on(&q->writers);
		spin_unlock(&q->writers.lock);
		spin_unlock(&q->lock);
		park_timeout(deadline);
		__atomic_add_fetch(&q->refs, 1, __ATOMIC_RELAXED);
		park_hold(mq_release_ref, q);
		return r;
	}
	/* Highest priority first; among equals, oldest first. */
	struct list_node *pos;
	list_for_each(pos, &q->msgs)
	{
		struct mq_msg *o = container_of(pos, struct mq_msg, node);
		if (o->prio < m->prio)
			break;
	}
	list_insert_after(pos->prev, &m->node);
	bool was_empty = q->curmsgs == 0;
	q->curmsgs++;
	q->bytes += m->len;
	u32 npid = 0;
	int sig = 0;
	u64 value = 0;
	if (was_empty)
		notify_locked(q, sender, &npid, &sig, &value);
	spin_unlock(&q->lock);
	waitq_wake_all(&q->readers);
	if (npid)
		signal_send_mesgq(npid, sig, value, sender);
	return 0;
}

long mq_receive(struct mq *q, size_t room, bool nonblock, u64 deadline, struct mq_msg **out)
{
	spin_lock(&q->lock);
	if ((long)room < q->msgsize) {
		spin_unlock(&q->lock);
		return -EMSGSIZE;
	}
	if (!q->curmsgs) {
		if (nonblock) {
			spin_unlock(&q->lock);
			return -EAGAIN;
		}
		if (deadline && tsc_ns_now() >= deadline) {
			spin_unlock(&q->lock);
			return -ETIMEDOUT;
		}
		q->waiting_receivers++;
		spin_lock(&q->readers.lock);
		long r = park_on(&q->readers);
		spin_unlock(&q->readers.lock);
		spin_unlock(&q->lock);
		park_timeout(deadline);
		__atomic_add_fetch(&q->refs, 1, __ATOMIC_RELAXED);
		park_hold(mq_receiver_gone, q);
		return r;
	}
	struct mq_msg *m = container_of(list_pop_front(&q->msgs), struct mq_msg, node);
	q->curmsgs--;
	q->bytes -= m->len;
	spin_unlock(&q->lock);
	waitq_wake_all(&q->writers);
	*out = m;
	return 0;
}

void mq_receiver_gone(void *arg)
{
	struct mq *q = arg;
	spin_lock(&q->lock);
	q->waiting_receivers--;
	spin_unlock(&q->lock);
	mq_put(q);
}

long mq_set_notify(struct mq *q, struct file *f, u32 pid, const struct mq_notify_req *req)
{
	spin_lock(&q->lock);
	long r = 0;
	if (!req) {
		if (q->notify_pid == pid)
			q->notify_pid = 0;
	} else if (q->notify_pid && q->notify_pid != pid) {
		r = -EBUSY;
	} else if (q->notify_pid) {
		r = -EBUSY; /* registered already, by this process too: as Linux */
	} else {
		q->notify_pid = pid;
		q->notify_file = f;
		q->notify = req->notify;
		q->signo = req->signo;
		q->value = req->value;
	}
	spin_unlock(&q->lock);
	return r;
}

void mq_get_attr(struct mq *q, struct file *f, struct mq_attr *a)
{
	spin_lock(&q->lock);
	*a = (struct mq_attr){.mq_flags = (long)(__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK),
			      .mq_maxmsg = q->maxmsg, .mq_msgsize = q->msgsize, .mq_curmsgs = (long)q->curmsgs};
	spin_unlock(&q->lock);
}
