/*
 * TCP input: "segment arrives" (RFC 9293 section 3.10.7) for a listener,
 * a connecting socket and the synchronized states, with RFC 5961's
 * checks (an RST or SYN must hit rcv_nxt exactly, else a rate-limited
 * challenge ACK; an ACK must lie within a window of what we sent), the
 * ACK's effects (RTT sample, congestion window, duplicate ACKs and fast
 * retransmit), the receive ring with out-of-order data, and the ACK
 * policy (delayed ACKs, RFC 1122 section 4.2.3.2).
 *
 * Each segment is processed under its tcb's lock; a listener's SYN makes
 * a child (tcp_state.c). Urgent data is not kept apart: the urgent
 * pointer is ignored and the bytes are ordinary data.
 */
#include "net/tcp.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define MIN_MSS 64

struct seg {
	const struct tcphdr *th;
	u32 seq, ack, wnd; /* wnd: the raw 16-bit field */
	u32 len;	   /* payload bytes */
	u8 flags;
	const u8 *data;
	u32 mss;  /* option, 0: absent */
	int ws;	  /* option, -1: absent */
	struct pkb *p;
};

static void parse_options(struct seg *s, const u8 *o, u32 len)
{
	s->mss = 0;
	s->ws = -1;
	u32 i = 0;
	while (i < len) {
		u8 kind = o[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			break; /* a malformed option ends the list */
		u8 olen = o[i + 1];
		if (kind == 2 && olen == 4)
			s->mss = (u32)o[i + 2] << 8 | o[i + 3];
		else if (kind == 3 && olen == 3)
			s->ws = MIN(o[i + 2], (u8)TCP_MAX_WSCALE); /* RFC 7323 section 2.3 */
		i += olen;
	}
}

/* Effective send MSS from the peer's option, our route and TCP_MAXSEG. */
static void set_mss_locked(struct tcb *t, u32 peer)
{
	u32 mss = peer ? peer : TCP_DEFAULT_MSS;
	mss = MIN(mss, t->rcv_mss); /* our own MTU limits what we send too */
	if (t->user_mss)
		mss = MIN(mss, t->user_mss);
	t->mss = MAX(mss, (u32)MIN_MSS);
}

/* Out-of-order ranges: add [start, end), merging; false if there is no room for it. */
static bool ooo_add(struct tcb *t, u32 start, u32 end)
{
	struct tcp_ooo *o = t->ooo;
	u32 i = 0;
	while (i < t->nooo && SEQ_LT(o[i].end, start))
		i++;
	if (i < t->nooo && SEQ_LEQ(o[i].start, end)) {
		/* Overlaps or touches o[i]: grow it and swallow the ones it now reaches. */
		if (SEQ_LT(start, o[i].start))
			o[i].start = start;
		if (SEQ_GT(end, o[i].end))
			o[i].end = end;
		u32 j = i + 1;
		while (j < t->nooo && SEQ_LEQ(o[j].start, o[i].end)) {
			if (SEQ_GT(o[j].end, o[i].end))
				o[i].end = o[j].end;
			j++;
		}
		u32 gone = j - i - 1;
		for (u32 k = i + 1; k + gone < t->nooo; k++)
			o[k] = o[k + gone];
		t->nooo -= gone;
		return true;
	}
	if (t->nooo == TCP_OOO_MAX)
		return false;
	for (u32 k = t->nooo; k > i; k--)
		o[k] = o[k - 1];
	o[i] = (struct tcp_ooo){start, end};
	t->nooo++;
	return true;
}

/* Text of a segment into the receive ring (RFC 9293 section 3.10.7.4, seventh). */
static void receive_data_locked(struct tcb *t, u32 seq, const u8 *data, u32 len)
{
	if (!t->rcv.size || (t->shut_rd && t->orphan)) {
		t->ack_now = true;
		return;
	}
	if (SEQ_LT(seq, t->rcv_nxt)) {
		u32 skip = t->rcv_nxt - seq;
		if (skip >= len) {
			t->ack_now = true; /* all old: a retransmission; say where we are */
			return;
		}
		seq += skip;
		data += skip;
		len -= skip;
	}
	u32 space = tcp_ring_free_space(&t->rcv);
	u32 wend = t->rcv_nxt + space;
	if (SEQ_GEQ(seq, wend)) {
		t->ack_now = true;
		return;
	}
	if (SEQ_GT(seq + len, wend))
		len = wend - seq;
	/* Into the ring's free part only: what is queued and not read yet stays as it is. */
	assert((seq - t->rcv_nxt) + len <= space);
	tcp_ring_write(&t->rcv, t->rcv.len + (seq - t->rcv_nxt), data, len);
	if (seq != t->rcv_nxt) {
		ooo_add(t, seq, seq + len);
		t->ack_now = true; /* a duplicate ACK tells the sender of the hole (RFC 5681 4.2) */
		return;
	}
	t->rcv.len += len;
	t->rcv_nxt += len;
	t->rcv_unacked += len;
	bool filled = false;
	while (t->nooo && SEQ_LEQ(t->ooo[0].start, t->rcv_nxt)) {
		if (SEQ_GT(t->ooo[0].end, t->rcv_nxt)) {
			t->rcv.len += t->ooo[0].end - t->rcv_nxt;
			t->rcv_nxt = t->ooo[0].end;
		}
		for (u32 k = 1; k < t->nooo; k++)
			t->ooo[k - 1] = t->ooo[k];
		t->nooo--;
		filled = true;
	}
	if (filled || t->nooo)
		t->ack_now = true; /* a hole closed, or still open: ACK at once */
	else if (t->quickacks) {
		t->quickacks--;
		t->ack_now = true;
	} else if (t->rcv_unacked >= 2 * t->rcv_mss) {
		t->ack_now = true; /* every second full segment (RFC 5681 section 4.2) */
	} else if (!t->t_delack) {
		t->t_delack = tsc_ns() + TCP_DELACK_NS;
		tcp_timer_kick_locked(t, t->t_delack);
	}
}

/* A challenge ACK (RFC 5961 sections 3.2, 4.2, 5.2), within its rate limit. */
static void challenge_ack_locked(struct tcb *t)
{
	if (tcp_challenge_ok())
		tcp_send_ack_locked(t);
}

/* A connection reset by the peer (RFC 9293 section 3.10.7.4, second check). */
static void reset_locked(struct tcb *t)
{
	switch (t->state) {
	case TCP_SYN_RECEIVED:
		t->err = t->parent ? 0 : ECONNREFUSED;
		break;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		t->err = ECONNRESET;
		break;
	default:
		break;
	}
	tcp_set_closed_locked(t);
}

/* The ACK field in a synchronized state (fifth check); false: drop the segment. */
static bool process_ack_locked(struct tcb *t, const struct seg *s, u64 now)
{
	u32 ack = s->ack;
	if (SEQ_GT(ack, t->snd_max)) {
		tcp_send_ack_locked(t); /* acks what we never sent */
		return false;
	}
	if (SEQ_LT(ack, t->snd_una - MAX(t->max_snd_wnd, 65535u))) {
		challenge_ack_locked(t); /* too old to be real (RFC 5961 5.2) */
		return false;
	}
	u32 wnd = s->wnd << t->snd_wscale;
	if (SEQ_GT(ack, t->snd_una)) {
		u32 acked = ack - t->snd_una;
		u32 end = t->snd_seq0 + t->snd.len;
		/*
		 * The ring's bytes acked: neither the SYN nor the FIN is in it.
		 * The earlier of ack and end in sequence space, not as numbers:
		 * where the ring's data crosses 2^32, end is numerically the
		 * smaller, and MIN(ack, end) dropped bytes never acked from the
		 * ring, so retransmissions read other bytes (net-loss's rare
		 * "BYTES DIFFER": one whole segment wrong, checksum right).
		 */
		if (SEQ_GT(ack, t->snd_seq0)) {
			u32 n = (SEQ_LT(ack, end) ? ack : end) - t->snd_seq0;
			t->snd.head = (t->snd.head + n) & (t->snd.size - 1);
			t->snd.len -= n;
			t->snd_seq0 += n;
		}
		if (t->rtt_start && SEQ_GT(ack, t->rtt_seq)) {
			tcp_rtt_sample_locked(t, now - t->rtt_start);
			t->rtt_start = 0;
		}
		t->snd_una = ack;
		if (SEQ_LT(t->snd_nxt, ack))
			t->snd_nxt = ack;
		t->backoff = 0;
		t->retries = 0;
		t->first_rexmt_ns = 0;
		t->persist_shift = 0;
		tcp_cc_ack_locked(t, acked, ack);
		tcp_rexmt_restart_locked(t);
		waitq_wake_all(&t->wq); /* room in the send ring */
	} else if (ack == t->snd_una && s->len == 0 && !(s->flags & (TH_SYN | TH_FIN)) &&
		   wnd == t->snd_wnd && t->snd_max != t->snd_una) {
		tcp_cc_dupack_locked(t);
	}
	/* The send window (RFC 9293 section 3.10.7.4): only from newer segments. */
	if (SEQ_LT(t->snd_wl1, s->seq) || (t->snd_wl1 == s->seq && SEQ_LEQ(t->snd_wl2, ack))) {
		if (wnd > t->snd_wnd)
			waitq_wake_all(&t->wq);
		t->snd_wnd = wnd;
		t->snd_wl1 = s->seq;
		t->snd_wl2 = ack;
		if (wnd > t->max_snd_wnd)
			t->max_snd_wnd = wnd;
		if (wnd)
			t->t_persist = 0;
	}
	return true;
}

/* Is our FIN sent and acknowledged? */
static bool fin_acked(struct tcb *t)
{
	return t->fin_queued && t->snd_una == t->snd_seq0 + t->snd.len + 1;
}

/* Segments of a connection past LISTEN and SYN_SENT (RFC 9293 section 3.10.7.4). */
static void synchronized_input_locked(struct tcb *t, struct seg *s, u64 now)
{
	/* First: is the segment acceptable? */
	u32 wnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	u32 seglen = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	bool ok;
	if (seglen == 0)
		ok = wnd ? SEQ_GEQ(s->seq, t->rcv_nxt) && SEQ_LT(s->seq, t->rcv_nxt + wnd)
			 : s->seq == t->rcv_nxt;
	else if (wnd == 0)
		ok = s->seq == t->rcv_nxt; /* take the ACK; the text is trimmed away below */
	else
		ok = (SEQ_GEQ(s->seq, t->rcv_nxt) && SEQ_LT(s->seq, t->rcv_nxt + wnd)) ||
		     (SEQ_GEQ(s->seq + seglen - 1, t->rcv_nxt) &&
		      SEQ_LT(s->seq + seglen - 1, t->rcv_nxt + wnd));
	if (!ok) {
		if (!(s->flags & TH_RST))
			tcp_send_ack_locked(t);
		return;
	}
	/* Second: RST. Exactly at rcv_nxt resets; elsewhere in the window it is challenged. */
	if (s->flags & TH_RST) {
		if (s->seq == t->rcv_nxt)
			reset_locked(t);
		else
			challenge_ack_locked(t);
		return;
	}
	/* Fourth: a SYN in a synchronized state is always challenged (RFC 5961 section 4). */
	if (s->flags & TH_SYN) {
		if (t->state == TCP_SYN_RECEIVED && s->seq == t->irs)
			tcp_send_syn_locked(t); /* the peer did not see our SYN-ACK */
		else
			challenge_ack_locked(t);
		return;
	}
	/* Fifth: ACK. */
	if (!(s->flags & TH_ACK))
		return;
	if (t->state == TCP_SYN_RECEIVED) {
		if (SEQ_LEQ(s->ack, t->snd_una) || SEQ_GT(s->ack, t->snd_max)) {
			tcp_reset_reply(s->p, s->th, s->len); /* <SEQ=SEG.ACK><CTL=RST> */
			return;
		}
		if (!tcp_rings_alloc_locked(t)) {
			tcp_send_rst_locked(t);
			tcp_set_closed_locked(t);
			return;
		}
		t->snd_wnd = s->wnd << t->snd_wscale;
		t->max_snd_wnd = t->snd_wnd;
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
		tcp_set_state_locked(t, TCP_ESTABLISHED);
		tcp_keepalive_reset_locked(t);
		if (!tcp_child_established_locked(t)) {
			/* The accept queue is full (or the listener went): it resends its ACK later. */
			t->state = TCP_SYN_RECEIVED;
			return;
		}
	}
	if (!process_ack_locked(t, s, now))
		return;
	switch (t->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(t))
			tcp_set_state_locked(t, TCP_FIN_WAIT_2);
		break;
	case TCP_CLOSING:
		if (fin_acked(t))
			tcp_set_state_locked(t, TCP_TIME_WAIT);
		break;
	case TCP_LAST_ACK:
		if (fin_acked(t)) {
			tcp_set_closed_locked(t);
			return;
		}
		break;
	case TCP_TIME_WAIT:
		/* Only a retransmitted FIN comes here: ACK it and wait 2 MSL again. */
		if (s->flags & TH_FIN) {
			t->ack_now = true;
			tcp_set_state_locked(t, TCP_TIME_WAIT);
		}
		return;
	default:
		break;
	}
	/* Seventh: the text, in states that still take it. */
	if (s->len) {
		switch (t->state) {
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
			receive_data_locked(t, s->seq, s->data, s->len);
			break;
		default:
			break; /* the peer sent FIN already: nothing more is data */
		}
	}
	/* Eighth: FIN, once everything before it is in. */
	if ((s->flags & TH_FIN) && s->seq + s->len == t->rcv_nxt && !t->fin_rcvd) {
		t->rcv_nxt++;
		t->fin_rcvd = true;
		t->ack_now = true;
		switch (t->state) {
		case TCP_SYN_RECEIVED:
		case TCP_ESTABLISHED:
			tcp_set_state_locked(t, TCP_CLOSE_WAIT);
			break;
		case TCP_FIN_WAIT_1:
			tcp_set_state_locked(t, fin_acked(t) ? TCP_TIME_WAIT : TCP_CLOSING);
			break;
		case TCP_FIN_WAIT_2:
			tcp_set_state_locked(t, TCP_TIME_WAIT);
			break;
		default:
			break;
		}
		waitq_wake_all(&t->wq);
	} else if (s->len) {
		waitq_wake_all(&t->wq);
	}
}

/* SYN_SENT (RFC 9293 section 3.10.7.3). */
static void syn_sent_input_locked(struct tcb *t, struct seg *s, struct pkb *p)
{
	if (s->flags & TH_ACK) {
		if (SEQ_LEQ(s->ack, t->iss) || SEQ_GT(s->ack, t->snd_max)) {
			if (!(s->flags & TH_RST))
				tcp_reset_reply(p, s->th, s->len);
			return;
		}
	}
	if (s->flags & TH_RST) {
		if (s->flags & TH_ACK) { /* acceptable ACK: refused (RFC 5961 3.2 holds here too) */
			t->err = ECONNREFUSED;
			tcp_set_closed_locked(t);
		}
		return;
	}
	if (!(s->flags & TH_SYN))
		return;
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	t->rcv_adv = t->rcv_nxt;
	if (s->ws >= 0) {
		t->ws_ok = true;
		t->snd_wscale = (u8)s->ws;
	} else {
		t->rcv_wscale = 0; /* scaling needs both sides' options (RFC 7323 section 2.2) */
		t->snd_wscale = 0;
	}
	set_mss_locked(t, s->mss);
	if (s->flags & TH_ACK) {
		t->snd_una = s->ack;
		t->snd_wnd = s->wnd; /* never scaled in a SYN */
		t->max_snd_wnd = t->snd_wnd;
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
		t->t_rexmt = 0;
		t->syn_retries = 0;
		t->backoff = 0;
		tcp_cc_init_locked(t);
		tcp_set_state_locked(t, TCP_ESTABLISHED);
		tcp_keepalive_reset_locked(t);
		t->ack_now = true;
		tcp_output_locked(t);
	} else {
		/* Simultaneous open: answer with our SYN-ACK. */
		tcp_set_state_locked(t, TCP_SYN_RECEIVED);
		tcp_cc_init_locked(t);
		tcp_send_syn_locked(t);
	}
}

/* A SYN for a listener (RFC 9293 section 3.10.7.2): a new half-open child. */
static void listen_input(struct tcb *l, struct seg *s, struct pkb *p)
{
	spin_lock(&l->lock);
	if (l->state != TCP_LISTEN) {
		spin_unlock(&l->lock);
		return;
	}
	if (s->flags & TH_RST) {
		spin_unlock(&l->lock);
		return;
	}
	if (s->flags & TH_ACK) {
		spin_unlock(&l->lock);
		tcp_reset_reply(p, s->th, s->len);
		return;
	}
	if (!(s->flags & TH_SYN) || (s->flags & TH_FIN)) {
		spin_unlock(&l->lock);
		return;
	}
	struct tcb *c = tcp_child_new_locked(l, p);
	if (c == (struct tcb *)-1) {
		spin_unlock(&l->lock);
		tcp_evict_oldest_syn(l);
		spin_lock(&l->lock);
		c = l->state == TCP_LISTEN ? tcp_child_new_locked(l, p) : NULL;
		if (c == (struct tcb *)-1)
			c = NULL;
	}
	u32 mtu = 0, src;
	spin_unlock(&l->lock);
	if (!c)
		return; /* the queue is full of established children: the peer will retry */
	bool bcast;
	spin_lock(&c->lock);
	if (c->parent != l || ip_source_for(c->faddr, &src, &mtu)) {
		spin_unlock(&c->lock);
		return;
	}
	c->loopback = ip_is_local(c->faddr, &bcast);
	c->rcv_mss = MIN(mtu - IP_HLEN - 20, (u32)TCP_SEG_MAX);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_new_iss(c->laddr, c->lport, c->faddr, c->fport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss;
	c->snd_seq0 = c->iss + 1;
	if (s->ws >= 0) {
		c->ws_ok = true;
		c->snd_wscale = (u8)s->ws;
	}
	set_mss_locked(c, s->mss);
	c->snd_wnd = s->wnd;
	c->state = TCP_SYN_RECEIVED;
	tcp_cc_init_locked(c);
	if (tcp_hash_conn_locked(c)) {
		tcp_set_closed_locked(c); /* the same connection raced in: this SYN was a copy */
		spin_unlock(&c->lock);
		return;
	}
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	else {
		u32 size = tcp_ring_size(c->rcvbuf);
		while (c->rcv_wscale < TCP_MAX_WSCALE && (size >> c->rcv_wscale) > 65535)
			c->rcv_wscale++;
	}
	tcp_send_syn_locked(c);
	spin_unlock(&c->lock);
}

void tcp_input(struct pkb *p)
{
	if (p->len < 20 || (p->flags & PKB_BCAST) || ip_is_multicast(p->dst))
		goto drop;
	const struct tcphdr *th = (const struct tcphdr *)p->data;
	u32 hlen = (th->off >> 4) * 4u;
	if (hlen < 20 || hlen > p->len)
		goto drop;
	if (p->ifindex != 1 && !(p->flags & PKB_CSUM_OK) &&
	    csum_fold(csum_add(csum_pseudo(p->src, p->dst, IPPROTO_TCP, p->len), p->data, p->len)))
		goto drop;
	struct seg s = {
	    .th = th,
	    .seq = ntohl(th->seq),
	    .ack = ntohl(th->ack),
	    .wnd = ntohs(th->win),
	    .len = p->len - hlen,
	    .flags = th->flags,
	    .data = p->data + hlen,
	    .p = p,
	};
	parse_options(&s, p->data + 20, hlen - 20);
	p->sport = th->sport;
	p->dport = th->dport;
	u32 seglen = s.len + !!(s.flags & TH_SYN) + !!(s.flags & TH_FIN);
	/* Nonsense flag mixtures are dropped before they reach a state machine. */
	if ((s.flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) || !th->sport || !th->dport)
		goto drop;
	bool is_listener;
	struct tcb *t = tcp_lookup(p->src, th->sport, p->dst, th->dport, &is_listener);
	if (!t) {
		tcp_reset_reply(p, th, seglen);
		goto drop;
	}
	if (is_listener) {
		listen_input(t, &s, p);
		tcb_put(t);
		goto drop;
	}
	u64 now = tsc_ns();
	spin_lock(&t->lock);
	if (t->state == TCP_TIME_WAIT && (s.flags & TH_SYN) && !(s.flags & (TH_ACK | TH_RST)) &&
	    SEQ_GT(s.seq, t->rcv_nxt)) {
		/* A new incarnation of the connection (RFC 1122 section 4.2.2.13): let it in. */
		tcp_set_closed_locked(t);
		spin_unlock(&t->lock);
		tcb_put(t);
		t = tcp_lookup(p->src, th->sport, p->dst, th->dport, &is_listener);
		if (t && is_listener)
			listen_input(t, &s, p);
		else if (!t)
			tcp_reset_reply(p, th, seglen);
		if (t)
			tcb_put(t);
		goto drop;
	}
	tcp_keepalive_reset_locked(t);
	switch (t->state) {
	case TCP_CLOSED:
		tcp_reset_reply(p, th, seglen);
		break;
	case TCP_SYN_SENT:
		syn_sent_input_locked(t, &s, p);
		break;
	case TCP_LISTEN:
		break; /* a listener found as a connection: it just changed; drop */
	default:
		synchronized_input_locked(t, &s, now);
		tcp_output_locked(t);
		break;
	}
	spin_unlock(&t->lock);
	tcb_put(t);
drop:
	pkb_free(p);
}

void tcp_icmp_error(const u8 *inner, u32 len, u8 type, u8 code)
{
	const struct iphdr *ih = (const struct iphdr *)inner;
	const struct tcphdr *th = (const struct tcphdr *)(inner + (ih->vhl & 0xf) * 4u);
	int err;
	if (type == ICMP_DEST_UNREACH)
		err = code == ICMP_PORT_UNREACH || code == ICMP_PROT_UNREACH ? ECONNREFUSED
		      : code == ICMP_NET_UNREACH				 ? ENETUNREACH
										 : EHOSTUNREACH;
	else if (type == ICMP_TIME_EXCEEDED)
		err = EHOSTUNREACH;
	else
		return;
	bool is_listener;
	struct tcb *t = tcp_lookup(ih->dst, th->dport, ih->src, th->sport, &is_listener);
	if (!t)
		return;
	if (!is_listener) {
		spin_lock(&t->lock);
		u32 seq = ntohl(th->seq);
		/* Only about data in flight (RFC 5927's check against blind errors). */
		if (SEQ_GEQ(seq, t->snd_una) && SEQ_LT(seq, t->snd_max + 1)) {
			/* Soft errors (RFC 1122 section 4.2.3.9): kept for a timeout to report. */
			if (t->state == TCP_SYN_SENT && err == ECONNREFUSED) {
				t->err = err;
				tcp_set_closed_locked(t);
			} else {
				t->soft_err = err;
			}
		}
		spin_unlock(&t->lock);
	}
	tcb_put(t);
}
