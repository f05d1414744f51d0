/*
 * Bringing up the file tree at boot: ramfs as "/", the initrd unpacked
 * into it, devfs on /dev (with a tmpfs on /dev/shm), procfs on /proc,
 * sysfs on /sys and a tmpfs (a ramfs of its own, mode 1777) on /tmp. Runs once on the boot core before any process.
 */
#include "fs/vfs.h"
#include "fs/ramfs.h"
#include "fs/cpio.h"
#include "fs/devfs.h"
#include "fs/fsproc.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "arch/x86_64/rtc.h"


static void unpack_modules(struct inode *root)
{
	if (!boot.nmods) {
		pr_warn("vfs: no initrd module: the root file system is empty\n");
		return;
	}
	/*
	 * Every module that is a newc cpio archive is unpacked, in order
	 * (later files replace earlier ones), so tools can add files with a
	 * second module; anything else is left alone.
	 */
	for (int i = 0; i < boot.nmods; i++) {
		const struct boot_module *m = &boot.mods[i];
		const char *p = phys_to_virt(m->base);
		if (m->size < 6 || memcmp(p, "07070", 5) != 0 || (p[5] != '1' && p[5] != '2')) {
			pr_info("vfs: boot module %d (%lu bytes) is not a cpio archive, skipped\n",
				i, m->size);
			continue;
		}
		struct cpio_result res;
		int r = cpio_unpack(p, m->size, root, &res);
		if (r < 0)
			pr_err("vfs: initrd module %d: %s; unpacking stopped there\n", i, res.msg);
		pr_info("vfs: initrd module %d: %u files, %u directories, %u symlinks, %u nodes, "
			"%u hard links\n",
			i, res.files, res.dirs, res.symlinks, res.nodes, res.hardlinks);
	}
}

/* Mount sb on path (made if missing); boot only. */
static void mount_at(struct inode *root, const char *path, u32 mode, struct superblock *sb)
{
	struct inode *dir = NULL;
	int r = sb ? 0 : -ENOMEM;
	if (r == 0) {
		r = vfs_mkdirat(root, path, mode);
		if (r == -EEXIST)
			r = 0;
	}
	if (r == 0)
		r = vfs_lookup(root, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);
	if (r == 0)
		r = vfs_mount(sb, dir);
	inode_put(dir);
	if (r < 0) {
		pr_err("vfs: cannot mount %s on %s (error %d)\n", sb ? sb->fstype : "?", path, -r);
		if (sb && sb->destroy)
			sb->destroy(sb);
	}
}

void vfs_init(void)
{
	vfs_set_clock(realtime_ns); /* inode times are CLOCK_REALTIME */
	mmap_frames_register(fs_mmap_frames); /* mmap of a descriptor asks its file */
	struct superblock *rootfs = ramfs_create("rootfs");
	if (!rootfs)
		panic("vfs: no memory for the root file system");
	vfs_mount_root(rootfs);
	struct inode *root = vfs_root();
	unpack_modules(root);

	int r = vfs_mkdirat(root, "/dev", 0755);
	if (r < 0 && r != -EEXIST)
		panic("vfs: cannot create /dev (error %d)", -r);
	struct inode *dev;
	if (vfs_lookup(root, "/dev", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dev) < 0)
		panic("vfs: cannot set up /dev");
	r = devfs_mount(dev);
	if (r < 0)
		panic("vfs: cannot mount devfs on /dev (error %d)", -r);
	inode_put(dev);
	/* /proc, /sys and /tmp help but are not vital: a failure is reported, not fatal. */
	const struct fstype *proc = fstype_find("proc");
	struct superblock *procfs = NULL;
	if (proc && proc->mount(NULL, false, NULL, &procfs) < 0)
		procfs = NULL;
	mount_at(root, "/proc", 0555, procfs);
	const struct fstype *sys = fstype_find("sysfs");
	struct superblock *sysfs = NULL;
	if (sys && sys->mount(NULL, false, NULL, &sysfs) < 0)
		sysfs = NULL;
	mount_at(root, "/sys", 0555, sysfs);
	struct superblock *tmp = NULL;
	if (tmpfs_create(NULL, false, &tmp) < 0) /* half of RAM, as Linux's default */
		tmp = NULL;
	mount_at(root, "/tmp", 01777, tmp);
	inode_put(root);
}
