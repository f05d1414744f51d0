/*
 * The socket system calls (socket(2) and its family): descriptors to
 * sockets, user memory to kernel copies and back, then the socket's
 * proto_ops. Every check Linux makes on the raw arguments is made here
 * (lengths, flags, iovec counts), so a family sees only kernel copies.
 *
 * A call that parks keeps its file across the park (fs_call_done), so
 * its restart runs on the same socket even if another thread closed the
 * descriptor meanwhile (invariant 3); sendmmsg and recvmmsg keep their
 * place in the vector too (struct mmsg_call).
 */
#include "net/net.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define CTL_MAX    (128 * 1024) /* net.core.optmem_max: the largest control buffer */
#define OPT_MAX    256          /* option values are copied up to this */
#define UIO_MAXIOV 1024
#define NSEC       1000000000UL

/*
 * The socket behind fd's file (*ref, to give back with fs_call_done), or
 * NULL with -EBADF / -ENOTSOCK in *err. A restarted call gets the file it
 * parked with (fs_fborrow_call).
 */
static struct socket *sock_get(int fd, struct fd_ref *ref, long *err)
{
	*ref = fs_fborrow_call(fd);
	if (!ref->f) {
		*err = -EBADF;
		return NULL;
	}
	struct socket *so = file_socket(ref->f);
	if (!so) {
		fd_ref_put(*ref);
		*err = -ENOTSOCK;
		return NULL;
	}
	return so;
}

static u32 nonblock_flags(struct file *f, u32 flags)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) ? flags | MSG_DONTWAIT : flags;
}

/* An address from the user (bind, connect, sendto): -EINVAL for a bad length. */
static long addr_in(u64 uaddr, u64 ulen, struct sockaddr_storage *out)
{
	int len = (int)ulen;
	if (len < 0 || len > (int)sizeof *out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if (len && copy_from_domain(cur_dom(), out, uaddr, (size_t)len) < 0)
		return -EFAULT;
	return len;
}

long sock_addr_out(u64 uaddr, u64 ulenp, const struct sockaddr_storage *a, u32 alen)
{
	int len;
	if (copy_from_domain(cur_dom(), &len, ulenp, sizeof len) < 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	u32 n = MIN((u32)len, alen);
	if (n && copy_to_domain(cur_dom(), uaddr, a, n) < 0)
		return -EFAULT;
	return copy_to_domain(cur_dom(), ulenp, &alen, sizeof alen) < 0 ? -EFAULT : 0;
}

/* ---- creating, naming, connecting ---- */

static long new_socket(int family, int type, int protocol, struct socket **so, u32 *fdflags)
{
	u32 flags = (u32)type & ~(u32)SOCK_TYPE_MASK;
	if (flags & ~(u32)(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	*fdflags = flags;
	return sock_create(family, type & SOCK_TYPE_MASK, protocol, flags & SOCK_NONBLOCK, so);
}

SYSCALL(NR_socket, socket)
{
	struct socket *so;
	u32 flags;
	long r = new_socket((int)a0, (int)a1, (int)a2, &so, &flags);
	if (r < 0)
		return r;
	r = fd_alloc(fs_files(), so->file, 0, flags & SOCK_CLOEXEC);
	if (r < 0)
		file_put(so->file);
	return r;
}

SYSCALL(NR_socketpair, socketpair)
{
	struct socket *s[2];
	u32 flags;
	long r = new_socket((int)a0, (int)a1, (int)a2, &s[0], &flags);
	if (r < 0)
		return r;
	if (!s[0]->ops->socketpair) {
		file_put(s[0]->file);
		return -EOPNOTSUPP;
	}
	r = new_socket((int)a0, (int)a1, (int)a2, &s[1], &flags);
	if (r < 0) {
		file_put(s[0]->file);
		return r;
	}
	r = s[0]->ops->socketpair(s[0], s[1]);
	struct file *f[2] = {s[0]->file, s[1]->file};
	if (r < 0) {
		file_put(f[0]);
		file_put(f[1]);
		return r;
	}
	return fd_install_pair(fs_files(), f, flags & SOCK_CLOEXEC, cur_dom(), a3);
}

SYSCALL(NR_bind, bind)
{
	struct sockaddr_storage addr;
	long r = addr_in(a1, a2, &addr);
	if (r < 0)
		return r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	r = so->ops->bind ? so->ops->bind(so, &addr, (u32)r) : -EOPNOTSUPP;
	return fs_call_done(ref, r);
}

SYSCALL(NR_connect, connect)
{
	struct sockaddr_storage addr;
	long r = addr_in(a1, a2, &addr);
	if (r < 0)
		return r;
	u32 len = (u32)r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	u64 deadline = sock_deadline(so, false);
	r = so->ops->connect ? so->ops->connect(so, &addr, len, ref.f->flags & O_NONBLOCK, deadline)
			     : -EOPNOTSUPP;
	return fs_call_done(ref, sock_parked(r, deadline));
}

SYSCALL(NR_listen, listen)
{
	int backlog = (int)a1;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	if ((u32)backlog > SOMAXCONN)
		backlog = SOMAXCONN; /* negative too, as Linux */
	r = so->ops->listen ? so->ops->listen(so, backlog) : -EOPNOTSUPP;
	return fs_call_done(ref, r);
}

long sock_accept_fd(struct socket *so, bool nonblock, u64 uaddr, u64 ulenp, u32 flags,
		    u64 deadline)
{
	if (!so->ops->accept)
		return -EOPNOTSUPP;
	struct socket *nso;
	long r = sock_create_child(so, flags & SOCK_NONBLOCK, &nso);
	if (r < 0)
		return r;
	r = so->ops->accept(so, nso, nonblock ? O_NONBLOCK : 0, deadline);
	if (r < 0) {
		file_put(nso->file);
		return sock_parked(r, deadline);
	}
	if (uaddr) {
		struct sockaddr_storage a;
		int n = nso->ops->getname(nso, &a, true);
		r = n < 0 ? n : sock_addr_out(uaddr, ulenp, &a, (u32)n);
		if (r < 0) {
			file_put(nso->file); /* the connection is lost, as on Linux */
			return r;
		}
	}
	r = fd_alloc(fs_files(), nso->file, 0, flags & SOCK_CLOEXEC);
	if (r < 0)
		file_put(nso->file);
	return r;
}

static long do_accept(int fd, u64 uaddr, u64 ulenp, u64 flags)
{
	if (flags & ~(u64)(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get(fd, &ref, &r);
	if (!so)
		return r;
	r = sock_accept_fd(so, ref.f->flags & O_NONBLOCK, uaddr, ulenp, (u32)flags,
			   sock_deadline(so, true));
	return fs_call_done(ref, r);
}

SYSCALL(NR_accept, accept)
{
	return do_accept((int)a0, a1, a2, 0);
}

SYSCALL(NR_accept4, accept4)
{
	return do_accept((int)a0, a1, a2, (u32)a3);
}

static long do_getname(int fd, u64 uaddr, u64 ulenp, bool peer)
{
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get(fd, &ref, &r);
	if (!so)
		return r;
	struct sockaddr_storage a;
	memset(&a, 0, sizeof a);
	int n = so->ops->getname ? so->ops->getname(so, &a, peer) : -EOPNOTSUPP;
	fd_ref_put(ref);
	if (n < 0)
		return n;
	return sock_addr_out(uaddr, ulenp, &a, (u32)n);
}

SYSCALL(NR_getsockname, getsockname)
{
	return do_getname((int)a0, a1, a2, false);
}

SYSCALL(NR_getpeername, getpeername)
{
	return do_getname((int)a0, a1, a2, true);
}

SYSCALL(NR_shutdown, shutdown)
{
	int how = (int)a1;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	if (how < SHUT_RD || how > SHUT_RDWR)
		r = -EINVAL;
	else
		r = so->ops->shutdown ? so->ops->shutdown(so, how) : -EOPNOTSUPP;
	fd_ref_put(ref);
	return r;
}

SYSCALL(NR_setsockopt, setsockopt)
{
	int len = (int)a4;
	if (len < 0)
		return -EINVAL;
	u8 val[OPT_MAX];
	u32 n = MIN((u32)len, (u32)sizeof val);
	if (n && copy_from_domain(cur_dom(), val, a3, n) < 0)
		return -EFAULT;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	r = sock_setsockopt(so, (int)a1, (int)a2, val, n);
	fd_ref_put(ref);
	return r;
}

SYSCALL(NR_getsockopt, getsockopt)
{
	int len;
	if (copy_from_domain(cur_dom(), &len, a4, sizeof len) < 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	u8 val[OPT_MAX];
	memset(val, 0, sizeof val);
	u32 n = sizeof val;
	r = sock_getsockopt(so, (int)a1, (int)a2, val, &n);
	fd_ref_put(ref);
	if (r < 0)
		return r;
	n = MIN(n, (u32)len);
	if (n && copy_to_domain(cur_dom(), a3, val, n) < 0)
		return -EFAULT;
	return copy_to_domain(cur_dom(), a4, &n, sizeof n) < 0 ? -EFAULT : 0;
}

/* ---- messages ---- */

/*
 * A buffer's first bytes out in swap come back before a transfer starts:
 * a receive consumes what it copies and cannot park midway.
 */
#define SOCK_SWAPIN_MAX (256 * 1024)

/* A user msghdr's data as a uio (iov kmalloc'd into *iovp): EMSGSIZE, EINVAL, EFAULT. */
static long import_iov(u64 uiov, u64 cnt, struct kiovec **iovp, struct uio *u)
{
	*iovp = NULL;
	if (cnt > UIO_MAXIOV)
		return -EMSGSIZE;
	if (cnt == 0) {
		uio_init_iov(u, cur_dom(), NULL, 0, 0);
		return 0;
	}
	struct kiovec *iov = kmalloc(cnt * sizeof *iov);
	if (!iov)
		return -ENOMEM;
	*iovp = iov;
	_Static_assert(sizeof(struct kiovec) == sizeof(struct linux_iovec64), "iovec layout");
	if (copy_from_domain(cur_dom(), iov, uiov, cnt * sizeof *iov) < 0)
		return -EFAULT;
	u64 total = 0;
	for (u64 i = 0; i < cnt; i++) {
		if ((i64)iov[i].len < 0)
			return -EINVAL;
		if (!user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
		if (iov[i].len > MAX_RW_COUNT - total)
			iov[i].len = MAX_RW_COUNT - total;
		total += iov[i].len;
	}
	uio_init_iov(u, cur_dom(), iov, (int)cnt, total);
	return 0;
}

long sock_msgcall_in(u64 umsg, struct sock_msgcall *c, bool send)
{
	memset(c, 0, sizeof *c);
	if (copy_from_domain(cur_dom(), &c->h, umsg, sizeof c->h) < 0)
		return -EFAULT;
	/* Linux cuts a long name to sockaddr_storage's size rather than failing. */
	c->namelen = c->h.msg_name ? MIN(c->h.msg_namelen, (u32)sizeof c->addr) : 0;
	if (send && c->namelen && copy_from_domain(cur_dom(), &c->addr, c->h.msg_name, c->namelen) < 0)
		return -EFAULT;
	long r = import_iov(c->h.msg_iov, c->h.msg_iovlen, &c->iov, &c->uio);
	if (r == 0)
		r = uio_swapin(&c->uio, SOCK_SWAPIN_MAX); /* before any byte moves (fs/uio.h) */
	if (r < 0)
		return r;
	if (c->h.msg_controllen > INT32_MAX)
		return -ENOBUFS;
	c->ctllen = c->h.msg_control ? c->h.msg_controllen : 0;
	if (c->ctllen) {
		if (send && c->ctllen > CTL_MAX)
			return -ENOBUFS;
		c->ctllen = MIN(c->ctllen, (u64)CTL_MAX);
		c->ctl = kmalloc(c->ctllen);
		if (!c->ctl)
			return -ENOBUFS;
		if (send && copy_from_domain(cur_dom(), c->ctl, c->h.msg_control, c->ctllen) < 0)
			return -EFAULT;
	}
	return 0;
}

void sock_msgcall_free(struct sock_msgcall *c)
{
	kfree(c->iov);
	kfree(c->ctl);
	c->iov = NULL;
	c->ctl = NULL;
}

long sock_msgcall_send(struct socket *so, struct sock_msgcall *c, u32 flags, u64 deadline,
		       u64 *done)
{
	struct scm scm = {0};
	long r = c->ctllen ? scm_parse(so, c->ctl, c->ctllen, &scm) : 0;
	if (r == 0) {
		struct kmsg m = {.uio = &c->uio, .flags = flags, .scm = &scm};
		if (c->namelen) {
			m.to = &c->addr;
			m.tolen = c->namelen;
		}
		m.done = *done;
		if (m.done)
			uio_skip(&c->uio, m.done);
		m.deadline = deadline;
		r = sock_parked(so->ops->sendmsg(so, &m), m.deadline);
		*done = m.done;
	}
	scm_destroy(&scm);
	return r;
}

long sock_msgcall_recv(struct socket *so, struct sock_msgcall *c, u64 umsg, u32 flags,
		       u64 deadline, u64 *done)
{
	struct scm scm = {0};
	struct kmsg m = {.uio = &c->uio, .flags = flags, .scm = &scm};
	if (c->h.msg_name)
		m.from = &c->addr;
	m.done = *done;
	if (m.done)
		uio_skip(&c->uio, m.done);
	m.deadline = deadline;
	long r;
	if (flags & MSG_ERRQUEUE) /* never waits: the queue holds an error or it does not */
		r = so->ops->recv_errqueue ? so->ops->recv_errqueue(so, &m) : -EAGAIN;
	else
		r = sock_parked(so->ops->recvmsg(so, &m), m.deadline);
	*done = m.done;
	if (r < 0) {
		scm_destroy(&scm);
		return r;
	}
	bool creds = __atomic_load_n(&so->opts, __ATOMIC_RELAXED) & SOF_PASSCRED;
	u32 oflags = m.out_flags | (flags & MSG_CMSG_CLOEXEC);
	u64 used = scm_put(&scm, creds, &oflags, c->ctl, c->ctllen);
	if (m.ctl_len)
		used = cmsg_put(c->ctl, c->ctllen, used, m.ctl_level, m.ctl_type, m.ctl, m.ctl_len, &oflags);
	long e = 0;
	if (used && copy_to_domain(cur_dom(), c->h.msg_control, c->ctl, used) < 0) {
		scm_undo(c->ctl, used);
		e = -EFAULT;
	}
	struct domain *d = cur_dom();
	u64 base = umsg;
	if (!e && c->h.msg_name)
		e = sock_addr_out(c->h.msg_name, base + offsetof(struct linux_msghdr, msg_namelen),
				  &c->addr, m.fromlen);
	else if (!e)
		e = copy_to_domain(d, base + offsetof(struct linux_msghdr, msg_namelen), &m.fromlen,
				   sizeof m.fromlen);
	i32 fl = (i32)oflags;
	if (!e && copy_to_domain(d, base + offsetof(struct linux_msghdr, msg_flags), &fl, sizeof fl) < 0)
		e = -EFAULT;
	if (!e && copy_to_domain(d, base + offsetof(struct linux_msghdr, msg_controllen), &used,
				 sizeof used) < 0)
		e = -EFAULT;
	return e ? e : r;
}

/*
 * One sendmsg on so (done: bytes a parked run of this call already sent;
 * the total goes back in *done). Bytes sent or -errno.
 */
static long send_one(struct socket *so, struct file *f, u64 umsg, u32 flags, u64 *done,
		     bool *partial)
{
	struct sock_msgcall c;
	long r = sock_msgcall_in(umsg, &c, true);
	if (r == 0) {
		r = sock_msgcall_send(so, &c, nonblock_flags(f, flags), sock_deadline(so, false), done);
		*partial = c.uio.resid > 0;
	}
	sock_msgcall_free(&c);
	return r;
}

/* One recvmsg on so, the user's msghdr updated (name, flags, control). */
static long recv_one(struct socket *so, struct file *f, u64 umsg, u32 flags, u64 *done)
{
	struct sock_msgcall c;
	long r = sock_msgcall_in(umsg, &c, false);
	if (r == 0)
		r = sock_msgcall_recv(so, &c, umsg, nonblock_flags(f, flags), sock_deadline(so, true),
				      done);
	sock_msgcall_free(&c);
	return r;
}

SYSCALL(NR_sendmsg, sendmsg)
{
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	u64 done = park_progress();
	bool partial;
	r = send_one(so, ref.f, a1, (u32)a2, &done, &partial);
	if (r == -ERESTART_PARK)
		park_save_progress(done);
	return fs_call_done(ref, r);
}

SYSCALL(NR_recvmsg, recvmsg)
{
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	u64 done = park_progress();
	r = recv_one(so, ref.f, a1, (u32)a2, &done);
	if (r == -ERESTART_PARK)
		park_save_progress(done);
	return fs_call_done(ref, r);
}

SYSCALL(NR_sendto, sendto)
{
	u64 len = MIN(a2, (u64)INT32_MAX);
	struct sockaddr_storage addr;
	long alen = 0;
	if (a4) {
		alen = addr_in(a4, a5, &addr);
		if (alen < 0)
			return alen;
	}
	if (!user_range_ok(a1, len))
		return -EFAULT;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	struct uio u;
	uio_init_user(&u, cur_dom(), a1, len);
	if ((r = uio_swapin(&u, SOCK_SWAPIN_MAX)) < 0)
		return fs_call_done(ref, r);
	struct kmsg m = {.uio = &u, .flags = nonblock_flags(ref.f, (u32)a3)};
	if (a4) {
		m.to = &addr;
		m.tolen = (u32)alen;
	}
	r = sock_transfer(so, &m, true);
	return fs_call_done(ref, r);
}

SYSCALL(NR_recvfrom, recvfrom)
{
	u64 len = MIN(a2, (u64)INT32_MAX);
	if (!user_range_ok(a1, len))
		return -EFAULT;
	long r;
	struct fd_ref ref;
	struct socket *so = sock_get((int)a0, &ref, &r);
	if (!so)
		return r;
	struct uio u;
	uio_init_user(&u, cur_dom(), a1, len);
	if ((r = uio_swapin(&u, SOCK_SWAPIN_MAX)) < 0)
		return fs_call_done(ref, r);
	struct sockaddr_storage from;
	struct scm scm = {0};
	struct kmsg m = {.uio = &u, .flags = nonblock_flags(ref.f, (u32)a3), .scm = &scm};
	if (a4)
		m.from = &from;
	if ((u32)a3 & MSG_ERRQUEUE) /* the error's data without its control message, as Linux */
		r = so->ops->recv_errqueue ? so->ops->recv_errqueue(so, &m) : -EAGAIN;
	else
		r = sock_transfer(so, &m, false);
	scm_destroy(&scm);
	if (r >= 0 && a4) {
		long e = sock_addr_out(a4, a5, &from, m.fromlen);
		if (e < 0)
			r = e;
	}
	return fs_call_done(ref, r);
}

/*
 * sendmmsg and recvmmsg: where a parked call is in the vector (the
 * message, the bytes of it done, recvmmsg's own deadline) and its file,
 * held across the park. progress counts the messages done (and the one
 * begun), which is what a signal makes the call return.
 */
struct mmsg_call {
	struct file *f;
	u32 index;
	u64 done;
	u64 deadline;
};

static void mmsg_release(void *arg)
{
	struct mmsg_call *c = arg;
	file_put(c->f);
	kfree(c);
}

static long mmsg(int fd, u64 uvec, u64 vlen, u32 flags, u64 utimeout, bool send)
{
	struct mmsg_call *c = park_take(mmsg_release);
	if (!c) {
		c = knew(struct mmsg_call);
		if (!c)
			return -ENOMEM;
		c->f = fs_fget(fd);
		if (!c->f) {
			kfree(c);
			return -EBADF;
		}
		if (utimeout) {
			i64 ts[2];
			if (copy_from_domain(cur_dom(), ts, utimeout, sizeof ts) < 0) {
				mmsg_release(c);
				return -EFAULT;
			}
			if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (i64)NSEC) {
				mmsg_release(c);
				return -EINVAL;
			}
			c->deadline = tsc_ns() + (u64)ts[0] * NSEC + (u64)ts[1];
		}
	}
	struct socket *so = file_socket(c->f);
	if (!so) {
		mmsg_release(c);
		return -ENOTSOCK;
	}
	vlen = MIN(vlen, (u64)UIO_MAXIOV);
	long r = 0;
	bool partial = false;
	while (c->index < vlen) {
		u64 entry = uvec + c->index * sizeof(struct linux_mmsghdr);
		u32 fl = flags & ~(u32)MSG_WAITFORONE;
		if ((flags & MSG_WAITFORONE) && c->index > 0)
			fl |= MSG_DONTWAIT;
		r = send ? send_one(so, c->f, entry, fl, &c->done, &partial)
			 : recv_one(so, c->f, entry, fl, &c->done);
		if (r == -ERESTART_PARK) {
			/* Record what the begun message moved, for a signal to report. */
			u32 partial = (u32)c->done;
			if (c->done)
				copy_to_domain(cur_dom(), entry + offsetof(struct linux_mmsghdr, msg_len),
					       &partial, sizeof partial);
			park_save_progress(c->index + (c->done ? 1 : 0));
			park_hold(mmsg_release, c); /* restartable: invariant 3 */
			return r;
		}
		if (r < 0)
			break;
		u32 n = (u32)r;
		if (copy_to_domain(cur_dom(), entry + offsetof(struct linux_mmsghdr, msg_len), &n, sizeof n) < 0) {
			r = -EFAULT;
			break;
		}
		c->index++;
		c->done = 0;
		if (send && partial)
			break; /* a short send ends the vector, as on Linux */
		if (!send && c->deadline && tsc_ns() >= c->deadline)
			break; /* recvmmsg's timeout is looked at between datagrams, as on Linux */
	}
	u32 count = c->index;
	if (!send && utimeout && count) {
		u64 now = tsc_ns(), left = c->deadline > now ? c->deadline - now : 0;
		i64 ts[2] = {(i64)(left / NSEC), (i64)(left % NSEC)};
		if (copy_to_domain(cur_dom(), utimeout, ts, sizeof ts) < 0)
			r = -EFAULT, count = 0;
	}
	mmsg_release(c);
	return count ? (long)count : r;
}

SYSCALL(NR_sendmmsg, sendmmsg)
{
	return mmsg((int)a0, a1, a2, (u32)a3, 0, true);
}

SYSCALL(NR_recvmmsg, recvmmsg)
{
	return mmsg((int)a0, a1, a2, (u32)a3, a4, false);
}
