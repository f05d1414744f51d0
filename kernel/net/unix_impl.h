/*
 * AF_UNIX's insides (unix(7)), shared by unix.c (sockets, names,
 * connections), unix_msg.c (sending and receiving), unix_gc.c
 * (descriptors in flight and the collector of their cycles) and
 * unix_proc.c (/proc/net/unix); nothing else includes it.
 *
 * A struct unix_sock is the family's state behind a socket (so->sk). It
 * is reference counted apart from the socket: its peer, the messages it
 * sent (which still count against its send buffer) and the name table
 * hold references, so it outlives its file. An embryo is the server end
 * of a connection not yet accepted: a unix_sock with no socket, queued
 * on its listener.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after creation
 *  a  atomic
 *  u  unix_sock.lock (of the socket the field is in)
 *  t  unix_table_lock (names, and the list of every socket)
 *  g  unix_gc_lock (unix_gc.c)
 *
 * Order: unix_gc_lock -> a listener's lock -> the connecting socket's
 * lock -> wait queue locks, and unix_table_lock -> a socket's lock. A
 * sender takes only its receiver's lock to queue a message; nothing holds
 * two sockets' locks but connect (listener, then client) and the
 * collector (a listener, then its embryos).
 */
#pragma once

#include "net/net.h"
#include "lib/list.h"

enum unix_state {
	UNIX_UNCONNECTED, /* Linux's TCP_CLOSE */
	UNIX_LISTEN,
	UNIX_CONNECTED,   /* TCP_ESTABLISHED */
};

enum {
	RCV_SHUTDOWN = 1,  /* no more to receive (we did SHUT_RD, or the peer SHUT_WR or went) */
	SEND_SHUTDOWN = 2, /* no more to send */
	SHUTDOWN_MASK = 3,
};

/* A bound name, shared by a listener and the sockets accepted from it. */
struct unix_addr {
	u32 refs;               /* [a] */
	u32 len;                /* [I] bytes of name that count (the sockaddr length getsockname gives) */
	struct sockaddr_un name; /* [I] a path (NUL-terminated) or an abstract name (leading NUL) */
};

struct unix_msg {
	struct list_node node;    /* [receiver's u] in its rq */
	struct unix_sock *sender; /* a reference: its wmem counts truesize until we are freed */
	struct unix_addr *from;   /* datagrams: the sender's name when sent (a reference), or NULL */
	struct file **files;      /* SCM_RIGHTS in flight (a reference each), or NULL */
	u32 nfiles;
	struct linux_ucred cred;  /* the sender's pid, uid, gid (or what SCM_CREDENTIALS named) */
	u32 len;                  /* bytes of data */
	u32 off;                  /* stream: bytes already read from it [receiver's u] */
	u32 truesize;             /* what it counts against the sender's buffer */
	u8 data[];
};

struct unix_sock {
	struct spinlock lock;
	u32 refs;                  /* [a] */
	int type;                  /* [I] SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	struct socket *so;         /* [u] its socket while the file lives; NULL for an embryo
	                              and after release */
	u8 state;                  /* [u] enum unix_state */
	u8 shutdown;               /* [u] RCV_SHUTDOWN | SEND_SHUTDOWN */
	bool dead;                 /* [u] released: nothing more is queued here */
	int err;                   /* [u] pending error for SO_ERROR and reads (ECONNRESET) */
	struct unix_sock *peer;    /* [u] a reference */
	struct unix_addr *addr;    /* [u] (set once, under t too) a reference, or NULL: unbound */
	struct inode *path_ip;     /* [t] the bound path's inode (a reference), or NULL */
	struct list_node name_node; /* [t] in its name table bucket while bound */
	struct list_node all_node; /* [t] in unix_all */
	struct list_node rq;       /* [u] received messages (struct unix_msg), oldest first */
	u32 rq_len;                /* [u] messages in rq */
	u64 rq_bytes;              /* [u] bytes of data in rq not yet read */
	struct list_node backlog;  /* [u] a listener's embryos (struct unix_sock), oldest first */
	struct list_node accept_node; /* [listener's u] an embryo's link in its listener's backlog */
	u32 backlog_len;           /* [u] */
	u32 max_backlog;           /* [u] listen's backlog; for datagrams, Linux's max_dgram_qlen */
	u64 wmem;                  /* [a] truesize of what it sent that is still queued */
	struct linux_ucred peercred; /* [u] the peer's at connect or listen (SO_PEERCRED) */
	bool peercred_set;         /* [u] */
	struct waitq rwait;        /* readers and accepters; pollers of input */
	struct waitq wwait;        /* writers waiting for wmem to drain; pollers of output */
	/* unix_gc.c */
	u32 inflight;              /* [g] times its file sits in some queue (SCM_RIGHTS) */
	struct list_node gc_node;  /* [g] in the in-flight list while inflight > 0 */
	u32 gc_refs;               /* [g] the collector's scratch: references from candidates */
	u8 gc_flags;               /* [g] */
	struct unix_sock *gc_next; /* [g] the collector's work list */
};

extern struct spinlock unix_table_lock;
extern struct list_node unix_all; /* [t] every unix_sock, for /proc/net/unix */

/* unix.c */
struct unix_sock *unix_sock_new(int type);
void unix_sock_put(struct unix_sock *u);
static inline struct unix_sock *unix_sock_get(struct unix_sock *u)
{
	__atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
	return u;
}
void unix_addr_put(struct unix_addr *a);
/* The socket bound to addr (a reference), checking its type; -errno as connect gives. */
int unix_find(const struct sockaddr_storage *addr, u32 len, int type, struct unix_sock **out);
/* Check a sockaddr_un as Linux does (EINVAL). */
int unix_check_addr(const struct sockaddr_storage *addr, u32 len);
/* Bind u to a fresh abstract name, if it has none. */
int unix_autobind(struct unix_sock *u);
/* Is SO_PASSCRED set on u's socket? (u->so read under u->lock) */
bool unix_passcred(struct unix_sock *u);

/* unix_msg.c */
extern const struct proto_ops unix_stream_ops, unix_dgram_ops, unix_seqpacket_ops;
u32 unix_poll(struct socket *so, struct poll_set *ps);
ssize_t unix_stream_sendmsg(struct socket *so, struct kmsg *km);
ssize_t unix_stream_recvmsg(struct socket *so, struct kmsg *km);
ssize_t unix_dgram_sendmsg(struct socket *so, struct kmsg *km);
ssize_t unix_dgram_recvmsg(struct socket *so, struct kmsg *km);
ssize_t unix_seqpacket_sendmsg(struct socket *so, struct kmsg *km);
ssize_t unix_seqpacket_recvmsg(struct socket *so, struct kmsg *km);
void unix_msg_free(struct unix_msg *m);
/* Drop a queue's messages (a socket released, or the collector breaking a cycle). */
void unix_purge(struct list_node *q);

/* unix_gc.c */
/* m's files go in flight (ETOOMANYREFS beyond the sender's limit). */
int unix_inflight_add(struct file **files, u32 n);
/* They came out of flight (received, or dropped with their message). */
void unix_inflight_remove(struct file **files, u32 n);
/* A unix socket was released while sockets are in flight: look for unreachable cycles. */
void unix_gc(void);
