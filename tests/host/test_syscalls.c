/*
 * Host tests of the file system calls themselves (kernel/fs/sys_*.c, with
 * sys_args.c, over the stand-in process of fsproc_shim.c): argument
 * checks (EBADF, EFAULT, EINVAL, ENAMETOOLONG), flags, the structures
 * copied out, and descriptor semantics, called as the dispatcher would.
 * User pointers are host pointers here; the first page faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fs_helpers.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "proc/cred.h"

/* The handlers are static: compile them into this test. */
#include "fs/sys_rw.c"
#include "fs/sys_sync.c"
#include "fs/sys_fd.c"
#include "fs/sys_open.c"
#include "fs/sys_stat.c"
#include "fs/sys_dir.c"
#include "fs/sys_attr.c"

#define ARGS6(a, b, c, d, e, f, ...) (u64)(a), (u64)(b), (u64)(c), (u64)(d), (u64)(e), (u64)(f)
#define SYS(name, ...) sys_##name(ARGS6(__VA_ARGS__, 0, 0, 0, 0, 0, 0))
#define P(p) ((u64)(uintptr_t)(p))
#define BAD 0x10 /* a user address in page 0 */

static void setup(void)
{
	fs_setup();
	shim_proc.files = fdtable_create();
	shim_proc.cwd = NULL;
	shim_proc.umask = 022;
}

static void teardown(void)
{
	fdtable_put(shim_proc.files);
	inode_put(shim_proc.cwd);
	inode_put(root);
}

START_TEST(test_open_read_write_close)
{
	long fd = SYS(open, P("/f"), O_CREAT | O_RDWR, 0666);
	ck_assert_int_eq(fd, 0);
	ck_assert_int_eq(SYS(write, fd, P("hello"), 5), 5);
	ck_assert_int_eq(SYS(lseek, fd, 0, SEEK_SET), 0);
	char buf[16] = {0};
	ck_assert_int_eq(SYS(read, fd, P(buf), sizeof buf), 5);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(SYS(read, fd, P(buf), sizeof buf), 0);
	ck_assert_int_eq(SYS(close, fd), 0);
	ck_assert_int_eq(SYS(close, fd), -EBADF);
	struct kstat st;
	ck_assert_int_eq(stat_path("/f", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFREG | 0644); /* umask 022 */

	/* creat truncates; openat relative to a directory descriptor. */
	ck_assert_int_eq(SYS(creat, P("/f"), 0600), 0);
	ck_assert_int_eq(SYS(close, 0), 0);
	ck_assert_str_eq(cat("/f"), "");
	ck_assert_int_eq(SYS(mkdir, P("/d"), 0755), 0);
	long dfd = SYS(open, P("/d"), O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	long g = SYS(openat, dfd, P("g"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ck_assert_int_ge(g, 0);
	ck_assert_int_eq(SYS(fcntl, g, F_GETFD), FD_CLOEXEC);
	ck_assert(exists("/d/g"));
	long ffd = SYS(open, P("/f"), O_RDONLY);
	ck_assert_int_eq(SYS(openat, ffd, P("x"), O_RDONLY), -ENOTDIR);
	ck_assert_int_eq(SYS(openat, 999, P("x"), O_RDONLY), -EBADF);
	ck_assert_int_ge(SYS(openat, 999, P("/d/g"), O_RDONLY), 0); /* absolute: dirfd ignored */
	ck_assert_int_eq(SYS(openat, AT_FDCWD, P("d/g"), O_RDONLY) >= 0, 1);
}
END_TEST

START_TEST(test_bad_arguments)
{
	char buf[8];
	ck_assert_int_eq(SYS(read, 42, P(buf), 8), -EBADF);
	ck_assert_int_eq(SYS(write, -1, P(buf), 8), -EBADF);
	ck_assert_int_eq(SYS(open, BAD, O_RDONLY), -EFAULT);
	ck_assert_int_eq(SYS(open, P("/missing"), O_RDONLY), -ENOENT);
	char *longp = malloc(PATH_MAX + 1);
	memset(longp, 'a', PATH_MAX);
	longp[PATH_MAX] = 0;
	ck_assert_int_eq(SYS(open, P(longp), O_RDONLY), -ENAMETOOLONG);
	ck_assert_int_eq(SYS(mkdir, P(longp), 0755), -ENAMETOOLONG);
	free(longp);

	ck_assert_int_eq(put_file("/f", "data", 4), 4);
	long fd = SYS(open, P("/f"), O_RDWR);
	ck_assert_int_eq(SYS(read, fd, BAD, 4), -EFAULT);
	ck_assert_int_eq(SYS(write, fd, BAD, 4), -EFAULT);
	ck_assert_int_eq(SYS(read, fd, 0x7fffffffffffffffUL, 16), -EFAULT);
	ck_assert_int_eq(SYS(read, fd, P(buf), 0), 0);
	ck_assert_int_eq(SYS(fstat, fd, BAD), -EFAULT);
	ck_assert_int_eq(SYS(stat, P("/f"), BAD), -EFAULT);
	ck_assert_int_eq(SYS(stat, BAD, P(buf)), -EFAULT);
	ck_assert_int_eq(SYS(pread64, fd, P(buf), 4, -1), -EINVAL);
	ck_assert_int_eq(SYS(lseek, fd, 0, 7), -EINVAL);
	ck_assert_int_eq(SYS(lseek, 77, 0, SEEK_SET), -EBADF);
	/* The file is unharmed. */
	ck_assert_str_eq(cat("/f"), "data");
}
END_TEST

START_TEST(test_vectors)
{
	long fd = SYS(open, P("/v"), O_CREAT | O_RDWR, 0644);
	struct linux_iovec w[3] = {{P("ab"), 2}, {P(""), 0}, {P("cde"), 3}};
	ck_assert_int_eq(SYS(writev, fd, P(w), 3), 5);
	char x[2], y[8] = {0};
	struct linux_iovec r[2] = {{P(x), 2}, {P(y), 8}};
	ck_assert_int_eq(SYS(preadv, fd, P(r), 2, 0), 5);
	ck_assert_int_eq(memcmp(x, "ab", 2), 0);
	ck_assert_str_eq(y, "cde");
	ck_assert_int_eq(SYS(lseek, fd, 0, SEEK_CUR), 5); /* preadv left the offset */
	ck_assert_int_eq(SYS(lseek, fd, 1, SEEK_SET), 1);
	memset(y, 0, sizeof y);
	ck_assert_int_eq(SYS(readv, fd, P(r), 2), 4);
	ck_assert_str_eq(y, "de");
	ck_assert_int_eq(SYS(readv, fd, P(r), 0), 0);
	ck_assert_int_eq(SYS(readv, fd, P(r), IOV_MAX + 1), -EINVAL);
	ck_assert_int_eq(SYS(readv, fd, P(r), -1), -EINVAL);
	ck_assert_int_eq(SYS(readv, fd, BAD, 2), -EFAULT);
	struct linux_iovec neg[1] = {{P(y), (u64)-1}};
	ck_assert_int_eq(SYS(readv, fd, P(neg), 1), -EINVAL);
	struct linux_iovec big[2] = {{P(y), 0x7fffffffffffffffUL}, {P(y), 2}};
	ck_assert_int_eq(SYS(writev, fd, P(big), 2), -EFAULT); /* runs out of user space */
	struct linux_iovec negl[2] = {{BAD, 2}, {P(y), (u64)-5}};
	ck_assert_int_eq(SYS(writev, fd, P(negl), 2), -EINVAL); /* lengths are checked first */
	struct linux_iovec badp[1] = {{BAD, 4}};
	ck_assert_int_eq(SYS(writev, fd, P(badp), 1), -EFAULT);
	ck_assert_int_eq(SYS(pwrite64, fd, P("Z"), 1, 0), 1);
	ck_assert_str_eq(cat("/v"), "Zbcde");
	long ro = SYS(open, P("/v"), O_RDONLY);
	ck_assert_int_eq(SYS(writev, ro, P(w), 3), -EBADF);
}
END_TEST

START_TEST(test_dup_and_fcntl)
{
	ck_assert_int_eq(put_file("/f", "0123456789", 10), 10);
	long fd = SYS(open, P("/f"), O_RDWR | O_APPEND);
	ck_assert_int_eq(fd, 0);
	ck_assert_int_eq(SYS(dup, fd), 1);
	ck_assert_int_eq(SYS(dup2, fd, 5), 5);
	ck_assert_int_eq(SYS(dup2, 5, 5), 5);
	ck_assert_int_eq(SYS(dup2, 7, 7), -EBADF);
	ck_assert_int_eq(SYS(dup3, 5, 5, 0), -EINVAL);
	ck_assert_int_eq(SYS(dup3, 0, 6, 1), -EINVAL);
	ck_assert_int_eq(SYS(dup3, 0, 6, O_CLOEXEC), 6);
	ck_assert_int_eq(SYS(fcntl, 6, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(SYS(fcntl, 5, F_GETFD), 0);
	ck_assert_int_eq(SYS(fcntl, 5, F_SETFD, FD_CLOEXEC), 0);
	ck_assert_int_eq(SYS(fcntl, 5, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(SYS(fcntl, 0, F_DUPFD, 3), 3); /* 0, 1, 5, 6 are taken */
	ck_assert_int_eq(SYS(fcntl, 0, F_DUPFD_CLOEXEC, 100), 100);
	ck_assert_int_eq(SYS(fcntl, 100, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(SYS(fcntl, 0, F_DUPFD, -1), -EINVAL);
	ck_assert_int_eq(SYS(fcntl, 0, F_DUPFD, FD_MAX), -EINVAL);
	ck_assert_int_eq(SYS(fcntl, 0, 12345), -EINVAL);
	ck_assert_int_eq(SYS(fcntl, 99, F_GETFL), -EBADF);

	/* Status flags are shared by dups; F_SETFL changes only the changeable ones. */
	ck_assert_int_eq(SYS(fcntl, 1, F_GETFL), O_RDWR | O_APPEND | O_LARGEFILE);
	ck_assert_int_eq(SYS(fcntl, 1, F_SETFL, O_NONBLOCK | O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(SYS(fcntl, 0, F_GETFL), O_RDWR | O_NONBLOCK | O_LARGEFILE);
	/* Shared offsets: a read through one descriptor moves the other. */
	char buf[4];
	ck_assert_int_eq(SYS(read, 0, P(buf), 4), 4);
	ck_assert_int_eq(SYS(lseek, 5, 0, SEEK_CUR), 4);
	long ro = SYS(open, P("/f"), O_RDONLY);
	ck_assert_int_eq(SYS(fcntl, ro, F_GETFL), O_RDONLY | O_LARGEFILE);
	long wo = SYS(open, P("/f"), O_WRONLY);
	ck_assert_int_eq(SYS(fcntl, wo, F_GETFL), O_WRONLY | O_LARGEFILE);
	long pa = SYS(open, P("/f"), O_PATH);
	ck_assert_int_eq(SYS(fcntl, pa, F_GETFL), O_PATH);
	ck_assert_int_eq(SYS(read, pa, P(buf), 1), -EBADF);
	ck_assert_int_eq(SYS(fcntl, pa, F_SETFL, O_APPEND), -EBADF);

	/* ioctl: ENOTTY on files; the generic descriptor ioctls work anywhere. */
	ck_assert_int_eq(SYS(ioctl, 0, 0x5401, P(buf)), -ENOTTY);
	ck_assert_int_eq(SYS(ioctl, 0, FIONCLEX), 0);
	ck_assert_int_eq(SYS(fcntl, 0, F_GETFD), 0);
	ck_assert_int_eq(SYS(ioctl, 0, FIOCLEX), 0);
	ck_assert_int_eq(SYS(fcntl, 0, F_GETFD), FD_CLOEXEC);
	int zero = 0;
	ck_assert_int_eq(SYS(ioctl, 0, FIONBIO, P(&zero)), 0);
	ck_assert_int_eq(SYS(fcntl, 0, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(SYS(ioctl, 0, FIONBIO, BAD), -EFAULT);
	ck_assert_int_eq(SYS(ioctl, pa, FIOCLEX), -EBADF);
	ck_assert_int_eq(SYS(ioctl, 321, FIOCLEX), -EBADF);
}
END_TEST

START_TEST(test_stat_family)
{
	ck_assert_int_eq(put_file("/f", "12345", 5), 5);
	ck_assert_int_eq(SYS(symlink, P("f"), P("/l")), 0);
	struct linux_stat st, lst;
	ck_assert_int_eq(SYS(stat, P("/l"), P(&st)), 0);
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0644);
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert_int_eq(SYS(lstat, P("/l"), P(&lst)), 0);
	ck_assert(S_ISLNK(lst.st_mode));
	ck_assert_int_eq(lst.st_size, 1);
	ck_assert_uint_ne(lst.st_ino, st.st_ino);
	ck_assert_uint_eq(lst.st_dev, st.st_dev);

	long fd = SYS(open, P("/f"), O_RDONLY);
	struct linux_stat fst;
	ck_assert_int_eq(SYS(fstat, fd, P(&fst)), 0);
	ck_assert_uint_eq(fst.st_ino, st.st_ino);
	ck_assert_int_eq(SYS(fstat, 55, P(&fst)), -EBADF);
	/* newfstatat: dirfd-relative, AT_EMPTY_PATH on a file descriptor, bad flags. */
	ck_assert_int_eq(SYS(newfstatat, fd, P(""), P(&fst), AT_EMPTY_PATH), 0);
	ck_assert_uint_eq(fst.st_ino, st.st_ino);
	ck_assert_int_eq(SYS(newfstatat, fd, P(""), P(&fst), 0), -ENOENT);
	ck_assert_int_eq(SYS(newfstatat, AT_FDCWD, P("l"), P(&fst), AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISLNK(fst.st_mode));
	ck_assert_int_eq(SYS(newfstatat, AT_FDCWD, P("l"), P(&fst), 0x8000), -EINVAL);

	struct linux_statx sx;
	memset(&sx, 0xff, sizeof sx);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, P("/l"), 0, STATX_BASIC_STATS, P(&sx)), 0);
	ck_assert_uint_eq(sx.stx_mask, STATX_BASIC_STATS);
	ck_assert_uint_eq(sx.stx_size, 5);
	ck_assert_uint_eq(sx.stx_ino, st.st_ino);
	ck_assert_uint_eq(sx.stx_mode, S_IFREG | 0644);
	ck_assert_uint_eq(sx.spare3[0], 0);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, P("/l"), AT_SYMLINK_NOFOLLOW, 0, P(&sx)), 0);
	ck_assert(S_ISLNK(sx.stx_mode));
	ck_assert_int_eq(SYS(statx, fd, 0, AT_EMPTY_PATH, STATX_BASIC_STATS, P(&sx)), 0);
	ck_assert_uint_eq(sx.stx_ino, st.st_ino);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, P("/l"), 0x10000, 0, P(&sx)), -EINVAL);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, P("/l"), AT_STATX_SYNC_TYPE, 0, P(&sx)), -EINVAL);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, P("/l"), 0, STATX_RESERVED, P(&sx)), -EINVAL);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, P("/l"), 0, 0, BAD), -EFAULT);
	ck_assert_int_eq(SYS(statx, AT_FDCWD, 0, 0, 0, P(&sx)), -EFAULT);

	/* access: everyone is root, so only execute bits can say no. */
	ck_assert_int_eq(SYS(access, P("/f"), R_OK | W_OK), 0);
	ck_assert_int_eq(SYS(access, P("/f"), X_OK), -EACCES);
	ck_assert_int_eq(SYS(access, P("/"), X_OK), 0);
	ck_assert_int_eq(SYS(access, P("/nope"), F_OK), -ENOENT);
	ck_assert_int_eq(SYS(access, P("/f"), 8), -EINVAL);
	ck_assert_int_eq(SYS(faccessat, AT_FDCWD, P("f"), R_OK), 0);
	ck_assert_int_eq(SYS(faccessat2, AT_FDCWD, P("f"), R_OK, AT_EACCESS), 0);
	ck_assert_int_eq(SYS(faccessat2, AT_FDCWD, P("f"), R_OK, 0x4), -EINVAL);
	ck_assert_int_eq(SYS(faccessat2, fd, P(""), R_OK, AT_EMPTY_PATH), 0);
}
END_TEST

START_TEST(test_readlink)
{
	char buf[64];
	ck_assert_int_eq(SYS(symlink, P("some/target"), P("/l")), 0);
	ck_assert_int_eq(SYS(readlink, P("/l"), P(buf), sizeof buf), 11);
	ck_assert_int_eq(memcmp(buf, "some/target", 11), 0);
	ck_assert_int_eq(SYS(readlink, P("/l"), P(buf), 4), 4);
	ck_assert_int_eq(SYS(readlink, P("/l"), P(buf), 0), -EINVAL);
	ck_assert_int_eq(SYS(readlink, P("/l"), P(buf), -1), -EINVAL);
	ck_assert_int_eq(SYS(readlink, P("/"), P(buf), sizeof buf), -EINVAL);
	ck_assert_int_eq(SYS(readlink, P("/l"), BAD, sizeof buf), -EFAULT);
	ck_assert_int_eq(SYS(readlinkat, AT_FDCWD, P("l"), P(buf), sizeof buf), 11);
	/* /proc/self/exe is procfs's now (kernel/fs/procfs.c): no special case here. */
	ck_assert_int_eq(SYS(readlink, P("/proc/self/exe"), P(buf), sizeof buf), -ENOENT);
	/* symlinkat and a link via O_PATH|O_NOFOLLOW with an empty path. */
	long d = SYS(open, P("/"), O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(SYS(symlinkat, P("t2"), d, P("l2")), 0);
	long lp = SYS(open, P("/l2"), O_PATH | O_NOFOLLOW);
	ck_assert_int_ge(lp, 0);
	ck_assert_int_eq(SYS(readlinkat, lp, P(""), P(buf), sizeof buf), 2);
	ck_assert_int_eq(SYS(symlink, P(""), P("/l3")), -ENOENT);
	ck_assert_int_eq(SYS(symlink, BAD, P("/l3")), -EFAULT);
}
END_TEST

START_TEST(test_directories)
{
	ck_assert_int_eq(SYS(mkdir, P("/a"), 0777), 0);
	struct kstat st;
	ck_assert_int_eq(stat_path("/a", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0755); /* umask */
	ck_assert_int_eq(SYS(mkdir, P("/a"), 0777), -EEXIST);
	long a = SYS(open, P("/a"), O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(SYS(mkdirat, a, P("b"), 0700), 0);
	ck_assert_int_eq(SYS(mknodat, a, P("n"), S_IFIFO | 0666, 0), 0);
	ck_assert_int_eq(SYS(mknod, P("/a/c"), S_IFCHR | 0620, (1 << 8) | 3), 0);
	ck_assert_int_eq(stat_path("/a/c", 0, &st), 0);
	ck_assert_uint_eq(st.rdev, mkdev(1, 3));
	ck_assert_uint_eq(st.mode, S_IFCHR | 0600);

	/* getdents64 through the call, into a user buffer. */
	char buf[512];
	long n = SYS(getdents64, a, P(buf), sizeof buf);
	ck_assert_int_gt(n, 0);
	int count = 0;
	for (long off = 0; off < n; count++)
		off += ((struct linux_dirent64 *)(buf + off))->d_reclen;
	ck_assert_int_eq(count, 5); /* . .. b n c */
	ck_assert_int_eq(SYS(getdents64, a, P(buf), sizeof buf), 0);
	ck_assert_int_eq(SYS(lseek, a, 0, SEEK_SET), 0);
	ck_assert_int_eq(SYS(getdents64, a, BAD, sizeof buf), -EFAULT);
	ck_assert_int_eq(SYS(getdents64, a, P(buf), 8), -EINVAL);
	ck_assert_int_eq(SYS(getdents64, 77, P(buf), sizeof buf), -EBADF);
	ck_assert_int_eq(put_file("/file", "", 0), 0);
	long f = SYS(open, P("/file"), O_RDONLY);
	ck_assert_int_eq(SYS(getdents64, f, P(buf), sizeof buf), -ENOTDIR);

	/* chdir, fchdir, getcwd; relative paths follow the cwd. */
	ck_assert_int_eq(SYS(getcwd, P(buf), sizeof buf), 2);
	ck_assert_str_eq(buf, "/");
	ck_assert_int_eq(SYS(chdir, P("/a/b")), 0);
	ck_assert_int_eq(SYS(getcwd, P(buf), sizeof buf), 5);
	ck_assert_str_eq(buf, "/a/b");
	ck_assert_int_eq(SYS(getcwd, P(buf), 4), -ERANGE);
	ck_assert_int_eq(SYS(getcwd, BAD, sizeof buf), -EFAULT);
	ck_assert_int_eq(SYS(open, P("here"), O_CREAT | O_WRONLY, 0644) >= 0, 1);
	ck_assert(exists("/a/b/here"));
	ck_assert_int_eq(SYS(chdir, P("..")), 0);
	ck_assert_int_eq(SYS(chdir, P("/file")), -ENOTDIR);
	ck_assert_int_eq(SYS(chdir, P("/nope")), -ENOENT);
	ck_assert_int_eq(SYS(fchdir, f), -ENOTDIR);
	long root_fd = SYS(open, P("/"), O_PATH);
	ck_assert_int_eq(SYS(fchdir, root_fd), 0);
	ck_assert_int_eq(SYS(getcwd, P(buf), sizeof buf), 2);
	ck_assert_int_eq(SYS(fchdir, 99), -EBADF);

	/* unlink, rmdir, unlinkat. */
	ck_assert_int_eq(SYS(unlink, P("/a/b")), -EISDIR);
	ck_assert_int_eq(SYS(rmdir, P("/a/b")), -ENOTEMPTY);
	ck_assert_int_eq(SYS(unlinkat, a, P("b/here"), 0), 0);
	ck_assert_int_eq(SYS(unlinkat, a, P("b"), 0x1), -EINVAL);
	ck_assert_int_eq(SYS(unlinkat, a, P("b"), AT_REMOVEDIR), 0);
	ck_assert_int_eq(SYS(rmdir, P("/file")), -ENOTDIR);
	ck_assert_int_eq(SYS(unlink, P("/file")), 0);
	ck_assert_int_eq(SYS(unlink, P("/file")), -ENOENT);
}
END_TEST

START_TEST(test_rename_link_truncate)
{
	ck_assert_int_eq(put_file("/x", "XYZ", 3), 3);
	ck_assert_int_eq(SYS(rename, P("/x"), P("/y")), 0);
	ck_assert_str_eq(cat("/y"), "XYZ");
	ck_assert_int_eq(SYS(mkdir, P("/d"), 0755), 0);
	long d = SYS(open, P("/d"), O_RDONLY);
	ck_assert_int_eq(SYS(renameat, AT_FDCWD, P("y"), d, P("z")), 0);
	ck_assert_str_eq(cat("/d/z"), "XYZ");
	ck_assert_int_eq(put_file("/w", "W", 1), 1);
	ck_assert_int_eq(SYS(renameat2, AT_FDCWD, P("/w"), d, P("z"), RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(SYS(renameat2, AT_FDCWD, P("/w"), d, P("z"), 0x40), -EINVAL);
	ck_assert_int_eq(SYS(rename, BAD, P("/q")), -EFAULT);
	ck_assert_int_eq(SYS(rename, P("/w"), BAD), -EFAULT);

	ck_assert_int_eq(SYS(link, P("/d/z"), P("/hard")), 0);
	struct linux_stat st;
	ck_assert_int_eq(SYS(stat, P("/hard"), P(&st)), 0);
	ck_assert_uint_eq(st.st_nlink, 2);
	ck_assert_int_eq(SYS(linkat, d, P("z"), AT_FDCWD, P("/hard2"), AT_SYMLINK_FOLLOW), 0);
	ck_assert_int_eq(SYS(linkat, d, P("z"), AT_FDCWD, P("/hard3"), 0x1), -EINVAL);
	ck_assert_int_eq(SYS(link, P("/d"), P("/dl")), -EPERM);
	long zfd = SYS(open, P("/d/z"), O_RDONLY);
	ck_assert_int_eq(SYS(linkat, zfd, P(""), AT_FDCWD, P("/viafd"), AT_EMPTY_PATH), 0);
	ck_assert_str_eq(cat("/viafd"), "XYZ");

	ck_assert_int_eq(SYS(truncate, P("/hard"), 1), 0);
	ck_assert_str_eq(cat("/d/z"), "X");
	ck_assert_int_eq(SYS(truncate, P("/hard"), -1), -EINVAL);
	ck_assert_int_eq(SYS(truncate, P("/d"), 0), -EISDIR);
	ck_assert_int_eq(SYS(ftruncate, zfd, 0), -EINVAL); /* read-only descriptor */
	long wfd = SYS(open, P("/d/z"), O_WRONLY);
	ck_assert_int_eq(SYS(ftruncate, wfd, 6), 0);
	ck_assert_int_eq(SYS(fstat, wfd, P(&st)), 0);
	ck_assert_int_eq(st.st_size, 6);
	ck_assert_int_eq(SYS(ftruncate, wfd, -5), -EINVAL);
	ck_assert_int_eq(SYS(ftruncate, d, 0), -EINVAL);
	ck_assert_int_eq(SYS(ftruncate, 88, 0), -EBADF);
	ck_assert_int_eq(SYS(fsync, wfd), 0);
	ck_assert_int_eq(SYS(fdatasync, 88), -EBADF);

	ck_assert_int_eq(SYS(umask, 077), 022);
	ck_assert_int_eq(SYS(umask, 0), 077);
	ck_assert_int_eq(SYS(umask, 01777), 0);
	ck_assert_int_eq(SYS(umask, 0), 0777);
}
END_TEST

/* A caller that is user 1000 (group 1000, no capabilities), for the permission checks. */
static struct cred *user_cred(void)
{
	struct cred *c = cred_copy(&cred_root, 0);
	c->uid = c->euid = c->suid = c->fsuid = 1000;
	c->gid = c->egid = c->sgid = c->fsgid = 1000;
	c->cap_effective = c->cap_permitted = 0;
	return c;
}

/* The calls' permission checks (kernel/fs/perm.c), as root and then as user 1000. */
START_TEST(test_permissions)
{
	ck_assert_int_eq(put_file("/secret", "s", 1), 1);
	ck_assert_int_eq(SYS(chmod, P("/secret"), 0600), 0);
	ck_assert_int_eq(SYS(mkdir, P("/priv"), 0700), 0);
	ck_assert_int_eq(SYS(mkdir, P("/tmp"), 0777), 0);
	ck_assert_int_eq(SYS(chmod, P("/tmp"), 01777), 0);
	ck_assert_int_eq(put_file("/tmp/roots", "r", 1), 1);
	ck_assert_int_eq(SYS(chmod, P("/tmp/roots"), 0666), 0);
	ck_assert_int_eq(SYS(mkdir, P("/home"), 0755), 0);
	ck_assert_int_eq(SYS(chown, P("/home"), 1000, 1000), 0);

	struct cred *u = user_cred();
	shim_cred = u;
	ck_assert_int_eq(SYS(open, P("/secret"), O_RDONLY), -EACCES);
	ck_assert_int_eq(SYS(access, P("/secret"), R_OK), -EACCES);
	ck_assert_int_eq(SYS(open, P("/priv/x"), O_CREAT | O_WRONLY, 0644), -EACCES);
	ck_assert_int_eq(SYS(mkdir, P("/d"), 0755), -EACCES);
	ck_assert_int_eq(SYS(unlink, P("/tmp/roots")), -EPERM);   /* sticky */
	ck_assert_int_eq(SYS(chdir, P("/priv")), -EACCES);
	ck_assert_int_eq(SYS(truncate, P("/secret"), 0), -EACCES);
	long fd = SYS(open, P("/tmp/roots"), O_WRONLY);
	ck_assert_int_ge(fd, 0);                                 /* 0666: written */
	ck_assert_int_eq(SYS(close, fd), 0);
	fd = SYS(open, P("/home/mine"), O_CREAT | O_WRONLY, 0666);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(SYS(close, fd), 0);
	struct kstat st;
	ck_assert_int_eq(stat_path("/home/mine", 0, &st), 0);
	ck_assert_uint_eq(st.uid, 1000);
	ck_assert_uint_eq(st.gid, 1000);
	ck_assert_uint_eq(st.mode, S_IFREG | 0644);
	ck_assert_int_eq(SYS(rename, P("/home/mine"), P("/home/ours")), 0);
	ck_assert_int_eq(SYS(unlink, P("/home/ours")), 0);

	shim_cred = &cred_root;
	cred_put(u);
	ck_assert_int_eq(SYS(unlink, P("/tmp/roots")), 0);
	ck_assert_int_eq(SYS(access, P("/secret"), R_OK | W_OK), 0);
	ck_assert_int_eq(SYS(access, P("/secret"), X_OK), -EACCES); /* root: some x bit needed */
}
END_TEST

START_TEST(test_open_flag_errors)
{
	ck_assert_int_eq(put_file("/f", "x", 1), 1);
	ck_assert_int_eq(SYS(mkdir, P("/d"), 0755), 0);
	ck_assert_int_eq(SYS(open, P("/f"), O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
	ck_assert_int_eq(SYS(open, P("/f"), O_DIRECTORY), -ENOTDIR);
	ck_assert_int_eq(SYS(open, P("/d"), O_WRONLY), -EISDIR);
	ck_assert_int_eq(SYS(open, P("/d"), O_RDWR), -EISDIR);
	ck_assert_int_eq(SYS(open, P("/f/"), O_RDONLY), -ENOTDIR);
	ck_assert_int_eq(SYS(open, P("/x"), O_TMPFILE | O_RDWR, 0600), -EOPNOTSUPP);
	ck_assert_int_eq(SYS(symlink, P("f"), P("/s")), 0);
	ck_assert_int_eq(SYS(open, P("/s"), O_RDONLY | O_NOFOLLOW), -ELOOP);
	ck_assert_int_ge(SYS(open, P("/s"), O_RDONLY), 0);
	/* Writing a directory descriptor: not open for writing. */
	long d = SYS(open, P("/d"), O_RDONLY);
	ck_assert_int_eq(SYS(write, d, P("x"), 1), -EBADF);
	char c;
	ck_assert_int_eq(SYS(read, d, P(&c), 1), -EISDIR);
	/* The table fills up at FD_MAX. */
	long last = 0;
	for (int i = 0; i < FD_MAX + 5; i++) {
		last = SYS(open, P("/f"), O_RDONLY);
		if (last < 0)
			break;
	}
	ck_assert_int_eq(last, -EMFILE);
	ck_assert_int_eq(SYS(dup, 0), -EMFILE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("syscalls");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_read_write_close);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_dup_and_fcntl);
	tcase_add_test(tc, test_stat_family);
	tcase_add_test(tc, test_readlink);
	tcase_add_test(tc, test_directories);
	tcase_add_test(tc, test_rename_link_truncate);
	tcase_add_test(tc, test_open_flag_errors);
	tcase_add_test(tc, test_permissions);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
