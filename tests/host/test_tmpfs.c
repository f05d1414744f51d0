/*
 * Host tests for ramfs directories at scale and tmpfs's limits
 * (kernel/fs/ramfs.c, ramfs_dir.c, tmpfs.c), and for read-only mounts
 * (the VFS's EROFS checks in namei.c, vfs.c).
 *
 * Big directories: no operation walks the directory. The index counts
 * the entries it looks at (dirindex_visits, host builds only); creating,
 * finding, listing and removing 20,000 entries must look at a few per
 * operation, where list walks looked at 200 million (16,000 creates took
 * 71 s on Ferry). Listings stay in creation order, and a position from
 * one listing resumes another (telldir/seekdir), entries removed or not.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fs_helpers.h"
#include "fs/ramfs_dir.h"
#include "proc/cur.h"

#define BIG 20000

static void setup(void)
{
	fs_setup();
}

static void teardown(void)
{
	inode_put(root);
}

/* Mount a tmpfs with options on /path (made here); its superblock. */
static struct superblock *mount_tmpfs(const char *path, const char *options, bool rdonly)
{
	ck_assert_int_eq(vfs_mkdirat(root, path, 0755), 0);
	struct superblock *sb = NULL;
	ck_assert_int_eq(tmpfs_create(options, rdonly, &sb), 0);
	struct inode *dir;
	ck_assert_int_eq(vfs_lookup(root, path, LOOKUP_FOLLOW, &dir), 0);
	ck_assert_int_eq(vfs_mount(sb, dir), 0);
	inode_put(dir);
	return sb;
}

static u64 pos_of(struct file *f)
{
	return f->pos;
}

/* The next entry's name from f (skipping . and ..), "" at the end; one entry per call. */
static const char *next_name(struct file *f)
{
	static char buf[512];
	static char name[300];
	for (;;) {
		u64 before = f->pos;
		/* A buffer for exactly one entry: each call moves the position past one. */
		ssize_t n = vfs_getdents(f, buf, 32);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			return "";
		struct linux_dirent64 *d = (struct linux_dirent64 *)buf;
		ck_assert_int_eq(n, d->d_reclen);
		ck_assert_uint_gt(f->pos, before);
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			return strcpy(name, d->d_name);
	}
}

START_TEST(test_big_directory_is_not_quadratic)
{
	char name[64];
	ck_assert_int_eq(vfs_mkdirat(root, "big", 0755), 0);
	dirindex_visits = 0;
	for (int i = 0; i < BIG; i++) {
		snprintf(name, sizeof name, "big/file%05d", i);
		ck_assert_int_eq(put_file(name, "", 0), 0);
		ck_assert(exists(name));
	}
	ck_assert_int_eq(put_file("big/file00042", "x", 1), 1); /* found, not made again */
	/* Listing: every entry once, in creation order. */
	struct file *f;
	ck_assert_int_eq(open_at("big", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	char *buf = malloc(32768);
	int seen = 0;
	for (ssize_t n; (n = vfs_getdents(f, buf, 32768)) > 0;) {
		for (ssize_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
				snprintf(name, sizeof name, "file%05d", seen);
				ck_assert_str_eq(d->d_name, name);
				seen++;
			}
			off += d->d_reclen;
		}
	}
	free(buf);
	file_put(f);
	ck_assert_int_eq(seen, BIG);
	for (int i = 0; i < BIG; i++) {
		snprintf(name, sizeof name, "big/file%05d", i);
		ck_assert_int_eq(vfs_unlinkat(root, name, false), 0);
	}
	ck_assert_int_eq(vfs_unlinkat(root, "big", true), 0);
	/* A few looks per operation (hash chains, a binary search per listing call), not n. */
	printf("big directory: %lu entries looked at for %d files\n", dirindex_visits, BIG);
	ck_assert_uint_lt(dirindex_visits, 40UL * BIG);
}
END_TEST

START_TEST(test_positions_resume_listings)
{
	char name[64];
	ck_assert_int_eq(vfs_mkdirat(root, "d", 0755), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "d/e%03d", i);
		ck_assert_int_eq(put_file(name, "", 0), 0);
	}
	struct file *f;
	ck_assert_int_eq(open_at("d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	for (int i = 0; i < 100; i++)
		next_name(f);
	u64 at100 = pos_of(f); /* telldir: e100 comes next */
	ck_assert_str_eq(next_name(f), "e100");
	/* Entries before and at the position go, new ones come: a later seek still resumes there. */
	for (int i = 50; i <= 100; i++) {
		snprintf(name, sizeof name, "d/e%03d", i);
		ck_assert_int_eq(vfs_unlinkat(root, name, false), 0);
	}
	ck_assert_int_eq(put_file("d/late", "", 0), 0);
	ck_assert_int_eq(vfs_lseek(f, (i64)at100, SEEK_SET), (i64)at100); /* seekdir */
	ck_assert_str_eq(next_name(f), "e101"); /* e100 is gone: the first one after it */
	for (int i = 102; i < 300; i++) {
		snprintf(name, sizeof name, "e%03d", i);
		ck_assert_str_eq(next_name(f), name);
	}
	ck_assert_str_eq(next_name(f), "late"); /* made during the listing: after every older one */
	ck_assert_str_eq(next_name(f), "");
	/* Rewind: the whole listing again, without the removed ones. */
	ck_assert_int_eq(vfs_lseek(f, 0, SEEK_SET), 0);
	int n = 0;
	while (*next_name(f))
		n++;
	ck_assert_int_eq(n, 300 - 51 + 1);
	file_put(f);
}
END_TEST

START_TEST(test_tmpfs_size_limit)
{
	struct superblock *sb = mount_tmpfs("t", "size=16k,nr_inodes=6", false);
	/* Four pages of data: the fifth is ENOSPC, and a write stops short there. */
	static char page[4096];
	memset(page, 'x', sizeof page);
	ck_assert_int_eq(put_file("t/a", page, 4096), 4096);
	ck_assert_int_eq(put_file("t/b", page, 4096), 4096);
	struct file *f;
	ck_assert_int_eq(open_at("t/c", O_WRONLY | O_CREAT, 0644, &f), 0);
	struct uio u;
	static char three[3 * 4096];
	uio_init_kernel(&u, three, sizeof three);
	ck_assert_int_eq(vfs_write(f, &u), 2 * 4096); /* short: two pages were left */
	uio_init_kernel(&u, page, 1);
	ck_assert_int_eq(vfs_write(f, &u), -ENOSPC);
	file_put(f);
	struct fs_usage use;
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.blocks, 4);
	ck_assert_uint_eq(use.bfree, 0);
	ck_assert_uint_eq(use.files, 6);
	ck_assert_uint_eq(use.ffree, 2); /* the root and three files */
	/* Space comes back with a truncate or an unlink. */
	ck_assert_int_eq(vfs_unlinkat(root, "t/a", false), 0);
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.bfree, 1);
	ck_assert_int_eq(put_file("t/d", page, 4096), 4096);
	/* Inodes: six in all. */
	ck_assert_int_eq(put_file("t/e", "", 0), 0);
	ck_assert_int_eq(put_file("t/f", "", 0), 0);
	ck_assert_int_eq(put_file("t/g", "", 0), -ENOSPC);
	ck_assert_int_eq(vfs_mkdirat(root, "t/h", 0755), -ENOSPC);
	/* A remount raises the limits; it may not set them below what is in use. */
	struct inode *mnt;
	ck_assert_int_eq(vfs_lookup(root, "t", LOOKUP_FOLLOW, &mnt), 0);
	ck_assert_int_eq(sb->remount(sb, false, "size=4k"), -EINVAL);
	ck_assert_int_eq(sb->remount(sb, false, "nr_inodes=2"), -EINVAL);
	ck_assert_int_eq(sb->remount(sb, false, "size=1m,nr_inodes=100"), 0);
	ck_assert_int_eq(put_file("t/g", page, 4096), 4096);
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.blocks, 256);
	ck_assert_int_eq(sb->remount(sb, false, "bogus=1"), -EINVAL);
	ck_assert_int_eq(sb->remount(sb, false, "size=12q"), -EINVAL);
	inode_put(mnt);
}
END_TEST

START_TEST(test_tmpfs_options)
{
	struct superblock *sb;
	ck_assert_int_eq(tmpfs_create("size=1m,mode=0700,uid=5,gid=6", false, &sb), 0);
	ck_assert_uint_eq(sb->root->mode, S_IFDIR | 0700);
	ck_assert_uint_eq(sb->root->uid, 5);
	struct fs_usage use;
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.blocks, 256);
	sb->destroy(sb);
	/* Linux's default: half of RAM, and half as many inodes as RAM has pages. */
	ck_assert_int_eq(tmpfs_create(NULL, false, &sb), 0);
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.blocks, (SHIM_PAGES - 1) / 2);
	ck_assert_uint_eq(use.files, (SHIM_PAGES - 1) / 2);
	ck_assert_uint_eq(sb->root->mode, S_IFDIR | 01777);
	sb->destroy(sb);
	ck_assert_int_eq(tmpfs_create("size=50%", false, &sb), 0);
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.blocks, (SHIM_PAGES - 1) / 2);
	sb->destroy(sb);
	ck_assert_int_eq(tmpfs_create("size=0", false, &sb), 0); /* 0: no limit */
	sb->usage(sb, &use);
	ck_assert_uint_eq(use.blocks, 0);
	sb->destroy(sb);
	static const char *const bad[] = {"size", "size=", "size=-1", "size=1x", "nr_inodes=1%",
					  "mode=9", "mode=", "bogus", "size=99999999999999999999",
					  "uid=x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(tmpfs_create(bad[i], false, &sb) == -EINVAL, "option %s", bad[i]);
}
END_TEST

START_TEST(test_read_only_mount)
{
	struct superblock *sb = mount_tmpfs("ro", NULL, false);
	ck_assert_int_eq(put_file("ro/file", "data", 4), 4);
	ck_assert_int_eq(vfs_mkdirat(root, "ro/dir", 0755), 0);
	ck_assert_int_eq(vfs_mknodat(root, "ro/fifo", S_IFIFO | 0644, 0), 0);
	struct file *w;
	ck_assert_int_eq(open_at("ro/file", O_WRONLY, 0, &w), 0); /* open before the remount */
	ck_assert_int_eq(sb->remount(sb, true, NULL), 0);
	struct file *f;
	/* Every change is EROFS. */
	ck_assert_int_eq(open_at("ro/file", O_WRONLY, 0, &f), -EROFS);
	ck_assert_int_eq(open_at("ro/file", O_RDWR, 0, &f), -EROFS);
	ck_assert_int_eq(open_at("ro/file", O_RDONLY | O_TRUNC, 0, &f), -EROFS);
	ck_assert_int_eq(open_at("ro/new", O_WRONLY | O_CREAT, 0644, &f), -EROFS);
	ck_assert_int_eq(open_at("ro/file", O_CREAT | O_EXCL, 0644, &f), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(root, "ro/d2", 0755), -EROFS);
	ck_assert_int_eq(vfs_mkdirat(root, "ro/dir", 0755), -EEXIST); /* as Linux: EEXIST first */
	ck_assert_int_eq(vfs_mknodat(root, "ro/n", S_IFREG | 0644, 0), -EROFS);
	ck_assert_int_eq(vfs_symlinkat("file", root, "ro/l"), -EROFS);
	ck_assert_int_eq(vfs_linkat(root, "ro/file", root, "ro/l2", 0), -EROFS);
	ck_assert_int_eq(vfs_unlinkat(root, "ro/file", false), -EROFS);
	ck_assert_int_eq(vfs_unlinkat(root, "ro/none", false), -EROFS);
	ck_assert_int_eq(vfs_unlinkat(root, "ro/dir", true), -EROFS);
	ck_assert_int_eq(vfs_renameat(root, "ro/file", root, "ro/moved", 0), -EROFS);
	struct inode *ip;
	ck_assert_int_eq(vfs_lookup(root, "ro/file", 0, &ip), 0);
	ck_assert_int_eq(vfs_truncate(ip, 0), -EROFS);
	ck_assert_int_eq(vfs_permission(ip, MAY_WRITE, cur_cred()), -EROFS);
	ck_assert_int_eq(vfs_permission(ip, MAY_READ, cur_cred()), 0);
	inode_put(ip);
	struct uio u;
	uio_init_kernel(&u, "more", 4);
	ck_assert_int_eq(vfs_write(w, &u), -EROFS); /* opened for writing before */
	file_put(w);
	/* Reading still works; a FIFO on it still opens for writing (it is not the file system's). */
	ck_assert_str_eq(cat("ro/file"), "data");
	ck_assert_int_eq(vfs_lookup(root, "ro/fifo", 0, &ip), 0);
	ck_assert_int_eq(vfs_permission(ip, MAY_WRITE, cur_cred()), 0);
	inode_put(ip);
	/* And back to read-write. */
	ck_assert_int_eq(sb->remount(sb, false, NULL), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "ro/file", false), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tmpfs");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_big_directory_is_not_quadratic);
	tcase_add_test(tc, test_positions_resume_listings);
	tcase_add_test(tc, test_tmpfs_size_limit);
	tcase_add_test(tc, test_tmpfs_options);
	tcase_add_test(tc, test_read_only_mount);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
