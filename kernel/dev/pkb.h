/*
 * Packet buffers: one frame or packet in one kmalloc'd block, with room
 * in front for headers to be pushed as it goes down the stack and pulled
 * as it goes up. The NIC drivers and the network stack (kernel/net) pass
 * them between them; whoever holds a pkb owns it ([o]) and frees it or
 * hands it on. The `node` link belongs to the queue it sits in, under
 * that queue's lock.
 *
 * All pkbs together stay under a limit (a share of RAM): pkb_alloc fails
 * past it, so a flood of frames or a peer that never reads cannot take
 * the kernel's memory; the stack drops what it cannot hold.
 */
#pragma once

#include "lib/list.h"
#include "lib/types.h"

#define PKB_HEADROOM 128 /* virtio-net header + Ethernet + IP + TCP with options, rounded up */

struct pkb {
	struct list_node node; /* [queue's lock] */
	u8 *data;	       /* [o] the first byte of the current layer */
	u32 len;	       /* [o] bytes from data on */
	u32 cap;	       /* [I] bytes in buf */
	u32 truesize;	       /* [I] bytes the allocation takes (for socket accounting) */
	u32 ifindex;	       /* [o] the interface it came in on (0: made here) */
	/* Filled by the layers that parse it, for those above (network byte order). */
	u32 src, dst;	       /* [o] IPv4 addresses */
	u16 sport, dport;      /* [o] UDP/TCP ports */
	u8 proto;	       /* [o] IP protocol */
	u8 ttl, tos;	       /* [o] */
	u8 flags;	       /* [o] PKB_* */
	u8 *nh;		       /* [o] the IP header, once parsed */
	u8 buf[];
};

enum {
	PKB_CSUM_OK = 1 << 0,  /* the device checked the transport checksum */
	PKB_BCAST = 1 << 1,    /* arrived as a link-level or IP broadcast */
};

/* A buffer with headroom bytes in front and len bytes of data; NULL past the limit. */
struct pkb *pkb_alloc(u32 headroom, u32 len);
void pkb_free(struct pkb *p);
/* Free every pkb on a list. */
void pkb_free_list(struct list_node *head);

/* Make room for a header of n bytes in front; its start. Panics without headroom (a bug). */
static inline u8 *pkb_push(struct pkb *p, u32 n)
{
	if (unlikely(p->data - p->buf < (long)n))
		__builtin_trap();
	p->data -= n;
	p->len += n;
	return p->data;
}

/* Drop n bytes of header (n <= len, checked by the caller). */
static inline void pkb_pull(struct pkb *p, u32 n)
{
	p->data += n;
	p->len -= n;
}

/* Cut the data to n bytes (n <= len). */
static inline void pkb_trim(struct pkb *p, u32 n)
{
	if (n < p->len)
		p->len = n;
}

/* Room after the data. */
static inline u32 pkb_tailroom(const struct pkb *p)
{
	return p->cap - (u32)(p->data - p->buf) - p->len;
}

/* Bytes all pkbs take now, and the limit. */
u64 pkb_bytes_in_use(void);
u64 pkb_limit(void);
