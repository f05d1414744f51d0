/* Host tests for memmap_build (kernel/mm/memmap.c): odd loader maps in, safe usable RAM out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/memmap.h"

#define KiB (1UL << 10)
#define MiB (1UL << 20)
#define GiB (1UL << 30)

static struct memmap map;

#define U(b, s)                                                                                    \
	{                                                                                          \
		(b), (s), MEM_USABLE                                                               \
	}
#define R(b, s)                                                                                    \
	{                                                                                          \
		(b), (s), MEM_RESERVED                                                             \
	}

static void build(const struct mem_range *raw, int nraw, const struct mem_range *res, int nres)
{
	memset(&map, 0xa5, sizeof map); /* no reliance on a zeroed output */
	memmap_build(&map, raw, nraw, res, nres);
}

/* Sorted, disjoint, non-adjacent, page-aligned, above the first MiB, top right. */
static void check_invariants(void)
{
	ck_assert_int_ge(map.n, 0);
	ck_assert_int_le(map.n, MEMMAP_MAX);
	for (int i = 0; i < map.n; i++) {
		const struct mem_range *r = &map.range[i];
		ck_assert_uint_gt(r->size, 0);
		ck_assert(IS_ALIGNED(r->base, PAGE_SIZE) && IS_ALIGNED(r->size, PAGE_SIZE));
		ck_assert_uint_ge(r->base, MEMMAP_LOW_RESERVED);
		ck_assert_uint_eq(r->type, MEM_USABLE);
		if (i)
			ck_assert_uint_gt(r->base, map.range[i - 1].base + map.range[i - 1].size);
	}
	if (map.n)
		ck_assert_uint_eq(map.top, map.range[map.n - 1].base + map.range[map.n - 1].size);
	else
		ck_assert_uint_eq(map.top, 0);
}

static void expect_range(int i, paddr_t base, paddr_t end)
{
	ck_assert_int_lt(i, map.n);
	ck_assert_msg(map.range[i].base == base && map.range[i].base + map.range[i].size == end,
		      "range %d is 0x%lx-0x%lx, expected 0x%lx-0x%lx", i, map.range[i].base,
		      map.range[i].base + map.range[i].size, base, end);
}

START_TEST(simple_qemu_like)
{
	/* What QEMU's q35 with 3 GiB gives: low RAM, ROM areas, a hole, RAM above 4 GiB. */
	struct mem_range raw[] = {
	    U(0, 0x9fc00),	    R(0x9fc00, 0x400),	   R(0xf0000, 0x10000),
	    U(1 * MiB, 2047 * MiB), R(0xfeffc000, 0x4000), R(0xfd00000000UL, 0x300000000UL),
	    U(4 * GiB, 952 * MiB),
	};
	struct mem_range res[] = {R(1 * MiB, 0x20000)}; /* the kernel image */
	build(raw, 7, res, 1);
	check_invariants();
	ck_assert_int_eq(map.n, 2);
	expect_range(0, 1 * MiB + 0x20000, 2 * GiB);
	expect_range(1, 4 * GiB, 4 * GiB + 952 * MiB);
	ck_assert_uint_eq(memmap_total(&map), 2 * GiB - 1 * MiB - 0x20000 + 952 * MiB);
}
END_TEST

START_TEST(unsorted_and_overlapping_usable_merge)
{
	struct mem_range raw[] = {
	    U(40 * MiB, 10 * MiB), U(2 * MiB, 4 * MiB),
	    U(5 * MiB, 10 * MiB),  U(30 * MiB, 10 * MiB), /* touches the first: merges */
	    U(3 * MiB, 1 * MiB),			  /* inside another */
	};
	build(raw, 5, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 2);
	expect_range(0, 2 * MiB, 15 * MiB);
	expect_range(1, 30 * MiB, 50 * MiB);
}
END_TEST

START_TEST(reserved_wins_in_any_order)
{
	struct mem_range before[] = {R(8 * MiB, 1 * MiB), U(1 * MiB, 15 * MiB)};
	struct mem_range after[] = {U(1 * MiB, 15 * MiB), R(8 * MiB, 1 * MiB)};
	for (int k = 0; k < 2; k++) {
		build(k ? after : before, 2, NULL, 0);
		check_invariants();
		ck_assert_int_eq(map.n, 2);
		expect_range(0, 1 * MiB, 8 * MiB);
		expect_range(1, 9 * MiB, 16 * MiB);
	}
}
END_TEST

START_TEST(every_other_type_is_reserved)
{
	struct mem_range raw[] = {
	    U(1 * MiB, 63 * MiB),	  {10 * MiB, 1 * MiB, MEM_ACPI},
	    {20 * MiB, 1 * MiB, MEM_NVS}, {30 * MiB, 1 * MiB, MEM_BAD},
	    {40 * MiB, 1 * MiB, 77}, /* unknown: not usable */
	};
	build(raw, 5, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 5);
	ck_assert_uint_eq(memmap_total(&map), 59 * MiB);
}
END_TEST

START_TEST(holes_are_respected)
{
	struct mem_range raw[] = {U(1 * MiB, 1 * MiB), U(3 * MiB, 1 * MiB), U(7 * MiB, 2 * MiB)};
	build(raw, 3, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 3);
	expect_range(0, 1 * MiB, 2 * MiB);
	expect_range(1, 3 * MiB, 4 * MiB);
	expect_range(2, 7 * MiB, 9 * MiB);
}
END_TEST

START_TEST(memory_above_4g_is_kept)
{
	struct mem_range raw[] = {U(6 * GiB, 2 * GiB), U(1 * MiB, 100 * MiB), U(4 * GiB, 1 * GiB),
				  U(1UL << 40, 1 * GiB)};
	build(raw, 4, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 4);
	expect_range(1, 4 * GiB, 5 * GiB);
	expect_range(2, 6 * GiB, 8 * GiB);
	expect_range(3, 1UL << 40, (1UL << 40) + GiB);
	ck_assert_uint_eq(map.top, (1UL << 40) + GiB);
}
END_TEST

START_TEST(first_mib_is_never_usable)
{
	struct mem_range raw[] = {U(0, 640 * KiB), U(0x1000, 0x1000), U(512 * KiB, 1 * MiB)};
	build(raw, 3, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 1);
	expect_range(0, 1 * MiB, 1 * MiB + 512 * KiB);
}
END_TEST

START_TEST(pages_partly_reserved_or_partly_usable_are_dropped)
{
	struct mem_range raw[] = {
	    U(0x100123, 0x100edc), /* 0x100123..0x200fff: pages 0x101000..0x200000 */
	    R(0x150800, 0x100),	   /* spoils page 0x150000 */
	    U(0x300000, 0x800),	   /* less than a page */
	};
	build(raw, 3, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 2);
	expect_range(0, 0x101000, 0x150000);
	expect_range(1, 0x151000, 0x200000);
}
END_TEST

START_TEST(zero_absurd_and_wrapping_entries)
{
	struct mem_range raw[] = {
	    U(2 * MiB, 0),			   /* zero size */
	    U(~0UL - 0xfff, 0x10000),		   /* wraps around */
	    U(1 * MiB, 1UL << 63),		   /* absurd size */
	    U(PHYS_ADDR_LIMIT, 1 * GiB),	   /* beyond any physical address */
	    U(PHYS_ADDR_LIMIT - 1 * MiB, 2 * MiB), /* runs past it */
	    U(16 * MiB, 16 * MiB),		   /* the only real one */
	    R(20 * MiB, 0),			   /* zero-size reserved: nothing */
	};
	build(raw, 7, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 1);
	expect_range(0, 16 * MiB, 32 * MiB);
}
END_TEST

START_TEST(wrapping_reserved_entry_is_clipped_not_ignored)
{
	struct mem_range raw[] = {U(1 * MiB, 63 * MiB), R(24 * MiB, ~0UL - 10)};
	build(raw, 2, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 1);
	expect_range(0, 1 * MiB, 24 * MiB);
}
END_TEST

START_TEST(no_usable_memory)
{
	struct mem_range raw[] = {R(0, 1 * GiB), {1 * GiB, 1 * GiB, MEM_ACPI}};
	build(raw, 2, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 0);
	build(NULL, 0, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, 0);
	/* Usable memory only below 1 MiB is none at all. */
	struct mem_range low[] = {U(0, 640 * KiB)};
	build(low, 1, NULL, 0);
	ck_assert_int_eq(map.n, 0);
}
END_TEST

START_TEST(reserved_list_splits_ranges)
{
	struct mem_range raw[] = {U(1 * MiB, 127 * MiB)};
	struct mem_range res[] = {
	    R(1 * MiB, 0x1f000),      /* kernel */
	    R(32 * MiB, 3 * MiB + 5), /* a module, unaligned end */
	    R(64 * MiB - 1, 2),	      /* two bytes over a page boundary */
	    R(200 * MiB, 1 * MiB),    /* outside RAM */
	};
	build(raw, 1, res, 4);
	check_invariants();
	ck_assert_int_eq(map.n, 3);
	expect_range(0, 1 * MiB + 0x1f000, 32 * MiB);
	expect_range(1, 35 * MiB + PAGE_SIZE, 64 * MiB - PAGE_SIZE);
	expect_range(2, 64 * MiB + PAGE_SIZE, 128 * MiB);
}
END_TEST

START_TEST(too_many_ranges_degrade_gracefully)
{
	/* One usable sweep punched by 200 reserved pages: more pieces than the map holds. */
	static struct mem_range raw[201];
	raw[0] = (struct mem_range)U(1 * MiB, 1 * GiB);
	for (int i = 1; i <= 200; i++)
		raw[i] = (struct mem_range)R(1 * MiB + (u64)i * 2 * MiB, PAGE_SIZE);
	build(raw, 201, NULL, 0);
	check_invariants();
	ck_assert_int_eq(map.n, MEMMAP_MAX);
	/* Everything kept is really usable. */
	for (int i = 0; i < map.n; i++)
		for (int k = 1; k <= 200; k++) {
			paddr_t r = raw[k].base;
			ck_assert(r + PAGE_SIZE <= map.range[i].base ||
				  r >= map.range[i].base + map.range[i].size);
		}
}
END_TEST

/*
 * Random maps against a model: 256-byte units over 16 MiB, a page is usable
 * iff all its units lie in a usable entry and in no reserved one, above 1 MiB.
 */
#define UNIT 256
#define SPACE (16 * MiB)
#define NUNITS (SPACE / UNIT)
#define UNITS_PER_PAGE (PAGE_SIZE / UNIT)

static u64 rng_state = 88172645463325252UL;
static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

START_TEST(random_maps_match_model)
{
	static u8 usable[NUNITS], reserved[NUNITS];
	for (int iter = 0; iter < 300; iter++) {
		struct mem_range raw[40], res[4];
		int nraw = 1 + (int)(rng() % 40), nres = (int)(rng() % 4);
		memset(usable, 0, sizeof usable);
		memset(reserved, 0, sizeof reserved);
		for (int i = 0; i < nraw + nres; i++) {
			u64 b = rng() % NUNITS, len = 1 + rng() % (NUNITS / 8);
			if (b + len > NUNITS)
				len = NUNITS - b;
			bool use = i < nraw && rng() % 3 != 0;
			struct mem_range r = {b * UNIT, len * UNIT,
					      use ? MEM_USABLE : MEM_RESERVED};
			if (i < nraw)
				raw[i] = r;
			else
				res[i - nraw] = r;
			for (u64 u = b; u < b + len; u++)
				(use ? usable : reserved)[u] = 1;
		}
		build(raw, nraw, res, nres);
		check_invariants();
		int ri = 0;
		for (u64 page = 0; page < SPACE / PAGE_SIZE; page++) {
			paddr_t pa = page * PAGE_SIZE;
			bool want = pa >= MEMMAP_LOW_RESERVED;
			for (u64 u = page * UNITS_PER_PAGE; want && u < (page + 1) * UNITS_PER_PAGE;
			     u++)
				want = usable[u] && !reserved[u];
			while (ri < map.n && map.range[ri].base + map.range[ri].size <= pa)
				ri++;
			bool got = ri < map.n && map.range[ri].base <= pa;
			ck_assert_msg(got == want,
				      "iteration %d: page 0x%lx usable %d, expected %d", iter, pa,
				      got, want);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("build");
	tcase_add_test(tc, simple_qemu_like);
	tcase_add_test(tc, unsorted_and_overlapping_usable_merge);
	tcase_add_test(tc, reserved_wins_in_any_order);
	tcase_add_test(tc, every_other_type_is_reserved);
	tcase_add_test(tc, holes_are_respected);
	tcase_add_test(tc, memory_above_4g_is_kept);
	tcase_add_test(tc, first_mib_is_never_usable);
	tcase_add_test(tc, pages_partly_reserved_or_partly_usable_are_dropped);
	tcase_add_test(tc, zero_absurd_and_wrapping_entries);
	tcase_add_test(tc, wrapping_reserved_entry_is_clipped_not_ignored);
	tcase_add_test(tc, no_usable_memory);
	tcase_add_test(tc, reserved_list_splits_ranges);
	tcase_add_test(tc, too_many_ranges_degrade_gracefully);
	tcase_add_test(tc, random_maps_match_model);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
