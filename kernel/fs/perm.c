/*
 * File permissions: the POSIX mode bits against the caller's credentials
 * (proc/cred.h), with the capabilities that override them, and the rules
 * built on them that the namespace and attribute calls share: creating
 * in a directory, removing from one (the sticky bit), owning a file, the
 * owner of a new file, the set-ID bits a write or a change of owner
 * clears. Linux's rules throughout (path_resolution(7), inode(7)).
 *
 * An inode's mode and owner are read without its lock: each is one
 * aligned word, and a check that races a chmod answers for the mode
 * before or after it, as on Linux.
 */
#include "fs/vfs.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define S_IXUGO 0111
#define S_IXGRP 0010

static inline u32 read_word(const u32 *w)
{
	return __atomic_load_n(w, __ATOMIC_RELAXED);
}

/* What a capability lets through where the mode bits did not (generic_permission). */
static int override(u32 mode, int mask, const struct cred *c)
{
	if (S_ISDIR(mode)) {
		if (!(mask & MAY_WRITE) && cred_capable(c, CAP_DAC_READ_SEARCH))
			return 0;
		return cred_capable(c, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if (mask == MAY_READ && cred_capable(c, CAP_DAC_READ_SEARCH))
		return 0;
	/* Root executes a file only when someone may: some execute bit is set. */
	if ((!(mask & MAY_EXEC) || (mode & S_IXUGO)) && cred_capable(c, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

int vfs_permission(struct inode *ip, int mask, const struct cred *c)
{
	u32 mode = read_word(&ip->mode);
	u32 bits;
	if (c->fsuid == read_word(&ip->uid))
		bits = mode >> 6;
	else if (cred_in_group(c, read_word(&ip->gid)))
		bits = mode >> 3;
	else
		bits = mode;
	if ((mask & ~bits & 7) == 0)
		return 0;
	return override(mode, mask, c);
}

bool vfs_owner_or_capable(struct inode *ip, const struct cred *c)
{
	return c->fsuid == read_word(&ip->uid) || cred_capable(c, CAP_FOWNER);
}

int vfs_may_create(struct inode *dir, const struct cred *c)
{
	return vfs_permission(dir, MAY_WRITE | MAY_EXEC, c);
}

int vfs_may_delete(struct inode *dir, struct inode *victim, const struct cred *c)
{
	int r = vfs_permission(dir, MAY_WRITE | MAY_EXEC, c);
	if (r < 0)
		return r;
	/* Sticky directory (/tmp): only the file's owner, the directory's, or CAP_FOWNER. */
	if ((read_word(&dir->mode) & S_ISVTX) && c->fsuid != read_word(&victim->uid) &&
	    c->fsuid != read_word(&dir->uid) && !cred_capable(c, CAP_FOWNER))
		return -EPERM;
	return 0;
}

u32 vfs_init_owner(struct inode *ip, struct inode *dir, u32 mode)
{
	const struct cred *c = cur_cred();
	ip->uid = c->fsuid;
	u32 dmode = read_word(&dir->mode);
	if (dmode & S_ISGID) {
		/* A set-group-ID directory gives its group, and its bit to subdirectories. */
		ip->gid = read_word(&dir->gid);
		if (S_ISDIR(mode))
			mode |= S_ISGID;
	} else {
		ip->gid = c->fsgid;
	}
	/* No set-group-ID file for a group its creator is not in (inode_init_owner). */
	if (!S_ISDIR(mode) && (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
	    !cred_in_group(c, ip->gid) && !cred_capable(c, CAP_FSETID))
		mode &= ~(u32)S_ISGID;
	ip->mode = mode;
	return mode;
}

void vfs_owner_is_caller(struct inode *ip)
{
	const struct cred *c = cur_cred();
	ip->uid = c->fsuid;
	ip->gid = c->fsgid;
}

u32 vfs_privs_to_kill(struct inode *ip, const struct cred *c)
{
	u32 mode = read_word(&ip->mode);
	u32 kill = 0;
	if (!S_ISREG(mode))
		return 0;
	if (mode & S_ISUID)
		kill |= S_ISUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		kill |= S_ISGID;
	return kill && !cred_capable(c, CAP_FSETID) ? kill : 0;
}

void vfs_kill_privs(struct inode *ip, u32 kill)
{
	if (!kill)
		return;
	spin_lock(&ip->lock);
	ip->mode &= ~kill;
	ip->ctime = vfs_now();
	spin_unlock(&ip->lock);
	if (ip->ops->write_inode)
		ip->ops->write_inode(ip);
}
