/*
 * System calls on the tree: getdents64 and getdents, getcwd, chdir, fchdir, mkdir(at),
 * mknod(at), unlink(at), rmdir, rename(at, at2), symlink(at), link(at),
 * truncate, ftruncate, umask.
 */
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* A user path and where it starts, copied and resolved together. */
struct upath {
	char *path; /* small, or kmalloc'd when longer */
	struct inode *start;
	char small[FS_PATH_SMALL];
};

static long upath_get(int dirfd, u64 uaddr, struct upath *up)
{
	up->start = NULL;
	long r = fs_copy_path_in(uaddr, up->small, sizeof up->small, &up->path);
	if (r < 0)
		return r;
	r = fs_at_start(dirfd, up->path, &up->start);
	if (r < 0) {
		fs_path_free(up->path, up->small);
		up->path = NULL;
	}
	return r;
}

static void upath_put(struct upath *up)
{
	inode_put(up->start);
	if (up->path)
		fs_path_free(up->path, up->small);
}

static u32 umasked(u32 mode)
{
	return mode & ~fs_umask();
}

#define GETDENTS_MAX 32768 /* a bigger buffer just gets fewer entries per call */

static long do_getdents(u64 a0, u64 a1, u64 a2, bool old)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	size_t len = MIN((size_t)(u32)a2, (size_t)GETDENTS_MAX);
	long r;
	void *kbuf = NULL;
	if (!user_range_ok(a1, len)) {
		r = -EFAULT;
	} else if (clear_domain(cur_dom(), a1, len) < 0) {
		/* Check the whole buffer first: a failed copy must not move the position. */
		r = -EFAULT;
	} else if (!(kbuf = kmalloc(len ? len : 1))) {
		r = -ENOMEM;
	} else {
		/* Filled under the directory's lock, copied out after (vfs.h). */
		r = old ? vfs_getdents_old(f, kbuf, len) : vfs_getdents(f, kbuf, len);
		if (r > 0 && copy_to_domain(cur_dom(), a1, kbuf, (size_t)r) < 0)
			r = -EFAULT;
	}
	kfree(kbuf);
	file_put(f);
	return r;
}

SYSCALL(NR_getdents64, getdents64)
{
	return do_getdents(a0, a1, a2, false);
}

/* The older getdents(2), still used by old static programs. */
SYSCALL(NR_getdents, getdents)
{
	return do_getdents(a0, a1, a2, true);
}

SYSCALL(NR_getcwd, getcwd)
{
	size_t size = MIN((size_t)a1, (size_t)PATH_MAX);
	char *kbuf = kmalloc(PATH_MAX);
	if (!kbuf)
		return -ENOMEM;
	struct inode *cwd = fs_cwd_get();
	long r = vfs_getcwd(cwd, kbuf, size);
	inode_put(cwd);
	if (r > 0 && copy_to_domain(cur_dom(), a0, kbuf, (size_t)r) < 0)
		r = -EFAULT;
	kfree(kbuf);
	return r;
}

static long change_dir(struct inode *ip)
{
	long r = S_ISDIR(ip->mode) ? vfs_permission(ip, MAY_EXEC, cur_cred()) : -ENOTDIR;
	if (r < 0) {
		inode_put(ip);
		return r;
	}
	fs_chdir(ip);
	return 0;
}

/* The directory the user path upath names (chdir, chroot): a reference in *out. */
static long lookup_dir(u64 upath, struct inode **out)
{
	struct upath up;
	long r = upath_get(AT_FDCWD, upath, &up);
	if (r < 0)
		return r;
	r = vfs_lookup(up.start, up.path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, out);
	upath_put(&up);
	return r;
}

SYSCALL(NR_chdir, chdir)
{
	struct inode *ip;
	long r = lookup_dir(a0, &ip);
	return r < 0 ? r : change_dir(ip);
}

SYSCALL(NR_chroot, chroot)
{
	struct inode *ip;
	long r = lookup_dir(a0, &ip);
	if (r < 0)
		return r;
	r = vfs_permission(ip, MAY_EXEC, cur_cred());
	if (r == 0 && !cred_capable(cur_cred(), CAP_SYS_CHROOT))
		r = -EPERM; /* a root of one's own would fool set-user-ID programs */
	if (r < 0) {
		inode_put(ip);
		return r;
	}
	fs_chroot(ip);
	return 0;
}

SYSCALL(NR_fchdir, fchdir)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	struct inode *ip = inode_get(f->ip);
	file_put(f);
	return change_dir(ip);
}

static long do_mkdirat(int dirfd, u64 upath, u32 mode)
{
	struct upath up;
	long r = upath_get(dirfd, upath, &up);
	if (r < 0)
		return r;
	r = vfs_mkdirat(up.start, up.path, umasked(mode));
	upath_put(&up);
	return r;
}

SYSCALL(NR_mkdir, mkdir)
{
	return do_mkdirat(AT_FDCWD, a0, (u32)a1);
}

SYSCALL(NR_mkdirat, mkdirat)
{
	return do_mkdirat((int)a0, a1, (u32)a2);
}

/*
 * The device number arrives as a 32-bit dev_t whose bits are laid out as
 * the low half of kdev_t's (major bits 8-19, minor bits 0-7 and 20-31).
 */
static long do_mknodat(int dirfd, u64 upath, u32 mode, u32 dev)
{
	struct upath up;
	long r = upath_get(dirfd, upath, &up);
	if (r < 0)
		return r;
	r = vfs_mknodat(up.start, up.path, (mode & S_IFMT) | umasked(mode & S_IALLUGO), dev);
	upath_put(&up);
	return r;
}

SYSCALL(NR_mknod, mknod)
{
	return do_mknodat(AT_FDCWD, a0, (u32)a1, (u32)a2);
}

SYSCALL(NR_mknodat, mknodat)
{
	return do_mknodat((int)a0, a1, (u32)a2, (u32)a3);
}

static long do_unlinkat(int dirfd, u64 upath, bool rmdir)
{
	struct upath up;
	long r = upath_get(dirfd, upath, &up);
	if (r < 0)
		return r;
	r = vfs_unlinkat(up.start, up.path, rmdir);
	upath_put(&up);
	return r;
}

SYSCALL(NR_unlink, unlink)
{
	return do_unlinkat(AT_FDCWD, a0, false);
}

SYSCALL(NR_rmdir, rmdir)
{
	return do_unlinkat(AT_FDCWD, a0, true);
}

SYSCALL(NR_unlinkat, unlinkat)
{
	u32 flags = (u32)a2; /* int arguments are 32 bits, as Linux reads them */
	if (flags & ~(u32)AT_REMOVEDIR)
		return -EINVAL;
	return do_unlinkat((int)a0, a1, flags & AT_REMOVEDIR);
}

/* The two paths of rename and link, both resolved or neither held. */
static long upath_get_pair(int odirfd, u64 oldp, int ndirfd, u64 newp, struct upath *o,
			   struct upath *n)
{
	long r = upath_get(odirfd, oldp, o);
	if (r < 0)
		return r;
	r = upath_get(ndirfd, newp, n);
	if (r < 0)
		upath_put(o);
	return r;
}

static long do_renameat2(int odirfd, u64 oldp, int ndirfd, u64 newp, u32 flags)
{
	struct upath o, n;
	long r = upath_get_pair(odirfd, oldp, ndirfd, newp, &o, &n);
	if (r < 0)
		return r;
	r = vfs_renameat(o.start, o.path, n.start, n.path, flags);
	upath_put(&o);
	upath_put(&n);
	return r;
}

SYSCALL(NR_rename, rename)
{
	return do_renameat2(AT_FDCWD, a0, AT_FDCWD, a1, 0);
}

SYSCALL(NR_renameat, renameat)
{
	return do_renameat2((int)a0, a1, (int)a2, a3, 0);
}

SYSCALL(NR_renameat2, renameat2)
{
	return do_renameat2((int)a0, a1, (int)a2, a3, (u32)a4);
}

static long do_symlinkat(u64 utarget, int dirfd, u64 upath)
{
	char *target;
	long r = fs_copy_path(utarget, &target);
	if (r < 0)
		return r;
	struct upath up;
	r = upath_get(dirfd, upath, &up);
	if (r == 0) {
		r = vfs_symlinkat(target, up.start, up.path);
		upath_put(&up);
	}
	kfree(target);
	return r;
}

SYSCALL(NR_symlink, symlink)
{
	return do_symlinkat(a0, AT_FDCWD, a1);
}

SYSCALL(NR_symlinkat, symlinkat)
{
	return do_symlinkat(a0, (int)a1, a2);
}

static long do_linkat(int odirfd, u64 oldp, int ndirfd, u64 newp, u64 flags)
{
	if (flags & ~(u64)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	unsigned lf = (flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0;
	/* A name for an open file that may have none: Linux's rule, CAP_DAC_READ_SEARCH. */
	if ((flags & AT_EMPTY_PATH) && cred_capable(cur_cred(), CAP_DAC_READ_SEARCH))
		lf |= LOOKUP_EMPTY;
	struct upath o, n;
	long r = upath_get_pair(odirfd, oldp, ndirfd, newp, &o, &n);
	if (r < 0)
		return r;
	r = vfs_linkat(o.start, o.path, n.start, n.path, lf);
	upath_put(&o);
	upath_put(&n);
	return r;
}

SYSCALL(NR_link, link)
{
	return do_linkat(AT_FDCWD, a0, AT_FDCWD, a1, 0);
}

SYSCALL(NR_linkat, linkat)
{
	return do_linkat((int)a0, a1, (int)a2, a3, (u32)a4);
}

SYSCALL(NR_truncate, truncate)
{
	struct upath up;
	long r = upath_get(AT_FDCWD, a0, &up);
	if (r < 0)
		return r;
	struct inode *ip;
	r = vfs_lookup(up.start, up.path, LOOKUP_FOLLOW, &ip);
	upath_put(&up);
	if (r < 0)
		return r;
	/* truncate(2): EISDIR for a directory comes first, then write permission. */
	r = S_ISDIR(ip->mode) ? -EISDIR : vfs_permission(ip, MAY_WRITE, cur_cred());
	if (r == 0)
		r = vfs_truncate(ip, (i64)a1);
	inode_put(ip);
	return r;
}

SYSCALL(NR_ftruncate, ftruncate)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r;
	if (f->fmode & FMODE_PATH)
		r = -EBADF;
	else if (!(f->fmode & FMODE_WRITE) || !S_ISREG(f->ip->mode))
		r = -EINVAL; /* ftruncate(2): not open for writing, or not a regular file */
	else
		r = vfs_truncate(f->ip, (i64)a1);
	file_put(f);
	return r;
}

SYSCALL(NR_umask, umask)
{
	return fs_umask_swap((u32)a0 & 0777);
}
