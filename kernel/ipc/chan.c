/*
 * Channels and zero-copy messages (docs/design.md, "Messages"): a buffer
 * gets a unique address in the exchange region; sending moves its pages
 * out of the sender's page table onto the channel; receiving maps them at
 * the same address in the receiver, so pointers inside a message stay
 * valid. No byte is copied. The system calls are in sys_chan.c.
 *
 * A channel is a shared object: chan.lock guards both ends' queues and
 * open counts. Receivers park on their end's wait queue (invariant 2) and
 * re-run the call when woken (invariant 3).
 */
#include "ipc/chan.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/list.h"

/*
 * A buffer's addresses come from the exchange region's allocator
 * (mm/exchange.c), which reuses a range only once no region maps it and no
 * message carries it; it says there why a stale pointer still faults.
 */
long msg_buffer_alloc(struct domain *d, u64 len)
{
	if (len == 0 || len > MSG_MAX)
		return -EINVAL;
	struct xrange *x = xrange_alloc(ALIGN_UP(len, PAGE_SIZE));
	if (!x)
		return -ENOMEM;
	vaddr_t va = xrange_start(x);
	int r = domain_map_msg(d, x);
	if (r < 0)
		xrange_put(x);
	return r < 0 ? r : (long)va;
}

int msg_buffer_free(struct domain *d, vaddr_t va)
{
	return domain_free_msg(d, va);
}

struct message {
	struct list_node node; /* [chan.lock] in the receiving end's queue */
	vaddr_t va;
	u64 len, npages;
	paddr_t *frames;       /* 0 for pages never touched */
	struct xrange *xr;     /* a reference: the addresses stay this message's */
};

struct chan_end {
	struct list_node queue; /* [chan.lock] messages waiting to be received here */
	struct waitq recvq;     /* receivers waiting here */
	bool open;              /* [chan.lock] */
};

struct chan {
	struct inode inode; /* for fstat; freed with the channel */
	struct spinlock lock;
	struct chan_end end[2];
};

struct chan_file {
	struct chan *c;
	int side; /* this descriptor receives at end[side], sends to end[1 - side] */
};

static struct superblock chanfs = {.fstype = "chanfs"};

static void message_free(struct message *m)
{
	frames_release(m->frames, m->npages);
	kfree(m->frames);
	xrange_put(m->xr);
	kfree(m);
}

static void chan_evict(struct inode *ip)
{
	struct chan *c = container_of(ip, struct chan, inode);
	for (int i = 0; i < 2; i++)
		while (!list_empty(&c->end[i].queue))
			message_free(container_of(list_pop_front(&c->end[i].queue), struct message, node));
	kfree(c);
}

static const struct inode_ops chan_inode_ops = {.evict = chan_evict};

static void chan_release(struct file *f)
{
	struct chan_file *cf = f->priv;
	struct chan *c = cf->c;
	spin_lock(&c->lock);
	c->end[cf->side].open = false;
	spin_unlock(&c->lock);
	/* A receiver on the other end sees that nobody will send any more. */
	waitq_wake_all(&c->end[1 - cf->side].recvq);
	kfree(cf);
}

static u32 chan_poll(struct file *f, struct poll_set *pw)
{
	struct chan_file *cf = f->priv;
	struct chan *c = cf->c;
	spin_lock(&c->lock);
	poll_wait_add(pw, &c->end[cf->side].recvq);
	u32 m = POLLOUT | POLLWRNORM;
	if (!list_empty(&c->end[cf->side].queue))
		m |= POLLIN | POLLRDNORM;
	if (!c->end[1 - cf->side].open)
		m |= POLLHUP;
	spin_unlock(&c->lock);
	return m;
}

static const struct file_ops chan_file_ops = {.release = chan_release, .poll = chan_poll};

bool file_is_chan(const struct file *f)
{
	return f->ops == &chan_file_ops;
}

int chan_create(struct file *f[2])
{
	struct chan *c = knew(struct chan);
	struct chan_file *cf[2] = {knew(struct chan_file), knew(struct chan_file)};
	f[0] = f[1] = NULL;
	if (!c || !cf[0] || !cf[1]) {
		kfree(c), kfree(cf[0]), kfree(cf[1]);
		return -ENOMEM;
	}
	c->lock = (struct spinlock)SPINLOCK_INIT;
	if (!chanfs.dev)
		chanfs.dev = vfs_anon_dev();
	inode_init(&c->inode, &chanfs, S_IFSOCK | 0600, &chan_inode_ops);
	vfs_owner_is_caller(&c->inode);
	for (int i = 0; i < 2; i++) {
		list_init(&c->end[i].queue);
		waitq_init(&c->end[i].recvq);
		c->end[i].open = true;
		cf[i]->c = c;
		cf[i]->side = i;
		f[i] = file_alloc(&c->inode, FMODE_READ | FMODE_WRITE | FMODE_STREAM, O_RDWR,
				  &chan_file_ops);
		if (f[i])
			f[i]->priv = cf[i];
	}
	inode_put(&c->inode); /* the files hold it */
	if (!f[0] || !f[1]) {
		for (int i = 0; i < 2; i++) {
			if (f[i])
				file_put(f[i]);
			else
				kfree(cf[i]);
		}
		return -ENOMEM;
	}
	return 0;
}

int chan_send(struct file *f, struct domain *d, vaddr_t va, u64 len)
{
	struct chan_file *cf = f->priv;
	struct chan *c = cf->c;
	struct message *m = knew(struct message);
	long r = m ? 0 : -ENOMEM;
	if (m)
		r = domain_detach_region(d, va, &m->npages, &m->frames, &m->xr);
	if (r == 0 && (len == 0 || len > m->npages * PAGE_SIZE)) {
		/* Put it back: the length does not fit the buffer. */
		if (domain_attach_region(d, va, m->npages, m->frames, m->xr) < 0) {
			/* No memory to map it again: the buffer is gone, as munmap would leave it. */
			frames_release(m->frames, m->npages);
			xrange_put(m->xr);
		}
		kfree(m->frames);
		r = -EINVAL;
	}
	if (r < 0) {
		kfree(m);
		return (int)r;
	}
	m->va = va;
	m->len = len;
	struct chan_end *peer = &c->end[1 - cf->side];
	spin_lock(&c->lock);
	bool open = peer->open;
	if (open)
		list_push_back(&peer->queue, &m->node);
	spin_unlock(&c->lock);
	if (!open) {
		message_free(m);
		return -EPIPE;
	}
	waitq_wake_one(&peer->recvq);
	return 0;
}

long chan_recv(struct file *f, struct domain *d, vaddr_t *va)
{
	struct chan_file *cf = f->priv;
	struct chan *c = cf->c;
	struct chan_end *me = &c->end[cf->side];
	spin_lock(&c->lock);
	if (list_empty(&me->queue)) {
		long r;
		if (!c->end[1 - cf->side].open) {
			r = 0; /* nobody can send any more */
		} else {
			spin_lock(&me->recvq.lock);
			r = park_on(&me->recvq);
			spin_unlock(&me->recvq.lock);
		}
		spin_unlock(&c->lock);
		return r;
	}
	struct message *m = container_of(list_pop_front(&me->queue), struct message, node);
	spin_unlock(&c->lock);
	long r = domain_attach_region(d, m->va, m->npages, m->frames, m->xr);
	if (r < 0) {
		/* Leave it for a later receive. */
		spin_lock(&c->lock);
		list_push_front(&me->queue, &m->node);
		spin_unlock(&c->lock);
		return r;
	}
	*va = m->va;
	long len = (long)m->len;
	kfree(m->frames);
	kfree(m);
	return len;
}
