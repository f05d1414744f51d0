/*
 * UDP (RFC 768, RFC 1122 section 4.1): the table of sockets by local
 * port, binding (with SO_REUSEADDR/SO_REUSEPORT), sending, demultiplexing
 * received datagrams, and ICMP errors for connected sockets.
 *
 * Locks: udp_lock guards the table and every socket's address fields
 * (which also change under the socket's own lock, so either is enough to
 * read them). Order: udp_lock -> socket lock.
 */
#include "net/inet_sock.h"
#include "net/inet.h"
#include "net/netif.h"
#include "net/netcfg.h"
#include "dev/pkb.h"
#include "dev/krandom.h"
#include "fs/uio.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define UDP_HASH 64
#define UDP_HLEN 8
#define UDP_MAX_PAYLOAD (IP_MAXPACKET - IP_HLEN - UDP_HLEN)

static struct spinlock udp_lock = SPINLOCK_INIT;
static struct list_node table[UDP_HASH]; /* [udp_lock] sockets by local port */
static bool table_ready;		 /* [udp_lock] */

static struct list_node *bucket(u16 port)
{
	return &table[ntohs(port) % UDP_HASH];
}

static void table_init_locked(void)
{
	if (table_ready)
		return;
	for (u32 i = 0; i < UDP_HASH; i++)
		list_init(&table[i]);
	table_ready = true;
}

struct dgram_sock *udp_socket(void)
{
	return dgram_new(IPPROTO_UDP, false);
}

/* May d take addr:port beside the sockets already there? */
static bool port_free_locked(struct dgram_sock *d, u32 addr, u16 port)
{
	struct list_node *pos;
	list_for_each(pos, bucket(port))
	{
		struct dgram_sock *o = container_of(pos, struct dgram_sock, link);
		if (o == d || o->lport != port)
			continue;
		if (o->laddr && addr && o->laddr != addr)
			continue;
		if ((d->reuseaddr && o->reuseaddr) || (d->reuseport && o->reuseport))
			continue;
		return false;
	}
	return true;
}

static int bind_locked(struct dgram_sock *d, u32 addr, u16 port)
{
	table_init_locked();
	if (!port) {
		u32 span = PORT_EPH_HI - PORT_EPH_LO + 1;
		u32 start = (u32)krandom_u64() % span;
		for (u32 i = 0; i < span; i++) {
			u16 p = htons((u16)(PORT_EPH_LO + (start + i) % span));
			if (port_free_locked(d, addr, p)) {
				port = p;
				break;
			}
		}
		if (!port)
			return -EADDRINUSE;
	} else if (!port_free_locked(d, addr, port)) {
		return -EADDRINUSE;
	}
	spin_lock(&d->lock);
	d->laddr = addr;
	d->lport = port;
	d->bound = true;
	spin_unlock(&d->lock);
	dgram_get(d); /* the table's reference */
	list_push_back(bucket(port), &d->link);
	return 0;
}

int udp_bind(struct dgram_sock *d, u32 addr, u16 port)
{
	bool bcast;
	if (addr && !ip_is_local(addr, &bcast))
		return -EADDRNOTAVAIL;
	spin_lock(&udp_lock);
	int rc = d->bound ? -EINVAL : bind_locked(d, addr, port);
	spin_unlock(&udp_lock);
	return rc;
}

int udp_connect(struct dgram_sock *d, u32 addr, u16 port, bool unspec)
{
	if (unspec) {
		spin_lock(&udp_lock);
		spin_lock(&d->lock);
		d->connected = false;
		d->faddr = 0;
		d->fport = 0;
		spin_unlock(&d->lock);
		spin_unlock(&udp_lock);
		return 0;
	}
	if (!port)
		return -EINVAL;
	u32 src;
	int rc = ip_source_for(addr, &src, NULL);
	if (rc)
		return rc;
	spin_lock(&udp_lock);
	if (!d->bound)
		rc = bind_locked(d, INADDR_ANY, 0);
	if (!rc) {
		spin_lock(&d->lock);
		/* Linux gives an unbound address the route's source, which getsockname then shows. */
		if (!d->laddr)
			d->laddr = src;
		d->faddr = addr;
		d->fport = port;
		d->connected = true;
		d->err = 0;
		spin_unlock(&d->lock);
	}
	spin_unlock(&udp_lock);
	return rc;
}

ssize_t udp_send(struct dgram_sock *d, struct uio *u, bool has_dst, u32 addr, u16 port,
		 int flags)
{
	size_t len = u->resid;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	spin_lock(&d->lock);
	if (d->shut_wr) {
		spin_unlock(&d->lock);
		return -EPIPE;
	}
	if (!has_dst) {
		if (!d->connected) {
			spin_unlock(&d->lock);
			return -EDESTADDRREQ;
		}
		addr = d->faddr;
		port = d->fport;
	}
	bool bound = d->bound;
	struct ip_opts o = d->ipo;
	spin_unlock(&d->lock);
	if (!port)
		return -EINVAL;
	if (!bound) {
		spin_lock(&udp_lock);
		int rc = d->bound ? 0 : bind_locked(d, INADDR_ANY, 0);
		spin_unlock(&udp_lock);
		if (rc)
			return rc;
	}
	if (!(flags & NET_MSG_DONTWAIT) && ip_source_for(addr, NULL, NULL) == -ENETUNREACH &&
	    netcfg_pending()) {
		long r = netcfg_wait(); /* DHCP's first round is still on */
		if (r)
			return r;
	}
	u32 src = d->laddr;
	u16 sport = d->lport;
	if (!src || (ip_is_loopback(addr) && !ip_is_loopback(src))) {
		int rc = ip_source_for(addr, &src, NULL);
		if (rc)
			return rc;
		if (!src && addr != INADDR_BROADCAST)
			return -ENETUNREACH;
	}
	struct pkb *p = pkb_alloc(PKB_HEADROOM, UDP_HLEN + (u32)len);
	if (!p)
		return -ENOBUFS;
	if (uio_copy_in(u, p->data + UDP_HLEN, len) < 0) {
		pkb_free(p);
		return -EFAULT;
	}
	struct udphdr *h = (struct udphdr *)p->data;
	h->sport = sport;
	h->dport = port;
	h->len = htons((u16)(UDP_HLEN + len));
	h->csum = 0;
	u16 c = csum_fold(csum_add(csum_pseudo(src, addr, IPPROTO_UDP, UDP_HLEN + (u32)len),
				   p->data, p->len));
	h->csum = c ? c : 0xffff; /* 0 means "no checksum" (RFC 768) */
	int rc = ip_send(p, src, addr, IPPROTO_UDP, &o);
	net_flush();
	return rc ? rc : (ssize_t)len;
}

void udp_close(struct dgram_sock *d)
{
	spin_lock(&udp_lock);
	bool was_bound = d->bound;
	if (was_bound) {
		list_remove(&d->link);
		d->bound = false;
	}
	spin_unlock(&udp_lock);
	if (was_bound)
		dgram_put(d);
	dgram_put(d);
}

/* How well d matches a datagram: -1 not at all, higher is more specific. */
static int match(struct dgram_sock *d, struct pkb *p)
{
	if (d->lport != p->dport)
		return -1;
	int score = 0;
	if (d->laddr) {
		if (d->laddr != p->dst)
			return -1;
		score += 2;
	}
	if (d->connected) {
		if (d->faddr != p->src || d->fport != p->sport)
			return -1;
		score += 4;
	}
	return score;
}

void udp_input(struct pkb *p)
{
	if (p->len < UDP_HLEN)
		goto drop;
	struct udphdr *h = (struct udphdr *)p->data;
	u32 ulen = ntohs(h->len);
	if (ulen < UDP_HLEN || ulen > p->len)
		goto drop;
	pkb_trim(p, ulen);
	if (h->csum && p->ifindex != 1 && !(p->flags & PKB_CSUM_OK) &&
	    csum_fold(csum_add(csum_pseudo(p->src, p->dst, IPPROTO_UDP, ulen), p->data, ulen)))
		goto drop;
	p->sport = h->sport;
	p->dport = h->dport;
	pkb_pull(p, UDP_HLEN);

	bool bcast = p->flags & PKB_BCAST;
	struct dgram_sock *best = NULL, *all[16];
	u32 nall = 0, ties = 0;
	int best_score = -1;
	spin_lock(&udp_lock);
	if (table_ready) {
		struct list_node *pos;
		list_for_each(pos, bucket(p->dport))
		{
			struct dgram_sock *d = container_of(pos, struct dgram_sock, link);
			int s = match(d, p);
			if (s < 0)
				continue;
			if (bcast) {
				if (nall < ARRAY_SIZE(all)) {
					dgram_get(d);
					all[nall++] = d;
				}
				continue;
			}
			if (s > best_score) {
				best = d;
				best_score = s;
				ties = 1;
			} else if (s == best_score && d->reuseport) {
				/* SO_REUSEPORT: spread senders over the group by their address. */
				ties++;
				if ((ntohl(p->src) ^ ntohs(p->sport)) % ties == 0)
					best = d;
			}
		}
		if (best)
			dgram_get(best);
	}
	spin_unlock(&udp_lock);
	if (bcast) {
		for (u32 i = 0; i < nall; i++) {
			struct pkb *c = p;
			if (i + 1 < nall) {
				c = pkb_alloc(0, p->len);
				if (c) {
					memcpy(c->data, p->data, p->len);
					c->src = p->src;
					c->sport = p->sport;
					c->dst = p->dst;
				}
			} else {
				p = NULL;
			}
			if (c)
				dgram_deliver(all[i], c);
			dgram_put(all[i]);
		}
		pkb_free(p);
		return;
	}
	if (!best) {
		icmp_send_error(p, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
		goto drop;
	}
	dgram_deliver(best, p);
	dgram_put(best);
	return;
drop:
	pkb_free(p);
}

void udp_icmp_error(const u8 *inner, u32 len, u8 type, u8 code, u32 from, u32 info)
{
	const struct iphdr *ih = (const struct iphdr *)inner;
	const struct udphdr *uh = (const struct udphdr *)(inner + (ih->vhl & 0xf) * 4u);
	int err = 0;
	if (type == ICMP_DEST_UNREACH)
		err = code == ICMP_PORT_UNREACH || code == ICMP_PROT_UNREACH ? ECONNREFUSED
		      : code == ICMP_FRAG_NEEDED				 ? EMSGSIZE
										 : EHOSTUNREACH;
	else if (type == ICMP_TIME_EXCEEDED)
		err = EHOSTUNREACH;
	if (!err)
		return;
	struct dgram_sock *hit = NULL;
	spin_lock(&udp_lock);
	if (table_ready) {
		struct list_node *pos;
		list_for_each(pos, bucket(uh->sport))
		{
			struct dgram_sock *d = container_of(pos, struct dgram_sock, link);
			/*
			 * Only a connected socket hears of it (RFC 1122 section
			 * 4.1.3.3, as Linux), or one that asked (IP_RECVERR).
			 */
			if (d->lport != uh->sport)
				continue;
			if (d->connected ? d->faddr == ih->dst && d->fport == uh->dport
					 : __atomic_load_n(&d->recverr, __ATOMIC_RELAXED) &&
						   (!d->laddr || d->laddr == ih->src)) {
				hit = d;
				dgram_get(d);
				break;
			}
		}
	}
	spin_unlock(&udp_lock);
	if (!hit)
		return;
	if (__atomic_load_n(&hit->recverr, __ATOMIC_RELAXED)) {
		u32 hl = (ih->vhl & 0xf) * 4u;
		struct dgram_icmp_err e = {
			.ee = {.ee_errno = (u32)err, .ee_origin = SO_EE_ORIGIN_ICMP, .ee_type = type,
			       .ee_code = code, .ee_info = code == ICMP_FRAG_NEEDED ? info : 0},
			.offender = from,
			.daddr = ih->dst,
			.dport = uh->dport,
			.payload = inner + hl + 8,
			.len = len - hl - 8, /* icmp_input saw to hl + 8 <= len */
		};
		dgram_queue_icmp_error(hit, &e);
	} else {
		dgram_set_error(hit, err);
	}
	dgram_put(hit);
}

void udp_foreach(void (*fn)(struct dgram_sock *d, void *arg), void *arg)
{
	spin_lock(&udp_lock);
	if (table_ready)
		for (u32 i = 0; i < UDP_HASH; i++) {
			struct list_node *pos;
			list_for_each(pos, &table[i]) fn(container_of(pos, struct dgram_sock, link), arg);
		}
	spin_unlock(&udp_lock);
}
