/*
 * The root file system from a disk ("root=/dev/vda"): run by the boot task
 * before it starts init, because mounting reads the disk and may wait,
 * which only a task can do (invariants 1 and 2). Each step is restartable:
 * on a cache miss the boot task is parked on the block (through its park)
 * and polls ext2_root_step again when the block is in. Once the disk's
 * file system is the root, devfs goes on its /dev, and init's executable
 * is read through once so that spawning init (which cannot park) finds it
 * in the block cache. Any failure keeps the initrd's RAM root.
 * Boot core only; its state is the boot task's.
 */
#include "fs/devfs.h"
#include "fs/ext2.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

#define PREFETCH_CHUNK (64 * 1024)

static struct {
	int stage; /* 0 mount, 1 find /dev, 2 read init, 3 done */
	struct superblock *sb;
	struct inode *dev;
} rs;

static enum poll_result give_up(const char *why, int err)
{
	pr_err("ext2: root=%s: %s (error %d); keeping the initrd root\n", opts.root, why, -err);
	rs.stage = 3;
	return READY;
}

/* Read the whole of path once (its blocks stay cached); -ERESTART_PARK while it is read. */
static int prefetch(const char *path)
{
	struct inode *root = vfs_root(), *ip;
	int r = vfs_lookup(root, path, LOOKUP_FOLLOW, &ip);
	inode_put(root);
	if (r < 0)
		return r;
	u8 *buf = kmalloc(PREFETCH_CHUNK);
	if (!buf) {
		inode_put(ip);
		return -ENOMEM;
	}
	u64 off = 0;
	ssize_t n;
	while ((n = inode_read_kernel(ip, off, buf, PREFETCH_CHUNK)) > 0)
		off += (u64)n;
	kfree(buf);
	inode_put(ip);
	return n < 0 ? (int)n : 0;
}

enum poll_result ext2_root_step(void)
{
	if (!opts.root[0] || rs.stage == 3)
		return READY;
	enum poll_result res = READY;
	int r;
	if (rs.stage == 0) {
		struct blk_dev *dev = ext2_find_device(opts.root);
		if (!dev) {
			res = give_up("no such disk", ENODEV);
			goto out;
		}
		r = ext2_mount_dev(dev, false, &rs.sb);
		if (r == -ERESTART_PARK)
			goto park;
		if (r < 0) {
			res = give_up("no usable ext2 file system there", r);
			goto out;
		}
		rs.stage = 1;
	}
	if (rs.stage == 1) {
		r = vfs_lookup(rs.sb->root, "dev", LOOKUP_DIRECTORY, &rs.dev);
		if (r == -ERESTART_PARK)
			goto park;
		if (r < 0) {
			res = give_up("no /dev directory on the disk", r);
			goto out;
		}
		if (vfs_switch_root(rs.sb) < 0 || devfs_mount(rs.dev) < 0)
			panic("ext2: cannot make the disk the root with devfs on /dev");
		inode_put(rs.dev);
		pr_info("ext2: root file system on %s\n", opts.root);
		rs.stage = 2;
	}
	if (rs.stage == 2) {
		r = prefetch(opts.init);
		if (r == -ERESTART_PARK)
			goto park;
		if (r < 0)
			pr_warn("ext2: cannot read init %s from the disk (error %d)\n", opts.init,
				-r);
		rs.stage = 3;
	}
out:
	return res;
park:
	return PENDING;
}
