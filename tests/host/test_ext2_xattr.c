/* Unit tests for ext2's extended-attribute format (kernel/fs/ext2_xattr_fmt.c):
 * a set laid out and read back, its order and room, and damaged tables. */
#include "fs/ext2_xattr.h"
#include "lib/errno.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define BS 1024

static struct ext2_xattr v[64];
static struct ext2_xattrs set;
static u8 blk[BS];

static void fresh(void)
{
	set = (struct ext2_xattrs){v, 0, ext2_xattr_cap(BS, 256)};
}

static void add(u8 ns, const char *name, const char *value, bool inbody)
{
	bool found;
	u32 at = ext2_xattr_find(&set, ns, name, (u8)strlen(name), &found);
	ck_assert(!found);
	memmove(&set.v[at + 1], &set.v[at], (set.n - at) * sizeof *set.v);
	set.v[at] = (struct ext2_xattr){ns, (u8)strlen(name), inbody, name, (const u8 *)value,
					(u32)strlen(value)};
	set.n++;
}

/* The block holding "user.b" = "2", "user.aa" = "11", "trusted.z" = "" and "user.a" = "1". */
static void build_block(void)
{
	fresh();
	add(1, "b", "2", false);
	add(1, "aa", "11", false);
	add(4, "z", "", false);
	add(1, "a", "1", false);
	add(1, "inode", "x", true);
	memset(blk, 0xee, sizeof blk);
	struct ext2_xattr_header *h = (void *)blk;
	*h = (struct ext2_xattr_header){.h_magic = EXT2_XATTR_MAGIC, .h_refcount = 1, .h_blocks = 1};
	h->h_hash = ext2_xattr_build(blk, BS, EXT2_XATTR_HDR, false, &set);
}

START_TEST(test_round_trip)
{
	build_block();
	ck_assert_uint_ne(((struct ext2_xattr_header *)blk)->h_hash, 0);
	/* Sorted by namespace, then name length, then name; values at the end, 4-byte aligned. */
	const struct ext2_xattr_entry *e = (const void *)(blk + EXT2_XATTR_HDR);
	ck_assert_int_eq(e->e_name_len, 1);
	ck_assert_int_eq(e->e_name[0], 'a');
	ck_assert_int_eq(e->e_value_offs, BS - 4);
	ck_assert_uint_ne(e->e_hash, 0);
	e = (const void *)((const u8 *)e + 20);
	ck_assert_int_eq(e->e_name[0], 'b');
	e = (const void *)((const u8 *)e + 20);
	ck_assert_int_eq(e->e_name_len, 2);
	e = (const void *)((const u8 *)e + 20);
	ck_assert_int_eq(e->e_name_index, 4);
	ck_assert_int_eq(e->e_value_size, 0);
	u32 end;
	memcpy(&end, (const u8 *)e + 20, 4);
	ck_assert_uint_eq(end, 0);
	ck_assert_uint_eq(ext2_xattr_room(&set, false, EXT2_XATTR_HDR), 32 + 4 * 20 + 4 + 3 * 4);
	ck_assert_uint_eq(ext2_xattr_room(&set, true, 0), 24 + 4 + 4);

	static struct ext2_xattr w[64];
	struct ext2_xattrs back = {w, 0, 64};
	const char *why = NULL;
	ck_assert_int_eq(ext2_xattr_parse(blk, BS, EXT2_XATTR_HDR, false, &back, &why), 0);
	ck_assert_uint_eq(back.n, 4);
	bool found;
	u32 i = ext2_xattr_find(&back, 1, "aa", 2, &found);
	ck_assert(found);
	ck_assert_uint_eq(back.v[i].vsize, 2);
	ck_assert(!memcmp(back.v[i].value, "11", 2));
	ext2_xattr_find(&back, 1, "c", 1, &found);
	ck_assert(!found);
}
END_TEST

static int parse_bad(const char **why)
{
	static struct ext2_xattr w[64];
	struct ext2_xattrs back = {w, 0, 64};
	*why = NULL;
	return ext2_xattr_parse(blk, BS, EXT2_XATTR_HDR, false, &back, why);
}

START_TEST(test_damage)
{
	const char *why;
	struct ext2_xattr_entry *e = (void *)(blk + EXT2_XATTR_HDR);

	build_block();
	e->e_value_offs = 40; /* inside the table */
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);
	ck_assert_ptr_nonnull(why);

	build_block();
	e->e_value_offs = BS - 2; /* runs past the block's end */
	e->e_value_size = 3;
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);

	build_block();
	e->e_value_offs = BS - 8; /* over "b"'s value */
	e->e_value_size = 8;
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);

	build_block();
	e->e_name_len = 0;
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);

	build_block();
	e->e_value_inum = 12;
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);

	build_block();
	e->e_value_size = 0xffffffffu; /* no overflow past the check */
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);

	build_block();
	((struct ext2_xattr_entry *)(blk + EXT2_XATTR_HDR + 20))->e_name[0] = 'a'; /* "a" twice */
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);

	/* A table with no end: entries all the way. */
	memset(blk + EXT2_XATTR_HDR, 0x01, BS - EXT2_XATTR_HDR);
	for (u32 off = EXT2_XATTR_HDR; off + 20 <= BS; off += 20) {
		struct ext2_xattr_entry *x = (void *)(blk + off);
		*x = (struct ext2_xattr_entry){.e_name_len = 1, .e_name_index = 1};
		x->e_name[0] = (char)(off / 20);
	}
	ck_assert_int_eq(parse_bad(&why), -EUCLEAN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ext2_xattr");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_damage);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
