/*
 * System calls that look at files without opening them: stat, lstat,
 * fstat, newfstatat, statx, access, faccessat, faccessat2, readlink,
 * readlinkat.
 */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
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
	return do_fstatat((int)a0, a1, a2, a3);
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

SYSCALL(NR_statx, statx)
{
	int dirfd = (int)a0;
	u32 flags = (u32)a2, mask = (u32)a3;
	if (flags & ~(u32)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
			   AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX_RESERVED))
		return -EINVAL;
	unsigned lf = fs_at_lookup_flags(flags);
	struct inode *ip;
	int r = fs_resolve_at(dirfd, a1, lf, &ip);
	if (r < 0)
		return r;
	struct kstat k;
	struct linux_statx sx;
	vfs_getattr(ip, &k);
	inode_put(ip);
	kstat_to_statx(&k, &sx);
	return copy_to_domain(cur_dom(), a4, &sx, sizeof sx) < 0 ? -EFAULT : 0;
}

static long do_faccessat(int dirfd, u64 upath, u64 mode, u64 flags)
{
	if (mode & ~(u64)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(u64)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	unsigned lf = fs_at_lookup_flags(flags);
	struct inode *ip;
	int r = fs_resolve_at(dirfd, upath, lf, &ip);
	if (r < 0)
		return r;
	/* Real and effective ids are both root's for now, so AT_EACCESS changes nothing. */
	r = vfs_permission(ip, (int)mode);
	inode_put(ip);
	return r;
}

SYSCALL(NR_access, access)
{
	return do_faccessat(AT_FDCWD, a0, a1, 0);
}

SYSCALL(NR_faccessat, faccessat)
{
	return do_faccessat((int)a0, a1, a2, 0);
}

SYSCALL(NR_faccessat2, faccessat2)
{
	return do_faccessat((int)a0, a1, a2, a3);
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
