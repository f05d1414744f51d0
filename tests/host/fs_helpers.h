/*
 * Helpers for the file-system host tests: a fresh ramfs root per test
 * (Check runs each test in its own process, so vfs_mount_root's "once"
 * holds), and short ways to write, read and stat files by path.
 */
#pragma once

#include <check.h>
#include <string.h>
#include "fs_shim.h"
#include "fs/vfs.h"
#include "fs/ramfs.h"
#include "lib/errno.h"

static struct inode *root;

/* A "user" domain for uios: the shim treats its addresses as host pointers, page 0 faulting. */
static char fake_domain __attribute__((unused));
#define UDOM ((struct domain *)&fake_domain)

static inline void fs_setup(void)
{
	struct superblock *sb = ramfs_create("ramfs");
	ck_assert_ptr_nonnull(sb);
	vfs_mount_root(sb);
	root = vfs_root();
}

static inline int open_at(const char *path, int flags, u32 mode, struct file **f)
{
	return vfs_openat(root, path, flags, mode, f);
}

/* Write len bytes at the start of path (created or truncated); bytes written or -errno. */
static inline ssize_t put_file(const char *path, const void *data, size_t len)
{
	struct file *f;
	int r = open_at(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
	if (r < 0)
		return r;
	struct uio u;
	uio_init_kernel(&u, (void *)data, len);
	ssize_t n = vfs_write(f, &u);
	file_put(f);
	return n;
}

static inline ssize_t get_file(const char *path, void *buf, size_t len)
{
	struct file *f;
	int r = open_at(path, O_RDONLY, 0, &f);
	if (r < 0)
		return r;
	struct uio u;
	uio_init_kernel(&u, buf, len);
	ssize_t n = vfs_read(f, &u);
	file_put(f);
	return n;
}

/* The file's contents as a NUL-terminated string in a static buffer (tests only). */
static inline const char *cat(const char *path)
{
	static char buf[8192];
	ssize_t n = get_file(path, buf, sizeof buf - 1);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static inline int stat_path(const char *path, unsigned flags, struct kstat *st)
{
	struct inode *ip;
	int r = vfs_lookup(root, path, flags, &ip);
	if (r < 0)
		return r;
	vfs_getattr(ip, st);
	inode_put(ip);
	return 0;
}

static inline bool exists(const char *path)
{
	struct kstat st;
	return stat_path(path, 0, &st) == 0;
}

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
