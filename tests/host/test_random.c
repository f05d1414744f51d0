/* Unit tests for the 64-bit generator and its bounded draw (kernel/lib/random.c). */
#include <check.h>
#include <stdlib.h>
#include "lib/random.h"

START_TEST(test_same_seed_same_sequence)
{
	struct rng a, b;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_next(&a), rng_next(&b));
}
END_TEST

START_TEST(test_below_stays_below)
{
	struct rng r;
	rng_seed(&r, 1);
	const uint64_t bounds[] = {1, 2, 3, 7, 100, 1000003, 1ULL << 32, (1ULL << 63) + 1, UINT64_MAX};
	for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
		for (int i = 0; i < 10000; i++)
			ck_assert_uint_lt(rng_below(&r, bounds[b]), bounds[b]);
	ck_assert_uint_eq(rng_below(&r, 0), 0);
}
END_TEST

/* Huge bounds (sums of many tickets) must neither overflow nor skew. */
START_TEST(test_below_huge_bound_is_uniform)
{
	struct rng r;
	rng_seed(&r, 7);
	const uint64_t bound = UINT64_MAX - 12345;
	int upper = 0, n = 100000;
	for (int i = 0; i < n; i++)
		if (rng_below(&r, bound) >= bound / 2)
			upper++;
	ck_assert_int_gt(upper, n / 2 - 1000);
	ck_assert_int_lt(upper, n / 2 + 1000);
}
END_TEST

START_TEST(test_below_small_bound_is_uniform)
{
	struct rng r;
	rng_seed(&r, 99);
	int counts[6] = {0};
	int n = 600000;
	for (int i = 0; i < n; i++)
		counts[rng_below(&r, 6)]++;
	for (int k = 0; k < 6; k++) {
		ck_assert_int_gt(counts[k], n / 6 - 1500);
		ck_assert_int_lt(counts[k], n / 6 + 1500);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("random");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_same_seed_same_sequence);
	tcase_add_test(tc, test_below_stays_below);
	tcase_add_test(tc, test_below_huge_bound_is_uniform);
	tcase_add_test(tc, test_below_small_bound_is_uniform);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
