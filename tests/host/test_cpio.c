/*
 * Unit tests for the cpio newc unpacker (kernel/fs/cpio.c): valid archives
 * (directories, files, symlinks, device nodes, hard links, checksums,
 * concatenation) and malformed ones, which must stop with a message that
 * says why and never crash — including a few thousand random mutations
 * under AddressSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fs_helpers.h"
#include "fs/cpio.h"

/* ---- building archives ---- */

struct ar {
	u8 *buf;
	size_t len, cap;
	const char *magic;
};

static void ar_put(struct ar *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 256;
		a->buf = realloc(a->buf, a->cap);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void ar_pad(struct ar *a)
{
	static const u8 zeros[4];
	ar_put(a, zeros, (4 - a->len % 4) % 4);
}

/* Offset of the entry's header is returned so tests can corrupt it. */
static size_t ar_entry_full(struct ar *a, const char *name, u32 mode, const void *data, size_t n,
			    u32 ino, u32 nlink, u32 rmaj, u32 rmin)
{
	size_t at = a->len;
	u32 check = 0;
	for (size_t i = 0; i < n; i++)
		check += ((const u8 *)data)[i];
	char hdr[111];
	snprintf(hdr, sizeof hdr, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 a->magic ? a->magic : "070701", ino, mode, 1000, 100, nlink, 1700000000,
		 (u32)n, 0, 0, rmaj, rmin, (u32)strlen(name) + 1,
		 a->magic && strcmp(a->magic, "070702") == 0 ? check : 0);
	ar_put(a, hdr, 110);
	ar_put(a, name, strlen(name) + 1);
	ar_pad(a);
	ar_put(a, data, n);
	ar_pad(a);
	return at;
}

static u32 next_ino = 1;

static size_t ar_file(struct ar *a, const char *name, u32 mode, const char *data)
{
	return ar_entry_full(a, name, S_IFREG | mode, data, strlen(data), next_ino++, 1, 0, 0);
}

static size_t ar_dir(struct ar *a, const char *name, u32 mode)
{
	return ar_entry_full(a, name, S_IFDIR | mode, "", 0, next_ino++, 2, 0, 0);
}

static size_t ar_symlink(struct ar *a, const char *name, const char *target)
{
	return ar_entry_full(a, name, S_IFLNK | 0777, target, strlen(target), next_ino++, 1, 0, 0);
}

static void ar_trailer(struct ar *a)
{
	ar_entry_full(a, "TRAILER!!!", 0, "", 0, 0, 1, 0, 0);
}

static int unpack(struct ar *a, struct cpio_result *res)
{
	return cpio_unpack(a->buf, a->len, root, res);
}

static void setup(void)
{
	fs_setup();
	next_ino = 1;
}

static void teardown(void)
{
	inode_put(root);
}

/* ---- valid archives ---- */

START_TEST(test_valid_tree)
{
	struct ar a = {0};
	ar_dir(&a, ".", 0755);
	ar_dir(&a, "bin", 0755);
	ar_file(&a, "bin/sh", 0755, "#!shell\n");
	ar_symlink(&a, "bin/ls", "sh");
	ar_dir(&a, "./etc", 0700);
	ar_file(&a, "./etc/passwd", 0644, "root:x:0:0::/:/bin/sh\n");
	ar_file(&a, "/usr/lib/deep/file", 0600, "deep"); /* parents not in the archive */
	ar_file(&a, "empty", 0644, "");
	ar_entry_full(&a, "console", S_IFCHR | 0600, "", 0, next_ino++, 1, 5, 1);
	ar_entry_full(&a, "fifo", S_IFIFO | 0644, "", 0, next_ino++, 1, 0, 0);
	ar_trailer(&a);
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	ck_assert_str_eq(res.msg, "");
	ck_assert_uint_eq(res.files, 4);
	ck_assert_uint_eq(res.dirs, 2);
	ck_assert_uint_eq(res.symlinks, 1);
	ck_assert_uint_eq(res.nodes, 2);

	ck_assert_str_eq(cat("/bin/sh"), "#!shell\n");
	ck_assert_str_eq(cat("/bin/ls"), "#!shell\n");
	ck_assert_str_eq(cat("/etc/passwd"), "root:x:0:0::/:/bin/sh\n");
	ck_assert_str_eq(cat("/usr/lib/deep/file"), "deep");
	ck_assert_str_eq(cat("/empty"), "");
	struct kstat st;
	ck_assert_int_eq(stat_path("/bin/sh", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFREG | 0755);
	ck_assert_uint_eq(st.uid, 1000);
	ck_assert_uint_eq(st.gid, 100);
	ck_assert_int_eq(st.mtime.sec, 1700000000);
	ck_assert_int_eq(stat_path("/etc", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0700);
	ck_assert_int_eq(stat_path("/usr/lib", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0755);
	ck_assert_int_eq(stat_path("/bin/ls", 0, &st), 0);
	ck_assert(S_ISLNK(st.mode));
	ck_assert_int_eq(stat_path("/console", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFCHR | 0600);
	ck_assert_uint_eq(st.rdev, mkdev(5, 1));
	ck_assert_int_eq(stat_path("/fifo", 0, &st), 0);
	ck_assert(S_ISFIFO(st.mode));
	free(a.buf);
}
END_TEST

START_TEST(test_hard_links)
{
	/* newc: all names of a file share ino; the data comes with the last one. */
	struct ar a = {0};
	ar_entry_full(&a, "one", S_IFREG | 0644, "", 0, 42, 3, 0, 0);
	ar_entry_full(&a, "two", S_IFREG | 0644, "", 0, 42, 3, 0, 0);
	ar_entry_full(&a, "three", S_IFREG | 0644, "payload", 7, 42, 3, 0, 0);
	ar_entry_full(&a, "other", S_IFREG | 0644, "x", 1, 43, 1, 0, 0);
	ar_trailer(&a);
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	ck_assert_uint_eq(res.files, 2);
	ck_assert_uint_eq(res.hardlinks, 2);
	ck_assert_str_eq(cat("one"), "payload");
	ck_assert_str_eq(cat("two"), "payload");
	struct kstat s1, s3;
	ck_assert_int_eq(stat_path("one", 0, &s1), 0);
	ck_assert_int_eq(stat_path("three", 0, &s3), 0);
	ck_assert_uint_eq(s1.ino, s3.ino);
	ck_assert_uint_eq(s1.nlink, 3);
	free(a.buf);
}
END_TEST

START_TEST(test_crc_format)
{
	struct ar a = {.magic = "070702"};
	ar_file(&a, "sum", 0644, "checked data");
	ar_trailer(&a);
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	ck_assert_str_eq(cat("sum"), "checked data");
	/* Flip one data byte: the checksum no longer matches. */
	ck_assert_int_eq(vfs_unlinkat(root, "sum", false), 0);
	size_t data_at = 116; /* header, "sum\0", padded to 4 */
	a.buf[data_at] ^= 0x20;
	ck_assert_int_eq(unpack(&a, &res), -EINVAL);
	ck_assert_ptr_nonnull(strstr(res.msg, "checksum"));
	ck_assert_uint_eq(res.offset, 0);
	free(a.buf);
}
END_TEST

START_TEST(test_concatenated)
{
	struct ar a = {0};
	ar_file(&a, "first", 0644, "1");
	ar_trailer(&a);
	static const u8 zeros[512];
	ar_put(&a, zeros, sizeof zeros); /* block padding, as cpio -o writes */
	ar_file(&a, "second", 0644, "2");
	ar_file(&a, "first", 0644, "replaced"); /* later entries win */
	ar_trailer(&a);
	ar_put(&a, zeros, 100);
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	ck_assert_str_eq(cat("first"), "replaced");
	ck_assert_str_eq(cat("second"), "2");
	free(a.buf);
}
END_TEST

START_TEST(test_replace_kinds)
{
	struct ar a = {0};
	ar_file(&a, "x", 0644, "file");
	ar_symlink(&a, "x", "target");
	ar_dir(&a, "d", 0755);
	ar_dir(&a, "d", 0711); /* a directory again: kept, attributes updated */
	ar_file(&a, "d/in", 0644, "in");
	ar_trailer(&a);
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	struct kstat st;
	ck_assert_int_eq(stat_path("x", 0, &st), 0);
	ck_assert(S_ISLNK(st.mode));
	ck_assert_int_eq(stat_path("d", 0, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0711);
	ck_assert_str_eq(cat("d/in"), "in");
	free(a.buf);
}
END_TEST

START_TEST(test_trailer_padding_may_be_cut)
{
	struct ar a = {0};
	ar_file(&a, "f", 0644, "data");
	ar_trailer(&a);
	a.len -= 1; /* "TRAILER!!!\0" ends 3 bytes before the next 4-byte boundary */
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	ck_assert_str_eq(cat("f"), "data");
	free(a.buf);
}
END_TEST

/* ---- malformed archives ---- */

/* Unpack a and expect -EINVAL (or err) with msg containing what, f1 present and f2 absent. */
static void expect_bad(struct ar *a, int err, const char *what, const char *present,
		       const char *absent)
{
	struct cpio_result res;
	ck_assert_int_eq(unpack(a, &res), err);
	if (!strstr(res.msg, what))
		ck_abort_msg("message '%s' does not mention '%s'", res.msg, what);
	ck_assert_int_eq(strncmp(res.msg, "cpio: entry at offset ", 22), 0);
	if (present)
		ck_assert(exists(present));
	if (absent)
		ck_assert(!exists(absent));
}

START_TEST(test_bad_magic)
{
	struct ar a = {0};
	ar_file(&a, "ok", 0644, "ok");
	size_t at = ar_file(&a, "bad", 0644, "bad");
	ar_trailer(&a);
	a.buf[at + 5] = '7';
	expect_bad(&a, -EINVAL, "bad magic", "ok", "bad");
	free(a.buf);
}
END_TEST

START_TEST(test_bad_hex_each_field)
{
	static const char *names[] = {"ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
				      "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize",
				      "check"};
	for (int field = 0; field < 13; field++) {
		struct ar a = {0};
		size_t at = ar_file(&a, "f", 0644, "x");
		ar_trailer(&a);
		a.buf[at + 6 + field * 8 + 3] = (field & 1) ? 'g' : ' ';
		char what[64];
		snprintf(what, sizeof what, "field %s is not", names[field]);
		expect_bad(&a, -EINVAL, what, NULL, "f");
		free(a.buf);
	}
}
END_TEST

static void set_field(struct ar *a, size_t at, int field, u32 v)
{
	char tmp[9];
	snprintf(tmp, sizeof tmp, "%08X", v);
	memcpy(a->buf + at + 6 + field * 8, tmp, 8);
}

enum { FIELD_MODE = 1, FIELD_FILESIZE = 6, FIELD_NAMESIZE = 11 };

START_TEST(test_bad_name_sizes)
{
	struct ar a = {0};
	size_t at = ar_file(&a, "name", 0644, "x");
	ar_trailer(&a);
	set_field(&a, at, FIELD_NAMESIZE, 0);
	expect_bad(&a, -EINVAL, "name size 0", NULL, "name");
	set_field(&a, at, FIELD_NAMESIZE, 1);
	expect_bad(&a, -EINVAL, "name size 1", NULL, NULL);
	set_field(&a, at, FIELD_NAMESIZE, 4); /* "nam" + 'e' where the NUL should be */
	expect_bad(&a, -EINVAL, "NUL-terminated", NULL, NULL);
	set_field(&a, at, FIELD_NAMESIZE, 7); /* runs over the NUL into padding */
	expect_bad(&a, -EINVAL, "NUL-terminated", NULL, NULL);
	set_field(&a, at, FIELD_NAMESIZE, 0x7fffffff);
	expect_bad(&a, -EINVAL, "PATH_MAX", NULL, NULL);
	set_field(&a, at, FIELD_NAMESIZE, 4000);
	expect_bad(&a, -EINVAL, "past the end", NULL, NULL);
	free(a.buf);
}
END_TEST

START_TEST(test_bad_file_sizes)
{
	struct ar a = {0};
	ar_file(&a, "before", 0644, "b");
	size_t at = ar_file(&a, "f", 0644, "12345678");
	ar_trailer(&a);
	set_field(&a, at, FIELD_FILESIZE, 0xffffffff);
	expect_bad(&a, -EINVAL, "runs past the end", "before", "f");
	set_field(&a, at, FIELD_FILESIZE, (u32)(a.len - at)); /* a little too far */
	expect_bad(&a, -EINVAL, "past the end", "before", "f");
	set_field(&a, at, FIELD_FILESIZE, 9); /* lands mid-way: the next header is garbage */
	expect_bad(&a, -EINVAL, "bad magic", "f", NULL);
	free(a.buf);
}
END_TEST

START_TEST(test_truncated)
{
	struct ar a = {0};
	ar_file(&a, "kept", 0644, "k");
	size_t at = ar_file(&a, "lost", 0644, "l");
	ar_trailer(&a);
	size_t full = a.len;
	a.len = at + 50;
	expect_bad(&a, -EINVAL, "truncated header", "kept", "lost");
	a.len = at + 112; /* header and part of the name */
	expect_bad(&a, -EINVAL, "past the end", "kept", "lost");
	a.len = at; /* ends right after an entry: no trailer */
	expect_bad(&a, -EINVAL, "without TRAILER", "kept", NULL);
	a.len = full - 1;
	struct cpio_result res;
	ck_assert_int_eq(unpack(&a, &res), 0);
	a.len = 0;
	expect_bad(&a, -EINVAL, "empty archive", NULL, NULL);
	free(a.buf);
}
END_TEST

START_TEST(test_bad_entries)
{
	struct ar a = {0};
	ar_symlink(&a, "empty-link", "");
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "symlink target of 0 bytes", NULL, "empty-link");
	free(a.buf);

	a = (struct ar){0};
	ar_entry_full(&a, "nul-link", S_IFLNK | 0777, "a\0b", 3, 1, 1, 0, 0);
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "NUL byte", NULL, "nul-link");
	free(a.buf);

	a = (struct ar){0};
	ar_entry_full(&a, "dir-with-data", S_IFDIR | 0755, "data", 4, 1, 2, 0, 0);
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "carries 4 bytes", NULL, "dir-with-data");
	free(a.buf);

	a = (struct ar){0};
	ar_entry_full(&a, "weird", 0170644, "", 0, 1, 1, 0, 0);
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "unknown file type", NULL, "weird");
	free(a.buf);

	a = (struct ar){0};
	ar_entry_full(&a, "notype", 0644, "", 0, 1, 1, 0, 0);
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "unknown file type", NULL, "notype");
	free(a.buf);

	a = (struct ar){0};
	ar_file(&a, "../escape", 0644, "x");
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "climbs out", NULL, NULL);
	free(a.buf);

	a = (struct ar){0};
	ar_file(&a, "a/../../escape", 0644, "x");
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "climbs out", NULL, NULL);
	free(a.buf);

	a = (struct ar){0};
	ar_file(&a, ".", 0644, "x");
	ar_trailer(&a);
	expect_bad(&a, -EINVAL, "'.' is not a directory", NULL, NULL);
	free(a.buf);
}
END_TEST

START_TEST(test_fs_errors_stop_unpacking)
{
	struct ar a = {0};
	char longname[300];
	memset(longname, 'L', 256);
	longname[256] = 0;
	ar_file(&a, "plain", 0644, "p");
	ar_file(&a, longname, 0644, "x");
	ar_file(&a, "after", 0644, "a");
	ar_trailer(&a);
	expect_bad(&a, -ENAMETOOLONG, "cannot create", "plain", "after");
	free(a.buf);

	a = (struct ar){0};
	ar_file(&a, "file", 0644, "f");
	ar_file(&a, "file/below", 0644, "x");
	ar_trailer(&a);
	expect_bad(&a, -ENOTDIR, "cannot create 'file/below'", "file", NULL);
	free(a.buf);

	a = (struct ar){0};
	ar_file(&a, "big", 0644, "0123456789abcdef");
	ar_trailer(&a);
	shim_page_budget = 0;
	expect_bad(&a, -ENOSPC, "cannot create 'big'", NULL, NULL);
	shim_page_budget = -1;
	free(a.buf);
}
END_TEST

/* Random damage to a valid archive: any result is fine but a crash, a hang or a silent failure. */
START_TEST(test_mutations_never_crash)
{
	struct ar a = {0};
	ar_dir(&a, "d", 0755);
	ar_file(&a, "d/f", 0644, "some file data here");
	ar_symlink(&a, "d/l", "f");
	ar_entry_full(&a, "h1", S_IFREG | 0644, "", 0, 77, 2, 0, 0);
	ar_entry_full(&a, "h2", S_IFREG | 0644, "hard", 4, 77, 2, 0, 0);
	ar_entry_full(&a, "dev", S_IFCHR | 0644, "", 0, 78, 1, 1, 3);
	ar_trailer(&a);
	u8 *copy = malloc(a.len);
	int failed = 0;
	srand(12345);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, a.buf, a.len);
		size_t len = a.len;
		int edits = 1 + rand() % 4;
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand() % len;
			switch (rand() % 4) {
			case 0:
				copy[at] = (u8)rand();
				break;
			case 1:
				copy[at] = "0123456789abcdefgG/.\0"[rand() % 21];
				break;
			case 2:
				len = at + 1; /* truncate */
				break;
			default:
				copy[at] ^= (u8)(1 << (rand() % 8));
				break;
			}
		}
		char dir[32];
		snprintf(dir, sizeof dir, "run%d", iter);
		ck_assert_int_eq(vfs_mkdirat(root, dir, 0755), 0);
		struct inode *d;
		ck_assert_int_eq(vfs_lookup(root, dir, 0, &d), 0);
		struct cpio_result res;
		int r = cpio_unpack(copy, len, d, &res);
		inode_put(d);
		ck_assert_int_le(r, 0);
		if (r < 0) {
			ck_assert_int_eq(strncmp(res.msg, "cpio: ", 6), 0);
			failed++;
		} else {
			ck_assert_str_eq(res.msg, "");
		}
	}
	/* Most damage is caught; some (a changed mtime, say) is harmless. */
	ck_assert_int_gt(failed, 1500);
	ck_assert_int_lt(failed, 3000);
	free(copy);
	free(a.buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_valid_tree);
	tcase_add_test(tc, test_hard_links);
	tcase_add_test(tc, test_crc_format);
	tcase_add_test(tc, test_concatenated);
	tcase_add_test(tc, test_replace_kinds);
	tcase_add_test(tc, test_trailer_padding_may_be_cut);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_bad_hex_each_field);
	tcase_add_test(tc, test_bad_name_sizes);
	tcase_add_test(tc, test_bad_file_sizes);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bad_entries);
	tcase_add_test(tc, test_fs_errors_stop_unpacking);
	tcase_add_test(tc, test_mutations_never_crash);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
