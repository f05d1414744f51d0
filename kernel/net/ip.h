/*
 * IPv4 (RFC 791, RFC 1122 section 3): checking and delivering packets
 * that arrive, reassembling fragments (ip_frag.c), and sending with a
 * route, fragmenting what is larger than the interface's MTU. No
 * forwarding: a host drops what is not for it (RFC 1122 section 3.3.4).
 */
#pragma once

#include "lib/types.h"

struct netif;
struct pkb;

struct ip_opts {
	u8 ttl; /* 0: IP_DEFTTL */
	u8 tos;
	bool df;	  /* don't fragment: a larger packet fails with EMSGSIZE */
	bool bcast_ok;	  /* SO_BROADCAST: may go to a broadcast address */
	bool is_frag_ok;  /* internal: ICMP errors are never about fragments but the first */
};

/* An IP packet from ifp (p->data: the IP header). Takes p. */
void ip_input(struct netif *ifp, struct pkb *p);
/*
 * Send p (p->data: the transport header) from src (0: the route's
 * address) to dst, protocol proto. Takes p. 0 or -errno (ENETUNREACH,
 * EMSGSIZE, ENOBUFS, EACCES for a broadcast without bcast_ok).
 */
int ip_send(struct pkb *p, u32 src, u32 dst, u8 proto, const struct ip_opts *o);
/* The source address and path MTU a packet to dst would get (-ENETUNREACH). */
int ip_source_for(u32 dst, u32 *src, u32 *mtu);

/* Fragments (ip_frag.c): the whole datagram once every piece is in, else NULL. Takes p. */
struct pkb *ip_reassemble(struct pkb *p);
void ip_frag_init(void);
u64 ip_frag_bytes(void);

/* The transport layers' inputs: p->data is their header, p->nh the IP header. Take p. */
void icmp_input(struct pkb *p);
void udp_input(struct pkb *p);
void tcp_input(struct pkb *p);
/* Raw sockets see a copy of every packet of their protocol (p is not taken). */
void raw_input(struct pkb *p);

/*
 * ICMP errors about a received packet p (whose p->nh is its IP header),
 * rate-limited, never about an ICMP error, a broadcast or a fragment but
 * the first (RFC 1122 section 3.2.2).
 */
void icmp_send_error(struct pkb *p, u8 type, u8 code, u32 info);
/* An ICMP error arrived about a packet we sent: tell the transport (inner: its IP header). */
/* from: who sent the ICMP message; info: its next-hop MTU (fragmentation needed), else 0. */
void udp_icmp_error(const u8 *inner, u32 len, u8 type, u8 code, u32 from, u32 info);
void tcp_icmp_error(const u8 *inner, u32 len, u8 type, u8 code);

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROT_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMP_EXC_FRAGTIME 1

/* Counters for /proc/net/snmp-like reporting and the tests. [a] */
struct ip_stats {
	u64 in_receives, in_hdr_errors, in_addr_errors, in_delivers, in_unknown_protos;
	u64 reasm_reqds, reasm_oks, reasm_fails;
	u64 out_requests, out_no_routes, frag_creates;
};
extern struct ip_stats ip_stats;
