/*
 * AF_INET sockets: the IPv4 family's operations for the socket layer
 * (net.h): SOCK_STREAM over TCP (tcb), SOCK_DGRAM over UDP and SOCK_RAW
 * for one IP protocol (dgram_sock). Here addresses become sockaddr_in,
 * the core's options (SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER, buffer
 * sizes, SO_BROADCAST) reach the protocols, and IPPROTO_IP and
 * IPPROTO_TCP options are answered; the interface and route ioctls are
 * in inet_ioctl.c.
 *
 * so->sk is the protocol's object (a tcb or a dgram_sock, by so->type),
 * holding the socket's reference to it; each protocol object has its own
 * lock, and this file keeps no state of its own.
 */
#include "net/net.h"
#include "net/inet.h"
#include "net/inet_sock.h"
#include "net/netif.h"
#include "net/tcp.h"
#include "fs/abi.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* sockaddr_in (netinet/in.h) */
struct sockaddr_in_k {
	u16 family;
	u16 port; /* network order */
	u32 addr; /* network order */
	u8 zero[8];
};

/* IPPROTO_IP options (linux/in.h) */
#define IP_TOS 1
#define IP_TTL 2
#define IP_HDRINCL 3
#define IP_PKTINFO 8
#define IP_MTU_DISCOVER 10
#define IP_RECVERR 11
#define IP_PMTUDISC_DONT 0
#define IP_PMTUDISC_DO 2
#define IP_PMTUDISC_PROBE 3

/*
 * An address from the caller: AF_INET and at least sizeof(sockaddr_in)
 * bytes (EINVAL), or AF_UNSPEC where Linux takes it (*unspec).
 */
static int get_sin(const struct sockaddr_storage *a, u32 len, u32 *addr, u16 *port, bool *unspec)
{
	const struct sockaddr_in_k *sin = (const struct sockaddr_in_k *)a;
	*unspec = false;
	if (len < sizeof(u16))
		return -EINVAL;
	if (sin->family == AF_UNSPEC) {
		*unspec = true;
		*addr = 0;
		*port = len >= 4 ? sin->port : 0;
		return 0;
	}
	if (len < sizeof *sin)
		return -EINVAL;
	if (sin->family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = sin->addr;
	*port = sin->port;
	return 0;
}

static int put_sin(struct sockaddr_storage *a, u32 addr, u16 port)
{
	struct sockaddr_in_k *sin = (struct sockaddr_in_k *)a;
	*sin = (struct sockaddr_in_k){.family = AF_INET, .port = port, .addr = addr};
	return sizeof *sin;
}

static bool opt(struct socket *so, u32 bit)
{
	return __atomic_load_n(&so->opts, __ATOMIC_RELAXED) & bit;
}

static struct net_wait waiting(u32 flags, u64 deadline)
{
	return (struct net_wait){.nonblock = flags & MSG_DONTWAIT, .deadline = deadline};
}

/* A core-kept buffer size as a ring size for TCP: Linux's TCP defaults unless set. */
static u32 tcp_buf(u32 v, u32 dflt)
{
	return v == SOCK_DEFAULT_BUF ? dflt : v;
}

/* The core's SOL_SOCKET options a TCP connection acts on, copied before each use. */
static void tcp_sync(struct socket *so)
{
	struct tcb *t = so->sk;
	tcp_set_sockopt(t, TSO_REUSEADDR, opt(so, SOF_REUSEADDR));
	tcp_set_sockopt(t, TSO_REUSEPORT, opt(so, SOF_REUSEPORT));
	tcp_set_sockopt(t, TSO_RCVBUF,
			(int)tcp_buf(__atomic_load_n(&so->rcvbuf, __ATOMIC_RELAXED), TCP_RCVBUF));
	tcp_set_sockopt(t, TSO_SNDBUF,
			(int)tcp_buf(__atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED), TCP_SNDBUF));
	if (opt(so, SOF_KEEPALIVE) != t->keepalive)
		tcp_set_sockopt(t, TSO_KEEPALIVE, opt(so, SOF_KEEPALIVE));
}

/*
 * SO_KEEPALIVE set on a connection already open: the core keeps the bit
 * without telling the family, so each call on the socket (a server that
 * set it after accept and waits in recv calls one) brings it over.
 */
static void tcp_keepalive_sync(struct socket *so)
{
	struct tcb *t = so->sk;
	bool want = opt(so, SOF_KEEPALIVE);
	if (want != __atomic_load_n(&t->keepalive, __ATOMIC_RELAXED))
		tcp_set_sockopt(t, TSO_KEEPALIVE, want);
}

static void dgram_sync(struct socket *so)
{
	struct dgram_sock *d = so->sk;
	spin_lock(&d->lock);
	d->reuseaddr = opt(so, SOF_REUSEADDR);
	d->reuseport = opt(so, SOF_REUSEPORT);
	d->ipo.bcast_ok = opt(so, SOF_BROADCAST);
	d->rcvbuf = __atomic_load_n(&so->rcvbuf, __ATOMIC_RELAXED);
	spin_unlock(&d->lock);
}

/* ---- IPPROTO_IP options, shared by every type ---- */

static int ip_setopt(struct socket *so, u8 *ttl, u8 *tos, bool *df, int name, const void *val,
		     u32 len)
{
	int v = 0;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof v);
	else if (len >= 1)
		v = *(const u8 *)val;
	else
		return -EINVAL;
	switch (name) {
	case IP_TTL:
		if (v == -1)
			v = IP_DEFTTL;
		if (v < 1 || v > 255)
			return -EINVAL;
		*ttl = (u8)v;
		return 0;
	case IP_TOS:
		*tos = (u8)v;
		return 0;
	case IP_MTU_DISCOVER:
		if (v < 0 || v > 5)
			return -EINVAL;
		*df = v == IP_PMTUDISC_DO || v == IP_PMTUDISC_PROBE;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ip_getopt(u8 ttl, u8 tos, bool df, int name, void *val, u32 *len)
{
	int v;
	switch (name) {
	case IP_TTL:
		v = ttl ? ttl : IP_DEFTTL;
		break;
	case IP_TOS:
		v = tos;
		break;
	case IP_MTU_DISCOVER:
		v = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
		break;
	default:
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

/* ---- TCP ---- */

static void tcp_release(struct socket *so)
{
	struct tcb *t = so->sk;
	tcp_set_linger(t, __atomic_load_n(&so->linger.l_onoff, __ATOMIC_RELAXED),
		       (u32)MAX(__atomic_load_n(&so->linger.l_linger, __ATOMIC_RELAXED), 0));
	tcp_close(t);
}

/* Ports below 1024 are privileged (ip(7)): CAP_NET_BIND_SERVICE, else EACCES. */
static int check_port(u16 port)
{
	if (port && ntohs(port) < 1024 && !cred_capable(cur_cred(), CAP_NET_BIND_SERVICE))
		return -EACCES;
	return 0;
}

static int tcp_op_bind(struct socket *so, const struct sockaddr_storage *a, u32 len)
{
	u32 addr;
	u16 port;
	bool unspec;
	int r = get_sin(a, len, &addr, &port, &unspec);
	if (r)
		return r;
	if (unspec && (len < sizeof(struct sockaddr_in_k) || addr))
		return -EAFNOSUPPORT; /* Linux takes AF_UNSPEC only as INADDR_ANY */
	if ((r = check_port(port)))
		return r;
	tcp_sync(so);
	return tcp_bind(so->sk, addr, port);
}

static int tcp_op_connect(struct socket *so, const struct sockaddr_storage *a, u32 len, u32 flags,
			  u64 deadline)
{
	u32 addr;
	u16 port;
	bool unspec;
	int r = get_sin(a, len, &addr, &port, &unspec);
	if (r)
		return r;
	if (unspec)
		return -EAFNOSUPPORT; /* a connected TCP socket cannot be dissolved */
	tcp_sync(so);
	struct net_wait w = {.nonblock = flags & O_NONBLOCK, .deadline = deadline};
	long rc = tcp_connect(so->sk, addr, port, &w);
	return (int)rc;
}

static int tcp_op_listen(struct socket *so, int backlog)
{
	tcp_sync(so);
	int r = tcp_listen(so->sk, backlog);
	if (!r)
		__atomic_store_n(&so->listening, true, __ATOMIC_RELAXED);
	return r;
}

static int tcp_op_accept(struct socket *so, struct socket *nso, u32 flags, u64 deadline)
{
	struct net_wait w = {.nonblock = flags & O_NONBLOCK, .deadline = deadline};
	struct tcb *c;
	long r = tcp_accept(so->sk, &w, &c);
	if (r)
		return (int)r;
	nso->sk = c;
	/* The child inherits the listener's options (Linux copies them at accept). */
	__atomic_store_n(&nso->opts, __atomic_load_n(&so->opts, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	__atomic_store_n(&nso->rcvbuf, __atomic_load_n(&so->rcvbuf, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&nso->sndbuf, __atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	return 0;
}

static int tcp_op_getname(struct socket *so, struct sockaddr_storage *a, bool peer)
{
	u32 addr;
	u16 port;
	if (peer) {
		int r = tcp_peer_addr(so->sk, &addr, &port);
		if (r)
			return r;
	} else {
		tcp_local_addr(so->sk, &addr, &port);
	}
	return put_sin(a, addr, port);
}

static u32 tcp_op_poll(struct socket *so, struct poll_set *ps)
{
	tcp_keepalive_sync(so);
	return tcp_poll(so->sk, ps);
}

static int tcp_op_shutdown(struct socket *so, int how)
{
	return tcp_shutdown(so->sk, how);
}

static int tcp_op_setsockopt(struct socket *so, int level, int name, const void *val, u32 len)
{
	struct tcb *t = so->sk;
	if (level == IPPROTO_TCP) {
		if (len < sizeof(int))
			return -EINVAL;
		int v;
		memcpy(&v, val, sizeof v);
		return tcp_setopt(t, name, v);
	}
	if (level == IPPROTO_IP) {
		spin_lock(&t->lock);
		bool df = true;
		int r = ip_setopt(so, &t->ttl, &t->tos, &df, name, val, len);
		spin_unlock(&t->lock);
		return r;
	}
	return -ENOPROTOOPT;
}

static int tcp_op_getsockopt(struct socket *so, int level, int name, void *val, u32 *len)
{
	struct tcb *t = so->sk;
	if (level == IPPROTO_TCP) {
		int v;
		int r = tcp_getopt(t, name, &v);
		if (!r) {
			memcpy(val, &v, sizeof v);
			*len = sizeof v;
		}
		return r;
	}
	if (level == IPPROTO_IP)
		return ip_getopt(t->ttl, t->tos, true, name, val, len);
	return -ENOPROTOOPT;
}

static ssize_t tcp_op_sendmsg(struct socket *so, struct kmsg *m)
{
	if (m->to && m->tolen) {
		/* sendto on a stream: the address is ignored once connected (Linux: EISCONN if not). */
		struct tcb *t = so->sk;
		if (t->state == TCP_CLOSED || t->state == TCP_LISTEN)
			return -EPIPE;
	}
	tcp_keepalive_sync(so);
	struct net_wait w = waiting(m->flags, m->deadline);
	ssize_t r = tcp_send(so->sk, m->uio, (int)m->flags, &w, &m->done);
	if (r == -EPIPE)
		return m->done ? (ssize_t)m->done : sock_epipe(m->flags);
	return r;
}

static ssize_t tcp_op_recvmsg(struct socket *so, struct kmsg *m)
{
	tcp_keepalive_sync(so);
	struct net_wait w = waiting(m->flags, m->deadline);
	m->fromlen = 0; /* a stream names no sender */
	return tcp_recv(so->sk, m->uio, (int)m->flags, &w, &m->done);
}

long inet_ioctl(struct socket *so, u32 cmd, u64 arg, struct domain *dom);

static int tcp_op_take_error(struct socket *so)
{
	return tcp_take_error(so->sk);
}

static const struct proto_ops tcp_ops = {
	.release = tcp_release,
	.bind = tcp_op_bind,
	.connect = tcp_op_connect,
	.listen = tcp_op_listen,
	.accept = tcp_op_accept,
	.getname = tcp_op_getname,
	.poll = tcp_op_poll,
	.ioctl = inet_ioctl,
	.shutdown = tcp_op_shutdown,
	.setsockopt = tcp_op_setsockopt,
	.getsockopt = tcp_op_getsockopt,
	.sendmsg = tcp_op_sendmsg,
	.recvmsg = tcp_op_recvmsg,
	.take_error = tcp_op_take_error,
};

/* ---- UDP and raw IP ---- */

static void dgram_release(struct socket *so)
{
	struct dgram_sock *d = so->sk;
	if (d->raw)
		raw_close(d);
	else
		udp_close(d);
}

static int dgram_op_bind(struct socket *so, const struct sockaddr_storage *a, u32 len)
{
	struct dgram_sock *d = so->sk;
	u32 addr;
	u16 port;
	bool unspec;
	int r = get_sin(a, len, &addr, &port, &unspec);
	if (r)
		return r;
	if (unspec && (len < sizeof(struct sockaddr_in_k) || addr))
		return -EAFNOSUPPORT;
	if (!d->raw && (r = check_port(port)))
		return r;
	dgram_sync(so);
	return d->raw ? raw_bind(d, addr) : udp_bind(d, addr, port);
}

static int dgram_op_connect(struct socket *so, const struct sockaddr_storage *a, u32 len,
			    u32 flags, u64 deadline)
{
	struct dgram_sock *d = so->sk;
	u32 addr;
	u16 port;
	bool unspec;
	int r = get_sin(a, len, &addr, &port, &unspec);
	if (r)
		return r;
	dgram_sync(so);
	return d->raw ? raw_connect(d, addr, unspec) : udp_connect(d, addr, port, unspec);
}

static int dgram_op_getname(struct socket *so, struct sockaddr_storage *a, bool peer)
{
	struct dgram_sock *d = so->sk;
	spin_lock(&d->lock);
	u32 addr = peer ? d->faddr : d->laddr;
	u16 port = d->raw ? 0 : peer ? d->fport : d->lport;
	bool connected = d->connected;
	spin_unlock(&d->lock);
	if (peer && !connected)
		return -ENOTCONN;
	return put_sin(a, addr, port);
}

static u32 dgram_op_poll(struct socket *so, struct poll_set *ps)
{
	return dgram_poll(so->sk, ps);
}

static int dgram_op_shutdown(struct socket *so, int how)
{
	return dgram_shutdown(so->sk, how);
}

static int dgram_op_setsockopt(struct socket *so, int level, int name, const void *val, u32 len)
{
	struct dgram_sock *d = so->sk;
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	/* IP_RECVERR: UDP's ICMP errors (glibc's resolver turns it on); raw sockets queue none. */
	if (name == IP_RECVERR && !d->raw) {
		int v = 0; /* Linux reads no bytes as 0 here (turning it off), not EINVAL */
		if (len >= sizeof v)
			memcpy(&v, val, sizeof v);
		else if (len >= 1)
			v = *(const u8 *)val;
		dgram_set_recverr(d, v != 0);
		return 0;
	}
	spin_lock(&d->lock);
	int r = ip_setopt(so, &d->ipo.ttl, &d->ipo.tos, &d->ipo.df, name, val, len);
	spin_unlock(&d->lock);
	return r;
}

static int dgram_op_getsockopt(struct socket *so, int level, int name, void *val, u32 *len)
{
	struct dgram_sock *d = so->sk;
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	if (name == IP_RECVERR && !d->raw) {
		int v = __atomic_load_n(&d->recverr, __ATOMIC_RELAXED);
		memcpy(val, &v, sizeof v);
		*len = sizeof v;
		return 0;
	}
	return ip_getopt(d->ipo.ttl, d->ipo.tos, d->ipo.df, name, val, len);
}

static ssize_t dgram_op_sendmsg(struct socket *so, struct kmsg *m)
{
	struct dgram_sock *d = so->sk;
	u32 addr = 0;
	u16 port = 0;
	bool has = false;
	if (m->to && m->tolen) {
		bool unspec;
		int r = get_sin(m->to, m->tolen, &addr, &port, &unspec);
		if (r)
			return r;
		if (unspec)
			return -EAFNOSUPPORT;
		has = true;
	}
	dgram_sync(so);
	ssize_t r = d->raw ? raw_send(d, m->uio, has, addr, (int)m->flags)
			   : udp_send(d, m->uio, has, addr, port, (int)m->flags);
	if (r == -EPIPE)
		return sock_epipe(m->flags);
	return r;
}

static ssize_t dgram_op_recvmsg(struct socket *so, struct kmsg *m)
{
	struct net_wait w = waiting(m->flags, m->deadline);
	u32 src;
	u16 sport;
	bool trunc;
	ssize_t r = dgram_recv(so->sk, m->uio, (int)m->flags, &w, &src, &sport, &trunc);
	if (r < 0)
		return r;
	if (trunc)
		m->out_flags |= MSG_TRUNC;
	if (m->from)
		m->fromlen = (u32)put_sin(m->from, src, sport);
	return r;
}

/* recvmsg(MSG_ERRQUEUE): the data, the destination as the name, and IP_RECVERR's message. */
static ssize_t dgram_op_recv_errqueue(struct socket *so, struct kmsg *m)
{
	struct dgram_icmp_err e;
	bool trunc;
	ssize_t r = dgram_recv_error(so->sk, m->uio, &e, &trunc);
	if (r < 0)
		return r;
	m->out_flags |= MSG_ERRQUEUE | (trunc ? MSG_TRUNC : 0);
	if (m->from)
		m->fromlen = (u32)put_sin(m->from, e.daddr, e.dport);
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in_k offender; /* SO_EE_OFFENDER */
	} c = {.ee = e.ee, .offender = {.family = AF_INET, .addr = e.offender}};
	_Static_assert(sizeof c <= sizeof m->ctl, "IP_RECVERR's message fits kmsg.ctl");
	m->ctl_level = IPPROTO_IP;
	m->ctl_type = IP_RECVERR;
	m->ctl_len = sizeof c;
	memcpy(m->ctl, &c, sizeof c);
	return r;
}

static int dgram_op_take_error(struct socket *so)
{
	return dgram_take_error(so->sk);
}

static const struct proto_ops dgram_ops = {
	.release = dgram_release,
	.bind = dgram_op_bind,
	.connect = dgram_op_connect,
	.getname = dgram_op_getname,
	.poll = dgram_op_poll,
	.ioctl = inet_ioctl,
	.shutdown = dgram_op_shutdown,
	.setsockopt = dgram_op_setsockopt,
	.getsockopt = dgram_op_getsockopt,
	.sendmsg = dgram_op_sendmsg,
	.recvmsg = dgram_op_recvmsg,
	.take_error = dgram_op_take_error,
	.recv_errqueue = dgram_op_recv_errqueue,
};

static int inet_create(struct socket *so)
{
	switch (so->type) {
	case SOCK_STREAM:
		if (so->protocol && so->protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		so->protocol = IPPROTO_TCP;
		so->ops = &tcp_ops;
		so->sk = tcp_socket();
		break;
	case SOCK_DGRAM:
		if (so->protocol && so->protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT; /* ICMP "ping sockets" are not offered: raw ones are */
		so->protocol = IPPROTO_UDP;
		so->ops = &dgram_ops;
		so->sk = udp_socket();
		break;
	case SOCK_RAW:
		/* The kernel writes the IP header: IPPROTO_RAW (IP_HDRINCL) is not offered. */
		if (so->protocol <= 0 || so->protocol >= IPPROTO_RAW)
			return -EPROTONOSUPPORT;
		if (!cred_capable(cur_cred(), CAP_NET_RAW))
			return -EPERM; /* raw(7): only with CAP_NET_RAW */
		so->ops = &dgram_ops;
		so->sk = raw_socket((u8)so->protocol);
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	return so->sk ? 0 : -ENOMEM;
}

NET_FAMILY(inet, AF_INET, NULL, inet_create);
