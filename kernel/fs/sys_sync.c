/*
 * Putting data on the disk: fsync, fdatasync, sync, syncfs. The work is
 * vfs_fsync's and vfs_sync_fs's (vfs.c), which umount and O_SYNC writes
 * share.
 */
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

SYSCALL(NR_fsync, fsync)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = vfs_fsync(f, false);
	file_put(f);
	return r;
}

SYSCALL(NR_fdatasync, fdatasync)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = vfs_fsync(f, true);
	file_put(f);
	return r;
}

SYSCALL(NR_sync, sync)
{
	long r = vfs_sync_fs(NULL);
	return r == -ERESTART_PARK ? r : 0; /* sync(2) cannot fail; a write error was logged */
}

SYSCALL(NR_syncfs, syncfs)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = vfs_sync_fs(f->ip->sb);
	file_put(f);
	return r;
}
