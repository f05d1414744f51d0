/*
 * TCP connections' life (tcp.h): allocating and freeing a tcb, the
 * connection and port tables, binding and ephemeral ports, listening and
 * the listener's queues (bounded: a SYN flood cannot take more than
 * TCP_HALF_OPEN_MAX half-open children, and a full queue drops its
 * oldest), connecting, shutdown and close.
 */
#include "net/tcp.h"
#include "net/inet.h"
#include "net/netif.h"
#include "net/netcfg.h"
#include "dev/krandom.h"
#include "dev/pkb.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"
#include "sched/park.h"

#define CONN_HASH 1024
#define PORT_HASH 256

static struct spinlock tcp_lock = SPINLOCK_INIT;
static struct list_node conn_table[CONN_HASH]; /* [t] */
static struct list_node port_table[PORT_HASH]; /* [t] */
static bool tables_ready;			/* [t] */
static u32 half_open;				/* [a] SYN_RECEIVED children everywhere */
static u64 iss_secret;				/* [I after first use] */
static u64 next_ino = 200000;			/* [a] */

static void tables_init_locked(void)
{
	if (tables_ready)
		return;
	for (u32 i = 0; i < CONN_HASH; i++)
		list_init(&conn_table[i]);
	for (u32 i = 0; i < PORT_HASH; i++)
		list_init(&port_table[i]);
	tables_ready = true;
}

static u32 conn_hash(u32 laddr, u16 lport, u32 faddr, u16 fport)
{
	u32 h = laddr ^ faddr ^ ((u32)lport << 16 | fport);
	h ^= h >> 16;
	h *= 0x45d9f3b;
	h ^= h >> 16;
	return h % CONN_HASH;
}

static struct list_node *port_bucket(u16 port)
{
	return &port_table[ntohs(port) % PORT_HASH];
}

static u64 mix64(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9UL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebUL;
	x ^= x >> 31;
	return x;
}

static u32 test_iss[2]; /* [a] tcp_selftest_next_iss's, taken once each */

void tcp_selftest_next_iss(u32 first, u32 second)
{
	__atomic_store_n(&test_iss[1], second, __ATOMIC_RELAXED);
	__atomic_store_n(&test_iss[0], first, __ATOMIC_RELEASE);
}

/* RFC 6528: a clock that ticks every 4 us plus a keyed hash of the connection. */
u32 tcp_new_iss(u32 laddr, u16 lport, u32 faddr, u16 fport)
{
	for (int i = 0; i < 2; i++) {
		u32 forced = __atomic_exchange_n(&test_iss[i], 0, __ATOMIC_ACQ_REL);
		if (forced)
			return forced;
	}
	if (!__atomic_load_n(&iss_secret, __ATOMIC_RELAXED))
		__atomic_store_n(&iss_secret, krandom_u64() | 1, __ATOMIC_RELAXED);
	u64 f = mix64(iss_secret ^ mix64((u64)laddr << 32 | faddr) ^ ((u64)lport << 16 | fport));
	return (u32)(tsc_ns() / 4000) + (u32)f;
}

/* ---- rings ---- */

u32 tcp_ring_size(u32 want)
{
	u32 s = TCP_BUF_MIN;
	while (s < want && s < TCP_BUF_MAX)
		s <<= 1;
	return s;
}

bool tcp_ring_alloc(struct tcp_ring *r, u32 size)
{
	u32 s = tcp_ring_size(size);
	r->buf = kmalloc(s);
	if (!r->buf)
		return false;
	r->size = s;
	r->head = r->len = 0;
	return true;
}

void tcp_ring_free(struct tcp_ring *r)
{
	kfree(r->buf);
	*r = (struct tcp_ring){0};
}

void tcp_ring_read(const struct tcp_ring *r, u32 off, void *dst, u32 n)
{
	u32 pos = (r->head + off) & (r->size - 1);
	u32 first = MIN(n, r->size - pos);
	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy((u8 *)dst + first, r->buf, n - first);
}

void tcp_ring_write(struct tcp_ring *r, u32 off, const void *src, u32 n)
{
	u32 pos = (r->head + off) & (r->size - 1);
	u32 first = MIN(n, r->size - pos);
	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, (const u8 *)src + first, n - first);
}

bool tcp_rings_alloc_locked(struct tcb *t)
{
	assert(spin_is_locked(&t->lock));
	if (!t->rcv.size && !tcp_ring_alloc(&t->rcv, t->rcvbuf))
		return false;
	if (!t->snd.size && !tcp_ring_alloc(&t->snd, t->sndbuf))
		return false;
	return true;
}

/* ---- tcbs ---- */

struct tcb *tcb_new(void)
{
	struct tcb *t = knew(struct tcb);
	if (!t)
		return NULL;
	t->lock = (struct spinlock)SPINLOCK_INIT;
	t->refs = 1;
	t->state = TCP_CLOSED;
	t->inode = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
	t->rcvbuf = TCP_RCVBUF;
	t->sndbuf = TCP_SNDBUF;
	t->rto_us = TCP_RTO_INIT_US;
	t->keepidle_s = TCP_KEEPIDLE_S;
	t->keepintvl_s = TCP_KEEPINTVL_S;
	t->keepcnt = TCP_KEEPCNT_DEF;
	t->mss = TCP_DEFAULT_MSS;
	t->quickacks = 16;
	list_init(&t->synq);
	list_init(&t->acceptq);
	waitq_init(&t->wq);
	tcp_timer_start(t);
	return t;
}

void tcb_get(struct tcb *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

bool tcb_tryget(struct tcb *t)
{
	u32 r = __atomic_load_n(&t->refs, __ATOMIC_RELAXED);
	do {
		if (!r)
			return false;
	} while (!__atomic_compare_exchange_n(&t->refs, &r, r + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

/* Drop a reference that cannot be the last (the caller holds another). */
static void tcb_put_not_last(struct tcb *t)
{
	u32 r = __atomic_sub_fetch(&t->refs, 1, __ATOMIC_RELEASE);
	assert(r > 0);
}

void tcb_put(struct tcb *t)
{
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* The timer task frees it (tcp_timer.c): it is the last thing that may wake on it. */
	__atomic_store_n(&t->dead, true, __ATOMIC_RELEASE);
	task_wake(&t->task);
}

struct tcb *tcp_socket(void)
{
	return tcb_new();
}

/* ---- tables ---- */

int tcp_hash_conn_locked(struct tcb *t)
{
	assert(spin_is_locked(&t->lock));
	spin_lock(&tcp_lock);
	/* A listener's child holds the listener's port too: bind(2) must see it (TIME_WAIT). */
	bool child = !t->in_port;
	tables_init_locked();
	struct list_node *b = &conn_table[conn_hash(t->laddr, t->lport, t->faddr, t->fport)];
	struct list_node *pos;
	list_for_each(pos, b)
	{
		struct tcb *o = container_of(pos, struct tcb, hlink);
		if (o->laddr == t->laddr && o->lport == t->lport && o->faddr == t->faddr &&
		    o->fport == t->fport) {
			spin_unlock(&tcp_lock);
			return -EADDRINUSE;
		}
	}
	list_push_back(b, &t->hlink);
	t->in_conn = true;
	tcb_get(t);
	if (child) {
		list_push_back(port_bucket(t->lport), &t->plink);
		t->in_port = true;
		tcb_get(t);
	}
	spin_unlock(&tcp_lock);
	return 0;
}

static void unhash_locked(struct tcb *t)
{
	bool conn, port;
	spin_lock(&tcp_lock);
	conn = t->in_conn;
	port = t->in_port;
	if (conn)
		list_remove(&t->hlink);
	if (port)
		list_remove(&t->plink);
	t->in_conn = t->in_port = false;
	spin_unlock(&tcp_lock);
	/* The tables' references: never the last, the caller holds one. */
	if (conn)
		tcb_put_not_last(t);
	if (port)
		tcb_put_not_last(t);
}

struct tcb *tcp_lookup(u32 saddr, u16 sport, u32 daddr, u16 dport, bool *is_listener)
{
	struct tcb *found = NULL, *listener = NULL;
	int best = -1;
	u32 ties = 0;
	spin_lock(&tcp_lock);
	if (!tables_ready)
		goto out;
	struct list_node *pos;
	list_for_each(pos, &conn_table[conn_hash(daddr, dport, saddr, sport)])
	{
		struct tcb *t = container_of(pos, struct tcb, hlink);
		if (t->lport == dport && t->fport == sport && t->laddr == daddr &&
		    t->faddr == saddr) {
			found = t;
			break;
		}
	}
	if (!found) {
		list_for_each(pos, port_bucket(dport))
		{
			struct tcb *t = container_of(pos, struct tcb, plink);
			if (t->state != TCP_LISTEN || t->lport != dport ||
			    (t->laddr && t->laddr != daddr))
				continue;
			int score = t->laddr ? 1 : 0;
			if (score > best) {
				best = score;
				listener = t;
				ties = 1;
			} else if (score == best && t->reuseport) {
				/* SO_REUSEPORT: spread connections over the group by the peer's address. */
				ties++;
				if ((ntohl(saddr) ^ ntohs(sport)) % ties == 0)
					listener = t;
			}
		}
		found = listener;
	}
	if (found)
		tcb_get(found);
out:
	spin_unlock(&tcp_lock);
	*is_listener = found && found == listener;
	return found;
}

/* May t take addr:port (network order) beside those holding it? [t] held. */
static bool port_free_locked(struct tcb *t, u32 addr, u16 port)
{
	struct list_node *pos;
	list_for_each(pos, port_bucket(port))
	{
		struct tcb *o = container_of(pos, struct tcb, plink);
		if (o == t || o->lport != port)
			continue;
		if (o->laddr && addr && o->laddr != addr)
			continue;
		if (t->reuseport && o->reuseport)
			continue;
		/* SO_REUSEADDR on both, and the other is not listening (Linux's rule). */
		if (t->reuseaddr && o->reuseaddr && o->state != TCP_LISTEN)
			continue;
		return false;
	}
	return true;
}

/* Is there any connection on this port at all? (an ephemeral port must be unused) */
static bool port_unused_locked(u16 port)
{
	struct list_node *pos;
	list_for_each(pos, port_bucket(port))
	{
		if (container_of(pos, struct tcb, plink)->lport == port)
			return false;
	}
	return true;
}

static int bind_locked(struct tcb *t, u32 addr, u16 port)
{
	tables_init_locked();
	if (!port) {
		u32 span = PORT_EPH_HI - PORT_EPH_LO + 1;
		u32 start = (u32)krandom_u64() % span;
		for (u32 i = 0; i < span && !port; i++) {
			u16 p = htons((u16)(PORT_EPH_LO + (start + i) % span));
			if (port_unused_locked(p))
				port = p;
		}
		if (!port)
			return -EADDRNOTAVAIL;
	} else if (!port_free_locked(t, addr, port)) {
		return -EADDRINUSE;
	}
	t->laddr = addr;
	t->lport = port;
	list_push_back(port_bucket(port), &t->plink);
	t->in_port = true;
	tcb_get(t);
	return 0;
}

int tcp_bind(struct tcb *t, u32 addr, u16 port)
{
	bool bcast;
	if (addr && (!ip_is_local(addr, &bcast) || bcast))
		return -EADDRNOTAVAIL;
	spin_lock(&t->lock);
	int rc;
	if (t->state != TCP_CLOSED || t->in_port) {
		rc = -EINVAL;
	} else {
		spin_lock(&tcp_lock);
		rc = bind_locked(t, addr, port);
		spin_unlock(&tcp_lock);
	}
	spin_unlock(&t->lock);
	return rc;
}

/* ---- states ---- */

void tcp_set_state_locked(struct tcb *t, u8 state)
{
	assert(spin_is_locked(&t->lock));
	u8 old = t->state;
	t->state = state;
	if (state == TCP_TIME_WAIT) {
		/* Nothing more to send or time but the 2 MSL wait (RFC 9293 section 3.6.1). */
		t->t_rexmt = t->t_persist = t->t_keep = t->t_delack = 0;
		t->t_wait = tsc_ns() + 2 * TCP_MSL_NS;
		tcp_timer_kick_locked(t, t->t_wait);
		tcp_ring_free(&t->snd);
		if (t->orphan)
			tcp_ring_free(&t->rcv);
	}
	if (state == TCP_FIN_WAIT_2 && t->orphan) {
		t->t_wait = tsc_ns() + TCP_FIN_TIMEOUT_NS;
		tcp_timer_kick_locked(t, t->t_wait);
	}
	if (old != state)
		waitq_wake_all(&t->wq);
}

/* A listener's child that will not be accepted: out of its queue, its reference dropped. */
static void child_unlink(struct tcb *c)
{
	struct tcb *l = c->parent;
	if (!l)
		return;
	bool was_queued = false;
	spin_lock(&l->lock);
	if (c->parent == l && l->state == TCP_LISTEN) {
		list_remove(&c->qlink);
		if (c->in_acceptq)
			l->naccept--;
		else {
			l->nsyn--;
			__atomic_sub_fetch(&half_open, 1, __ATOMIC_RELAXED);
		}
		was_queued = true;
	}
	spin_unlock(&l->lock);
	c->parent = NULL;
	tcb_put(l);
	/* The queue's reference on the child is dropped by whoever owns the queue now. */
	if (was_queued)
		tcb_put_not_last(c);
}

void tcp_set_closed_locked(struct tcb *t)
{
	assert(spin_is_locked(&t->lock));
	if (t->parent)
		child_unlink(t);
	t->state = TCP_CLOSED;
	t->t_rexmt = t->t_delack = t->t_persist = t->t_keep = t->t_wait = 0;
	unhash_locked(t);
	if (t->orphan) {
		tcp_ring_free(&t->snd);
		tcp_ring_free(&t->rcv);
	}
	waitq_wake_all(&t->wq);
}

struct tcb *tcp_child_new_locked(struct tcb *l, struct pkb *p)
{
	assert(spin_is_locked(&l->lock));
	/* A full queue drops its oldest half-open child: a flood keeps the queue fresh. */
	if (l->nsyn + l->naccept >= l->backlog ||
	    __atomic_load_n(&half_open, __ATOMIC_RELAXED) >= TCP_HALF_OPEN_MAX) {
		if (list_empty(&l->synq) || l->naccept >= l->backlog)
			return NULL;
		return (struct tcb *)-1; /* the caller evicts, then asks again */
	}
	struct tcb *c = tcb_new();
	if (!c)
		return NULL;
	c->laddr = p->dst;
	c->lport = p->dport;
	c->faddr = p->src;
	c->fport = p->sport;
	c->reuseaddr = l->reuseaddr;
	c->reuseport = l->reuseport;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->keepidle_s = l->keepidle_s;
	c->keepintvl_s = l->keepintvl_s;
	c->keepcnt = l->keepcnt;
	c->user_mss = l->user_mss;
	c->rcvbuf = l->rcvbuf;
	c->sndbuf = l->sndbuf;
	c->linger_on = l->linger_on;
	c->linger_s = l->linger_s;
	c->ttl = l->ttl;
	c->tos = l->tos;
	c->parent = l;
	tcb_get(l);
	list_push_back(&l->synq, &c->qlink);
	l->nsyn++;
	__atomic_add_fetch(&half_open, 1, __ATOMIC_RELAXED);
	/* The queue owns the tcb_new reference; hashing adds the tables'. */
	return c;
}

/* Evict a listener's oldest half-open child; called without the listener's lock. */
void tcp_evict_oldest_syn(struct tcb *l)
{
	spin_lock(&l->lock);
	struct tcb *c = list_empty(&l->synq) ? NULL : container_of(l->synq.next, struct tcb, qlink);
	if (c)
		tcb_get(c);
	spin_unlock(&l->lock);
	if (!c)
		return;
	spin_lock(&c->lock);
	if (c->state == TCP_SYN_RECEIVED && c->parent == l)
		tcp_set_closed_locked(c);
	spin_unlock(&c->lock);
	tcb_put(c);
}

bool tcp_child_established_locked(struct tcb *c)
{
	assert(spin_is_locked(&c->lock));
	struct tcb *l = c->parent;
	if (!l)
		return true;
	bool ok = false;
	spin_lock(&l->lock);
	if (c->parent == l && l->state == TCP_LISTEN && l->naccept < l->backlog) {
		list_remove(&c->qlink);
		l->nsyn--;
		__atomic_sub_fetch(&half_open, 1, __ATOMIC_RELAXED);
		list_push_back(&l->acceptq, &c->qlink);
		l->naccept++;
		c->in_acceptq = true;
		ok = true;
	}
	spin_unlock(&l->lock);
	if (ok)
		waitq_wake_all(&l->wq);
	return ok;
}

int tcp_listen(struct tcb *t, int backlog)
{
	if (backlog < 0)
		backlog = 0;
	u32 b = MIN((u32)backlog, (u32)TCP_SOMAXCONN);
	if (b == 0)
		b = 1; /* Linux: a backlog of 0 still takes one connection */
	spin_lock(&t->lock);
	int rc = 0;
	if (t->state == TCP_LISTEN) {
		t->backlog = b;
	} else if (t->state != TCP_CLOSED) {
		rc = -EINVAL;
	} else {
		spin_lock(&tcp_lock);
		if (!t->in_port)
			rc = bind_locked(t, INADDR_ANY, 0);
		else if (!t->reuseport) {
			/* Another listener on the port (bound with SO_REUSEADDR while we were not). */
			struct list_node *pos;
			list_for_each(pos, port_bucket(t->lport))
			{
				struct tcb *o = container_of(pos, struct tcb, plink);
				if (o != t && o->lport == t->lport && o->state == TCP_LISTEN &&
				    (!o->laddr || !t->laddr || o->laddr == t->laddr))
					rc = -EADDRINUSE;
			}
		}
		if (!rc) {
			t->state = TCP_LISTEN;
			t->backlog = b;
		}
		spin_unlock(&tcp_lock);
	}
	spin_unlock(&t->lock);
	return rc;
}

long tcp_accept(struct tcb *t, const struct net_wait *w, struct tcb **out)
{
	spin_lock(&t->lock);
	if (t->state != TCP_LISTEN) {
		spin_unlock(&t->lock);
		return -EINVAL;
	}
	if (list_empty(&t->acceptq)) {
		long r = net_wait(&t->wq, w);
		spin_unlock(&t->lock);
		return r;
	}
	struct tcb *c = container_of(list_pop_front(&t->acceptq), struct tcb, qlink);
	t->naccept--;
	c->in_acceptq = false;
	spin_unlock(&t->lock);
	/* The queue's reference is the new socket's now. */
	spin_lock(&c->lock);
	c->parent = NULL;
	spin_unlock(&c->lock);
	tcb_put(t);
	*out = c;
	return 0;
}

long tcp_connect(struct tcb *t, u32 addr, u16 port, const struct net_wait *w)
{
	if (!port || !addr || addr == INADDR_BROADCAST || ip_is_multicast(addr))
		return port ? -ENETUNREACH : -ECONNREFUSED;
	/* No route yet while DHCP is on its first round: a blocking connect waits for it. */
	if (!w->nonblock && ip_source_for(addr, NULL, NULL) == -ENETUNREACH && netcfg_pending()) {
		long r = netcfg_wait();
		if (r)
			return r;
	}
	spin_lock(&t->lock);
	long rc;
	switch (t->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		/* A blocking connect that parked runs again here: it waits on. */
		if (!park_restarting() || w->nonblock) {
			rc = -EALREADY;
			goto out;
		}
		rc = net_wait(&t->wq, w);
		if (rc == -EAGAIN)
			rc = -EINPROGRESS;
		goto out;
	case TCP_CLOSED:
		if (t->err) {
			/* The last attempt failed: say so once (as Linux does). */
			rc = -t->err;
			t->err = 0;
			goto out;
		}
		break;
	case TCP_LISTEN:
		rc = -EISCONN;
		goto out;
	default:
		if (park_restarting()) {
			rc = 0; /* our blocking connect's wait is over */
			goto out;
		}
		rc = -EISCONN;
		goto out;
	}
	/* Where it goes: a network being configured (DHCP) is waited for. */
	u32 src, mtu;
	rc = ip_source_for(addr, &src, &mtu);
	if (rc) {
		spin_unlock(&t->lock);
		return rc;
	}
	bool bcast;
	t->loopback = ip_is_local(addr, &bcast);
	if (!t->laddr || (ip_is_loopback(addr) && !ip_is_loopback(t->laddr)))
		t->laddr = src;
	spin_lock(&tcp_lock);
	rc = 0;
	if (!t->in_port)
		rc = bind_locked(t, t->laddr, 0);
	spin_unlock(&tcp_lock);
	if (rc)
		goto out;
	t->faddr = addr;
	t->fport = port;
	rc = tcp_hash_conn_locked(t);
	if (rc) {
		t->faddr = 0;
		t->fport = 0;
		rc = -EADDRNOTAVAIL;
		goto out;
	}
	if (!tcp_rings_alloc_locked(t)) {
		tcp_set_closed_locked(t);
		rc = -ENOBUFS;
		goto out;
	}
	u32 mss = mtu - IP_HLEN - 20;
	t->rcv_mss = MIN(mss, (u32)TCP_SEG_MAX);
	t->iss = tcp_new_iss(t->laddr, t->lport, t->faddr, t->fport);
	t->snd_una = t->iss;
	t->snd_nxt = t->snd_max = t->iss;
	t->snd_seq0 = t->iss + 1;
	t->err = t->soft_err = 0;
	t->state = TCP_SYN_SENT;
	tcp_send_syn_locked(t);
	if (w->nonblock) {
		rc = -EINPROGRESS;
		goto out;
	}
	rc = net_wait(&t->wq, w);
	if (rc == -EAGAIN)
		rc = -EINPROGRESS; /* SO_SNDTIMEO ran out: Linux says EINPROGRESS */
out:
	spin_unlock(&t->lock);
	net_flush();
	return rc;
}

/* Queue our FIN after the data (RFC 9293 section 3.10.4). Caller holds t->lock. */
static void send_fin_locked(struct tcb *t)
{
	switch (t->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		t->fin_queued = true;
		tcp_set_state_locked(t, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		t->fin_queued = true;
		tcp_set_state_locked(t, TCP_LAST_ACK);
		break;
	default:
		return;
	}
	tcp_output_locked(t);
}

int tcp_shutdown(struct tcb *t, int how)
{
	if (how < 0 || how > 2)
		return -EINVAL;
	spin_lock(&t->lock);
	int rc = 0;
	switch (t->state) {
	case TCP_CLOSED:
	case TCP_SYN_SENT:
		rc = -ENOTCONN;
		break;
	case TCP_LISTEN:
		/* Linux: shutting a listener's reading side stops it listening. */
		if (how == 1)
			rc = -ENOTCONN;
		break;
	default:
		if (how != 1)
			t->shut_rd = true;
		if (how != 0)
			send_fin_locked(t);
		break;
	}
	bool stop_listen = !rc && t->state == TCP_LISTEN;
	waitq_wake_all(&t->wq);
	spin_unlock(&t->lock);
	if (stop_listen)
		tcp_close_listener(t);
	net_flush();
	return rc;
}

/* Close a listener: reset every child it still holds. */
void tcp_close_listener(struct tcb *l)
{
	struct list_node kids;
	list_init(&kids);
	spin_lock(&l->lock);
	if (l->state != TCP_LISTEN) {
		spin_unlock(&l->lock);
		return;
	}
	/* [p] the queues are ours once the state says CLOSED. */
	while (!list_empty(&l->synq))
		list_push_back(&kids, list_pop_front(&l->synq));
	while (!list_empty(&l->acceptq))
		list_push_back(&kids, list_pop_front(&l->acceptq));
	__atomic_sub_fetch(&half_open, l->nsyn, __ATOMIC_RELAXED);
	l->nsyn = l->naccept = 0;
	tcp_set_closed_locked(l);
	spin_unlock(&l->lock);
	while (!list_empty(&kids)) {
		struct tcb *c = container_of(list_pop_front(&kids), struct tcb, qlink);
		spin_lock(&c->lock);
		if (c->parent == l) {
			c->parent = NULL;
			tcb_put(l);
		}
		c->orphan = true;
		if (c->state != TCP_CLOSED) {
			tcp_send_rst_locked(c);
			tcp_set_closed_locked(c);
		}
		spin_unlock(&c->lock);
		tcb_put(c); /* the queue's reference */
	}
}

void tcp_close(struct tcb *t)
{
	spin_lock(&t->lock);
	u8 st = t->state;
	spin_unlock(&t->lock);
	if (st == TCP_LISTEN)
		tcp_close_listener(t);
	spin_lock(&t->lock);
	t->orphan = true;
	switch (t->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
		tcp_set_closed_locked(t);
		break;
	case TCP_SYN_SENT:
		tcp_set_closed_locked(t);
		break;
	default:
		/*
		 * Unread data, or SO_LINGER with a zero time: an abortive close
		 * (RFC 2525 section 2.17; the socket API's linger semantics).
		 */
		if ((t->rcv.len && !t->shut_rd) || (t->linger_on && t->linger_s == 0)) {
			if (t->state != TCP_TIME_WAIT)
				tcp_send_rst_locked(t);
			tcp_set_closed_locked(t);
			break;
		}
		t->shut_rd = true;
		send_fin_locked(t);
		if (t->state == TCP_FIN_WAIT_2)
			tcp_set_state_locked(t, TCP_FIN_WAIT_2); /* starts its timeout */
		/* SO_LINGER with a time: what is not delivered by then is reset. */
		if (t->linger_on && t->state != TCP_TIME_WAIT) {
			t->t_wait = tsc_ns() + (u64)t->linger_s * 1000000000UL;
			tcp_timer_kick_locked(t, t->t_wait);
		}
		break;
	}
	spin_unlock(&t->lock);
	net_flush();
	tcb_put(t);
}

void tcp_foreach(void (*fn)(struct tcb *t, void *arg), void *arg)
{
	/* Take references under the table lock, then visit each under its own lock. */
	enum { BATCH = 64 };
	struct tcb *got[BATCH];
	u32 skip = 0;
	for (;;) {
		u32 n = 0, seen = 0;
		spin_lock(&tcp_lock);
		if (tables_ready)
			for (u32 i = 0; i < PORT_HASH && n < BATCH; i++) {
				struct list_node *pos;
				list_for_each(pos, &port_table[i])
				{
					if (seen++ < skip)
						continue;
					if (n == BATCH)
						break;
					struct tcb *t = container_of(pos, struct tcb, plink);
					tcb_get(t);
					got[n++] = t;
				}
			}
		spin_unlock(&tcp_lock);
		for (u32 i = 0; i < n; i++) {
			spin_lock(&got[i]->lock);
			fn(got[i], arg);
			spin_unlock(&got[i]->lock);
			tcb_put(got[i]);
		}
		if (n < BATCH)
			return;
		skip += n;
	}
}
