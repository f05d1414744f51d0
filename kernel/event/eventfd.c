/*
 * eventfd (eventfd(2)): a 64-bit counter as a file. write adds to it
 * (waiting while the sum would pass 0xfffffffffffffffe), read takes it
 * all, or one with EFD_SEMAPHORE (waiting while it is 0). Readable when
 * not 0, writable while 1 more fits. The counter and its flags are under
 * eventfd.lock; waiters park on the one queue (invariant 3), which every
 * change wakes with the events it made (for epoll's filtering).
 */
#include "event/event.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define EFD_SEMAPHORE 1
#define COUNT_MAX 0xfffffffffffffffeUL

struct eventfd {
	struct inode inode;    /* anon_inode:[eventfd]; freed with it */
	struct spinlock lock;
	u64 count;             /* [lock] to change; read without it by poll */
	bool semaphore;        /* [I] */
	struct waitq wq;       /* readers and writers waiting; pollers */
};

static struct superblock eventfdfs = {.fstype = "eventfd"};

static ssize_t efd_read(struct file *f, struct uio *u, u64 *pos)
{
	struct eventfd *e = f->priv;
	if (u->resid < sizeof(u64))
		return -EINVAL;
	spin_lock(&e->lock);
	if (e->count == 0) {
		long r = -EAGAIN;
		if (!(f->flags & O_NONBLOCK)) {
			spin_lock(&e->wq.lock);
			r = park_on(&e->wq); /* restartable: invariant 3 */
			spin_unlock(&e->wq.lock);
		}
		spin_unlock(&e->lock);
		return r;
	}
	u64 v = e->semaphore ? 1 : e->count;
	e->count -= v;
	/* Copied under the lock (a spinning core answers shootdowns): a fault takes nothing. */
	if (uio_copy_out(u, &v, sizeof v) < 0) {
		e->count += v;
		spin_unlock(&e->lock);
		return -EFAULT;
	}
	spin_unlock(&e->lock);
	waitq_wake_events(&e->wq, POLLOUT | POLLWRNORM);
	return sizeof v;
}

static ssize_t efd_write(struct file *f, struct uio *u, u64 *pos)
{
	struct eventfd *e = f->priv;
	if (u->resid < sizeof(u64))
		return -EINVAL;
	u64 v;
	if (uio_copy_in(u, &v, sizeof v) < 0)
		return -EFAULT;
	if (v == ~0UL)
		return -EINVAL;
	spin_lock(&e->lock);
	if (COUNT_MAX - e->count < v) {
		long r = -EAGAIN;
		if (!(f->flags & O_NONBLOCK)) {
			spin_lock(&e->wq.lock);
			r = park_on(&e->wq); /* restartable: the value is read again */
			spin_unlock(&e->wq.lock);
		}
		spin_unlock(&e->lock);
		return r;
	}
	e->count += v;
	spin_unlock(&e->lock);
	if (v)
		waitq_wake_events(&e->wq, POLLIN | POLLRDNORM);
	return sizeof v;
}

static u32 efd_poll(struct file *f, struct poll_set *ps)
{
	struct eventfd *e = f->priv;
	poll_wait_add(ps, &e->wq);
	/* One aligned word: a plain load sees a whole value (x86-64); the queue orders the rest. */
	u64 c = __atomic_load_n(&e->count, __ATOMIC_ACQUIRE);
	u32 m = 0;
	if (c)
		m |= POLLIN | POLLRDNORM;
	if (c == ~0UL)
		m |= POLLERR;
	if (c < COUNT_MAX)
		m |= POLLOUT | POLLWRNORM;
	return m;
}

static const struct file_ops efd_fops = {.read = efd_read, .write = efd_write, .poll = efd_poll};

bool file_is_eventfd(struct file *f)
{
	return f->ops == &efd_fops;
}

void eventfd_signal(struct file *f)
{
	struct eventfd *e = f->priv;
	spin_lock(&e->lock);
	if (e->count < ~0UL)
		e->count++;
	spin_unlock(&e->lock);
	waitq_wake_events(&e->wq, POLLIN | POLLRDNORM);
}

static void efd_evict(struct inode *ip)
{
	kfree(container_of(ip, struct eventfd, inode));
}

static const struct inode_ops efd_inode_ops = {.evict = efd_evict};

int eventfd_new(u64 initval, bool semaphore, u32 flags, struct file **out)
{
	struct eventfd *e = knew(struct eventfd);
	if (!e)
		return -ENOMEM;
	e->lock = (struct spinlock)SPINLOCK_INIT;
	e->count = initval;
	e->semaphore = semaphore;
	waitq_init(&e->wq);
	anon_inode_init(&e->inode, &eventfdfs, &efd_inode_ops);
	struct file *f = file_alloc(&e->inode, FMODE_READ | FMODE_WRITE | FMODE_STREAM,
				    O_RDWR | (flags & O_NONBLOCK), &efd_fops);
	inode_put(&e->inode);
	if (!f)
		return -ENFILE;
	f->priv = e;
	*out = f;
	return 0;
}
