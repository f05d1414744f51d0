/* System calls on descriptors: close, dup, dup2, dup3, fcntl. */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
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
	if (a2 & ~(u64)O_CLOEXEC)
		return -EINVAL;
	if ((int)a0 == (int)a1)
		return -EINVAL; /* unlike dup2 */
	return fd_dup_to(fs_files(), (int)a0, (int)a1, a2 & O_CLOEXEC);
}

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
		if (min < 0 || min >= FD_MAX) {
			r = -EINVAL;
			break;
		}
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
		r = 0;
		break;
	}
	default:
		/* Record locks, leases, signals on I/O and pipe sizes are not supported yet. */
		r = -EINVAL;
		break;
	}
	file_put(f);
	return r;
}

