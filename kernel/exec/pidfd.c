/*
 * pidfds (pidfd.h): files on an anonymous inode each, whose poll looks
 * at the process's state and waits on proc_exit_wq (proc.c), woken at
 * every process's end.
 */
#include "exec/pidfd.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct pidfd {
	struct inode inode; /* its own anonymous inode, freed with it */
	u32 pid;            /* [I] */
	u64 start_ns;       /* [I] the process's start: tells a reused pid apart */
};

static struct superblock pidfs = {.fstype = "anon_inodefs"};

static void pidfd_evict(struct inode *ip)
{
	kfree(container_of(ip, struct pidfd, inode));
}

static const struct inode_ops pidfd_inode_ops = {.evict = pidfd_evict};

static struct proc *find_locked(const struct pidfd *pf)
{
	assert(spin_is_locked(&proc_tree_lock));
	struct proc *p = proc_find(pf->pid);
	return p && p->start_ns == pf->start_ns && p->state != PROC_REAPED ? p : NULL;
}

static u32 pidfd_poll(struct file *f, struct poll_set *pw)
{
	struct pidfd *pf = f->priv;
	poll_wait_add(pw, &proc_exit_wq);
	spin_lock(&proc_tree_lock);
	struct proc *p = find_locked(pf);
	bool ended = !p || p->state != PROC_ALIVE;
	spin_unlock(&proc_tree_lock);
	return ended ? POLLIN | POLLRDNORM : 0;
}

static ssize_t pidfd_read(struct file *f, struct uio *u, u64 *pos)
{
	return -EINVAL; /* as Linux: a pidfd is polled, not read */
}

static const struct file_ops pidfd_fops = {.poll = pidfd_poll, .read = pidfd_read};

bool file_is_pidfd(struct file *f)
{
	return f->ops == &pidfd_fops;
}

struct file *pidfd_file(struct proc *p, bool nonblock)
{
	struct pidfd *pf = knew(struct pidfd);
	if (!pf)
		return NULL;
	if (!pidfs.dev)
		pidfs.dev = vfs_anon_dev();
	inode_init(&pf->inode, &pidfs, 0600, &pidfd_inode_ops);
	pf->pid = p->pid;
	pf->start_ns = p->start_ns;
	struct file *f = file_alloc(&pf->inode, FMODE_READ | FMODE_WRITE | FMODE_STREAM,
				    O_RDWR | (nonblock ? O_NONBLOCK : 0), &pidfd_fops);
	inode_put(&pf->inode); /* the file holds it now (or it goes) */
	if (f) {
		f->priv = pf;
		vfs_file_named(f, "anon_inode:[pidfd]", NULL);
	}
	return f;
}

struct proc *pidfd_proc_locked(struct file *f, int *err)
{
	if (!file_is_pidfd(f)) {
		*err = -EBADF;
		return NULL;
	}
	struct proc *p = find_locked(f->priv);
	*err = p ? 0 : -ESRCH;
	return p;
}
