/*
 * /proc/<pid>/mem: the process's memory, read and written at file offsets
 * that are its addresses, through its domain (mm/uaccess.c works on any
 * domain). Opening it asks what the other private files ask
 * (proc_may_access); the open file holds the domain it found, so a later
 * exec of the process does not redirect it, as on Linux. Addresses that
 * are not mapped, or not writable for a write, give EIO. Linux's writes
 * also go through read-only mappings (FOLL_FORCE); Ferry's do not.
 *
 * No lock is held across a copy: the target's domain lock is taken and
 * dropped by each copy from or to it, then the caller's by the uio.
 */
#include "procfs/procfs_impl.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define MEM_CHUNK PAGE_SIZE

static int mem_open(struct inode *ip, struct file *f)
{
	u32 pid = pf_pid(ip);
	int r = pf_may_access(pid);
	if (r < 0)
		return r;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	f->priv = p && p->state == PROC_ALIVE ? proc_dom_get(p) : NULL;
	spin_unlock(&proc_tree_lock);
	return 0; /* a zombie's reads find nothing */
}

static void mem_release(struct file *f)
{
	if (f->priv)
		domain_put(f->priv);
}

/* Move up to resid bytes between the process's memory at *pos and u, a chunk at a time. */
static ssize_t mem_rw(struct file *f, struct uio *u, u64 *pos, bool write)
{
	struct domain *d = f->priv;
	if (!d || !u->resid)
		return 0;
	u8 *buf = kmalloc(MEM_CHUNK);
	if (!buf)
		return -ENOMEM;
	size_t done = 0;
	int r = 0;
	while (u->resid) {
		u64 addr = *pos + done;
		size_t n = MIN(u->resid, MEM_CHUNK - (addr & (MEM_CHUNK - 1)));
		if (write) {
			if ((r = uio_copy_in(u, buf, n)) < 0)
				break;
			if (copy_to_domain(d, addr, buf, n) < 0) {
				r = -EIO;
				break;
			}
		} else {
			if (copy_from_domain(d, buf, addr, n) < 0) {
				r = -EIO;
				break;
			}
			if ((r = uio_copy_out(u, buf, n)) < 0)
				break;
		}
		done += n;
	}
	kfree(buf);
	*pos += done;
	return done ? (ssize_t)done : r;
}

static ssize_t mem_read(struct file *f, struct uio *u, u64 *pos)
{
	return mem_rw(f, u, pos, false);
}

static ssize_t mem_write(struct file *f, struct uio *u, u64 *pos)
{
	return mem_rw(f, u, pos, true);
}

/* Any address is an offset: no size bounds it. */
static i64 mem_llseek(struct file *f, i64 off, int whence)
{
	i64 pos;
	file_pos_lock(f);
	if (whence == SEEK_SET)
		pos = off;
	else if (whence == SEEK_CUR && !__builtin_add_overflow((i64)f->pos, off, &pos))
		;
	else
		pos = -1;
	if (pos >= 0)
		f->pos = (u64)pos;
	file_pos_unlock(f);
	return pos >= 0 ? pos : -EINVAL;
}

static const struct file_ops mem_fops = {
	.read = mem_read,
	.write = mem_write,
	.llseek = mem_llseek,
	.open = mem_open,
	.release = mem_release,
};

const struct inode_ops pf_mem_ops = {
	.evict = pf_evict,
	.fops = &mem_fops,
};
