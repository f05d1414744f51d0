/*
 * ext2's extended attributes (the VFS's checks are xattr.c's; the format
 * is ext2_xattr_fmt.c's): kept where Linux and e2fsprogs keep them, in
 * the inode's own area after i_extra_isize (256-byte inodes) and in one
 * attribute block that i_file_acl names. Both are read. A new value goes
 * into the inode's area while it fits there, else into the block, as
 * ext4 does; one being replaced or removed leaves the area it was in.
 * A block that other inodes share (h_refcount > 1, made by Linux) is
 * copied before it changes; Ferry never shares one itself. The first
 * attribute written sets the superblock's ext_attr feature, as ext4 does.
 *
 * The attribute block is pinned in the block cache while its inode is in
 * memory (ext2_xattr_pin, at iget), so reading, changing and freeing it
 * never wait: a change is one phase under fs->lock, in a handle of the
 * journal (the block is metadata, journalled with the inode).
 * Locks: fs->lock ([s]) for the areas' contents and i_file_acl.
 */
#include "fs/ext2_impl.h"
#include "fs/ext2_xattr.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

#define I_EXTRA_ISIZE EXT2_GOOD_OLD_INODE_SIZE /* the u16 after the first 128 bytes */

int ext2_xattr_pin(struct ext2_fs *fs, u64 ino, u32 blk, struct bbuf **b)
{
	*b = NULL;
	if (!blk)
		return 0;
	if (ext2_block_is_meta(&fs->g, fs->groups, blk)) {
		ext2_corrupt(fs, "attribute block in the file system's metadata", ino);
		return 0; /* the file stays usable; its attributes give EUCLEAN */
	}
	return ext2_bread(fs, blk, b, NULL);
}

static struct ext2_inode *dinode(struct inode *ip)
{
	return (struct ext2_inode *)(EI(ip)->itb->data + EI(ip)->ioff);
}

/*
 * The inode's attribute area, past its magic (*len bytes), or NULL: a
 * 128-byte inode, or an i_extra_isize that leaves no room (Linux's test).
 */
static u8 *ibody(struct inode *ip, u32 *len)
{
	struct ext2_fs *fs = FS(ip);
	u32 isize = fs->g.inode_size;
	if (isize <= EXT2_GOOD_OLD_INODE_SIZE)
		return NULL;
	u8 *raw = (u8 *)dinode(ip);
	u16 extra;
	memcpy(&extra, raw + I_EXTRA_ISIZE, 2);
	u32 start = EXT2_GOOD_OLD_INODE_SIZE + extra;
	if (extra % 4 || start + 8 > isize)
		return NULL;
	*len = isize - start - 4;
	return raw + start + 4;
}

static bool ibody_has_magic(const u8 *area)
{
	u32 m;
	memcpy(&m, area - 4, 4);
	return m == EXT2_XATTR_MAGIC;
}

/* All of ip's attributes into set (fs->lock held): 0 or -EUCLEAN with a console line. */
static int load(struct inode *ip, struct ext2_xattrs *set)
{
	struct ext2_fs *fs = FS(ip);
	const char *why;
	u32 ilen = 0;
	u8 *ib = ibody(ip, &ilen);
	if (ib && ibody_has_magic(ib) && ext2_xattr_parse(ib, ilen, 0, true, set, &why) < 0)
		return ext2_corrupt(fs, why, ip->ino);
	u32 blk = dinode(ip)->i_file_acl;
	if (!blk)
		return 0;
	struct bbuf *b = EI(ip)->eab;
	if (!b)
		return -EUCLEAN; /* a bad pointer, said at iget */
	const struct ext2_xattr_header *h = (const void *)b->data;
	if (h->h_magic != EXT2_XATTR_MAGIC || h->h_blocks != 1 || h->h_refcount == 0)
		return ext2_corrupt(fs, "attribute block with a bad header", ip->ino);
	if (ext2_xattr_parse(b->data, fs->g.bsize, EXT2_XATTR_HDR, false, set, &why) < 0)
		return ext2_corrupt(fs, why, ip->ino);
	return 0;
}

static int set_alloc(struct ext2_fs *fs, struct ext2_xattrs *set)
{
	set->n = 0;
	set->cap = ext2_xattr_cap(fs->g.bsize, fs->g.inode_size);
	set->v = kmalloc(set->cap * sizeof *set->v);
	return set->v ? 0 : -ENOMEM;
}

ssize_t ext2_getxattr(struct inode *ip, int ns, const char *name, void *buf, size_t size)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_xattrs set;
	if (set_alloc(fs, &set) < 0)
		return -ENOMEM;
	size_t nlen = strlen(name);
	spin_lock(&fs->lock);
	ssize_t r = load(ip, &set);
	if (r == 0) {
		bool found = false;
		u32 i = nlen <= 255 ? ext2_xattr_find(&set, (u8)ns, name, (u8)nlen, &found) : 0;
		r = found ? (ssize_t)set.v[i].vsize : -ENODATA;
		if (found && size) {
			if (size < set.v[i].vsize)
				r = -ERANGE;
			else
				memcpy(buf, set.v[i].value, set.v[i].vsize);
		}
	}
	spin_unlock(&fs->lock);
	kfree(set.v);
	return r;
}

ssize_t ext2_listxattr(struct inode *ip, u32 nsmask, char *buf, size_t size)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_xattrs set;
	if (set_alloc(fs, &set) < 0)
		return -ENOMEM;
	spin_lock(&fs->lock);
	ssize_t r = load(ip, &set);
	size_t need = 0;
	for (u32 i = 0; r == 0 && i < set.n; i++) {
		const struct ext2_xattr *x = &set.v[i];
		const char *p = xattr_prefix(x->ns);
		if (!p || x->ns >= 32 || !(nsmask & 1u << x->ns))
			continue; /* system.* (ACLs, ext4's inline data) or hidden: not listed */
		size_t pl = strlen(p), n = pl + x->nlen + 1;
		if (size && need + n <= size) {
			memcpy(buf + need, p, pl);
			memcpy(buf + need + pl, x->name, x->nlen);
			buf[need + n - 1] = 0;
		}
		need += n;
	}
	spin_unlock(&fs->lock);
	kfree(set.v);
	if (r < 0)
		return r;
	return size && need > size ? -ERANGE : (ssize_t)need;
}

/* ---- changes ---- */

#define XATTR_FULL 2 /* from the apply: no room, not a shortage of blocks a commit may end */

struct xattr_change {
	struct change c;
	struct inode *ip;
	u8 ns, nlen;
	const char *name;
	const void *value; /* NULL: remove */
	u32 size;
	int flags;
	struct ext2_xattrs set;
	u8 *tmp; /* a block's worth: an area is built here, then copied over the old one */
};

static void add_blocks(struct inode *ip, i64 n)
{
	spin_lock(&ip->lock);
	ip->blocks = (u64)((i64)ip->blocks + n * (i64)(FS(ip)->g.bsize / 512));
	spin_unlock(&ip->lock);
}

/* ip no longer uses its block (fs->lock held): one reference less, freed at the last. */
static void block_release(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	struct ext2_inode *di = dinode(ip);
	struct ext2_xattr_header *h = (void *)e->eab->data;
	if (h->h_refcount > 1) {
		h->h_refcount--;
		ext2_dirty(fs, e->eab);
	} else {
		ext2_free_block(fs, di->i_file_acl, true);
	}
	bcache_put(e->eab);
	e->eab = NULL;
	di->i_file_acl = 0;
	add_blocks(ip, -1);
}

static int xattr_apply(struct change *c, struct ioctx *io)
{
	struct xattr_change *xc = container_of(c, struct xattr_change, c);
	struct inode *ip = xc->ip;
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	struct ext2_xattrs *set = &xc->set;
	(void)io;
	set->n = 0;
	int r = load(ip, set);
	if (r < 0)
		return r;
	bool found;
	u32 at = ext2_xattr_find(set, xc->ns, xc->name, xc->nlen, &found);
	if (found && (xc->flags & XATTR_CREATE))
		return -EEXIST;
	if (!found && (xc->flags & XATTR_REPLACE))
		return -ENODATA;
	/* The new set: which areas change, and does it fit? */
	bool ib_changed = false, blk_changed = false;
	if (found) {
		if (set->v[at].inbody)
			ib_changed = true;
		else
			blk_changed = true;
		memmove(&set->v[at], &set->v[at + 1], (set->n - at - 1) * sizeof *set->v);
		set->n--;
	}
	u32 ilen = 0;
	u8 *ib = ibody(ip, &ilen);
	if (xc->value) {
		memmove(&set->v[at + 1], &set->v[at], (set->n - at) * sizeof *set->v);
		set->n++;
		set->v[at] = (struct ext2_xattr){xc->ns, xc->nlen, true, xc->name, xc->value, xc->size};
		if (!ib || ext2_xattr_room(set, true, 0) > ilen)
			set->v[at].inbody = false;
		if (set->v[at].inbody)
			ib_changed = true;
		else
			blk_changed = true;
	}
	u32 need = ext2_xattr_room(set, false, EXT2_XATTR_HDR);
	if (need > fs->g.bsize)
		return XATTR_FULL;
	if (blk_changed && need && fs->g.inode_size == EXT2_GOOD_OLD_INODE_SIZE &&
	    SB(fs)->s_rev_level == EXT2_GOOD_OLD_REV)
		return -EOPNOTSUPP; /* revision 0 has no feature flags to say so */
	/* A new block if one is needed: the one thing that can fail, so first. */
	u32 old = dinode(ip)->i_file_acl, nb = 0;
	struct bbuf *nbuf = NULL;
	bool shared = old && ((struct ext2_xattr_header *)e->eab->data)->h_refcount > 1;
	if (blk_changed && need && (!old || shared)) {
		r = ext2_alloc_block(fs, inode_group(fs, ip), &nb, &nbuf);
		if (r < 0)
			return r;
	}
	/* The inode's area, built aside (values may point into it) and copied in. */
	if (ib_changed) {
		u32 m = ext2_xattr_room(set, true, 0) ? EXT2_XATTR_MAGIC : 0;
		ext2_xattr_build(xc->tmp, ilen, 0, true, set);
		memcpy(ib, xc->tmp, ilen);
		memcpy(ib - 4, &m, 4);
	}
	if (blk_changed) {
		if (!need) {
			block_release(ip);
		} else {
			u32 hash = ext2_xattr_build(xc->tmp, fs->g.bsize, EXT2_XATTR_HDR, false, set);
			struct ext2_xattr_header *h = (void *)xc->tmp;
			*h = (struct ext2_xattr_header){.h_magic = EXT2_XATTR_MAGIC, .h_refcount = 1,
							.h_blocks = 1, .h_hash = hash};
			if (nbuf) {
				if (old)
					block_release(ip); /* shared: the others keep it */
				e->eab = nbuf;
				dinode(ip)->i_file_acl = nb;
				add_blocks(ip, 1);
			}
			memcpy(e->eab->data, xc->tmp, fs->g.bsize);
			ext2_dirty(fs, e->eab);
		}
		if (!(SB(fs)->s_feature_compat & EXT2_FEATURE_COMPAT_EXT_ATTR)) {
			SB(fs)->s_feature_compat |= EXT2_FEATURE_COMPAT_EXT_ATTR;
			ext2_dirty(fs, fs->sbuf);
		}
	}
	struct kts now = ext2_now(fs);
	spin_lock(&ip->lock);
	ip->ctime = now;
	spin_unlock(&ip->lock);
	ext2_iwrite(ip);
	return 0;
}

int ext2_setxattr(struct inode *ip, int ns, const char *name, const void *value, size_t size,
		  int flags)
{
	struct ext2_fs *fs = FS(ip);
	if (!fs->rw)
		return -EROFS;
	size_t nlen = strlen(name);
	if (nlen > 255)
		return -ERANGE;
	if (size > fs->g.bsize)
		return -ENOSPC; /* no area holds it (ext4 without ea_inode) */
	struct xattr_change xc = {.c = {NULL, xattr_apply, NULL, NULL, EXT2_CREDITS_WRITE},
				  .ip = ip,
				  .ns = (u8)ns,
				  .nlen = (u8)nlen,
				  .name = name,
				  .value = value,
				  .size = (u32)size,
				  .flags = flags};
	if (set_alloc(fs, &xc.set) < 0)
		return -ENOMEM;
	xc.tmp = kmalloc(fs->g.bsize);
	int r = xc.tmp ? ext2_change_run(fs, &xc.c) : -ENOMEM;
	if (r == XATTR_FULL)
		r = -ENOSPC;
	kfree(xc.tmp);
	kfree(xc.set.v);
	return r;
}

void ext2_xattr_release(struct inode *ip)
{
	struct ext2_inode_mem *e = EI(ip);
	if (!dinode(ip)->i_file_acl)
		return;
	if (!e->eab) {
		/* A bad pointer (said at iget): e2fsck clears it, nothing is freed here. */
		return;
	}
	const struct ext2_xattr_header *h = (const void *)e->eab->data;
	if (h->h_magic != EXT2_XATTR_MAGIC || h->h_refcount == 0) {
		ext2_corrupt(FS(ip), "attribute block with a bad header, not freed", ip->ino);
		return;
	}
	block_release(ip);
}
