/*
 * Calls about a file's space and caching: fallocate, fadvise64,
 * readahead, sync_file_range. The advice calls check their arguments as
 * Linux does and act on the page cache (vfs_fadvise); readahead(2) is
 * POSIX_FADV_WILLNEED. sync_file_range writes the file's data back (all
 * of it: more than the range asks).
 */
#include "fs/bcache.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

SYSCALL(NR_fallocate, fallocate)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = vfs_fallocate(f, (int)a1, (i64)a2, (i64)a3);
	file_put(f);
	return r;
}

SYSCALL(NR_fadvise64, fadvise64)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = vfs_fadvise(f, (i64)a1, (i64)a2, (int)a3);
	file_put(f);
	return r;
}

SYSCALL(NR_readahead, readahead)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = 0;
	if (!(f->fmode & FMODE_READ))
		r = -EBADF;
	else if (!S_ISREG(f->ip->mode))
		r = -EINVAL;
	else if ((i64)a1 < 0)
		r = -EINVAL;
	else if (a2 && f->ip->data.ops)
		/* The pages that hold [a1, a1 + a2): started, not waited for. */
		r = filemap_willneed(f->ip, a1 >> PAGE_SHIFT, (a1 + MIN(a2, ~0ULL - a1) - 1) >> PAGE_SHIFT);
	file_put(f);
	return r;
}

#define SYNC_FILE_RANGE_ALL 7 /* WAIT_BEFORE | WRITE | WAIT_AFTER */


SYSCALL(NR_sync_file_range, sync_file_range)
{
	i64 off = (i64)a1, n = (i64)a2;
	u32 flags = (u32)a3;
	if (flags & ~(u32)SYNC_FILE_RANGE_ALL)
		return -EINVAL;
	if (off < 0 || n < 0 || off + n < off)
		return -EINVAL;
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = 0;
	u32 type = f->ip->mode & S_IFMT;
	if (type != S_IFREG && type != S_IFDIR && type != S_IFBLK)
		r = -ESPIPE;
	else if (flags && type != S_IFBLK)
		r = vfs_fsync(f, true); /* the file's data: more than the range, never less */
	file_put(f);
	return r;
}
