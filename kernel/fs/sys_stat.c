/*
 * System calls that look at files without opening them: stat, lstat,
 * fstat, newfstatat, statx, access, faccessat, faccessat2, readlink,
 * readlinkat.
 */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"


static long put_stat(struct inode *ip, u64 ubuf)
{
	struct kstat k;
	struct linux_stat st;
	vfs_getattr(ip, &k);
	kstat_to_stat(&k, &st);
	return copy_to_domain(cur_dom(), ubuf, &st, sizeof st) < 0 ? -EFAULT : 0;
}

static long do_fstatat(int dirfd, u64 upath, u64 ubuf, u64 flags)
{
	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	unsigned lf = fs_at_lookup_flags(flags);
	struct inode *ip;
	int r = fs_resolve_at(dirfd, upath, lf, &ip);
	if (r < 0)
		return r;
	long rr = put_stat(ip, ubuf);
	inode_put(ip);
	return rr;
}

SYSCALL(NR_stat, stat)
{
	return do_fstatat(AT_FDCWD, a0, a1, 0);
}

SYSCALL(NR_lstat, lstat)
{
	return do_fstatat(AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW);
}

SYSCALL(NR_newfstatat, newfstatat)
{
	return do_fstatat((int)a0, a1, a2, (u32)a3);
}

SYSCALL(NR_fstat, fstat)
{
	struct fd_ref ref = fs_fborrow((int)a0);
	if (!ref.f)
		return -EBADF;
	long r = put_stat(ref.f->ip, a1);
	fd_ref_put(ref);
	return r;
}

#define STATX_ATTR_MOUNT_ROOT 0x00002000

static bool statx_args_ok(u32 flags, u32 mask)
{
	if (flags & ~(u32)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
			   AT_STATX_SYNC_TYPE))
		return false;
	return (flags & AT_STATX_SYNC_TYPE) != AT_STATX_SYNC_TYPE && !(mask & STATX_RESERVED);
}

long fs_statx(int dirfd, const char *path, u32 flags, u32 mask, u64 ubuf)
{
	if (!statx_args_ok(flags, mask))
		return -EINVAL;
	unsigned lf = fs_at_lookup_flags(flags);
	if (!path) {
		if (!(lf & LOOKUP_EMPTY))
			return -EFAULT;
		path = "";
	}
	struct inode *start, *ip;
	long r = fs_at_start(dirfd, path, &start);
	if (r < 0)
		return r;
	r = vfs_lookup(start, path, lf, &ip);
	inode_put(start);
	if (r < 0)
		return r;
	struct kstat k;
	struct linux_statx sx;
	vfs_getattr(ip, &k);
	bool mount_root = (__atomic_load_n(&ip->flags, __ATOMIC_RELAXED) & I_MOUNTROOT) ||
			  ip == ip->sb->root;
	inode_put(ip);
	kstat_to_statx(&k, &sx);
	/* The one attribute Ferry knows: whether this is the root of a mount. */
	sx.stx_attributes_mask = STATX_ATTR_MOUNT_ROOT;
	if (mount_root)
		sx.stx_attributes |= STATX_ATTR_MOUNT_ROOT;
	return copy_to_domain(cur_dom(), ubuf, &sx, sizeof sx) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_statx, statx)
{
	if (!statx_args_ok((u32)a2, (u32)a3))
		return -EINVAL;
	char *path = NULL;
	long r = 0;
	if (a1 || !((u32)a2 & AT_EMPTY_PATH))
		r = fs_copy_path(a1, &path);
	if (r < 0)
		return r;
	r = fs_statx((int)a0, path, (u32)a2, (u32)a3, a4);
	kfree(path);
	return r;
}

/*
 * access(2) answers for the real ids: the file-system ids become the real
 * ones, and the capabilities root's real uid would have (all permitted
 * ones) or none. Most processes' are those already; a set-user-ID one
 * gets a copy. A reference, or NULL: no memory.
 */
static struct cred *real_cred(void)
{
	struct cred *c = cur_cred();
	u64 eff = c->uid == 0 ? c->cap_permitted : 0;
	if (c->fsuid == c->uid && c->fsgid == c->gid && c->cap_effective == eff)
		return cred_get(c);
	struct cred *n = cred_copy(c, c->ngroups);
	if (n) {
		n->fsuid = n->uid;
		n->fsgid = n->gid;
		n->cap_effective = eff;
	}
	return n;
}

static long do_faccessat(int dirfd, u64 upath, u64 mode, u64 flags)
{
	if (mode & ~(u64)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(u64)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct cred *c = (flags & AT_EACCESS) ? cred_get(cur_cred()) : real_cred();
	if (!c)
		return -ENOMEM;
	/* The path is searched with the ids access answers for, too (path_walk takes cur_cred()). */
	struct cred *saved = cur_cred_swap(c);
	unsigned lf = fs_at_lookup_flags(flags);
	struct inode *ip;
	int r = fs_resolve_at(dirfd, upath, lf, &ip);
	if (r == 0) {
		if ((mode & W_OK) && ip->sb->rdonly && !S_ISCHR(ip->mode) && !S_ISBLK(ip->mode) &&
		    !S_ISFIFO(ip->mode) && !S_ISSOCK(ip->mode))
			r = -EROFS;
		else if (mode)
			r = vfs_permission(ip, (int)mode, c);
		inode_put(ip);
	}
	cur_cred_swap(saved);
	cred_put(c);
	return r;
}

SYSCALL(NR_access, access)
{
	return do_faccessat(AT_FDCWD, a0, (u32)a1, 0);
}

SYSCALL(NR_faccessat, faccessat)
{
	return do_faccessat((int)a0, a1, (u32)a2, 0);
}

SYSCALL(NR_faccessat2, faccessat2)
{
	return do_faccessat((int)a0, a1, (u32)a2, (u32)a3);
}

static long do_readlinkat(int dirfd, u64 upath, u64 ubuf, u64 size)
{
	if ((int)size <= 0)
		return -EINVAL;
	char *path;
	long r = fs_copy_path(upath, &path);
	if (r < 0)
		return r;
	size_t len = MIN((size_t)(int)size, (size_t)PATH_MAX);
	char *kbuf = kmalloc(len);
	if (!kbuf) {
		kfree(path);
		return -ENOMEM;
	}
	struct inode *start;
	r = fs_at_start(dirfd, path, &start);
	if (r == 0) {
		r = vfs_readlinkat(start, path, kbuf, len);
		inode_put(start);
	}
	if (r > 0 && copy_to_domain(cur_dom(), ubuf, kbuf, (size_t)r) < 0)
		r = -EFAULT;
	kfree(kbuf);
	kfree(path);
	return r;
}

SYSCALL(NR_readlink, readlink)
{
	return do_readlinkat(AT_FDCWD, a0, a1, a2);
}

SYSCALL(NR_readlinkat, readlinkat)
{
	return do_readlinkat((int)a0, a1, a2, a3);
}

/*
 * File handles (name_to_handle_at, open_by_handle_at) name a file apart
 * from its path, for NFS servers and the like. No Ferry file system
 * offers them: EOPNOTSUPP, as Linux says for such a file system.
 */
SYSCALL(NR_name_to_handle_at, name_to_handle_at)
{
	struct inode *ip;
	int r = fs_resolve_at((int)a0, a1, fs_at_lookup_flags((u32)a4) | LOOKUP_FOLLOW, &ip);
	if (r < 0)
		return r;
	inode_put(ip);
	return -EOPNOTSUPP;
}

SYSCALL(NR_open_by_handle_at, open_by_handle_at)
{
	return -EOPNOTSUPP;
}
