/*
 * The hash of a directory entry's name that the in-memory directory
 * indexes use (ramfs_dir.c, ext2_dindex.c): FNV-1a started from a
 * per-directory seed, then mixed so that the low bits, which pick the
 * bucket, depend on every byte.
 */
#pragma once

#include "lib/types.h"

static inline u32 fs_name_hash(u32 seed, const char *name, size_t len)
{
	u32 h = 2166136261u ^ seed;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (u8)name[i]) * 16777619u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}
