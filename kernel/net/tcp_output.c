/*
 * TCP output (RFC 9293 sections 3.8 and 3.10): building segments, what
 * the send and congestion windows let out, Nagle's algorithm and the
 * sender's silly-window avoidance (RFC 1122 section 4.2.3.4), the
 * receiver's (section 4.2.3.3) in the window we advertise, ACKs, SYNs
 * with their options, RSTs, probes. Everything here runs under the
 * tcb's lock; segments leave through ip_send, which never comes back
 * into TCP (the loopback queue defers it: netif.h).
 */
#include "net/tcp.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

#define TCP_HLEN 20
#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3

static struct spinlock challenge_lock = SPINLOCK_INIT;
static u64 challenge_sec;   /* [challenge_lock] */
static u32 challenge_count; /* [challenge_lock] */
#define CHALLENGE_PER_SEC 1000 /* RFC 5961 section 7; Linux's tcp_challenge_ack_limit */

bool tcp_challenge_ok(void)
{
	u64 sec = tsc_ns() / 1000000000UL;
	spin_lock(&challenge_lock);
	if (sec != challenge_sec) {
		challenge_sec = sec;
		challenge_count = 0;
	}
	bool ok = challenge_count++ < CHALLENGE_PER_SEC;
	spin_unlock(&challenge_lock);
	return ok;
}

u32 tcp_rcv_window_locked(struct tcb *t)
{
	/* A half-open child gets its ring when established: offer what that ring will hold. */
	u32 space = t->rcv.size ? tcp_ring_free_space(&t->rcv) : tcp_ring_size(t->rcvbuf);
	u32 cur = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	if (space < cur)
		space = cur; /* never move the right edge back (RFC 9293 section 3.8.6) */
	else if (space - cur < MIN(tcp_ring_size(t->rcvbuf) / 2, t->rcv_mss) && cur)
		space = cur; /* a small opening waits until it is worth telling */
	u32 max = 65535u << t->rcv_wscale;
	if (space > max)
		space = max;
	/* What the scaled field can say exactly. */
	return space >> t->rcv_wscale << t->rcv_wscale;
}

/*
 * Build and send one segment: flags, sequence number seq, len bytes of
 * the send ring from seq on (seq >= snd_seq0 when len > 0), and the SYN
 * options when syn.
 */
static void send_segment(struct tcb *t, u8 flags, u32 seq, u32 len)
{
	/* The text sent is the ring's: never bytes already acked (gone from it) nor past its end. */
	assert(!len || (SEQ_GEQ(seq, t->snd_seq0) && seq - t->snd_seq0 + len <= t->snd.len));
	u32 optlen = flags & TH_SYN ? 8 : 0;
	struct pkb *p = pkb_alloc(PKB_HEADROOM, TCP_HLEN + optlen + len);
	if (!p)
		return; /* out of buffers: the retransmission timer will try again */
	struct tcphdr *th = (struct tcphdr *)p->data;
	th->sport = t->lport;
	th->dport = t->fport;
	th->seq = htonl(seq);
	th->off = (u8)((TCP_HLEN + optlen) / 4) << 4;
	th->flags = flags;
	th->urp = 0;
	if (flags & TH_ACK) {
		th->ack = htonl(t->rcv_nxt);
		u32 win = tcp_rcv_window_locked(t);
		/* A SYN's window is never scaled (RFC 7323 section 2.2). */
		th->win = htons((u16)(flags & TH_SYN ? MIN(win, 65535u) : win >> t->rcv_wscale));
		t->rcv_adv = t->rcv_nxt + (flags & TH_SYN ? MIN(win, 65535u) : win);
		t->ack_now = false;
		t->t_delack = 0;
		t->rcv_unacked = 0;
	} else {
		th->ack = 0;
		th->win = htons((u16)MIN(tcp_rcv_window_locked(t), 65535u));
	}
	if (optlen) {
		u8 *o = p->data + TCP_HLEN;
		o[0] = OPT_MSS;
		o[1] = 4;
		o[2] = (u8)(t->rcv_mss >> 8);
		o[3] = (u8)t->rcv_mss;
		/* Offer scaling on a SYN; answer it on a SYN-ACK only if the peer offered. */
		if (t->state == TCP_SYN_SENT || t->ws_ok) {
			o[4] = OPT_NOP;
			o[5] = OPT_WS;
			o[6] = 3;
			o[7] = t->rcv_wscale;
		} else {
			o[4] = o[5] = o[6] = o[7] = OPT_NOP;
		}
	}
	if (len)
		tcp_ring_read(&t->snd, seq - t->snd_seq0, p->data + TCP_HLEN + optlen, len);
	th->csum = 0;
	if (!t->loopback)
		th->csum = csum_fold(csum_add(csum_pseudo(t->laddr, t->faddr, IPPROTO_TCP, p->len),
					      p->data, p->len));
	struct ip_opts o = {.ttl = t->ttl, .tos = t->tos, .df = true};
	ip_send(p, t->laddr, t->faddr, IPPROTO_TCP, &o);
}

void tcp_send_ack_locked(struct tcb *t)
{
	send_segment(t, TH_ACK, t->snd_nxt, 0);
}

void tcp_send_rst_locked(struct tcb *t)
{
	send_segment(t, TH_RST | TH_ACK, t->snd_nxt, 0);
}

void tcp_send_syn_locked(struct tcb *t)
{
	if (!t->rcv_wscale) {
		/* The smallest shift that lets the whole receive ring be offered. */
		u32 size = t->rcv.size ? t->rcv.size : tcp_ring_size(t->rcvbuf);
		while (t->rcv_wscale < TCP_MAX_WSCALE && (size >> t->rcv_wscale) > 65535)
			t->rcv_wscale++;
	}
	u8 flags = t->state == TCP_SYN_RECEIVED ? TH_SYN | TH_ACK : TH_SYN;
	send_segment(t, flags, t->iss, 0);
	if (SEQ_LT(t->snd_nxt, t->iss + 1))
		t->snd_nxt = t->iss + 1;
	if (SEQ_LT(t->snd_max, t->snd_nxt))
		t->snd_max = t->snd_nxt;
	if (!t->t_rexmt) {
		t->t_rexmt = tsc_ns() + (u64)tcp_rto_us(t) * 1000;
		tcp_timer_kick_locked(t, t->t_rexmt);
	}
}

void tcp_send_probe_locked(struct tcb *t, bool zero_window)
{
	/* An old sequence number: the peer answers with an ACK carrying its window. */
	send_segment(t, TH_ACK, t->snd_una - 1, 0);
}

/* The sequence number of our FIN once queued: right after the data. */
static inline u32 fin_seq(struct tcb *t)
{
	return t->snd_seq0 + t->snd.len;
}

void tcp_retransmit_locked(struct tcb *t)
{
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED) {
		tcp_send_syn_locked(t);
		return;
	}
	u32 seq = t->snd_una;
	u32 data_end = fin_seq(t);
	u32 len = SEQ_LT(seq, data_end) ? MIN(data_end - seq, t->mss) : 0;
	/* Bytes from a possible FIN up to snd_max only: never data not yet sent once. */
	if (SEQ_GT(seq + len, t->snd_max))
		len = t->snd_max - seq;
	u8 flags = TH_ACK;
	if (t->fin_queued && seq + len == data_end && SEQ_GT(t->snd_max, data_end))
		flags |= TH_FIN;
	if (len || (flags & TH_FIN))
		send_segment(t, flags | (len ? TH_PSH : 0), seq, len);
}

void tcp_output_locked(struct tcb *t)
{
	assert(spin_is_locked(&t->lock));
	switch (t->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	case TCP_FIN_WAIT_2:
	case TCP_TIME_WAIT:
		if (t->ack_now)
			tcp_send_ack_locked(t);
		return;
	default:
		return;
	}
	bool sent = false;
	u64 now = 0;
	for (;;) {
		u32 end = fin_seq(t);
		u32 off = t->snd_nxt - t->snd_seq0;
		u32 left = SEQ_LT(t->snd_nxt, end) ? end - t->snd_nxt : 0;
		u32 flight = t->snd_nxt - t->snd_una;
		/* Limited transmit (RFC 3042): each of the first two duplicate ACKs lets a new segment out. */
		u32 lt = !t->in_recovery && t->dupacks < 3 ? t->dupacks * t->mss : 0;
		u32 win = MIN(t->snd_wnd, t->cwnd + lt);
		u32 usable = win > flight ? win - flight : 0;
		u32 len = MIN(MIN(left, usable), t->mss);
		bool fin = t->fin_queued && t->snd_nxt + len == end && off <= t->snd.len;
		if (!len && !fin)
			break;
		if (len < t->mss && len < left) {
			/* Window-limited: avoid silly windows (RFC 1122 section 4.2.3.4). */
			if (len < t->max_snd_wnd / 2 || !len)
				break;
		}
		if (len && len == left && len < t->mss && !fin) {
			/* Nagle (RFC 896): one small segment in flight at a time, unless TCP_NODELAY. */
			if (t->cork || (!t->nodelay && flight))
				break;
		}
		u8 flags = TH_ACK | (fin ? TH_FIN : 0) | (len && len == left ? TH_PSH : 0);
		bool fresh = SEQ_GEQ(t->snd_nxt, t->snd_max);
		send_segment(t, flags, t->snd_nxt, len);
		sent = true;
		if (!now)
			now = tsc_ns();
		if (fresh && !t->rtt_start && len) {
			/* Time this one (Karn: never a retransmission). */
			t->rtt_seq = t->snd_nxt;
			t->rtt_start = now;
		}
		t->snd_nxt += len + (fin ? 1 : 0);
		if (SEQ_GT(t->snd_nxt, t->snd_max))
			t->snd_max = t->snd_nxt;
		if (!t->t_rexmt) {
			t->t_rexmt = now + (u64)tcp_rto_us(t) * 1000;
			tcp_timer_kick_locked(t, t->t_rexmt);
		}
		t->t_persist = 0;
		if (fin)
			break;
	}
	if (!sent && t->ack_now)
		tcp_send_ack_locked(t);
	/* Data waits on a zero window with nothing in flight: probe it (persist timer). */
	u32 end = fin_seq(t);
	if (!t->snd_wnd && SEQ_LT(t->snd_nxt, end) && t->snd_una == t->snd_max && !t->t_persist) {
		u64 d = TCP_PERSIST_MIN_NS << MIN(t->persist_shift, 12u);
		t->t_persist = tsc_ns() + MIN(d, TCP_PERSIST_MAX_NS);
		tcp_timer_kick_locked(t, t->t_persist);
	}
}

void tcp_reset_reply(struct pkb *p, const struct tcphdr *th, u32 seglen)
{
	if (th->flags & TH_RST || (p->flags & PKB_BCAST) || ip_is_multicast(p->dst))
		return;
	struct pkb *r = pkb_alloc(PKB_HEADROOM, TCP_HLEN);
	if (!r)
		return;
	struct tcphdr *h = (struct tcphdr *)r->data;
	*h = (struct tcphdr){.sport = th->dport, .dport = th->sport, .off = (TCP_HLEN / 4) << 4};
	if (th->flags & TH_ACK) {
		h->seq = th->ack;
		h->flags = TH_RST;
	} else {
		h->ack = htonl(ntohl(th->seq) + seglen);
		h->flags = TH_RST | TH_ACK;
	}
	h->csum = csum_fold(csum_add(csum_pseudo(p->dst, p->src, IPPROTO_TCP, TCP_HLEN), h, TCP_HLEN));
	ip_send(r, p->dst, p->src, IPPROTO_TCP, NULL);
}
