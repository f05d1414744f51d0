/*
 * Sockets as files (net.h): the socket's inode and open file, the table
 * of families, and what every family's waits share. The file operations
 * lead to the family's proto_ops; read and write are recvmsg and sendmsg
 * without flags or addresses.
 *
 * Owns each socket's inode and the core's options in it ([a]); a socket
 * is freed when its inode is (the file holds the inode, so after the
 * file's release has run the family's). No lock of its own but the peer
 * wait queues' (sched/waitq.h).
 */
#include "net/net.h"
#include "fs/poll.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

extern const struct net_family __netfamilies_start[], __netfamilies_end[];

static struct superblock sockfs = {.fstype = "sockfs"};
static u64 next_cookie;  /* [a] */
static u8 warned[AF_MAX]; /* [a] families asked for and not there, logged once each */

#define PEER_WAITQS 64
static struct waitq peer_waitqs[PEER_WAITQS]; /* [I] after net_init; each its own lock */

void net_init(void)
{
	sockfs.dev = vfs_anon_dev();
	for (int i = 0; i < PEER_WAITQS; i++)
		waitq_init(&peer_waitqs[i]);
	for (const struct net_family *nf = __netfamilies_start; nf < __netfamilies_end; nf++)
		if (nf->init)
			nf->init();
}

const struct net_family *net_family_find(int family)
{
	for (const struct net_family *nf = __netfamilies_start; nf < __netfamilies_end; nf++)
		if (nf->family == family)
			return nf;
	return NULL;
}

struct waitq *sock_peer_waitq(const void *obj)
{
	u64 h = (u64)obj;
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15UL;
	return &peer_waitqs[h >> 58];
}

/* ---- waiting ---- */

long sock_wait(struct waitq *q, u64 deadline)
{
	if (deadline && tsc_ns() >= deadline)
		return -EAGAIN;
	return park_on(q); /* the timeout is armed by sock_parked, with no lock held */
}

long sock_parked(long r, u64 deadline)
{
	if (r == -ERESTART_PARK && deadline) {
		park_timeout(deadline);
		park_no_restart(); /* signal(7): a socket call with a timeout fails with EINTR */
	}
	return r;
}

u64 sock_deadline(struct socket *so, bool rcv)
{
	u64 t = __atomic_load_n(rcv ? &so->rcvtimeo : &so->sndtimeo, __ATOMIC_RELAXED);
	return park_deadline(t ? tsc_ns() + t : 0);
}

long sock_epipe(u32 flags)
{
	if (!(flags & MSG_NOSIGNAL))
		signal_raise(SIGPIPE);
	return -EPIPE;
}

struct linux_ucred sock_cur_creds(void)
{
	/* The effective ids, as Linux's cred_to_ucred. */
	const struct cred *c = cur_cred();
	return (struct linux_ucred){.pid = (i32)cur_pid(), .uid = c->euid, .gid = c->egid};
}

ssize_t sock_transfer(struct socket *so, struct kmsg *m, bool send)
{
	/* A call that parked midway resumes after what it moved (invariant 3). */
	m->done = park_progress();
	if (m->done)
		uio_skip(m->uio, m->done);
	m->deadline = sock_deadline(so, !send);
	ssize_t r = send ? so->ops->sendmsg(so, m) : so->ops->recvmsg(so, m);
	if (r == -ERESTART_PARK)
		park_save_progress(m->done);
	return sock_parked(r, m->deadline);
}

/* ---- the socket's file ---- */

static ssize_t sock_read(struct file *f, struct uio *u, u64 *pos)
{
	struct socket *so = f->priv;
	if (u->resid == 0)
		return 0; /* as Linux's read: no datagram is taken */
	struct kmsg m = {.uio = u, .flags = f->flags & O_NONBLOCK ? MSG_DONTWAIT : 0};
	struct scm scm = {0};
	m.scm = &scm;
	ssize_t r = sock_transfer(so, &m, false);
	scm_destroy(&scm); /* descriptors sent with the data go when read(2) takes it */
	return r;
}

static ssize_t sock_write(struct file *f, struct uio *u, u64 *pos)
{
	struct socket *so = f->priv;
	struct kmsg m = {.uio = u, .flags = f->flags & O_NONBLOCK ? MSG_DONTWAIT : 0};
	return sock_transfer(so, &m, true);
}

static u32 sock_poll(struct file *f, struct poll_set *ps)
{
	struct socket *so = f->priv;
	return so->ops->poll ? so->ops->poll(so, ps) : 0;
}

static long sock_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom)
{
	struct socket *so = f->priv;
	long r = so->ops->ioctl ? so->ops->ioctl(so, cmd, arg, dom) : -ENOTTY;
	/* What the family does not know may be an interface request, good on any socket. */
	return r == -ENOTTY ? netdev_ioctl(cmd, arg, dom) : r;
}

static void sock_release(struct file *f)
{
	struct socket *so = f->priv;
	if (so->sk && so->ops->release)
		so->ops->release(so);
	so->sk = NULL;
}

static const struct file_ops sock_fops = {
	.read = sock_read,
	.write = sock_write,
	.ioctl = sock_ioctl,
	.release = sock_release,
	.poll = sock_poll,
};

struct socket *file_socket(struct file *f)
{
	return f->ops == &sock_fops ? f->priv : NULL;
}

static void sock_evict(struct inode *ip)
{
	kfree(container_of(ip, struct socket, inode));
}

static const struct inode_ops sock_inode_ops = {.evict = sock_evict};

static struct socket *sock_alloc(void)
{
	struct socket *so = kzalloc(sizeof *so);
	if (!so)
		return NULL;
	inode_init(&so->inode, &sockfs, S_IFSOCK | 0777, &sock_inode_ops);
	so->sndbuf = so->rcvbuf = SOCK_DEFAULT_BUF;
	so->rcvlowat = 1;
	so->cookie = __atomic_add_fetch(&next_cookie, 1, __ATOMIC_RELAXED);
	return so;
}

/* Give so its file (flags: O_NONBLOCK); on failure so is released and freed. */
static int sock_attach_file(struct socket *so, u32 flags)
{
	struct file *f = file_alloc(&so->inode, FMODE_READ | FMODE_WRITE | FMODE_STREAM,
				    O_RDWR | (flags & O_NONBLOCK), &sock_fops);
	if (!f) {
		if (so->sk && so->ops->release)
			so->ops->release(so);
		inode_put(&so->inode);
		return -ENFILE;
	}
	f->priv = so;
	so->file = f;
	inode_put(&so->inode); /* the file holds it now */
	return 0;
}

int sock_create(int family, int type, int protocol, u32 flags, struct socket **out)
{
	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= SOCK_MAX)
		return -EINVAL;
	const struct net_family *nf = net_family_find(family);
	if (!nf) {
		if (!__atomic_exchange_n(&warned[family], 1, __ATOMIC_RELAXED))
			pr_warn("ferry: socket family %d is not supported\n", family);
		return -EAFNOSUPPORT;
	}
	struct socket *so = sock_alloc();
	if (!so)
		return -ENOMEM;
	so->family = family;
	so->type = type;
	so->protocol = protocol;
	int r = nf->create(so);
	if (r < 0) {
		inode_put(&so->inode);
		return r;
	}
	r = sock_attach_file(so, flags);
	if (r < 0)
		return r;
	*out = so;
	return 0;
}

int sock_create_child(struct socket *parent, u32 flags, struct socket **out)
{
	struct socket *so = sock_alloc();
	if (!so)
		return -ENOMEM;
	so->family = parent->family;
	so->type = parent->type;
	so->protocol = parent->protocol;
	so->ops = parent->ops;
	int r = sock_attach_file(so, flags);
	if (r < 0)
		return r;
	*out = so;
	return 0;
}
