/*
 * A stand-in "calling process" for host tests of the file system calls:
 * the part of kernel/fs/fsproc.c that reads the caller's file state, and
 * proc/cur.h's cur_dom, over a plain struct instead (kernel/fs/sys_args.c
 * and sys_*.c are the real ones).
 */
#include "fs_shim.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "proc/cur.h"

struct shim_proc shim_proc;
static char fake_domain;

struct fdtable *fs_files(void)
{
	return shim_proc.files;
}

/* Host tests run one thread per stand-in process. */
bool cur_alone(void)
{
	return true;
}

struct domain *cur_dom(void)
{
	return (struct domain *)&fake_domain;
}

struct inode *fs_cwd_get(void)
{
	return shim_proc.cwd ? inode_get(shim_proc.cwd) : vfs_root();
}

void fs_chdir(struct inode *dir)
{
	struct inode *old = shim_proc.cwd;
	shim_proc.cwd = dir;
	inode_put(old);
}

u32 fs_umask(void)
{
	return shim_proc.umask;
}

u32 fs_umask_swap(u32 mask)
{
	u32 old = shim_proc.umask;
	shim_proc.umask = mask;
	return old;
}

void fs_chroot(struct inode *dir)
{
	extern struct inode *shim_root;
	if (shim_root)
		inode_put(shim_root);
	shim_root = dir;
}

/* No parking on the host: a call never comes back for what it held. */
void *park_take(void (*release)(void *))
{
	return NULL;
}

void park_hold(void (*release)(void *), void *obj)
{
	release(obj);
}

/* Nothing parks on the host, so nothing is abandoned: no progress to give back. */
u64 park_abandon(void)
{
	return 0;
}

/* The stand-in process shares its table with nobody. */
int fs_unshare_files(void)
{
	return 0;
}
