/*
 * What every part of the IPv4 stack shares: byte order, the protocol
 * numbers, the Internet checksum (RFC 1071) and the header layouts of
 * RFC 791 (IP), 826 (ARP), 792 (ICMP), 768 (UDP) and 9293 (TCP).
 *
 * Addresses and ports are kept in network byte order everywhere in the
 * stack (as they travel and as sockaddr_in holds them); only arithmetic
 * on sequence numbers and lengths converts.
 */
#pragma once

#include "lib/types.h"

static inline u16 htons(u16 x)
{
	return __builtin_bswap16(x);
}
static inline u16 ntohs(u16 x)
{
	return __builtin_bswap16(x);
}
static inline u32 htonl(u32 x)
{
	return __builtin_bswap32(x);
}
static inline u32 ntohl(u32 x)
{
	return __builtin_bswap32(x);
}

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_RAW 255

#define INADDR_ANY 0u
#define INADDR_BROADCAST 0xffffffffu
#define IP4(a, b, c, d) htonl((u32)(a) << 24 | (u32)(b) << 16 | (u32)(c) << 8 | (u32)(d))

static inline bool ip_is_loopback(u32 a)
{
	return (ntohl(a) >> 24) == 127;
}
static inline bool ip_is_multicast(u32 a)
{
	return (ntohl(a) >> 28) == 0xe;
}
/* Class E and 0.0.0.0/8: never a source or a destination on the wire. */
static inline bool ip_is_martian(u32 a)
{
	u32 h = ntohl(a) >> 24;
	return h == 0 || h >= 240;
}

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806

struct ethhdr {
	u8 dst[6];
	u8 src[6];
	u16 type;
} __packed;

struct iphdr {
	u8 vhl; /* version 4 in the high nibble, header length in 32-bit words in the low */
	u8 tos;
	u16 len;
	u16 id;
	u16 frag; /* flags (reserved, DF, MF) and the offset in 8-byte units */
	u8 ttl;
	u8 proto;
	u16 csum;
	u32 src;
	u32 dst;
} __packed;
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IP_HLEN 20
#define IP_MAXPACKET 65535
#define IP_DEFTTL 64

struct udphdr {
	u16 sport, dport, len, csum;
} __packed;

struct icmphdr {
	u8 type, code;
	u16 csum;
	u16 id, seq; /* echo; for errors, "unused" (or the next-hop MTU) */
} __packed;

struct tcphdr {
	u16 sport, dport;
	u32 seq, ack;
	u8 off;	  /* data offset in 32-bit words, high nibble */
	u8 flags; /* CWR ECE URG ACK PSH RST SYN FIN */
	u16 win;
	u16 csum;
	u16 urp;
} __packed;

/*
 * The Internet checksum: csum_add sums 16-bit words of a buffer into a
 * 32-bit accumulator (byte order does not matter to a ones' complement
 * sum, RFC 1071 section 2); csum_fold gives the 16-bit complement to
 * store. A packet whose checksum field is included sums to 0.
 */
u32 csum_add(u32 sum, const void *buf, size_t len);
static inline u16 csum_fold(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}
/* The TCP/UDP pseudo-header (RFC 9293 section 3.1, RFC 768). */
static inline u32 csum_pseudo(u32 src, u32 dst, u8 proto, u32 len)
{
	u64 s = (u64)(src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16) +
		htons(proto) + htons((u16)len);
	s = (s & 0xffffffff) + (s >> 32);
	return (u32)((s & 0xffff) + (s >> 16));
}
