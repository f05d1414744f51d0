/*
 * Extended attributes (xattr(7)): the rules every file system shares
 * (names and namespaces, the caller's rights, as Linux's fs/xattr.c and
 * the capability checks without a security module), then either the file
 * system's own ops (ext2 keeps them on the disk: ext2_xattr.c) or, for
 * the file systems that live in memory (tmpfs, ramfs: superblock.
 * mem_xattrs), a short list per inode under the inode's lock. The user,
 * trusted and security namespaces are kept; system.* (POSIX ACLs) is not
 * (EOPNOTSUPP).
 */
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

const char *xattr_prefix(int ns)
{
	switch (ns) {
	case XATTR_NS_USER:
		return "user.";
	case XATTR_NS_TRUSTED:
		return "trusted.";
	case XATTR_NS_SECURITY:
		return "security.";
	}
	return NULL;
}

/* name's namespace, *rest the part after its prefix; 0: none Ferry keeps. */
static int split(const char *name, const char **rest)
{
	static const int kept[] = {XATTR_NS_USER, XATTR_NS_TRUSTED, XATTR_NS_SECURITY};
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
		const char *p = xattr_prefix(kept[i]);
		size_t n = strlen(p);
		if (!strncmp(name, p, n)) {
			*rest = name + n;
			return kept[i];
		}
	}
	return 0;
}

/*
 * May the caller read or write (mask) attributes of namespace ns on ip?
 * Linux's xattr_permission, and its capability module's rule that
 * security.* changes need CAP_SYS_ADMIN.
 */
static int permission(struct inode *ip, int ns, int mask)
{
	const struct cred *c = cur_cred();
	bool w = mask & MAY_WRITE;
	switch (ns) {
	case XATTR_NS_SECURITY:
		return w && !cred_capable(c, CAP_SYS_ADMIN) ? -EPERM : 0;
	case XATTR_NS_TRUSTED:
		if (!cred_capable(c, CAP_SYS_ADMIN))
			return w ? -EPERM : -ENODATA;
		return 0;
	case XATTR_NS_USER:
		/* Only regular files and directories; a sticky directory's only for its owner. */
		if (!S_ISREG(ip->mode) && !S_ISDIR(ip->mode))
			return w ? -EPERM : -ENODATA;
		if (w && S_ISDIR(ip->mode) && (ip->mode & S_ISVTX) && !vfs_owner_or_capable(ip, c))
			return -EPERM;
		break;
	}
	return vfs_permission(ip, mask, c);
}

/*
 * The checks of every call naming an attribute: 0 with *ns and *rest, or
 * -errno. Linux's order: the name's length, the mount, the rights, the
 * namespace.
 */
static int check(struct inode *ip, const char *name, int mask, int *ns, const char **rest)
{
	size_t n = strlen(name);
	if (n == 0 || n > XATTR_NAME_MAX)
		return -ERANGE;
	if (mask & MAY_WRITE) {
		int r = sb_writable(ip->sb);
		if (r < 0)
			return r;
	}
	*ns = split(name, rest);
	int r = permission(ip, *ns, mask);
	if (r < 0)
		return r;
	if (!*ns)
		return -EOPNOTSUPP; /* system.* and names in no namespace */
	if (!**rest)
		return -EINVAL; /* "user." alone */
	if (!ip->ops->getxattr && !ip->sb->mem_xattrs)
		return -EOPNOTSUPP;
	return 0;
}

/* The namespaces the caller may list: trusted.* only with CAP_SYS_ADMIN, as Linux. */
static u32 list_mask(void)
{
	u32 m = 1u << XATTR_NS_USER | 1u << XATTR_NS_SECURITY;
	if (cred_capable(cur_cred(), CAP_SYS_ADMIN))
		m |= 1u << XATTR_NS_TRUSTED;
	return m;
}

/* ---- in memory (tmpfs, ramfs) ---- */

struct xattr {
	struct xattr *next; /* [inode lock] */
	u32 nlen, vlen;
	char data[];        /* the full name (nlen bytes, no NUL), then the value */
};

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

static int mem_set(struct inode *ip, const char *name, const void *value, size_t size, int flags)
{
	size_t n = strlen(name);
	struct xattr *x = NULL;
	if (value) {
		x = kmalloc(sizeof *x + n + size);
		if (!x)
			return -ENOMEM;
		x->nlen = (u32)n;
		x->vlen = (u32)size;
		memcpy(x->data, name, n);
		memcpy(x->data + n, value, size);
	}
	int r = 0;
	spin_lock(&ip->lock);
	struct xattr **pp = find_locked(ip, name), *old = *pp;
	if (old && (flags & XATTR_CREATE))
		r = -EEXIST;
	else if (!old && (flags & XATTR_REPLACE))
		r = -ENODATA;
	if (r == 0) {
		if (x) {
			x->next = old ? old->next : NULL;
			*pp = x;
		} else {
			*pp = old->next;
		}
		ip->ctime = vfs_now();
	}
	spin_unlock(&ip->lock);
	kfree(r < 0 ? x : old);
	return r;
}

static ssize_t mem_get(struct inode *ip, const char *name, void *buf, size_t size)
{
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

static ssize_t mem_list(struct inode *ip, u32 nsmask, char *buf, size_t size)
{
	size_t need = 0;
	spin_lock(&ip->lock);
	for (struct xattr *x = ip->xattrs; x; x = x->next) {
		char name[XATTR_NAME_MAX + 1];
		const char *rest;
		memcpy(name, x->data, x->nlen);
		name[x->nlen] = 0;
		if (!(nsmask & 1u << split(name, &rest)))
			continue;
		if (size && need + x->nlen + 1 <= size)
			memcpy(buf + need, name, x->nlen + 1);
		need += x->nlen + 1;
	}
	spin_unlock(&ip->lock);
	return size && need > size ? -ERANGE : (ssize_t)need;
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

/* ---- the calls ---- */

int vfs_setxattr(struct inode *ip, const char *name, const void *value, size_t size, int flags)
{
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	int ns;
	const char *rest;
	int r = check(ip, name, MAY_WRITE, &ns, &rest);
	if (r < 0)
		return r;
	if (ip->ops->setxattr)
		return ip->ops->setxattr(ip, ns, rest, value, size, flags);
	return mem_set(ip, name, value, size, flags);
}

ssize_t vfs_getxattr(struct inode *ip, const char *name, void *buf, size_t size)
{
	int ns;
	const char *rest;
	int r = check(ip, name, MAY_READ, &ns, &rest);
	if (r < 0)
		return r;
	if (ip->ops->getxattr)
		return ip->ops->getxattr(ip, ns, rest, buf, size);
	return mem_get(ip, name, buf, size);
}

ssize_t vfs_listxattr(struct inode *ip, char *buf, size_t size)
{
	if (ip->ops->listxattr)
		return ip->ops->listxattr(ip, list_mask(), buf, size);
	if (!ip->sb->mem_xattrs)
		return 0; /* nothing to list, as Linux says for a file system without them */
	return mem_list(ip, list_mask(), buf, size);
}

int vfs_removexattr(struct inode *ip, const char *name)
{
	return vfs_setxattr(ip, name, NULL, 0, XATTR_REPLACE);
}
