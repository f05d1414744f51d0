/*
 * Extended attributes (xattr(7)) kept in memory, for the file systems
 * that live there (tmpfs, ramfs: superblock.mem_xattrs): a short list per
 * inode under the inode's lock. The user, trusted and security
 * namespaces are kept; system.* (POSIX ACLs) is not offered, and neither
 * are attributes on disk file systems (ext2: EOPNOTSUPP, as Linux's ext2
 * mounted without them). user.* attributes go only on regular files and
 * directories, as Linux allows.
 */
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct xattr {
	struct xattr *next; /* [inode lock] */
	u32 nlen, vlen;
	char data[];        /* the name (nlen bytes, no NUL), then the value */
};

/* Is name one Ferry keeps on ip? 0 or -errno. */
static int check(struct inode *ip, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > XATTR_NAME_MAX)
		return -ERANGE;
	if (!ip->sb->mem_xattrs)
		return -EOPNOTSUPP;
	if (!strncmp(name, "user.", 5)) {
		if (!S_ISREG(ip->mode) && !S_ISDIR(ip->mode))
			return -EPERM;
		return n > 5 ? 0 : -EINVAL;
	}
	if (!strncmp(name, "trusted.", 8) || !strncmp(name, "security.", 9))
		return 0;
	return -EOPNOTSUPP; /* system.* and names in no namespace */
}

/* The attribute called name in ip's list (ip->lock held), with the link to it. */
static struct xattr **find_locked(struct inode *ip, const char *name)
{
	size_t n = strlen(name);
	struct xattr **pp = &ip->xattrs;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->nlen == n && !memcmp((*pp)->data, name, n))
			return pp;
	return pp;
}

int vfs_setxattr(struct inode *ip, const char *name, const void *value, size_t size, int flags)
{
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	int r = check(ip, name);
	if (r < 0)
		return r;
	if (ip->sb->rdonly)
		return -EROFS;
	size_t n = strlen(name);
	struct xattr *x = kmalloc(sizeof *x + n + size);
	if (!x)
		return -ENOMEM;
	x->nlen = (u32)n;
	x->vlen = (u32)size;
	memcpy(x->data, name, n);
	memcpy(x->data + n, value, size);
	spin_lock(&ip->lock);
	struct xattr **pp = find_locked(ip, name), *old = *pp;
	if (old && (flags & XATTR_CREATE))
		r = -EEXIST;
	else if (!old && (flags & XATTR_REPLACE))
		r = -ENODATA;
	if (r == 0) {
		x->next = old ? old->next : NULL;
		*pp = x;
		ip->ctime = vfs_now();
	}
	spin_unlock(&ip->lock);
	if (r < 0)
		kfree(x);
	else
		kfree(old);
	return r;
}

ssize_t vfs_getxattr(struct inode *ip, const char *name, void *buf, size_t size)
{
	int r = check(ip, name);
	if (r < 0)
		return r == -EPERM ? -ENODATA : r;
	spin_lock(&ip->lock);
	struct xattr *x = *find_locked(ip, name);
	ssize_t n = x ? (ssize_t)x->vlen : -ENODATA;
	if (x && size) {
		if (size < x->vlen)
			n = -ERANGE;
		else
			memcpy(buf, x->data + x->nlen, x->vlen);
	}
	spin_unlock(&ip->lock);
	return n;
}

ssize_t vfs_listxattr(struct inode *ip, char *buf, size_t size)
{
	if (!ip->sb->mem_xattrs)
		return 0; /* nothing to list, as Linux says for a file system without them */
	size_t need = 0;
	ssize_t r = 0;
	spin_lock(&ip->lock);
	for (struct xattr *x = ip->xattrs; x; x = x->next) {
		if (size && need + x->nlen + 1 <= size) {
			memcpy(buf + need, x->data, x->nlen);
			buf[need + x->nlen] = 0;
		}
		need += x->nlen + 1;
	}
	spin_unlock(&ip->lock);
	if (size && need > size)
		r = -ERANGE;
	return r < 0 ? r : (ssize_t)need;
}

int vfs_removexattr(struct inode *ip, const char *name)
{
	int r = check(ip, name);
	if (r < 0)
		return r == -EPERM ? -ENODATA : r;
	if (ip->sb->rdonly)
		return -EROFS;
	spin_lock(&ip->lock);
	struct xattr **pp = find_locked(ip, name), *x = *pp;
	if (x) {
		*pp = x->next;
		ip->ctime = vfs_now();
	}
	spin_unlock(&ip->lock);
	kfree(x);
	return x ? 0 : -ENODATA;
}

void xattr_free(struct inode *ip)
{
	struct xattr *x = ip->xattrs;
	ip->xattrs = NULL;
	while (x) {
		struct xattr *next = x->next;
		kfree(x);
		x = next;
	}
}
