/*
 * AF_UNIX data: messages queued on the receiver (struct unix_msg), as
 * Linux's af_unix does it. A stream is a queue of chunks read across
 * their bounds (but never past one that carries descriptors, nor, with
 * SO_PASSCRED, across senders); datagrams and seqpackets are read one
 * message at a time, cut to the reader's buffer (MSG_TRUNC).
 *
 * Flow control is Linux's: a message counts its truesize against its
 * sender's SO_SNDBUF (wmem) until it is read, so a writer waits on its
 * own queue; a datagram receiver that is not connected back to the
 * sender also holds at most max_dgram_qlen messages, and the sender waits
 * on the global queue for that receiver (sock_peer_waitq), holding no
 * reference to it while parked.
 *
 * Locks (unix_impl.h): a sender takes only the receiver's lock to queue;
 * a reader copies out under its own lock (as pipes do); messages are
 * freed with no lock held. Descriptors in flight are unix_gc.c's.
 */
#include "net/unix_impl.h"
#include "fs/poll.h"
#include "mm/kheap.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define STREAM_CHUNK (64 * 1024) /* the most one queued chunk carries */

/* MSG_OOB: Linux's AF_UNIX_OOB is not done; EOPNOTSUPP (what Linux gives without it), logged once. */
static long no_oob(void)
{
	static bool warned; /* [a] */
	if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
		pr_warn("ferry: AF_UNIX MSG_OOB is not supported (EOPNOTSUPP)\n");
	return -EOPNOTSUPP;
}

/* Roughly what Linux charges a buffer of len bytes (an sk_buff and its kmalloc'd head). */
static u32 truesize_of(u32 len)
{
	u32 head = len + 320;
	u32 sz = 512;
	while (sz < head && sz < 8192)
		sz <<= 1;
	return 256 + (head > sz ? ALIGN_UP(head, 4096) : sz);
}

static struct unix_msg *msg_alloc(u32 len)
{
	struct unix_msg *m = kmalloc(sizeof *m + len);
	if (!m)
		return NULL;
	*m = (struct unix_msg){.len = len, .truesize = truesize_of(len)};
	list_init(&m->node);
	return m;
}

/*
 * Messages whose descriptors must be dropped go through one list drained
 * by a single caller at a time: dropping a socket's last reference frees
 * its queue, which may hold more sockets, and so on, as deep as users
 * nest them; a loop here instead of recursion keeps the kernel stack flat.
 */
static struct spinlock reap_lock;     /* guards the two below */
static struct list_node reap_list = LIST_INIT(reap_list);
static bool reaping;

static void msg_drop(struct unix_msg *m)
{
	struct unix_sock *s = m->sender;
	if (s) {
		__atomic_sub_fetch(&s->wmem, m->truesize, __ATOMIC_RELEASE);
		waitq_wake_events(&s->wwait, POLLOUT | POLLWRNORM);
		unix_sock_put(s);
	}
	unix_addr_put(m->from);
	if (m->nfiles) {
		unix_inflight_remove(m->files, m->nfiles);
		for (u32 i = 0; i < m->nfiles; i++)
			file_put(m->files[i]);
	}
	kfree(m->files);
	kfree(m);
}

void unix_msg_free(struct unix_msg *m)
{
	if (!m->nfiles) {
		msg_drop(m);
		return;
	}
	spin_lock(&reap_lock);
	list_push_back(&reap_list, &m->node);
	if (reaping) {
		spin_unlock(&reap_lock); /* whoever is reaping takes it */
		return;
	}
	reaping = true;
	for (;;) {
		struct list_node *n = list_pop_front(&reap_list);
		if (!n) {
			reaping = false;
			break;
		}
		spin_unlock(&reap_lock);
		msg_drop(container_of(n, struct unix_msg, node));
		spin_lock(&reap_lock);
	}
	spin_unlock(&reap_lock);
}

void unix_purge(struct list_node *q)
{
	struct list_node *n;
	while ((n = list_pop_front(q)))
		unix_msg_free(container_of(n, struct unix_msg, node));
}

/* Give m the call's descriptors (into flight) and credentials. */
static int msg_attach(struct unix_msg *m, struct unix_sock *u, struct kmsg *km, bool with_files)
{
	m->cred = km->scm && km->scm->creds_set ? km->scm->creds : sock_cur_creds();
	if (!with_files || !km->scm || !km->scm->nfiles)
		return 0;
	int r = unix_inflight_add(km->scm->files, km->scm->nfiles);
	if (r < 0)
		return r;
	m->files = km->scm->files;
	m->nfiles = km->scm->nfiles;
	km->scm->files = NULL;
	km->scm->nfiles = 0;
	return 0;
}

/* Wait for room in u's send buffer (the caller found wmem >= sndbuf); -EAGAIN if it may not. */
static long wait_wmem(struct socket *so, struct unix_sock *u, struct kmsg *km)
{
	if (km->flags & MSG_DONTWAIT)
		return -EAGAIN;
	spin_lock(&u->wwait.lock);
	long r = __atomic_load_n(&u->wmem, __ATOMIC_ACQUIRE) < __atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED)
			 ? 0 /* it drained meanwhile: go on */
			 : sock_wait(&u->wwait, km->deadline);
	spin_unlock(&u->wwait.lock);
	return r;
}

static bool wmem_full(struct socket *so, struct unix_sock *u)
{
	return __atomic_load_n(&u->wmem, __ATOMIC_ACQUIRE) >= __atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED);
}

/* ---- streams ---- */

ssize_t unix_stream_sendmsg(struct socket *so, struct kmsg *km)
{
	struct unix_sock *u = so->sk;
	if (km->flags & MSG_OOB)
		return no_oob();
	spin_lock(&u->lock);
	struct unix_sock *peer = u->peer && u->state == UNIX_CONNECTED ? unix_sock_get(u->peer) : NULL;
	bool connected = u->state == UNIX_CONNECTED;
	u8 shut = u->shutdown;
	spin_unlock(&u->lock);
	long r = 0;
	if (km->to) {
		r = connected ? -EISCONN : -EOPNOTSUPP;
		goto out;
	}
	if (!peer) {
		r = -ENOTCONN;
		goto out;
	}
	if (shut & SEND_SHUTDOWN) {
		r = -EPIPE;
		goto out;
	}
	while (km->uio->resid > 0) {
		if (wmem_full(so, u)) {
			r = wait_wmem(so, u, km);
			if (r < 0)
				break;
			continue;
		}
		u32 sndbuf = __atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED);
		u32 len = (u32)MIN(km->uio->resid, (u64)MIN((u32)STREAM_CHUNK, sndbuf / 2 - 64));
		struct unix_msg *m = msg_alloc(len);
		if (!m) {
			r = -ENOMEM;
			break;
		}
		if (uio_copy_in(km->uio, m->data, len) < 0) {
			kfree(m);
			r = -EFAULT;
			break;
		}
		/* The descriptors go with the first chunk only. */
		r = msg_attach(m, u, km, km->done == 0);
		if (r < 0) {
			kfree(m);
			break;
		}
		spin_lock(&peer->lock);
		if (peer->dead || (peer->shutdown & RCV_SHUTDOWN)) {
			spin_unlock(&peer->lock);
			unix_msg_free(m);
			r = -EPIPE;
			break;
		}
		m->sender = unix_sock_get(u);
		__atomic_add_fetch(&u->wmem, m->truesize, __ATOMIC_RELEASE);
		list_push_back(&peer->rq, &m->node);
		peer->rq_len++;
		peer->rq_bytes += len;
		spin_unlock(&peer->lock);
		waitq_wake_events(&peer->rwait, POLLIN | POLLRDNORM);
		km->done += len;
	}
out:
	if (peer)
		unix_sock_put(peer);
	if (r == -ERESTART_PARK)
		return r;
	if (km->done)
		return (ssize_t)km->done;
	return r == -EPIPE ? sock_epipe(km->flags) : r;
}

/* MSG_PEEK of a message with descriptors: the reader gets new references to them. */
static void peek_files(struct unix_msg *m, struct scm *scm)
{
	scm->files = kmalloc(m->nfiles * sizeof *scm->files);
	if (!scm->files)
		return;
	for (u32 i = 0; i < m->nfiles; i++)
		scm->files[i] = file_get(m->files[i]);
	scm->nfiles = m->nfiles;
}

/* Free what a reader consumed, with no lock held. */
static void free_list(struct list_node *l)
{
	struct list_node *n;
	while ((n = list_pop_front(l)))
		unix_msg_free(container_of(n, struct unix_msg, node));
}

static bool same_cred(const struct linux_ucred *a, const struct linux_ucred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

ssize_t unix_stream_recvmsg(struct socket *so, struct kmsg *km)
{
	struct unix_sock *u = so->sk;
	if (km->flags & MSG_OOB)
		return no_oob();
	bool peek = km->flags & MSG_PEEK;
	bool passcred = __atomic_load_n(&so->opts, __ATOMIC_RELAXED) & SOF_PASSCRED;
	u64 lowat = __atomic_load_n(&so->rcvlowat, __ATOMIC_RELAXED);
	u64 want = km->done + km->uio->resid;
	u64 target = km->flags & MSG_WAITALL ? want : MIN(lowat, want);
	if (target == 0)
		target = 1;
	struct list_node done;
	list_init(&done);
	long r = 0;
	bool have_cred = false;
	spin_lock(&u->lock);
	if (u->state != UNIX_CONNECTED) {
		spin_unlock(&u->lock);
		return -EINVAL;
	}
	struct list_node *pos = u->rq.next;
	u32 skip = 0; /* MSG_PEEK: bytes of the current message already seen */
	for (;;) {
		if (pos == &u->rq) {
			if (km->done >= target || (peek && km->done))
				break;
			if (u->err) {
				r = -u->err;
				u->err = 0;
				break;
			}
			if (u->shutdown & RCV_SHUTDOWN)
				break;
			if (km->flags & MSG_DONTWAIT) {
				r = -EAGAIN;
				break;
			}
			spin_lock(&u->rwait.lock);
			r = sock_wait(&u->rwait, km->deadline); /* restartable: invariant 3 */
			spin_unlock(&u->rwait.lock);
			break;
		}
		struct unix_msg *m = container_of(pos, struct unix_msg, node);
		/* Never glue data from different writers when the reader wants credentials. */
		if (have_cred && passcred && !same_cred(&m->cred, &km->scm->creds))
			break;
		if (!have_cred) {
			km->scm->creds = m->cred;
			km->scm->creds_set = true;
			have_cred = true;
		}
		u32 off = peek ? m->off + skip : m->off;
		u32 chunk = (u32)MIN((u64)(m->len - off), km->uio->resid);
		if (chunk && uio_copy_out(km->uio, m->data + off, chunk) < 0) {
			r = -EFAULT;
			break;
		}
		km->done += chunk;
		if (peek) {
			if (m->nfiles) {
				peek_files(m, km->scm);
				break;
			}
			skip += chunk;
			if (off + chunk < m->len)
				break; /* the reader's buffer is full */
			pos = pos->next;
			skip = 0;
		} else {
			m->off += chunk;
			u->rq_bytes -= chunk;
			bool had_files = m->nfiles;
			if (had_files) {
				/* The descriptors come out of flight into the reader's hands (below). */
				km->scm->files = m->files;
				km->scm->nfiles = m->nfiles;
				m->files = NULL;
				m->nfiles = 0;
			}
			if (m->off == m->len) {
				pos = pos->next;
				list_remove(&m->node);
				u->rq_len--;
				list_push_back(&done, &m->node);
			}
			if (had_files)
				break;
		}
		if (km->uio->resid == 0)
			break;
	}
	spin_unlock(&u->lock);
	if (!peek && km->scm->nfiles)
		unix_inflight_remove(km->scm->files, km->scm->nfiles);
	free_list(&done);
	if (r == -ERESTART_PARK || (km->done == 0 && r < 0))
		return r;
	return (ssize_t)km->done;
}

/* ---- datagrams and sequenced packets ---- */

static ssize_t dgram_send(struct socket *so, struct kmsg *km, bool seqpacket)
{
	struct unix_sock *u = so->sk, *other = NULL;
	if (km->flags & MSG_OOB)
		return no_oob();
	long r;
	if (km->to) {
		r = unix_check_addr(km->to, km->tolen);
		if (r < 0)
			return r;
	} else {
		spin_lock(&u->lock);
		other = u->peer ? unix_sock_get(u->peer) : NULL;
		spin_unlock(&u->lock);
		if (!other)
			return -ENOTCONN;
	}
	if (unix_passcred(u) && (r = unix_autobind(u)) < 0)
		goto out;
	u64 len = km->uio->resid;
	u32 sndbuf = __atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED);
	if (len > sndbuf - 32) {
		r = -EMSGSIZE;
		goto out;
	}
	if (wmem_full(so, u)) {
		r = wait_wmem(so, u, km);
		if (r != 0)
			goto out;
	}
	if (!other) {
		r = unix_find(km->to, km->tolen, u->type, &other);
		if (r < 0)
			goto out;
	}
	struct unix_msg *m = msg_alloc((u32)len);
	if (!m) {
		r = -ENOBUFS;
		goto out;
	}
	if (uio_copy_in(km->uio, m->data, len) < 0) {
		kfree(m);
		r = -EFAULT;
		goto out;
	}
	r = msg_attach(m, u, km, true);
	if (r < 0) {
		kfree(m);
		goto out;
	}
	spin_lock(&u->lock);
	if (u->addr) {
		m->from = u->addr;
		__atomic_add_fetch(&u->addr->refs, 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&u->lock);
	spin_lock(&other->lock);
	if (other->peer && other->peer != u) {
		r = -EPERM; /* it only takes datagrams from its own peer */
	} else if (other->dead) {
		r = seqpacket ? -EPIPE : -ECONNREFUSED;
	} else if (other->shutdown & RCV_SHUTDOWN) {
		r = -EPIPE;
	} else if (other != u && other->peer != u && other->rq_len > other->max_backlog) {
		r = -EAGAIN;
		if (!(km->flags & MSG_DONTWAIT)) {
			struct waitq *q = sock_peer_waitq(other);
			spin_lock(&q->lock);
			r = sock_wait(q, km->deadline); /* its reader wakes us (invariant 3) */
			spin_unlock(&q->lock);
		}
	} else {
		m->sender = unix_sock_get(u);
		__atomic_add_fetch(&u->wmem, m->truesize, __ATOMIC_RELEASE);
		list_push_back(&other->rq, &m->node);
		other->rq_len++;
		other->rq_bytes += len;
		m = NULL;
		r = (long)len;
	}
	spin_unlock(&other->lock);
	if (m)
		unix_msg_free(m);
	if (r >= 0) {
		waitq_wake_events(&other->rwait, POLLIN | POLLRDNORM);
	} else if (r == -ECONNREFUSED && !km->to) {
		/* Our peer is gone: we are disconnected (the next send says ENOTCONN). */
		spin_lock(&u->lock);
		struct unix_sock *old = u->peer == other ? other : NULL;
		if (old) {
			u->peer = NULL;
			u->state = UNIX_UNCONNECTED;
		}
		spin_unlock(&u->lock);
		if (old)
			unix_sock_put(old);
	}
out:
	if (other)
		unix_sock_put(other);
	return r;
}

ssize_t unix_dgram_sendmsg(struct socket *so, struct kmsg *km)
{
	return dgram_send(so, km, false);
}

ssize_t unix_seqpacket_sendmsg(struct socket *so, struct kmsg *km)
{
	struct unix_sock *u = so->sk;
	spin_lock(&u->lock);
	int err = u->err;
	u->err = 0;
	bool connected = u->state == UNIX_CONNECTED;
	spin_unlock(&u->lock);
	if (err)
		return -err;
	if (!connected)
		return -ENOTCONN;
	km->to = NULL; /* a name is ignored: it goes to the peer */
	return dgram_send(so, km, true);
}

static ssize_t dgram_recv(struct socket *so, struct kmsg *km)
{
	struct unix_sock *u = so->sk;
	if (km->flags & MSG_OOB)
		return no_oob();
	bool peek = km->flags & MSG_PEEK;
	spin_lock(&u->lock);
	if (list_empty(&u->rq)) {
		long r;
		if (u->shutdown & RCV_SHUTDOWN)
			r = 0;
		else if (km->flags & MSG_DONTWAIT)
			r = -EAGAIN;
		else {
			spin_lock(&u->rwait.lock);
			r = sock_wait(&u->rwait, km->deadline); /* restartable: invariant 3 */
			spin_unlock(&u->rwait.lock);
		}
		spin_unlock(&u->lock);
		return r;
	}
	struct unix_msg *m = container_of(u->rq.next, struct unix_msg, node);
	u64 n = MIN((u64)m->len, km->uio->resid);
	if (n < m->len)
		km->out_flags |= MSG_TRUNC;
	if (n && uio_copy_out(km->uio, m->data, n) < 0) {
		spin_unlock(&u->lock);
		return -EFAULT;
	}
	if (km->from && m->from) {
		memcpy(km->from, &m->from->name, m->from->len);
		km->fromlen = m->from->len;
	}
	km->scm->creds = m->cred;
	km->scm->creds_set = true;
	u32 full = m->len;
	if (peek) {
		if (m->nfiles)
			peek_files(m, km->scm);
		m = NULL;
	} else {
		list_remove(&m->node);
		u->rq_len--;
		u->rq_bytes -= m->len;
		if (m->nfiles) {
			km->scm->files = m->files;
			km->scm->nfiles = m->nfiles;
			m->files = NULL;
			m->nfiles = 0;
		}
	}
	spin_unlock(&u->lock);
	if (!peek && km->scm->nfiles)
		unix_inflight_remove(km->scm->files, km->scm->nfiles); /* out of flight, to the reader */
	/* MSG_TRUNC asks for the datagram's real length, whatever was copied. */
	ssize_t ret = km->flags & MSG_TRUNC ? (ssize_t)full : (ssize_t)n;
	if (m) {
		unix_msg_free(m);
		/* Senders waiting for room in our queue may go on. */
		waitq_wake_events(sock_peer_waitq(u), POLLOUT | POLLWRNORM);
	}
	return ret;
}

ssize_t unix_dgram_recvmsg(struct socket *so, struct kmsg *km)
{
	return dgram_recv(so, km);
}

ssize_t unix_seqpacket_recvmsg(struct socket *so, struct kmsg *km)
{
	struct unix_sock *u = so->sk;
	spin_lock(&u->lock);
	bool connected = u->state == UNIX_CONNECTED;
	spin_unlock(&u->lock);
	if (!connected)
		return -ENOTCONN;
	return dgram_recv(so, km);
}

/* ---- readiness ---- */

u32 unix_poll(struct socket *so, struct poll_set *ps)
{
	struct unix_sock *u = so->sk;
	poll_wait_add(ps, &u->rwait);
	poll_wait_add(ps, &u->wwait);
	spin_lock(&u->lock);
	u32 m = 0;
	if (u->err)
		m |= POLLERR;
	if (u->shutdown == SHUTDOWN_MASK)
		m |= POLLHUP;
	if (u->shutdown & RCV_SHUTDOWN)
		m |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rq) || !list_empty(&u->backlog))
		m |= POLLIN | POLLRDNORM;
	if (u->type != SOCK_DGRAM && u->state == UNIX_UNCONNECTED)
		m |= POLLHUP;
	bool writable = u->state != UNIX_LISTEN &&
			__atomic_load_n(&u->wmem, __ATOMIC_RELAXED) * 4 <= __atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED);
	struct unix_sock *peer = u->type == SOCK_DGRAM && u->peer && u->peer != u ? unix_sock_get(u->peer)
										    : NULL;
	spin_unlock(&u->lock);
	if (peer) {
		/* A receiver not connected back to us takes only so many datagrams. */
		poll_wait_add(ps, sock_peer_waitq(peer));
		spin_lock(&peer->lock);
		if (peer->peer != u && peer->rq_len > peer->max_backlog)
			writable = false;
		spin_unlock(&peer->lock);
		unix_sock_put(peer);
	}
	if (writable)
		m |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return m;
}
