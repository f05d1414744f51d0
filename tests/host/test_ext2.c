/* Unit tests for ext2's pure checks (kernel/fs/ext2_check.c): superblock, group descriptor,
 * directory entries. */
#include "fs/ext2.h"
#include "lib/errno.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A 64 MiB file system with 4 KiB blocks, one group, as mke2fs makes it. */
static struct ext2_super good(void)
{
	struct ext2_super s;
	memset(&s, 0, sizeof s);
	s.s_magic = EXT2_SUPER_MAGIC;
	s.s_rev_level = EXT2_DYNAMIC_REV;
	s.s_log_block_size = 2;
	s.s_blocks_count = 16384;
	s.s_inodes_count = 16384;
	s.s_first_data_block = 0;
	s.s_blocks_per_group = 32768;
	s.s_inodes_per_group = 16384;
	s.s_inode_size = 256;
	s.s_first_ino = 11;
	s.s_feature_incompat = EXT2_FEATURE_INCOMPAT_FILETYPE;
	s.s_feature_ro_compat =
	    EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	return s;
}

#define DISK (64ULL << 20)

START_TEST(test_super_good)
{
	struct ext2_super s = good();
	struct ext2_geom g;
	const char *why = NULL;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), 0);
	ck_assert_uint_eq(g.bsize, 4096);
	ck_assert_uint_eq(g.ngroups, 1);
	ck_assert_uint_eq(g.gdt_blocks, 1);
	ck_assert_uint_eq(g.itable_blocks, 16384 * 256 / 4096);
	ck_assert(g.large_file);
}
END_TEST

START_TEST(test_super_bad)
{
	struct ext2_geom g;
	const char *why;
	struct ext2_super s = good();
	s.s_magic = 0;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EINVAL);
	s = good();
	ck_assert_int_eq(ext2_check_super(&s, DISK / 2, &g, &why),
			 -EUCLEAN); /* larger than the disk */
	s = good();
	s.s_feature_incompat |= 0x40; /* extents */
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EOPNOTSUPP);
	s = good();
	s.s_log_block_size = 7;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EOPNOTSUPP);
	s = good();
	s.s_inode_size = 100;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EUCLEAN);
	s = good();
	s.s_inodes_per_group = 0;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EUCLEAN);
	s = good();
	s.s_inodes_count = 40000; /* more than the groups hold */
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EUCLEAN);
	s = good();
	s.s_first_data_block = 1; /* only for 1 KiB blocks */
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EUCLEAN);
}
END_TEST

START_TEST(test_group)
{
	struct ext2_super s = good();
	struct ext2_geom g;
	const char *why;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), 0);
	struct ext2_group_desc gd = {
	    .bg_block_bitmap = 3, .bg_inode_bitmap = 4, .bg_inode_table = 5};
	ck_assert_int_eq(ext2_check_group(&g, &gd, &why), 0);
	gd.bg_inode_table = 16384 - 10; /* the table runs past the end */
	ck_assert_int_eq(ext2_check_group(&g, &gd, &why), -EUCLEAN);
	gd.bg_inode_table = 5;
	gd.bg_block_bitmap = 99999;
	ck_assert_int_eq(ext2_check_group(&g, &gd, &why), -EUCLEAN);
}
END_TEST

static void put_entry(unsigned char *b, unsigned off, unsigned ino, unsigned rec, const char *name)
{
	struct ext2_dirent *d = (struct ext2_dirent *)(b + off);
	d->inode = ino;
	d->rec_len = (uint16_t)rec;
	d->name_len = (uint8_t)strlen(name);
	d->file_type = 1;
	memcpy(d->name, name, strlen(name));
}

START_TEST(test_dirents)
{
	static unsigned char b[1024];
	const char *why;
	uint32_t rl;
	memset(b, 0, sizeof b);
	put_entry(b, 0, 2, 12, ".");
	put_entry(b, 12, 2, 1012, "..");
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 0, 100, &rl, &why), 0);
	ck_assert_uint_eq(rl, 12);
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), 0);
	ck_assert_uint_eq(rl, 1012);
	put_entry(b, 12, 2, 1016, ".."); /* overruns the block */
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 2, 4, ".."); /* shorter than the header */
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 2, 0, ".."); /* 0 would loop for ever */
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 2, 10, "abcdefgh"); /* rec_len < 8 + name_len, and not 4-aligned */
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 2, 12, "abcdefgh"); /* rec_len < 8 + name_len */
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 101, 1012, "x"); /* inode number out of range */
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 12, 100, &rl, &why), -EUCLEAN);
	ck_assert_int_eq(ext2_check_dirent(b, 1024, 1020, 100, &rl, &why),
			 -EUCLEAN); /* header past the end */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ext2");
	TCase *tc = tcase_create("checks");
	tcase_add_test(tc, test_super_good);
	tcase_add_test(tc, test_super_bad);
	tcase_add_test(tc, test_group);
	tcase_add_test(tc, test_dirents);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
