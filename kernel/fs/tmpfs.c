/*
 * tmpfs and ramfs as mount(2) makes them (both are ramfs.c underneath).
 *
 * tmpfs has Linux's limits: size= bytes of file data (k, m, g, t suffixes,
 * or a percentage of RAM; rounded up to pages; default half of RAM) and
 * nr_inodes= files (default half as many as RAM has pages); 0 means no
 * limit. A full tmpfs gives ENOSPC; statfs reports the limits and what is
 * left. mode=, uid= and gid= set its root's. A remount may change the
 * limits (never below what is in use: EINVAL) and read-only. ramfs has no
 * limits and takes mode= only. An option a type does not take is EINVAL,
 * as on Linux.
 *
 * The limits are [a] in struct ramfs_sb (ramfs_impl.h): ramfs.c charges
 * pages and inodes against them as files grow and shrink.
 */
#include "fs/ramfs_impl.h"
#include "mm/buddy.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define TMPFS_MAGIC 0x01021994

struct tmpfs_opts {
	bool has_size, has_inodes, has_mode, has_uid, has_gid;
	u64 pages, inodes;
	u32 mode, uid, gid;
};

/* A decimal number with an optional binary suffix (k, m, g, t, p, e); false if malformed. */
static bool parse_size(const char *s, size_t len, u64 *out, bool *percent)
{
	u64 n = 0;
	size_t i = 0;
	if (!len)
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > (~0ULL - 9) / 10)
			return false;
		n = n * 10 + (u64)(s[i] - '0');
	}
	if (!i)
		return false;
	*percent = false;
	if (i == len) {
		*out = n;
		return true;
	}
	if (i + 1 != len)
		return false;
	int shift;
	switch (s[i] | 0x20) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	case 't': shift = 40; break;
	case 'p': shift = 50; break;
	case 'e': shift = 60; break;
	case '%' | 0x20:
		*percent = true; /* more than 100% is allowed, as on Linux */
		*out = n;
		return true;
	default:
		return false;
	}
	if (n > (~0ULL >> shift))
		return false;
	*out = n << shift;
	return true;
}

static bool parse_number(const char *s, size_t len, u32 base, u64 max, u64 *out)
{
	u64 n = 0;
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		u32 d = (u32)(s[i] - '0');
		if (d >= base || n > (max - d) / base)
			return false;
		n = n * base + d;
	}
	*out = n;
	return true;
}

static bool key_is(const char *key, size_t klen, const char *want)
{
	return klen == strlen(want) && memcmp(key, want, klen) == 0;
}

/* "size=1m,nr_inodes=10,mode=700": 0, or -EINVAL naming the bad option. */
static int parse_options(const char *type, const char *options, bool limits, struct tmpfs_opts *o)
{
	*o = (struct tmpfs_opts){0};
	for (const char *p = options; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = strchr(p, '=');
		if (eq && eq >= p + len)
			eq = NULL; /* in a later option */
		size_t klen = eq ? (size_t)(eq - p) : len;
		const char *v = eq ? eq + 1 : NULL;
		size_t vlen = eq ? len - klen - 1 : 0;
		u64 n = 0;
		bool ok = v != NULL, percent = false;
		if (!len) {
			ok = true; /* ",," */
		} else if (limits && key_is(p, klen, "size") && ok) {
			ok = parse_size(v, vlen, &n, &percent);
			if (ok && percent) {
				u64 ram = buddy_total_pages();
				n = n > ~0ULL / (ram ? ram : 1) ? ~0ULL : ram * n / 100;
			} else if (ok) {
				n = n > ~0ULL - (PAGE_SIZE - 1) ? (~0ULL >> PAGE_SHIFT) + 1
								 : ALIGN_UP(n, PAGE_SIZE) >> PAGE_SHIFT;
			}
			o->pages = n, o->has_size = true;
		} else if (limits && key_is(p, klen, "nr_blocks") && ok) {
			ok = parse_size(v, vlen, &n, &percent) && !percent;
			o->pages = n, o->has_size = true;
		} else if (limits && key_is(p, klen, "nr_inodes") && ok) {
			ok = parse_size(v, vlen, &n, &percent) && !percent;
			o->inodes = n, o->has_inodes = true;
		} else if (key_is(p, klen, "mode") && ok) {
			ok = parse_number(v, vlen, 8, 07777, &n);
			o->mode = (u32)n, o->has_mode = true;
		} else if (limits && key_is(p, klen, "uid") && ok) {
			ok = parse_number(v, vlen, 10, 0xfffffffe, &n);
			o->uid = (u32)n, o->has_uid = true;
		} else if (limits && key_is(p, klen, "gid") && ok) {
			ok = parse_number(v, vlen, 10, 0xfffffffe, &n);
			o->gid = (u32)n, o->has_gid = true;
		} else {
			ok = false;
		}
		if (!ok) {
			pr_info("%s: bad mount option '%.*s'\n", type, (int)MIN(len, 64UL), p);
			return -EINVAL;
		}
		p = end ? end + 1 : p + len;
	}
	return 0;
}

static void tmpfs_usage(struct superblock *sb, struct fs_usage *u)
{
	struct ramfs_sb *rs = RS(sb);
	u64 pages, inodes;
	ramfs_count_usage(sb, &pages, &inodes);
	u64 maxp = __atomic_load_n(&rs->max_pages, __ATOMIC_RELAXED);
	u64 maxi = __atomic_load_n(&rs->max_inodes, __ATOMIC_RELAXED);
	/* As Linux: a limit of 0 (none) shows as 0 blocks or files. */
	*u = (struct fs_usage){
	    .magic = TMPFS_MAGIC,
	    .bsize = PAGE_SIZE,
	    .blocks = maxp,
	    .bfree = maxp > pages ? maxp - pages : 0,
	    .bavail = maxp > pages ? maxp - pages : 0,
	    .files = maxi,
	    .ffree = maxi > inodes ? maxi - inodes : 0,
	};
}

/* New limits for a mounted tmpfs: never below what it holds. */
static int set_limits(struct ramfs_sb *rs, const struct tmpfs_opts *o)
{
	u64 pages, inodes;
	ramfs_count_usage(&rs->sb, &pages, &inodes);
	if ((o->has_size && o->pages && o->pages < pages) ||
	    (o->has_inodes && o->inodes && o->inodes < inodes))
		return -EINVAL; /* Linux: "too small for current use" */
	if (o->has_size)
		__atomic_store_n(&rs->max_pages, o->pages, __ATOMIC_RELAXED);
	if (o->has_inodes)
		__atomic_store_n(&rs->max_inodes, o->inodes, __ATOMIC_RELAXED);
	return 0;
}

static int tmpfs_remount(struct superblock *sb, bool rdonly, const char *options)
{
	struct tmpfs_opts o;
	int r = parse_options(sb->fstype, options, true, &o);
	if (r == 0)
		r = set_limits(RS(sb), &o);
	if (r == 0)
		__atomic_store_n(&sb->rdonly, rdonly, __ATOMIC_RELAXED);
	return r;
}

static int ramfs_remount(struct superblock *sb, bool rdonly, const char *options)
{
	struct tmpfs_opts o;
	int r = parse_options(sb->fstype, options, false, &o);
	if (r == 0)
		__atomic_store_n(&sb->rdonly, rdonly, __ATOMIC_RELAXED);
	return r;
}

int tmpfs_create(const char *options, bool rdonly, struct superblock **out)
{
	struct tmpfs_opts o;
	int r = parse_options("tmpfs", options, true, &o);
	if (r < 0)
		return r;
	struct superblock *sb = ramfs_create("tmpfs");
	if (!sb)
		return -ENOMEM;
	struct ramfs_sb *rs = RS(sb);
	u64 half = buddy_total_pages() / 2;
	rs->max_pages = o.has_size ? o.pages : half;
	rs->max_inodes = o.has_inodes ? o.inodes : half;
	/* The root is an inode too (Linux counts it against nr_inodes as well). */
	if (rs->max_inodes && rs->max_inodes < rs->inodes) {
		sb->destroy(sb);
		return -EINVAL;
	}
	sb->usage = tmpfs_usage;
	sb->remount = tmpfs_remount;
	sb->rdonly = rdonly;
	sb->root->mode = S_IFDIR | (o.has_mode ? o.mode : 01777); /* anyone may create */
	if (o.has_uid)
		sb->root->uid = o.uid;
	if (o.has_gid)
		sb->root->gid = o.gid;
	*out = sb;
	return 0;
}

static int mount_tmpfs(const char *source, bool rdonly, const char *options,
		       struct superblock **out)
{
	return tmpfs_create(options, rdonly, out);
}

static int mount_ramfs(const char *source, bool rdonly, const char *options,
		       struct superblock **out)
{
	struct tmpfs_opts o;
	int r = parse_options("ramfs", options, false, &o);
	if (r < 0)
		return r;
	struct superblock *sb = ramfs_create("ramfs");
	if (!sb)
		return -ENOMEM;
	sb->rdonly = rdonly;
	sb->remount = ramfs_remount;
	if (o.has_mode)
		sb->root->mode = S_IFDIR | o.mode;
	*out = sb;
	return 0;
}

FSTYPE(tmpfs, "tmpfs", mount_tmpfs);
FSTYPE(ramfs, "ramfs", mount_ramfs);
