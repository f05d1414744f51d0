/*
 * TCP (RFC 9293), with RFC 6298's retransmission timer, RFC 5681 and
 * 6582's congestion control (NewReno), RFC 7323's window scaling (no
 * timestamps), RFC 5961's defences against blind RSTs, SYNs and ACKs,
 * and RFC 1122's delayed ACKs and Nagle's algorithm.
 *
 * One struct tcb per connection (and per listening socket). Files:
 *  tcp_state.c   creation and end of a tcb, the tables, binding, ports,
 *                listen/accept, connect, close and shutdown
 *  tcp_input.c   segment arrival (RFC 9293 section 3.10.7)
 *  tcp_output.c  sending data, ACKs, SYNs, FINs and RSTs; options
 *  tcp_timer.c   the connection's timer task: retransmission, delayed
 *                ACK, persist, keepalive, TIME_WAIT and FIN_WAIT_2,
 *                the RTO estimator and the congestion window
 *  tcp_user.c    what a socket asks of it: send, receive, poll, options
 *
 * Synchronisation: a tcb's fields are guarded by its own lock ([s]); the
 * tables by tcp_lock ([t]); a listener's queues by the listener's lock
 * ([p]). Order: tcb lock -> its listener's lock -> tcp_lock. The input
 * path finds a tcb under tcp_lock, takes a reference, drops tcp_lock,
 * then locks the tcb. Nothing is held across a park (sockets park on
 * tcb.wq with net_wait) or while a packet is processed by the loopback
 * queue (netif.h: net_flush runs with no lock held).
 *
 * Lifetime: a tcb lives while it has references: its socket's, the
 * tables' (one while hashed), a listener queue's (a child not yet
 * accepted), and one held by each segment being processed. When the
 * last goes, its timer task is woken, cancels its timer and frees it:
 * the task is the one thing that can still wake on it.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after creation
 *  a  atomic
 *  s  tcb.lock
 *  t  tcp_lock (tcp_state.c)
 *  p  the listener's lock
 */
#pragma once

#include "lib/list.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "net/inet_sock.h"
#include "sched/task.h"
#include "sched/timer.h"
#include "sched/waitq.h"

struct pkb;
struct uio;
struct poll_set;
struct tcphdr;

/* States, numbered as Linux numbers them in /proc/net/tcp. */
enum tcp_state {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT = 2,
	TCP_SYN_RECEIVED = 3,
	TCP_FIN_WAIT_1 = 4,
	TCP_FIN_WAIT_2 = 5,
	TCP_TIME_WAIT = 6,
	TCP_CLOSED = 7,
	TCP_CLOSE_WAIT = 8,
	TCP_LAST_ACK = 9,
	TCP_LISTEN = 10,
	TCP_CLOSING = 11,
};

/* Header flags */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

/* Sequence-number comparisons, modulo 2^32 (RFC 9293 section 3.4). */
#define SEQ_LT(a, b) ((i32)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((i32)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((i32)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((i32)((a) - (b)) >= 0)

/* A byte ring of a power-of-two size: what the socket buffers are. */
struct tcp_ring {
	u8 *buf;
	u32 size; /* 0 until the connection needs it */
	u32 head; /* offset of the first byte */
	u32 len;  /* bytes held from head */
};

/* Out-of-order data held in the receive ring beyond the in-order bytes. */
#define TCP_OOO_MAX 8
struct tcp_ooo {
	u32 start, end; /* sequence numbers, [start, end) */
};

struct tcb {
	struct spinlock lock;
	u32 refs;   /* [a] */
	u8 state;   /* [s] enum tcp_state; [t] too for LISTEN (the lookup reads it) */
	u64 inode;  /* [I] what /proc/net/tcp shows */

	/* Who: network order. Changed under [s] and [t] (the tables read them). */
	u32 laddr, faddr;
	u16 lport, fport;
	struct list_node hlink; /* [t] in the connection table (4-tuple) */
	struct list_node plink; /* [t] in the port table (every tcb holding a local port) */
	bool in_conn, in_port;	/* [t] */
	bool loopback;		/* [s] the peer is this machine: no checksums */

	/* Send sequence variables (RFC 9293 section 3.3.1) */
	u32 iss, snd_una, snd_nxt, snd_max; /* [s] snd_max: the highest sequence sent */
	u32 snd_wnd, max_snd_wnd;	    /* [s] the peer's window, scaled */
	u32 snd_wl1, snd_wl2;		    /* [s] */
	u32 snd_seq0;			    /* [s] the sequence number of snd.buf's first byte */
	struct tcp_ring snd;		    /* [s] bytes not yet acknowledged and not yet sent */
	u32 mss;			    /* [s] largest segment payload we send */
	u32 user_mss;			    /* [s] TCP_MAXSEG, 0: none */
	u8 snd_wscale, rcv_wscale;	    /* [s] RFC 7323; both 0 unless both sides offered */
	bool ws_ok;			    /* [s] window scaling agreed */
	bool fin_queued;		    /* [s] the user is done sending: a FIN follows the data */

	/* Receive sequence variables */
	u32 irs, rcv_nxt; /* [s] */
	u32 rcv_adv;	  /* [s] right edge of the window we last advertised */
	struct tcp_ring rcv;		 /* [s] in-order bytes not yet read; out-of-order after */
	struct tcp_ooo ooo[TCP_OOO_MAX]; /* [s] sorted, disjoint */
	u32 nooo;			 /* [s] */
	u32 rcv_mss;			 /* [s] what we told the peer */
	bool fin_rcvd;			 /* [s] the peer is done: reads end at rcv's end */
	u32 rcvbuf, sndbuf;		 /* [s] ring sizes asked for (SO_RCVBUF, SO_SNDBUF) */

	/* Congestion control (RFC 5681, 6582) */
	u32 cwnd, ssthresh; /* [s] bytes */
	u32 dupacks;	    /* [s] */
	u32 recover;	    /* [s] snd_max when fast recovery began */
	bool in_recovery;   /* [s] */

	/* Round-trip time (RFC 6298), microseconds */
	u32 srtt_us, rttvar_us, rto_us; /* [s] srtt 0: no sample yet */
	u32 rtt_seq;			/* [s] the sequence number being timed */
	u64 rtt_start;			/* [s] when it was sent; 0: nothing timed */
	u32 backoff;			/* [s] RTO doublings since the last new ACK */
	u32 retries;			/* [s] retransmissions of the oldest segment */

	/* Timers: deadlines in tsc_ns() time, 0 when off, all served by one task. */
	u64 t_rexmt, t_delack, t_persist, t_keep, t_wait; /* [s] t_wait: TIME_WAIT, FIN_WAIT_2, linger */
	u64 timer_at;	    /* [s] what timer is armed for (0: not armed) */
	struct timer timer; /* armed only under [s] */
	struct task task;   /* its poll serves the deadlines and, at the end, frees the tcb */
	bool dead;	    /* [a] no references left: the task frees it */

	/* ACK policy */
	u32 unacked_segs; /* [s] full segments received since our last ACK */
	bool ack_now;	  /* [s] send an ACK at the next output */
	u32 quickacks;	  /* [s] segments still to ACK at once (a connection's start, RFC 5681 4.2) */
	u32 rcv_unacked;  /* [s] bytes received since our last ACK */
	u32 persist_shift; /* [s] */

	/* The socket's side */
	int err;	     /* [s] positive errno to report (ECONNRESET, ETIMEDOUT...) */
	int soft_err;	     /* [s] an ICMP error while connecting, reported on timeout */
	bool shut_rd;	     /* [s] shutdown(SHUT_RD) */
	bool orphan;	     /* [s] its socket is closed: it finishes on its own */
	bool nodelay, cork, keepalive; /* [s] */
	bool reuseaddr, reuseport;     /* [s] */
	bool linger_on;		       /* [s] */
	u32 linger_s;		       /* [s] */
	u32 keepidle_s, keepintvl_s, keepcnt; /* [s] */
	u32 keep_probes;		      /* [s] sent without an answer */
	u32 user_timeout_ms;		      /* [s] TCP_USER_TIMEOUT, 0: none */
	u64 first_rexmt_ns;		      /* [s] when the oldest segment was first retransmitted */
	u8 ttl, tos;			      /* [s] */
	struct waitq wq;		      /* everyone waiting on the socket */

	/* Listening (the listener's fields) and being listened for (a child's) */
	struct tcb *parent;	   /* [s] a child's listener, with a reference, until accepted */
	struct list_node qlink;	   /* [p] a child in its listener's synq or acceptq */
	bool in_acceptq;	   /* [p] */
	struct list_node synq;	   /* [s] children in SYN_RECEIVED */
	struct list_node acceptq;  /* [s] children established, not yet accepted */
	u32 nsyn, naccept, backlog; /* [s] */
	u32 syn_retries;	   /* [s] SYN or SYN-ACK retransmissions */
};

/* Defaults and limits */
#define TCP_DEFAULT_MSS 536	     /* without an MSS option (RFC 9293 section 3.7.1) */
#define TCP_RCVBUF (128 * 1024)	     /* ring sizes unless SO_RCVBUF/SO_SNDBUF say otherwise */
#define TCP_SNDBUF (128 * 1024)
#define TCP_BUF_MIN 4096
#define TCP_BUF_MAX (4 * 1024 * 1024)
#define TCP_MAX_WSCALE 14
#define TCP_RTO_MIN_US 200000	     /* Linux's floor; RFC 6298 (2.4) suggests 1 s */
#define TCP_RTO_MAX_US 60000000	     /* RFC 6298 (2.5) */
#define TCP_RTO_INIT_US 1000000	     /* RFC 6298 (2.1) */
#define TCP_DELACK_NS 40000000UL     /* Linux's minimum; RFC 1122 allows up to 500 ms */
#define TCP_MSL_NS (30 * 1000000000UL)
#define TCP_FIN_TIMEOUT_NS (60 * 1000000000UL) /* an orphan in FIN_WAIT_2 */
#define TCP_RETRIES 15		     /* data retransmissions before ETIMEDOUT (Linux's tcp_retries2) */
#define TCP_SYN_RETRIES 6
#define TCP_ORPHAN_PROBES 8	     /* zero-window probes a closed socket's connection sends */
#define TCP_SYNACK_RETRIES 5
#define TCP_SOMAXCONN 4096
#define TCP_HALF_OPEN_MAX 2048	     /* SYN_RECEIVED children in all, whatever the backlogs */
#define TCP_KEEPIDLE_S 7200
#define TCP_KEEPINTVL_S 75
#define TCP_KEEPCNT_DEF 9
#define TCP_PERSIST_MIN_NS 200000000UL
#define TCP_PERSIST_MAX_NS (60 * 1000000000UL)
#define TCP_SEG_MAX (65536 - 512)    /* a segment's payload fits a 64 KiB pkb */

/* ---- tcp_state.c ---- */
struct tcb *tcb_new(void);
void tcb_get(struct tcb *t);
void tcb_put(struct tcb *t);
/* The connection a segment belongs to, or a listener for its port (a reference), or NULL. */
struct tcb *tcp_lookup(u32 saddr, u16 sport, u32 daddr, u16 dport, bool *is_listener);
/* Enter the 4-tuple table (a child, a connecting socket). */
int tcp_hash_conn_locked(struct tcb *t);
/* Leave every table, the tcb becomes CLOSED; wakes its waiters. Caller holds t->lock. */
void tcp_set_closed_locked(struct tcb *t);
/* Move to a new state (TIME_WAIT arms its timer; CLOSED unhashes). */
void tcp_set_state_locked(struct tcb *t, u8 state);
/* A listener's child finished its handshake: to the accept queue (or reset when it is full). */
bool tcp_child_established_locked(struct tcb *c);
/* A listener's half-open child for SYN p; NULL (and nothing kept) if the queue is full. */
struct tcb *tcp_child_new_locked(struct tcb *l, struct pkb *p);
/* Allocate the rings of a connection becoming established (false: no memory). */
bool tcp_rings_alloc_locked(struct tcb *t);
u32 tcp_new_iss(u32 laddr, u16 lport, u32 faddr, u16 fport);
/*
 * Self-tests only: the next two connections made start at these sequence
 * numbers (0: RFC 6528's as usual), so a test can make a stream cross
 * 2^32 where it wants.
 */
void tcp_selftest_next_iss(u32 first, u32 second);
/* A listener's queue is full: drop its oldest half-open child (no lock held). */
void tcp_evict_oldest_syn(struct tcb *l);
/* Stop listening: every child still queued is reset. */
void tcp_close_listener(struct tcb *l);
/* A reference unless the tcb is already on its way out (its count reached 0). */
bool tcb_tryget(struct tcb *t);

/* ---- tcp_output.c ---- */
/* Send what the windows allow, and an ACK if one is due. */
void tcp_output_locked(struct tcb *t);
/* An ACK now (also a challenge ACK, RFC 5961), whatever the delayed-ACK state. */
void tcp_send_ack_locked(struct tcb *t);
void tcp_send_syn_locked(struct tcb *t); /* SYN, or SYN-ACK in SYN_RECEIVED */
/* Retransmit the oldest unacknowledged segment. */
void tcp_retransmit_locked(struct tcb *t);
void tcp_send_rst_locked(struct tcb *t); /* RST for an aborted connection */
/* A RST answering a segment no connection takes (RFC 9293 section 3.10.7.1). */
void tcp_reset_reply(struct pkb *p, const struct tcphdr *th, u32 seglen);
/* The window we would advertise now (unscaled bytes). */
u32 tcp_rcv_window_locked(struct tcb *t);
/* A keepalive probe or a zero-window probe. */
void tcp_send_probe_locked(struct tcb *t, bool zero_window);
/* Is a challenge ACK allowed now (RFC 5961 section 7's rate limit)? */
bool tcp_challenge_ok(void);

/* ---- tcp_timer.c ---- */
void tcp_timer_start(struct tcb *t); /* spawn its task */
/* (Re)arm the task's timer if deadline comes before what is armed. Caller holds t->lock. */
void tcp_timer_kick_locked(struct tcb *t, u64 deadline);
void tcp_rexmt_restart_locked(struct tcb *t);
void tcp_rtt_sample_locked(struct tcb *t, u64 rtt_ns);
u32 tcp_rto_us(struct tcb *t);
/* Congestion window on new ACKs, duplicate ACKs and timeouts. */
void tcp_cc_ack_locked(struct tcb *t, u32 acked, u32 ack);
void tcp_cc_dupack_locked(struct tcb *t);
void tcp_cc_init_locked(struct tcb *t);
void tcp_keepalive_reset_locked(struct tcb *t);

/* ---- rings (tcp_state.c) ---- */
bool tcp_ring_alloc(struct tcp_ring *r, u32 size);
/* The size tcp_ring_alloc gives for a wish: a power of two within the bounds. */
u32 tcp_ring_size(u32 want);
void tcp_ring_free(struct tcp_ring *r);
static inline u32 tcp_ring_free_space(const struct tcp_ring *r)
{
	return r->size - r->len;
}
/* Copy n bytes at offset off (from head) out of the ring / into it (within size). */
void tcp_ring_read(const struct tcp_ring *r, u32 off, void *dst, u32 n);
void tcp_ring_write(struct tcp_ring *r, u32 off, const void *src, u32 n);

/* ---- the socket's requests (tcp_user.c and tcp_state.c) ---- */
struct tcb *tcp_socket(void);
int tcp_bind(struct tcb *t, u32 addr, u16 port);
int tcp_listen(struct tcb *t, int backlog);
/* 0 and a new connection (a reference) in *out; -ERESTART_PARK while none; -errno. */
long tcp_accept(struct tcb *t, const struct net_wait *w, struct tcb **out);
/* 0 when connected; -EINPROGRESS non-blocking; -ERESTART_PARK while waiting; -errno. */
long tcp_connect(struct tcb *t, u32 addr, u16 port, const struct net_wait *w);
/*
 * Send or receive through u. *done: bytes an earlier run of the same call
 * moved (u is already past them); what moves now is added. Returns the
 * total, or -ERESTART_PARK (parked, *done kept for the restart), or -errno
 * when nothing moved.
 */
ssize_t tcp_send(struct tcb *t, struct uio *u, int flags, const struct net_wait *w, u64 *done);
ssize_t tcp_recv(struct tcb *t, struct uio *u, int flags, const struct net_wait *w, u64 *done);
u32 tcp_poll(struct tcb *t, struct poll_set *pw);
int tcp_shutdown(struct tcb *t, int how);
/* The socket is closed: finish the connection in the background (or reset it) and let go. */
void tcp_close(struct tcb *t);
/* SO_ERROR */
int tcp_take_error(struct tcb *t);
/* IPPROTO_TCP options: 0 / value in *val, or -ENOPROTOOPT / -EINVAL. */
int tcp_setopt(struct tcb *t, int name, int val);
int tcp_getopt(struct tcb *t, int name, int *val);
/* SO_* options the protocol acts on. */
enum tcp_sockopt { TSO_KEEPALIVE, TSO_REUSEADDR, TSO_REUSEPORT, TSO_RCVBUF, TSO_SNDBUF };
void tcp_set_sockopt(struct tcb *t, enum tcp_sockopt o, int val);
void tcp_set_linger(struct tcb *t, bool on, u32 seconds);
/* Addresses for getsockname/getpeername; -ENOTCONN without a peer. */
void tcp_local_addr(struct tcb *t, u32 *addr, u16 *port);
int tcp_peer_addr(struct tcb *t, u32 *addr, u16 *port);
/* /proc/net/tcp: fn for every tcb (under each one's lock). */
void tcp_foreach(void (*fn)(struct tcb *t, void *arg), void *arg);
