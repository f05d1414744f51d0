/*
 * File-change notification hooks (notify.h): the VFS's side. Each hook
 * returns at once while nothing is watched anywhere; else it passes the
 * event to the registered notifier (inotify), which looks at the
 * inode's own watches under its lock.
 */
#include "fs/notify.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "lib/kernel.h"

u32 vfs_notify_watches;
static const struct vfs_notifier *notifier; /* [I after boot] */

void vfs_notify_register(const struct vfs_notifier *n)
{
	assert(!notifier);
	notifier = n;
}

/* Is anything watching ip? Only a hint: the notifier decides under its lock. */
static bool watched(struct inode *ip)
{
	return ip && __atomic_load_n(&ip->watches, __ATOMIC_RELAXED);
}

void notify_inode(struct inode *ip, u32 mask)
{
	if (!vfs_notify_any() || !watched(ip))
		return;
	notifier->event(ip, mask | (S_ISDIR(ip->mode) ? IN_ISDIR : 0), NULL, NULL, 0, 0);
}

void notify_child(struct inode *dir, struct inode *child, u32 mask, const char *name, size_t len,
		  u32 cookie)
{
	if (!vfs_notify_any() || !watched(dir))
		return;
	if (child && S_ISDIR(child->mode))
		mask |= IN_ISDIR;
	notifier->event(dir, mask, child, name, len, cookie);
}

void notify_created(struct inode *dir, struct inode *child, const char *name, size_t len)
{
	notify_child(dir, child, IN_CREATE, name, len, 0);
}

void notify_removed(struct inode *dir, struct inode *victim, const char *name, size_t len)
{
	if (!vfs_notify_any())
		return;
	notify_child(dir, victim, IN_DELETE, name, len, 0);
	notify_removed_self(victim);
}

void notify_removed_self(struct inode *victim)
{
	if (!vfs_notify_any())
		return;
	/* A file's link count changed; with its last name gone it is deleted (as Linux, in order). */
	if (!S_ISDIR(victim->mode))
		notify_inode(victim, IN_ATTRIB);
	if (!__atomic_load_n(&victim->nlink, __ATOMIC_RELAXED) || S_ISDIR(victim->mode))
		notify_inode(victim, IN_DELETE_SELF);
}

void notify_moved(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		  const char *nname, size_t nlen, struct inode *ip)
{
	if (!vfs_notify_any())
		return;
	static u32 cookies;
	u32 cookie = __atomic_add_fetch(&cookies, 1, __ATOMIC_RELAXED);
	if (!cookie)
		cookie = __atomic_add_fetch(&cookies, 1, __ATOMIC_RELAXED); /* 0 means unpaired */
	notify_child(odir, ip, IN_MOVED_FROM, oname, olen, cookie);
	notify_child(ndir, ip, IN_MOVED_TO, nname, nlen, cookie);
	notify_inode(ip, IN_MOVE_SELF);
}

void notify_file(struct file *f, u32 mask)
{
	if (!vfs_notify_any())
		return;
	notify_inode(f->ip, mask);
	if (f->parent)
		notify_child(f->parent, f->ip, mask, f->leaf, strlen(f->leaf), 0);
}

void notify_file_opened(struct file *f, struct inode *start, const char *path)
{
	/*
	 * Events of a file opened while nothing was watched never reach a
	 * watch put on its directory later: the price of a free open while
	 * inotify is unused. Linux follows the file's directory entry.
	 */
	if (!vfs_notify_any() || !path || !path[0])
		return;
	struct nameidata nd;
	if (path_walk(start, path, LOOKUP_PARENT | LOOKUP_FOLLOW, &nd) < 0)
		return;
	if (nd.last_type == LAST_NORM && nd.ip == f->ip) {
		char *leaf = kmalloc(nd.last_len + 1);
		if (leaf) {
			memcpy(leaf, nd.last, nd.last_len + 1);
			f->leaf = leaf;
			f->parent = inode_get(nd.dir);
		}
	}
	nd_put(&nd);
}

void notify_umount(struct superblock *sb)
{
	if (vfs_notify_any())
		notifier->umount(sb);
}
