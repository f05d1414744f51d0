/*
 * What every file system call does with its raw arguments: descriptors to
 * open files, user paths to kernel strings, and *at() dirfds to the
 * directory a path starts from. Only through fsproc.h's view of the
 * calling process, so host tests run these too.
 */
#include "fs/fsproc.h"
#include "proc/cur.h"
#include "fs/fdtable.h"
#include "fs/notify.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct file *fs_fget(int fd)
{
	return fd_get(fs_files(), fd);
}

struct fd_ref fs_fborrow(int fd)
{
	return fd_borrow(fs_files(), fd, cur_alone());
}

static void held_file_put(void *f)
{
	file_put(f);
}

struct fd_ref fs_fborrow_call(int fd)
{
	struct file *f = park_take(held_file_put);
	if (f)
		return (struct fd_ref){.f = f, .counted = true};
	return fs_fborrow(fd);
}

long fs_call_done(struct fd_ref ref, long r)
{
	if (r == -ERESTART_PARK) /* restartable: invariant 3 */
		park_hold(held_file_put, ref.counted ? ref.f : file_get(ref.f));
	else
		fd_ref_put(ref);
	return r;
}

/* Most paths fit this: a small block from the heap, not a page of it. */
#define PATH_SHORT 256

long fs_copy_path(u64 upath, char **out)
{
	char *buf = kmalloc(PATH_SHORT);
	if (!buf)
		return -ENOMEM;
	long r = strncpy_from_domain(cur_dom(), buf, upath, PATH_SHORT);
	if (r == -ENAMETOOLONG) {
		kfree(buf);
		if (!(buf = kmalloc(PATH_MAX)))
			return -ENOMEM;
		r = strncpy_from_domain(cur_dom(), buf, upath, PATH_MAX);
	}
	if (r < 0) {
		kfree(buf);
		return r;
	}
	*out = buf;
	return r;
}

long fs_copy_path_in(u64 upath, char *small, size_t n, char **out)
{
	long r = strncpy_from_domain(cur_dom(), small, upath, n);
	if (r >= 0) {
		*out = small;
		return r;
	}
	if (r != -ENAMETOOLONG || n >= PATH_MAX)
		return r;
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	r = strncpy_from_domain(cur_dom(), buf, upath, PATH_MAX);
	if (r < 0) {
		kfree(buf);
		return r;
	}
	*out = buf;
	return r;
}

void fs_path_free(char *path, char *small)
{
	if (path != small)
		kfree(path);
}

int fs_at_start(int dirfd, const char *path, struct inode **start)
{
	if (path[0] == '/') {
		*start = fs_root_get();
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		*start = fs_cwd_get();
		return 0;
	}
	struct file *f = fs_fget(dirfd);
	if (!f)
		return -EBADF;
	int r = 0;
	if (path[0] && !S_ISDIR(f->ip->mode))
		r = -ENOTDIR;
	else
		*start = inode_get(f->ip);
	file_put(f);
	return r;
}

int fs_resolve_at(int dirfd, u64 upath, unsigned lflags, struct inode **out)
{
	char small[FS_PATH_SMALL], *path = small;
	long r = 0;
	if (!upath && (lflags & LOOKUP_EMPTY))
		small[0] = 0;
	else
		r = fs_copy_path_in(upath, small, sizeof small, &path);
	if (r < 0)
		return (int)r;
	struct inode *start;
	r = fs_at_start(dirfd, path, &start);
	if (r == 0) {
		r = vfs_lookup(start, path, lflags, out);
		inode_put(start);
	}
	fs_path_free(path, small);
	return (int)r;
}

void fs_notify_parent_at(int dirfd, u64 upath, struct inode *ip, u32 mask)
{
	if (!vfs_notify_any() || !upath)
		return;
	char *path;
	if (fs_copy_path(upath, &path) < 0)
		return;
	struct inode *start;
	if (path[0] && fs_at_start(dirfd, path, &start) == 0) {
		struct nameidata nd;
		if (path_walk(start, path, LOOKUP_PARENT | LOOKUP_FOLLOW, &nd) == 0) {
			if (nd.last_type == LAST_NORM && nd.ip == ip)
				notify_child(nd.dir, ip, mask, nd.last, nd.last_len, 0);
			nd_put(&nd);
		}
		inode_put(start);
	}
	kfree(path);
}

unsigned fs_at_lookup_flags(u64 flags)
{
	unsigned lf = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lf |= LOOKUP_EMPTY;
	return lf;
}
