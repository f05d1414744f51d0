/*
 * devfs (see devfs.h): a ramfs populated with Linux's device numbers,
 * with a tmpfs on /dev/shm.
 */
#include "fs/devfs.h"
#include "fs/ramfs.h"
#include "dev/blk.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static const struct {
	const char *name;
	u32 mode, major, minor;
} nodes[] = {
	{"console", S_IFCHR | 0600, 5, 1},
	{"tty", S_IFCHR | 0666, 5, 0},
	{"null", S_IFCHR | 0666, 1, 3},
	{"zero", S_IFCHR | 0666, 1, 5},
	{"full", S_IFCHR | 0666, 1, 7},
	{"random", S_IFCHR | 0666, 1, 8},
	{"urandom", S_IFCHR | 0666, 1, 9},
	{"loop-control", S_IFCHR | 0600, 10, 237},
};

static const struct {
	const char *name, *target;
} links[] = {
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
	{"fd", "/proc/self/fd"},
};

kdev_t devfs_disk_rdev(const struct blk_dev *d)
{
	return mkdev(d->major, d->minor);
}

struct blk_dev *devfs_disk(kdev_t rdev)
{
	return blk_find(dev_major(rdev), dev_minor(rdev));
}

/* A node for each block device in dir (a devfs root) that has none yet. */
static void add_disks(struct inode *dir)
{
	struct blk_dev *d;
	for (u32 i = 0; i < BLK_MAX_TABLE; i++) {
		if (!(d = blk_table_get(i)))
			continue;
		int r = vfs_mknodat(dir, d->name, S_IFBLK | 0660, mkdev(d->major, d->minor));
		if (r < 0 && r != -EEXIST)
			pr_err("devfs: cannot create %s (error %d)\n", d->name, -r);
	}
}

/* The root's /dev, referenced, or NULL. */
static struct inode *root_dev(void)
{
	struct inode *root = vfs_root(), *dev = NULL;
	if (vfs_lookup(root, "/dev", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dev) < 0)
		dev = NULL;
	inode_put(root);
	return dev;
}

void devfs_add_disks(void)
{
	struct inode *dev = root_dev();
	if (dev) {
		add_disks(dev);
		inode_put(dev);
	}
}

void devfs_remove_node(const char *name, kdev_t rdev)
{
	struct inode *dev = root_dev(), *ip;
	if (!dev)
		return;
	/* Only the node devfs made: a file of the same name the user put there stays. */
	if (vfs_lookup(dev, name, 0, &ip) == 0) {
		bool ours = S_ISBLK(ip->mode) && ip->rdev == rdev;
		inode_put(ip);
		if (ours)
			vfs_unlinkat(dev, name, false);
	}
	inode_put(dev);
}

struct superblock *devfs_create(void)
{
	struct superblock *sb = ramfs_create("devfs");
	if (!sb)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		int r = vfs_mknodat(sb->root, nodes[i].name, nodes[i].mode,
				    mkdev(nodes[i].major, nodes[i].minor));
		if (r < 0) {
			pr_err("devfs: cannot create %s (error %d)\n", nodes[i].name, -r);
			return NULL; /* only at boot, out of memory: not worth unwinding */
		}
	}
	add_disks(sb->root);
	/* The standard streams by name, through procfs's links to open files, as udev makes them. */
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		int r = vfs_symlinkat(links[i].target, sb->root, links[i].name);
		if (r < 0) {
			pr_err("devfs: cannot create %s (error %d)\n", links[i].name, -r);
			return NULL;
		}
	}
	return sb;
}

int devfs_mount(struct inode *dir)
{
	struct superblock *devfs = devfs_create();
	if (!devfs)
		return -ENOMEM;
	int r = vfs_mount(devfs, dir);
	if (r < 0) {
		devfs->destroy(devfs);
		return r;
	}
	/* POSIX shared memory's files live in /dev/shm, a tmpfs as on Linux (mode 1777). */
	struct superblock *shm = ramfs_create("tmpfs");
	struct inode *d = NULL;
	r = shm ? vfs_mkdirat(devfs->root, "shm", 01777) : -ENOMEM;
	if (r == 0)
		r = vfs_lookup(devfs->root, "shm", LOOKUP_DIRECTORY, &d);
	if (r == 0) {
		shm->root->mode = S_IFDIR | 01777;
		r = vfs_mount(shm, d);
	}
	inode_put(d);
	if (r < 0) {
		pr_err("devfs: cannot mount a tmpfs on /dev/shm (error %d)\n", -r);
		if (shm)
			shm->destroy(shm);
	}
	return 0;
}
