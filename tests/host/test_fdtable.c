/*
 * Unit tests for file-descriptor tables (kernel/fs/fdtable.c): lowest free
 * descriptor, growth up to FD_MAX, dup2/dup3 semantics, FD_CLOEXEC, fork
 * sharing open files (and offsets), and references released on close.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fs_helpers.h"
#include "fs/fdtable.h"

static long heap_before;

static void setup(void)
{
	fs_setup();
	ck_assert_int_eq(put_file("/f", "0123456789", 10), 10);
	heap_before = shim_heap_live;
}

static void teardown(void)
{
	inode_put(root);
}

static struct file *open_f(void)
{
	struct file *f;
	ck_assert_int_eq(open_at("/f", O_RDONLY, 0, &f), 0);
	return f;
}

START_TEST(test_lowest_free)
{
	struct fdtable *t = fdtable_create();
	ck_assert_int_eq(fd_alloc(t, open_f(), 0, false), 0);
	ck_assert_int_eq(fd_alloc(t, open_f(), 0, false), 1);
	ck_assert_int_eq(fd_alloc(t, open_f(), 0, false), 2);
	ck_assert_int_eq(fd_close(t, 1), 0);
	ck_assert_int_eq(fd_close(t, 1), -EBADF);
	ck_assert_int_eq(fd_close(t, -1), -EBADF);
	ck_assert_int_eq(fd_close(t, 5000), -EBADF);
	ck_assert_int_eq(fd_alloc(t, open_f(), 0, false), 1);
	ck_assert_int_eq(fd_alloc(t, open_f(), 10, false), 10);
	ck_assert_int_eq(fd_alloc(t, open_f(), 10, false), 11);
	ck_assert_ptr_null(fd_get(t, 3));
	ck_assert_ptr_null(fd_get(t, -5));
	ck_assert_ptr_null(fd_get(t, 1 << 30));
	struct file *f = fd_get(t, 10);
	ck_assert_ptr_nonnull(f);
	file_put(f);
	struct file *g = open_f();
	ck_assert_int_eq(fd_alloc(t, g, -1, false), -EINVAL);
	ck_assert_int_eq(fd_alloc(t, g, FD_MAX, false), -EINVAL);
	file_put(g);
	fdtable_put(t);
	ck_assert_int_eq(shim_heap_live, heap_before);
}
END_TEST

START_TEST(test_grow_to_limit)
{
	struct fdtable *t = fdtable_create();
	struct file *f = open_f();
	for (int i = 0; i < FD_MAX; i++)
		ck_assert_int_eq(fd_alloc(t, file_get(f), 0, i % 3 == 0), i);
	struct file *extra = file_get(f);
	ck_assert_int_eq(fd_alloc(t, extra, 0, false), -EMFILE);
	file_put(extra);
	ck_assert_int_eq(fd_get_cloexec(t, 999), 1);
	ck_assert_int_eq(fd_get_cloexec(t, 1000), 0);
	ck_assert_int_eq(f->refs, FD_MAX + 1);
	file_put(f);
	fdtable_put(t);
	ck_assert_int_eq(shim_heap_live, heap_before);
}
END_TEST

START_TEST(test_dup_to)
{
	struct fdtable *t = fdtable_create();
	struct file *a = open_f(), *b = open_f();
	ck_assert_int_eq(fd_alloc(t, a, 0, false), 0);
	ck_assert_int_eq(fd_alloc(t, b, 0, true), 1);
	/* dup2(0, 1): 1 now names a; b's last reference is gone. */
	ck_assert_int_eq(fd_dup_to(t, 0, 1, false), 1);
	struct file *x = fd_get(t, 1);
	ck_assert_ptr_eq(x, a);
	file_put(x);
	ck_assert_int_eq(fd_get_cloexec(t, 1), 0);
	/* dup2(fd, fd) changes nothing, not even FD_CLOEXEC. */
	ck_assert_int_eq(fd_set_cloexec(t, 0, true), 0);
	ck_assert_int_eq(fd_dup_to(t, 0, 0, false), 0);
	ck_assert_int_eq(fd_get_cloexec(t, 0), 1);
	/* Far targets grow the table; bad ones are EBADF. */
	ck_assert_int_eq(fd_dup_to(t, 0, 700, true), 700);
	ck_assert_int_eq(fd_get_cloexec(t, 700), 1);
	ck_assert_int_eq(fd_dup_to(t, 0, FD_MAX, false), -EBADF);
	ck_assert_int_eq(fd_dup_to(t, 0, -1, false), -EBADF);
	ck_assert_int_eq(fd_dup_to(t, 5, 6, false), -EBADF);
	ck_assert_int_eq(fd_set_cloexec(t, 5, true), -EBADF);
	ck_assert_int_eq(fd_get_cloexec(t, 5), -EBADF);
	fdtable_put(t);
	ck_assert_int_eq(shim_heap_live, heap_before);
}
END_TEST

START_TEST(test_fork_shares_offsets)
{
	struct fdtable *parent = fdtable_create();
	ck_assert_int_eq(fd_alloc(parent, open_f(), 0, false), 0);
	ck_assert_int_eq(fd_alloc(parent, open_f(), 0, true), 1);
	struct fdtable *child = fdtable_fork(parent);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(fd_get_cloexec(child, 1), 1);

	/* A read through the parent's fd moves the child's offset too. */
	struct file *pf = fd_get(parent, 0), *cf = fd_get(child, 0);
	ck_assert_ptr_eq(pf, cf);
	char buf[4];
	struct uio u;
	uio_init_kernel(&u, buf, 4);
	ck_assert_int_eq(vfs_read(pf, &u), 4);
	uio_init_kernel(&u, buf, 4);
	ck_assert_int_eq(vfs_read(cf, &u), 4);
	ck_assert_int_eq(memcmp(buf, "4567", 4), 0);
	file_put(pf);
	file_put(cf);

	/* Descriptors are the child's own. */
	ck_assert_int_eq(fd_close(child, 0), 0);
	struct file *still = fd_get(parent, 0);
	ck_assert_ptr_nonnull(still);
	file_put(still);
	fdtable_close_on_exec(child);
	ck_assert_ptr_null(fd_get(child, 1));
	still = fd_get(parent, 1);
	ck_assert_ptr_nonnull(still);
	file_put(still);
	fdtable_put(child);

	/* Shared by threads: the last put closes. */
	fdtable_get(parent);
	fdtable_put(parent);
	still = fd_get(parent, 0);
	ck_assert_ptr_nonnull(still);
	file_put(still);
	fdtable_put(parent);
	ck_assert_int_eq(shim_heap_live, heap_before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdtable");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lowest_free);
	tcase_add_test(tc, test_grow_to_limit);
	tcase_add_test(tc, test_dup_to);
	tcase_add_test(tc, test_fork_shares_offsets);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
