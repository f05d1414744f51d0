/* System calls that open files: open, openat, creat. */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

long fs_openat(int dirfd, const char *path, int flags, u32 mode)
{
	struct inode *start;
	long r = fs_at_start(dirfd, path, &start);
	if (r < 0)
		return r;
	/* x86-64 Linux opens everything large-file capable; F_GETFL shows it. */
	flags |= O_LARGEFILE;
	mode &= ~fs_umask() & S_IALLUGO;
	struct file *f;
	r = vfs_openat(start, path, flags, mode, &f);
	if (r == 0)
		vfs_file_named(f, path, start);
	inode_put(start);
	if (r < 0)
		return r;
	/*
	 * The descriptor comes last: a full table (EMFILE) after O_CREAT leaves
	 * the new file behind, which Linux avoids by reserving the slot first.
	 */
	r = fd_alloc(fs_files(), f, 0, flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

static long do_open(int dirfd, u64 upath, int flags, u32 mode)
{
	char *path;
	long r = fs_copy_path(upath, &path);
	if (r < 0)
		return r;
	r = fs_openat(dirfd, path, flags, mode);
	kfree(path);
	return r;
}

SYSCALL(NR_open, open)
{
	return do_open(AT_FDCWD, a0, (int)a1, (u32)a2);
}

SYSCALL(NR_openat, openat)
{
	return do_open((int)a0, a1, (int)a2, (u32)a3);
}

SYSCALL(NR_creat, creat)
{
	return do_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (u32)a1);
}
