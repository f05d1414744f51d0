/*
 * What the IPv4 transports share on their socket side: the message
 * flags (Linux's values), the wait helper every blocking call parks
 * through, and the datagram sockets UDP and raw IP use (dgram.c).
 *
 * Each socket has one lock and one wait queue: readers, writers and
 * pollers all park on it, and every change that could let one of them
 * on wakes them all (a socket rarely has more than two waiters). A call
 * checks its condition under the socket's lock and parks with that lock
 * still held (net_wait), so a wake cannot fall between the two.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after creation
 *  a  atomic
 *  s  the socket's lock
 *  t  the protocol's table lock (udp_lock, raw_lock)
 */
#pragma once

#include "lib/list.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "net/ip.h"
#include "sched/waitq.h"

struct uio;
struct poll_set;

/* Message flags (Linux's values) */
#define NET_MSG_OOB 0x1
#define NET_MSG_PEEK 0x2
#define NET_MSG_DONTROUTE 0x4
#define NET_MSG_CTRUNC 0x8
#define NET_MSG_TRUNC 0x20
#define NET_MSG_DONTWAIT 0x40
#define NET_MSG_EOR 0x80
#define NET_MSG_WAITALL 0x100
#define NET_MSG_NOSIGNAL 0x4000
#define NET_MSG_MORE 0x8000

/* How a call may wait: never (MSG_DONTWAIT or O_NONBLOCK), until a deadline, or for ever. */
struct net_wait {
	bool nonblock;
	u64 deadline; /* tsc_ns; SO_RCVTIMEO / SO_SNDTIMEO kept across restarts; 0: none */
};

/*
 * Park on q (the caller holds its socket's lock; q->lock is taken and
 * dropped here) until woken: -ERESTART_PARK, or -EAGAIN when it cannot
 * wait (non-blocking, or the deadline has passed). As with the socket
 * layer's sock_wait, the deadline's timer is armed by whoever made the
 * call once every lock is dropped (the socket core's sock_parked; a kernel
 * task itself).
 */
long net_wait(struct waitq *q, const struct net_wait *w);

/* The ephemeral port range (Linux's default, ip_local_port_range). */
#define PORT_EPH_LO 32768
#define PORT_EPH_HI 60999

/* A datagram socket: UDP, or raw IP of one protocol. */
struct dgram_sock {
	struct spinlock lock;
	u32 refs;		  /* [a] */
	u8 proto;		  /* [I] IPPROTO_UDP, or a raw socket's protocol */
	bool raw;		  /* [I] */
	u32 laddr, faddr;	  /* [s] and [t] to change: the table reads them */
	u16 lport, fport;	  /* [s] and [t] */
	bool bound, connected;	  /* [s] and [t] */
	struct list_node link;	  /* [t] in the protocol's table */
	struct list_node rxq;	  /* [s] pkbs: the payload (raw: the IP header) from data */
	u32 rx_bytes;		  /* [s] truesize of rxq */
	u32 rcvbuf, sndbuf;	  /* [s] */
	int err;		  /* [s] a pending asynchronous error (SO_ERROR), positive */
	bool shut_rd, shut_wr;	  /* [s] */
	bool reuseaddr, reuseport; /* [s] */
	bool recverr_refused;	  /* [s] a connected socket gets ECONNREFUSED from ICMP */
	bool recverr;		  /* [s] to change, read atomically: IP_RECVERR (ip(7)), ICMP
				     errors queued in errq for recvmsg(MSG_ERRQUEUE) */
	struct list_node errq;	  /* [s] struct dgram_err, oldest first; counted in rx_bytes */
	struct ip_opts ipo;	  /* [s] TTL, TOS, broadcast */
	u64 drops;		  /* [s] datagrams dropped for want of room */
	struct waitq wq;	  /* everyone waiting on the socket */
	u64 inode;		  /* [I] for /proc/net/udp */
};

struct dgram_sock *dgram_new(u8 proto, bool raw);
void dgram_get(struct dgram_sock *d);
void dgram_put(struct dgram_sock *d);
/* Queue a received datagram if there is room (takes p); wakes the readers. */
void dgram_deliver(struct dgram_sock *d, struct pkb *p);
/* An asynchronous error for SO_ERROR and the next call (ICMP). */
void dgram_set_error(struct dgram_sock *d, int err);
/*
 * Receive one datagram into u: its length (MSG_TRUNC: its full length),
 * the sender in src and sport, and truncated set if it did not fit.
 */
ssize_t dgram_recv(struct dgram_sock *d, struct uio *u, int flags, const struct net_wait *w,
		   u32 *src, u16 *sport, bool *truncated);
u32 dgram_poll(struct dgram_sock *d, struct poll_set *pw);
int dgram_shutdown(struct dgram_sock *d, int how);
/* SO_ERROR: the pending error, cleared. */
int dgram_take_error(struct dgram_sock *d);

/* linux/errqueue.h: what recvmsg(MSG_ERRQUEUE) says of an error, then the offender's sockaddr_in. */
struct sock_extended_err {
	u32 ee_errno;
	u8 ee_origin, ee_type, ee_code, ee_pad;
	u32 ee_info, ee_data;
};
#define SO_EE_ORIGIN_ICMP 2

/* An ICMP error about a datagram d sent, for its error queue. */
struct dgram_icmp_err {
	struct sock_extended_err ee;
	u32 offender;	   /* who sent the ICMP message */
	u32 daddr;	   /* where the datagram was going */
	u16 dport;
	const u8 *payload; /* what the ICMP message quotes of its data */
	u32 len;
};
/* IP_RECVERR on or off (off empties the queue). */
void dgram_set_recverr(struct dgram_sock *d, bool on);
/*
 * With IP_RECVERR on: queue e (dropped when the queue is past the receive
 * buffer, as Linux) and make its errno the pending error.
 */
void dgram_queue_icmp_error(struct dgram_sock *d, const struct dgram_icmp_err *e);
/*
 * The oldest queued error: its data into u (truncated set if cut), the
 * rest into *e (payload NULL); the length copied, -EAGAIN if none.
 */
ssize_t dgram_recv_error(struct dgram_sock *d, struct uio *u, struct dgram_icmp_err *e,
			 bool *truncated);

/* UDP (udp.c) */
struct dgram_sock *udp_socket(void);
int udp_bind(struct dgram_sock *d, u32 addr, u16 port);
/* port 0 with addr INADDR_ANY and AF_UNSPEC (unspec) dissolves the association. */
int udp_connect(struct dgram_sock *d, u32 addr, u16 port, bool unspec);
/* Send u as one datagram to addr:port (or the connected peer when has_dst is false). */
ssize_t udp_send(struct dgram_sock *d, struct uio *u, bool has_dst, u32 addr, u16 port,
		 int flags);
void udp_close(struct dgram_sock *d);
/* /proc/net/udp: one line per socket into fn. */
void udp_foreach(void (*fn)(struct dgram_sock *d, void *arg), void *arg);

/* Raw IP (raw.c): the kernel writes the IP header, the caller the rest. */
struct dgram_sock *raw_socket(u8 proto);
int raw_bind(struct dgram_sock *d, u32 addr);
int raw_connect(struct dgram_sock *d, u32 addr, bool unspec);
ssize_t raw_send(struct dgram_sock *d, struct uio *u, bool has_dst, u32 addr, int flags);
void raw_close(struct dgram_sock *d);
