/*
 * The socket layer (kernel/net): what every network-shaped thing plugs
 * into. It sits above the file system and ipc, below procfs and exec.
 *
 * What the core owns (socket.c, sockopt.c, scm.c, sys_socket.c):
 *  - struct socket: an S_IFSOCK inode (fstat, /proc/<pid>/fd shows
 *    socket:[ino]) and one open file whose file_ops (read, write, poll,
 *    ioctl, release) lead to the family's operations. The socket lives in
 *    its inode's allocation and is freed when the inode goes, after the
 *    file's release has let the family let go of its state.
 *  - the system calls (sys_socket.c): descriptors to sockets, user
 *    memory to kernel copies (addresses, msghdrs, iovecs, control
 *    messages), and back; a family never touches user memory except
 *    through the uio of struct kmsg.
 *  - the SOL_SOCKET options every family shares (buffer sizes, timeouts,
 *    SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER, SO_PASSCRED, SO_ERROR...),
 *    kept in struct socket for the family to read; the family answers
 *    the rest (SO_PEERCRED, its own levels).
 *  - control messages (scm.c): SCM_RIGHTS and SCM_CREDENTIALS parsed on
 *    send into struct scm, and written back on receive (the descriptors
 *    installed there, MSG_CTRUNC when they do not fit).
 *  - waiting: a family that must wait calls sock_wait with the call's
 *    deadline (SO_RCVTIMEO/SO_SNDTIMEO, kept across restarts) and returns
 *    -ERESTART_PARK; the core keeps the file across the park (a close in
 *    another thread does not end a blocked call, as on Linux) and keeps
 *    the call's progress (m->done), so a partial send resumes where it
 *    stopped and a signal reports what moved (invariant 3). Calls with a
 *    timeout are not restarted after a handler (signal(7)).
 *
 * How a family plugs in: NET_FAMILY(id, AF_x, create) beside its code
 * (the linker gathers them, as FSTYPE() does for file systems), so the
 * core never names a family. create() checks the type and protocol,
 * sets so->ops (one struct proto_ops per type, or one for all) and
 * so->sk (its own state). From then on the core calls only so->ops.
 *
 * Locking: the core's per-socket options are atomics ([a]); everything
 * else in struct socket is [I] after create. A family guards its state
 * with its own short spinlocks, never held across a return to the
 * executor (invariant 4); a copy through the uio may be done under them
 * (a spinning core answers TLB shootdowns, lib/spinlock.h). Wait queues
 * a family parks on must live as long as its socket's file (a call that
 * waits holds the file), or be global (sock_peer_waitq).
 */
#pragma once

#include "lib/types.h"
#include "fs/vfs.h"
#include "fs/uio.h"
#include "net/abi.h"
#include "sched/waitq.h"

struct poll_set;
struct socket;
struct domain;

/* Descriptors and credentials sent with a message (SCM_RIGHTS, SCM_CREDENTIALS). */
struct scm {
	struct file **files;     /* a reference each; kmalloc'd */
	u32 nfiles;
	bool creds_set;          /* send: the caller named credentials; recv: creds are valid */
	struct linux_ucred creds;
};

/*
 * One send or receive, as the family sees it. The core fills the inputs;
 * a receive fills the outputs.
 */
struct kmsg {
	struct uio *uio;         /* the data: consumed as it moves */
	u32 flags;               /* MSG_* of the call; MSG_DONTWAIT set for O_NONBLOCK files */
	u64 done;                /* bytes moved by earlier runs of this call (restart); the family
	                            adds what it moves and returns the total */
	u64 deadline;            /* SO_RCVTIMEO/SO_SNDTIMEO as a tsc_ns deadline; 0: none */
	/* send */
	const struct sockaddr_storage *to; /* the destination, or NULL: the connected peer */
	u32 tolen;
	struct scm *scm;         /* send: what the control messages carry (NULL: nothing); the
	                            family takes the files (sets nfiles 0) if it keeps them.
	                            recv: where the family leaves what came with the data */
	/* receive */
	struct sockaddr_storage *from; /* the sender's name, if the caller wants it (else NULL) */
	u32 fromlen;             /* its length; 0: none */
	u32 out_flags;           /* MSG_TRUNC, MSG_CTRUNC, MSG_EOR for the caller's msg_flags */
	/* recv: one control message of the family's own (IP_RECVERR's), after scm's */
	int ctl_level, ctl_type;
	u32 ctl_len;             /* 0: none */
	u8 ctl[48];
};

/*
 * A family's operations for one socket type. Every operation returns 0
 * (or a count) or -errno; those that may wait return -ERESTART_PARK after
 * sock_wait. Addresses are kernel copies of at most SOCKADDR_MAX bytes.
 * A NULL operation gives the error Linux gives for a family without it
 * (EOPNOTSUPP, or EINVAL for bind and connect).
 */
struct proto_ops {
	/* The socket's file is gone: let go of the family's state (it may live on, TIME_WAIT). */
	void (*release)(struct socket *so);
	int (*bind)(struct socket *so, const struct sockaddr_storage *addr, u32 len);
	/* flags: O_NONBLOCK from the file; deadline: SO_SNDTIMEO's. */
	int (*connect)(struct socket *so, const struct sockaddr_storage *addr, u32 len, u32 flags,
		       u64 deadline);
	/* Two fresh sockets of the family become a connected pair (socketpair(2)). */
	int (*socketpair)(struct socket *a, struct socket *b);
	/* backlog: already capped at SOMAXCONN; sets so->listening on success. */
	int (*listen)(struct socket *so, int backlog);
	/* Take a connection into newso (fresh, same family and type, no sk yet). */
	int (*accept)(struct socket *so, struct socket *newso, u32 flags, u64 deadline);
	/* The socket's own name (peer false) or its peer's into addr; the length, or -errno. */
	int (*getname)(struct socket *so, struct sockaddr_storage *addr, bool peer);
	/* Ready events (POLLIN...); with ps, also register the queues a change would wake. */
	u32 (*poll)(struct socket *so, struct poll_set *ps);
	/*
	 * SIOCINQ, SIOCOUTQ and the family's own (arg: the user's, in dom);
	 * -ENOTTY if unknown, and the socket layer tries netdev_ioctl.
	 */
	long (*ioctl)(struct socket *so, u32 cmd, u64 arg, struct domain *dom);
	/* how: SHUT_RD, SHUT_WR or SHUT_RDWR (checked). */
	int (*shutdown)(struct socket *so, int how);
	/* Options the core does not keep: val is a kernel copy of len bytes. -ENOPROTOOPT if unknown. */
	int (*setsockopt)(struct socket *so, int level, int name, const void *val, u32 len);
	/* val has room for *len bytes (at least 256); set *len to what was written. */
	int (*getsockopt)(struct socket *so, int level, int name, void *val, u32 *len);
	ssize_t (*sendmsg)(struct socket *so, struct kmsg *m);
	ssize_t (*recvmsg)(struct socket *so, struct kmsg *m);
	/*
	 * SO_ERROR when so->err is clear: a protocol that keeps its own
	 * pending error (TCP's refused connect, UDP's ICMP errors) hands it
	 * over, cleared. NULL: so->err is the only one.
	 */
	int (*take_error)(struct socket *so);
	/*
	 * recvmsg(MSG_ERRQUEUE): the oldest queued error (never waits; -EAGAIN
	 * when there is none). NULL: the family queues none, always -EAGAIN.
	 */
	ssize_t (*recv_errqueue)(struct socket *so, struct kmsg *m);
	bool pass_rights;        /* [I] SCM_RIGHTS may be sent (AF_UNIX); elsewhere EINVAL */
};

/* A family: registered with NET_FAMILY, found by socket(2) through net_family_find. [I] */
struct net_family {
	int family;
	/* At boot, before any socket (may be NULL). */
	void (*init)(void);
	/*
	 * Make so (so->type and so->protocol set, SOCK_* flags removed) a
	 * socket of this family: set so->ops and so->sk. -ESOCKTNOSUPPORT or
	 * -EPROTONOSUPPORT as Linux gives them; it may change so->type
	 * (AF_UNIX takes SOCK_RAW as SOCK_DGRAM).
	 */
	int (*create)(struct socket *so);
};
#define NET_FAMILY(id, family_, init_, create_)                                             \
	static const struct net_family net_family_##id                                       \
	    __attribute__((section(".netfamilies"), used, aligned(8))) = {family_, init_, create_}
const struct net_family *net_family_find(int family);

/* Options kept by the core (SOL_SOCKET), bits of socket.opts. */
enum {
	SOF_REUSEADDR = 1 << 0,
	SOF_KEEPALIVE = 1 << 1,
	SOF_BROADCAST = 1 << 2,
	SOF_DONTROUTE = 1 << 3,
	SOF_OOBINLINE = 1 << 4,
	SOF_PASSCRED = 1 << 5,
	SOF_REUSEPORT = 1 << 6,
	SOF_DEBUG = 1 << 7,
};

/*
 * Locks used to protect struct members in this file:
 *  I  immutable after create (or accept, for an accepted socket)
 *  a  atomic
 */
struct socket {
	struct inode inode;          /* S_IFSOCK; the socket is freed with it */
	struct file *file;           /* [I] its open file (no reference: the file holds the inode) */
	int family;                  /* [I] AF_* */
	int type;                    /* [I] SOCK_* */
	int protocol;                /* [I] */
	const struct proto_ops *ops; /* [I] */
	void *sk;                    /* [I] the family's state */
	bool listening;              /* [a] listen(2) succeeded (SO_ACCEPTCONN) */
	u32 opts;                    /* [a] SOF_* */
	u32 sndbuf, rcvbuf;          /* [a] bytes (what getsockopt shows: twice what was asked) */
	u32 rcvlowat;                /* [a] */
	i32 err;                     /* [a] SO_ERROR: a pending asynchronous error, positive */
	u32 priority, mark;          /* [a] SO_PRIORITY, SO_MARK: kept for the family */
	struct linux_linger linger;  /* [a] each field */
	u64 rcvtimeo, sndtimeo;      /* [a] ns; 0: wait for ever */
	u64 cookie;                  /* [I] SO_COOKIE: unique, never reused */
};

/* Linux's defaults and bounds (net.core.wmem_default, wmem_max...; SOCK_MIN_SNDBUF). */
#define SOCK_DEFAULT_BUF 212992
#define SOCK_MAX_BUF     212992
#define SOCK_MIN_SNDBUF  4608
#define SOCK_MIN_RCVBUF  2304

/* ---- for the system calls and families (socket.c) ---- */

/* At boot, before the first process. */
void net_init(void);

/* The socket behind an open file, or NULL if it is not one. */
struct socket *file_socket(struct file *f);
/* netdevice(7)'s interface requests, on a socket of any family (inet_ioctl.c); -ENOTTY if none. */
long netdev_ioctl(u32 cmd, u64 arg, struct domain *dom);
/*
 * A new socket and its open file: flags are SOCK_NONBLOCK (O_NONBLOCK);
 * the family's create() has run. -errno as socket(2) gives.
 */
int sock_create(int family, int type, int protocol, u32 flags, struct socket **out);
/* A socket for accept(2) to fill: same family, type and ops as so, no sk yet. */
int sock_create_child(struct socket *so, u32 flags, struct socket **out);

/*
 * Wait on q (the caller holds q->lock, having found what it waits for
 * missing) until woken or until deadline (0: none): -ERESTART_PARK, or
 * -EAGAIN if the deadline has passed. The core keeps the call's file and
 * arms the deadline once the family has returned (sock_parked), so no
 * family lock is ever held while a timer is armed (a timer's function may
 * take a family's locks); a timed wait is not restarted after a handler.
 */
long sock_wait(struct waitq *q, u64 deadline);
/* The core, after an operation returned r: a park with a deadline gets its timeout. r. */
long sock_parked(long r, u64 deadline);
/* The deadline of a call's wait by so's SO_RCVTIMEO (rcv) or SO_SNDTIMEO, kept across restarts. */
u64 sock_deadline(struct socket *so, bool rcv);
/*
 * One send (send true) or receive on so, as a call that keeps its
 * progress across parks: m->done and m->deadline are set here.
 */
ssize_t sock_transfer(struct socket *so, struct kmsg *m, bool send);
/*
 * Global queues for waits on another socket that the waiter holds no
 * reference to (a datagram sender waiting for room at a receiver, a
 * connect waiting for a full backlog): never freed, picked by the
 * object's address, so a wake may be spurious (the call re-checks).
 */
struct waitq *sock_peer_waitq(const void *obj);
/* A send that found the other end gone: SIGPIPE unless MSG_NOSIGNAL; returns -EPIPE. */
long sock_epipe(u32 flags);
/* The calling process's credentials for SCM_CREDENTIALS and SO_PEERCRED. */
struct linux_ucred sock_cur_creds(void);

/* ---- the system calls' own steps, shared with io_uring's socket operations (sys_socket.c) ---- */

/*
 * accept(2) on so: the new connection's descriptor (flags: SOCK_CLOEXEC,
 * SOCK_NONBLOCK for it), its peer's name to uaddr/ulenp (user, in
 * cur_dom) when uaddr is not 0. nonblock: EAGAIN rather than wait;
 * deadline: 0 for none. -ERESTART_PARK while it waits (restartable).
 */
long sock_accept_fd(struct socket *so, bool nonblock, u64 uaddr, u64 ulenp, u32 flags,
		    u64 deadline);
/* An address to the user: as much as *ulenp says fits, and its real length in *ulenp. */
long sock_addr_out(u64 uaddr, u64 ulenp, const struct sockaddr_storage *a, u32 alen);

/* What one sendmsg or recvmsg works with, read from the user's msghdr (in cur_dom). */
struct sock_msgcall {
	struct linux_msghdr h;
	struct kiovec *iov;      /* kmalloc'd: uio consumes it */
	struct uio uio;          /* the data */
	struct sockaddr_storage addr; /* send: the destination (namelen bytes); recv: the sender */
	u32 namelen;
	void *ctl;               /* kmalloc'd: send, a copy of the control data; recv, room for it */
	u64 ctllen;
};
/* Read the msghdr at umsg and what it points at (send: the name and control data too). */
long sock_msgcall_in(u64 umsg, struct sock_msgcall *c, bool send);
void sock_msgcall_free(struct sock_msgcall *c);
/*
 * sendmsg(2) and recvmsg(2) with c on so: flags are final (MSG_DONTWAIT
 * for a call that must not wait), deadline 0 for none, *done the bytes
 * earlier runs moved (updated). recv writes the name, flags and control
 * data back into the user's msghdr at umsg. Bytes, -errno or -ERESTART_PARK.
 */
long sock_msgcall_send(struct socket *so, struct sock_msgcall *c, u32 flags, u64 deadline,
		       u64 *done);
long sock_msgcall_recv(struct socket *so, struct sock_msgcall *c, u64 umsg, u32 flags,
		       u64 deadline, u64 *done);

/* ---- /proc/net (each family's walk of its sockets, for procfs) ---- */

/* /proc/net/unix: the header, then a line per AF_UNIX socket, each passed to line(ctx, text). */
void unix_proc_lines(void (*line)(void *ctx, const char *text), void *ctx);

/* ---- options (sockopt.c) ---- */

/* setsockopt(2) and getsockopt(2) on so: SOL_SOCKET here, the rest by the family. */
int sock_setsockopt(struct socket *so, int level, int name, const void *val, u32 len);
int sock_getsockopt(struct socket *so, int level, int name, void *val, u32 *len);

/* ---- control messages (scm.c) ---- */

/* Drop what an scm holds (the files' references) and its array. */
void scm_destroy(struct scm *scm);
/* Close the descriptors scm_put installed in buf (the copy to the caller failed). */
void scm_undo(const void *buf, u64 len);
/*
 * sendmsg's control buffer (a kernel copy of len bytes) into scm: the
 * descriptors of SCM_RIGHTS (a reference each; EBADF, EINVAL past
 * SCM_MAX_FD or on a family without pass_rights) and SCM_CREDENTIALS
 * (EPERM for someone else's). Other levels are the protocol's and left.
 */
int scm_parse(struct socket *so, const void *buf, u64 len, struct scm *scm);
/*
 * recvmsg's control messages from scm into a kernel buffer of cap bytes:
 * credentials when wanted (SO_PASSCRED), then the descriptors, installed
 * in the caller's table (O_CLOEXEC with MSG_CMSG_CLOEXEC); what does not
 * fit sets MSG_CTRUNC in *flags and is dropped. Bytes written. scm's
 * files are consumed.
 */
u64 scm_put(struct scm *scm, bool creds, u32 *flags, void *buf, u64 cap);
/* One control message at off in buf (cap bytes), truncated as Linux does (MSG_CTRUNC); the new off. */
u64 cmsg_put(void *buf, u64 cap, u64 off, int level, int type, const void *data, u64 dlen,
	     u32 *flags);
