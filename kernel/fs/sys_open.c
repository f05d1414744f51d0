/* System calls that open files: open, openat, openat2, creat. */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* Open path (a kernel copy) from dirfd under RESOLVE_* rules (LOOKUP_*): a descriptor or -errno. */
static long openat_rules(int dirfd, const char *path, int flags, u32 mode, unsigned rules)
{
	struct inode *start;
	/* RESOLVE_IN_ROOT and RESOLVE_BENEATH judge even an absolute path from dirfd. */
	long r = fs_at_start(dirfd, rules & (LOOKUP_IN_ROOT | LOOKUP_BENEATH) ? "." : path, &start);
	if (r < 0)
		return r;
	/* x86-64 Linux opens everything large-file capable; F_GETFL shows it. */
	flags |= O_LARGEFILE;
	mode &= ~fs_umask() & S_IALLUGO;
	struct file *f;
	r = vfs_openat_resolve(start, path, flags, mode, rules, &f);
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

long fs_openat(int dirfd, const char *path, int flags, u32 mode)
{
	return openat_rules(dirfd, path, flags, mode, 0);
}

static long do_open_rules(int dirfd, u64 upath, int flags, u32 mode, unsigned rules)
{
	char small[FS_PATH_SMALL], *path;
	long r = fs_copy_path_in(upath, small, sizeof small, &path);
	if (r < 0)
		return r;
	r = openat_rules(dirfd, path, flags, mode, rules);
	fs_path_free(path, small);
	return r;
}

static long do_open(int dirfd, u64 upath, int flags, u32 mode)
{
	return do_open_rules(dirfd, upath, flags, mode, 0);
}

SYSCALL(NR_open, open)
{
	return do_open(AT_FDCWD, a0, (int)a1, (u32)a2);
}

SYSCALL(NR_openat, openat)
{
	return do_open((int)a0, a1, (int)a2, (u32)a3);
}

/* openat2(2): struct open_how, and its RESOLVE_* rules for the lookup. */
struct open_how {
	u64 flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20
/* The open flags Linux knows (valid_flags of fs/open.c, O_LARGEFILE included). */
#define OPEN_FLAGS_KNOWN (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			  O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | \
			  O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE)

SYSCALL(NR_openat2, openat2)
{
	struct open_how how = {0};
	u64 size = a3;
	if (size < sizeof how)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_domain(cur_dom(), &how, a2, sizeof how) < 0)
		return -EFAULT;
	/* A larger structure than ours is fine while what we do not know is zero. */
	for (u64 off = sizeof how; off < size; off++) {
		u8 b;
		if (copy_from_domain(cur_dom(), &b, a2 + off, 1) < 0)
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (how.flags & ~(u64)OPEN_FLAGS_KNOWN)
		return -EINVAL;
	if (how.mode & ~(u64)07777)
		return -EINVAL;
	if (how.mode && !(how.flags & O_CREAT) && (how.flags & O_TMPFILE) != O_TMPFILE)
		return -EINVAL;
	if (how.resolve & ~(u64)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
				 RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((how.flags & O_PATH) && (how.flags & ~(u64)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)))
		return -EINVAL; /* openat2 refuses what open ignores */
	/* Every lookup may wait for the disk: say so, as Linux may, and the caller asks again. */
	if (how.resolve & RESOLVE_CACHED)
		return -EAGAIN;
	unsigned rules = (how.resolve & RESOLVE_NO_XDEV ? LOOKUP_NO_XDEV : 0) |
			 (how.resolve & RESOLVE_NO_MAGICLINKS ? LOOKUP_NO_MAGICLINKS : 0) |
			 (how.resolve & RESOLVE_NO_SYMLINKS ? LOOKUP_NO_SYMLINKS : 0) |
			 (how.resolve & RESOLVE_BENEATH ? LOOKUP_BENEATH : 0) |
			 (how.resolve & RESOLVE_IN_ROOT ? LOOKUP_IN_ROOT : 0);
	return do_open_rules((int)a0, a1, (int)how.flags, (u32)how.mode, rules);
}

SYSCALL(NR_creat, creat)
{
	return do_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (u32)a1);
}
