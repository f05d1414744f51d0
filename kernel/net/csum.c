/* The Internet checksum (RFC 1071), 32 bits at a time into a 64-bit sum. */
#include "net/inet.h"


u32 csum_add(u32 sum, const void *buf, size_t len)
{
	const u8 *p = buf;
	u64 s = sum;
	while (len >= 16) {
		u32 w[4];
		__builtin_memcpy(w, p, 16);
		s += (u64)w[0] + w[1] + w[2] + w[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		u32 w;
		__builtin_memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		u16 w;
		__builtin_memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len)
		s += *p; /* the odd byte is the high-order byte of a big-endian word: low in ours */
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	/* Fold to 17 bits at most so callers may keep adding. */
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (u32)s;
}
