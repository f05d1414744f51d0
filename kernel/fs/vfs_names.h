/*
 * The name space half of the virtual file system (see vfs.h, whose lock
 * tags and rules hold here too): the mount table (mount.c), path lookup
 * (path.c), the operations on names (namei.c) and the names of open
 * files (fdpath.c). Split from vfs.h for its size; vfs.h includes it, so
 * its users see one interface as before.
 */
#pragma once

#include "fs/vfs.h"

/* ---- mounts (mount.c) ---- */

/* Make sb the root file system (once, at boot). */
void vfs_mount_root(struct superblock *sb);
/* Make sb the root instead (boot, before the first process: a disk root replacing the initrd's). */
int vfs_switch_root(struct superblock *sb);
/* Mount sb on the directory mp. -EBUSY if something is mounted there already. */
int vfs_mount(struct superblock *sb, struct inode *mp);
/*
 * Unmount the file system whose root is ip (the caller's reference is
 * consumed): -EINVAL if ip is no mounted root, -EBUSY for the root file
 * system or while anything else holds an inode of it (a cwd, an open
 * file, a mount on one of its directories). Then sb->destroy runs.
 */
int vfs_umount(struct inode *ip);
/*
 * One line per mount for /proc/mounts, oldest first: "SRC DIR TYPE rw 0 0\n";
 * bytes written, or -ERESTART_PARK (parked) while a directory's name is read.
 */
ssize_t vfs_mounts_text(char *buf, size_t len);
/* The same as /proc/<pid>/mountinfo's lines (mountinfo(5)). */
ssize_t vfs_mountinfo_text(char *buf, size_t len);
/* A new reference to the root directory. */
struct inode *vfs_root(void);
/* ip (consumed) or, if something is mounted on it, the mounted root (a new reference). */
struct inode *mount_enter(struct inode *ip);
/* The directory ip is mounted on, if ip is a mounted root (consumed); else ip. */
struct inode *mount_leave(struct inode *ip);

/* ---- path lookup (path.c) ---- */

enum {
	LOOKUP_FOLLOW = 1 << 0,    /* follow a symlink in the last component */
	LOOKUP_DIRECTORY = 1 << 1, /* the result must be a directory */
	LOOKUP_EMPTY = 1 << 2,     /* "" names the start directory (AT_EMPTY_PATH) */
	LOOKUP_PARENT = 1 << 3,    /* stop at the last component's directory */
	/* openat2(2)'s RESOLVE_* rules */
	LOOKUP_NO_SYMLINKS = 1 << 4,   /* any symlink on the way: ELOOP */
	LOOKUP_NO_MAGICLINKS = 1 << 5, /* a /proc/<pid>/fd link: ELOOP */
	LOOKUP_BENEATH = 1 << 6,       /* never above the start (absolute, "..", links): EXDEV */
	LOOKUP_IN_ROOT = 1 << 7,       /* the start is the root for this lookup */
	LOOKUP_NO_XDEV = 1 << 8,       /* never onto another file system: EXDEV */
};

enum { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

struct nameidata {
	struct inode *dir;      /* LOOKUP_PARENT: directory of the last component (a reference) */
	struct inode *ip;       /* the inode found (a reference); NULL if the last is missing */
	char last[NAME_MAX + 1];/* LOOKUP_PARENT: the last component, NUL-terminated */
	size_t last_len;
	int last_type;          /* LAST_* */
	bool trailing_slash;    /* the path ended in '/' after the last component */
};

/*
 * Resolve path (a kernel string) from start (relative paths; absolute ones
 * start at the root). Without LOOKUP_PARENT the result is nd->ip; with it,
 * nd->dir and nd->last, and nd->ip when the last component exists (after
 * following it when LOOKUP_FOLLOW is given: open with O_CREAT creates a
 * dangling symlink's target). On error nothing is held.
 */
int path_walk(struct inode *start, const char *path, unsigned flags, struct nameidata *nd);
void nd_put(struct nameidata *nd);
/* Convenience: resolve to one inode (a reference). */
int vfs_lookup(struct inode *start, const char *path, unsigned flags, struct inode **out);

/* ---- namespace operations (namei.c): start as for path_walk ---- */

/* mode: permission bits after umask. On success *out holds a new open file. */
int vfs_openat(struct inode *start, const char *path, int flags, u32 mode, struct file **out);
/* The same with extra lookup rules (LOOKUP_NO_SYMLINKS...: openat2's RESOLVE_* flags). */
int vfs_openat_resolve(struct inode *start, const char *path, int flags, u32 mode, unsigned rules,
		       struct file **out);
/* An already-resolved inode opened with open(2) flags (the O_CREAT part done). */
int vfs_open_inode(struct inode *ip, int flags, struct file **out);
int vfs_mknodat(struct inode *start, const char *path, u32 mode, kdev_t rdev);
/* The same, with a reference to the new inode in *out (a socket's name, bind(2)). */
int vfs_mknodat_get(struct inode *start, const char *path, u32 mode, kdev_t rdev,
		    struct inode **out);
int vfs_mkdirat(struct inode *start, const char *path, u32 mode);
int vfs_symlinkat(const char *target, struct inode *start, const char *path);
int vfs_linkat(struct inode *ostart, const char *opath, struct inode *nstart, const char *npath,
	       unsigned lookup_flags);
int vfs_unlinkat(struct inode *start, const char *path, bool rmdir);
int vfs_renameat(struct inode *ostart, const char *opath, struct inode *nstart,
		 const char *npath, unsigned flags);
/* The target of a symlink, not NUL-terminated; bytes copied. */
ssize_t vfs_readlinkat(struct inode *start, const char *path, char *buf, size_t len);
/* The absolute path of dir into buf (NUL-terminated); its length with the NUL. */
ssize_t vfs_getcwd(struct inode *dir, char *buf, size_t len);
/*
 * The absolute path of the file path names, every symlink resolved (the
 * last one too): what /proc/<pid>/exe shows. NUL-terminated; its length.
 */
ssize_t vfs_realpath(struct inode *start, const char *path, char *buf, size_t len);
/* Open path for execution: a regular file with an execute bit. */
int vfs_open_exec_at(struct inode *start, const char *path, struct inode **out);

/* ---- what /proc/<pid>/fd shows (fdpath.c) ---- */

/* f was opened as path from start (ignored when path is absolute): remember it. */
void vfs_file_named(struct file *f, const char *path, struct inode *start);
/*
 * A name for f, as readlink of /proc/<pid>/fd/N gives it (no NUL): a
 * directory's path, the absolute form of the path it was opened by, or
 * "pipe:[ino]" and the like for files that have no path. Bytes written.
 */
ssize_t vfs_file_path(struct file *f, char *buf, size_t len);
