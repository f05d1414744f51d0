/*
 * System calls that change a file's attributes: chmod, fchmod, fchmodat,
 * chown, fchown, lchown, fchownat, utimensat and utimes, with Linux's
 * rules for who may (the owner, or CAP_FOWNER and CAP_CHOWN; chmod(2),
 * chown(2), utimensat(2)). The fields change under the inode's lock, then
 * the file system stores them (write_inode).
 */
#include "fs/notify.h"
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define UTIME_NOW  ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)


/* The inode behind fd, for f* calls (O_PATH descriptors included, as fstat). */
static int fd_inode(int fd, struct inode **out)
{
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	*out = inode_get(f->ip);
	file_put(f);
	return 0;
}

/*
 * May ip's attributes change? procfs and sysfs make their inodes afresh
 * on each lookup, so a change would not stick (EPERM); a read-only
 * mount's are EROFS.
 */
static long attrs_changeable(struct inode *ip)
{
	if (strcmp(ip->sb->fstype, "proc") == 0 || strcmp(ip->sb->fstype, "sysfs") == 0)
		return -EPERM;
	return sb_writable(ip->sb);
}

/* The change made under ip's lock goes to the file system's store, and to its watchers. */
static void stored(struct inode *ip)
{
	if (ip->ops->write_inode)
		ip->ops->write_inode(ip);
	notify_inode(ip, IN_ATTRIB);
}

static long set_mode(struct inode *ip, u32 mode)
{
	const struct cred *c = cur_cred();
	long r = attrs_changeable(ip);
	if (r)
		return r;
	if (!vfs_owner_or_capable(ip, c))
		return -EPERM;
	mode &= 07777;
	spin_lock(&ip->lock);
	/* Only a member of the file's group (or CAP_FSETID) makes it set-group-ID. */
	if ((mode & S_ISGID) && !cred_in_group(c, ip->gid) && !cred_capable(c, CAP_FSETID))
		mode &= ~(u32)S_ISGID;
	ip->mode = (ip->mode & S_IFMT) | mode;
	ip->ctime = vfs_now();
	spin_unlock(&ip->lock);
	stored(ip);
	return 0;
}

/*
 * chown(2): only CAP_CHOWN gives a file away; its owner may change its
 * group to one it is in. A file that changes hands stops being
 * set-user-ID (and set-group-ID, when group-executable): directories
 * keep theirs.
 */
static long set_owner(struct inode *ip, u32 uid, u32 gid)
{
	const struct cred *c = cur_cred();
	long r = attrs_changeable(ip);
	if (r)
		return r;
	bool chown_cap = cred_capable(c, CAP_CHOWN);
	spin_lock(&ip->lock);
	bool owner = c->fsuid == ip->uid;
	bool uid_ok = uid == ID_UNCHANGED || chown_cap || (owner && uid == ip->uid);
	bool gid_ok = gid == ID_UNCHANGED || chown_cap ||
		      (owner && (gid == ip->gid || cred_in_group(c, gid)));
	if (!uid_ok || !gid_ok) {
		spin_unlock(&ip->lock);
		return -EPERM;
	}
	if (uid != ID_UNCHANGED)
		ip->uid = uid;
	if (gid != ID_UNCHANGED)
		ip->gid = gid;
	if (!S_ISDIR(ip->mode))
		ip->mode &= ~(u32)(S_ISUID | (S_ISGID * !!(ip->mode & 0010)));
	ip->ctime = vfs_now();
	spin_unlock(&ip->lock);
	stored(ip);
	return 0;
}

static long do_fchmodat(int dirfd, u64 upath, u32 mode, u64 flags)
{
	if (flags & ~(u64)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	struct inode *ip;
	int r = fs_resolve_at(dirfd, upath, flags ? 0 : LOOKUP_FOLLOW, &ip);
	if (r < 0)
		return r;
	long rr = S_ISLNK(ip->mode) ? -EOPNOTSUPP : set_mode(ip, mode); /* as Linux */
	if (rr == 0)
		fs_notify_parent_at(dirfd, upath, ip, IN_ATTRIB);
	inode_put(ip);
	return rr;
}

SYSCALL(NR_chmod, chmod)
{
	return do_fchmodat(AT_FDCWD, a0, (u32)a1, 0);
}

SYSCALL(NR_fchmodat, fchmodat)
{
	/* The system call has no flags argument (libc emulates one): a3 is ignored, as Linux. */
	return do_fchmodat((int)a0, a1, (u32)a2, 0);
}

#ifndef NR_fchmodat2
#define NR_fchmodat2 452 /* Linux 6.6: newer than the build machine's headers */
#endif

/* fchmodat2: fchmodat with its flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH), as Linux 6.6. */
SYSCALL(NR_fchmodat2, fchmodat2)
{
	u32 flags = (u32)a3;
	if (flags & ~(u32)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *ip;
	int r = fs_resolve_at((int)a0, a1, fs_at_lookup_flags(flags), &ip);
	if (r < 0)
		return r;
	long rr = S_ISLNK(ip->mode) ? -EOPNOTSUPP : set_mode(ip, (u32)a2); /* as Linux */
	if (rr == 0)
		fs_notify_parent_at((int)a0, a1, ip, IN_ATTRIB);
	inode_put(ip);
	return rr;
}

SYSCALL(NR_fchmod, fchmod)
{
	struct inode *ip;
	int r = fd_inode((int)a0, &ip);
	if (r < 0)
		return r;
	long rr = set_mode(ip, (u32)a1);
	inode_put(ip);
	return rr;
}

static long do_fchownat(int dirfd, u64 upath, u32 uid, u32 gid, u64 flags)
{
	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	unsigned lf = fs_at_lookup_flags(flags);
	struct inode *ip;
	int r = fs_resolve_at(dirfd, upath, lf, &ip);
	if (r < 0)
		return r;
	long rr = set_owner(ip, uid, gid);
	if (rr == 0)
		fs_notify_parent_at(dirfd, upath, ip, IN_ATTRIB);
	inode_put(ip);
	return rr;
}

SYSCALL(NR_chown, chown)
{
	return do_fchownat(AT_FDCWD, a0, (u32)a1, (u32)a2, 0);
}

SYSCALL(NR_lchown, lchown)
{
	return do_fchownat(AT_FDCWD, a0, (u32)a1, (u32)a2, AT_SYMLINK_NOFOLLOW);
}

SYSCALL(NR_fchownat, fchownat)
{
	return do_fchownat((int)a0, a1, (u32)a2, (u32)a3, (u32)a4);
}

SYSCALL(NR_fchown, fchown)
{
	struct inode *ip;
	int r = fd_inode((int)a0, &ip);
	if (r < 0)
		return r;
	long rr = set_owner(ip, (u32)a1, (u32)a2);
	inode_put(ip);
	return rr;
}

struct ktimespec {
	i64 sec, nsec;
};

/* Set times[0] (access) and times[1] (modification); UTIME_OMIT leaves one, UTIME_NOW stamps it. */
static long set_times(struct inode *ip, const struct ktimespec *t)
{
	const struct cred *c = cur_cred();
	long r = attrs_changeable(ip);
	if (r)
		return r;
	struct kts now = vfs_now();
	if (t[0].nsec == UTIME_OMIT && t[1].nsec == UTIME_OMIT)
		return 0;
	if (ip->sb->rdonly)
		return -EROFS;
	/* Any other time than now is the owner's to set; now, also anyone who may write. */
	bool exact = (t[0].nsec != UTIME_NOW && t[0].nsec != UTIME_OMIT) ||
		     (t[1].nsec != UTIME_NOW && t[1].nsec != UTIME_OMIT);
	if (!vfs_owner_or_capable(ip, c)) {
		if (exact)
			return -EPERM;
		if (vfs_permission(ip, MAY_WRITE, c) < 0)
			return -EACCES;
	}
	spin_lock(&ip->lock);
	struct kts *dst[2] = {&ip->atime, &ip->mtime};
	for (int i = 0; i < 2; i++) {
		if (t[i].nsec == UTIME_OMIT)
			continue;
		*dst[i] = t[i].nsec == UTIME_NOW ? now : (struct kts){t[i].sec, (u32)t[i].nsec};
	}
	ip->ctime = now;
	spin_unlock(&ip->lock);
	stored(ip);
	return 0;
}

static bool time_ok(const struct ktimespec *t)
{
	return t->nsec == UTIME_NOW || t->nsec == UTIME_OMIT ||
	       (t->nsec >= 0 && t->nsec < 1000000000L);
}

static long do_utimens(int dirfd, u64 upath, const struct ktimespec *t, u64 flags)
{
	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!time_ok(&t[0]) || !time_ok(&t[1]))
		return -EINVAL;
	struct inode *ip;
	int r;
	if (!upath) {
		/* utimensat(fd, NULL, ...): the file fd refers to (futimens). */
		if (dirfd == AT_FDCWD)
			return -EFAULT;
		r = fd_inode(dirfd, &ip);
	} else {
		r = fs_resolve_at(dirfd, upath, fs_at_lookup_flags(flags), &ip);
	}
	if (r < 0)
		return r;
	long rr = set_times(ip, t);
	if (rr == 0)
		fs_notify_parent_at(dirfd, upath, ip, IN_ATTRIB);
	inode_put(ip);
	return rr;
}

SYSCALL(NR_utimensat, utimensat)
{
	struct ktimespec t[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	if (a2 && copy_from_domain(cur_dom(), t, a2, sizeof t) < 0)
		return -EFAULT;
	return do_utimens((int)a0, a1, t, (u32)a3);
}

/* Two struct timeval (seconds, microseconds) at utv into t, as utimes(2) checks them. */
static long timevals_in(u64 utv, struct ktimespec t[2])
{
	if (!utv)
		return 0; /* NULL: both now (t already says so) */
	i64 tv[4];
	if (copy_from_domain(cur_dom(), tv, utv, sizeof tv) < 0)
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[2 * i + 1] < 0 || tv[2 * i + 1] >= 1000000)
			return -EINVAL;
		t[i] = (struct ktimespec){tv[2 * i], tv[2 * i + 1] * 1000};
	}
	return 0;
}

SYSCALL(NR_utimes, utimes)
{
	struct ktimespec t[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	long r = timevals_in(a1, t);
	return r < 0 ? r : do_utimens(AT_FDCWD, a0, t, 0);
}

/* futimesat(2): utimes relative to a directory descriptor (obsolete, still in the ABI). */
SYSCALL(NR_futimesat, futimesat)
{
	struct ktimespec t[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	long r = timevals_in(a2, t);
	return r < 0 ? r : do_utimens((int)a0, a1, t, 0);
}

/* utime(2): whole seconds, struct utimbuf {actime, modtime}; NULL is now. */
SYSCALL(NR_utime, utime)
{
	struct ktimespec t[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	if (a1) {
		i64 ub[2];
		if (copy_from_domain(cur_dom(), ub, a1, sizeof ub) < 0)
			return -EFAULT;
		t[0] = (struct ktimespec){ub[0], 0};
		t[1] = (struct ktimespec){ub[1], 0};
	}
	return do_utimens(AT_FDCWD, a0, t, 0);
}
