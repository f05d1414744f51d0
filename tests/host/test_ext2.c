/* Unit tests for ext2's pure checks (kernel/fs/ext2_check.c): superblock, group descriptors,
 * the blocks no file may point to, inodes, directory entries. */
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
	/* Group 0: superblock in block 0, descriptors in 1; the rest after them. */
	struct ext2_group_desc gd = {
	    .bg_block_bitmap = 3, .bg_inode_bitmap = 4, .bg_inode_table = 5,
	    .bg_free_blocks_count = 1000, .bg_free_inodes_count = 100};
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), 0);
	gd.bg_inode_table = 16384 - 10; /* the table runs past the end */
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
	gd.bg_inode_table = 5;
	gd.bg_block_bitmap = 99999;
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
	gd.bg_block_bitmap = 1; /* on the descriptors */
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
	gd.bg_block_bitmap = 4; /* on the inode bitmap */
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
	gd.bg_block_bitmap = 6; /* inside the inode table */
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
	gd.bg_block_bitmap = 3;
	gd.bg_free_blocks_count = 40000; /* more than the group has */
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
	gd.bg_free_blocks_count = 1000;
	gd.bg_free_inodes_count = 20000;
	ck_assert_int_eq(ext2_check_group(&g, 0, &gd, &why), -EUCLEAN);
}
END_TEST

/* 1 KiB blocks, 8 groups of 8192 blocks with sparse superblock copies and reserved descriptors. */
static struct ext2_geom small_groups(void)
{
	struct ext2_super s = good();
	s.s_log_block_size = 0;
	s.s_first_data_block = 1;
	s.s_blocks_count = 65536;
	s.s_blocks_per_group = 8192;
	s.s_inodes_count = 8 * 2048;
	s.s_inodes_per_group = 2048;
	s.s_inode_size = 128;
	s.s_feature_compat = EXT2_FEATURE_COMPAT_RESIZE_INODE;
	s.s_reserved_gdt_blocks = 31;
	struct ext2_geom g;
	const char *why;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), 0);
	ck_assert_uint_eq(g.ngroups, 8);
	ck_assert_uint_eq(g.reserved_gdt, 31);
	return g;
}

START_TEST(test_sparse_groups_and_meta_blocks)
{
	struct ext2_geom g = small_groups();
	/* Copies of the superblock in groups 0, 1, 3, 5 and 7 only. */
	ck_assert(ext2_group_has_super(&g, 0) && ext2_group_has_super(&g, 1));
	ck_assert(!ext2_group_has_super(&g, 2) && ext2_group_has_super(&g, 3));
	ck_assert(!ext2_group_has_super(&g, 4) && ext2_group_has_super(&g, 5));
	ck_assert(!ext2_group_has_super(&g, 6) && ext2_group_has_super(&g, 7));
	struct ext2_groupmeta gm[8];
	const char *why;
	for (u32 n = 0; n < 8; n++) {
		u32 start = 1 + n * 8192, meta = ext2_group_has_super(&g, n) ? 1 + 1 + 31 : 0;
		gm[n] = (struct ext2_groupmeta){start + meta, start + meta + 1, start + meta + 2};
		struct ext2_group_desc gd = {.bg_block_bitmap = gm[n].block_bitmap,
					     .bg_inode_bitmap = gm[n].inode_bitmap,
					     .bg_inode_table = gm[n].inode_table};
		ck_assert_int_eq(ext2_check_group(&g, n, &gd, &why), 0);
		if (meta) { /* a bitmap in the reserved descriptor blocks */
			gd.bg_block_bitmap = start + 5;
			ck_assert_int_eq(ext2_check_group(&g, n, &gd, &why), -EUCLEAN);
		}
		gd.bg_block_bitmap = start + 8192 + 40; /* in the next group */
		ck_assert_int_eq(ext2_check_group(&g, n, &gd, &why), -EUCLEAN);
	}
	/* No file may point at a superblock copy, a descriptor, a bitmap or the inode table. */
	ck_assert(ext2_block_is_meta(&g, gm, 1));            /* the superblock */
	ck_assert(ext2_block_is_meta(&g, gm, 2));            /* the descriptors */
	ck_assert(ext2_block_is_meta(&g, gm, 33));           /* reserved descriptor blocks */
	ck_assert(ext2_block_is_meta(&g, gm, 34));           /* group 0's block bitmap */
	ck_assert(ext2_block_is_meta(&g, gm, 36 + 255));     /* the last inode-table block */
	ck_assert(!ext2_block_is_meta(&g, gm, 36 + 256));    /* the first data block */
	ck_assert(ext2_block_is_meta(&g, gm, 1 + 8192));     /* group 1's superblock copy */
	ck_assert(!ext2_block_is_meta(&g, gm, 1 + 2 * 8192 + 3 + 256)); /* group 2: no copy */
	ck_assert(ext2_block_is_meta(&g, gm, 1 + 2 * 8192)); /* group 2's block bitmap */
	ck_assert(ext2_block_is_meta(&g, gm, 0));            /* before the first data block */
	ck_assert(ext2_block_is_meta(&g, gm, 65536));        /* past the end */
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
	struct ext2_geom g = {.bsize = 1024, .inodes_count = 100, .first_ino = 11};
	memset(b, 0, sizeof b);
	put_entry(b, 0, 2, 12, ".");
	put_entry(b, 12, 2, 1012, "..");
	ck_assert_int_eq(ext2_check_dirent(b, &g, 0, &rl, &why), 0);
	ck_assert_uint_eq(rl, 12);
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), 0);
	ck_assert_uint_eq(rl, 1012);
	put_entry(b, 12, 2, 1016, ".."); /* overruns the block */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 2, 4, ".."); /* shorter than the header */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 2, 0, ".."); /* 0 would loop for ever */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 12, 10, "abcdefgh"); /* rec_len < 8 + name_len, and not 4-aligned */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 12, 12, "abcdefgh"); /* rec_len < 8 + name_len */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 101, 1012, "x"); /* inode number out of range */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	ck_assert_int_eq(ext2_check_dirent(b, &g, 1020, &rl, &why), -EUCLEAN); /* header past the end */
	/* A used entry with no name (getdents gave it out as "", and busybox ls -R looped). */
	put_entry(b, 12, 12, 1012, "");
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 0, 1012, ""); /* unused: fine */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), 0);
	put_entry(b, 12, 12, 1012, "a/b"); /* no name holds a '/' */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 12, 1012, "ab");
	b[12 + 8 + 1] = 0; /* or a NUL */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 7, 1012, "resize"); /* a reserved inode (not the root) */
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), -EUCLEAN);
	put_entry(b, 12, 11, 1012, "lost+found");
	ck_assert_int_eq(ext2_check_dirent(b, &g, 12, &rl, &why), 0);
}
END_TEST

START_TEST(test_inodes)
{
	struct ext2_super s = good();
	struct ext2_geom g;
	const char *why;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), 0);
	struct ext2_inode di = {.i_mode = S_IFREG | 0644, .i_links_count = 1, .i_size = 5};
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), 0);
	di.i_links_count = 0;
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_links_count = 1;
	di.i_mode = 0170000 | 0644; /* no such type */
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_mode = S_IFREG | 0644;
	di.i_dir_acl = 0xffffffff; /* high size: past what the block map reaches */
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_dir_acl = 0;
	di.i_file_acl = 999999; /* an attribute block beyond the disk */
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_file_acl = 0;
	di.i_mode = S_IFDIR | 0755;
	di.i_size = 0; /* a directory without its first block */
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_size = 4096;
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), 0);
	di.i_mode = S_IFLNK | 0777; /* a fast symlink */
	di.i_size = 3;
	memcpy(di.i_block, "abc", 3);
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), 0);
	di.i_size = 0;
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_size = 60; /* longer than i_block holds */
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
	di.i_size = 3;
	((char *)di.i_block)[1] = 0; /* a NUL inside the target */
	ck_assert_int_eq(ext2_check_inode(&g, 12, &di, &why), -EUCLEAN);
}
END_TEST

START_TEST(test_super_reserved_gdt)
{
	struct ext2_super s = good();
	struct ext2_geom g;
	const char *why;
	s.s_feature_compat = EXT2_FEATURE_COMPAT_RESIZE_INODE;
	s.s_reserved_gdt_blocks = 2000; /* more than the resize inode's one block can map */
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), -EUCLEAN);
	s.s_reserved_gdt_blocks = 63;
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), 0);
	ck_assert_uint_eq(g.reserved_gdt, 63);
	s.s_feature_compat = 0; /* without the feature the field means nothing */
	ck_assert_int_eq(ext2_check_super(&s, DISK, &g, &why), 0);
	ck_assert_uint_eq(g.reserved_gdt, 0);
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
	tcase_add_test(tc, test_sparse_groups_and_meta_blocks);
	tcase_add_test(tc, test_inodes);
	tcase_add_test(tc, test_super_reserved_gdt);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
