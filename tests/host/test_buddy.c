/* Host tests for the buddy allocator (kernel/mm/buddy.c) on a buffer standing in for RAM. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "mm/memmap.h"

#define MiB (1UL << 20)
#define GiB (1UL << 30)

static struct memmap map;

/* RAM 1 MiB .. 64 MiB with a reserved hole at 8..9 MiB. */
static void setup_small(void)
{
	host_mem_init(64 * MiB);
	struct mem_range raw[] = {{0, 64 * MiB, MEM_USABLE}, {8 * MiB, 1 * MiB, MEM_RESERVED}};
	memmap_build(&map, raw, 2, NULL, 0);
	buddy_init(&map);
}

static void teardown(void)
{
	host_mem_fini();
}

static paddr_t meta_base(void)
{
	return virt_to_phys(pa_to_frame(0));
}

START_TEST(init_accounts_for_metadata)
{
	u64 usable = memmap_total(&map) / PAGE_SIZE;
	u64 meta_pages = buddy_meta_bytes() / PAGE_SIZE;
	ck_assert_uint_eq(buddy_meta_bytes(), 64 * MiB / PAGE_SIZE * sizeof(struct frame));
	ck_assert_uint_eq(buddy_total_pages(), usable - meta_pages);
	ck_assert_uint_eq(buddy_free_pages(), buddy_total_pages());
	/* The frame array sits in usable RAM, below 4 GiB, and is never handed out. */
	paddr_t m = meta_base();
	ck_assert_uint_ge(m, MEMMAP_LOW_RESERVED);
	ck_assert_uint_le(m + buddy_meta_bytes(), BUDDY_META_LIMIT);
	for (paddr_t pa = m; pa < m + buddy_meta_bytes(); pa += PAGE_SIZE)
		ck_assert(pa_to_frame(pa)->flags & FRAME_RESERVED);
	ck_assert(pa_to_frame(8 * MiB)->flags & FRAME_RESERVED);
	ck_assert(pa_to_frame(0)->flags & FRAME_RESERVED);
	ck_assert_ptr_null(pa_to_frame(64 * MiB));
	ck_assert_ptr_nonnull(pa_to_frame(64 * MiB - 1));
}
END_TEST

START_TEST(blocks_are_aligned_and_marked)
{
	for (unsigned order = 0; order <= 10; order++) {
		paddr_t pa = page_alloc(order);
		ck_assert_uint_ne(pa, 0);
		ck_assert(IS_ALIGNED(pa, PAGE_SIZE << order));
		struct frame *f = pa_to_frame(pa);
		ck_assert_uint_eq(f->flags, FRAME_HEAD);
		ck_assert_uint_eq(f->order, order);
		for (u64 i = 1; i < (1UL << order); i++)
			ck_assert_uint_eq(pa_to_frame(pa + i * PAGE_SIZE)->flags, 0);
		/* Not in the hole, not in the metadata. */
		ck_assert(pa + (PAGE_SIZE << order) <= 8 * MiB || pa >= 9 * MiB);
		ck_assert(pa + (PAGE_SIZE << order) <= meta_base() ||
			  pa >= meta_base() + buddy_meta_bytes());
		ck_assert(!buddy_frame_is_free(pa));
		page_free(pa, order);
		ck_assert(buddy_frame_is_free(pa));
	}
	ck_assert_uint_eq(buddy_free_pages(), buddy_total_pages());
}
END_TEST

START_TEST(out_of_memory_returns_zero)
{
	ck_assert_uint_eq(page_alloc(BUDDY_MAX_ORDER + 1), 0);
	ck_assert_uint_eq(page_alloc(BUDDY_MAX_ORDER), 0); /* 1 GiB: more than we have */
	u64 n = 0;
	paddr_t pa;
	static paddr_t got[64 * MiB / PAGE_SIZE];
	while ((pa = page_alloc(0)))
		got[n++] = pa;
	ck_assert_uint_eq(n, buddy_total_pages());
	ck_assert_uint_eq(buddy_free_pages(), 0);
	ck_assert_uint_eq(page_alloc(0), 0);
	ck_assert_uint_eq(page_alloc_below(0, 4 * GiB), 0);
	ck_assert_ptr_null(page_alloc_zeroed_virt());
	/* Free in a scrambled order: everything must merge back. */
	for (u64 i = 0; i < n; i++) {
		u64 j = (i * 7919) % n;
		paddr_t t = got[i];
		got[i] = got[j];
		got[j] = t;
	}
	for (u64 i = 0; i < n; i++)
		page_free(got[i], 0);
	ck_assert_uint_eq(buddy_free_pages(), buddy_total_pages());
	/* Merged: 9..64 MiB has an aligned 32 MiB block (order 13) again. */
	pa = page_alloc(13);
	ck_assert_uint_eq(pa, 32 * MiB);
	page_free(pa, 13);
}
END_TEST

START_TEST(alloc_below_a_limit)
{
	paddr_t pa = page_alloc_below(2, 4 * MiB);
	ck_assert_uint_ne(pa, 0);
	ck_assert_uint_le(pa + 4 * PAGE_SIZE, 4 * MiB);
	ck_assert(IS_ALIGNED(pa, 4 * PAGE_SIZE));
	ck_assert_uint_eq(page_alloc_below(0, MEMMAP_LOW_RESERVED), 0);
	ck_assert_uint_eq(page_alloc_below(BUDDY_MAX_ORDER + 1, 4 * GiB), 0);
	page_free(pa, 2);
	ck_assert_uint_eq(buddy_free_pages(), buddy_total_pages());
}
END_TEST

START_TEST(zeroed_page)
{
	paddr_t pa = page_alloc(0);
	memset(phys_to_virt(pa), 0xff, PAGE_SIZE);
	page_free(pa, 0);
	u8 *p = page_alloc_zeroed_virt();
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < (int)PAGE_SIZE; i++)
		ck_assert_uint_eq(p[i], 0);
	page_free(virt_to_phys(p), 0);
}
END_TEST

START_TEST(double_free_panics)
{
	paddr_t pa = page_alloc(0);
	page_free(pa, 0);
	EXPECT_PANIC(page_free(pa, 0), "double free");
}
END_TEST

START_TEST(double_free_inside_merged_block_panics)
{
	paddr_t pa = page_alloc(3);
	page_free(pa, 3); /* merges into something larger */
	EXPECT_PANIC(page_free(pa + 2 * PAGE_SIZE, 1), "double free");
}
END_TEST

START_TEST(free_of_non_head_panics)
{
	paddr_t pa = page_alloc(2);
	EXPECT_PANIC(page_free(pa + PAGE_SIZE, 0), "not the head");
}
END_TEST

START_TEST(free_with_wrong_order_panics)
{
	paddr_t pa = page_alloc(2);
	EXPECT_PANIC(page_free(pa, 1), "freed as order 1 but was allocated as order 2");
}
END_TEST

START_TEST(free_of_non_ram_panics)
{
	EXPECT_PANIC(page_free(8 * MiB, 0), "not RAM");	    /* the hole */
	EXPECT_PANIC(page_free(0x1000, 0), "not RAM");	    /* below 1 MiB */
	EXPECT_PANIC(page_free(meta_base(), 0), "not RAM"); /* the frame array */
	EXPECT_PANIC(page_free(64 * MiB, 0), "the frames end at");
	EXPECT_PANIC(page_free(1UL << 45, 0), "the frames end at");
	EXPECT_PANIC(page_free(16 * MiB + 12, 0), "not page-aligned");
	/* The allocator is still usable after each caught bug: the lock was released. */
	paddr_t pa = page_alloc(0);
	ck_assert_uint_ne(pa, 0);
	page_free(pa, 0);
}
END_TEST

START_TEST(free_of_heap_page_panics)
{
	paddr_t pa = page_alloc(0);
	pa_to_frame(pa)->flags |= FRAME_SLAB;
	EXPECT_PANIC(page_free(pa, 0), "kfree");
}
END_TEST

/* Random alloc/free with a shadow owner per page: no page is ever handed out twice. */
START_TEST(random_storm_never_overlaps)
{
	enum { SLOTS = 300, ROUNDS = 200000 };
	static u16 owner[64 * MiB / PAGE_SIZE];
	static struct {
		paddr_t pa;
		unsigned order;
	} slot[SLOTS];
	memset(owner, 0, sizeof owner);
	u64 seed = 12345;
	for (int round = 0; round < ROUNDS; round++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		int i = (int)((seed >> 33) % SLOTS);
		if (slot[i].pa) {
			u64 first = slot[i].pa / PAGE_SIZE;
			for (u64 p = first; p < first + (1UL << slot[i].order); p++) {
				ck_assert_uint_eq(owner[p], i + 1);
				owner[p] = 0;
			}
			ck_assert_uint_eq(*(u64 *)phys_to_virt(slot[i].pa), slot[i].pa);
			page_free(slot[i].pa, slot[i].order);
			slot[i].pa = 0;
			continue;
		}
		unsigned order = (unsigned)((seed >> 20) % 100);
		order = order < 50 ? 0 : order < 75 ? 1 : order < 90 ? 3 : order % 12;
		paddr_t pa = page_alloc(order);
		if (!pa)
			continue;
		for (u64 p = pa / PAGE_SIZE; p < pa / PAGE_SIZE + (1UL << order); p++) {
			ck_assert_msg(owner[p] == 0, "page 0x%lx handed out twice", p * PAGE_SIZE);
			owner[p] = (u16)(i + 1);
		}
		*(u64 *)phys_to_virt(pa) = pa;
		slot[i].pa = pa;
		slot[i].order = order;
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].pa)
			page_free(slot[i].pa, slot[i].order);
	ck_assert_uint_eq(buddy_free_pages(), buddy_total_pages());
	ck_assert_uint_eq(page_alloc(13), 32 * MiB);
}
END_TEST

/* RAM above 4 GiB: metadata still goes below, high frames are handed out and usable. */
START_TEST(memory_above_4g)
{
	host_mem_init(4 * GiB + 32 * MiB);
	struct mem_range raw[] = {{4 * GiB, 32 * MiB, MEM_USABLE}, {1 * MiB, 63 * MiB, MEM_USABLE}};
	memmap_build(&map, raw, 2, NULL, 0);
	buddy_init(&map);
	ck_assert_uint_lt(meta_base(), 64 * MiB);
	ck_assert_uint_eq(buddy_meta_bytes(),
			  (4 * GiB + 32 * MiB) / PAGE_SIZE * sizeof(struct frame));
	u64 high = 0, n = 0;
	paddr_t pa, last = 0;
	while ((pa = page_alloc(0))) {
		if (pa >= 4 * GiB) {
			high++;
			*(u8 *)phys_to_virt(pa) = 1;
		}
		*(paddr_t *)phys_to_virt(pa) = last;
		last = pa;
		n++;
	}
	ck_assert_uint_eq(high, 32 * MiB / PAGE_SIZE);
	ck_assert_uint_eq(n, buddy_total_pages());
	while (last) {
		paddr_t next = *(paddr_t *)phys_to_virt(last);
		page_free(last, 0);
		last = next;
	}
	ck_assert_uint_eq(buddy_free_pages(), buddy_total_pages());
	ck_assert(buddy_frame_is_free(4 * GiB));
	/* A hole of ~4 GiB costs metadata, not frames. */
	ck_assert(pa_to_frame(2 * GiB)->flags & FRAME_RESERVED);
	host_mem_fini();
}
END_TEST

/* More RAM than the low pieces can describe: track what fits, ignore the rest. */
START_TEST(metadata_too_big_for_low_memory)
{
	host_mem_init(12 * GiB);
	struct mem_range raw[] = {{1 * MiB, 16 * MiB, MEM_USABLE},
				  {32 * MiB, 64 * MiB, MEM_USABLE},
				  {4 * GiB, 8 * GiB, MEM_USABLE}};
	memmap_build(&map, raw, 3, NULL, 0);
	buddy_init(&map);
	/* The 64 MiB piece holds 2M frames of 32 bytes: RAM up to 8 GiB. */
	ck_assert_uint_eq(meta_base(), 32 * MiB);
	ck_assert_uint_eq(buddy_meta_bytes(), 64 * MiB);
	ck_assert_ptr_null(pa_to_frame(8 * GiB));
	ck_assert_uint_eq(buddy_total_pages(), (16 * MiB + 4 * GiB) / PAGE_SIZE);
	paddr_t pa = page_alloc(BUDDY_MAX_ORDER);
	ck_assert_uint_ge(pa, 4 * GiB);
	ck_assert_uint_lt(pa, 8 * GiB);
	page_free(pa, BUDDY_MAX_ORDER);
	host_mem_fini();
}
END_TEST

START_TEST(no_usable_memory)
{
	host_mem_init(16 * MiB);
	struct mem_range raw[] = {{0, 16 * MiB, MEM_RESERVED}};
	memmap_build(&map, raw, 1, NULL, 0);
	buddy_init(&map);
	ck_assert_uint_eq(buddy_total_pages(), 0);
	ck_assert_uint_eq(page_alloc(0), 0);
	ck_assert_ptr_null(pa_to_frame(1 * MiB));
	EXPECT_PANIC(page_free(1 * MiB, 0), "not RAM");
	host_mem_fini();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buddy");
	TCase *tc = tcase_create("small");
	tcase_add_checked_fixture(tc, setup_small, teardown);
	tcase_add_test(tc, init_accounts_for_metadata);
	tcase_add_test(tc, blocks_are_aligned_and_marked);
	tcase_add_test(tc, out_of_memory_returns_zero);
	tcase_add_test(tc, alloc_below_a_limit);
	tcase_add_test(tc, zeroed_page);
	tcase_add_test(tc, double_free_panics);
	tcase_add_test(tc, double_free_inside_merged_block_panics);
	tcase_add_test(tc, free_of_non_head_panics);
	tcase_add_test(tc, free_with_wrong_order_panics);
	tcase_add_test(tc, free_of_non_ram_panics);
	tcase_add_test(tc, free_of_heap_page_panics);
	tcase_add_test(tc, random_storm_never_overlaps);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	TCase *odd = tcase_create("odd maps");
	tcase_add_test(odd, memory_above_4g);
	tcase_add_test(odd, metadata_too_big_for_low_memory);
	tcase_add_test(odd, no_usable_memory);
	tcase_set_timeout(odd, 120);
	suite_add_tcase(s, odd);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
