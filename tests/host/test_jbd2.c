/*
 * Unit tests for journal recovery's pure part (kernel/fs/jbd2_replay.c):
 * journal superblock checks, and the copies a replay writes from crafted
 * logs: complete and torn transactions, several copies of one block,
 * revokes before, in and after a transaction, a log that wraps, escaped
 * blocks, 64-bit tags, and corrupt or random logs (which must give an
 * error or a bounded answer, never a bad access: the tests run under
 * AddressSanitizer).
 */
#include "fs/jbd2_replay.h"
#include "lib/errno.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The heap recovery uses. */
void *kmalloc(size_t size)
{
	return malloc(size ? size : 1);
}
void kfree(void *p)
{
	free(p);
}

#define BS 1024
#define MAXLEN 64
#define FIRST 1
#define FS_BLOCKS 100000

static u8 logbuf[MAXLEN][BS];
static u32 incompat = JBD2_FEATURE_INCOMPAT_REVOKE;
static bool have[MAXLEN]; /* blocks the "reader" has (for -EAGAIN) */

static const u8 *rd(void *ctx, u32 n)
{
	(void)ctx;
	if (n >= MAXLEN || !have[n])
		return NULL;
	return logbuf[n];
}

static struct jbd2_super js;

static void reset(u32 start, u32 seq)
{
	memset(logbuf, 0, sizeof logbuf);
	for (int i = 0; i < MAXLEN; i++)
		have[i] = true;
	incompat = JBD2_FEATURE_INCOMPAT_REVOKE;
	js = (struct jbd2_super){.bsize = BS,
				 .maxlen = MAXLEN,
				 .first = FIRST,
				 .sequence = seq,
				 .start = start,
				 .incompat = incompat,
				 .version = 2};
}

static u32 next(u32 pos)
{
	return pos + 1 == MAXLEN ? FIRST : pos + 1;
}

/* A descriptor at pos for the targets, each followed by its data block (filled with fill+i). */
static u32 put_desc(u32 pos, u32 seq, const u64 *targets, int n, u8 fill, u32 extra_flags)
{
	u8 *b = logbuf[pos];
	memset(b, 0, BS);
	jbd2_put_header(b, JBD2_DESCRIPTOR_BLOCK, seq);
	u32 off = JBD2_HEADER_SIZE, tb = jbd2_tag_bytes(incompat);
	for (int i = 0; i < n; i++) {
		u8 *t = b + off;
		u32 flags = (i ? JBD2_FLAG_SAME_UUID : 0) | (i == n - 1 ? JBD2_FLAG_LAST_TAG : 0) |
			    extra_flags;
		put_be32(t, (u32)targets[i]);
		put_be16(t + 6, (u16)flags);
		if (tb == 12)
			put_be32(t + 8, (u32)(targets[i] >> 32));
		off += tb + (i ? 0 : JBD2_UUID_SIZE);
	}
	pos = next(pos);
	for (int i = 0; i < n; i++) {
		memset(logbuf[pos], fill + i, BS);
		pos = next(pos);
	}
	return pos;
}

static u32 put_commit(u32 pos, u32 seq)
{
	memset(logbuf[pos], 0, BS);
	jbd2_put_header(logbuf[pos], JBD2_COMMIT_BLOCK, seq);
	return next(pos);
}

static u32 put_revoke(u32 pos, u32 seq, const u64 *blocks, int n)
{
	u8 *b = logbuf[pos];
	memset(b, 0, BS);
	jbd2_put_header(b, JBD2_REVOKE_BLOCK, seq);
	u32 rb = jbd2_revoke_bytes(incompat);
	put_be32(b + JRB_COUNT, JBD2_REVOKE_HEADER + (u32)n * rb);
	for (int i = 0; i < n; i++) {
		if (rb == 8)
			put_be64(b + JBD2_REVOKE_HEADER + i * 8, blocks[i]);
		else
			put_be32(b + JBD2_REVOKE_HEADER + i * 4, (u32)blocks[i]);
	}
	return next(pos);
}

static int scan(struct jbd2_recovery *rec, u32 *missing, const char **why)
{
	js.incompat = incompat;
	return jbd2_recover_scan(&js, rd, NULL, FS_BLOCKS, rec, missing, why);
}

/* The copy of target in rec, or NULL. */
static const struct jbd2_copy *find(const struct jbd2_recovery *rec, u64 target)
{
	for (u32 i = 0; i < rec->ncopies; i++)
		if (rec->copies[i].target == target)
			return &rec->copies[i];
	return NULL;
}

START_TEST(test_empty)
{
	reset(0, 7);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ncopies, 0);
	ck_assert_uint_eq(rec.end_seq, 7);
}
END_TEST

START_TEST(test_one_transaction)
{
	reset(FIRST, 5);
	u64 t[] = {300, 301};
	u32 pos = put_desc(FIRST, 5, t, 2, 0x40, 0);
	put_commit(pos, 5);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ntxn, 1);
	ck_assert_uint_eq(rec.end_seq, 6);
	ck_assert_uint_eq(rec.log_blocks, 4);
	ck_assert_uint_eq(rec.ncopies, 2);
	ck_assert_uint_eq(find(&rec, 300)->logblk, FIRST + 1);
	ck_assert_uint_eq(find(&rec, 301)->logblk, FIRST + 2);
	ck_assert(!find(&rec, 300)->escaped);
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_torn_transaction)
{
	/* A complete transaction, then one whose commit block never made it. */
	reset(FIRST, 1);
	u64 a[] = {10}, b[] = {10, 11};
	u32 pos = put_desc(FIRST, 1, a, 1, 1, 0);
	pos = put_commit(pos, 1);
	pos = put_desc(pos, 2, b, 2, 9, 0);
	/* What follows is an old block of an earlier use of the log: sequence 0. */
	jbd2_put_header(logbuf[pos], JBD2_COMMIT_BLOCK, 0);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ntxn, 1);
	ck_assert_uint_eq(rec.end_seq, 2);
	ck_assert_uint_eq(rec.ncopies, 1);
	ck_assert_uint_eq(find(&rec, 10)->logblk, FIRST + 1);
	ck_assert_ptr_null(find(&rec, 11));
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_last_copy_wins)
{
	reset(FIRST, 1);
	u64 a[] = {20, 21}, b[] = {21, 20, 22};
	u32 pos = put_desc(FIRST, 1, a, 2, 1, 0);
	pos = put_commit(pos, 1);
	u32 second = pos;
	pos = put_desc(pos, 2, b, 3, 7, 0);
	put_commit(pos, 2);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ntxn, 2);
	ck_assert_uint_eq(rec.ncopies, 3);
	ck_assert_uint_eq(find(&rec, 21)->logblk, second + 1);
	ck_assert_uint_eq(find(&rec, 20)->logblk, second + 2);
	ck_assert_uint_eq(find(&rec, 22)->logblk, second + 3);
	/* Sorted by target. */
	ck_assert(rec.copies[0].target < rec.copies[1].target &&
		  rec.copies[1].target < rec.copies[2].target);
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_revokes)
{
	/*
	 * T1 writes 30, 31, 32; T2 revokes 30 and 33 and writes 33 (a revoke in
	 * the same transaction covers it too); T3 writes 30 again (newer than the
	 * revoke) and revokes 31. Replayed: 30 from T3, 32 from T1; not 31, 33.
	 */
	reset(FIRST, 1);
	u64 a[] = {30, 31, 32}, r2[] = {30, 33}, b[] = {33}, c[] = {30}, r3[] = {31};
	u32 pos = put_desc(FIRST, 1, a, 3, 1, 0);
	pos = put_commit(pos, 1);
	pos = put_revoke(pos, 2, r2, 2);
	pos = put_desc(pos, 2, b, 1, 5, 0);
	pos = put_commit(pos, 2);
	pos = put_revoke(pos, 3, r3, 1);
	u32 t3 = pos;
	pos = put_desc(pos, 3, c, 1, 8, 0);
	put_commit(pos, 3);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ntxn, 3);
	ck_assert_uint_eq(rec.ncopies, 2);
	ck_assert_uint_eq(find(&rec, 30)->logblk, t3 + 1);
	ck_assert_uint_eq(find(&rec, 32)->logblk, FIRST + 3);
	ck_assert_ptr_null(find(&rec, 31));
	ck_assert_ptr_null(find(&rec, 33));
	ck_assert_uint_eq(rec.nrevoked, 3); /* 30 of T1, 31 of T1, 33 of T2 */
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_revoke_of_torn_transaction_ignored)
{
	/* A revoke in a transaction that never committed must not hide T1's copy. */
	reset(FIRST, 1);
	u64 a[] = {40}, r[] = {40};
	u32 pos = put_desc(FIRST, 1, a, 1, 1, 0);
	pos = put_commit(pos, 1);
	put_revoke(pos, 2, r, 1);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ncopies, 1);
	ck_assert_uint_eq(find(&rec, 40)->logblk, FIRST + 1);
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_wrap)
{
	/* The log starts 3 blocks before the end and wraps into the first blocks. */
	u32 start = MAXLEN - 3;
	reset(start, 100);
	u64 a[] = {50, 51, 52, 53};
	u32 pos = put_desc(start, 100, a, 4, 1, 0);
	ck_assert_uint_eq(pos, FIRST + 2);
	put_commit(pos, 100);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ncopies, 4);
	ck_assert_uint_eq(find(&rec, 50)->logblk, MAXLEN - 2);
	ck_assert_uint_eq(find(&rec, 51)->logblk, MAXLEN - 1);
	ck_assert_uint_eq(find(&rec, 52)->logblk, FIRST);
	ck_assert_uint_eq(find(&rec, 53)->logblk, FIRST + 1);
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_sequence_wraps)
{
	/* Sequences compare modulo 2^32: a revoke at 0 is newer than a copy at 0xffffffff. */
	reset(FIRST, 0xffffffffU);
	u64 a[] = {60}, r[] = {60};
	u32 pos = put_desc(FIRST, 0xffffffffU, a, 1, 1, 0);
	pos = put_commit(pos, 0xffffffffU);
	pos = put_revoke(pos, 0, r, 1);
	put_commit(pos, 0);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ntxn, 2);
	ck_assert_uint_eq(rec.end_seq, 1);
	ck_assert_uint_eq(rec.ncopies, 0);
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_escape_and_64bit)
{
	reset(FIRST, 3);
	incompat = JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT;
	u64 a[] = {70, 71};
	u32 pos = put_desc(FIRST, 3, a, 2, 1, JBD2_FLAG_ESCAPE);
	u64 r[] = {71};
	pos = put_revoke(pos, 3, r, 1);
	put_commit(pos, 3);
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ncopies, 1);
	ck_assert(find(&rec, 70)->escaped);
	jbd2_recovery_free(&rec);

	/* A 64-bit block number past the file system: corrupt. */
	reset(FIRST, 3);
	incompat = JBD2_FEATURE_INCOMPAT_64BIT;
	u64 big[] = {1ULL << 40};
	pos = put_desc(FIRST, 3, big, 1, 1, 0);
	put_commit(pos, 3);
	ck_assert_int_eq(scan(&rec, &missing, &why), -EUCLEAN);
}
END_TEST

START_TEST(test_missing_block)
{
	reset(FIRST, 1);
	u64 a[] = {80};
	u32 pos = put_desc(FIRST, 1, a, 1, 1, 0);
	put_commit(pos, 1);
	have[pos] = false;
	struct jbd2_recovery rec;
	u32 missing = 0;
	const char *why;
	ck_assert_int_eq(scan(&rec, &missing, &why), -EAGAIN);
	ck_assert_uint_eq(missing, pos);
	have[pos] = true;
	ck_assert_int_eq(scan(&rec, &missing, &why), 0);
	ck_assert_uint_eq(rec.ncopies, 1);
	jbd2_recovery_free(&rec);
}
END_TEST

START_TEST(test_corrupt)
{
	struct jbd2_recovery rec;
	u32 missing;
	const char *why;
	/* A tag naming a block past the file system. */
	reset(FIRST, 1);
	u64 bad[] = {FS_BLOCKS + 5};
	u32 pos = put_desc(FIRST, 1, bad, 1, 1, 0);
	put_commit(pos, 1);
	ck_assert_int_eq(scan(&rec, &missing, &why), -EUCLEAN);
	ck_assert_ptr_nonnull(strstr(why, "past the end"));
	/* A revoke count that overruns the block, or is not whole records. */
	reset(FIRST, 1);
	u64 r[] = {5};
	put_revoke(FIRST, 1, r, 1);
	put_be32(logbuf[FIRST] + JRB_COUNT, BS + 4);
	put_commit(FIRST + 1, 1);
	ck_assert_int_eq(scan(&rec, &missing, &why), -EUCLEAN);
	put_be32(logbuf[FIRST] + JRB_COUNT, JBD2_REVOKE_HEADER + 3);
	ck_assert_int_eq(scan(&rec, &missing, &why), -EUCLEAN);
	/* A descriptor without LAST_TAG and with no room for tags is not read past its end. */
	reset(FIRST, 1);
	memset(logbuf[FIRST], 0xff, BS);
	jbd2_put_header(logbuf[FIRST], JBD2_DESCRIPTOR_BLOCK, 1);
	ck_assert_int_eq(scan(&rec, &missing, &why), -EUCLEAN);
}
END_TEST

START_TEST(test_random_logs)
{
	/*
	 * Random blocks with valid headers of random types: recovery must end
	 * (the walk is bounded by the log's length) and, when it succeeds, name
	 * only log blocks and file-system blocks in range.
	 */
	srand(12345);
	for (int round = 0; round < 2000; round++) {
		reset(FIRST + (u32)(rand() % (MAXLEN - FIRST)), 9);
		incompat = rand() % 2 ? JBD2_FEATURE_INCOMPAT_REVOKE
				      : JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT;
		for (int i = FIRST; i < MAXLEN; i++) {
			for (int k = 0; k < BS; k++)
				logbuf[i][k] = (u8)(rand() % 4 ? 0 : rand());
			if (rand() % 3) {
				u32 types[] = {1, 2, 5, 2, 1};
				jbd2_put_header(logbuf[i], types[rand() % 5], 9 + (u32)(rand() % 3));
			}
		}
		struct jbd2_recovery rec;
		u32 missing;
		const char *why;
		int r = scan(&rec, &missing, &why);
		ck_assert(r == 0 || r == -EUCLEAN);
		if (r == 0) {
			for (u32 i = 0; i < rec.ncopies; i++) {
				ck_assert_uint_lt(rec.copies[i].target, FS_BLOCKS);
				ck_assert_uint_ge(rec.copies[i].logblk, FIRST);
				ck_assert_uint_lt(rec.copies[i].logblk, MAXLEN);
			}
			jbd2_recovery_free(&rec);
		}
	}
}
END_TEST

/* A v2 journal superblock as mke2fs -t ext3 makes it. */
static void make_super(u8 *b)
{
	memset(b, 0, BS);
	jbd2_put_header(b, JBD2_SUPERBLOCK_V2, 0);
	put_be32(b + JSB_BLOCKSIZE, BS);
	put_be32(b + JSB_MAXLEN, 1024);
	put_be32(b + JSB_FIRST, 1);
	put_be32(b + JSB_SEQUENCE, 1);
	put_be32(b + JSB_NR_USERS, 1);
}

START_TEST(test_super)
{
	u8 b[BS];
	struct jbd2_super s;
	const char *why;
	make_super(b);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), 0);
	ck_assert_uint_eq(s.maxlen, 1024);
	ck_assert_uint_eq(s.first, 1);
	ck_assert_uint_eq(s.start, 0);
	ck_assert_uint_eq(s.version, 2);
	/* Block size, length, first and start that do not fit. */
	ck_assert_int_eq(jbd2_check_super(b, 4096, 1024, &s, &why), -EUCLEAN);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1000, &s, &why), -EUCLEAN);
	make_super(b);
	put_be32(b + JSB_FIRST, 0);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EUCLEAN);
	make_super(b);
	put_be32(b + JSB_START, 1024);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EUCLEAN);
	/* Not a journal superblock. */
	make_super(b);
	b[0] = 0;
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EUCLEAN);
	make_super(b);
	put_be32(b + 4, JBD2_DESCRIPTOR_BLOCK);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EUCLEAN);
	/* Features: checksums and fast commits are not implemented. */
	make_super(b);
	put_be32(b + JSB_FEATURE_INCOMPAT, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EOPNOTSUPP);
	make_super(b);
	put_be32(b + JSB_FEATURE_COMPAT, JBD2_FEATURE_COMPAT_CHECKSUM);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EOPNOTSUPP);
	make_super(b);
	put_be32(b + JSB_FEATURE_INCOMPAT,
		 JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), 0);
	/* An aborted journal. */
	make_super(b);
	put_be32(b + JSB_ERRNO, (u32)-EIO);
	ck_assert_int_eq(jbd2_check_super(b, BS, 1024, &s, &why), -EUCLEAN);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("jbd2");
	TCase *tc = tcase_create("replay");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_one_transaction);
	tcase_add_test(tc, test_torn_transaction);
	tcase_add_test(tc, test_last_copy_wins);
	tcase_add_test(tc, test_revokes);
	tcase_add_test(tc, test_revoke_of_torn_transaction_ignored);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_sequence_wraps);
	tcase_add_test(tc, test_escape_and_64bit);
	tcase_add_test(tc, test_missing_block);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_random_logs);
	tcase_add_test(tc, test_super);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
