/*
 * Namespace operations on paths: open (with O_CREAT), mknod, mkdir,
 * symlink, link, unlink, rmdir, rename, readlink and getcwd. Here live the
 * checks Linux makes on names (".", "..", trailing slashes, mount points,
 * cross-device links) and the caller's permission for each change
 * (perm.c's rules); each file system's ops make the checks that need its
 * own lock (existence, emptiness) and the change itself.
 */
#include "fs/vfs.h"
#include "fs/fsproc.h"
#include "fs/notify.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static bool is_mount_root(struct inode *ip)
{
	return __atomic_load_n(&ip->flags, __ATOMIC_ACQUIRE) & (I_MOUNTROOT | I_MOUNTED);
}

/* Reading an O_PATH file is EBADF (no FMODE_READ); nothing else to do. */
static const struct file_ops path_fops = {0};

int vfs_open_inode(struct inode *ip, int flags, struct file **out)
{
	if (flags & O_PATH) {
		if ((flags & O_DIRECTORY) && !S_ISDIR(ip->mode))
			return -ENOTDIR;
		struct file *f = file_alloc(ip, FMODE_PATH, 0, &path_fops);
		if (!f)
			return -ENOMEM;
		*out = f;
		return 0;
	}
	if (S_ISLNK(ip->mode))
		return -ELOOP; /* O_NOFOLLOW on a symlink */
	if ((flags & O_DIRECTORY) && !S_ISDIR(ip->mode))
		return -ENOTDIR;
	u32 acc = (u32)flags & O_ACCMODE;
	u32 fmode = acc == O_RDONLY ? FMODE_READ
		    : acc == O_WRONLY ? FMODE_WRITE
		    : acc == O_RDWR   ? FMODE_READ | FMODE_WRITE
				      : 0; /* 3: Linux's "ioctl only" access */
	if (S_ISDIR(ip->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	if (((fmode & FMODE_WRITE) || (flags & O_TRUNC)) &&
	    (S_ISREG(ip->mode) || S_ISLNK(ip->mode)) && sb_writable(ip->sb))
		return -EROFS;

	const struct file_ops *ops = &vfs_inode_fops;
	void *priv = NULL;
	switch (ip->mode & S_IFMT) {
	case S_IFREG:
		if (ip->ops->fops)
			ops = ip->ops->fops;
		break;
	case S_IFDIR:
		break;
	case S_IFCHR:
		ops = chrdev_lookup(ip->rdev, &priv);
		if (!ops)
			return -ENXIO;
		break;
	case S_IFIFO:
		return special_fifo_open(ip, fmode, (u32)flags, out);
	case S_IFBLK:
		ops = blkdev_fops();
		if (!ops)
			return -ENXIO;
		if (flags & O_EXCL)
			fmode |= FMODE_EXCL; /* open(2): exclusive use of the device (EBUSY if mounted) */
		break;
	default:
		return -ENXIO; /* a socket's node: connect(2), not open, reaches it */
	}
	/* A program being run may not be opened for writing (ETXTBSY), nor one open so run. */
	bool writer = (fmode & FMODE_WRITE) && S_ISREG(ip->mode) && ip->data.ops;
	if (writer) {
		int r = vmobj_get_write(&ip->data.obj);
		if (r < 0)
			return r;
		fmode |= FMODE_WRITER;
	}
	if ((flags & O_TRUNC) && S_ISREG(ip->mode)) {
		/* Linux truncates on O_TRUNC whatever the access mode. */
		int r = vfs_truncate(ip, 0);
		if (r < 0) {
			if (writer)
				vmobj_put_write(&ip->data.obj);
			return r;
		}
	}
	struct file *f = file_alloc(ip, fmode, (u32)flags, ops);
	if (!f) {
		if (writer)
			vmobj_put_write(&ip->data.obj);
		return -ENOMEM;
	}
	f->priv = priv;
	if (ops->open) {
		int r = ops->open(ip, f);
		if (r < 0) {
			/* Never opened: no release. */
			if (writer)
				vmobj_put_write(&ip->data.obj);
			inode_put(f->ip);
			kfree(f);
			return r;
		}
	}
	*out = f;
	return 0;
}

/*
 * May the caller open the existing ip as flags ask (may_open)? Read and
 * write permission as the access mode and O_TRUNC need; no device from a
 * nodev mount; O_NOATIME for the owner only. O_PATH opens need nothing.
 */
static int may_open(struct inode *ip, int flags, const struct cred *c)
{
	if (flags & O_PATH)
		return 0;
	u32 acc = (u32)flags & O_ACCMODE;
	int mask = acc == O_RDONLY ? MAY_READ
		   : acc == O_WRONLY ? MAY_WRITE
				     : MAY_READ | MAY_WRITE; /* O_RDWR, and 3 ("ioctl only") as Linux */
	if (flags & O_TRUNC)
		mask |= MAY_WRITE;
	if ((S_ISCHR(ip->mode) || S_ISBLK(ip->mode)) && (sb_mnt_flags(ip->sb) & SB_NODEV))
		return -EACCES;
	if (S_ISLNK(ip->mode) || ((mask & MAY_WRITE) && S_ISDIR(ip->mode)))
		return 0; /* vfs_open_inode says ELOOP or EISDIR */
	int r = vfs_permission(ip, mask, c);
	if (r == 0 && (flags & O_NOATIME) && !vfs_owner_or_capable(ip, c))
		r = -EPERM;
	return r;
}

int vfs_openat(struct inode *start, const char *path, int flags, u32 mode, struct file **out)
{
	return vfs_openat_resolve(start, path, flags, mode, 0, out);
}

int vfs_openat_resolve(struct inode *start, const char *path, int flags, u32 mode, unsigned rules,
		       struct file **out)
{
	const struct cred *cred = cur_cred();
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	unsigned lf = ((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) | rules;
	if (flags & O_DIRECTORY)
		lf |= LOOKUP_DIRECTORY;
	struct inode *ip = NULL;
	int r;

	if (!(flags & O_CREAT)) {
		r = vfs_lookup(start, path, lf, &ip);
		if (r < 0)
			return r;
		r = may_open(ip, flags, cred);
	} else {
		/* O_EXCL: a symlink in the last place is "existing", never followed. */
		if (flags & O_EXCL)
			lf &= ~LOOKUP_FOLLOW;
		for (int tries = 0;; tries++) {
			struct nameidata nd;
			r = path_walk(start, path, lf | LOOKUP_PARENT, &nd);
			if (r < 0)
				return r;
			if (nd.last_type != LAST_NORM || nd.trailing_slash) {
				nd_put(&nd);
				return -EISDIR;
			}
			if (nd.ip) {
				if (flags & O_EXCL) {
					nd_put(&nd);
					return -EEXIST;
				}
				if (S_ISDIR(nd.ip->mode)) {
					nd_put(&nd);
					return -EISDIR; /* open(2): O_CREAT on a directory */
				}
				ip = inode_get(nd.ip);
				nd_put(&nd);
				r = may_open(ip, flags, cred);
				break;
			}
			r = vfs_may_create(nd.dir, cred);
			if (r == 0)
				r = nd.dir->ops->mknod
					? nd.dir->ops->mknod(nd.dir, nd.last, nd.last_len,
							     S_IFREG | (mode & S_IALLUGO), 0, &ip)
					: -EPERM;
			if (r == 0)
				notify_created(nd.dir, ip, nd.last, nd.last_len);
			nd_put(&nd);
			/* Someone created it between our look and our create: open theirs. */
			if (r == -EEXIST && !(flags & O_EXCL) && tries < 4)
				continue;
			if (r < 0)
				return r;
			flags &= ~O_TRUNC; /* new and empty already */
			break;
		}
	}
	if (r == 0)
		r = vfs_open_inode(ip, flags, out);
	if (r == 0 && unlikely(vfs_notify_any()) && !(flags & O_PATH)) {
		notify_file_opened(*out, start, path);
		notify_file(*out, IN_OPEN);
	}
	inode_put(ip);
	return r;
}

/* Resolve the parent of a name to be created; -EEXIST if the name exists. */
static int create_prep(struct inode *start, const char *path, bool is_dir, struct nameidata *nd)
{
	int r = path_walk(start, path, LOOKUP_PARENT, nd);
	if (r < 0)
		return r;
	if (nd->ip || nd->last_type != LAST_NORM)
		r = -EEXIST;
	else if (nd->trailing_slash && !is_dir)
		r = -ENOENT; /* "name/" can only be created as a directory */
	else
		r = vfs_may_create(nd->dir, cur_cred());
	if (r < 0)
		nd_put(nd);
	return r;
}

int vfs_mknodat(struct inode *start, const char *path, u32 mode, kdev_t rdev)
{
	return vfs_mknodat_get(start, path, mode, rdev, NULL);
}

int vfs_mknodat_get(struct inode *start, const char *path, u32 mode, kdev_t rdev,
		    struct inode **out)
{
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	struct nameidata nd;
	int r = create_prep(start, path, false, &nd);
	if (r < 0)
		return r;
	if ((S_ISCHR(mode) || S_ISBLK(mode)) && !cred_capable(cur_cred(), CAP_MKNOD))
		r = -EPERM; /* a device node is a way around the device's own permissions */
	else
		r = nd.dir->ops->mknod
			? nd.dir->ops->mknod(nd.dir, nd.last, nd.last_len,
					     (mode & S_IFMT) | (mode & S_IALLUGO), rdev, out)
			: -EPERM;
	if (r == 0)
		notify_created(nd.dir, NULL, nd.last, nd.last_len);
	nd_put(&nd);
	return r;
}

int vfs_mkdirat(struct inode *start, const char *path, u32 mode)
{
	struct nameidata nd;
	int r = create_prep(start, path, true, &nd);
	if (r < 0)
		return r;
	r = nd.dir->ops->mknod
		? nd.dir->ops->mknod(nd.dir, nd.last, nd.last_len, S_IFDIR | (mode & 01777), 0, NULL)
		: -EPERM;
	if (r == 0)
		notify_child(nd.dir, NULL, IN_CREATE | IN_ISDIR, nd.last, nd.last_len, 0);
	nd_put(&nd);
	return r;
}

int vfs_symlinkat(const char *target, struct inode *start, const char *path)
{
	size_t tlen = strnlen(target, PATH_MAX);
	if (tlen == 0)
		return -ENOENT;
	if (tlen >= PATH_MAX)
		return -ENAMETOOLONG;
	struct nameidata nd;
	int r = create_prep(start, path, false, &nd);
	if (r < 0)
		return r;
	r = nd.dir->ops->symlink ? nd.dir->ops->symlink(nd.dir, nd.last, nd.last_len, target, NULL)
				 : -EPERM;
	if (r == 0)
		notify_created(nd.dir, NULL, nd.last, nd.last_len);
	nd_put(&nd);
	return r;
}

int vfs_linkat(struct inode *ostart, const char *opath, struct inode *nstart, const char *npath,
	       unsigned lookup_flags)
{
	struct inode *old;
	int r = vfs_lookup(ostart, opath, lookup_flags & (LOOKUP_FOLLOW | LOOKUP_EMPTY), &old);
	if (r < 0)
		return r;
	if (S_ISDIR(old->mode)) {
		inode_put(old);
		return -EPERM;
	}
	struct nameidata nd;
	r = create_prep(nstart, npath, false, &nd);
	if (r < 0) {
		inode_put(old);
		return r;
	}
	if (nd.dir->sb != old->sb)
		r = -EXDEV;
	else
		r = nd.dir->ops->link ? nd.dir->ops->link(nd.dir, nd.last, nd.last_len, old) : -EPERM;
	if (r == 0) {
		notify_inode(old, IN_ATTRIB); /* its link count */
		notify_created(nd.dir, old, nd.last, nd.last_len);
	}
	nd_put(&nd);
	inode_put(old);
	return r;
}

int vfs_unlinkat(struct inode *start, const char *path, bool rmdir)
{
	struct nameidata nd;
	int r = path_walk(start, path, LOOKUP_PARENT, &nd);
	if (r < 0)
		return r;
	if (rmdir && nd.last_type != LAST_NORM)
		r = nd.last_type == LAST_DOT ? -EINVAL : nd.last_type == LAST_DOTDOT ? -ENOTEMPTY
										     : -EBUSY;
	else if (!rmdir && nd.last_type != LAST_NORM)
		r = -EISDIR;
	else if ((r = sb_writable(nd.dir->sb)) < 0)
		;
	else if (!nd.ip)
		r = -ENOENT;
	else if (!rmdir && nd.trailing_slash)
		r = S_ISDIR(nd.ip->mode) ? -EISDIR : -ENOTDIR;
	else if ((r = vfs_may_delete(nd.dir, nd.ip, cur_cred())) == 0) {
		if (is_mount_root(nd.ip))
			r = -EBUSY;
		else if (!nd.dir->ops->unlink)
			r = -EPERM;
		else
			r = nd.dir->ops->unlink(nd.dir, nd.last, nd.last_len, rmdir);
		if (r == 0)
			notify_removed(nd.dir, nd.ip, nd.last, nd.last_len);
	}
	nd_put(&nd);
	return r;
}

/*
 * rename(2)'s permissions: removing the old name (and the name it
 * replaces) and adding the new one; a directory that changes parent must
 * be writable itself, its ".." changes. RENAME_EXCHANGE moves both ways.
 */
static int may_rename(struct nameidata *o, struct nameidata *n, unsigned flags,
		      const struct cred *c)
{
	int r = vfs_may_delete(o->dir, o->ip, c);
	if (r == 0)
		r = n->ip ? vfs_may_delete(n->dir, n->ip, c) : vfs_may_create(n->dir, c);
	if (r == 0 && o->dir != n->dir) {
		if (S_ISDIR(o->ip->mode))
			r = vfs_permission(o->ip, MAY_WRITE, c);
		if (r == 0 && n->ip && (flags & RENAME_EXCHANGE) && S_ISDIR(n->ip->mode))
			r = vfs_permission(n->ip, MAY_WRITE, c);
	}
	return r;
}

int vfs_renameat(struct inode *ostart, const char *opath, struct inode *nstart,
		 const char *npath, unsigned flags)
{
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	struct nameidata ond, nnd;
	int r = path_walk(ostart, opath, LOOKUP_PARENT, &ond);
	if (r < 0)
		return r;
	r = path_walk(nstart, npath, LOOKUP_PARENT, &nnd);
	if (r < 0) {
		nd_put(&ond);
		return r;
	}
	/* The checks in Linux's order (do_renameat2): the file system's own come after. */
	if (ond.last_type != LAST_NORM || nnd.last_type != LAST_NORM)
		r = -EBUSY; /* ".", ".." or "/" on either side */
	else if (ond.dir->sb != nnd.dir->sb)
		r = -EXDEV;
	else if ((r = sb_writable(ond.dir->sb)) < 0)
		;
	else if (!ond.ip)
		r = -ENOENT;
	else if ((flags & RENAME_NOREPLACE) && nnd.ip)
		r = -EEXIST; /* even when both names are links to one file */
	else if ((flags & RENAME_EXCHANGE) && !nnd.ip)
		r = -ENOENT;
	else if ((!S_ISDIR(ond.ip->mode) &&
		  (ond.trailing_slash || (!(flags & RENAME_EXCHANGE) && nnd.trailing_slash))) ||
		 ((flags & RENAME_EXCHANGE) && !S_ISDIR(nnd.ip->mode) && nnd.trailing_slash))
		r = -ENOTDIR; /* "name/" must be a directory */
	else if ((r = may_rename(&ond, &nnd, flags, cur_cred())) < 0)
		;
	else if (is_mount_root(ond.ip) || (nnd.ip && is_mount_root(nnd.ip)))
		r = -EBUSY;
	else if (!ond.dir->ops->rename)
		r = -EPERM;
	else
		r = ond.dir->ops->rename(ond.dir, ond.last, ond.last_len, nnd.dir, nnd.last,
					 nnd.last_len, flags);
	if (r == 0 && unlikely(vfs_notify_any())) {
		notify_moved(ond.dir, ond.last, ond.last_len, nnd.dir, nnd.last, nnd.last_len, ond.ip);
		if (flags & RENAME_EXCHANGE)
			notify_moved(nnd.dir, nnd.last, nnd.last_len, ond.dir, ond.last, ond.last_len,
				     nnd.ip);
		else if (nnd.ip && nnd.ip != ond.ip)
			notify_removed_self(nnd.ip); /* the file the new name replaced */
	}
	nd_put(&ond);
	nd_put(&nnd);
	return r;
}

ssize_t vfs_readlinkat(struct inode *start, const char *path, char *buf, size_t len)
{
	struct inode *ip;
	int r = vfs_lookup(start, path, LOOKUP_EMPTY, &ip);
	if (r < 0)
		return r;
	ssize_t n;
	if (S_ISLNK(ip->mode) && ip->ops->readlink)
		n = ip->ops->readlink(ip, buf, len);
	else
		n = path[0] ? -EINVAL : -ENOENT; /* readlink(2): "" names no symlink */
	inode_put(ip);
	return n;
}

int vfs_open_exec_at(struct inode *start, const char *path, struct inode **out)
{
	struct inode *ip;
	int r = vfs_lookup(start, path, LOOKUP_FOLLOW, &ip);
	if (r < 0)
		return r;
	/* execve(2): a regular file the caller may execute, on a mount that allows it. */
	if (!S_ISREG(ip->mode) || (sb_mnt_flags(ip->sb) & SB_NOEXEC) ||
	    vfs_permission(ip, MAY_EXEC, cur_cred()) < 0) {
		inode_put(ip);
		return -EACCES;
	}
	*out = ip;
	return 0;
}

/* ---- getcwd: climb with "..", naming each step by its inode number in the parent ---- */

struct name_search {
	struct dir_emit de;
	u64 ino;
	char name[NAME_MAX + 1];
	size_t len;
	bool found;
};

static bool match_ino(struct dir_emit *de, const char *name, size_t len, u64 ino, unsigned dtype,
		      u64 next_pos)
{
	struct name_search *s = container_of(de, struct name_search, de);
	if (ino != s->ino)
		return true;
	memcpy(s->name, name, len);
	s->len = len;
	s->found = true;
	return false;
}

ssize_t vfs_getcwd(struct inode *dir, char *buf, size_t len)
{
	char *tmp = kmalloc(PATH_MAX);
	struct name_search *s = knew(struct name_search);
	if (!tmp || !s) {
		kfree(tmp);
		kfree(s);
		return -ENOMEM;
	}
	size_t pos = PATH_MAX;
	tmp[--pos] = 0;
	struct inode *root = fs_root_get(); /* inside a chroot, paths start at its root */
	struct inode *cur = inode_get(dir);
	ssize_t r = 0;
	for (;;) {
		cur = mount_leave(cur); /* a mounted root is named by the directory it covers */
		if (cur == root)
			break;
		struct inode *parent;
		r = cur->ops->lookup ? cur->ops->lookup(cur, "..", 2, &parent) : -ENOENT;
		if (r < 0)
			break; /* ENOENT: the directory was removed (getcwd(2)) */
		*s = (struct name_search){.de = {match_ino}, .ino = cur->ino};
		u64 it = 2; /* skip "." and ".." */
		r = parent->ops->iterate ? parent->ops->iterate(parent, &it, &s->de) : -ENOENT;
		if (r == 0 && !s->found)
			r = -ENOENT;
		if (r == 0 && pos < s->len + 2)
			r = -ENAMETOOLONG;
		if (r < 0) {
			inode_put(parent);
			break;
		}
		pos -= s->len;
		memcpy(tmp + pos, s->name, s->len);
		tmp[--pos] = '/';
		inode_put(cur);
		cur = parent;
	}
	inode_put(cur);
	inode_put(root);
	if (r == 0) {
		if (pos == PATH_MAX - 1)
			tmp[--pos] = '/';
		size_t n = PATH_MAX - pos;
		if (n > len)
			r = -ERANGE;
		else {
			memcpy(buf, tmp + pos, n);
			r = (ssize_t)n;
		}
	}
	kfree(tmp);
	kfree(s);
	return r;
}

ssize_t vfs_realpath(struct inode *start, const char *path, char *buf, size_t len)
{
	char *cur = kmalloc(PATH_MAX);
	if (!cur)
		return -ENOMEM;
	size_t plen = strnlen(path, PATH_MAX - 1);
	memcpy(cur, path, plen);
	cur[plen] = 0;
	struct inode *dir = inode_get(start);
	ssize_t r = -ELOOP;
	for (int hops = 0; hops < MAXSYMLINKS; hops++) {
		struct nameidata nd;
		r = path_walk(dir, cur, LOOKUP_PARENT, &nd);
		if (r < 0)
			break;
		if (!nd.ip || nd.last_type != LAST_NORM) {
			r = nd.ip ? -EISDIR : -ENOENT; /* only a named file has a path here */
			nd_put(&nd);
			break;
		}
		if (S_ISLNK(nd.ip->mode)) {
			/* Follow the last link by hand: its target is relative to its own directory. */
			ssize_t n = nd.ip->ops->readlink ? nd.ip->ops->readlink(nd.ip, cur, PATH_MAX - 1)
							 : -EINVAL;
			if (n >= 0) {
				cur[n] = 0;
				inode_put(dir);
				dir = inode_get(nd.dir);
			}
			nd_put(&nd);
			r = n < 0 ? n : -ELOOP;
			if (n < 0)
				break;
			continue;
		}
		r = vfs_getcwd(nd.dir, buf, len);
		if (r > 0) {
			size_t l = (size_t)r - 1;
			bool slash = !(l == 1 && buf[0] == '/');
			if (l + slash + nd.last_len + 1 > len) {
				r = -ENAMETOOLONG;
			} else {
				if (slash)
					buf[l++] = '/';
				memcpy(buf + l, nd.last, nd.last_len + 1);
				r = (ssize_t)(l + nd.last_len);
			}
		}
		nd_put(&nd);
		break;
	}
	inode_put(dir);
	kfree(cur);
	return r;
}
