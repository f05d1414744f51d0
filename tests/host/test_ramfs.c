/*
 * Unit tests for the VFS and ramfs (kernel/fs/{vfs,path,namei,mount,
 * ramfs,pagemap,uio,chrdev}.c): create, lookup, unlink, rename, readdir,
 * symlinks and their loops, path edge cases, mounts, truncation and the
 * reference counts that free inodes and pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fs_helpers.h"
#include "fs/devfs.h"

static long heap_before, pages_before;

static void setup(void)
{
	fs_setup();
	/* The root's entry index, which an emptied directory keeps, counts as already there. */
	ck_assert_int_eq(put_file("/warm", "w", 1), 1);
	ck_assert_int_eq(vfs_unlinkat(root, "/warm", false), 0);
	heap_before = shim_heap_live;
	pages_before = shim_pages_in_use();
}

static void teardown(void)
{
	inode_put(root);
}

/* Everything a test made and removed again is freed: inodes, entries, pages. */
static void assert_no_leaks(void)
{
	ck_assert_int_eq(shim_pages_in_use(), pages_before);
	ck_assert_int_eq(shim_heap_live, heap_before);
}

/* ---- files ---- */

START_TEST(test_create_write_read)
{
	ck_assert_int_eq(put_file("/hello", "hello, world\n", 13), 13);
	ck_assert_str_eq(cat("/hello"), "hello, world\n");
	ck_assert_str_eq(cat("hello"), "hello, world\n");
	struct kstat st;
	ck_assert_int_eq(stat_path("/hello", 0, &st), 0);
	ck_assert_uint_eq(st.size, 13);
	ck_assert_uint_eq(st.mode, S_IFREG | 0644);
	ck_assert_uint_eq(st.nlink, 1);
	ck_assert_uint_eq(st.blocks, 8);
	ck_assert_int_eq(vfs_unlinkat(root, "hello", false), 0);
	ck_assert(!exists("/hello"));
	assert_no_leaks();
}
END_TEST

START_TEST(test_open_flags)
{
	struct file *f;
	ck_assert_int_eq(put_file("/f", "x", 1), 1);
	ck_assert_int_eq(vfs_mkdirat(root, "/d", 0755), 0);
	ck_assert_int_eq(open_at("/f", O_CREAT | O_EXCL | O_WRONLY, 0644, &f), -EEXIST);
	ck_assert_int_eq(open_at("/f", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	ck_assert_int_eq(open_at("/d", O_WRONLY, 0, &f), -EISDIR);
	ck_assert_int_eq(open_at("/d", O_RDWR, 0, &f), -EISDIR);
	ck_assert_int_eq(open_at("/d", O_CREAT | O_WRONLY, 0644, &f), -EISDIR);
	ck_assert_int_eq(open_at("/d", O_CREAT | O_RDONLY, 0644, &f), -EISDIR);
	ck_assert_int_eq(open_at("/d", O_CREAT | O_EXCL | O_RDONLY, 0644, &f), -EEXIST);
	ck_assert_int_eq(open_at("/new/", O_CREAT | O_WRONLY, 0644, &f), -EISDIR);
	ck_assert_int_eq(open_at("/f/", O_RDONLY, 0, &f), -ENOTDIR);
	ck_assert_int_eq(open_at("/f/x", O_RDONLY, 0, &f), -ENOTDIR);
	ck_assert_int_eq(open_at("/missing", O_RDONLY, 0, &f), -ENOENT);
	ck_assert_int_eq(open_at("/missing/x", O_CREAT | O_WRONLY, 0644, &f), -ENOENT);
	ck_assert_int_eq(open_at("/d", O_CREAT | O_DIRECTORY, 0644, &f), -EINVAL);
	ck_assert_int_eq(open_at(".", O_CREAT | O_RDONLY, 0644, &f), -EISDIR);

	/* Reading a directory, writing a read-only file. */
	ck_assert_int_eq(open_at("/d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	char buf[4];
	struct uio u;
	uio_init_kernel(&u, buf, sizeof buf);
	ck_assert_int_eq(vfs_read(f, &u), -EISDIR);
	file_put(f);
	ck_assert_int_eq(open_at("/f", O_RDONLY, 0, &f), 0);
	uio_init_kernel(&u, buf, 1);
	ck_assert_int_eq(vfs_write(f, &u), -EBADF);
	file_put(f);
	ck_assert_int_eq(open_at("/f", O_WRONLY, 0, &f), 0);
	uio_init_kernel(&u, buf, 1);
	ck_assert_int_eq(vfs_read(f, &u), -EBADF);
	file_put(f);

	/* O_TRUNC empties; O_PATH gives no I/O. */
	ck_assert_int_eq(open_at("/f", O_RDONLY | O_TRUNC, 0, &f), 0);
	file_put(f);
	ck_assert_str_eq(cat("/f"), "");
	ck_assert_int_eq(open_at("/d", O_PATH, 0, &f), 0);
	uio_init_kernel(&u, buf, 1);
	ck_assert_int_eq(vfs_read(f, &u), -EBADF);
	ck_assert_int_eq(vfs_getdents(f, buf, sizeof buf), -EBADF);
	file_put(f);
}
END_TEST

START_TEST(test_append_and_seek)
{
	struct file *f;
	ck_assert_int_eq(put_file("/log", "abc", 3), 3);
	ck_assert_int_eq(open_at("/log", O_WRONLY | O_APPEND, 0, &f), 0);
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_SET), 0);
	struct uio u;
	uio_init_kernel(&u, "def", 3);
	ck_assert_int_eq(vfs_write(f, &u), 3);
	ck_assert_uint_eq(f->pos, 6);
	/* pwrite with O_APPEND appends too (Linux). */
	uio_init_kernel(&u, "g", 1);
	ck_assert_int_eq(vfs_pwrite(f, &u, 0), 1);
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_END), 7);
	ck_assert_int_eq(vfs_lseek(f, -8, SEEK_END), -EINVAL);
	ck_assert_int_eq(vfs_lseek(f, 0, 99), -EINVAL);
	ck_assert_int_eq(vfs_lseek(f, 2, SEEK_DATA), 2);
	ck_assert_int_eq(vfs_lseek(f, 2, SEEK_HOLE), 7);
	ck_assert_int_eq(vfs_lseek(f, 7, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(vfs_lseek(f, 100, SEEK_SET), 100);
	ck_assert_int_eq(vfs_lseek(f, -50, SEEK_CUR), 50);
	uio_init_kernel(&u, "x", 1);
	ck_assert_int_eq(vfs_pwrite(f, &u, -1), -EINVAL);
	file_put(f);
	ck_assert_str_eq(cat("/log"), "abcdefg");
}
END_TEST

START_TEST(test_sparse_and_truncate)
{
	struct file *f;
	ck_assert_int_eq(open_at("/s", O_RDWR | O_CREAT, 0600, &f), 0);
	/* A byte 1 GiB in: only its page (plus tree nodes) is allocated. */
	struct uio u;
	uio_init_kernel(&u, "Z", 1);
	ck_assert_int_eq(vfs_pwrite(f, &u, 1L << 30), 1);
	ck_assert_uint_eq(f->ip->size, (1UL << 30) + 1);
	ck_assert_int_eq(shim_pages_in_use() - pages_before, 1);
	ck_assert_uint_eq(f->ip->blocks, 8);
	char buf[16];
	memset(buf, 1, sizeof buf);
	uio_init_kernel(&u, buf, sizeof buf);
	ck_assert_int_eq(vfs_pread(f, &u, 12345), 16);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(buf[i], 0);
	uio_init_kernel(&u, buf, sizeof buf);
	ck_assert_int_eq(vfs_pread(f, &u, 1L << 30), 1);
	ck_assert_int_eq(buf[0], 'Z');

	/* Shrink into the middle of a page, grow again: the old tail reads as zeros. */
	ck_assert_int_eq(vfs_truncate(f->ip, 0), 0);
	ck_assert_int_eq(shim_pages_in_use(), pages_before);
	uio_init_kernel(&u, "0123456789", 10);
	ck_assert_int_eq(vfs_pwrite(f, &u, 0), 10);
	ck_assert_int_eq(vfs_truncate(f->ip, 4), 0);
	ck_assert_int_eq(vfs_truncate(f->ip, 10), 0);
	memset(buf, 1, sizeof buf);
	uio_init_kernel(&u, buf, sizeof buf);
	ck_assert_int_eq(vfs_pread(f, &u, 0), 10);
	ck_assert_int_eq(memcmp(buf, "0123\0\0\0\0\0\0", 10), 0);
	ck_assert_int_eq(vfs_truncate(f->ip, -1), -EINVAL);
	ck_assert_int_eq(vfs_truncate(f->ip, 1LL << 50), -EFBIG);
	ck_assert_int_eq(vfs_truncate(root, 0), -EISDIR);
	file_put(f);
	ck_assert_int_eq(vfs_unlinkat(root, "s", false), 0);
	assert_no_leaks();
}
END_TEST

START_TEST(test_big_file_crosses_pages)
{
	size_t len = 5 * PAGE_SIZE + 123;
	u8 *data = malloc(len), *back = malloc(len + 10);
	for (size_t i = 0; i < len; i++)
		data[i] = (u8)(i * 7 + i / 4096);
	ck_assert_int_eq(put_file("/big", data, len), (ssize_t)len);
	ck_assert_int_eq(get_file("/big", back, len + 10), (ssize_t)len);
	ck_assert_int_eq(memcmp(data, back, len), 0);
	ck_assert_int_eq(shim_pages_in_use() - pages_before, 6);
	ck_assert_int_eq(vfs_unlinkat(root, "big", false), 0);
	free(data);
	free(back);
	assert_no_leaks();
}
END_TEST

START_TEST(test_no_space)
{
	char page[PAGE_SIZE * 3];
	memset(page, 'q', sizeof page);
	shim_page_budget = 2;
	ck_assert_int_eq(put_file("/full", page, sizeof page), 2 * PAGE_SIZE); /* short write */
	shim_page_budget = 0;
	struct file *f;
	ck_assert_int_eq(open_at("/full", O_WRONLY | O_APPEND, 0, &f), 0);
	struct uio u;
	uio_init_kernel(&u, page, 10);
	ck_assert_int_eq(vfs_write(f, &u), -ENOSPC);
	ck_assert_uint_eq(f->ip->size, 2 * PAGE_SIZE); /* the append's reservation is given back */
	file_put(f);
	shim_page_budget = -1;
	ck_assert_int_eq(vfs_unlinkat(root, "full", false), 0);
	assert_no_leaks();
}
END_TEST

START_TEST(test_bad_user_pointers)
{
	struct file *f;
	ck_assert_int_eq(put_file("/u", "data", 4), 4);
	ck_assert_int_eq(open_at("/u", O_RDWR, 0, &f), 0);
	struct uio u;
	uio_init_user(&u, UDOM, 0x10, 4); /* the shim faults on page 0 */
	ck_assert_int_eq(vfs_read(f, &u), -EFAULT);
	uio_init_user(&u, UDOM, 0x10, 4);
	ck_assert_int_eq(vfs_write(f, &u), -EFAULT);
	ck_assert_uint_eq(f->pos, 0);
	/* A good segment then a bad one: the good part counts. */
	char buf[8];
	struct kiovec iov[2] = {{(u64)buf, 2}, {0x20, 2}};
	uio_init_iov(&u, UDOM, iov, 2, 4);
	ck_assert_int_eq(vfs_read(f, &u), 2);
	ck_assert_int_eq(memcmp(buf, "da", 2), 0);
	file_put(f);
	ck_assert_str_eq(cat("/u"), "data");
}
END_TEST

/* ---- names and paths ---- */

START_TEST(test_path_edge_cases)
{
	struct kstat st, rst;
	ck_assert_int_eq(vfs_mkdirat(root, "a", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "a/b", 0755), 0);
	ck_assert_int_eq(put_file("a/b/f", "f", 1), 1);
	ck_assert_int_eq(stat_path("/", 0, &rst), 0);
	ck_assert_int_eq(stat_path("//a///b//f", 0, &st), 0);
	ck_assert_int_eq(stat_path("/a/./b/../b/f", 0, &st), 0);
	ck_assert_int_eq(stat_path("/..", 0, &st), 0);
	ck_assert_uint_eq(st.ino, rst.ino); /* ".." of the root is the root */
	ck_assert_int_eq(stat_path("/../../a/../..", 0, &st), 0);
	ck_assert_uint_eq(st.ino, rst.ino);
	ck_assert_int_eq(stat_path("a/b/", 0, &st), 0);
	ck_assert(S_ISDIR(st.mode));
	ck_assert_int_eq(stat_path("a/b/f/", 0, &st), -ENOTDIR);
	ck_assert_int_eq(stat_path("a/b/f/..", 0, &st), -ENOTDIR);
	ck_assert_int_eq(stat_path("a/b/f/.", 0, &st), -ENOTDIR);
	ck_assert_int_eq(stat_path("a/nope/f", 0, &st), -ENOENT);
	ck_assert_int_eq(stat_path("", 0, &st), -ENOENT);
	ck_assert_int_eq(stat_path("", LOOKUP_EMPTY, &st), 0);
	ck_assert_uint_eq(st.ino, rst.ino);

	/* Relative to a start directory. */
	struct inode *b;
	ck_assert_int_eq(vfs_lookup(root, "a/b", 0, &b), 0);
	struct inode *ip;
	ck_assert_int_eq(vfs_lookup(b, "f", 0, &ip), 0);
	inode_put(ip);
	ck_assert_int_eq(vfs_lookup(b, "../b/f", 0, &ip), 0);
	inode_put(ip);
	ck_assert_int_eq(vfs_lookup(b, "/a/b/f", 0, &ip), 0);
	inode_put(ip);
	struct inode *f;
	ck_assert_int_eq(vfs_lookup(b, "f", 0, &f), 0);
	ck_assert_int_eq(vfs_lookup(f, "x", 0, &ip), -ENOTDIR); /* start is a file */
	inode_put(f);
	inode_put(b);
}
END_TEST

START_TEST(test_name_too_long)
{
	char name[300];
	memset(name, 'n', 255);
	name[255] = 0;
	ck_assert_int_eq(put_file(name, "x", 1), 1);
	ck_assert(exists(name));
	memset(name, 'n', 256);
	name[256] = 0;
	ck_assert_int_eq(put_file(name, "x", 1), -ENAMETOOLONG);
	struct kstat st;
	ck_assert_int_eq(stat_path(name, 0, &st), -ENAMETOOLONG);

	/* 4095 characters resolve; 4096 (no room for the NUL) do not. */
	char *p = malloc(PATH_MAX + 2);
	for (int i = 0; i < 4094; i += 2)
		memcpy(p + i, "./", 2);
	p[4094] = 'x';
	p[4095] = 0;
	ck_assert_int_eq(vfs_mkdirat(root, "x", 0755), 0);
	ck_assert_int_eq(stat_path(p, 0, &st), 0);
	p[4095] = '/';
	p[4096] = 0;
	ck_assert_int_eq(stat_path(p, 0, &st), -ENAMETOOLONG);
	free(p);
}
END_TEST

START_TEST(test_mkdir_rmdir)
{
	struct kstat st;
	ck_assert_int_eq(vfs_mkdirat(root, "d", 0777), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "d", 0777), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(root, "d/", 0777), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(root, "e/", 0700), 0); /* a trailing slash is fine for mkdir */
	ck_assert_int_eq(vfs_mkdirat(root, ".", 0700), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(root, "/", 0700), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(root, "nope/x", 0700), -ENOENT);
	ck_assert_int_eq(stat_path("/", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 4); /* ".", "..", and the ".." of d and e */
	ck_assert_int_eq(vfs_mkdirat(root, "d/sub", 0755), 0);
	ck_assert_int_eq(stat_path("d", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 3);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0777);
	ck_assert_int_eq(put_file("d/file", "", 0), 0);

	ck_assert_int_eq(vfs_unlinkat(root, "d", true), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(root, "d", false), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(root, "d/file", true), -ENOTDIR);
	ck_assert_int_eq(vfs_unlinkat(root, "d/file/", false), -ENOTDIR);
	ck_assert_int_eq(vfs_unlinkat(root, "d/sub/", false), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(root, "d/.", true), -EINVAL);
	ck_assert_int_eq(vfs_unlinkat(root, "d/..", true), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(root, "/", true), -EBUSY);
	ck_assert_int_eq(vfs_unlinkat(root, "d/missing", false), -ENOENT);
	ck_assert_int_eq(vfs_unlinkat(root, "d/sub/", true), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "d/file", false), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "d", true), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "e", true), 0);
	ck_assert_int_eq(stat_path("/", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 2);
	assert_no_leaks();
}
END_TEST

START_TEST(test_removed_directory)
{
	/* A directory someone still holds (a cwd) after rmdir: empty, and nothing can be made in it. */
	ck_assert_int_eq(vfs_mkdirat(root, "gone", 0755), 0);
	struct inode *d;
	ck_assert_int_eq(vfs_lookup(root, "gone", 0, &d), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "gone", true), 0);
	struct inode *ip;
	ck_assert_int_eq(vfs_lookup(d, "..", 0, &ip), -ENOENT);
	ck_assert_int_eq(vfs_lookup(d, ".", 0, &ip), 0);
	inode_put(ip);
	ck_assert_int_eq(vfs_mkdirat(d, "x", 0755), -ENOENT);
	struct file *f;
	ck_assert_int_eq(vfs_openat(d, "y", O_CREAT | O_WRONLY, 0644, &f), -ENOENT);
	char buf[64];
	ck_assert_int_eq(vfs_getcwd(d, buf, sizeof buf), -ENOENT);
	inode_put(d);
	assert_no_leaks();
}
END_TEST

/* ---- unlink while open, hard links ---- */

START_TEST(test_unlink_open_file)
{
	struct file *f;
	ck_assert_int_eq(put_file("/tmpf", "still here", 10), 10);
	ck_assert_int_eq(open_at("/tmpf", O_RDWR, 0, &f), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "tmpf", false), 0);
	ck_assert(!exists("/tmpf"));
	char buf[16] = {0};
	struct uio u;
	uio_init_kernel(&u, buf, sizeof buf);
	ck_assert_int_eq(vfs_read(f, &u), 10);
	ck_assert_str_eq(buf, "still here");
	ck_assert_uint_eq(f->ip->nlink, 0);
	ck_assert_int_eq(shim_pages_in_use() - pages_before, 1);
	file_put(f); /* the last reference frees inode and page */
	assert_no_leaks();
}
END_TEST

START_TEST(test_hard_links)
{
	struct kstat st;
	ck_assert_int_eq(vfs_mkdirat(root, "d", 0755), 0);
	ck_assert_int_eq(put_file("/one", "shared", 6), 6);
	ck_assert_int_eq(vfs_linkat(root, "one", root, "d/two", 0), 0);
	ck_assert_int_eq(vfs_linkat(root, "one", root, "d/two", 0), -EEXIST);
	ck_assert_int_eq(vfs_linkat(root, "d", root, "dlink", 0), -EPERM);
	ck_assert_int_eq(vfs_linkat(root, "nope", root, "x", 0), -ENOENT);
	ck_assert_int_eq(vfs_linkat(root, "one", root, "x/", 0), -ENOENT);
	ck_assert_int_eq(stat_path("d/two", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 2);
	ck_assert_int_eq(vfs_unlinkat(root, "one", false), 0);
	ck_assert_str_eq(cat("d/two"), "shared");
	ck_assert_int_eq(stat_path("d/two", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 1);
	/* Linking a symlink links the symlink itself unless asked to follow. */
	ck_assert_int_eq(vfs_symlinkat("d/two", root, "sl"), 0);
	ck_assert_int_eq(vfs_linkat(root, "sl", root, "sl2", 0), 0);
	ck_assert_int_eq(stat_path("sl2", 0, &st), 0);
	ck_assert(S_ISLNK(st.mode));
	ck_assert_int_eq(vfs_linkat(root, "sl", root, "real", LOOKUP_FOLLOW), 0);
	ck_assert_int_eq(stat_path("real", 0, &st), 0);
	ck_assert(S_ISREG(st.mode));
	ck_assert_uint_eq(st.nlink, 2);
	ck_assert_int_eq(vfs_unlinkat(root, "sl", false), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "sl2", false), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "real", false), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "d/two", false), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "d", true), 0);
	assert_no_leaks();
}
END_TEST

/* ---- symlinks ---- */

START_TEST(test_symlinks)
{
	struct kstat st;
	char buf[PATH_MAX];
	ck_assert_int_eq(vfs_mkdirat(root, "dir", 0755), 0);
	ck_assert_int_eq(put_file("dir/target", "T", 1), 1);
	ck_assert_int_eq(vfs_symlinkat("target", root, "dir/rel"), 0);
	ck_assert_int_eq(vfs_symlinkat("/dir/target", root, "abs"), 0);
	ck_assert_int_eq(vfs_symlinkat("dir", root, "dl"), 0);
	ck_assert_int_eq(vfs_symlinkat("../dir/rel", root, "dir/up"), 0);
	ck_assert_int_eq(vfs_symlinkat("", root, "empty"), -ENOENT);
	ck_assert_int_eq(vfs_symlinkat("x", root, "abs"), -EEXIST);
	ck_assert_str_eq(cat("dir/rel"), "T");
	ck_assert_str_eq(cat("abs"), "T");
	ck_assert_str_eq(cat("dl/target"), "T");
	ck_assert_str_eq(cat("dl/up"), "T");
	ck_assert_str_eq(cat("dl/../dl/rel"), "T");

	ck_assert_int_eq(stat_path("abs", 0, &st), 0);
	ck_assert(S_ISLNK(st.mode));
	ck_assert_uint_eq(st.size, 11);
	ck_assert_int_eq(stat_path("abs", LOOKUP_FOLLOW, &st), 0);
	ck_assert(S_ISREG(st.mode));
	ck_assert_int_eq(stat_path("dl/", 0, &st), 0); /* a trailing slash follows */
	ck_assert(S_ISDIR(st.mode));
	ck_assert_int_eq(stat_path("abs/", 0, &st), -ENOTDIR);

	ck_assert_int_eq(vfs_readlinkat(root, "dir/up", buf, sizeof buf), 10);
	ck_assert_int_eq(memcmp(buf, "../dir/rel", 10), 0);
	ck_assert_int_eq(vfs_readlinkat(root, "dir/up", buf, 3), 3);
	ck_assert_int_eq(vfs_readlinkat(root, "dir", buf, sizeof buf), -EINVAL);
	ck_assert_int_eq(vfs_readlinkat(root, "", buf, sizeof buf), -ENOENT);

	/* O_NOFOLLOW, O_PATH|O_NOFOLLOW, O_CREAT through a dangling link. */
	struct file *f;
	ck_assert_int_eq(open_at("abs", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	ck_assert_int_eq(open_at("abs", O_PATH | O_NOFOLLOW, 0, &f), 0);
	ck_assert(S_ISLNK(f->ip->mode));
	file_put(f);
	ck_assert_int_eq(vfs_symlinkat("dir/created", root, "dangling"), 0);
	ck_assert_int_eq(open_at("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644, &f), -EEXIST);
	ck_assert_int_eq(open_at("dangling", O_CREAT | O_WRONLY, 0644, &f), 0);
	file_put(f);
	ck_assert(exists("dir/created"));
	/* Removing or renaming a symlink acts on the link. */
	ck_assert_int_eq(vfs_unlinkat(root, "dl", false), 0);
	ck_assert(exists("dir/target"));
}
END_TEST

START_TEST(test_symlink_loops)
{
	struct kstat st;
	struct file *f;
	ck_assert_int_eq(vfs_symlinkat("self", root, "self"), 0);
	ck_assert_int_eq(stat_path("self", LOOKUP_FOLLOW, &st), -ELOOP);
	ck_assert_int_eq(stat_path("self", 0, &st), 0); /* lstat is fine */
	ck_assert_int_eq(open_at("self", O_RDONLY, 0, &f), -ELOOP);
	ck_assert_int_eq(open_at("self", O_CREAT | O_WRONLY, 0644, &f), -ELOOP);
	ck_assert_int_eq(vfs_symlinkat("b", root, "a"), 0);
	ck_assert_int_eq(vfs_symlinkat("a", root, "b"), 0);
	ck_assert_int_eq(stat_path("a/x", 0, &st), -ELOOP);

	/* A chain of exactly MAXSYMLINKS links resolves; one more is ELOOP. */
	ck_assert_int_eq(put_file("end", "E", 1), 1);
	char name[16], target[16];
	for (int i = 1; i <= MAXSYMLINKS + 1; i++) {
		snprintf(name, sizeof name, "l%d", i);
		if (i == 1)
			snprintf(target, sizeof target, "end");
		else
			snprintf(target, sizeof target, "l%d", i - 1);
		ck_assert_int_eq(vfs_symlinkat(target, root, name), 0);
	}
	ck_assert_int_eq(stat_path("l40", LOOKUP_FOLLOW, &st), 0);
	ck_assert(S_ISREG(st.mode));
	ck_assert_int_eq(stat_path("l41", LOOKUP_FOLLOW, &st), -ELOOP);
}
END_TEST

START_TEST(test_symlink_expansion_too_long)
{
	/* The expanded path (target + "/" + the rest) must still fit in PATH_MAX. */
	char *t = malloc(PATH_MAX);
	memset(t, 'a', 4000);
	for (int i = 200; i < 4000; i += 200)
		t[i] = '/';
	t[4000] = 0;
	ck_assert_int_eq(vfs_symlinkat(t, root, "long"), 0);
	struct kstat st;
	ck_assert_int_eq(stat_path("long", LOOKUP_FOLLOW, &st), -ENOENT);
	char p[128] = "long/";
	memset(p + 5, 'b', 90); /* 4000 + 1 + 90 < 4096 */
	ck_assert_int_eq(stat_path(p, 0, &st), -ENOENT);
	memset(p + 5, 'b', 100); /* 4000 + 1 + 100 > 4095 */
	ck_assert_int_eq(stat_path(p, 0, &st), -ENAMETOOLONG);
	free(t);
}
END_TEST

/* ---- rename ---- */

START_TEST(test_rename)
{
	struct kstat st;
	ck_assert_int_eq(vfs_mkdirat(root, "a", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "a/sub", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "b", 0755), 0);
	ck_assert_int_eq(put_file("a/f", "F", 1), 1);
	ck_assert_int_eq(put_file("b/g", "G", 1), 1);

	/* File over file: the victim goes away. */
	ck_assert_int_eq(vfs_renameat(root, "a/f", root, "b/g", 0), 0);
	ck_assert_str_eq(cat("b/g"), "F");
	ck_assert(!exists("a/f"));
	ck_assert_int_eq(vfs_renameat(root, "a/f", root, "b/h", 0), -ENOENT);

	/* Same file twice (hard links): nothing happens. */
	ck_assert_int_eq(vfs_linkat(root, "b/g", root, "b/g2", 0), 0);
	ck_assert_int_eq(vfs_renameat(root, "b/g", root, "b/g2", 0), 0);
	ck_assert(exists("b/g") && exists("b/g2"));
	ck_assert_int_eq(vfs_unlinkat(root, "b/g2", false), 0);

	/* Type mismatches and trailing slashes. */
	ck_assert_int_eq(vfs_renameat(root, "b/g", root, "a/sub", 0), -EISDIR);
	ck_assert_int_eq(vfs_renameat(root, "a/sub", root, "b/g", 0), -ENOTDIR);
	ck_assert_int_eq(vfs_renameat(root, "b/g/", root, "b/x", 0), -ENOTDIR);
	ck_assert_int_eq(vfs_renameat(root, "b/g", root, "b/x/", 0), -ENOTDIR);
	ck_assert_int_eq(vfs_renameat(root, "a/.", root, "b/x", 0), -EBUSY);
	ck_assert_int_eq(vfs_renameat(root, "b/g", root, "/", 0), -EBUSY);

	/* A directory into itself or below itself. */
	ck_assert_int_eq(vfs_renameat(root, "a", root, "a/sub/a", 0), -EINVAL);
	ck_assert_int_eq(vfs_renameat(root, "a", root, "a/x", 0), -EINVAL);

	/* A directory across directories: ".." and link counts follow it. */
	ck_assert_int_eq(vfs_renameat(root, "a/sub", root, "b/sub2", 0), 0);
	ck_assert_int_eq(stat_path("a", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 2);
	ck_assert_int_eq(stat_path("b", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 3);
	struct kstat bst;
	ck_assert_int_eq(stat_path("b/sub2/..", 0, &st), 0);
	ck_assert_int_eq(stat_path("b", 0, &bst), 0);
	ck_assert_uint_eq(st.ino, bst.ino);

	/* A directory over an empty one is fine; over a full one it is not. */
	ck_assert_int_eq(vfs_mkdirat(root, "empty", 0755), 0);
	ck_assert_int_eq(vfs_renameat(root, "b/sub2", root, "empty", 0), 0);
	ck_assert(!exists("b/sub2"));
	ck_assert_int_eq(stat_path("/", 0, &st), 0);
	ck_assert_uint_eq(st.nlink, 5); /* a, b, empty */
	ck_assert_int_eq(vfs_renameat(root, "a", root, "b", 0), -ENOTEMPTY);

	/* RENAME_NOREPLACE, unsupported flags. */
	ck_assert_int_eq(put_file("p", "P", 1), 1);
	ck_assert_int_eq(vfs_renameat(root, "p", root, "b/g", RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(vfs_renameat(root, "p", root, "q", RENAME_NOREPLACE), 0);
	ck_assert_int_eq(vfs_renameat(root, "q", root, "p", 8), -EINVAL);
	ck_assert_str_eq(cat("q"), "P");
	/* NOREPLACE over another link to the same file, or the same name: EEXIST all the same. */
	ck_assert_int_eq(vfs_linkat(root, "q", root, "q2", 0), 0);
	ck_assert_int_eq(vfs_renameat(root, "q", root, "q2", RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(vfs_renameat(root, "q", root, "q", RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(vfs_unlinkat(root, "q2", false), 0);
	ck_assert_int_eq(vfs_renameat(root, "q", root, "b/g", RENAME_WHITEOUT), -EINVAL);
	ck_assert_int_eq(vfs_renameat(root, "q", root, "b/g", RENAME_EXCHANGE | RENAME_NOREPLACE),
			 -EINVAL);
}
END_TEST

START_TEST(test_rename_exchange)
{
	struct kstat st, ast, bst;
	ck_assert_int_eq(vfs_mkdirat(root, "a", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "a/sub", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "b", 0755), 0);
	ck_assert_int_eq(put_file("a/f", "F", 1), 1);
	ck_assert_int_eq(put_file("b/g", "G", 1), 1);
	/* Two files swap; a missing one is ENOENT. */
	ck_assert_int_eq(vfs_renameat(root, "a/f", root, "b/g", RENAME_EXCHANGE), 0);
	ck_assert_str_eq(cat("a/f"), "G");
	ck_assert_str_eq(cat("b/g"), "F");
	ck_assert_int_eq(vfs_renameat(root, "a/f", root, "b/none", RENAME_EXCHANGE), -ENOENT);
	ck_assert_int_eq(vfs_renameat(root, "a/none", root, "b/g", RENAME_EXCHANGE), -ENOENT);
	/* A directory and a file across directories: "..", link counts and types follow. */
	ck_assert_int_eq(vfs_renameat(root, "a/sub", root, "b/g", RENAME_EXCHANGE), 0);
	ck_assert_int_eq(stat_path("b/g", 0, &st), 0);
	ck_assert(S_ISDIR(st.mode));
	ck_assert_str_eq(cat("a/sub"), "F");
	ck_assert_int_eq(stat_path("a", 0, &ast), 0);
	ck_assert_int_eq(stat_path("b", 0, &bst), 0);
	ck_assert_uint_eq(ast.nlink, 2);
	ck_assert_uint_eq(bst.nlink, 3);
	ck_assert_int_eq(stat_path("b/g/..", 0, &st), 0);
	ck_assert_uint_eq(st.ino, bst.ino);
	/* Never a directory into itself. */
	ck_assert_int_eq(vfs_mkdirat(root, "b/g/deep", 0755), 0);
	ck_assert_int_eq(vfs_renameat(root, "b/g", root, "b/g/deep", RENAME_EXCHANGE), -EINVAL);
	ck_assert_int_eq(vfs_renameat(root, "b/g/deep", root, "b/g", RENAME_EXCHANGE), -EINVAL);
	/* The same file: nothing happens. */
	ck_assert_int_eq(vfs_renameat(root, "a/f", root, "a/f", RENAME_EXCHANGE), 0);
	ck_assert_str_eq(cat("a/f"), "G");
}
END_TEST

START_TEST(test_rename_frees_victim)
{
	ck_assert_int_eq(put_file("x", "xxxx", 4), 4);
	ck_assert_int_eq(put_file("y", "yyyy", 4), 4);
	ck_assert_int_eq(vfs_renameat(root, "x", root, "y", 0), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "y", false), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "d1", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "d2", 0755), 0);
	ck_assert_int_eq(vfs_renameat(root, "d1", root, "d2", 0), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "d2", true), 0);
	assert_no_leaks();
}
END_TEST

/* ---- directory listings ---- */

struct listing {
	int n;
	char names[64][32];
};

static void list_dir(struct file *f, size_t bufsize, struct listing *l)
{
	char *buf = malloc(bufsize);
	for (;;) {
		ssize_t n = vfs_getdents(f, buf, bufsize);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			ck_assert_int_eq(d->d_reclen % 8, 0);
			ck_assert_int_lt(l->n, 64);
			strcpy(l->names[l->n++], d->d_name);
			off += d->d_reclen;
		}
	}
	free(buf);
}

static bool listed(const struct listing *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return true;
	return false;
}

START_TEST(test_readdir)
{
	ck_assert_int_eq(vfs_mkdirat(root, "d", 0755), 0);
	char name[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "d/file%02d", i);
		ck_assert_int_eq(put_file(name, "", 0), 0);
	}
	ck_assert_int_eq(vfs_mkdirat(root, "d/subdir", 0755), 0);
	struct file *f;
	ck_assert_int_eq(open_at("d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	struct listing l = {0};
	list_dir(f, 4096, &l);
	ck_assert_int_eq(l.n, 23);
	ck_assert_str_eq(l.names[0], ".");
	ck_assert_str_eq(l.names[1], "..");
	ck_assert(listed(&l, "file00") && listed(&l, "file19") && listed(&l, "subdir"));

	/* Small buffers resume where they stopped; lseek(0) starts over. */
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_SET), 0);
	struct listing l2 = {0};
	list_dir(f, 40, &l2);
	ck_assert_int_eq(l2.n, 23);
	for (int i = 0; i < 23; i++)
		ck_assert_str_eq(l.names[i], l2.names[i]);
	char tiny[16];
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_SET), 0);
	ck_assert_int_eq(vfs_getdents(f, tiny, sizeof tiny), -EINVAL);
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_END), -EINVAL);

	/* Removing entries mid-listing skips them without repeating the others. */
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_SET), 0);
	char buf[64];
	ck_assert_int_gt(vfs_getdents(f, buf, sizeof buf), 0); /* "." and ".." */
	ck_assert_int_eq(vfs_unlinkat(root, "d/file05", false), 0);
	ck_assert_int_eq(put_file("d/late", "", 0), 0);
	struct listing l3 = {0};
	list_dir(f, 100, &l3);
	ck_assert(!listed(&l3, "file05"));
	ck_assert(listed(&l3, "late") && listed(&l3, "file04"));
	ck_assert_int_eq(l3.n, 21);
	file_put(f);

	/* Not a directory. */
	ck_assert_int_eq(open_at("d/file00", O_RDONLY, 0, &f), 0);
	ck_assert_int_eq(vfs_getdents(f, buf, sizeof buf), -ENOTDIR);
	file_put(f);
}
END_TEST

/* ---- getcwd and mounts ---- */

START_TEST(test_getcwd)
{
	char buf[PATH_MAX];
	ck_assert_int_eq(vfs_getcwd(root, buf, sizeof buf), 2);
	ck_assert_str_eq(buf, "/");
	ck_assert_int_eq(vfs_mkdirat(root, "usr", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "usr/local", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "usr/local/bin", 0755), 0);
	struct inode *d;
	ck_assert_int_eq(vfs_lookup(root, "usr/local/bin", 0, &d), 0);
	ck_assert_int_eq(vfs_getcwd(d, buf, sizeof buf), 15);
	ck_assert_str_eq(buf, "/usr/local/bin");
	ck_assert_int_eq(vfs_getcwd(d, buf, 14), -ERANGE);
	ck_assert_int_eq(vfs_renameat(root, "usr/local", root, "opt", 0), 0);
	ck_assert_int_eq(vfs_getcwd(d, buf, sizeof buf), 9);
	ck_assert_str_eq(buf, "/opt/bin");
	inode_put(d);
}
END_TEST

START_TEST(test_mounts)
{
	struct kstat st, rst;
	ck_assert_int_eq(vfs_mkdirat(root, "mnt", 0755), 0);
	ck_assert_int_eq(put_file("mnt/hidden", "H", 1), 1);
	struct superblock *sb = ramfs_create("tmpfs");
	struct inode *mp;
	ck_assert_int_eq(vfs_lookup(root, "mnt", 0, &mp), 0);
	ck_assert_int_eq(vfs_mount(sb, mp), 0);
	ck_assert_int_eq(vfs_mount(sb, mp), -EBUSY);
	ck_assert_int_eq(vfs_mount(sb, root), -EBUSY);
	inode_put(mp);

	ck_assert(!exists("mnt/hidden"));
	ck_assert_int_eq(stat_path("mnt", 0, &st), 0);
	ck_assert_uint_eq(st.dev, sb->dev);
	ck_assert_int_eq(vfs_mkdirat(root, "mnt/inner", 0755), 0);
	ck_assert_int_eq(put_file("mnt/inner/f", "in", 2), 2);
	ck_assert_str_eq(cat("/mnt/inner/../inner/f"), "in");
	/* ".." of the mounted root is the directory above the mount point. */
	ck_assert_int_eq(stat_path("/mnt/..", 0, &st), 0);
	ck_assert_int_eq(stat_path("/", 0, &rst), 0);
	ck_assert_uint_eq(st.ino, rst.ino);
	ck_assert_uint_eq(st.dev, rst.dev);
	ck_assert_int_eq(stat_path("/mnt/inner/../../mnt/inner/f", 0, &st), 0);

	struct inode *inner;
	ck_assert_int_eq(vfs_lookup(root, "mnt/inner", 0, &inner), 0);
	char buf[64];
	ck_assert_int_eq(vfs_getcwd(inner, buf, sizeof buf), 11);
	ck_assert_str_eq(buf, "/mnt/inner");
	ck_assert_int_eq(vfs_lookup(inner, "../..", 0, &mp), 0);
	ck_assert_ptr_eq(mp, root);
	inode_put(mp);
	inode_put(inner);

	/* Busy mount points, cross-device links and renames. */
	ck_assert_int_eq(vfs_unlinkat(root, "mnt", true), -EBUSY);
	ck_assert_int_eq(vfs_renameat(root, "mnt", root, "mnt2", 0), -EBUSY);
	ck_assert_int_eq(put_file("top", "t", 1), 1);
	ck_assert_int_eq(vfs_renameat(root, "top", root, "mnt/top", 0), -EXDEV);
	ck_assert_int_eq(vfs_linkat(root, "top", root, "mnt/top", 0), -EXDEV);
	/* A symlink on the mounted fs pointing back to the root's tree. */
	ck_assert_int_eq(vfs_symlinkat("/top", root, "mnt/back"), 0);
	ck_assert_str_eq(cat("mnt/back"), "t");
	ck_assert_int_eq(vfs_symlinkat("..", root, "mnt/up"), 0);
	ck_assert_str_eq(cat("mnt/up/top"), "t");
}
END_TEST

/* umount: busy while anything holds an inode there; then the whole tree is freed (ASan checks). */
START_TEST(test_umount)
{
	ck_assert_int_eq(vfs_mkdirat(root, "mnt", 0755), 0);
	struct inode *mp;
	ck_assert_int_eq(vfs_lookup(root, "mnt", 0, &mp), 0);
	ck_assert_int_eq(vfs_mount(ramfs_create("tmpfs"), mp), 0);
	inode_put(mp);
	ck_assert_int_eq(vfs_mkdirat(root, "mnt/a", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "mnt/a/b", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "mnt/a/b/c", 0755), 0);
	ck_assert_int_eq(put_file("mnt/a/b/c/f", "data", 4), 4);
	ck_assert_int_eq(vfs_linkat(root, "mnt/a/b/c/f", root, "mnt/g", 0), 0);
	ck_assert_int_eq(vfs_symlinkat("a/b", root, "mnt/l"), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "mnt/e", 0755), 0);

	struct inode *ip, *deep;
	/* Not a mount, and the root file system: never unmounted. */
	ck_assert_int_eq(vfs_lookup(root, "mnt/a", 0, &ip), 0);
	ck_assert_int_eq(vfs_umount(ip), -EINVAL);
	ck_assert_int_eq(vfs_umount(vfs_root()), -EBUSY);
	/* An inode held deep inside makes it busy. */
	ck_assert_int_eq(vfs_lookup(root, "mnt/a/b/c", 0, &deep), 0);
	ck_assert_int_eq(vfs_lookup(root, "mnt", 0, &ip), 0);
	ck_assert_int_eq(vfs_umount(ip), -EBUSY);
	inode_put(deep);
	ck_assert_int_eq(vfs_lookup(root, "mnt", 0, &ip), 0);
	ck_assert_int_eq(vfs_umount(ip), 0);
	/* The directory below shows again, empty, and may take a new mount. */
	ck_assert(!exists("mnt/g"));
	ck_assert_int_eq(vfs_lookup(root, "mnt", 0, &mp), 0);
	ck_assert_int_eq(vfs_mount(ramfs_create("tmpfs"), mp), 0);
	inode_put(mp);
	ck_assert_int_eq(vfs_lookup(root, "mnt", 0, &ip), 0);
	ck_assert_int_eq(vfs_umount(ip), 0);

	char buf[256];
	ck_assert_int_eq(vfs_mounts_text(buf, sizeof buf), 21);
	ck_assert_str_eq(buf, "ramfs / ramfs rw 0 0\n");
}
END_TEST

/* vfs_realpath: every symlink resolved, the last one too. */
START_TEST(test_realpath)
{
	char buf[PATH_MAX];
	ck_assert_int_eq(vfs_mkdirat(root, "bin", 0755), 0);
	ck_assert_int_eq(put_file("bin/busybox", "x", 1), 1);
	ck_assert_int_eq(vfs_symlinkat("busybox", root, "bin/sh"), 0);
	ck_assert_int_eq(vfs_symlinkat("/bin", root, "b"), 0);
	ck_assert_int_eq(vfs_realpath(root, "/b/sh", buf, sizeof buf), 12);
	ck_assert_str_eq(buf, "/bin/busybox");
	ck_assert_int_eq(vfs_realpath(root, "bin/../bin/busybox", buf, sizeof buf), 12);
	ck_assert_int_eq(put_file("top", "t", 1), 1);
	ck_assert_int_eq(vfs_realpath(root, "/top", buf, sizeof buf), 4);
	ck_assert_str_eq(buf, "/top");
	ck_assert_int_eq(vfs_realpath(root, "/bin/none", buf, sizeof buf), -ENOENT);
	ck_assert_int_eq(vfs_realpath(root, "/b/sh", buf, 8), -ENAMETOOLONG);
	ck_assert_int_eq(vfs_symlinkat("loop", root, "loop"), 0);
	ck_assert_int_eq(vfs_realpath(root, "loop", buf, sizeof buf), -ELOOP);
}
END_TEST

/* ---- device nodes and char devices ---- */

static ssize_t fake_read(struct file *f, struct uio *u, u64 *pos)
{
	size_t n = u->resid;
	int r = uio_zero(u, n);
	return r < 0 ? r : (ssize_t)n;
}

static int fake_open(struct inode *ip, struct file *f)
{
	f->fmode |= FMODE_STREAM;
	return 0;
}

static const struct file_ops fake_fops = {.read = fake_read, .open = fake_open};

START_TEST(test_device_nodes)
{
	ck_assert_int_eq(chrdev_register(mkdev(1, 5), &fake_fops, NULL), 0);
	ck_assert_int_eq(chrdev_register(mkdev(1, 5), &fake_fops, NULL), -EBUSY);
	ck_assert_int_eq(vfs_mknodat(root, "zero", S_IFCHR | 0666, mkdev(1, 5)), 0);
	ck_assert_int_eq(vfs_mknodat(root, "nodev", S_IFCHR | 0666, mkdev(200, 1)), 0);
	ck_assert_int_eq(vfs_mknodat(root, "fifo", S_IFIFO | 0666, 0), 0);
	ck_assert_int_eq(vfs_mknodat(root, "dir", S_IFDIR | 0755, 0), -EPERM);
	ck_assert_int_eq(vfs_mknodat(root, "bad", 0170000, 0), -EINVAL);
	struct kstat st;
	ck_assert_int_eq(stat_path("zero", 0, &st), 0);
	ck_assert_uint_eq(st.rdev, mkdev(1, 5));
	ck_assert_uint_eq(dev_major(st.rdev), 1);
	ck_assert_uint_eq(dev_minor(st.rdev), 5);
	struct file *f;
	ck_assert_int_eq(open_at("zero", O_RDONLY, 0, &f), 0);
	ck_assert(f->fmode & FMODE_STREAM);
	char buf[8] = "xxxxxxx";
	struct uio u;
	uio_init_kernel(&u, buf, 8);
	ck_assert_int_eq(vfs_read(f, &u), 8);
	ck_assert_int_eq(buf[3], 0);
	uio_init_kernel(&u, buf, 8);
	ck_assert_int_eq(vfs_pread(f, &u, 0), -ESPIPE);
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_SET), -ESPIPE);
	ck_assert_int_eq(vfs_ioctl(f, 0x5401, 0, NULL), -ENOTTY);
	file_put(f);
	ck_assert_int_eq(open_at("nodev", O_RDONLY, 0, &f), -ENXIO);
	ck_assert_int_eq(open_at("fifo", O_RDONLY, 0, &f), -ENXIO);

	/* Large device numbers survive the encoding. */
	kdev_t d = mkdev(0x12345, 0xabcdef);
	ck_assert_uint_eq(dev_major(d), 0x12345);
	ck_assert_uint_eq(dev_minor(d), 0xabcdef);
}
END_TEST

START_TEST(test_devfs)
{
	ck_assert_int_eq(vfs_mkdirat(root, "dev", 0755), 0);
	struct superblock *sb = devfs_create();
	ck_assert_ptr_nonnull(sb);
	struct inode *dev;
	ck_assert_int_eq(vfs_lookup(root, "dev", 0, &dev), 0);
	ck_assert_int_eq(vfs_mount(sb, dev), 0);
	inode_put(dev);
	static const struct {
		const char *path;
		u32 mode, major, minor;
	} want[] = {{"/dev/console", S_IFCHR | 0600, 5, 1}, {"/dev/tty", S_IFCHR | 0666, 5, 0},
		    {"/dev/null", S_IFCHR | 0666, 1, 3},    {"/dev/zero", S_IFCHR | 0666, 1, 5},
		    {"/dev/full", S_IFCHR | 0666, 1, 7},    {"/dev/random", S_IFCHR | 0666, 1, 8},
		    {"/dev/urandom", S_IFCHR | 0666, 1, 9}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct kstat st;
		ck_assert_int_eq(stat_path(want[i].path, 0, &st), 0);
		ck_assert_uint_eq(st.mode, want[i].mode);
		ck_assert_uint_eq(st.rdev, mkdev(want[i].major, want[i].minor));
		ck_assert_uint_eq(st.dev, sb->dev);
	}
	/* No driver registered in this test: opening gives ENXIO, not a crash. */
	struct file *f;
	ck_assert_int_eq(open_at("/dev/null", O_RDWR, 0, &f), -ENXIO);
	/* The standard streams by name, as links into /proc. */
	char target[32];
	ssize_t n = vfs_readlinkat(root, "/dev/stderr", target, sizeof target);
	ck_assert_int_eq(n, 15);
	ck_assert(!memcmp(target, "/proc/self/fd/2", 15));
	ck_assert_int_eq(vfs_symlinkat("/proc/self/fd", root, "/dev/fd"), -EEXIST);
	/* /dev is an ordinary ramfs otherwise. */
	ck_assert_int_eq(vfs_symlinkat("/dev/vda", root, "/dev/disk0"), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "/dev/pts", 0755), 0);
}
END_TEST

START_TEST(test_exec_and_kernel_read)
{
	ck_assert_int_eq(put_file("prog", "\x7f" "ELF....", 8), 8);
	struct inode *ip;
	ck_assert_int_eq(vfs_open_exec_at(root, "prog", &ip), -EACCES); /* 0644 */
	ck_assert_int_eq(vfs_mkdirat(root, "bin", 0755), 0);
	ck_assert_int_eq(vfs_open_exec_at(root, "bin", &ip), -EACCES);
	ck_assert_int_eq(vfs_open_exec_at(root, "missing", &ip), -ENOENT);
	struct file *f;
	ck_assert_int_eq(open_at("bin/tool", O_CREAT | O_WRONLY, 0755, &f), 0);
	struct uio u;
	uio_init_kernel(&u, "\x7f" "ELF", 4);
	ck_assert_int_eq(vfs_write(f, &u), 4);
	file_put(f);
	ck_assert_int_eq(vfs_symlinkat("/bin/tool", root, "link"), 0);
	ck_assert_int_eq(vfs_open_exec_at(root, "link", &ip), 0);
	char buf[8];
	ck_assert_int_eq(inode_read_kernel(ip, 1, buf, 8), 3);
	ck_assert_int_eq(memcmp(buf, "ELF", 3), 0);
	ck_assert_int_eq(inode_read_kernel(ip, 100, buf, 8), 0);
	inode_put(ip);
	ck_assert_int_eq(vfs_lookup(root, "bin", 0, &ip), 0);
	ck_assert_int_eq(inode_read_kernel(ip, 0, buf, 8), -EINVAL);
	inode_put(ip);
}
END_TEST

START_TEST(test_stat_layouts)
{
	ck_assert_int_eq(put_file("s", "12345", 5), 5);
	struct kstat k;
	ck_assert_int_eq(stat_path("s", 0, &k), 0);
	struct linux_stat st;
	kstat_to_stat(&k, &st);
	ck_assert_uint_eq(st.st_size, 5);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0644);
	ck_assert_uint_eq(st.st_blksize, 4096);
	ck_assert_uint_eq(offsetof(struct linux_stat, st_mode), 24);
	ck_assert_uint_eq(offsetof(struct linux_stat, st_rdev), 40);
	ck_assert_uint_eq(offsetof(struct linux_stat, st_atime_sec), 72);
	struct linux_statx sx;
	kstat_to_statx(&k, &sx);
	ck_assert_uint_eq(sx.stx_mask, STATX_BASIC_STATS);
	ck_assert_uint_eq(sx.stx_size, 5);
	ck_assert_uint_eq(sx.stx_ino, k.ino);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ramfs");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_write_read);
	tcase_add_test(tc, test_open_flags);
	tcase_add_test(tc, test_append_and_seek);
	tcase_add_test(tc, test_sparse_and_truncate);
	tcase_add_test(tc, test_big_file_crosses_pages);
	tcase_add_test(tc, test_no_space);
	tcase_add_test(tc, test_bad_user_pointers);
	tcase_add_test(tc, test_path_edge_cases);
	tcase_add_test(tc, test_name_too_long);
	tcase_add_test(tc, test_mkdir_rmdir);
	tcase_add_test(tc, test_removed_directory);
	tcase_add_test(tc, test_unlink_open_file);
	tcase_add_test(tc, test_hard_links);
	tcase_add_test(tc, test_symlinks);
	tcase_add_test(tc, test_symlink_loops);
	tcase_add_test(tc, test_symlink_expansion_too_long);
	tcase_add_test(tc, test_rename);
	tcase_add_test(tc, test_rename_frees_victim);
	tcase_add_test(tc, test_rename_exchange);
	tcase_add_test(tc, test_readdir);
	tcase_add_test(tc, test_getcwd);
	tcase_add_test(tc, test_mounts);
	tcase_add_test(tc, test_device_nodes);
	tcase_add_test(tc, test_umount);
	tcase_add_test(tc, test_realpath);
	tcase_add_test(tc, test_devfs);
	tcase_add_test(tc, test_exec_and_kernel_read);
	tcase_add_test(tc, test_stat_layouts);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
