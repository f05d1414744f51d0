/*
 * VFS core: inode references and attributes, open files, and the read,
 * write, seek and directory-listing paths every file system shares.
 * Locking rules are in vfs.h.
 */
#include "fs/vfs.h"
#include "fs/lock.h"
#include "fs/notify.h"
#include "proc/cur.h"
#include "proc/limits.h"
#include "proc/signal.h"
#include "fs/bcache.h"
#include "vm/writeback.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ---- time and device numbers ---- */

static u64 (*clock_ns)(void); /* [I after boot] */

void vfs_set_clock(u64 (*realtime_ns)(void))
{
	clock_ns = realtime_ns;
}

struct kts vfs_now(void)
{
	u64 ns = clock_ns ? clock_ns() : 0;
	return (struct kts){(i64)(ns / 1000000000UL), (u32)(ns % 1000000000UL)};
}

kdev_t vfs_anon_dev(void)
{
	/* Linux gives memory file systems major 0 too; minors from 1. */
	static u32 next_minor;
	return mkdev(0, __atomic_add_fetch(&next_minor, 1, __ATOMIC_RELAXED));
}

/* ---- inodes ---- */

void inode_init(struct inode *ip, struct superblock *sb, u32 mode, const struct inode_ops *ops)
{
	ip->lock = (struct spinlock)SPINLOCK_INIT;
	ip->refs = 1;
	ip->locks = NULL;
	ip->seals = 0;
	ip->xattrs = NULL;
	__atomic_add_fetch(&sb->active, 1, __ATOMIC_RELAXED);
	ip->nlink = 0;
	ip->mode = mode;
	ip->ops = ops;
	ip->sb = sb;
	ip->ino = __atomic_add_fetch(&sb->next_ino, 1, __ATOMIC_RELAXED);
	ip->atime = ip->mtime = ip->ctime = vfs_now();
	pcache_init(&ip->data, NULL, 0);
}

struct inode *inode_get(struct inode *ip)
{
	/* Found through a link (no references yet) or through a reference. */
	assert(__atomic_load_n(&ip->refs, __ATOMIC_RELAXED) > 0 ||
	       __atomic_load_n(&ip->nlink, __ATOMIC_RELAXED) > 0);
	__atomic_add_fetch(&ip->refs, 1, __ATOMIC_ACQUIRE);
	__atomic_add_fetch(&ip->sb->active, 1, __ATOMIC_RELAXED);
	return ip;
}

/*
 * refs and nlink are decided under the one inode lock, so exactly one of
 * the last inode_put and the last unlink sees both at zero and evicts.
 * A put that is not the last needs no lock: it never makes refs zero, so
 * it decides nothing (every change of refs is atomic for that).
 */
void inode_put(struct inode *ip)
{
	if (!ip)
		return;
	struct superblock *sb = ip->sb; /* ip may be freed by another core once unlocked */
	u32 r = __atomic_load_n(&ip->refs, __ATOMIC_RELAXED);
	while (r > 1)
		if (__atomic_compare_exchange_n(&ip->refs, &r, r - 1, true, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED)) {
			__atomic_sub_fetch(&sb->active, 1, __ATOMIC_RELEASE);
			return;
		}
	spin_lock(&ip->lock);
	assert(ip->refs > 0);
	bool dead = __atomic_sub_fetch(&ip->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
		    (ip->nlink == 0 || (ip->flags & I_TRANSIENT));
	spin_unlock(&ip->lock);
	__atomic_sub_fetch(&sb->active, 1, __ATOMIC_RELEASE);
	if (dead)
		ip->ops->evict(ip);
}

bool inode_set_nlink(struct inode *ip, u32 nlink)
{
	spin_lock(&ip->lock);
	ip->nlink = nlink;
	ip->ctime = vfs_now();
	bool dead = nlink == 0 && __atomic_load_n(&ip->refs, __ATOMIC_ACQUIRE) == 0;
	spin_unlock(&ip->lock);
	return dead;
}

ssize_t inode_read_kernel(struct inode *ip, u64 off, void *buf, size_t len)
{
	if (!S_ISREG(ip->mode) || !ip->ops->read)
		return -EINVAL;
	struct uio u;
	uio_init_kernel(&u, buf, len);
	return ip->ops->read(ip, &u, off);
}

void vfs_getattr(struct inode *ip, struct kstat *st)
{
	spin_lock(&ip->lock);
	st->dev = ip->sb->dev;
	st->ino = ip->ino;
	st->mode = ip->mode;
	st->nlink = ip->nlink;
	st->uid = ip->uid;
	st->gid = ip->gid;
	st->rdev = ip->rdev;
	st->size = ip->size;
	st->blocks = ip->blocks;
	st->blksize = PAGE_SIZE;
	st->atime = ip->atime;
	st->mtime = ip->mtime;
	st->ctime = ip->ctime;
	spin_unlock(&ip->lock);
}

void kstat_to_stat(const struct kstat *k, struct linux_stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_dev = k->dev;
	st->st_ino = k->ino;
	st->st_nlink = k->nlink;
	st->st_mode = k->mode;
	st->st_uid = k->uid;
	st->st_gid = k->gid;
	st->st_rdev = k->rdev;
	st->st_size = (i64)k->size;
	st->st_blksize = k->blksize;
	st->st_blocks = (i64)k->blocks;
	st->st_atime_sec = (u64)k->atime.sec;
	st->st_atime_nsec = k->atime.nsec;
	st->st_mtime_sec = (u64)k->mtime.sec;
	st->st_mtime_nsec = k->mtime.nsec;
	st->st_ctime_sec = (u64)k->ctime.sec;
	st->st_ctime_nsec = k->ctime.nsec;
}

static struct statx_timestamp sx_time(struct kts t)
{
	return (struct statx_timestamp){t.sec, t.nsec, 0};
}

void kstat_to_statx(const struct kstat *k, struct linux_statx *sx)
{
	memset(sx, 0, sizeof *sx);
	/* Birth time is not kept: leave STATX_BTIME out of the mask, as statx(2) allows. */
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = k->blksize;
	sx->stx_nlink = k->nlink;
	sx->stx_uid = k->uid;
	sx->stx_gid = k->gid;
	sx->stx_mode = (u16)k->mode;
	sx->stx_ino = k->ino;
	sx->stx_size = k->size;
	sx->stx_blocks = k->blocks;
	sx->stx_atime = sx_time(k->atime);
	sx->stx_mtime = sx_time(k->mtime);
	sx->stx_ctime = sx_time(k->ctime);
	sx->stx_rdev_major = dev_major(k->rdev);
	sx->stx_rdev_minor = dev_minor(k->rdev);
	sx->stx_dev_major = dev_major(k->dev);
	sx->stx_dev_minor = dev_minor(k->dev);
}

int vfs_truncate(struct inode *ip, i64 size)
{
	if (size < 0)
		return -EINVAL;
	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!S_ISREG(ip->mode) || !ip->ops->truncate)
		return -EINVAL;
	int r = sb_writable(ip->sb);
	if (r)
		return r;
	if ((u64)size > ip->sb->maxbytes)
		return -EFBIG;
	if ((u64)size > cur_rlimit(RLIMIT_FSIZE)) {
		signal_raise(SIGXFSZ);
		return -EFBIG;
	}
	spin_lock(&ip->lock);
	u32 seals = ip->seals;
	u64 cur = ip->size;
	spin_unlock(&ip->lock);
	if (((seals & F_SEAL_SHRINK) && (u64)size < cur) || ((seals & F_SEAL_GROW) && (u64)size > cur))
		return -EPERM;
	if (!vmobj_writable(&ip->data.obj))
		return -ETXTBSY; /* a program running from it */
	r = ip->ops->truncate(ip, (u64)size);
	if (r == 0) {
		vfs_kill_privs(ip, vfs_privs_to_kill(ip, cur_cred()));
		notify_inode(ip, IN_MODIFY);
	}
	return r;
}

/* Modes any fallocate knows (linux/falloc.h); those a file system may implement are above. */
#define FALLOC_FL_ALL 0x7f

int vfs_fallocate(struct file *f, int mode, i64 off, i64 len)
{
	struct inode *ip = f->ip;
	if (mode & ~FALLOC_FL_ALL)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	if (S_ISFIFO(ip->mode))
		return -ESPIPE;
	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!S_ISREG(ip->mode))
		return -ENODEV;
	if ((u64)off + (u64)len < (u64)off || (u64)off + (u64)len > ip->sb->maxbytes)
		return -EFBIG;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && (u64)off + (u64)len > cur_rlimit(RLIMIT_FSIZE)) {
		signal_raise(SIGXFSZ);
		return -EFBIG;
	}
	if (ip->sb->rdonly)
		return -EROFS;
	spin_lock(&ip->lock);
	u32 seals = ip->seals;
	u64 cur = ip->size;
	spin_unlock(&ip->lock);
	if (((seals & F_SEAL_WRITE) && (mode & FALLOC_FL_PUNCH_HOLE)) ||
	    ((seals & F_SEAL_GROW) && !(mode & FALLOC_FL_KEEP_SIZE) && (u64)off + (u64)len > cur))
		return -EPERM;
	if (!ip->ops->fallocate ||
	    (mode != 0 && mode != FALLOC_FL_KEEP_SIZE &&
	     mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)))
		return -EOPNOTSUPP;
	return ip->ops->fallocate(ip, mode, (u64)off, (u64)len);
}

/* ---- putting data on the disk ---- */

/*
 * File pages go back through the page cache (vm/writeback.h), then the
 * block cache writes the metadata and empties the disks' write caches.
 * Every step parks while the disks work and the call runs again from the
 * start, finding the steps before it done (invariant 3).
 */
/* A file system's metadata to its disk: its own sync, or the block cache's. */
static long sync_metadata(struct superblock *sb, bool unmount)
{
	return sb->sync ? sb->sync(sb, unmount) : bcache_sync_thread(sb->disk);
}

int vfs_fsync(struct file *f, bool datasync)
{
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	struct inode *ip = f->ip;
	if (f->ops->fsync)
		return f->ops->fsync(f, datasync);
	/* Linux: EINVAL for what cannot be synced (pipes, sockets, most devices). */
	if (!S_ISREG(ip->mode) && !S_ISDIR(ip->mode))
		return S_ISCHR(ip->mode) ? 0 : -EINVAL;
	if (S_ISDIR(ip->mode))
		/* A directory's blocks are metadata: the file system's sync covers them. */
		return ip->sb->disk && !ip->sb->rdonly ? (int)sync_metadata(ip->sb, false) : 0;
	return ip->ops->fsync ? ip->ops->fsync(ip, datasync) : 0;
}

static bool on_sb(struct pcache *pc, void *sb)
{
	return pcache_inode(pc)->sb == sb;
}

/* Every file system on a disk, then whatever else the block cache holds. */
static long sync_all(bool unmount)
{
	enum { MAX_SYNCED = 16 };
	struct inode *roots[MAX_SYNCED];
	u32 n = vfs_disk_mounts(roots, MAX_SYNCED);
	long s = 0;
	for (u32 i = 0; i < n; i++) {
		struct superblock *m = roots[i]->sb;
		if (!s && !m->rdonly && m->sync)
			s = m->sync(m, unmount);
		inode_put(roots[i]);
	}
	return s ? s : bcache_sync_thread(NULL);
}

long vfs_sync_fs(struct superblock *sb)
{
	int r = wb_sync(sb ? on_sb : NULL, sb);
	if (r == -ERESTART_PARK)
		return r;
	if (sb && (!sb->disk || sb->rdonly))
		return r;
	long s = sb ? sync_metadata(sb, false) : sync_all(false);
	return s ? s : r;
}

long vfs_sync_shutdown(void)
{
	int r = wb_sync(NULL, NULL);
	if (r == -ERESTART_PARK)
		return r;
	long s = sync_all(true);
	return s ? s : r;
}

long vfs_sync_unmount(struct superblock *sb)
{
	int r = wb_sync(on_sb, sb);
	if (r)
		return r;
	return sb->rdonly ? 0 : sync_metadata(sb, true);
}

/* ---- open files ---- */

struct file *file_alloc(struct inode *ip, u32 fmode, u32 flags, const struct file_ops *ops)
{
	struct file *f = knew(struct file);
	if (!f)
		return NULL;
	f->pos_lock = (struct spinlock)SPINLOCK_INIT;
	f->refs = 1;
	f->fmode = fmode;
	f->flags = flags & FILE_STATUS_FLAGS;
	f->ip = inode_get(ip);
	f->ops = ops;
	list_init(&f->ep_items);
	return f;
}

static void (*file_unwatch)(struct file *f); /* [I after boot] */

void file_register_unwatch(void (*fn)(struct file *f))
{
	file_unwatch = fn;
}

struct file *file_get(struct file *f)
{
	u32 old = __atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
	assert(old > 0);
	return f;
}

void file_put(struct file *f)
{
	if (!f)
		return;
	u32 left = __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL);
	if (left)
		return;
	/*
	 * Nobody can add f to an epoll set now (that takes a reference), so
	 * an empty list stays empty; a set being closed may still empty it.
	 */
	if (!list_empty(&f->ep_items))
		file_unwatch(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (vfs_notify_any() && !(f->fmode & FMODE_PATH))
		notify_file(f, f->fmode & FMODE_WRITE ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
	if (__atomic_load_n(&f->ip->locks, __ATOMIC_RELAXED))
		locks_remove_file(f);
	if (f->fmode & FMODE_WRITER)
		vmobj_put_write(&f->ip->data.obj);
	inode_put(f->ip);
	if (f->name_dir)
		inode_put(f->name_dir);
	if (f->parent)
		inode_put(f->parent);
	kfree(f->leaf);
	kfree(f->name);
	kfree(f);
}

void file_pos_lock(struct file *f)
{
	/*
	 * The holder may be copying to user memory and waiting for this core
	 * to answer a TLB shootdown: answer while we spin (invariant 4).
	 */
	while (!spin_trylock(&f->pos_lock)) {
		tlb_shootdown_poll();
		__builtin_ia32_pause();
	}
}

void file_pos_unlock(struct file *f)
{
	spin_unlock(&f->pos_lock);
}

ssize_t vfs_read(struct file *f, struct uio *u)
{
	if (!(f->fmode & FMODE_READ))
		return -EBADF;
	if (!f->ops->read)
		return -EINVAL;
	ssize_t r;
	if (f->fmode & FMODE_STREAM) {
		/* No offset to guard: the call may park (tty, pipe) without holding a lock. */
		u64 pos = 0;
		r = f->ops->read(f, u, &pos);
	} else {
		file_pos_lock(f);
		u64 pos = f->pos;
		r = f->ops->read(f, u, &pos);
		if (r > 0)
			f->pos = pos;
		file_pos_unlock(f);
	}
	if (r > 0 && unlikely(vfs_notify_any()))
		notify_file(f, IN_ACCESS);
	return r;
}

/* Does this write go to the disk before it returns: O_SYNC/O_DSYNC, or RWF_SYNC/RWF_DSYNC? */
static bool sync_writes(struct file *f, const struct uio *u)
{
	return ((__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & (O_SYNC | O_DSYNC)) ||
		(u->rwf & (RWF_SYNC | RWF_DSYNC))) &&
	       S_ISREG(f->ip->mode);
}

/*
 * The n bytes just written by an O_SYNC or O_DSYNC write go to the disk.
 * When that parks, the byte count is kept as the call's progress
 * (park.h): the restart finds the write done and only syncs.
 */
static ssize_t sync_written(struct file *f, const struct uio *u, ssize_t n)
{
	bool dsync = !(__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & (O_SYNC & ~O_DSYNC)) &&
		     !(u->rwf & RWF_SYNC);
	int s = vfs_fsync(f, dsync);
	if (s == -ERESTART_PARK)
		park_save_progress((u64)n);
	return s ? s : n;
}

ssize_t vfs_write(struct file *f, struct uio *u)
{
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	if (!f->ops->write)
		return -EINVAL;
	if (f->fmode & FMODE_STREAM) {
		u64 pos = 0;
		ssize_t r = f->ops->write(f, u, &pos);
		if (r > 0 && unlikely(vfs_notify_any()))
			notify_file(f, IN_MODIFY);
		return r;
	}
	bool sync = sync_writes(f, u);
	if (sync && park_progress())
		return sync_written(f, u, (ssize_t)park_progress());
	file_pos_lock(f);
	u64 pos = f->pos;
	ssize_t r = f->ops->write(f, u, &pos);
	if (r > 0)
		f->pos = pos;
	file_pos_unlock(f);
	if (r > 0 && unlikely(vfs_notify_any()))
		notify_file(f, IN_MODIFY);
	return sync && r > 0 ? sync_written(f, u, r) : r;
}

ssize_t vfs_pread(struct file *f, struct uio *u, i64 off)
{
	if (off < 0)
		return -EINVAL;
	if (!(f->fmode & FMODE_READ))
		return -EBADF;
	if (f->fmode & FMODE_STREAM)
		return -ESPIPE;
	if (!f->ops->read)
		return -EINVAL;
	u64 pos = (u64)off;
	ssize_t r = f->ops->read(f, u, &pos);
	if (r > 0 && unlikely(vfs_notify_any()))
		notify_file(f, IN_ACCESS);
	return r;
}

ssize_t vfs_pwrite(struct file *f, struct uio *u, i64 off)
{
	if (off < 0)
		return -EINVAL;
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	if (f->fmode & FMODE_STREAM)
		return -ESPIPE;
	if (!f->ops->write)
		return -EINVAL;
	bool sync = sync_writes(f, u);
	if (sync && park_progress())
		return sync_written(f, u, (ssize_t)park_progress());
	u64 pos = (u64)off;
	ssize_t r = f->ops->write(f, u, &pos);
	if (r > 0 && unlikely(vfs_notify_any()))
		notify_file(f, IN_MODIFY);
	return sync && r > 0 ? sync_written(f, u, r) : r;
}

int vfs_seek_pos(i64 pos, i64 size, i64 off, int whence, i64 *out)
{
	i64 base;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* No holes are reported: data runs from 0 to the end, one hole after it. */
		if (off < 0 || off >= size)
			return -ENXIO;
		base = 0;
		if (whence == SEEK_HOLE)
			off = size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, off, out) || *out < 0)
		return -EINVAL;
	return 0;
}

i64 vfs_lseek(struct file *f, i64 off, int whence)
{
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (f->ops->llseek)
		return f->ops->llseek(f, off, whence);
	if (f->fmode & FMODE_STREAM)
		return -ESPIPE;
	struct inode *ip = f->ip;
	bool dir = S_ISDIR(ip->mode);
	/* A directory position is a cookie of its file system: only SET and CUR make sense. */
	if (dir && whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	file_pos_lock(f);
	spin_lock(&ip->lock);
	i64 size = (i64)ip->size;
	spin_unlock(&ip->lock);
	i64 pos;
	int r = vfs_seek_pos((i64)f->pos, size, off, whence, &pos);
	if (!r && !dir && (u64)pos > ip->sb->maxbytes)
		r = -EINVAL;
	if (r) {
		file_pos_unlock(f);
		return r;
	}
	f->pos = (u64)pos;
	file_pos_unlock(f);
	return pos;
}

long vfs_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom)
{
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (!f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, cmd, arg, dom);
}

/* ---- directory listings ---- */

struct dirent_buf {
	struct dir_emit de;
	u8 *buf;
	size_t len, used;
	bool full;
	bool old; /* getdents(2)'s struct linux_dirent, not linux_dirent64 */
};

/*
 * One record. Both forms start d_ino, d_off, d_reclen; linux_dirent64
 * has d_type next, then the name; linux_dirent has the name at once and
 * d_type in the record's last byte, after the name's NUL.
 */
static bool emit_dirent(struct dir_emit *de, const char *name, size_t len, u64 ino,
			unsigned dtype, u64 next_pos)
{
	struct dirent_buf *b = container_of(de, struct dirent_buf, de);
	size_t at = b->old ? offsetof(struct linux_dirent, d_name)
			   : offsetof(struct linux_dirent64, d_name);
	size_t reclen = ALIGN_UP(at + len + 1 + b->old, 8);
	if (b->used + reclen > b->len) {
		b->full = true;
		return false;
	}
	u8 *r = b->buf + b->used;
	struct linux_dirent64 *d = (struct linux_dirent64 *)r;
	memset(r, 0, reclen);
	d->d_ino = ino;
	d->d_off = (i64)next_pos;
	d->d_reclen = (u16)reclen;
	r[b->old ? reclen - 1 : offsetof(struct linux_dirent64, d_type)] = (u8)dtype;
	memcpy(r + at, name, len);
	b->used += reclen;
	return true;
}

static ssize_t getdents_as(struct file *f, void *buf, size_t len, bool old)
{
	struct inode *ip = f->ip;
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (!S_ISDIR(ip->mode) || !ip->ops->iterate)
		return -ENOTDIR;
	struct dirent_buf b = {.de = {emit_dirent}, .buf = buf, .len = len, .old = old};
	file_pos_lock(f);
	u64 pos = f->pos;
	int r = ip->ops->iterate(ip, &pos, &b.de);
	f->pos = pos;
	file_pos_unlock(f);
	if (r < 0)
		return r;
	notify_file(f, IN_ACCESS);
	/* getdents64(2): a buffer too small for even one entry is EINVAL. */
	if (b.used == 0 && b.full)
		return -EINVAL;
	return (ssize_t)b.used;
}

ssize_t vfs_getdents(struct file *f, void *buf, size_t len)
{
	return getdents_as(f, buf, len, false);
}

ssize_t vfs_getdents_old(struct file *f, void *buf, size_t len)
{
	return getdents_as(f, buf, len, true);
}

void file_send_sigio(struct file *f, int code, i64 band)
{
	if (!(__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_ASYNC))
		return;
	int who = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
	if (!who)
		return;
	int sig = __atomic_load_n(&f->owner_sig, __ATOMIC_RELAXED);
	signal_send_io(who, __atomic_load_n(&f->owner_tid, __ATOMIC_RELAXED), sig ? sig : SIGIO,
		       sig ? code : 0, band, __atomic_load_n(&f->async_fd, __ATOMIC_RELAXED));
}

/* ---- default file operations of inodes ---- */

static ssize_t inode_file_read(struct file *f, struct uio *u, u64 *pos)
{
	struct inode *ip = f->ip;
	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!ip->ops->read)
		return -EINVAL;
	u->ra = __atomic_load_n(&f->ra, __ATOMIC_RELAXED);
	ssize_t r = ip->ops->read(ip, u, *pos);
	if (r > 0)
		*pos += (u64)r;
	return r;
}

static ssize_t inode_file_write(struct file *f, struct uio *u, u64 *pos)
{
	struct inode *ip = f->ip;
	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!ip->ops->write)
		return -EINVAL;
	int ro = sb_writable(ip->sb); /* opened for writing before a remount made it read-only */
	if (ro)
		return ro;
	bool append = (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_APPEND) ||
		      (u->rwf & RWF_APPEND);
	if (unlikely(__atomic_load_n(&ip->seals, __ATOMIC_RELAXED))) {
		/* A sealed memfd: no writes, or none that would grow it. */
		spin_lock(&ip->lock);
		u32 seals = ip->seals;
		u64 at = append ? ip->size : *pos, size = ip->size;
		spin_unlock(&ip->lock);
		if ((seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
		    ((seals & F_SEAL_GROW) && u->resid && at + u->resid > size))
			return -EPERM;
	}
	/* RLIMIT_FSIZE: a write that would pass it stops there; one that starts past it fails. */
	u64 limit = cur_rlimit(RLIMIT_FSIZE);
	if (limit != RLIM_INFINITY && S_ISREG(ip->mode) && u->resid) {
		spin_lock(&ip->lock);
		u64 at = append ? ip->size : *pos;
		spin_unlock(&ip->lock);
		if (at >= limit) {
			signal_raise(SIGXFSZ);
			return -EFBIG;
		}
		if (u->resid > limit - at)
			u->resid = limit - at;
	}
	u64 end = *pos;
	ssize_t r = ip->ops->write(ip, u, *pos, append, &end);
	if (r > 0) {
		*pos = end;
		/* A changed program is no longer the one its owner made set-user-ID. */
		vfs_kill_privs(ip, vfs_privs_to_kill(ip, cur_cred()));
	}
	return r;
}

const struct file_ops vfs_inode_fops = {
	.read = inode_file_read,
	.write = inode_file_write,
};

#define POSIX_FADV_NORMAL     0
#define POSIX_FADV_RANDOM     1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED   3
#define POSIX_FADV_DONTNEED   4
#define POSIX_FADV_NOREUSE    5

int vfs_fadvise(struct file *f, i64 off, i64 len, int advice)
{
	if ((f->fmode & FMODE_STREAM) || S_ISFIFO(f->ip->mode))
		return -ESPIPE;
	if (len < 0 || advice < 0 || advice > POSIX_FADV_NOREUSE)
		return -EINVAL;
	/* The bytes [start, end]: len 0, or one that runs past the largest offset, means to the end. */
	u64 start = (u64)off, end = (u64)off + (u64)len - 1;
	if (len == 0 || end < start || end > ~0ULL >> 1)
		end = ~0ULL;
	struct inode *ip = f->ip;
	bool cached = S_ISREG(ip->mode) && ip->data.ops;
	switch (advice) {
	case POSIX_FADV_NORMAL:
		__atomic_store_n(&f->ra, FRA_NORMAL, __ATOMIC_RELAXED);
		return 0;
	case POSIX_FADV_RANDOM:
		__atomic_store_n(&f->ra, FRA_RANDOM, __ATOMIC_RELAXED);
		return 0;
	case POSIX_FADV_SEQUENTIAL:
		__atomic_store_n(&f->ra, FRA_SEQUENTIAL, __ATOMIC_RELAXED);
		return 0;
	case POSIX_FADV_WILLNEED:
		return cached ? filemap_willneed(ip, start >> PAGE_SHIFT, end >> PAGE_SHIFT) : 0;
	case POSIX_FADV_DONTNEED: {
		if (!cached)
			return 0;
		/*
		 * Dirty pages are started on their way to the disk (they stay
		 * until written, as on Linux: a DONTNEED after fsync drops
		 * them all); only pages wholly inside the range go.
		 */
		int r = pcache_writeback(&ip->data, start >> PAGE_SHIFT, end >> PAGE_SHIFT, false, 0);
		if (r == -ERESTART_PARK)
			return r;
		u64 first = (start + PAGE_SIZE - 1) >> PAGE_SHIFT;
		u64 stop = end == ~0ULL ? ~0ULL : (end + 1) >> PAGE_SHIFT; /* exclusive */
		if (first < stop)
			pcache_invalidate(&ip->data, first, stop - 1);
		return 0;
	}
	default:
		/* POSIX_FADV_NOREUSE: Linux takes it and does nothing with it either. */
		return 0;
	}
}
