/*
 * The Linux x86-64 file ABI: flag values and the structures the file
 * system calls copy to user space. Numbers and layouts are the ABI
 * (open(2), stat(2), statx(2), getdents64(2), fcntl(2)); nothing here is
 * Ferry's choice. Constants only: no data, no locks.
 */
#pragma once

#include "lib/types.h"

/* Limits (limits.h, POSIX): PATH_MAX counts the terminating NUL. */
#define PATH_MAX    4096
#define NAME_MAX    255
#define MAXSYMLINKS 40   /* links followed in one lookup before ELOOP */
#define IOV_MAX     1024
#define MAX_RW_COUNT 0x7ffff000UL /* Linux caps one read/write at this */

/* File types and permission bits (inode(7)). */
#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  04000
#define S_ISGID  02000
#define S_ISVTX  01000
#define S_IALLUGO 07777

#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m)  (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)

/* open(2) flags (asm-generic/fcntl.h values, octal). */
#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_DSYNC     00010000
#define O_ASYNC     00020000
#define O_DIRECT    00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define O_SYNC      04010000
#define O_PATH      010000000
#define O_TMPFILE   (020000000 | O_DIRECTORY)

/* *at() calls */
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS          0x200 /* faccessat2 */
#define AT_REMOVEDIR        0x200 /* unlinkat */
#define AT_SYMLINK_FOLLOW   0x400 /* linkat */
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000

/* renameat2(2) */
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2
#define RENAME_WHITEOUT  4

/* access(2) */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* lseek(2) */
#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2
#define SEEK_DATA 3
#define SEEK_HOLE 4

/* fcntl(2) */
#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define F_GETLK         5
#define F_SETLK         6
#define F_SETLKW        7
#define F_SETOWN        8
#define F_GETOWN        9
#define F_SETSIG        10
#define F_GETSIG        11
#define F_SETOWN_EX     15
#define F_GETOWN_EX     16
#define F_OFD_GETLK     36
#define F_OFD_SETLK     37
#define F_OFD_SETLKW    38
#define F_SETLEASE      1024
#define F_GETLEASE      1025
#define F_NOTIFY        1026
#define F_SETPIPE_SZ    1031
#define F_GETPIPE_SZ    1032
#define F_ADD_SEALS     1033
#define F_GET_SEALS     1034
#define F_SEAL_SEAL     0x0001
#define F_SEAL_SHRINK   0x0002
#define F_SEAL_GROW     0x0004
#define F_SEAL_WRITE    0x0008
#define F_SEAL_FUTURE_WRITE 0x0010
#define F_SEAL_EXEC     0x0020
#define FD_CLOEXEC      1

/* Generic ioctls every file answers (asm-generic/ioctls.h). */
#define FIONCLEX 0x5450
#define FIOCLEX  0x5451
#define FIONBIO  0x5421

/* getdents64(2) d_type */
enum { DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8,
       DT_LNK = 10, DT_SOCK = 12 };

/* struct stat for x86-64: 144 bytes. */
struct linux_stat {
	u64 st_dev;
	u64 st_ino;
	u64 st_nlink;
	u32 st_mode;
	u32 st_uid;
	u32 st_gid;
	u32 pad0;
	u64 st_rdev;
	i64 st_size;
	i64 st_blksize;
	i64 st_blocks;
	u64 st_atime_sec, st_atime_nsec;
	u64 st_mtime_sec, st_mtime_nsec;
	u64 st_ctime_sec, st_ctime_nsec;
	i64 reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86-64");

/* statx(2): 256 bytes. */
struct statx_timestamp {
	i64 tv_sec;
	u32 tv_nsec;
	i32 reserved;
};

struct linux_statx {
	u32 stx_mask;
	u32 stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink;
	u32 stx_uid;
	u32 stx_gid;
	u16 stx_mode;
	u16 spare0;
	u64 stx_ino;
	u64 stx_size;
	u64 stx_blocks;
	u64 stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor;
	u32 stx_dev_major, stx_dev_minor;
	u64 stx_mnt_id;
	u32 stx_dio_mem_align, stx_dio_offset_align;
	u64 spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
_Static_assert(offsetof(struct linux_statx, stx_atime) == 0x40, "statx layout");
_Static_assert(offsetof(struct linux_statx, stx_rdev_major) == 0x80, "statx layout");

#define STATX_TYPE        0x001
#define STATX_MODE        0x002
#define STATX_NLINK       0x004
#define STATX_UID         0x008
#define STATX_GID         0x010
#define STATX_ATIME       0x020
#define STATX_MTIME       0x040
#define STATX_CTIME       0x080
#define STATX_INO         0x100
#define STATX_SIZE        0x200
#define STATX_BLOCKS      0x400
#define STATX_BASIC_STATS 0x7ff
#define STATX_RESERVED    0x80000000U

/* getdents64(2): the fixed part of a record; d_name follows, records 8-byte aligned. */
struct linux_dirent64 {
	u64 d_ino;
	i64 d_off;
	u16 d_reclen;
	u8 d_type;
	char d_name[];
} __packed;
_Static_assert(offsetof(struct linux_dirent64, d_name) == 19, "linux_dirent64 layout");

/* getdents(2)'s older record: the type is the record's last byte, after the name's NUL. */
struct linux_dirent {
	u64 d_ino;
	i64 d_off;
	u16 d_reclen;
	char d_name[];
} __packed;
_Static_assert(offsetof(struct linux_dirent, d_name) == 18, "linux_dirent layout");

/* struct iovec */
struct linux_iovec {
	u64 base;
	u64 len;
};

/*
 * Device numbers in their user-visible 64-bit form (glibc/musl makedev):
 * the kernel keeps them this way so stat copies them unchanged.
 */
typedef u64 kdev_t;

static inline kdev_t mkdev(u32 major, u32 minor)
{
	return ((u64)(major & 0xfffff000U) << 32) | ((u64)(major & 0xfffU) << 8) |
	       ((u64)(minor & 0xffffff00U) << 12) | (minor & 0xffU);
}

static inline u32 dev_major(kdev_t d)
{
	return (u32)(((d >> 32) & 0xfffff000U) | ((d >> 8) & 0xfffU));
}

static inline u32 dev_minor(kdev_t d)
{
	return (u32)(((d >> 12) & 0xffffff00U) | (d & 0xffU));
}
