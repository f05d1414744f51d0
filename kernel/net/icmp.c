/*
 * ICMP (RFC 792, RFC 1122 section 3.2.2): echo replies, errors we send
 * (port and protocol unreachable), and errors we receive, handed to the
 * transport whose packet they are about. Raw ICMP sockets (busybox ping)
 * see every ICMP packet through raw_input before this runs.
 *
 * The only state is the error rate limit, a token bucket under
 * rate_lock.
 */
#include "net/ip.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

#define ICMP_HLEN 8
#define ICMP_ERR_QUOTE 548 /* what of the packet an error quotes: fits in 576 bytes (RFC 1812) */
#define RATE_BURST 50
#define RATE_NS_PER_TOKEN 20000000UL /* 50 errors a second once the burst is spent */

static struct spinlock rate_lock = SPINLOCK_INIT;
static u64 tokens = RATE_BURST; /* [rate_lock] */
static u64 last_fill;		/* [rate_lock] */

static bool rate_ok(void)
{
	u64 now = tsc_ns();
	spin_lock(&rate_lock);
	u64 add = (now - last_fill) / RATE_NS_PER_TOKEN;
	if (add) {
		tokens = MIN(tokens + add, (u64)RATE_BURST);
		last_fill += add * RATE_NS_PER_TOKEN;
	}
	bool ok = tokens > 0;
	if (ok)
		tokens--;
	spin_unlock(&rate_lock);
	return ok;
}

static bool is_error_type(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB || type == 5 /* redirect */;
}

void icmp_send_error(struct pkb *p, u8 type, u8 code, u32 info)
{
	struct iphdr *h = (struct iphdr *)p->nh;
	if (!h || (p->flags & PKB_BCAST) || ip_is_multicast(h->dst) || h->src == 0 ||
	    ip_is_martian(h->src) || ip_is_multicast(h->src) || h->src == INADDR_BROADCAST ||
	    (ntohs(h->frag) & IP_OFFMASK))
		return;
	u32 hlen = (h->vhl & 0xf) * 4u;
	u32 have = (u32)(p->data + p->len - p->nh);
	if (h->proto == IPPROTO_ICMP) {
		/* Never an error about an error. */
		if (have < hlen + 1 || is_error_type(p->nh[hlen]))
			return;
	}
	if (!rate_ok())
		return;
	u32 quote = MIN(have, (u32)ICMP_ERR_QUOTE);
	struct pkb *e = pkb_alloc(PKB_HEADROOM, ICMP_HLEN + quote);
	if (!e)
		return;
	struct icmphdr *ih = (struct icmphdr *)e->data;
	ih->type = type;
	ih->code = code;
	ih->csum = 0;
	ih->id = htons((u16)(info >> 16));
	ih->seq = htons((u16)info);
	memcpy(e->data + ICMP_HLEN, p->nh, quote);
	ih->csum = csum_fold(csum_add(0, e->data, e->len));
	ip_send(e, h->dst, h->src, IPPROTO_ICMP, NULL);
}

static void echo_reply(struct pkb *p)
{
	if (p->flags & PKB_BCAST)
		return; /* no answer to broadcast pings (RFC 1122 section 3.2.2.6 allows it) */
	struct pkb *r = pkb_alloc(PKB_HEADROOM, p->len);
	if (!r)
		return;
	memcpy(r->data, p->data, p->len);
	struct icmphdr *ih = (struct icmphdr *)r->data;
	ih->type = ICMP_ECHOREPLY;
	ih->code = 0;
	ih->csum = 0;
	ih->csum = csum_fold(csum_add(0, r->data, r->len));
	struct ip_opts o = {.tos = p->tos};
	ip_send(r, p->dst, p->src, IPPROTO_ICMP, &o);
}

void icmp_input(struct pkb *p)
{
	if (p->len < ICMP_HLEN || csum_fold(csum_add(0, p->data, p->len)) != 0)
		goto done;
	struct icmphdr *ih = (struct icmphdr *)p->data;
	switch (ih->type) {
	case ICMP_ECHO:
		echo_reply(p);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_SOURCE_QUENCH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB: {
		/* The quoted packet: an IP header and at least 8 bytes of its transport header. */
		const u8 *in = p->data + ICMP_HLEN;
		u32 len = p->len - ICMP_HLEN;
		if (len < IP_HLEN)
			break;
		const struct iphdr *ih2 = (const struct iphdr *)in;
		u32 hl = (ih2->vhl & 0xf) * 4u;
		if (ih2->vhl >> 4 != 4 || hl < IP_HLEN || len < hl + 8)
			break;
		if (ih2->proto == IPPROTO_UDP)
			udp_icmp_error(in, len, ih->type, ih->code, p->src,
				       ih->type == ICMP_DEST_UNREACH ? ntohs(ih->seq) : 0);
		else if (ih2->proto == IPPROTO_TCP)
			tcp_icmp_error(in, len, ih->type, ih->code);
		break;
	}
	default:
		break;
	}
done:
	pkb_free(p);
}
