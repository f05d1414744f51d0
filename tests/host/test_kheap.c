/* Host tests for the kernel heap (kernel/mm/kheap.c) over the real buddy allocator. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/memmap.h"

#define MiB (1UL << 20)

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

static size_t align_of(size_t size)
{
	size_t a = KHEAP_MIN_SIZE;
	while (a < size && a < PAGE_SIZE)
		a <<= 1;
	return a;
}

START_TEST(every_size_is_aligned_and_usable)
{
	static u8 *p[KHEAP_MAX_SMALL * 3 + 1];
	for (size_t size = 0; size <= KHEAP_MAX_SMALL * 3; size++) {
		p[size] = kmalloc(size);
		ck_assert_ptr_nonnull(p[size]);
		ck_assert(is_direct_mapped(p[size]));
		ck_assert_msg(IS_ALIGNED((u64)virt_to_phys(p[size]), align_of(size)),
			      "kmalloc(%zu) = %p is not %zu-aligned", size, p[size],
			      align_of(size));
		memset(p[size], (int)(size & 0xff), size);
	}
	for (size_t size = 0; size <= KHEAP_MAX_SMALL * 3; size++) {
		size_t i = 0;
		while (i < size && p[size][i] == (size & 0xff))
			i++;
		ck_assert_msg(i == size, "kmalloc(%zu) overwritten at %zu", size, i);
		kfree(p[size]);
	}
	ck_assert_uint_eq(kheap_bytes_in_use(), 0);
}
END_TEST

START_TEST(bytes_in_use_counts_classes_and_blocks)
{
	void *a = kmalloc(1), *b = kmalloc(100), *c = kmalloc(3000), *d = kmalloc(5 * PAGE_SIZE);
	ck_assert_uint_eq(kheap_bytes_in_use(), 16 + 128 + PAGE_SIZE + 8 * PAGE_SIZE);
	kfree(b);
	kfree(d);
	ck_assert_uint_eq(kheap_bytes_in_use(), 16 + PAGE_SIZE);
	kfree(a);
	kfree(c);
	kfree(NULL);
	ck_assert_uint_eq(kheap_bytes_in_use(), 0);
}
END_TEST

START_TEST(kzalloc_and_knew_zero)
{
	u8 *p = kmalloc(512);
	memset(p, 0xee, 512);
	kfree(p);
	u8 *q = kzalloc(512);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(q[i], 0);
	struct thing {
		u64 a[9];
	} *t = knew(struct thing);
	for (int i = 0; i < 9; i++)
		ck_assert_uint_eq(t->a[i], 0);
	kfree(q);
	kfree(t);
}
END_TEST

START_TEST(large_blocks_are_marked_and_returned)
{
	u64 free0 = buddy_free_pages();
	u8 *p = kmalloc(5 * PAGE_SIZE);
	ck_assert(IS_ALIGNED(virt_to_phys(p), PAGE_SIZE));
	struct frame *f = pa_to_frame(virt_to_phys(p));
	ck_assert(f->flags & FRAME_KLARGE);
	ck_assert(f->flags & FRAME_HEAD);
	ck_assert_uint_eq(f->order, 3);
	ck_assert_uint_eq(buddy_free_pages(), free0 - 8);
	kfree(p);
	ck_assert_uint_eq(buddy_free_pages(), free0);
	ck_assert_ptr_null(kmalloc(1UL << 40));
	ck_assert_ptr_null(kmalloc((size_t)-1));
}
END_TEST

START_TEST(slab_pages_are_marked)
{
	u8 *p = kmalloc(2000); /* 2048 class: 8-page slabs */
	paddr_t pa = virt_to_phys(p);
	struct frame *f = pa_to_frame(pa);
	ck_assert(f->flags & FRAME_SLAB);
	ck_assert_uint_eq(f->slab_class, 7);
	kfree(p);
}
END_TEST

/* Empty slabs go back to the buddy, but one per class stays to absorb alloc/free pairs. */
START_TEST(empty_slabs_are_released)
{
	u64 free0 = buddy_free_pages();
	static void *p[4000];
	for (int i = 0; i < 4000; i++)
		p[i] = kmalloc(64);
	ck_assert_uint_lt(buddy_free_pages(), free0 - 60);
	for (int i = 0; i < 4000; i++)
		kfree(p[i]);
	ck_assert_uint_eq(buddy_free_pages(), free0 - 1);
	/* The kept slab serves the next allocation without the buddy. */
	void *q = kmalloc(64);
	ck_assert_uint_eq(buddy_free_pages(), free0 - 1);
	kfree(q);
}
END_TEST

START_TEST(out_of_memory_gives_null)
{
	paddr_t pa;
	u64 n = 0;
	while ((pa = page_alloc(0)))
		n++;
	ck_assert_ptr_null(kmalloc(64));
	ck_assert_ptr_null(kmalloc(64 * 1024));
	ck_assert_ptr_null(kzalloc(16));
	ck_assert_uint_eq(kheap_bytes_in_use(), 0);
	ck_assert_uint_gt(n, 0);
}
END_TEST

START_TEST(double_free_small_panics)
{
	void *p = kmalloc(48);
	void *keep = kmalloc(48); /* keeps the slab alive */
	kfree(p);
	EXPECT_PANIC(kfree(p), "kfree: double free of");
	kfree(keep);
}
END_TEST

START_TEST(double_free_after_slab_release_panics)
{
	void *a = kmalloc(300), *b = kmalloc(300); /* 512 class */
	static void *fill[16];
	for (int i = 0; i < 16; i++)
		fill[i] = kmalloc(300); /* a second slab: the first can be released */
	for (int i = 0; i < 16; i++)
		kfree(fill[i]);
	kfree(a);
	kfree(b);
	EXPECT_PANIC(kfree(a), "double free");
}
END_TEST

START_TEST(double_free_large_panics)
{
	void *p = kmalloc(3 * PAGE_SIZE);
	kfree(p);
	EXPECT_PANIC(kfree(p), "double free");
}
END_TEST

START_TEST(foreign_pointers_panic)
{
	u64 on_stack = 0;
	EXPECT_PANIC(kfree(&on_stack), "was not returned by kmalloc");
	static u64 in_data;
	EXPECT_PANIC(kfree(&in_data), "was not returned by kmalloc");

	u8 *p = kmalloc(64);
	EXPECT_PANIC(kfree(p + 1), "was not returned by kmalloc");
	EXPECT_PANIC(kfree(p + 32), "was not returned by kmalloc");
	/* The slab header is not an object. */
	EXPECT_PANIC(kfree((void *)ALIGN_DOWN((u64)p, PAGE_SIZE)), "was not returned by kmalloc");

	u8 *big = kmalloc(4 * PAGE_SIZE);
	EXPECT_PANIC(kfree(big + 8), "was not returned by kmalloc");
	EXPECT_PANIC(kfree(big + PAGE_SIZE), "was not returned by kmalloc");

	/* A page straight from the buddy is not the heap's. */
	paddr_t pa = page_alloc(0);
	EXPECT_PANIC(kfree(phys_to_virt(pa)), "was not returned by kmalloc");
	/* Reserved memory inside the buffer (the first MiB). */
	EXPECT_PANIC(kfree(phys_to_virt(0x2000)), "was not returned by kmalloc");

	/* Still working after each caught bug. */
	kfree(p);
	kfree(big);
	page_free(pa, 0);
	ck_assert_uint_eq(kheap_bytes_in_use(), 0);
}
END_TEST

START_TEST(freed_objects_are_poisoned)
{
	u64 *p = kmalloc(128);
	u64 *keep = kmalloc(128);
	p[3] = 42;
	kfree(p);
	ck_assert_uint_ne(p[3], 42); /* still our slab page, so readable here */
	kfree(keep);
}
END_TEST

START_TEST(random_storm)
{
	enum { SLOTS = 700, ROUNDS = 100000 };
	static struct {
		u8 *p;
		size_t size;
		u8 tag;
	} s[SLOTS];
	u64 seed = 99;
	for (int round = 0; round < ROUNDS; round++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		int i = (int)((seed >> 33) % SLOTS);
		if (s[i].p) {
			size_t k = 0;
			while (k < s[i].size && s[i].p[k] == s[i].tag)
				k++;
			ck_assert_msg(k == s[i].size, "object %p of %zu bytes overwritten at %zu",
				      s[i].p, s[i].size, k);
			kfree(s[i].p);
			s[i].p = NULL;
			continue;
		}
		size_t size =
		    (seed >> 8) % 8 == 0 ? (seed >> 12) % (5 * PAGE_SIZE) : (seed >> 12) % 300;
		u8 *p = kmalloc(size);
		ck_assert_ptr_nonnull(p);
		ck_assert(IS_ALIGNED(virt_to_phys(p), align_of(size)));
		s[i].p = p;
		s[i].size = size;
		s[i].tag = (u8)(seed >> 40);
		memset(p, s[i].tag, size);
	}
	for (int i = 0; i < SLOTS; i++)
		kfree(s[i].p);
	ck_assert_uint_eq(kheap_bytes_in_use(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kheap");
	TCase *tc = tcase_create("kheap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_size_is_aligned_and_usable);
	tcase_add_test(tc, bytes_in_use_counts_classes_and_blocks);
	tcase_add_test(tc, kzalloc_and_knew_zero);
	tcase_add_test(tc, large_blocks_are_marked_and_returned);
	tcase_add_test(tc, slab_pages_are_marked);
	tcase_add_test(tc, empty_slabs_are_released);
	tcase_add_test(tc, out_of_memory_gives_null);
	tcase_add_test(tc, double_free_small_panics);
	tcase_add_test(tc, double_free_after_slab_release_panics);
	tcase_add_test(tc, double_free_large_panics);
	tcase_add_test(tc, foreign_pointers_panic);
	tcase_add_test(tc, freed_objects_are_poisoned);
	tcase_add_test(tc, random_storm);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
