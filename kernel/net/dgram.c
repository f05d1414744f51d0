/*
 * Datagram sockets' common half (inet_sock.h): the receive queue, the
 * pending error, waiting, poll and shutdown, for UDP and raw IP alike.
 * A socket lives while it has references: its file's, and one taken by
 * each packet being delivered to it (under the protocol's table lock).
 */
#include "net/inet_sock.h"
#include "net/net.h"
#include "dev/pkb.h"
#include "fs/poll.h"
#include "fs/uio.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"
#include "sched/park.h"

#define DGRAM_RCVBUF (208 * 1024) /* Linux's rmem_default */
#define DGRAM_SNDBUF (208 * 1024)

static u64 next_ino = 100000; /* [a] inode numbers /proc/net shows */

long net_wait(struct waitq *q, const struct net_wait *w)
{
	if (w->nonblock)
		return -EAGAIN;
	spin_lock(&q->lock);
	long r = sock_wait(q, w->deadline); /* the deadline is armed by the caller after */
	spin_unlock(&q->lock);
	return r;
}

struct dgram_sock *dgram_new(u8 proto, bool raw)
{
	struct dgram_sock *d = knew(struct dgram_sock);
	if (!d)
		return NULL;
	d->lock = (struct spinlock)SPINLOCK_INIT;
	d->refs = 1;
	d->proto = proto;
	d->raw = raw;
	list_init(&d->rxq);
	d->rcvbuf = DGRAM_RCVBUF;
	d->sndbuf = DGRAM_SNDBUF;
	waitq_init(&d->wq);
	d->inode = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
	return d;
}

void dgram_get(struct dgram_sock *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

void dgram_put(struct dgram_sock *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pkb_free_list(&d->rxq);
	kfree(d);
}

void dgram_deliver(struct dgram_sock *d, struct pkb *p)
{
	spin_lock(&d->lock);
	if (d->shut_rd || d->rx_bytes + p->truesize > d->rcvbuf) {
		d->drops++;
		spin_unlock(&d->lock);
		pkb_free(p);
		return;
	}
	list_push_back(&d->rxq, &p->node);
	d->rx_bytes += p->truesize;
	spin_unlock(&d->lock);
	waitq_wake_all(&d->wq);
}

void dgram_set_error(struct dgram_sock *d, int err)
{
	spin_lock(&d->lock);
	d->err = err;
	spin_unlock(&d->lock);
	waitq_wake_all(&d->wq);
}

int dgram_take_error(struct dgram_sock *d)
{
	spin_lock(&d->lock);
	int e = d->err;
	d->err = 0;
	spin_unlock(&d->lock);
	return e;
}

ssize_t dgram_recv(struct dgram_sock *d, struct uio *u, int flags, const struct net_wait *w,
		   u32 *src, u16 *sport, bool *truncated)
{
	spin_lock(&d->lock);
	if (d->err) {
		int e = d->err;
		d->err = 0;
		spin_unlock(&d->lock);
		return -e;
	}
	if (list_empty(&d->rxq)) {
		if (d->shut_rd) {
			spin_unlock(&d->lock);
			return 0;
		}
		long r = net_wait(&d->wq, w);
		spin_unlock(&d->lock);
		return r;
	}
	struct pkb *p = container_of(d->rxq.next, struct pkb, node);
	size_t n = MIN((size_t)p->len, u->resid);
	if (uio_copy_out(u, p->data, n) < 0) {
		spin_unlock(&d->lock);
		return -EFAULT;
	}
	*src = p->src;
	*sport = p->sport;
	*truncated = n < p->len;
	ssize_t len = flags & NET_MSG_TRUNC ? (ssize_t)p->len : (ssize_t)n;
	if (!(flags & NET_MSG_PEEK)) {
		list_remove(&p->node);
		d->rx_bytes -= p->truesize;
	} else {
		p = NULL;
	}
	spin_unlock(&d->lock);
	pkb_free(p);
	return len;
}

u32 dgram_poll(struct dgram_sock *d, struct poll_set *pw)
{
	poll_wait_add(pw, &d->wq);
	u32 m = 0;
	spin_lock(&d->lock);
	if (!list_empty(&d->rxq) || d->shut_rd)
		m |= POLLIN | POLLRDNORM;
	if (!d->shut_wr)
		m |= POLLOUT | POLLWRNORM;
	if (d->err)
		m |= POLLERR;
	if (d->shut_rd && d->shut_wr)
		m |= POLLHUP;
	spin_unlock(&d->lock);
	return m;
}

int dgram_shutdown(struct dgram_sock *d, int how)
{
	if (how < 0 || how > 2)
		return -EINVAL;
	spin_lock(&d->lock);
	if (!d->connected) {
		spin_unlock(&d->lock);
		return -ENOTCONN;
	}
	if (how != 1)
		d->shut_rd = true;
	if (how != 0)
		d->shut_wr = true;
	spin_unlock(&d->lock);
	waitq_wake_all(&d->wq);
	return 0;
}
