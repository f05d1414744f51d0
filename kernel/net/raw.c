/*
 * Raw IP sockets (SOCK_RAW): every packet of the socket's protocol that
 * arrives is copied, IP header included, to each raw socket that matches
 * it (busybox ping reads its echo replies this way); what the socket
 * sends is the protocol's message, behind an IP header the kernel
 * writes (IP_HDRINCL is not offered).
 *
 * Locks: raw_lock guards the list and the sockets' address fields, which
 * also change under the socket's own lock. Order: raw_lock -> socket.
 */
#include "net/inet_sock.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "fs/uio.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static struct spinlock raw_lock = SPINLOCK_INIT;
static struct list_node socks = LIST_INIT(socks); /* [raw_lock] */
static u32 nsocks;				   /* [a] */

struct dgram_sock *raw_socket(u8 proto)
{
	struct dgram_sock *d = dgram_new(proto, true);
	if (!d)
		return NULL;
	dgram_get(d); /* the list's */
	spin_lock(&raw_lock);
	list_push_back(&socks, &d->link);
	d->bound = true;
	nsocks++;
	spin_unlock(&raw_lock);
	return d;
}

int raw_bind(struct dgram_sock *d, u32 addr)
{
	bool bcast;
	if (addr && !ip_is_local(addr, &bcast))
		return -EADDRNOTAVAIL;
	spin_lock(&raw_lock);
	spin_lock(&d->lock);
	d->laddr = addr;
	spin_unlock(&d->lock);
	spin_unlock(&raw_lock);
	return 0;
}

int raw_connect(struct dgram_sock *d, u32 addr, bool unspec)
{
	spin_lock(&raw_lock);
	spin_lock(&d->lock);
	d->faddr = unspec ? 0 : addr;
	d->connected = !unspec;
	spin_unlock(&d->lock);
	spin_unlock(&raw_lock);
	return 0;
}

ssize_t raw_send(struct dgram_sock *d, struct uio *u, bool has_dst, u32 addr, int flags)
{
	size_t len = u->resid;
	if (len > IP_MAXPACKET - IP_HLEN)
		return -EMSGSIZE;
	spin_lock(&d->lock);
	if (!has_dst) {
		if (!d->connected) {
			spin_unlock(&d->lock);
			return -EDESTADDRREQ;
		}
		addr = d->faddr;
	}
	u32 src = d->laddr;
	struct ip_opts o = d->ipo;
	spin_unlock(&d->lock);
	struct pkb *p = pkb_alloc(PKB_HEADROOM, (u32)len);
	if (!p)
		return -ENOBUFS;
	if (uio_copy_in(u, p->data, len) < 0) {
		pkb_free(p);
		return -EFAULT;
	}
	int rc = ip_send(p, src, addr, d->proto, &o);
	net_flush();
	return rc ? rc : (ssize_t)len;
}

void raw_close(struct dgram_sock *d)
{
	spin_lock(&raw_lock);
	list_remove(&d->link);
	nsocks--;
	spin_unlock(&raw_lock);
	dgram_put(d); /* the list's */
	dgram_put(d);
}

void raw_input(struct pkb *p)
{
	if (!__atomic_load_n(&nsocks, __ATOMIC_RELAXED))
		return;
	struct dgram_sock *hits[16];
	u32 n = 0;
	spin_lock(&raw_lock);
	struct list_node *pos;
	list_for_each(pos, &socks)
	{
		struct dgram_sock *d = container_of(pos, struct dgram_sock, link);
		if (d->proto != p->proto || (d->laddr && d->laddr != p->dst) ||
		    (d->connected && d->faddr != p->src))
			continue;
		if (n == ARRAY_SIZE(hits))
			break;
		dgram_get(d);
		hits[n++] = d;
	}
	spin_unlock(&raw_lock);
	u32 whole = (u32)(p->data + p->len - p->nh);
	for (u32 i = 0; i < n; i++) {
		struct pkb *c = pkb_alloc(0, whole);
		if (c) {
			memcpy(c->data, p->nh, whole);
			c->src = p->src;
			c->dst = p->dst;
			dgram_deliver(hits[i], c);
		}
		dgram_put(hits[i]);
	}
}
