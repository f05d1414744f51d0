/*
 * File-change notification: where the VFS says what happened to an inode
 * (a name made or removed in a directory, a file read, written, opened,
 * closed, its attributes changed), for inotify (event/inotify.c) to
 * deliver to the watches on it. inotify sits above the file system: it
 * registers its functions at boot (vfs_notify_register) and owns the
 * watch lists, which inode.watches heads under its own lock.
 *
 * While nobody watches anything (vfs_notify_watches is 0) every hook is a
 * load and a test. The masks are Linux's inotify bits.
 */
#pragma once

#include "lib/types.h"

struct inode;
struct file;
struct superblock;

#define IN_ACCESS        0x00000001
#define IN_MODIFY        0x00000002
#define IN_ATTRIB        0x00000004
#define IN_CLOSE_WRITE   0x00000008
#define IN_CLOSE_NOWRITE 0x00000010
#define IN_OPEN          0x00000020
#define IN_MOVED_FROM    0x00000040
#define IN_MOVED_TO      0x00000080
#define IN_CREATE        0x00000100
#define IN_DELETE        0x00000200
#define IN_DELETE_SELF   0x00000400
#define IN_MOVE_SELF     0x00000800
#define IN_ALL_EVENTS    0x00000fff
#define IN_UNMOUNT       0x00002000
#define IN_Q_OVERFLOW    0x00004000
#define IN_IGNORED       0x00008000
#define IN_ONLYDIR       0x01000000
#define IN_DONT_FOLLOW   0x02000000
#define IN_EXCL_UNLINK   0x04000000
#define IN_MASK_CREATE   0x10000000
#define IN_MASK_ADD      0x20000000
#define IN_ISDIR         0x40000000
#define IN_ONESHOT       0x80000000

/* inotify's limits, Linux's defaults (/proc/sys/fs/inotify; max_user_watches: its floor). */
#define INOTIFY_MAX_QUEUED_EVENTS 16384
#define INOTIFY_MAX_USER_INSTANCES 128
#define INOTIFY_MAX_USER_WATCHES 8192

/* What inotify gives the VFS (event/inotify.c). */
struct vfs_notifier {
	/*
	 * mask happened to ip; or, with a name (len bytes), to the child of
	 * that name in the directory ip (child: its inode, when known);
	 * cookie pairs a rename's two halves.
	 */
	void (*event)(struct inode *ip, u32 mask, struct inode *child, const char *name, size_t len,
		      u32 cookie);
	/* sb goes away: its watches end (IN_UNMOUNT, IN_IGNORED) and let go of its inodes. */
	void (*umount)(struct superblock *sb);
};
void vfs_notify_register(const struct vfs_notifier *n);

/* [a] watches anywhere, kept by inotify: the hooks' fast test. */
extern u32 vfs_notify_watches;

static inline bool vfs_notify_any(void)
{
	return __atomic_load_n(&vfs_notify_watches, __ATOMIC_RELAXED) != 0;
}

/* ---- the hooks (notify.c) ---- */

/* mask on ip's own watches. */
void notify_inode(struct inode *ip, u32 mask);
/* mask about the child name of dir (IN_ISDIR added for a directory child), on dir's watches. */
void notify_child(struct inode *dir, struct inode *child, u32 mask, const char *name, size_t len,
		  u32 cookie);
/* A name was made in dir (create, mkdir, mknod, symlink, link). */
void notify_created(struct inode *dir, struct inode *child, const char *name, size_t len);
/* The name of victim in dir is gone (unlink, rmdir, or replaced by a rename). */
void notify_removed(struct inode *dir, struct inode *victim, const char *name, size_t len);
/* One of victim's names is gone (its watches hear IN_ATTRIB, IN_DELETE_SELF with the last). */
void notify_removed_self(struct inode *victim);
/* ip moved from name in odir to nname in ndir. */
void notify_moved(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		  const char *nname, size_t nlen, struct inode *ip);
/* A content event of an open file (IN_ACCESS, IN_MODIFY, IN_OPEN, IN_CLOSE_*): its inode, and
 * the directory it was opened in with its name. */
void notify_file(struct file *f, u32 mask);
/* At open: remember the directory f was opened in (while anything is watched), for notify_file. */
void notify_file_opened(struct file *f, struct inode *start, const char *path);
/* sb is being unmounted. */
void notify_umount(struct superblock *sb);
