/* A process's file state and the system calls' helpers (see fsproc.h). */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/limits.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct fs_state *fs_state_new(void)
{
	struct fs_state *fs = knew(struct fs_state);
	if (!fs)
		return NULL;
	fs->files = fdtable_create();
	if (!fs->files) {
		kfree(fs);
		return NULL;
	}
	fs->lock = (struct spinlock)SPINLOCK_INIT;
	fs->cwd = vfs_root();
	fs->umask = 022;
	return fs;
}

int fs_open_console(struct fs_state *fs)
{
	struct inode *root = vfs_root();
	struct file *f;
	int r = vfs_openat(root, "/dev/console", O_RDWR | O_NOCTTY, 0, &f);
	inode_put(root);
	if (r < 0)
		return r;
	vfs_file_named(f, "/dev/console", NULL);
	int fd = fd_alloc(fs->files, f, 0, false); /* takes over our reference */
	if (fd < 0) {
		file_put(f);
		return fd;
	}
	for (int target = 0; target < 3 && r >= 0; target++)
		if (target != fd)
			r = fd_dup_to(fs->files, fd, target, false);
	if (fd > 2)
		fd_close(fs->files, fd);
	return r < 0 ? r : 0;
}

static struct inode *cwd_of(struct fs_state *fs)
{
	if (!fs)
		return vfs_root();
	spin_lock(&fs->lock);
	struct inode *ip = fs->cwd ? inode_get(fs->cwd) : NULL;
	spin_unlock(&fs->lock);
	return ip ? ip : vfs_root();
}

struct fs_state *fs_fork(struct fs_state *parent, bool share_files)
{
	struct fs_state *fs = knew(struct fs_state);
	if (!fs)
		return NULL;
	fs->lock = (struct spinlock)SPINLOCK_INIT;
	if (share_files) {
		fdtable_get(parent->files);
		fs->files = parent->files;
	} else {
		fs->files = fdtable_fork(parent->files);
		if (!fs->files) {
			kfree(fs);
			return NULL;
		}
	}
	fs->cwd = cwd_of(parent);
	spin_lock(&parent->lock);
	fs->root = parent->root ? inode_get(parent->root) : NULL;
	spin_unlock(&parent->lock);
	fs->umask = __atomic_load_n(&parent->umask, __ATOMIC_RELAXED);
	return fs;
}

void fs_exec(struct fs_state *fs)
{
	fdtable_close_on_exec(fs->files);
}

void fs_exit(struct fs_state *fs)
{
	if (!fs)
		return;
	spin_lock(&fs->lock); /* fs_files_get may be looking */
	struct fdtable *t = fs->files;
	fs->files = NULL;
	spin_unlock(&fs->lock);
	fdtable_put(t);
	inode_put(fs->cwd);
	if (fs->root)
		inode_put(fs->root);
	kfree(fs);
}

struct fdtable *fs_files_get(struct fs_state *fs)
{
	spin_lock(&fs->lock);
	struct fdtable *t = fs->files;
	if (t)
		fdtable_get(t);
	spin_unlock(&fs->lock);
	return t;
}

struct fdtable *fs_files(void)
{
	return cur_fs()->files;
}

int fs_unshare_files(void)
{
	struct fs_state *fs = cur_fs();
	struct fdtable *old = fs->files;
	/*
	 * Only a table shared with another process (clone(CLONE_FILES)) is
	 * copied, so the old one lives on with that process's reference:
	 * this process's other threads may still be using it for a moment.
	 */
	if (__atomic_load_n(&old->refs, __ATOMIC_ACQUIRE) <= 1)
		return 0;
	struct fdtable *t = fdtable_fork(old);
	if (!t)
		return -ENOMEM;
	spin_lock(&fs->lock);
	fs->files = t;
	spin_unlock(&fs->lock);
	fdtable_put(old);
	return 0;
}

struct inode *fs_cwd_get(void)
{
	return cwd_of(cur_fs()); /* "/" before any process exists (vfs_open_exec at boot) */
}

struct inode *fs_root_get(void)
{
	struct fs_state *fs = cur_fs();
	struct inode *ip = NULL;
	if (fs) {
		spin_lock(&fs->lock);
		ip = fs->root ? inode_get(fs->root) : NULL;
		spin_unlock(&fs->lock);
	}
	return ip ? ip : vfs_root();
}

void fs_chroot(struct inode *dir)
{
	struct fs_state *fs = cur_fs();
	spin_lock(&fs->lock);
	struct inode *old = fs->root;
	fs->root = dir;
	spin_unlock(&fs->lock);
	if (old)
		inode_put(old);
}

void fs_chdir(struct inode *dir)
{
	struct fs_state *fs = cur_fs();
	spin_lock(&fs->lock);
	struct inode *old = fs->cwd;
	fs->cwd = dir;
	spin_unlock(&fs->lock);
	inode_put(old);
}

u32 fd_limit(void)
{
	u64 n = cur_rlimit(RLIMIT_NOFILE);
	return n < FD_MAX ? (u32)n : FD_MAX;
}

u32 fs_umask(void)
{
	return __atomic_load_n(&cur_fs()->umask, __ATOMIC_RELAXED);
}

u32 fs_umask_swap(u32 mask)
{
	return __atomic_exchange_n(&cur_fs()->umask, mask, __ATOMIC_RELAXED);
}

int vfs_open_exec(const char *path, struct inode **out)
{
	struct inode *cwd = fs_cwd_get();
	int r = vfs_open_exec_at(cwd, path, out);
	inode_put(cwd);
	return r;
}

ssize_t fs_exe_realpath(const char *path, char *buf, size_t len)
{
	struct inode *cwd = fs_cwd_get();
	ssize_t r = vfs_realpath(cwd, path, buf, len);
	inode_put(cwd);
	return r;
}

int fs_mmap_frames(int fd, u64 off, u64 npages, paddr_t *frames)
{
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	int r = f->ops->mmap_frames ? f->ops->mmap_frames(f, off, npages, frames) : -ENODEV;
	file_put(f);
	return r;
}
