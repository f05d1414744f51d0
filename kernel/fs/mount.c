/*
 * The mount table: which file system's root covers which directory. A
 * path walk steps onto a mounted root when it reaches a directory marked
 * I_MOUNTED, and back to the covered directory when `..` leaves a root
 * marked I_MOUNTROOT. mount_lock guards the list; entries hold references
 * to both inodes, so a walk that finds an entry can take its own.
 */
#include "fs/notify.h"
#include "dev/blk.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct mount {
	struct list_node node;     /* [m] in mounts, newest first */
	struct superblock *sb;     /* [I] */
	struct inode *root;        /* [I] a reference to sb->root */
	struct inode *mountpoint;  /* [I] a reference; NULL for the root file system */
};

static struct spinlock mount_lock = SPINLOCK_INIT;
static struct list_node mounts = LIST_INIT(mounts); /* [m] */
static struct inode *root_dir;                      /* [I after boot] */

static int add_mount(struct superblock *sb, struct inode *mp)
{
	struct mount *m = knew(struct mount);
	if (!m)
		return -ENOMEM;
	m->sb = sb;
	m->root = inode_get(sb->root);
	m->mountpoint = mp ? inode_get(mp) : NULL;
	spin_lock(&mount_lock);
	if (mp && (__atomic_load_n(&mp->flags, __ATOMIC_ACQUIRE) & I_MOUNTED)) {
		/* One file system per directory: stacking would hide the first for good. */
		spin_unlock(&mount_lock);
		inode_put(m->root);
		inode_put(m->mountpoint);
		kfree(m);
		return -EBUSY;
	}
	list_push_front(&mounts, &m->node);
	__atomic_or_fetch(&sb->root->flags, I_MOUNTROOT, __ATOMIC_RELEASE);
	if (mp)
		__atomic_or_fetch(&mp->flags, I_MOUNTED, __ATOMIC_RELEASE);
	spin_unlock(&mount_lock);
	return 0;
}

void vfs_mount_root(struct superblock *sb)
{
	assert(!root_dir);
	if (add_mount(sb, NULL) < 0)
		panic("vfs: no memory to mount the root file system");
	root_dir = inode_get(sb->root);
}

int vfs_switch_root(struct superblock *sb)
{
	/*
	 * Boot only, before any process holds a directory: the old root stays
	 * in the table unreachable (nothing covers it), so no reference dangles.
	 */
	assert(root_dir);
	int r = add_mount(sb, NULL);
	if (r < 0)
		return r;
	struct inode *old = root_dir;
	root_dir = inode_get(sb->root);
	inode_put(old);
	return 0;
}

int vfs_mount(struct superblock *sb, struct inode *mp)
{
	if (!S_ISDIR(mp->mode))
		return -ENOTDIR;
	if (mp == root_dir)
		return -EBUSY; /* a walk never enters the root from above: it could not be seen */
	if (__atomic_load_n(&mp->flags, __ATOMIC_ACQUIRE) & I_TRANSIENT)
		return -EINVAL; /* made afresh by each lookup: a walk would never find the mount */
	return add_mount(sb, mp);
}

struct inode *vfs_root(void)
{
	assert(root_dir);
	return inode_get(root_dir);
}

/* The mount on directory ip, or (by_root) whose root ip is; NULL if none. Under mount_lock. */
static struct mount *find_mount_locked(struct inode *ip, bool by_root)
{
	assert(spin_is_locked(&mount_lock));
	struct list_node *pos;
	list_for_each(pos, &mounts)
	{
		struct mount *m = container_of(pos, struct mount, node);
		if ((by_root ? m->root : m->mountpoint) == ip)
			return m;
	}
	return NULL;
}

struct inode *mount_enter(struct inode *ip)
{
	while (__atomic_load_n(&ip->flags, __ATOMIC_ACQUIRE) & I_MOUNTED) {
		spin_lock(&mount_lock);
		struct mount *m = find_mount_locked(ip, false);
		struct inode *next = m ? inode_get(m->root) : NULL;
		spin_unlock(&mount_lock);
		if (!next)
			break;
		inode_put(ip);
		ip = next;
	}
	return ip;
}

struct inode *mount_leave(struct inode *ip)
{
	while (ip != root_dir && (__atomic_load_n(&ip->flags, __ATOMIC_ACQUIRE) & I_MOUNTROOT)) {
		spin_lock(&mount_lock);
		struct mount *m = find_mount_locked(ip, true);
		struct inode *next = m && m->mountpoint ? inode_get(m->mountpoint) : NULL;
		spin_unlock(&mount_lock);
		if (!next)
			break;
		inode_put(ip);
		ip = next;
	}
	return ip;
}

/*
 * References a mounted root has when nothing uses its file system: the
 * superblock's, the mount entry's and the umount caller's.
 */
#define UMOUNT_IDLE_REFS 3

int vfs_umount(struct inode *ip)
{
	struct mount *found = NULL;
	int r = -EINVAL;
	/*
	 * Watches do not keep a file system busy (as on Linux): they end
	 * first, with IN_UNMOUNT, and let go of its inodes. A umount that
	 * fails for another reason has ended them all the same.
	 */
	if (vfs_notify_any()) {
		spin_lock(&mount_lock);
		struct mount *m = find_mount_locked(ip, true);
		bool mounted = m && m->mountpoint; /* not the root file system */
		spin_unlock(&mount_lock);
		if (mounted)
			notify_umount(ip->sb);
	}
	spin_lock(&mount_lock);
	struct mount *m = find_mount_locked(ip, true);
	if (m && !m->mountpoint) {
		r = -EBUSY; /* the root file system stays */
	} else if (m && __atomic_load_n(&m->sb->active, __ATOMIC_ACQUIRE) > UMOUNT_IDLE_REFS) {
		/*
		 * Every live inode reference counts in sb->active, and an inode
		 * with none is reachable only through one that has one, so no
		 * walk can enter this file system once the entry is gone.
		 */
		r = -EBUSY;
	} else if (m) {
		list_remove(&m->node);
		__atomic_and_fetch(&m->mountpoint->flags, ~(u32)I_MOUNTED, __ATOMIC_RELEASE);
		__atomic_and_fetch(&m->root->flags, ~(u32)I_MOUNTROOT, __ATOMIC_RELEASE);
		found = m;
		r = 0;
	}
	spin_unlock(&mount_lock);
	inode_put(ip);
	if (!found)
		return r;
	struct superblock *sb = found->sb;
	inode_put(found->root);
	inode_put(found->mountpoint);
	kfree(found);
	if (sb->destroy)
		sb->destroy(sb);
	return 0;
}

u32 vfs_disk_mounts(struct inode **roots, u32 max)
{
	u32 n = 0;
	spin_lock(&mount_lock);
	struct list_node *pos;
	list_for_each(pos, &mounts)
	{
		struct mount *m = container_of(pos, struct mount, node);
		if (m->sb->disk && n < max)
			roots[n++] = inode_get(m->root); /* umount finds it busy while held */
	}
	spin_unlock(&mount_lock);
	return n;
}

/* /proc/mounts's lines, or with info /proc/<pid>/mountinfo's (ids by age, from 21 as Linux's). */
static ssize_t mounts_text(char *buf, size_t len, bool info)
{
	/* Snapshot the entries (with references) first: naming a directory takes other locks. */
	enum { MAX_LISTED = 64 };
	struct inode *dirs[MAX_LISTED];
	struct superblock *sbs[MAX_LISTED];
	size_t n = 0;
	struct inode *root = vfs_root();
	struct superblock *root_sb = root->sb;
	inode_put(root);
	spin_lock(&mount_lock);
	struct list_node *pos;
	for (pos = mounts.prev; pos != &mounts && n < MAX_LISTED; pos = pos->prev) {
		struct mount *m = container_of(pos, struct mount, node);
		if (!m->mountpoint && m->sb != root_sb)
			continue; /* a root given up for another (root=): not in this tree */
		dirs[n] = m->mountpoint ? inode_get(m->mountpoint) : NULL;
		sbs[n++] = m->sb; /* its [I] fields only, while dirs[] holds the mount */
	}
	spin_unlock(&mount_lock);
	char *path = kmalloc(PATH_MAX);
	ssize_t used = path ? 0 : -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* A directory on a disk may have to be read to be named: park once, stop. */
		ssize_t r = used >= 0 && dirs[i] ? vfs_getcwd(dirs[i], path, PATH_MAX) : 1;
		if (r == -ERESTART_PARK || r == -ENOMEM)
			used = r;
		/* r <= 0 otherwise: not reachable from the root (left behind by a root switch). */
		if (used >= 0 && r > 0) {
			struct superblock *sb = sbs[i];
			char src[sizeof sb->disk->name + 5]; /* "/dev/" and the device's name */
			if (sb->disk)
				snprintf(src, sizeof src, "/dev/%s", sb->disk->name);
			u32 mf = sb_mnt_flags(sb);
			char opts[32];
			snprintf(opts, sizeof opts, "%s%s%s%s", sb->rdonly ? "ro" : "rw",
				 mf & SB_NOSUID ? ",nosuid" : "", mf & SB_NODEV ? ",nodev" : "",
				 mf & SB_NOEXEC ? ",noexec" : "");
			int w;
			if (info) {
				size_t parent = i;
				for (size_t j = 0; dirs[i] && j < i; j++)
					if (sbs[j] == dirs[i]->sb)
						parent = j; /* the latest mount of the fs it sits on */
				w = snprintf(buf + used, len - (size_t)used,
					     "%zu %zu %u:%u / %s %s,relatime - %s %s %s\n", 21 + i, 21 + parent,
					     dev_major(sb->dev), dev_minor(sb->dev), dirs[i] ? path : "/",
					     opts, sb->fstype, sb->disk ? src : sb->fstype,
					     sb->rdonly ? "ro" : "rw");
			} else {
				w = snprintf(buf + used, len - (size_t)used, "%s %s %s %s 0 0\n",
					     sb->disk ? src : sb->fstype, dirs[i] ? path : "/", sb->fstype,
					     opts);
			}
			if (w > 0)
				used = (ssize_t)MIN(len - 1, (size_t)used + (size_t)w);
		}
		inode_put(dirs[i]);
	}
	kfree(path);
	return used;
}

ssize_t vfs_mounts_text(char *buf, size_t len)
{
	return mounts_text(buf, len, false);
}

ssize_t vfs_mountinfo_text(char *buf, size_t len)
{
	return mounts_text(buf, len, true);
}
