/*
 * IPv4 input and output (ip.h). Nothing here keeps state but the
 * identification counter and the statistics (atomics): routes and
 * addresses are netif.c's, fragments ip_frag.c's.
 */
#include "net/ip.h"
#include "net/inet.h"
#include "net/netif.h"
#include "dev/pkb.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct ip_stats ip_stats;
static u16 next_id; /* [a] */

#define STAT(f) __atomic_add_fetch(&ip_stats.f, 1, __ATOMIC_RELAXED)

void ip_input(struct netif *ifp, struct pkb *p)
{
	STAT(in_receives);
	if (p->len < IP_HLEN)
		goto bad;
	struct iphdr *h = (struct iphdr *)p->data;
	u32 hlen = (h->vhl & 0xf) * 4u, tot = ntohs(h->len);
	if (h->vhl >> 4 != 4 || hlen < IP_HLEN || hlen > p->len || tot < hlen || tot > p->len)
		goto bad;
	if (ifp->nic && csum_fold(csum_add(0, h, hlen)) != 0)
		goto bad;
	pkb_trim(p, tot);
	/* Sources that cannot be (RFC 1122 section 3.2.1.3); lo's range only from lo. */
	if (ip_is_multicast(h->src) || h->src == INADDR_BROADCAST ||
	    (ip_is_loopback(h->src) && ifp->nic) || (ip_is_martian(h->src) && h->src != 0) ||
	    (ip_is_loopback(h->dst) && ifp->nic))
		goto addr;
	bool bcast = false;
	if (!ip_is_local(h->dst, &bcast)) {
		/* Before DHCP gives us an address, a server may answer to the one it offers. */
		if (ip_is_multicast(h->dst) || !ifp->nic || h->proto != IPPROTO_UDP)
			goto addr;
		spin_lock(&netcfg_lock);
		bool unconfigured = !ifp->addr;
		spin_unlock(&netcfg_lock);
		if (!unconfigured)
			goto addr;
	}
	if (bcast)
		p->flags |= PKB_BCAST;
	u16 frag = ntohs(h->frag);
	if (frag & (IP_MF | IP_OFFMASK)) {
		p = ip_reassemble(p);
		if (!p)
			return;
		h = (struct iphdr *)p->data;
		hlen = (h->vhl & 0xf) * 4u;
	}
	p->nh = p->data;
	p->src = h->src;
	p->dst = h->dst;
	p->proto = h->proto;
	p->ttl = h->ttl;
	p->tos = h->tos;
	pkb_pull(p, hlen);
	STAT(in_delivers);
	raw_input(p);
	switch (p->proto) {
	case IPPROTO_ICMP:
		icmp_input(p);
		return;
	case IPPROTO_UDP:
		udp_input(p);
		return;
	case IPPROTO_TCP:
		tcp_input(p);
		return;
	default:
		STAT(in_unknown_protos);
		icmp_send_error(p, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
		pkb_free(p);
		return;
	}
bad:
	STAT(in_hdr_errors);
	__atomic_add_fetch(&ifp->stats->rx_errors, 1, __ATOMIC_RELAXED);
	pkb_free(p);
	return;
addr:
	STAT(in_addr_errors);
	pkb_free(p);
}

int ip_source_for(u32 dst, u32 *src, u32 *mtu)
{
	struct route_result rr;
	int rc = route_lookup(dst, &rr);
	if (rc)
		return rc;
	if (src)
		*src = rr.src;
	if (mtu)
		*mtu = rr.mtu;
	return 0;
}

/* Split an IP packet (header in front) into fragments of at most mtu bytes and send them. */
static int fragment(struct netif *ifp, u32 nexthop, struct pkb *p, u32 mtu)
{
	struct iphdr *h = (struct iphdr *)p->data;
	u32 hlen = IP_HLEN, data = p->len - hlen;
	u32 chunk = (mtu - hlen) & ~7u;
	int rc = 0;
	for (u32 off = 0; off < data && !rc; off += chunk) {
		u32 n = MIN(chunk, data - off);
		struct pkb *f = pkb_alloc(PKB_HEADROOM, hlen + n);
		if (!f) {
			rc = -ENOBUFS;
			break;
		}
		f->flags = p->flags;
		struct iphdr *fh = (struct iphdr *)f->data;
		*fh = *h;
		memcpy(f->data + hlen, p->data + hlen + off, n);
		fh->len = htons((u16)(hlen + n));
		fh->frag = htons((u16)((off / 8) | (off + n < data ? IP_MF : 0)));
		fh->csum = 0;
		fh->csum = csum_fold(csum_add(0, fh, hlen));
		__atomic_add_fetch(&ip_stats.frag_creates, 1, __ATOMIC_RELAXED);
		rc = netif_output(ifp, nexthop, f);
	}
	pkb_free(p);
	return rc;
}

int ip_send(struct pkb *p, u32 src, u32 dst, u8 proto, const struct ip_opts *o)
{
	STAT(out_requests);
	struct route_result rr;
	int rc = route_lookup(dst, &rr);
	if (rc) {
		STAT(out_no_routes);
		pkb_free(p);
		return rc;
	}
	bool bcast = dst == INADDR_BROADCAST;
	if (!bcast && rr.ifp->nic) {
		spin_lock(&netcfg_lock);
		bcast = rr.ifp->bcast && dst == rr.ifp->bcast;
		spin_unlock(&netcfg_lock);
	}
	if (bcast && !(o && o->bcast_ok)) {
		pkb_free(p);
		return -EACCES;
	}
	u32 len = p->len + IP_HLEN;
	if (len > IP_MAXPACKET) {
		pkb_free(p);
		return -EMSGSIZE;
	}
	struct iphdr *h = (struct iphdr *)pkb_push(p, IP_HLEN);
	h->vhl = 0x45;
	h->tos = o ? o->tos : 0;
	h->len = htons((u16)len);
	h->id = htons(__atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED));
	h->frag = htons(o && o->df ? IP_DF : 0);
	h->ttl = o && o->ttl ? o->ttl : IP_DEFTTL;
	h->proto = proto;
	h->src = src ? src : rr.src;
	h->dst = dst;
	h->csum = 0;
	h->csum = csum_fold(csum_add(0, h, IP_HLEN));
	if (len > rr.mtu) {
		if (o && o->df) {
			pkb_free(p);
			return -EMSGSIZE;
		}
		return fragment(rr.ifp, rr.nexthop, p, rr.mtu);
	}
	return netif_output(rr.ifp, rr.nexthop, p);
}
