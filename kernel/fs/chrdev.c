/*
 * Special files: character-device drivers by device number, the block
 * layer's file ops, and the FIFO opener. Opening a device node on any file system finds its driver here
 * by the node's rdev; opening a FIFO goes to the layer that registered
 * the opener (ipc). Both register at boot, before the first open, so the
 * table is [I after boot]; the lock only orders registrations.
 */
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define MAX_CHRDEVS 32

struct chrdev {
	kdev_t dev;
	const struct file_ops *ops;
	void *priv;
};

static struct spinlock lock = SPINLOCK_INIT;
static struct chrdev table[MAX_CHRDEVS]; /* [I after boot] */
static u32 count;                        /* [a] entries filled */

int chrdev_register(kdev_t dev, const struct file_ops *ops, void *priv)
{
	spin_lock(&lock);
	for (u32 i = 0; i < count; i++) {
		if (table[i].dev == dev) {
			spin_unlock(&lock);
			return -EBUSY;
		}
	}
	if (count == MAX_CHRDEVS) {
		spin_unlock(&lock);
		return -ENOSPC;
	}
	table[count] = (struct chrdev){dev, ops, priv};
	__atomic_store_n(&count, count + 1, __ATOMIC_RELEASE);
	spin_unlock(&lock);
	return 0;
}

const struct file_ops *chrdev_lookup(kdev_t dev, void **priv)
{
	u32 n = __atomic_load_n(&count, __ATOMIC_ACQUIRE);
	for (u32 i = 0; i < n; i++) {
		if (table[i].dev == dev) {
			*priv = table[i].priv;
			return table[i].ops;
		}
	}
	return NULL;
}

static fifo_open_fn fifo_opener; /* [I after boot] */

void fifo_register(fifo_open_fn open)
{
	__atomic_store_n(&fifo_opener, open, __ATOMIC_RELEASE);
}

int special_fifo_open(struct inode *ip, u32 fmode, u32 flags, struct file **out)
{
	fifo_open_fn open = __atomic_load_n(&fifo_opener, __ATOMIC_ACQUIRE);
	return open ? open(ip, fmode, flags, out) : -ENXIO;
}

static const struct file_ops *blk_fops; /* [I after boot] */

void blkdev_fops_register(const struct file_ops *ops)
{
	__atomic_store_n(&blk_fops, ops, __ATOMIC_RELEASE);
}

const struct file_ops *blkdev_fops(void)
{
	return __atomic_load_n(&blk_fops, __ATOMIC_ACQUIRE);
}
