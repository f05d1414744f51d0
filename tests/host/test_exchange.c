/*
 * Host tests for the exchange region's address allocator
 * (kernel/mm/exchange.c): fresh addresses first, then freed ranges lowest
 * first, merged with their neighbours; a range still referenced is never
 * handed out again.
 */
#include <check.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/memmap.h"

#define MiB (1UL << 20)
#define GiB (1UL << 30)
#define NGIB ((USER_EXCHANGE_END - USER_EXCHANGE_BASE) / GiB)

static struct memmap map;

static void setup(void)
{
	host_mem_init(64 * MiB);
	struct mem_range raw[] = {{1 * MiB, 63 * MiB, MEM_USABLE}};
	memmap_build(&map, raw, 1, NULL, 0);
	buddy_init(&map);
	kheap_init();
}

static void teardown(void)
{
	host_mem_fini();
}

static struct xrange *all[NGIB];

/* Take every 1 GiB range the region has; they come in address order. */
static void take_all(void)
{
	for (u64 i = 0; i < NGIB; i++) {
		all[i] = xrange_alloc(GiB);
		ck_assert_ptr_nonnull(all[i]);
		ck_assert_uint_eq(xrange_start(all[i]), USER_EXCHANGE_BASE + i * GiB);
	}
	ck_assert_ptr_null(xrange_alloc(PAGE_SIZE));
}

START_TEST(fresh_addresses_come_first)
{
	struct xrange *a = xrange_alloc(PAGE_SIZE);
	ck_assert_uint_eq(xrange_start(a), USER_EXCHANGE_BASE);
	xrange_put(a);
	struct xrange *b = xrange_alloc(PAGE_SIZE);
	ck_assert_uint_eq(xrange_start(b), USER_EXCHANGE_BASE + PAGE_SIZE); /* not a's again */
	u64 fresh, nfree;
	xrange_usage(&fresh, &nfree);
	ck_assert_uint_eq(nfree, 1);
	ck_assert_uint_eq(fresh, USER_EXCHANGE_END - USER_EXCHANGE_BASE - 2 * PAGE_SIZE);
	ck_assert_ptr_null(xrange_alloc(0));
	ck_assert_ptr_null(xrange_alloc(100)); /* not a page multiple */
	xrange_put(b);
}
END_TEST

START_TEST(freed_ranges_return_lowest_first_and_merge)
{
	take_all();
	/* Free 5, 3 and 4 (merging into 3..5), and 9. */
	xrange_put(all[5]);
	xrange_put(all[3]);
	xrange_put(all[9]);
	u64 fresh, nfree;
	xrange_usage(&fresh, &nfree);
	ck_assert_uint_eq(fresh, 0);
	ck_assert_uint_eq(nfree, 3);
	xrange_put(all[4]);
	xrange_usage(&fresh, &nfree);
	ck_assert_uint_eq(nfree, 2); /* 3..5 and 9 */
	struct xrange *big = xrange_alloc(3 * GiB);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(xrange_start(big), USER_EXCHANGE_BASE + 3 * GiB);
	struct xrange *small = xrange_alloc(PAGE_SIZE);
	ck_assert_uint_eq(xrange_start(small), USER_EXCHANGE_BASE + 9 * GiB);
	ck_assert_ptr_null(xrange_alloc(GiB)); /* 9 has a page less than that left */
	xrange_put(small);
	ck_assert_uint_eq(xrange_start(all[9] = xrange_alloc(GiB)), USER_EXCHANGE_BASE + 9 * GiB);
}
END_TEST

START_TEST(a_referenced_range_is_not_reused)
{
	take_all();
	xrange_get(all[7]); /* mapped twice: a fork's copy, a message in flight */
	xrange_put(all[7]);
	ck_assert_ptr_null(xrange_alloc(GiB));
	xrange_put(all[7]);
	struct xrange *again = xrange_alloc(GiB);
	ck_assert_ptr_nonnull(again);
	ck_assert_uint_eq(xrange_start(again), USER_EXCHANGE_BASE + 7 * GiB);
}
END_TEST

START_TEST(everything_freed_merges_into_one)
{
	take_all();
	for (u64 i = 0; i < NGIB; i += 2)
		xrange_put(all[i]);
	for (u64 i = 1; i < NGIB; i += 2)
		xrange_put(all[i]);
	u64 fresh, nfree;
	xrange_usage(&fresh, &nfree);
	ck_assert_uint_eq(nfree, 1);
	struct xrange *x = xrange_alloc(NGIB * GiB);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(xrange_start(x), USER_EXCHANGE_BASE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exchange");
	TCase *tc = tcase_create("exchange");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fresh_addresses_come_first);
	tcase_add_test(tc, freed_ranges_return_lowest_first_and_merge);
	tcase_add_test(tc, a_referenced_range_is_not_reused);
	tcase_add_test(tc, everything_freed_merges_into_one);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
