/*
 * AF_UNIX sockets (unix(7)): their life, their names and their
 * connections. Names are paths (a socket inode made through the VFS, so
 * ls shows it and it stays until unlinked) or abstract (a leading NUL,
 * gone with the socket); both live in one table keyed by the path's
 * inode or the abstract bytes. Connections: a stream or seqpacket
 * connect makes an embryo on the listener's backlog, already connected
 * to the client, which accept hands to a new socket; datagram sockets
 * only remember a default peer. Sending and receiving are unix_msg.c.
 *
 * Locks: unix_impl.h. The table lock guards names and the list of all
 * sockets; each socket's lock its state, peer and queues.
 */
#include "net/unix_impl.h"
#include "fs/fsproc.h"
#include "fs/poll.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define UNIX_HASH 256
#define MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */

struct spinlock unix_table_lock;
struct list_node unix_all;
static struct list_node names[UNIX_HASH]; /* [t] bound sockets */
static u32 autobind_next;                 /* [t] */

static void unix_init(void)
{
	unix_table_lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&unix_all);
	for (int i = 0; i < UNIX_HASH; i++)
		list_init(&names[i]);
}

/* ---- life ---- */

struct unix_sock *unix_sock_new(int type)
{
	struct unix_sock *u = knew(struct unix_sock);
	if (!u)
		return NULL;
	u->lock = (struct spinlock)SPINLOCK_INIT;
	u->refs = 1;
	u->type = type;
	list_init(&u->rq);
	list_init(&u->backlog);
	list_init(&u->accept_node);
	list_init(&u->name_node);
	list_init(&u->gc_node);
	waitq_init(&u->rwait);
	waitq_init(&u->wwait);
	u->max_backlog = MAX_DGRAM_QLEN;
	spin_lock(&unix_table_lock);
	list_push_back(&unix_all, &u->all_node);
	spin_unlock(&unix_table_lock);
	return u;
}

void unix_addr_put(struct unix_addr *a)
{
	if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(a);
}

void unix_sock_put(struct unix_sock *u)
{
	if (__atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL))
		return;
	spin_lock(&unix_table_lock);
	list_remove(&u->all_node);
	spin_unlock(&unix_table_lock);
	unix_addr_put(u->addr);
	kfree(u);
}

bool unix_passcred(struct unix_sock *u)
{
	spin_lock(&u->lock);
	bool on = u->so && (__atomic_load_n(&u->so->opts, __ATOMIC_RELAXED) & SOF_PASSCRED);
	spin_unlock(&u->lock);
	return on;
}

/* Take u's name out of the table (its path stays in the file system, as on Linux). */
static void unbind(struct unix_sock *u)
{
	spin_lock(&unix_table_lock);
	struct inode *ip = u->path_ip;
	u->path_ip = NULL;
	list_remove(&u->name_node);
	spin_unlock(&unix_table_lock);
	inode_put(ip);
}

/*
 * u's end goes (its file was closed, or an embryo's listener was): the
 * peer of a connection sees it hang up, and ECONNRESET if we leave data
 * unread or were never accepted; queued messages and embryos go too.
 */
static void unix_end(struct unix_sock *u, bool embryo)
{
	struct list_node rq, backlog;
	list_init(&rq);
	list_init(&backlog);
	spin_lock(&u->lock);
	u->so = NULL;
	u->dead = true;
	u->shutdown = SHUTDOWN_MASK;
	struct unix_sock *peer = u->peer;
	u->peer = NULL;
	bool unread = !list_empty(&u->rq);
	if (!list_empty(&u->rq)) {
		list_insert_after(&u->rq, &rq);
		list_remove(&u->rq);
	}
	if (!list_empty(&u->backlog)) {
		list_insert_after(&u->backlog, &backlog);
		list_remove(&u->backlog);
	}
	u->rq_len = u->backlog_len = 0;
	u->rq_bytes = 0;
	u->state = UNIX_UNCONNECTED;
	spin_unlock(&u->lock);

	if (peer && u->type != SOCK_DGRAM) {
		spin_lock(&peer->lock);
		peer->shutdown = SHUTDOWN_MASK;
		if (unread || embryo)
			peer->err = ECONNRESET;
		spin_unlock(&peer->lock);
		waitq_wake_events(&peer->rwait, POLLIN | POLLHUP | POLLRDHUP);
		waitq_wake_events(&peer->wwait, POLLOUT | POLLHUP);
	}
	/* Datagram senders waiting for room here retry, and find us gone. */
	waitq_wake_events(sock_peer_waitq(u), POLLOUT);
	if (peer)
		unix_sock_put(peer);
	unbind(u);
	unix_purge(&rq);
	while (!list_empty(&backlog)) {
		struct unix_sock *e = container_of(list_pop_front(&backlog), struct unix_sock, accept_node);
		unix_end(e, true);
		unix_sock_put(e);
	}
}

static void unix_release(struct socket *so)
{
	struct unix_sock *u = so->sk;
	unix_end(u, false);
	unix_sock_put(u);
	unix_gc(); /* a cycle of sockets in flight may have lost its last way in */
}

/* ---- names ---- */

int unix_check_addr(const struct sockaddr_storage *addr, u32 len)
{
	if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(struct sockaddr_un))
		return -EINVAL;
	if (addr->ss_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/* The name an address asks for, as a fresh unix_addr (paths cut at their NUL). */
static struct unix_addr *addr_make(const struct sockaddr_storage *addr, u32 len)
{
	struct unix_addr *a = knew(struct unix_addr);
	if (!a)
		return NULL;
	a->refs = 1;
	const struct sockaddr_un *sun = (const void *)addr;
	a->name.sun_family = AF_UNIX;
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	memcpy(a->name.sun_path, sun->sun_path, n);
	if (sun->sun_path[0]) {
		/* A path may fill sun_path without a NUL: the length says where it ends. */
		size_t plen = strnlen(a->name.sun_path, n);
		a->name.sun_path[plen] = 0; /* sun_path has room: n < sizeof sun_path or plen < n */
		a->len = (u32)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
	} else {
		a->len = len;
	}
	return a;
}

static bool is_abstract(const struct unix_addr *a)
{
	return a->name.sun_path[0] == 0;
}

static u32 hash_bytes(const void *p, size_t n)
{
	u32 h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const u8 *)p)[i]) * 16777619u;
	return h;
}

static struct list_node *bucket_abstract(const struct unix_addr *a)
{
	return &names[hash_bytes(&a->name, a->len) % UNIX_HASH];
}

static struct list_node *bucket_inode(const struct inode *ip)
{
	return &names[hash_bytes(&ip, sizeof ip) % UNIX_HASH];
}

/* Abstract names are per type, as Linux hashes them: a stream and a datagram socket may share one. */
static struct unix_sock *find_abstract_locked(const struct unix_addr *a, int type)
{
	assert(spin_is_locked(&unix_table_lock));
	struct list_node *pos, *b = bucket_abstract(a);
	list_for_each(pos, b)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, name_node);
		if (!u->path_ip && u->type == type && u->addr->len == a->len &&
		    !memcmp(&u->addr->name, &a->name, a->len))
			return u;
	}
	return NULL;
}

static struct unix_sock *find_inode_locked(const struct inode *ip)
{
	assert(spin_is_locked(&unix_table_lock));
	struct list_node *pos, *b = bucket_inode(ip);
	list_for_each(pos, b)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, name_node);
		if (u->path_ip == ip)
			return u;
	}
	return NULL;
}

/* Give u the name a (consumed) under the table lock: -EINVAL if it has one, -EADDRINUSE if taken. */
static int set_name(struct unix_sock *u, struct unix_addr *a, struct inode *ip)
{
	spin_lock(&unix_table_lock);
	spin_lock(&u->lock);
	int r = 0;
	if (u->addr || u->dead)
		r = -EINVAL;
	else if (!ip && find_abstract_locked(a, u->type))
		r = -EADDRINUSE;
	if (r == 0) {
		u->addr = a;
		u->path_ip = ip;
		list_push_back(ip ? bucket_inode(ip) : bucket_abstract(a), &u->name_node);
	}
	spin_unlock(&u->lock);
	spin_unlock(&unix_table_lock);
	if (r < 0) {
		unix_addr_put(a);
		inode_put(ip);
	}
	return r;
}

int unix_autobind(struct unix_sock *u)
{
	if (__atomic_load_n(&u->addr, __ATOMIC_ACQUIRE))
		return 0;
	/* Linux's: a NUL and five hex digits, the first free one. */
	for (u32 tries = 0; tries <= 0xfffff; tries++) {
		struct unix_addr *a = knew(struct unix_addr);
		if (!a)
			return -ENOMEM;
		a->refs = 1;
		a->name.sun_family = AF_UNIX;
		a->len = offsetof(struct sockaddr_un, sun_path) + 6;
		spin_lock(&unix_table_lock);
		u32 n = autobind_next++ & 0xfffff;
		spin_unlock(&unix_table_lock);
		snprintf(a->name.sun_path + 1, 6, "%05x", n);
		int r = set_name(u, a, NULL);
		if (r != -EADDRINUSE)
			return r == -EINVAL ? 0 : r; /* EINVAL: bound meanwhile, which is what we wanted */
	}
	return -ENOSPC;
}

static int unix_bind(struct socket *so, const struct sockaddr_storage *addr, u32 len)
{
	struct unix_sock *u = so->sk;
	if (len == offsetof(struct sockaddr_un, sun_path) && addr->ss_family == AF_UNIX)
		return unix_autobind(u);
	int r = unix_check_addr(addr, len);
	if (r < 0)
		return r;
	struct unix_addr *a = addr_make(addr, len);
	if (!a)
		return -ENOMEM;
	if (is_abstract(a))
		return set_name(u, a, NULL);
	/*
	 * A path: the socket's inode is made where it names (umask applies),
	 * or the name is taken (EADDRINUSE comes first, as on Linux); a
	 * socket bound already gets EINVAL and its new node goes again.
	 */
	struct inode *start, *ip = NULL;
	r = fs_at_start(AT_FDCWD, a->name.sun_path, &start);
	if (r == 0) {
		r = vfs_mknodat_get(start, a->name.sun_path, S_IFSOCK | (0777 & ~fs_umask()), 0, &ip);
		if (r == 0 && __atomic_load_n(&u->addr, __ATOMIC_ACQUIRE)) {
			inode_put(ip);
			vfs_unlinkat(start, a->name.sun_path, false);
			r = -EINVAL;
		}
		inode_put(start);
	}
	if (r < 0) {
		unix_addr_put(a);
		return r == -EEXIST ? -EADDRINUSE : r;
	}
	return set_name(u, a, ip);
}

int unix_find(const struct sockaddr_storage *addr, u32 len, int type, struct unix_sock **out)
{
	int r = unix_check_addr(addr, len);
	if (r < 0)
		return r;
	struct unix_addr *a = addr_make(addr, len);
	if (!a)
		return -ENOMEM;
	struct unix_sock *u = NULL;
	if (is_abstract(a)) {
		spin_lock(&unix_table_lock);
		u = find_abstract_locked(a, type);
		if (u)
			unix_sock_get(u);
		spin_unlock(&unix_table_lock);
	} else {
		struct inode *start, *ip;
		r = fs_at_start(AT_FDCWD, a->name.sun_path, &start);
		if (r == 0) {
			r = vfs_lookup(start, a->name.sun_path, LOOKUP_FOLLOW, &ip);
			inode_put(start);
		}
		if (r == 0) {
			if (S_ISSOCK(ip->mode)) {
				spin_lock(&unix_table_lock);
				u = find_inode_locked(ip);
				if (u)
					unix_sock_get(u);
				spin_unlock(&unix_table_lock);
			}
			inode_put(ip);
		}
	}
	unix_addr_put(a);
	if (r < 0)
		return r;
	if (!u)
		return -ECONNREFUSED;
	if (u->type != type) {
		unix_sock_put(u);
		return -EPROTOTYPE;
	}
	*out = u;
	return 0;
}

static int copy_name(const struct unix_addr *a, struct sockaddr_storage *out)
{
	if (!a) {
		out->ss_family = AF_UNIX;
		return sizeof(u16); /* unbound: just the family */
	}
	memcpy(out, &a->name, a->len);
	return (int)a->len;
}

static int unix_getname(struct socket *so, struct sockaddr_storage *out, bool peer)
{
	struct unix_sock *u = so->sk;
	spin_lock(&u->lock);
	struct unix_sock *p = u->peer;
	if (peer && !p) {
		spin_unlock(&u->lock);
		return -ENOTCONN;
	}
	int n;
	if (peer) {
		spin_lock(&p->lock); /* its addr is set once, but read it whole */
		n = copy_name(p->addr, out);
		spin_unlock(&p->lock);
	} else {
		n = copy_name(u->addr, out);
	}
	spin_unlock(&u->lock);
	return n;
}

/* ---- connections ---- */

static bool wants_autobind(struct unix_sock *u)
{
	return unix_passcred(u) && !__atomic_load_n(&u->addr, __ATOMIC_ACQUIRE);
}

static int stream_connect(struct socket *so, const struct sockaddr_storage *addr, u32 len,
			  u32 flags, u64 deadline)
{
	struct unix_sock *u = so->sk;
	int r = unix_check_addr(addr, len);
	if (r < 0)
		return r;
	if (wants_autobind(u) && (r = unix_autobind(u)) < 0)
		return r;
	struct unix_sock *l;
	r = unix_find(addr, len, u->type, &l);
	if (r < 0)
		return r;
	struct unix_sock *e = unix_sock_new(u->type);
	if (!e) {
		unix_sock_put(l);
		return -ENOMEM;
	}
	spin_lock(&l->lock);
	if (l->state != UNIX_LISTEN || l->dead) {
		r = -ECONNREFUSED;
		goto unlock_l;
	}
	if (l->backlog_len > l->max_backlog) {
		if (flags & O_NONBLOCK) {
			r = -EAGAIN;
			goto unlock_l;
		}
		struct waitq *q = sock_peer_waitq(l);
		spin_lock(&q->lock);
		r = (int)sock_wait(q, deadline); /* accept wakes it (restartable: invariant 3) */
		spin_unlock(&q->lock);
		goto unlock_l;
	}
	spin_lock(&u->lock);
	if (u->state != UNIX_UNCONNECTED || u->dead) {
		r = u->state == UNIX_CONNECTED ? -EISCONN : -EINVAL;
		spin_unlock(&u->lock);
		goto unlock_l;
	}
	/* The embryo: connected to u, named as the listener, u's credentials as its peer's. */
	e->state = UNIX_CONNECTED;
	e->peer = unix_sock_get(u);
	e->addr = l->addr;
	__atomic_add_fetch(&l->addr->refs, 1, __ATOMIC_RELAXED);
	e->peercred = sock_cur_creds();
	e->peercred_set = true;
	u->state = UNIX_CONNECTED;
	u->peer = unix_sock_get(e);
	u->peercred = l->peercred;
	u->peercred_set = l->peercred_set;
	spin_unlock(&u->lock);
	list_push_back(&l->backlog, &e->accept_node); /* the backlog holds e's first reference */
	l->backlog_len++;
	e = NULL;
	r = 0;
unlock_l:
	spin_unlock(&l->lock);
	if (e)
		unix_sock_put(e);
	if (r == 0)
		waitq_wake_events(&l->rwait, POLLIN);
	unix_sock_put(l);
	return r;
}

static int unix_listen(struct socket *so, int backlog)
{
	struct unix_sock *u = so->sk;
	spin_lock(&u->lock);
	int r = 0;
	if (!u->addr || (u->state != UNIX_UNCONNECTED && u->state != UNIX_LISTEN))
		r = -EINVAL; /* no listening on an unbound or connected socket */
	if (r == 0) {
		bool more = (u32)backlog > u->max_backlog;
		u->max_backlog = (u32)backlog;
		u->state = UNIX_LISTEN;
		u->peercred = sock_cur_creds(); /* what connecting clients see as their peer's */
		u->peercred_set = true;
		__atomic_store_n(&so->listening, true, __ATOMIC_RELAXED);
		spin_unlock(&u->lock);
		if (more)
			waitq_wake_events(sock_peer_waitq(u), POLLOUT);
		return 0;
	}
	spin_unlock(&u->lock);
	return r;
}

static int unix_accept(struct socket *so, struct socket *newso, u32 flags, u64 deadline)
{
	struct unix_sock *u = so->sk;
	spin_lock(&u->lock);
	if (u->state != UNIX_LISTEN) {
		spin_unlock(&u->lock);
		return -EINVAL;
	}
	if (list_empty(&u->backlog)) {
		long r = -EAGAIN;
		if (!(flags & O_NONBLOCK)) {
			spin_lock(&u->rwait.lock);
			r = sock_wait(&u->rwait, deadline);
			spin_unlock(&u->rwait.lock);
		}
		spin_unlock(&u->lock);
		return (int)r;
	}
	struct unix_sock *e = container_of(list_pop_front(&u->backlog), struct unix_sock, accept_node);
	u->backlog_len--;
	spin_unlock(&u->lock);
	spin_lock(&e->lock);
	e->so = newso;
	spin_unlock(&e->lock);
	newso->sk = e; /* the backlog's reference */
	/* Connects waiting for room in the backlog may go on. */
	waitq_wake_events(sock_peer_waitq(u), POLLOUT);
	return 0;
}

/* Datagram sockets: connect sets the default peer (AF_UNSPEC drops it). */
static int dgram_connect(struct socket *so, const struct sockaddr_storage *addr, u32 len,
			 u32 flags, u64 deadline)
{
	struct unix_sock *u = so->sk, *other = NULL;
	int r;
	if (len >= sizeof(u16) && addr->ss_family == AF_UNSPEC) {
		other = NULL;
	} else {
		r = unix_check_addr(addr, len);
		if (r < 0)
			return r;
		if (wants_autobind(u) && (r = unix_autobind(u)) < 0)
			return r;
		r = unix_find(addr, len, u->type, &other);
		if (r < 0)
			return r;
		/* Only to one that is unconnected, or connected to us (unix_may_send). */
		spin_lock(&other->lock);
		bool ok = !other->peer || other->peer == u;
		spin_unlock(&other->lock);
		if (!ok) {
			unix_sock_put(other);
			return -EPERM;
		}
	}
	spin_lock(&u->lock);
	struct unix_sock *old = u->peer;
	u->peer = other;
	u->state = other ? UNIX_CONNECTED : UNIX_UNCONNECTED;
	spin_unlock(&u->lock);
	if (old) {
		unix_sock_put(old);
		/* Our pollers waited on the old peer's room. */
		waitq_wake_events(&u->wwait, POLLOUT);
	}
	return 0;
}

static int unix_socketpair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = a->sk, *ub = b->sk;
	struct linux_ucred me = sock_cur_creds();
	/* Both are new and unseen by anyone else: no lock is needed, but take them for the tags. */
	spin_lock(&ua->lock);
	ua->peer = unix_sock_get(ub);
	ua->state = UNIX_CONNECTED;
	ua->peercred = me;
	ua->peercred_set = true;
	spin_unlock(&ua->lock);
	spin_lock(&ub->lock);
	ub->peer = unix_sock_get(ua);
	ub->state = UNIX_CONNECTED;
	ub->peercred = me;
	ub->peercred_set = true;
	spin_unlock(&ub->lock);
	return 0;
}

static int unix_shutdown(struct socket *so, int how)
{
	struct unix_sock *u = so->sk;
	u8 mode = (u8)(how + 1); /* SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN */
	spin_lock(&u->lock);
	u->shutdown |= mode;
	struct unix_sock *peer = u->peer ? unix_sock_get(u->peer) : NULL;
	spin_unlock(&u->lock);
	waitq_wake_events(&u->rwait, POLLIN | POLLRDHUP | POLLHUP);
	waitq_wake_events(&u->wwait, POLLOUT | POLLHUP);
	if (peer && u->type != SOCK_DGRAM) {
		u8 peer_mode = (u8)(((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
				    ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0));
		spin_lock(&peer->lock);
		peer->shutdown |= peer_mode;
		spin_unlock(&peer->lock);
		waitq_wake_events(&peer->rwait, POLLIN | POLLRDHUP | POLLHUP);
		waitq_wake_events(&peer->wwait, POLLOUT | POLLHUP);
	}
	if (peer)
		unix_sock_put(peer);
	return 0;
}

static int unix_getsockopt(struct socket *so, int level, int name, void *val, u32 *len)
{
	struct unix_sock *u = so->sk;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	switch (name) {
	case SO_PEERCRED: {
		/* Unconnected: pid 0 and ids -1, as Linux's cred_to_ucred gives. */
		struct linux_ucred c = {0, ~0u, ~0u};
		spin_lock(&u->lock);
		if (u->peercred_set)
			c = u->peercred;
		spin_unlock(&u->lock);
		memcpy(val, &c, sizeof c);
		*len = sizeof c;
		return 0;
	}
	case SO_ERROR: {
		spin_lock(&u->lock);
		int e = u->err;
		u->err = 0;
		spin_unlock(&u->lock);
		memcpy(val, &e, sizeof e);
		*len = sizeof e;
		return 0;
	}
	}
	return -ENOPROTOOPT;
}

static int unix_setsockopt(struct socket *so, int level, int name, const void *val, u32 len)
{
	return level == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}

static long unix_ioctl(struct socket *so, u32 cmd, u64 arg, struct domain *dom)
{
	struct unix_sock *u = so->sk;
	int v;
	switch (cmd) {
	case SIOCINQ:
		spin_lock(&u->lock);
		if (u->state == UNIX_LISTEN) {
			spin_unlock(&u->lock);
			return -EINVAL;
		}
		/* Streams: bytes waiting; datagrams: the size of the next one. */
		if (u->type == SOCK_STREAM)
			v = (int)u->rq_bytes;
		else
			v = list_empty(&u->rq) ? 0
					       : (int)container_of(u->rq.next, struct unix_msg, node)->len;
		spin_unlock(&u->lock);
		break;
	case SIOCOUTQ:
		v = (int)__atomic_load_n(&u->wmem, __ATOMIC_RELAXED);
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_domain(dom, arg, &v, sizeof v) < 0 ? -EFAULT : 0;
}

/* ---- the family ---- */

#define UNIX_COMMON                                                                         \
	.release = unix_release, .bind = unix_bind, .socketpair = unix_socketpair,          \
	.getname = unix_getname, .poll = unix_poll, .ioctl = unix_ioctl,                    \
	.shutdown = unix_shutdown, .setsockopt = unix_setsockopt,                           \
	.getsockopt = unix_getsockopt, .pass_rights = true

const struct proto_ops unix_stream_ops = {
	UNIX_COMMON,
	.connect = stream_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_stream_sendmsg,
	.recvmsg = unix_stream_recvmsg,
};

const struct proto_ops unix_seqpacket_ops = {
	UNIX_COMMON,
	.connect = stream_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_seqpacket_sendmsg,
	.recvmsg = unix_seqpacket_recvmsg,
};

const struct proto_ops unix_dgram_ops = {
	UNIX_COMMON,
	.connect = dgram_connect,
	.sendmsg = unix_dgram_sendmsg,
	.recvmsg = unix_dgram_recvmsg,
};

static int unix_create(struct socket *so)
{
	if (so->protocol != 0 && so->protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	switch (so->type) {
	case SOCK_STREAM:
		so->ops = &unix_stream_ops;
		break;
	case SOCK_RAW: /* Linux takes it as SOCK_DGRAM */
		so->type = SOCK_DGRAM;
		/* fall through */
	case SOCK_DGRAM:
		so->ops = &unix_dgram_ops;
		break;
	case SOCK_SEQPACKET:
		so->ops = &unix_seqpacket_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	struct unix_sock *u = unix_sock_new(so->type);
	if (!u)
		return -ENOMEM;
	u->so = so;
	so->sk = u;
	return 0;
}

NET_FAMILY(unix, AF_UNIX, unix_init, unix_create);
