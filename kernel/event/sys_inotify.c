/*
 * inotify's system calls: inotify_init, inotify_init1, inotify_add_watch
 * and inotify_rm_watch, with Linux's checks; the instance, its watches
 * and its queue are inotify.c's.
 */
#include "event/event.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/notify.h"
#include "fs/vfs.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

/* Every bit inotify_add_watch knows; the rest are ignored, as Linux ignores them. */
#define IN_ALL_BITS                                                                        \
	(IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE |   \
	 IN_MASK_ADD | IN_ONESHOT)

static long do_init(u64 flags)
{
	if (flags & ~(u64)(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct file *f;
	int r = inotify_new((u32)flags, &f);
	if (r < 0)
		return r;
	long fd = fd_alloc(fs_files(), f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL(NR_inotify_init, inotify_init)
{
	return do_init(0);
}

SYSCALL(NR_inotify_init1, inotify_init1)
{
	return do_init((u32)a0);
}

SYSCALL(NR_inotify_add_watch, inotify_add_watch)
{
	u32 mask = (u32)a2;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if (!(mask & IN_ALL_EVENTS))
		return -EINVAL; /* a watch for nothing */
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	struct inotify *in = file_inotify(f);
	long r;
	struct inode *ip = NULL;
	if (!in) {
		r = -EINVAL;
	} else {
		unsigned lf = (mask & IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) |
			      (mask & IN_ONLYDIR ? LOOKUP_DIRECTORY : 0);
		r = fs_resolve_at(AT_FDCWD, a1, lf, &ip);
		/* Watching is reading what happens to it: read permission, as Linux asks. */
		if (r == 0)
			r = vfs_permission(ip, MAY_READ, cur_cred());
		if (r == 0)
			r = inotify_watch_add(in, ip, mask & IN_ALL_BITS);
	}
	if (ip)
		inode_put(ip);
	file_put(f);
	return r;
}

SYSCALL(NR_inotify_rm_watch, inotify_rm_watch)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	struct inotify *in = file_inotify(f);
	long r = in ? inotify_watch_rm(in, (i32)a1) : -EINVAL;
	file_put(f);
	return r;
}
