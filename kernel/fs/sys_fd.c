/* System calls on descriptors: close, dup, dup2, dup3, fcntl. */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "fs/lock.h"
#include "proc/unsupported.h"
#include "proc/signal.h"
#include "proc/cur.h"
#include "mm/domain.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

SYSCALL(NR_close, close)
{
	return fd_close(fs_files(), (int)a0);
}

SYSCALL(NR_dup, dup)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	int r = fd_alloc(fs_files(), f, 0, false);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL(NR_dup2, dup2)
{
	return fd_dup_to(fs_files(), (int)a0, (int)a1, false);
}

SYSCALL(NR_dup3, dup3)
{
	u32 flags = (u32)a2;
	if (flags & ~(u32)O_CLOEXEC)
		return -EINVAL;
	if ((int)a0 == (int)a1)
		return -EINVAL; /* unlike dup2 */
	return fd_dup_to(fs_files(), (int)a0, (int)a1, flags & O_CLOEXEC);
}

#define F_UNLCK_LEASE 2 /* F_UNLCK, as F_GETLEASE says it */
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
#define NSIG_MAX 64

/* The flags F_SETFL may change (fcntl(2)); the access mode and creation flags stay. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL(NR_fcntl, fcntl)
{
	int fd = (int)a0, cmd = (int)a1;
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	long r;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		int min = (int)a2;
		r = fd_alloc(fs_files(), file_get(f), min, cmd == F_DUPFD_CLOEXEC);
		if (r < 0)
			file_put(f);
		break;
	}
	case F_GETFD:
		r = fd_get_cloexec(fs_files(), fd);
		break;
	case F_SETFD:
		r = fd_set_cloexec(fs_files(), fd, a2 & FD_CLOEXEC);
		break;
	case F_GETFL: {
		u32 acc = (f->fmode & FMODE_PATH)		       ? O_PATH
			  : (f->fmode & (FMODE_READ | FMODE_WRITE)) == (FMODE_READ | FMODE_WRITE)
				? O_RDWR
			  : (f->fmode & FMODE_WRITE) ? O_WRONLY
						     : O_RDONLY;
		r = acc | __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		break;
	}
	case F_SETFL: {
		if (f->fmode & FMODE_PATH) {
			r = -EBADF;
			break;
		}
		u32 old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED), new;
		do
			new = (old & ~(u32)SETFL_MASK) | ((u32)a2 & SETFL_MASK);
		while (!__atomic_compare_exchange_n(&f->flags, &old, new, true, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED));
		if ((old ^ new) & O_ASYNC) {
			/* O_ASYNC: the object signals the owner on readiness (pipes do). */
			__atomic_store_n(&f->async_fd, fd, __ATOMIC_RELAXED);
			if (f->ops->fasync)
				f->ops->fasync(f, new & O_ASYNC);
		}
		r = 0;
		break;
	}
	case F_SETOWN:
	case F_SETOWN_EX: {
		int who = (int)a2;
		bool tid = false;
		if (cmd == F_SETOWN_EX) {
			struct { i32 type, pid; } ex;
			if (copy_from_domain(cur_dom(), &ex, a2, sizeof ex) < 0) {
				r = -EFAULT;
				break;
			}
			if (ex.type < F_OWNER_TID || ex.type > F_OWNER_PGRP || ex.pid < 0) {
				r = -EINVAL;
				break;
			}
			tid = ex.type == F_OWNER_TID;
			who = ex.type == F_OWNER_PGRP ? -ex.pid : ex.pid;
		}
		if (who && !signal_io_target_exists(who, tid)) {
			r = -ESRCH;
			break;
		}
		__atomic_store_n(&f->owner_tid, tid, __ATOMIC_RELAXED);
		__atomic_store_n(&f->owner, who, __ATOMIC_RELAXED);
		r = 0;
		break;
	}
	case F_GETOWN:
		r = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
		break;
	case F_GETOWN_EX: {
		int who = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
		struct { i32 type, pid; } ex = {
			who < 0 ? F_OWNER_PGRP : __atomic_load_n(&f->owner_tid, __ATOMIC_RELAXED) ? F_OWNER_TID
												: F_OWNER_PID,
			who < 0 ? -who : who};
		r = copy_to_domain(cur_dom(), a2, &ex, sizeof ex) < 0 ? -EFAULT : 0;
		break;
	}
	case F_SETSIG:
		if (a2 > NSIG_MAX) {
			r = -EINVAL;
			break;
		}
		__atomic_store_n(&f->owner_sig, (u8)a2, __ATOMIC_RELAXED);
		r = 0;
		break;
	case F_GETSIG:
		r = __atomic_load_n(&f->owner_sig, __ATOMIC_RELAXED);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		r = lock_fcntl(fs_files(), f, cmd, a2);
		break;
	case F_GETLEASE:
		r = F_UNLCK_LEASE; /* no lease is ever held */
		break;
	case F_SETLEASE:
		/* As Linux with fs.leases-enable = 0: there is nothing to give up. */
		if ((int)a2 == F_UNLCK_LEASE) {
			r = 0;
		} else {
			unsupported("fcntl(F_SETLEASE) type", (u32)a2);
			r = -EINVAL;
		}
		break;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		r = memfd_seals(f, cmd, (u32)a2);
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		r = f->ops->fcntl ? f->ops->fcntl(f, cmd, a2) : -EBADF;
		break;
	default:
		r = f->ops->fcntl ? f->ops->fcntl(f, cmd, a2) : -EINVAL;
		break;
	}
	file_put(f);
	return r;
}

/* flock(2): a lock on the whole open file (fs/lock.c). */
SYSCALL(NR_flock, flock)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = lock_flock(f, (int)a1);
	file_put(f);
	return r;
}

#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)

SYSCALL(NR_close_range, close_range)
{
	u32 first = (u32)a0, last = (u32)a1, flags = (u32)a2;
	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	if (flags & CLOSE_RANGE_UNSHARE) {
		int r = fs_unshare_files();
		if (r < 0)
			return r;
	}
	fd_close_range(fs_files(), first, last, flags & CLOSE_RANGE_CLOEXEC);
	return 0;
}

