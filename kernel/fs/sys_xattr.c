/*
 * The extended-attribute calls (xattr.c): setxattr, getxattr, listxattr,
 * removexattr, each by path (following symlinks), by path on the link
 * itself (l*), and by descriptor (f*).
 */
#include "fs/notify.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define XATTR_LIST_MAX 65536

/* The inode a path names (follow: its last symlink too), or fd's. */
static int target(u64 upath, int fd, bool follow, struct inode **out)
{
	if (!upath) {
		struct file *f = fs_fget(fd);
		if (!f)
			return -EBADF;
		*out = inode_get(f->ip);
		file_put(f);
		return 0;
	}
	return fs_resolve_at(AT_FDCWD, upath, follow ? LOOKUP_FOLLOW : 0, out);
}

static long get_name(u64 uname, char *name)
{
	long n = strncpy_from_domain(cur_dom(), name, uname, XATTR_NAME_MAX + 1);
	return n == -ENAMETOOLONG ? -ERANGE : n < 0 ? n : 0;
}

static long do_set(u64 upath, int fd, bool follow, u64 uname, u64 uvalue, u64 size, int flags)
{
	char name[XATTR_NAME_MAX + 1];
	long r = get_name(uname, name);
	if (r < 0)
		return r;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	void *v = kmalloc(size ? size : 1);
	if (!v)
		return -ENOMEM;
	if (size && copy_from_domain(cur_dom(), v, uvalue, size) < 0) {
		kfree(v);
		return -EFAULT;
	}
	struct inode *ip;
	r = target(upath, fd, follow, &ip);
	if (r == 0) {
		r = vfs_setxattr(ip, name, v, size, flags);
		if (r == 0)
			notify_inode(ip, IN_ATTRIB);
		inode_put(ip);
	}
	kfree(v);
	return r;
}

static long do_get(u64 upath, int fd, bool follow, u64 uname, u64 ubuf, u64 size)
{
	char name[XATTR_NAME_MAX + 1];
	long r = get_name(uname, name);
	if (r < 0)
		return r;
	size = MIN(size, (u64)XATTR_SIZE_MAX);
	void *v = size ? kmalloc(size) : NULL;
	if (size && !v)
		return -ENOMEM;
	struct inode *ip;
	r = target(upath, fd, follow, &ip);
	if (r == 0) {
		r = vfs_getxattr(ip, name, v, size);
		inode_put(ip);
	}
	if (r > 0 && size && copy_to_domain(cur_dom(), ubuf, v, (size_t)r) < 0)
		r = -EFAULT;
	kfree(v);
	return r;
}

static long do_list(u64 upath, int fd, bool follow, u64 ubuf, u64 size)
{
	size = MIN(size, (u64)XATTR_LIST_MAX);
	char *b = size ? kmalloc(size) : NULL;
	if (size && !b)
		return -ENOMEM;
	struct inode *ip;
	long r = target(upath, fd, follow, &ip);
	if (r == 0) {
		r = vfs_listxattr(ip, b, size);
		inode_put(ip);
	}
	if (r > 0 && size && copy_to_domain(cur_dom(), ubuf, b, (size_t)r) < 0)
		r = -EFAULT;
	kfree(b);
	return r;
}

static long do_remove(u64 upath, int fd, bool follow, u64 uname)
{
	char name[XATTR_NAME_MAX + 1];
	long r = get_name(uname, name);
	if (r < 0)
		return r;
	struct inode *ip;
	r = target(upath, fd, follow, &ip);
	if (r == 0) {
		r = vfs_removexattr(ip, name);
		if (r == 0)
			notify_inode(ip, IN_ATTRIB);
		inode_put(ip);
	}
	return r;
}

SYSCALL(NR_setxattr, setxattr) { return do_set(a0, -1, true, a1, a2, a3, (int)a4); }
SYSCALL(NR_lsetxattr, lsetxattr) { return do_set(a0, -1, false, a1, a2, a3, (int)a4); }
SYSCALL(NR_fsetxattr, fsetxattr) { return do_set(0, (int)a0, true, a1, a2, a3, (int)a4); }
SYSCALL(NR_getxattr, getxattr) { return do_get(a0, -1, true, a1, a2, a3); }
SYSCALL(NR_lgetxattr, lgetxattr) { return do_get(a0, -1, false, a1, a2, a3); }
SYSCALL(NR_fgetxattr, fgetxattr) { return do_get(0, (int)a0, true, a1, a2, a3); }
SYSCALL(NR_listxattr, listxattr) { return do_list(a0, -1, true, a1, a2); }
SYSCALL(NR_llistxattr, llistxattr) { return do_list(a0, -1, false, a1, a2); }
SYSCALL(NR_flistxattr, flistxattr) { return do_list(0, (int)a0, true, a1, a2); }
SYSCALL(NR_removexattr, removexattr) { return do_remove(a0, -1, true, a1); }
SYSCALL(NR_lremovexattr, lremovexattr) { return do_remove(a0, -1, false, a1); }
SYSCALL(NR_fremovexattr, fremovexattr) { return do_remove(0, (int)a0, true, a1); }
