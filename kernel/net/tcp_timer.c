/*
 * A connection's timers (RFC 9293 section 3.8, RFC 6298, RFC 1122
 * section 4.2.3.6) and its windows' arithmetic: the RTO estimator and
 * NewReno's congestion window (RFC 5681, RFC 6582).
 *
 * Each tcb has one kernel task with one struct timer (invariant 2):
 * the deadlines live in the tcb (t_rexmt, t_delack, t_persist, t_keep,
 * t_wait) and the timer is armed for the earliest. Setting a later
 * deadline does not touch the timer: when it fires early the task finds
 * nothing due and arms it again. The timer is armed only under the tcb's
 * lock. When the tcb's last reference goes, the task is woken one last
 * time: it cancels its timer and frees the tcb (its done function).
 */
#include "net/tcp.h"
#include "net/netif.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

#define NS_PER_US 1000UL
#define RTO_CLOCK_G_US 1000 /* the clock granularity term of RFC 6298 (2.3) */

u32 tcp_rto_us(struct tcb *t)
{
	u64 rto = (u64)t->rto_us << MIN(t->backoff, 16u);
	return (u32)MIN(rto, (u64)TCP_RTO_MAX_US);
}

void tcp_rtt_sample_locked(struct tcb *t, u64 rtt_ns)
{
	u32 r = (u32)MIN(rtt_ns / NS_PER_US, (u64)TCP_RTO_MAX_US);
	if (!r)
		r = 1;
	if (!t->srtt_us) {
		t->srtt_us = r; /* RFC 6298 (2.2) */
		t->rttvar_us = r / 2;
	} else {
		u32 diff = t->srtt_us > r ? t->srtt_us - r : r - t->srtt_us; /* (2.3) */
		t->rttvar_us = (3 * t->rttvar_us + diff) / 4;
		t->srtt_us = (7 * t->srtt_us + r) / 8;
	}
	u32 rto = t->srtt_us + MAX((u32)RTO_CLOCK_G_US, 4 * t->rttvar_us);
	t->rto_us = MAX(MIN(rto, (u32)TCP_RTO_MAX_US), (u32)TCP_RTO_MIN_US);
}

void tcp_timer_kick_locked(struct tcb *t, u64 deadline)
{
	assert(spin_is_locked(&t->lock));
	if (t->timer_at && t->timer_at <= deadline &&
	    __atomic_load_n(&t->timer.armed, __ATOMIC_ACQUIRE))
		return;
	timer_arm(&t->timer, &t->task, deadline);
	t->timer_at = deadline;
}

void tcp_rexmt_restart_locked(struct tcb *t)
{
	if (t->snd_una == t->snd_max) {
		t->t_rexmt = 0;
		return;
	}
	t->t_rexmt = tsc_ns() + (u64)tcp_rto_us(t) * NS_PER_US;
	tcp_timer_kick_locked(t, t->t_rexmt);
}

void tcp_keepalive_reset_locked(struct tcb *t)
{
	t->keep_probes = 0;
	if (!t->keepalive || t->state == TCP_LISTEN || t->state == TCP_CLOSED) {
		t->t_keep = 0;
		return;
	}
	t->t_keep = tsc_ns() + (u64)t->keepidle_s * 1000000000UL;
	tcp_timer_kick_locked(t, t->t_keep);
}

/* ---- NewReno (RFC 5681 section 3, RFC 6582 section 3.2) ---- */

void tcp_cc_init_locked(struct tcb *t)
{
	/* RFC 5681 (3.1): the initial window. */
	u32 iw = t->mss > 2190 ? 2 * t->mss : t->mss > 1095 ? 3 * t->mss : 4 * t->mss;
	t->cwnd = iw;
	t->ssthresh = 0x7fffffff;
	t->dupacks = 0;
	t->in_recovery = false;
	t->recover = t->iss;
}

static u32 flight_size(struct tcb *t)
{
	return t->snd_max - t->snd_una;
}

void tcp_cc_ack_locked(struct tcb *t, u32 acked, u32 ack)
{
	if (t->in_recovery) {
		if (SEQ_GEQ(ack, t->recover)) {
			/* Full acknowledgement: deflate the window (RFC 6582 step 3, option 1). */
			t->cwnd = MIN(t->ssthresh, MAX(flight_size(t), t->mss) + t->mss);
			t->in_recovery = false;
			t->dupacks = 0;
		} else {
			/* Partial: resend the next hole, deflate by what was acked (step 4). */
			tcp_retransmit_locked(t);
			t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
			if (acked >= t->mss)
				t->cwnd += t->mss;
			t->cwnd = MAX(t->cwnd, t->mss);
			tcp_rexmt_restart_locked(t);
		}
		return;
	}
	t->dupacks = 0;
	if (t->cwnd < t->ssthresh)
		t->cwnd += MIN(acked, t->mss); /* slow start (RFC 5681 equation 2) */
	else
		t->cwnd += MAX(1u, (u32)((u64)t->mss * t->mss / t->cwnd)); /* congestion avoidance */
	t->cwnd = MIN(t->cwnd, 2u * TCP_BUF_MAX);
}

void tcp_cc_dupack_locked(struct tcb *t)
{
	t->dupacks++;
	if (t->in_recovery) {
		t->cwnd += t->mss; /* each further duplicate: a segment has left the network */
		return;
	}
	/* Three duplicates: fast retransmit, unless they are about an older recovery. */
	if (t->dupacks == 3 && SEQ_GT(t->snd_una - 1, t->recover)) {
		t->ssthresh = MAX(flight_size(t) / 2, 2 * t->mss);
		t->recover = t->snd_max;
		t->in_recovery = true;
		t->rtt_start = 0; /* Karn */
		tcp_retransmit_locked(t);
		t->cwnd = t->ssthresh + 3 * t->mss;
	}
}

/* ---- timeouts ---- */

static void give_up_locked(struct tcb *t, int err)
{
	t->err = err;
	tcp_set_closed_locked(t);
}

static void rexmt_timeout_locked(struct tcb *t, u64 now)
{
	t->t_rexmt = 0;
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED) {
		u32 max = t->state == TCP_SYN_SENT ? TCP_SYN_RETRIES : TCP_SYNACK_RETRIES;
		if (t->syn_retries >= max) {
			give_up_locked(t, t->soft_err ? t->soft_err : ETIMEDOUT);
			return;
		}
		t->syn_retries++;
		t->backoff++;
		tcp_send_syn_locked(t);
		return;
	}
	if (t->snd_una == t->snd_max)
		return;
	if (!t->first_rexmt_ns)
		t->first_rexmt_ns = now;
	if (t->retries >= TCP_RETRIES ||
	    (t->user_timeout_ms && now - t->first_rexmt_ns >= (u64)t->user_timeout_ms * 1000000)) {
		give_up_locked(t, t->soft_err ? t->soft_err : ETIMEDOUT);
		return;
	}
	/* RFC 5681 (4.3) and 6298 (5.5-5.7): halve, restart slow, back off, go back to snd_una. */
	t->ssthresh = MAX(flight_size(t) / 2, 2 * t->mss);
	t->cwnd = t->mss;
	t->in_recovery = false;
	t->dupacks = 0;
	t->recover = t->snd_max;
	t->retries++;
	t->backoff++;
	t->rtt_start = 0;
	t->snd_nxt = t->snd_una;
	tcp_output_locked(t);
	if (!t->t_rexmt) {
		t->t_rexmt = now + (u64)tcp_rto_us(t) * NS_PER_US;
	}
}

static void persist_timeout_locked(struct tcb *t)
{
	t->t_persist = 0;
	if (t->snd_wnd || t->state == TCP_CLOSED)
		return;
	/* Nobody will read what an orphan still holds for a peer that never opens its window. */
	if (t->orphan && t->persist_shift >= TCP_ORPHAN_PROBES) {
		tcp_send_rst_locked(t);
		give_up_locked(t, ETIMEDOUT);
		return;
	}
	tcp_send_probe_locked(t, true);
	t->persist_shift++;
	u64 d = TCP_PERSIST_MIN_NS << MIN(t->persist_shift, 12u);
	t->t_persist = tsc_ns() + MIN(d, TCP_PERSIST_MAX_NS);
}

static void keep_timeout_locked(struct tcb *t, u64 now)
{
	t->t_keep = 0;
	if (!t->keepalive)
		return;
	switch (t->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
		break;
	default:
		return;
	}
	if (t->keep_probes >= t->keepcnt) {
		tcp_send_rst_locked(t);
		give_up_locked(t, ETIMEDOUT);
		return;
	}
	tcp_send_probe_locked(t, false);
	t->keep_probes++;
	t->t_keep = now + (u64)t->keepintvl_s * 1000000000UL;
}

static void wait_timeout_locked(struct tcb *t)
{
	t->t_wait = 0;
	switch (t->state) {
	case TCP_TIME_WAIT:
	case TCP_FIN_WAIT_2:
		tcp_set_closed_locked(t);
		break;
	case TCP_CLOSED:
	case TCP_LISTEN:
		break;
	default:
		/* SO_LINGER ran out with data still unacknowledged: reset. */
		if (t->orphan && t->linger_on) {
			tcp_send_rst_locked(t);
			tcp_set_closed_locked(t);
		}
		break;
	}
}

static enum poll_result tcb_task_poll(struct task *task)
{
	struct tcb *t = container_of(task, struct tcb, task);
	if (__atomic_load_n(&t->dead, __ATOMIC_ACQUIRE)) {
		timer_cancel(&t->timer);
		return READY;
	}
	if (!tcb_tryget(t))
		return PENDING; /* its count just reached 0: the wake that marks it dead follows */
	spin_lock(&t->lock);
	u64 now = tsc_ns();
	if (t->t_rexmt && now >= t->t_rexmt)
		rexmt_timeout_locked(t, now);
	if (t->t_delack && now >= t->t_delack) {
		t->t_delack = 0;
		t->ack_now = true;
		tcp_output_locked(t);
	}
	if (t->t_persist && now >= t->t_persist)
		persist_timeout_locked(t);
	if (t->t_keep && now >= t->t_keep)
		keep_timeout_locked(t, now);
	if (t->t_wait && now >= t->t_wait)
		wait_timeout_locked(t);
	u64 next = 0, d[] = {t->t_rexmt, t->t_delack, t->t_persist, t->t_keep, t->t_wait};
	for (u32 i = 0; i < ARRAY_SIZE(d); i++)
		if (d[i] && (!next || d[i] < next))
			next = d[i];
	if (next) {
		timer_arm(&t->timer, task, next);
		t->timer_at = next;
	} else {
		timer_cancel(&t->timer);
		t->timer_at = 0;
	}
	spin_unlock(&t->lock);
	net_flush();
	tcb_put(t);
	return PENDING;
}

static void tcb_free(struct task *task)
{
	struct tcb *t = container_of(task, struct tcb, task);
	tcp_ring_free(&t->snd);
	tcp_ring_free(&t->rcv);
	kfree(t);
}

void tcp_timer_start(struct tcb *t)
{
	task_init(&t->task, "tcp", tcb_task_poll, tcb_free);
	task_spawn(&t->task, -1);
}
