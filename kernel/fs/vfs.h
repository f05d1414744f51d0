/*
 * The virtual file system: inodes, open files, superblocks, the mount
 * table and path lookup, shared by every file system (ramfs and tmpfs,
 * ext2, devfs, procfs, and the pipe and channel inodes of ipc) through
 * the same tables. The mount table's and path lookup's interface is in
 * vfs_names.h, included at the end.
 * It owns struct inode's common fields, struct file and the mount table;
 * each file system owns its private inode data and its namespace lock.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after creation
 *  a  atomic
 *  i  inode.lock
 *  f  file.lock
 *  n  the file system's namespace lock (ramfs: ramfs_sb.ns_lock)
 *  m  mount_lock (mount.c)
 *
 * Rules (invariants 1, 3 and 4):
 *  - All locks are short spinlocks; none is held when a call returns to
 *    the executor, so a call that parks (-ERESTART_PARK) drops every lock.
 *  - No fs lock is held across a copy to or from user memory (a copy can
 *    fault and wait for a TLB shootdown answer). The one exception is
 *    file.pos_lock, the outermost lock of a read or write, which its
 *    waiters take with file_pos_lock(): they keep answering shootdowns.
 *  - Order: file.pos_lock -> namespace lock -> inode.lock -> kheap/buddy.
 *  - An inode lives while it has references (refs) or links (nlink);
 *    the last of the two to drop calls ops->evict, outside every lock.
 *    An I_TRANSIENT inode lives while it has references alone.
 */
#pragma once

#include "lib/types.h"
#include "lib/spinlock.h"
#include "lib/list.h"
#include "fs/abi.h"
#include "fs/uio.h"
#include "lib/errno.h"
#include "vm/pcache.h"

struct inode;
struct file;
struct poll_set;
struct superblock;
struct domain;
struct pipe;

struct kts {
	i64 sec;
	u32 nsec;
};

/* What a directory listing hands out, one entry per call; false means "buffer full, stop". */
struct dir_emit {
	bool (*emit)(struct dir_emit *de, const char *name, size_t len, u64 ino, unsigned dtype,
		     u64 next_pos);
};

/*
 * What a file system implements. Names are not NUL-terminated (name, len);
 * the VFS has already rejected "", ".", ".." and names with '/' where they
 * make no sense. Each op takes its own locks and returns 0 or -errno.
 * Missing ops mean "not supported here" (-EPERM or -EINVAL as Linux).
 */
struct inode_ops {
	/* Directories */
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* Regular files, directories, device nodes, FIFOs: the type is in mode. */
	int (*mknod)(struct inode *dir, const char *name, size_t len, u32 mode, kdev_t rdev,
		     struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, size_t len, const char *target,
		       struct inode **out);
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *ip);
	/* rmdir: the victim must be an empty directory; else it must not be a directory. */
	int (*unlink)(struct inode *dir, const char *name, size_t len, bool rmdir);
	int (*rename)(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		      const char *nname, size_t nlen, unsigned flags);
	/* List entries from *pos on ("." and ".." included); *pos advances past each emitted one. */
	int (*iterate)(struct inode *dir, u64 *pos, struct dir_emit *de);
	/* Regular files: bytes moved, or -errno if none moved. */
	ssize_t (*read)(struct inode *ip, struct uio *u, u64 off);
	/* append: write at the end, atomically with other appenders. *end: offset after the data. */
	ssize_t (*write)(struct inode *ip, struct uio *u, u64 off, bool append, u64 *end);
	int (*truncate)(struct inode *ip, u64 size);
	/* fallocate(2) with mode 0, FALLOC_FL_KEEP_SIZE, or PUNCH_HOLE|KEEP_SIZE (checked by the VFS). */
	int (*fallocate)(struct inode *ip, int mode, u64 off, u64 len);
	/*
	 * Regular files: put the file's data (datasync: and only the metadata
	 * needed to read it back) on the disk and empty the disk's write
	 * cache. May park (-ERESTART_PARK) and is re-run from the start; NULL:
	 * nothing to do (memory file systems).
	 */
	int (*fsync)(struct inode *ip, bool datasync);
	/*
	 * Regular files on a disk: the disk block (in sb's block size, whose
	 * log2 is *bshift) holding logical block lblk, 0 for a hole. May park
	 * (-ERESTART_PARK). swapon maps a swap file with it.
	 */
	int (*bmap)(struct inode *ip, u64 lblk, u64 *pblk, u32 *bshift);
	/* Symlinks: copy the target (not NUL-terminated) into a kernel buffer. */
	ssize_t (*readlink)(struct inode *ip, char *buf, size_t len);
	/*
	 * "Magic" symlinks (/proc/<pid>/fd/N): following one leads to the
	 * file itself, not to what its name says (a pipe has no path). A new
	 * reference to that inode, or -errno.
	 */
	int (*follow_to)(struct inode *ip, struct inode **out);
	/*
	 * Store the attributes the VFS changed under ip's lock (mode, owner,
	 * times: chmod, chown, utimes, a write clearing set-ID bits). NULL:
	 * the inode is all there is (memory file systems). Never waits.
	 */
	void (*write_inode)(struct inode *ip);
	/* No references and no links left: free the inode and its data. */
	void (*evict)(struct inode *ip);
	/*
	 * Extended attributes kept by the file system (ext2's on the disk);
	 * NULL: the memory list if sb->mem_xattrs, else EOPNOTSUPP. xattr.c
	 * has checked the name and the caller's rights: ns is an XATTR_NS_*,
	 * name the rest after its prefix (NUL-terminated, not empty). May
	 * park (-ERESTART_PARK) before changing anything.
	 * get: the value's size, copied into buf if size allows (-ERANGE if
	 * not; size 0 only asks); -ENODATA.
	 * set: value NULL removes it (-ENODATA if missing); flags are
	 * XATTR_CREATE (-EEXIST) and XATTR_REPLACE (-ENODATA); -ENOSPC when
	 * there is no room for it.
	 * list: the full names ("user.x\0...") of the namespaces in nsmask
	 * (1 << ns), as listxattr(2) gives them: their length, -ERANGE.
	 */
	ssize_t (*getxattr)(struct inode *ip, int ns, const char *name, void *buf, size_t size);
	int (*setxattr)(struct inode *ip, int ns, const char *name, const void *value, size_t size,
			int flags);
	ssize_t (*listxattr)(struct inode *ip, u32 nsmask, char *buf, size_t size);
	/* Regular files' open-file operations; NULL: vfs_inode_fops (procfs generates text at open). */
	const struct file_ops *fops;
};

enum {
	I_MOUNTED = 1 << 0,   /* [a] something is mounted on this directory */
	I_MOUNTROOT = 1 << 1, /* [a] root of a mounted file system */
	I_TRANSIENT = 1 << 2, /* [I] made per lookup (procfs): freed on its last reference,
				 whatever nlink says (nlink is then only what stat shows) */
};

struct inotify_watch;

struct inode {
	struct spinlock lock;
	u32 refs;                  /* [a]; its last drop and the nlink test under [i] */
	u32 nlink;                 /* [i] and [n]: changed with both held */
	u32 mode;                  /* [i] type bits [I] */
	u32 uid, gid;              /* [i] */
	u64 size;                  /* [i] */
	u64 blocks;                /* [i] 512-byte units in use */
	struct kts atime, mtime, ctime; /* [i] */
	u32 flags;                 /* [a] I_* */
	u64 ino;                   /* [I] */
	kdev_t rdev;               /* [I] device nodes */
	const struct inode_ops *ops; /* [I] */
	struct superblock *sb;     /* [I] */
	void *priv;                /* [I] the file system's */
	struct pipe *fifo;         /* [i] a FIFO's pipe while it is open (ipc/fifo.c) */
	struct file_lock *locks;   /* [lock.c's lock] its file locks (fs/lock.h), oldest first */
	u32 seals;                 /* [i] F_SEAL_* of a memfd (memfd.c), with SEALS_MEMFD; else 0 */
	struct xattr *xattrs;      /* [i] extended attributes of a memory file system (xattr.c) */
	struct pcache data;        /* [its own lock] a regular file's pages (vm/pcache.h); the file
	                              system gives its ops */
	struct inotify_watch *watches; /* [inotify's lock] the inotify watches on it (fs/notify.h) */
};

#define SEALS_MEMFD (1u << 31) /* in inode.seals: a memfd, which F_ADD_SEALS may seal */
/* F_ADD_SEALS (add) and F_GET_SEALS of f (memfd.c): -EINVAL unless f is a memfd. */
long memfd_seals(struct file *f, int cmd, u32 add);

/* What statfs reports of a file system with a size of its own, in bsize blocks. */
struct fs_usage {
	u32 magic; /* Linux's f_type */
	u32 bsize;
	u64 blocks, bfree, bavail, files, ffree;
};

struct blk_dev;

struct superblock {
	const char *fstype;        /* [I] "ramfs", "devfs"... */
	kdev_t dev;                /* [I] st_dev of every inode here */
	struct inode *root;        /* [I] holds a reference */
	u64 maxbytes;              /* [I] largest file size */
	u64 next_ino;              /* [a] */
	u32 active;                /* [a] inode references held (not links): umount's busy test */
	/* After a successful umount, nothing referenced: free everything. NULL: kept (leaked). */
	void (*destroy)(struct superblock *sb);
	struct blk_dev *disk;      /* [I] the disk it lives on; NULL in memory */
	bool rdonly;               /* [a] mounted read-only (mount -o remount may change it) */
	u32 mnt_flags;             /* [a] SB_NOSUID, SB_NODEV, SB_NOEXEC: mount(2)'s, changed by remount */
	bool mem_xattrs;           /* [I] keeps extended attributes in memory (tmpfs, ramfs) */
	/* statfs's figures; NULL: a memory file system (all of RAM is its size). */
	void (*usage)(struct superblock *sb, struct fs_usage *u);
	/*
	 * mount -o remount: read-only or not, and the options (NULL: none) to
	 * change; 0 or -errno, nothing changed then. NULL: only the same
	 * read-only state and no options are accepted.
	 */
	int (*remount)(struct superblock *sb, bool rdonly, const char *options);
	/*
	 * After its file data went out: make the rest durable (a journal's
	 * commit; unmount: also mark the file system clean). May park
	 * (-ERESTART_PARK). NULL: the block cache's sync of its disk.
	 */
	int (*sync)(struct superblock *sb, bool unmount);
	void *priv;                /* [I] the file system's */
};

/* What a mount keeps from mount(2)'s flags (superblock.mnt_flags). */
enum {
	SB_NOSUID = 1 << 0, /* set-user-ID and set-group-ID bits do nothing at exec */
	SB_NODEV = 1 << 1,  /* device nodes do not open */
	SB_NOEXEC = 1 << 2, /* nothing executes from here */
};

static inline u32 sb_mnt_flags(const struct superblock *sb)
{
	return __atomic_load_n(&sb->mnt_flags, __ATOMIC_RELAXED);
}

/* File status flags a file keeps (the rest of open's flags act at open time only). */
#define FILE_STATUS_FLAGS (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME | O_DSYNC | \
			   O_SYNC | O_LARGEFILE)

enum {
	FMODE_READ = 1 << 0,
	FMODE_WRITE = 1 << 1,
	FMODE_PATH = 1 << 2,   /* O_PATH: a place in the tree, no I/O */
	FMODE_STREAM = 1 << 3, /* no offset: pread/lseek give ESPIPE (tty, pipes) */
	FMODE_WRITER = 1 << 4, /* holds write access to its file's pages (ETXTBSY for exec) */
	FMODE_EXCL = 1 << 5,   /* a block device opened with O_EXCL: it claims the device */
};

/* What an open file does; the VFS supplies the defaults for inodes of a file system. */
struct file_ops {
	ssize_t (*read)(struct file *f, struct uio *u, u64 *pos);
	ssize_t (*write)(struct file *f, struct uio *u, u64 *pos);
	/* arg is the raw argument; dom is the caller's memory for pointer arguments. */
	long (*ioctl)(struct file *f, u32 cmd, u64 arg, struct domain *dom);
	/* NULL: the default (regular files and directories); devices pick their own. */
	i64 (*llseek)(struct file *f, i64 off, int whence);
	int (*open)(struct inode *ip, struct file *f);
	void (*release)(struct file *f);
	/* Ready events (POLLIN...); with pw, also wait on the queues a change would wake (fs/poll.h). */
	u32 (*poll)(struct file *f, struct poll_set *pw);
	/* O_ASYNC set (on) or cleared: the object notes f as one to signal (file_send_sigio). */
	void (*fasync)(struct file *f, bool on);
	/* fcntl(2) commands of this kind of file (pipe sizes, seals); NULL or -EINVAL: none. */
	long (*fcntl)(struct file *f, int cmd, u64 arg);
	/*
	 * mmap(2) of a file that lends frames of its own to shared mappings
	 * (io_uring's rings): mm/domain.h's mmap_frames_fn for this file.
	 * NULL: mmap gives ENODEV.
	 */
	int (*mmap_frames)(struct file *f, u64 off, u64 npages, paddr_t *frames);
	/*
	 * mmap of a device (NULL: regular files map their page cache, the
	 * rest cannot be mapped: ENODEV): *obj, a reference, for what a
	 * mapping of it maps, or NULL for anonymous memory; *name what
	 * /proc/<pid>/maps calls it (NULL: nothing).
	 */
	int (*mmap)(struct file *f, bool shared, u64 len, struct vmobj **obj, const char **name);
	/* fsync(2) of a device with data of its own to write (block devices); NULL: the inode's. */
	int (*fsync)(struct file *f, bool datasync);
};

struct file {
	struct spinlock pos_lock;   /* see file_pos_lock() */
	u32 refs;                   /* [a] fds and calls in progress */
	u32 fmode;                  /* [I] FMODE_* */
	u32 flags;                  /* [a] O_* status flags (F_SETFL) */
	u64 pos;                    /* [pos_lock] */
	struct inode *ip;           /* [I] holds a reference */
	const struct file_ops *ops; /* [I] */
	void *priv;                 /* [I] the driver's */
	/* How open(2) named it, for /proc/<pid>/fd: the path, and the directory
	 * a relative one started from (holds a reference); NULL if unnamed. */
	char *name;                 /* [I] kmalloc'd */
	struct inode *name_dir;     /* [I] */
	/* The epoll registrations watching this file (event/epoll.c, under its global lock). */
	struct list_node ep_items;
	/* fcntl's F_SETOWN(_EX) and F_SETSIG: who hears of I/O readiness (O_ASYNC), and how. */
	i32 owner;                  /* [a] pid or tid (> 0), -pgid (< 0), 0: nobody */
	u8 owner_tid;               /* [a] owner names a thread (F_OWNER_TID) */
	u8 owner_sig;               /* [a] F_SETSIG's signal; 0: plain SIGIO */
	i32 async_fd;               /* [a] the descriptor O_ASYNC was set through (si_fd) */
	/* The directory it was opened in and its name there, for inotify's events on children;
	 * kept only while something is watched (fs/notify.h). parent holds a reference. */
	struct inode *parent;       /* [I] */
	char *leaf;                 /* [I] kmalloc'd */
	u8 ra;                      /* [a] readahead for read() (FRA_*): posix_fadvise's advice */
};

/* struct file.ra: how far reads of the file keep the disk ahead (posix_fadvise). */
enum {
	FRA_NORMAL,	/* PCACHE_READAHEAD pages */
	FRA_RANDOM,	/* none: a miss reads its page alone */
	FRA_SEQUENTIAL, /* twice the normal window */
};

/*
 * I/O readiness on f (band: POLLIN... with POLL_IN or POLL_OUT as code):
 * if it has O_ASYNC and an owner, send the owner its signal (vfs.c).
 */
void file_send_sigio(struct file *f, int code, i64 band);

/* ---- boot (init.c) ---- */

/*
 * Mount ramfs as "/", unpack the initrd (every cpio boot module) into it,
 * register the console and memory devices and mount devfs on /dev. Once,
 * on the boot core, after the heap and before the first process. The
 * console's input interrupt is started separately (tty_irq_init).
 */
void vfs_init(void);

/* ---- inodes and superblocks (vfs.c) ---- */

/* A fresh inode for sb with one reference; the file system fills the rest. */
void inode_init(struct inode *ip, struct superblock *sb, u32 mode, const struct inode_ops *ops);
struct inode *inode_get(struct inode *ip);
void inode_put(struct inode *ip);
/*
 * Set ip's link count; the caller holds its namespace lock. True when the
 * inode has no links and no references left: the caller must then call
 * ip->ops->evict(ip) once it has dropped its own locks.
 */
bool inode_set_nlink(struct inode *ip, u32 nlink);
/* Read from a regular file into kernel memory (the ELF loader). */
ssize_t inode_read_kernel(struct inode *ip, u64 off, void *buf, size_t len);
/* The inode whose pages pc holds (every page cache of a file is its inode's data). */
static inline struct inode *pcache_inode(struct pcache *pc)
{
	return container_of(pc, struct inode, data);
}

/* ---- file data through the page cache (filemap.c) ---- */

/*
 * Read a regular file's bytes from off through its page cache. Parks
 * (-ERESTART_PARK) only before the first byte is copied; after that a
 * page that must be read in ends the call short (as ext2 reads did).
 */
ssize_t filemap_read(struct inode *ip, struct uio *u, u64 off);
/* ops->tryget and ops->put for caches of inodes: a reference unless the inode is being freed. */
bool filemap_tryget(struct pcache *pc);
void filemap_put(struct pcache *pc);
/* ops->size: the inode's size. */
u64 filemap_size(struct pcache *pc);
/*
 * fsync's data part: write back the pages of [off, off + len) (len 0:
 * to the end) and wait for them. 0, -ERESTART_PARK, -EIO.
 */
int filemap_write_and_wait(struct inode *ip, u64 off, u64 len);
/*
 * POSIX_FADV_WILLNEED and readahead(2): start reading the pages
 * [first, last] of a file on a disk into its cache (at most half of the
 * free memory's worth), without waiting for the data: 0; -ERESTART_PARK
 * while the file's block map is read (the call runs again and skips what
 * it started). Read errors are left for the reads that come.
 */
int filemap_willneed(struct inode *ip, u64 first, u64 last);

struct kstat {
	kdev_t dev;
	u64 ino;
	u32 mode, nlink, uid, gid;
	kdev_t rdev;
	u64 size, blocks;
	u32 blksize;
	struct kts atime, mtime, ctime;
};
void vfs_getattr(struct inode *ip, struct kstat *st);
void kstat_to_stat(const struct kstat *k, struct linux_stat *st);
void kstat_to_statx(const struct kstat *k, struct linux_statx *sx);

/* ---- permissions (perm.c): the caller's credentials against a file's mode ---- */

struct cred;
enum { MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4 }; /* as X_OK, W_OK, R_OK */

/*
 * May c read, write or execute ip (search it, for a directory)? 0 or
 * -EACCES: the owner's, the group's or the others' bits, then the
 * capabilities (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) that pass them.
 */
int vfs_permission(struct inode *ip, int mask, const struct cred *c);
/*
 * The search permission a path walk asks of every directory: inline for
 * the common case, a directory everyone may search (all three execute
 * bits set: 0755, 1777), so a walk costs a load and a test per step;
 * vfs_permission for the rest.
 */
static inline int vfs_may_search(struct inode *dir, const struct cred *c)
{
	if ((__atomic_load_n(&dir->mode, __ATOMIC_RELAXED) & 0111) == 0111)
		return 0;
	return vfs_permission(dir, MAY_EXEC, c);
}
/* Is c ip's owner, or has it CAP_FOWNER (chmod, utimes, O_NOATIME)? */
bool vfs_owner_or_capable(struct inode *ip, const struct cred *c);
/* May c add a name to dir (write and search)? */
int vfs_may_create(struct inode *dir, const struct cred *c);
/* May c remove victim's name from dir (write, search; -EPERM: a sticky one it does not own)? */
int vfs_may_delete(struct inode *dir, struct inode *victim, const struct cred *c);
/*
 * A new inode ip in dir, made by the caller: its owner is the caller's
 * file-system uid, its group dir's when dir is set-group-ID, else the
 * caller's; mode is adjusted as Linux does and stored. For the file
 * systems' create operations; returns the mode.
 */
u32 vfs_init_owner(struct inode *ip, struct inode *dir, u32 mode);
/* An inode made outside any directory (a pipe, a channel) belongs to its maker, the caller. */
void vfs_owner_is_caller(struct inode *ip);
/* The set-ID bits a write or truncate by c must clear from ip (0: none, or c has CAP_FSETID). */
u32 vfs_privs_to_kill(struct inode *ip, const struct cred *c);
/* Clear them (kill from vfs_privs_to_kill), and store the change. */
void vfs_kill_privs(struct inode *ip, u32 kill);
/*
 * May sb's files change? -EROFS if it is mounted read-only. Every change
 * the VFS makes or passes on asks first (namei.c, vfs.c, sys_attr.c), and
 * vfs_permission gives EROFS for a write to a file, directory or symlink
 * on it, so a file system sees no change on a read-only mount.
 */
static inline int sb_writable(const struct superblock *sb)
{
	return __atomic_load_n(&sb->rdonly, __ATOMIC_RELAXED) ? -EROFS : 0;
}

/* Wall-clock time for inode stamps; the clock is set by vfs_init (0 until then). */
struct kts vfs_now(void);
void vfs_set_clock(u64 (*realtime_ns)(void));
kdev_t vfs_anon_dev(void); /* a fresh st_dev for a memory file system */

/* ---- open files (vfs.c) ---- */

struct file *file_alloc(struct inode *ip, u32 fmode, u32 flags, const struct file_ops *ops);
struct file *file_get(struct file *f);
void file_put(struct file *f);
/*
 * epoll, above the VFS, registers at boot what a file's last file_put
 * calls, before its release, when the file is in epoll sets (ep_items
 * not empty): it takes the file out of all of them.
 */
void file_register_unwatch(void (*fn)(struct file *f));
/* The pos lock of a read or write: spins answering TLB shootdowns (see the rules above). */
void file_pos_lock(struct file *f);
void file_pos_unlock(struct file *f);

ssize_t vfs_read(struct file *f, struct uio *u);
ssize_t vfs_write(struct file *f, struct uio *u);
ssize_t vfs_pread(struct file *f, struct uio *u, i64 off);
ssize_t vfs_pwrite(struct file *f, struct uio *u, i64 off);
i64 vfs_lseek(struct file *f, i64 off, int whence);
long vfs_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom);
/* Fill buf with linux_dirent64 records from f's position; bytes filled, 0 at the end. */
ssize_t vfs_getdents(struct file *f, void *buf, size_t len);
/* The same in getdents(2)'s older struct linux_dirent. */
ssize_t vfs_getdents_old(struct file *f, void *buf, size_t len);
int vfs_truncate(struct inode *ip, i64 size);
#define FALLOC_FL_KEEP_SIZE  0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
/* fallocate(2) on an open file (and io_uring's FALLOCATE): the checks Linux makes, then the file system's op. */
int vfs_fallocate(struct file *f, int mode, i64 off, i64 len);
/*
 * fsync(2) (datasync: fdatasync) of an open file; may park. And the
 * file data and metadata of a file system (sb NULL: of all) to their
 * disks, write caches emptied: sync(2), syncfs(2), umount. 0,
 * -ERESTART_PARK, -EIO.
 */
int vfs_fsync(struct file *f, bool datasync);
long vfs_sync_fs(struct superblock *sb);
/* umount's: vfs_sync_fs, leaving the file system marked clean on its disk. */
long vfs_sync_unmount(struct superblock *sb);
/* Power-off's (reboot(2)): vfs_sync_unmount of every file system on a disk. */
long vfs_sync_shutdown(void);
/*
 * The superblocks mounted on disks (at most max, each kept mounted by a
 * reference to its root in roots[]: inode_put them): how many.
 */
u32 vfs_disk_mounts(struct inode **roots, u32 max);
/*
 * posix_fadvise(2), as Linux: NORMAL, RANDOM and SEQUENTIAL set the
 * file's readahead window (f->ra); WILLNEED starts reading the range into
 * the page cache; DONTNEED starts writing its dirty pages back and drops
 * its clean pages nothing else holds; NOREUSE does nothing. -ESPIPE for
 * pipes and sockets, -EINVAL for unknown advice or a negative len; may
 * park (-ERESTART_PARK). io_uring's FADVISE.
 */
int vfs_fadvise(struct file *f, i64 off, i64 len, int advice);

/* The file operations regular files and directories get by default. */
extern const struct file_ops vfs_inode_fops;

/* ---- extended attributes (xattr.c) ---- */

#define XATTR_CREATE 0x1
#define XATTR_REPLACE 0x2
#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
/* The namespaces kept, numbered as ext2's e_name_index (system.* ACLs are not kept). */
enum { XATTR_NS_USER = 1, XATTR_NS_TRUSTED = 4, XATTR_NS_SECURITY = 6 };
/* "user." for XATTR_NS_USER...; NULL for a number that is none of them. */
const char *xattr_prefix(int ns);
/* value NULL: removexattr. */
int vfs_setxattr(struct inode *ip, const char *name, const void *value, size_t size, int flags);
/* The value's size (copied when size allows: -ERANGE if it does not, size 0 only asks). */
ssize_t vfs_getxattr(struct inode *ip, const char *name, void *buf, size_t size);
ssize_t vfs_listxattr(struct inode *ip, char *buf, size_t size);
int vfs_removexattr(struct inode *ip, const char *name);
/* The inode goes: its attributes go with it. */
void xattr_free(struct inode *ip);

/* ---- file-system types (fstype.c) ---- */

/*
 * A type mount(2) can make, by name. Each file system declares its own
 * with FSTYPE() beside its code; the linker gathers them, so a type from a
 * layer above the VFS (procfs) is found without the VFS knowing it. [I]
 */
struct fstype {
	const char *name;
	/*
	 * source: what mount(2) was given (a disk's name), or NULL; -ENOENT:
	 * no such source. options: mount(2)'s data, a string ("size=1m"), or
	 * NULL; -EINVAL for one the type does not take.
	 */
	int (*mount)(const char *source, bool rdonly, const char *options, struct superblock **out);
};
#define FSTYPE(id, name_, mount_)                                                      \
	static const struct fstype fstype_##id                                         \
	    __attribute__((section(".fstypes"), used, aligned(8))) = {name_, mount_}
/* The type called name, or NULL. */
const struct fstype *fstype_find(const char *name);

/* ---- special files: character devices and FIFOs (chrdev.c) ---- */

/* Register a driver for a device number; opening a node with that rdev uses ops. [I after boot] */
int chrdev_register(kdev_t dev, const struct file_ops *ops, void *priv);
const struct file_ops *chrdev_lookup(kdev_t dev, void **priv);
/*
 * How a FIFO inode opens, on any file system: ipc registers it at boot
 * (fifo.c), so opening a path never calls up into ipc. Until then, and in
 * host tests, FIFOs do not open (-ENXIO). The opener returns 0 and *out,
 * -ERESTART_PARK while it waits for the other end, or -errno.
 */
typedef int (*fifo_open_fn)(struct inode *ip, u32 fmode, u32 flags, struct file **out);
void fifo_register(fifo_open_fn open);
int special_fifo_open(struct inode *ip, u32 fmode, u32 flags, struct file **out);
/*
 * Block device nodes open with the block layer's file ops (blk/blkdev.c
 * registers them at boot, above the file system); its open finds the
 * device by the node's rdev. Until then, -ENXIO.
 */
void blkdev_fops_register(const struct file_ops *ops);
const struct file_ops *blkdev_fops(void);

/*
 * Where a seek lands, lseek(2)'s arithmetic for a file of size bytes at
 * pos (data from 0 to size, the one hole at the end): 0 with *out set;
 * -ENXIO for SEEK_DATA or SEEK_HOLE at or past the end; -EINVAL. The
 * caller adds its own bound (maxbytes, a device's end).
 */
int vfs_seek_pos(i64 pos, i64 size, i64 off, int whence, i64 *out);

static inline bool inode_is_dir(const struct inode *ip)
{
	return S_ISDIR(ip->mode);
}

/* Mounts, path lookup and the operations on names: split off for size. */
#include "fs/vfs_names.h"
