/* A process's file state and the system calls' helpers (see fsproc.h). */
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static struct inode *cwd_of(struct proc *p);

int fs_proc_init(struct proc *p)
{
	p->files = fdtable_create();
	if (!p->files)
		return -ENOMEM;
	p->cwd = vfs_root();
	p->umask = 022;
	return 0;
}

int fs_open_console(struct proc *p)
{
	struct inode *root = vfs_root();
	struct file *f;
	int r = vfs_openat(root, "/dev/console", O_RDWR | O_NOCTTY, 0, &f);
	inode_put(root);
	if (r < 0)
		return r;
	vfs_file_named(f, "/dev/console", NULL);
	int fd = fd_alloc(p->files, f, 0, false); /* takes over our reference */
	if (fd < 0) {
		file_put(f);
		return fd;
	}
	for (int target = 0; target < 3 && r >= 0; target++)
		if (target != fd)
			r = fd_dup_to(p->files, fd, target, false);
	if (fd > 2)
		fd_close(p->files, fd);
	return r < 0 ? r : 0;
}

int fs_fork(struct proc *parent, struct proc *child, bool share_files)
{
	if (share_files) {
		fdtable_get(parent->files);
		child->files = parent->files;
	} else {
		child->files = fdtable_fork(parent->files);
		if (!child->files)
			return -ENOMEM;
	}
	child->cwd = cwd_of(parent);
	spin_lock(&parent->lock);
	child->root = parent->root ? inode_get(parent->root) : NULL;
	spin_unlock(&parent->lock);
	child->umask = __atomic_load_n(&parent->umask, __ATOMIC_RELAXED);
	return 0;
}

void fs_exec(struct proc *p)
{
	fdtable_close_on_exec(p->files);
}

void fs_exit(struct proc *p)
{
	spin_lock(&p->lock); /* fs_files_of may be looking */
	struct fdtable *t = p->files;
	p->files = NULL;
	spin_unlock(&p->lock);
	fdtable_put(t);
	inode_put(p->cwd);
	p->cwd = NULL;
	if (p->root)
		inode_put(p->root);
	p->root = NULL;
}

/* Also used before any process exists (vfs_open_exec at boot): then there is none. */
static struct proc *cur(void)
{
	struct thread *t = current_thread();
	return t ? t->proc : NULL;
}

static struct inode *cwd_of(struct proc *p)
{
	if (!p)
		return vfs_root();
	spin_lock(&p->lock);
	struct inode *ip = p->cwd ? inode_get(p->cwd) : NULL;
	spin_unlock(&p->lock);
	return ip ? ip : vfs_root();
}

struct fdtable *fs_files(void)
{
	return cur()->files;
}

struct fdtable *fs_files_of(struct proc *p)
{
	spin_lock(&p->lock);
	struct fdtable *t = p->files;
	if (t)
		fdtable_get(t);
	spin_unlock(&p->lock);
	return t;
}

struct domain *fs_dom(void)
{
	return cur()->dom;
}

struct inode *fs_cwd_get(void)
{
	return cwd_of(cur());
}

struct inode *fs_root_get(void)
{
	struct proc *p = cur();
	struct inode *ip = NULL;
	if (p) {
		spin_lock(&p->lock);
		ip = p->root ? inode_get(p->root) : NULL;
		spin_unlock(&p->lock);
	}
	return ip ? ip : vfs_root();
}

void fs_chroot(struct inode *dir)
{
	struct proc *p = cur();
	spin_lock(&p->lock);
	struct inode *old = p->root;
	p->root = dir;
	spin_unlock(&p->lock);
	if (old)
		inode_put(old);
}

void fs_chdir(struct inode *dir)
{
	struct proc *p = cur();
	spin_lock(&p->lock);
	struct inode *old = p->cwd;
	p->cwd = dir;
	spin_unlock(&p->lock);
	inode_put(old);
}

u32 fs_umask(void)
{
	return __atomic_load_n(&cur()->umask, __ATOMIC_RELAXED);
}

u32 fs_umask_swap(u32 mask)
{
	return __atomic_exchange_n(&cur()->umask, mask, __ATOMIC_RELAXED);
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
