/*
 * The extended-attribute areas' format (ext2_xattr.h): reading a table
 * with every check a damaged disk calls for, and laying one out with the
 * hashes e2fsprogs and Linux compute. Pure: no locks, no allocation.
 */
#include "fs/ext2_xattr.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define NAME_HASH_SHIFT 5
#define VALUE_HASH_SHIFT 16
#define BLOCK_HASH_SHIFT 16

static u32 entry_len(u32 nlen)
{
	return ALIGN_UP(EXT2_XATTR_ENTRY + nlen, (u32)EXT2_XATTR_PAD);
}

static u32 value_len(u32 vsize)
{
	return ALIGN_UP(vsize, (u32)EXT2_XATTR_PAD);
}

static u32 rd32(const u8 *p)
{
	u32 v;
	memcpy(&v, p, 4);
	return v;
}

/* Negative when (ns, name) sorts before x, as the block's table is ordered. */
static int cmp(u8 ns, const char *name, u8 nlen, const struct ext2_xattr *x)
{
	if (ns != x->ns)
		return ns < x->ns ? -1 : 1;
	if (nlen != x->nlen)
		return nlen < x->nlen ? -1 : 1;
	return memcmp(name, x->name, nlen);
}

u32 ext2_xattr_find(const struct ext2_xattrs *set, u8 ns, const char *name, u8 nlen, bool *found)
{
	u32 i = 0;
	int c = 1;
	while (i < set->n && (c = cmp(ns, name, nlen, &set->v[i])) > 0)
		i++;
	*found = i < set->n && c == 0;
	return i;
}

int ext2_xattr_parse(const u8 *area, u32 len, u32 first, bool inbody, struct ext2_xattrs *set,
		     const char **why)
{
	u32 off = first;
	/* The table, up to its four zero bytes. */
	for (;;) {
		if (off + 4 > len) {
			*why = "attribute table runs off its area";
			return -EUCLEAN;
		}
		if (rd32(area + off) == 0)
			break;
		const struct ext2_xattr_entry *e = (const void *)(area + off);
		if (off + EXT2_XATTR_ENTRY > len || off + entry_len(e->e_name_len) > len) {
			*why = "attribute entry runs off its area";
			return -EUCLEAN;
		}
		if (e->e_name_len == 0) {
			*why = "attribute with an empty name";
			return -EUCLEAN;
		}
		if (e->e_value_inum) {
			*why = "attribute value in an inode (ea_inode, not supported)";
			return -EUCLEAN;
		}
		bool found;
		u32 at = ext2_xattr_find(set, e->e_name_index, e->e_name, e->e_name_len, &found);
		if (found) {
			*why = "attribute name met twice";
			return -EUCLEAN;
		}
		if (set->n == set->cap) {
			*why = "more attributes than the areas can hold";
			return -EUCLEAN;
		}
		memmove(&set->v[at + 1], &set->v[at], (set->n - at) * sizeof *set->v);
		set->n++;
		set->v[at] = (struct ext2_xattr){e->e_name_index, e->e_name_len, inbody, e->e_name,
						 area + e->e_value_offs, e->e_value_size};
		off += entry_len(e->e_name_len);
	}
	u32 table_end = off + 4;
	/* The values: inside the area, past the table, and apart from each other. */
	for (u32 i = 0; i < set->n; i++) {
		const struct ext2_xattr *x = &set->v[i];
		if (x->inbody != inbody || !x->vsize)
			continue;
		u64 lo = (u64)(x->value - area), hi = lo + x->vsize;
		if (lo < table_end || hi > len || x->vsize > len) {
			*why = "attribute value outside its area or over the table";
			return -EUCLEAN;
		}
		for (u32 j = 0; j < i; j++) {
			const struct ext2_xattr *y = &set->v[j];
			if (y->inbody != inbody || !y->vsize)
				continue;
			u64 ylo = (u64)(y->value - area), yhi = ylo + y->vsize;
			if (lo < yhi && ylo < hi) {
				*why = "attribute values overlap";
				return -EUCLEAN;
			}
		}
	}
	return 0;
}

u32 ext2_xattr_room(const struct ext2_xattrs *set, bool inbody, u32 first)
{
	u32 n = 0;
	for (u32 i = 0; i < set->n; i++)
		if (set->v[i].inbody == inbody)
			n += entry_len(set->v[i].nlen) + value_len(set->v[i].vsize);
	return n ? first + n + 4 : 0;
}

/* The entry's hash: its name's bytes, then its value's (zero-padded) little-endian words. */
static u32 entry_hash(const struct ext2_xattr_entry *e, const u8 *value)
{
	u32 h = 0;
	for (u32 i = 0; i < e->e_name_len; i++)
		h = (h << NAME_HASH_SHIFT) ^ (h >> (32 - NAME_HASH_SHIFT)) ^ (u8)e->e_name[i];
	for (u32 i = 0; i < value_len(e->e_value_size); i += 4)
		h = (h << VALUE_HASH_SHIFT) ^ (h >> (32 - VALUE_HASH_SHIFT)) ^ rd32(value + i);
	return h;
}

u32 ext2_xattr_build(u8 *area, u32 len, u32 first, bool inbody, const struct ext2_xattrs *set)
{
	memset(area + first, 0, len - first);
	u32 off = first, vend = len, bh = 0;
	for (u32 i = 0; i < set->n; i++) {
		const struct ext2_xattr *x = &set->v[i];
		if (x->inbody != inbody)
			continue;
		struct ext2_xattr_entry *e = (void *)(area + off);
		e->e_name_len = x->nlen;
		e->e_name_index = x->ns;
		e->e_value_size = x->vsize;
		memcpy(e->e_name, x->name, x->nlen);
		if (x->vsize) {
			vend -= value_len(x->vsize);
			e->e_value_offs = (u16)vend;
			memcpy(area + vend, x->value, x->vsize);
		}
		assert(off + entry_len(x->nlen) + 4 <= vend);
		e->e_hash = entry_hash(e, area + vend);
		bh = (bh << BLOCK_HASH_SHIFT) ^ (bh >> (32 - BLOCK_HASH_SHIFT)) ^ e->e_hash;
		off += entry_len(x->nlen);
	}
	return bh;
}
