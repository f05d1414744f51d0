/*
 * mount, umount2, statfs and fstatfs. The file systems a user may mount
 * are found by their type name (tmpfs, ramfs, proc, ext2: fstype.c); the
 * mount table itself is mount.c's. Mounting and unmounting need
 * CAP_SYS_ADMIN: a mount can hide any directory.
 */
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "fs/vfs.h"
#include "fs/bcache.h"
#include "fs/devfs.h"
#include "sched/park.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* mount(2) flags Ferry looks at (the rest are accepted and ignored). */
#define MS_RDONLY  0x1
#define MS_NOSUID  0x2
#define MS_NODEV   0x4
#define MS_NOEXEC  0x8
#define MS_REMOUNT 0x20
#define MS_BIND    0x1000
#define MS_MOVE    0x2000

/* umount2(2) flags */
#define MNT_FORCE       0x1
#define MNT_DETACH      0x2
#define MNT_EXPIRE      0x4
#define UMOUNT_NOFOLLOW 0x8

#define FSTYPE_MAX 32

static long copy_string(u64 ustr, char *buf, size_t len)
{
	long n = strncpy_from_domain(cur_dom(), buf, ustr, len);
	return n == -ENAMETOOLONG ? -ENODEV : n; /* no type name is that long */
}

static int lookup_dir(u64 upath, unsigned lflags, struct inode **out)
{
	char *path;
	long r = fs_copy_path(upath, &path);
	if (r < 0)
		return (int)r;
	struct inode *cwd = fs_cwd_get();
	r = vfs_lookup(cwd, path, lflags, out);
	inode_put(cwd);
	kfree(path);
	return (int)r;
}

#define OPTIONS_MAX 4096 /* mount(2)'s data: Linux copies one page */

/* mount(2)'s data as a string, or NULL for none; -EFAULT, -EINVAL (no end in a page). */
static long copy_options(u64 udata, char **out)
{
	*out = NULL;
	if (!udata)
		return 0;
	char *s = kmalloc(OPTIONS_MAX);
	if (!s)
		return -ENOMEM;
	long n = strncpy_from_domain(cur_dom(), s, udata, OPTIONS_MAX);
	if (n < 0) {
		kfree(s);
		return n == -ENAMETOOLONG ? -EINVAL : n;
	}
	*out = s;
	return 0;
}

/*
 * mount -o remount: the file system whose root dir is changes its options
 * and read-only state; one that has no remount of its own takes only what
 * it has already.
 */
static int remount(struct inode *dir, u64 flags, const char *options)
{
	if (!(__atomic_load_n(&dir->flags, __ATOMIC_ACQUIRE) & I_MOUNTROOT))
		return -EINVAL; /* not a mount */
	struct superblock *sb = dir->sb;
	bool rdonly = flags & MS_RDONLY;
	if (sb->remount)
		return sb->remount(sb, rdonly, options);
	if ((options && *options) || rdonly != __atomic_load_n(&sb->rdonly, __ATOMIC_RELAXED)) {
		syscall_unsupported("remount of this file system type");
		return -EINVAL;
	}
	return 0;
}

/*
 * mount(source, target, type, flags, data): source names the disk for
 * ext2 and means nothing to memory file systems; data is the type's
 * options ("size=1m" for tmpfs). Mounting ext2 reads the disk and may
 * park: the call then runs again from the start, and nothing is mounted
 * until every block it needs is in.
 */
/* What a superblock keeps of mount(2)'s flags. */
static u32 sb_flags_of(u64 flags)
{
	return (flags & MS_NOSUID ? SB_NOSUID : 0) | (flags & MS_NODEV ? SB_NODEV : 0) |
	       (flags & MS_NOEXEC ? SB_NOEXEC : 0);
}

/*
 * A mount source that is a block-device node (any name, any file system:
 * /dev/loop0, a node made by mknod): the device's own name, which the
 * file system finds it by, in *name (kmalloc'd). 0 with *name NULL when
 * the source is no such node (the file system looks for it by name);
 * -ENXIO for a node no driver has; -ERESTART_PARK while the device's
 * cached blocks are written out and dropped, on the call's first run only,
 * so that what was written through the device file in other block sizes
 * (mkfs) is what the mount reads.
 */
static long source_device(const char *source, char **name)
{
	*name = NULL;
	struct inode *cwd = fs_cwd_get(), *ip;
	int r = vfs_lookup(cwd, source, LOOKUP_FOLLOW, &ip);
	inode_put(cwd);
	if (r < 0)
		return r == -ERESTART_PARK ? r : 0;
	struct blk_dev *d = S_ISBLK(ip->mode) ? devfs_disk(ip->rdev) : NULL;
	bool blk = S_ISBLK(ip->mode);
	inode_put(ip);
	if (!blk)
		return 0;
	if (!d)
		return -ENXIO;
	if (!park_progress() && !__atomic_load_n(&d->claimed, __ATOMIC_ACQUIRE)) {
		long s = bcache_settle_thread(d);
		if (s < 0)
			return s;
		park_save_progress(1);
	}
	*name = kmalloc(sizeof d->name + 5);
	if (!*name)
		return -ENOMEM;
	snprintf(*name, sizeof d->name + 5, "/dev/%s", d->name);
	return 0;
}

SYSCALL(NR_mount, mount)
{
	u64 flags = a3;
	if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EPERM;
	if (flags & (MS_BIND | MS_MOVE)) {
		syscall_unsupported(flags & MS_BIND ? "MS_BIND" : "MS_MOVE");
		return -EINVAL;
	}
	char *options;
	long ro = copy_options(a4, &options);
	if (ro < 0)
		return ro;
	struct inode *dir;
	int r = lookup_dir(a1, LOOKUP_FOLLOW, &dir);
	if (r < 0) {
		kfree(options);
		return r;
	}
	if (!S_ISDIR(dir->mode)) {
		inode_put(dir);
		kfree(options);
		return -ENOTDIR;
	}
	if (flags & MS_REMOUNT) {
		r = remount(dir, flags, options);
		/* nosuid, nodev and noexec change with it. */
		if (r == 0)
			__atomic_store_n(&dir->sb->mnt_flags, sb_flags_of(flags), __ATOMIC_RELAXED);
		inode_put(dir);
		kfree(options);
		return r;
	}
	char type[FSTYPE_MAX];
	long n = a2 ? copy_string(a2, type, sizeof type) : -EINVAL;
	const struct fstype *ft = n >= 0 ? fstype_find(type) : NULL;
	struct superblock *sb = NULL;
	char *source = NULL;
	if (n < 0)
		r = (int)n;
	else if (!ft)
		r = -ENODEV;
	else
		r = a0 ? (int)fs_copy_path(a0, &source) : 0;
	if (ft && r >= 0 && source) {
		char *dev;
		long d = source_device(source, &dev);
		if (d < 0) {
			r = (int)d;
		} else if (dev) {
			kfree(source);
			source = dev;
		}
	}
	if (ft && r >= 0) {
		r = ft->mount(source, flags & MS_RDONLY, options, &sb);
		if (r == -ENOENT && source) {
			/* Not a disk: a file that is not one is ENOTBLK, as on Linux. */
			struct inode *cwd = fs_cwd_get(), *src;
			if (vfs_lookup(cwd, source, LOOKUP_FOLLOW, &src) == 0) {
				r = -ENOTBLK;
				inode_put(src);
			}
			inode_put(cwd);
			pr_err("%s: cannot mount %s: %s\n", ft->name, source,
			       r == -ENOTBLK ? "not a disk" : "no such disk");
		}
	}
	kfree(source);
	kfree(options);
	if (r == 0) {
		sb->mnt_flags = sb_flags_of(flags);
		r = vfs_mount(sb, dir);
		if (r < 0)
			sb->destroy(sb);
	}
	if (r < 0 && r != -ERESTART_PARK && n >= 0)
		pr_info("mount: %s on a directory: error %d\n", type, -r);
	inode_put(dir);
	return r;
}

SYSCALL(NR_umount2, umount2)
{
	a1 = (u32)a1; /* int flags */
	if (a1 & ~(u64)(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EPERM; /* after the flags, as Linux's ksys_umount */
	if ((a1 & MNT_EXPIRE) && (a1 & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	struct inode *ip;
	int r = lookup_dir(a0, (a1 & UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &ip);
	if (r < 0)
		return r;
	/*
	 * A disk file system's changes go to the disk before umount returns,
	 * as on Linux; syncing first keeps the call restartable (it parks and
	 * runs again until the disk holds everything, then unmounts).
	 */
	struct blk_dev *dev = (ip->flags & I_MOUNTROOT) ? ip->sb->disk : NULL;
	if (dev) {
		long s = vfs_sync_unmount(ip->sb);
		if (s < 0) {
			inode_put(ip);
			return s;
		}
	}
	return vfs_umount(ip); /* consumes ip */
}

/* struct statfs of x86-64 Linux (asm-generic/statfs.h with 64-bit longs). */
struct linux_statfs {
	i64 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	i32 f_fsid[2];
	i64 f_namelen, f_frsize, f_flags;
	i64 f_spare[4];
};

#define ST_VALID 0x20 /* f_flags is filled in */

static const struct {
	const char *type;
	i64 magic;
} magics[] = {
	{"tmpfs", 0x01021994},  /* TMPFS_MAGIC */
	{"devfs", 0x01021994},  /* devtmpfs reports tmpfs's */
	{"ramfs", 0x858458f6},  /* RAMFS_MAGIC */
	{"rootfs", 0x858458f6},
	{"proc", 0x9fa0},       /* PROC_SUPER_MAGIC */
	{"sysfs", 0x62656572},  /* SYSFS_MAGIC */
};

static long put_statfs(struct inode *ip, u64 ubuf)
{
	struct superblock *sb = ip->sb;
	struct linux_statfs st = {0};
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (strcmp(sb->fstype, magics[i].type) == 0)
			st.f_type = magics[i].magic;
	st.f_bsize = st.f_frsize = PAGE_SIZE;
	st.f_namelen = NAME_MAX;
	st.f_flags = ST_VALID;
	st.f_fsid[0] = (i32)sb->dev;
	if (sb->usage) {
		struct fs_usage u = {0};
		sb->usage(sb, &u);
		st.f_type = u.magic;
		st.f_bsize = st.f_frsize = u.bsize;
		st.f_blocks = u.blocks;
		st.f_bfree = u.bfree;
		st.f_bavail = u.bavail;
		st.f_files = u.files;
		st.f_ffree = u.ffree;
	} else if (strcmp(sb->fstype, "proc") != 0 && strcmp(sb->fstype, "sysfs") != 0) {
		/* Memory file systems share all of RAM: its size and what is free now. */
		st.f_blocks = buddy_total_pages();
		st.f_bfree = st.f_bavail = buddy_free_pages();
		/* Inodes are limited by memory alone; report one per free page, as tmpfs's default. */
		st.f_files = st.f_blocks;
		st.f_ffree = st.f_bfree;
	}
	return copy_to_domain(cur_dom(), ubuf, &st, sizeof st) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_statfs, statfs)
{
	struct inode *ip;
	int r = lookup_dir(a0, LOOKUP_FOLLOW, &ip);
	if (r < 0)
		return r;
	long rr = put_statfs(ip, a1);
	inode_put(ip);
	return rr;
}

SYSCALL(NR_fstatfs, fstatfs)
{
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	long r = put_statfs(f->ip, a1);
	file_put(f);
	return r;
}
