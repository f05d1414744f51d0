/*
 * What a TCP socket asks of its connection (tcp.h): sending into the
 * send ring, receiving from the receive ring, poll, options and
 * addresses. Every call takes the tcb's lock for its whole run and
 * parks on tcb.wq through net_wait when it must wait (invariant 3): a
 * send that parks midway keeps what it already queued in its progress.
 */
#include "net/tcp.h"
#include "net/inet.h"
#include "net/netif.h"
#include "fs/poll.h"
#include "fs/uio.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define POLLRDHUP 0x2000

static bool can_send(u8 state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT;
}

/* Copy up to n bytes from u into the send ring's tail; bytes copied or -EFAULT. */
static ssize_t ring_fill(struct tcp_ring *r, struct uio *u, u32 n)
{
	u32 done = 0;
	while (done < n) {
		u32 pos = (r->head + r->len) & (r->size - 1);
		u32 chunk = MIN(n - done, r->size - pos);
		if (uio_copy_in(u, r->buf + pos, chunk) < 0)
			return done ? (ssize_t)done : -EFAULT;
		r->len += chunk;
		done += chunk;
	}
	return done;
}

ssize_t tcp_send(struct tcb *t, struct uio *u, int flags, const struct net_wait *w, u64 *donep)
{
	u64 done = *donep;
	spin_lock(&t->lock);
	for (;;) {
		if (t->err) {
			int e = t->err;
			t->err = 0;
			spin_unlock(&t->lock);
			return done ? (ssize_t)done : -e;
		}
		if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED) {
			/* Not connected yet: a blocking send waits for the handshake. */
			*donep = done;
			long r = net_wait(&t->wq, w);
			spin_unlock(&t->lock);
			return done ? (ssize_t)done : r;
		}
		if (!can_send(t->state) || t->fin_queued) {
			bool never = t->state == TCP_CLOSED && !t->snd.size;
			spin_unlock(&t->lock);
			if (done)
				return (ssize_t)done;
			return never ? -ENOTCONN : -EPIPE;
		}
		if (!u->resid)
			break;
		u32 room = tcp_ring_free_space(&t->snd);
		if (!room) {
			tcp_output_locked(t);
			*donep = done;
			long r = net_wait(&t->wq, w);
			spin_unlock(&t->lock);
			net_flush();
			return done ? (ssize_t)done : r;
		}
		ssize_t n = ring_fill(&t->snd, u, (u32)MIN((size_t)room, u->resid));
		if (n < 0) {
			spin_unlock(&t->lock);
			return done ? (ssize_t)done : n;
		}
		done += (u64)n;
		/* MSG_MORE holds a partial segment back, as TCP_CORK does. */
		bool more = (flags & NET_MSG_MORE) && u->resid == 0;
		bool cork = t->cork;
		if (more)
			t->cork = true;
		tcp_output_locked(t);
		t->cork = cork;
	}
	spin_unlock(&t->lock);
	net_flush();
	*donep = done;
	return (ssize_t)done;
}

/* After a read made room: tell the peer if the window grew enough to matter. */
static void window_update_locked(struct tcb *t)
{
	u32 adv = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	u32 space = tcp_ring_free_space(&t->rcv);
	if (space > adv && space - adv >= MIN(t->rcv.size / 2, 2 * t->rcv_mss)) {
		t->ack_now = true;
		tcp_output_locked(t);
	}
}

ssize_t tcp_recv(struct tcb *t, struct uio *u, int flags, const struct net_wait *w, u64 *donep)
{
	if (flags & NET_MSG_OOB)
		return -EINVAL; /* urgent data is not kept apart (SO_OOBINLINE behaviour) */
	bool waitall = (flags & NET_MSG_WAITALL) && !(flags & NET_MSG_PEEK);
	u64 done = waitall ? *donep : 0;
	spin_lock(&t->lock);
	for (;;) {
		if (t->state == TCP_LISTEN) {
			spin_unlock(&t->lock);
			return -ENOTCONN;
		}
		u32 avail = t->rcv.len;
		if (avail && u->resid) {
			u32 n = (u32)MIN((size_t)avail, u->resid);
			ssize_t r;
			if (flags & NET_MSG_TRUNC) {
				uio_skip(u, n); /* Linux: discard without copying */
				r = 0;
			} else {
				u32 pos = t->rcv.head, first = MIN(n, t->rcv.size - pos);
				r = uio_copy_out(u, t->rcv.buf + pos, first);
				if (!r && n > first)
					r = uio_copy_out(u, t->rcv.buf, n - first);
			}
			if (r < 0) {
				spin_unlock(&t->lock);
				return done ? (ssize_t)done : -EFAULT;
			}
			done += n;
			if (flags & NET_MSG_PEEK)
				break;
			t->rcv.head = (t->rcv.head + n) & (t->rcv.size - 1);
			t->rcv.len -= n;
			window_update_locked(t);
			if (!waitall || !u->resid)
				break;
			continue;
		}
		if (done && (!waitall || !u->resid))
			break;
		if (!u->resid)
			break;
		/* Nothing to give: end of file, an error, or wait. */
		if (t->err) {
			int e = t->err;
			t->err = 0;
			spin_unlock(&t->lock);
			return done ? (ssize_t)done : -e;
		}
		if (t->fin_rcvd || t->shut_rd)
			break;
		if (t->state == TCP_CLOSED) {
			bool never = !t->rcv.size;
			spin_unlock(&t->lock);
			return done ? (ssize_t)done : never ? -ENOTCONN : 0;
		}
		*donep = done;
		long r = net_wait(&t->wq, w);
		spin_unlock(&t->lock);
		net_flush();
		return done ? (r == -EAGAIN ? (ssize_t)done : r) : r;
	}
	spin_unlock(&t->lock);
	net_flush();
	*donep = done;
	return (ssize_t)done;
}

u32 tcp_poll(struct tcb *t, struct poll_set *pw)
{
	poll_wait_add(pw, &t->wq);
	u32 m = 0;
	spin_lock(&t->lock);
	switch (t->state) {
	case TCP_LISTEN:
		if (!list_empty(&t->acceptq))
			m |= POLLIN | POLLRDNORM;
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		break;
	case TCP_CLOSED:
		/* Never connected: POLLOUT | POLLHUP as Linux; a failed or reset one adds POLLERR. */
		m |= POLLOUT | POLLWRNORM | POLLHUP;
		if (t->rcv.len || t->rcv.size)
			m |= POLLIN | POLLRDNORM;
		break;
	default:
		if (t->rcv.len || t->fin_rcvd || t->shut_rd)
			m |= POLLIN | POLLRDNORM;
		if (t->fin_rcvd)
			m |= POLLRDHUP;
		if (can_send(t->state) && !t->fin_queued) {
			/* Writable once a third of the ring is free, as Linux's sk_stream_wspace. */
			if (tcp_ring_free_space(&t->snd) >= t->snd.size / 3)
				m |= POLLOUT | POLLWRNORM;
		} else if (t->fin_queued && t->fin_rcvd) {
			m |= POLLHUP;
		}
		if (t->fin_queued && !t->fin_rcvd && t->shut_rd)
			m |= POLLHUP;
		break;
	}
	if (t->err)
		m |= POLLERR;
	spin_unlock(&t->lock);
	return m;
}

int tcp_take_error(struct tcb *t)
{
	spin_lock(&t->lock);
	int e = t->err ? t->err : t->soft_err;
	t->err = 0;
	t->soft_err = 0;
	spin_unlock(&t->lock);
	return e;
}

/* IPPROTO_TCP option numbers (linux/tcp.h) */
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_SYNCNT 7
#define TCP_LINGER2 8
#define TCP_DEFER_ACCEPT 9
#define TCP_WINDOW_CLAMP 10
#define TCP_QUICKACK 12
#define TCP_USER_TIMEOUT 18

int tcp_setopt(struct tcb *t, int name, int val)
{
	int rc = 0;
	spin_lock(&t->lock);
	switch (name) {
	case TCP_NODELAY:
		t->nodelay = val != 0;
		if (t->nodelay)
			tcp_output_locked(t);
		break;
	case TCP_CORK:
		t->cork = val != 0;
		if (!t->cork)
			tcp_output_locked(t);
		break;
	case TCP_MAXSEG:
		/* Linux's bounds: 88 .. 32767 (0 clears it). */
		if (val && (val < 88 || val > 32767))
			rc = -EINVAL;
		else
			t->user_mss = (u32)val;
		if (!rc && val && t->state != TCP_CLOSED && t->state != TCP_LISTEN)
			t->mss = MIN(t->mss, (u32)val);
		break;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (val < 1 || val > 32767) {
			rc = -EINVAL;
			break;
		}
		if (name == TCP_KEEPIDLE)
			t->keepidle_s = (u32)val;
		else
			t->keepintvl_s = (u32)val;
		if (t->keepalive)
			tcp_keepalive_reset_locked(t);
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > 127)
			rc = -EINVAL;
		else
			t->keepcnt = (u32)val;
		break;
	case TCP_QUICKACK:
		if (val) {
			t->quickacks = 16;
			if (t->t_delack) {
				t->ack_now = true;
				tcp_output_locked(t);
			}
		}
		break;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			rc = -EINVAL;
		else
			t->user_timeout_ms = (u32)val;
		break;
	default:
		rc = -ENOPROTOOPT;
		break;
	}
	spin_unlock(&t->lock);
	net_flush();
	return rc;
}

int tcp_getopt(struct tcb *t, int name, int *val)
{
	int rc = 0;
	spin_lock(&t->lock);
	switch (name) {
	case TCP_NODELAY:
		*val = t->nodelay;
		break;
	case TCP_CORK:
		*val = t->cork;
		break;
	case TCP_MAXSEG:
		*val = (int)(t->state == TCP_CLOSED || t->state == TCP_LISTEN
				 ? (t->user_mss ? t->user_mss : TCP_DEFAULT_MSS)
				 : t->mss);
		break;
	case TCP_KEEPIDLE:
		*val = (int)t->keepidle_s;
		break;
	case TCP_KEEPINTVL:
		*val = (int)t->keepintvl_s;
		break;
	case TCP_KEEPCNT:
		*val = (int)t->keepcnt;
		break;
	case TCP_QUICKACK:
		*val = t->quickacks > 0;
		break;
	case TCP_USER_TIMEOUT:
		*val = (int)t->user_timeout_ms;
		break;
	default:
		rc = -ENOPROTOOPT;
		break;
	}
	spin_unlock(&t->lock);
	return rc;
}

void tcp_set_sockopt(struct tcb *t, enum tcp_sockopt o, int val)
{
	spin_lock(&t->lock);
	switch (o) {
	case TSO_KEEPALIVE:
		t->keepalive = val != 0;
		tcp_keepalive_reset_locked(t);
		break;
	case TSO_REUSEADDR:
		t->reuseaddr = val != 0;
		break;
	case TSO_REUSEPORT:
		t->reuseport = val != 0;
		break;
	case TSO_RCVBUF:
		/* The ring is sized when the connection starts; later changes apply to the next. */
		t->rcvbuf = (u32)MAX(MIN(val, TCP_BUF_MAX), TCP_BUF_MIN);
		break;
	case TSO_SNDBUF:
		t->sndbuf = (u32)MAX(MIN(val, TCP_BUF_MAX), TCP_BUF_MIN);
		break;
	}
	spin_unlock(&t->lock);
}

void tcp_set_linger(struct tcb *t, bool on, u32 seconds)
{
	spin_lock(&t->lock);
	t->linger_on = on;
	t->linger_s = seconds;
	spin_unlock(&t->lock);
}

void tcp_local_addr(struct tcb *t, u32 *addr, u16 *port)
{
	spin_lock(&t->lock);
	*addr = t->laddr;
	*port = t->lport;
	spin_unlock(&t->lock);
}

int tcp_peer_addr(struct tcb *t, u32 *addr, u16 *port)
{
	spin_lock(&t->lock);
	int rc = 0;
	if (t->state == TCP_CLOSED || t->state == TCP_LISTEN || t->state == TCP_SYN_SENT ||
	    !t->fport)
		rc = -ENOTCONN;
	*addr = t->faddr;
	*port = t->fport;
	spin_unlock(&t->lock);
	return rc;
}
