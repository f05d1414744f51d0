/*
 * The root file system from a disk ("root=/dev/vda"): run by the boot task
 * before it starts init, because mounting reads the disk and may wait,
 * which only a task can do (invariants 1 and 2). Each step is restartable:
 * on a cache miss the boot task is parked on the block (through its park)
 * and polls ext2_root_step again when the block is in. Before the disk's
 * file system becomes the root, its /dev must be a directory and init's
 * executable must be found and read whole from it (so that spawning init,
 * which cannot park, finds it in the block cache); then devfs goes on its
 * /dev. Any failure keeps the initrd's RAM root, with a message: a
 * damaged root directory stopped the machine ("cannot start init") when
 * this was checked only after the switch.
 * Boot core only; its state is the boot task's.
 */
#include "fs/devfs.h"
#include "fs/ext2.h"
#include "proc/cur.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

#define PREFETCH_CHUNK (64 * 1024)

static struct {
	int stage; /* 0 mount, 1 find /dev, 2 read init, 3 switch, 4 done */
	struct superblock *sb;
	struct inode *dev;
} rs;

static enum poll_result give_up(const char *why, int err)
{
	pr_err("ext2: root=%s: %s (error %d); keeping the initrd root\n", opts.root, why, -err);
	if (rs.dev)
		inode_put(rs.dev);
	rs.dev = NULL;
	if (rs.sb && rs.sb->destroy)
		rs.sb->destroy(rs.sb); /* mounted nowhere: nothing else holds it */
	rs.sb = NULL;
	rs.stage = 4;
	return READY;
}

/*
 * Read the whole of the program at path on the disk (relative to its
 * root: it is not the root yet) once, so its blocks stay cached; 0, -errno
 * if it is missing, no executable or unreadable, -ERESTART_PARK while it
 * is read.
 */
static int prefetch(struct inode *root, const char *path)
{
	while (*path == '/')
		path++;
	struct inode *ip;
	int r = vfs_lookup(root, path, LOOKUP_FOLLOW, &ip);
	if (r < 0)
		return r;
	if (!S_ISREG(ip->mode) || vfs_permission(ip, MAY_EXEC, cur_cred()) < 0) {
		inode_put(ip);
		return -EACCES;
	}
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
	return n < 0 ? (int)n : off ? 0 : -ENOEXEC;
}

enum poll_result ext2_root_step(void)
{
	if (!opts.root[0] || rs.stage == 4)
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
			rs.dev = NULL;
			res = give_up("no /dev directory on the disk", r);
			goto out;
		}
		rs.stage = 2;
	}
	if (rs.stage == 2) {
		r = prefetch(rs.sb->root, opts.init);
		if (r == -ERESTART_PARK)
			goto park;
		if (r < 0) {
			pr_err("ext2: root=%s: cannot read init %s there\n", opts.root, opts.init);
			res = give_up("no init to start on the disk", r);
			goto out;
		}
		rs.stage = 3;
	}
	if (rs.stage == 3) {
		if (vfs_switch_root(rs.sb) < 0 || devfs_mount(rs.dev) < 0)
			panic("ext2: cannot make the disk the root with devfs on /dev");
		inode_put(rs.dev);
		rs.dev = NULL;
		pr_info("ext2: root file system on %s\n", opts.root);
		rs.stage = 4;
	}
out:
	return res;
park:
	return PENDING;
}
