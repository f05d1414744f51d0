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

/* One queued ICMP error (IP_RECVERR), with the data it quotes. */
struct dgram_err {
	struct list_node link; /* [s] on errq */
	struct dgram_icmp_err e; /* e.payload unused: the data follows */
	u8 data[];
};

static u32 err_size(u32 len)
{
	return (u32)sizeof(struct dgram_err) + len;
}

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
	list_init(&d->errq);
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
	while (!list_empty(&d->errq)) {
		struct list_node *n = d->errq.next;
		list_remove(n);
		kfree(container_of(n, struct dgram_err, link));
	}
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

void dgram_set_recverr(struct dgram_sock *d, bool on)
{
	struct list_node gone;
	list_init(&gone);
	spin_lock(&d->lock);
	__atomic_store_n(&d->recverr, on, __ATOMIC_RELAXED);
	while (!on && !list_empty(&d->errq)) {
		struct dgram_err *x = container_of(d->errq.next, struct dgram_err, link);
		list_remove(&x->link);
		d->rx_bytes -= err_size(x->e.len);
		list_push_back(&gone, &x->link);
	}
	spin_unlock(&d->lock);
	while (!list_empty(&gone)) {
		struct list_node *n = gone.next;
		list_remove(n);
		kfree(container_of(n, struct dgram_err, link));
	}
}

void dgram_queue_icmp_error(struct dgram_sock *d, const struct dgram_icmp_err *e)
{
	struct dgram_err *x = kmalloc(err_size(e->len));
	if (!x)
		return;
	x->e = *e;
	x->e.payload = NULL;
	memcpy(x->data, e->payload, e->len);
	spin_lock(&d->lock);
	if (!d->recverr || d->rx_bytes + err_size(e->len) > d->rcvbuf) {
		d->drops += d->recverr;
		spin_unlock(&d->lock);
		kfree(x);
		return;
	}
	list_push_back(&d->errq, &x->link);
	d->rx_bytes += err_size(e->len);
	d->err = (int)e->ee.ee_errno;
	spin_unlock(&d->lock);
	waitq_wake_all(&d->wq);
}

ssize_t dgram_recv_error(struct dgram_sock *d, struct uio *u, struct dgram_icmp_err *e,
			 bool *truncated)
{
	spin_lock(&d->lock);
	if (list_empty(&d->errq)) {
		spin_unlock(&d->lock);
		return -EAGAIN;
	}
	struct dgram_err *x = container_of(d->errq.next, struct dgram_err, link);
	size_t n = MIN((size_t)x->e.len, u->resid);
	if (uio_copy_out(u, x->data, n) < 0) {
		spin_unlock(&d->lock);
		return -EFAULT;
	}
	list_remove(&x->link);
	d->rx_bytes -= err_size(x->e.len);
	/* As Linux: the pending error becomes the next queued one's, or none. */
	d->err = list_empty(&d->errq)
			 ? 0
			 : (int)container_of(d->errq.next, struct dgram_err, link)->e.ee.ee_errno;
	spin_unlock(&d->lock);
	*e = x->e;
	*truncated = n < x->e.len;
	kfree(x);
	return (ssize_t)n;
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
	if (d->err || !list_empty(&d->errq))
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
