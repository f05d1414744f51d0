/* Host tests for the page-table primitives (kernel/mm/pagetable.c) on buffer-backed tables. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "mm/memmap.h"
#include "mm/pagetable.h"

#define MiB (1UL << 20)
#define GiB (1UL << 30)

static struct memmap map;
static u64 free_after_setup;

/* What vm_init does to the kernel root, minus the CPU: every kernel-half PDPT up front. */
static void setup(void)
{
	host_mem_init(64 * MiB);
	struct mem_range raw[] = {{1 * MiB, 63 * MiB, MEM_USABLE}};
	memmap_build(&map, raw, 1, NULL, 0);
	buddy_init(&map);
	pte_nx = PTE_NX;
	kernel_root = pt_alloc_page();
	pte_t *pml4 = phys_to_virt(kernel_root);
	for (int i = PML4_KERNEL_FIRST; i < PT_ENTRIES; i++)
		pml4[i] = pt_alloc_page() | PTE_P | PTE_W;
	free_after_setup = buddy_free_pages();
}

static void teardown(void)
{
	host_mem_fini();
}

#define UVA (USER_SLOTS_BASE + 0x5000)
#define KVA (MMIO_BASE + 0x7000)

START_TEST(map_walk_translate)
{
	paddr_t root = vm_root_create(), frame = page_alloc(0), pa;
	ck_assert_uint_ne(root, 0);
	ck_assert_ptr_null(vm_walk(root, UVA));
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ | VM_WRITE | VM_USER), 0);
	pte_t *e = vm_walk(root, UVA);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(*e, frame | PTE_P | PTE_W | PTE_U | PTE_NX);
	ck_assert(vm_translate(root, UVA + 0x123, &pa));
	ck_assert_uint_eq(pa, frame + 0x123);
	ck_assert(!vm_translate(root, UVA + PAGE_SIZE, &pa));
	/* Three table pages (PDPT, PD, PT) for the first user mapping. */
	ck_assert_uint_eq(buddy_free_pages(), free_after_setup - 2 - 3);

	/* Upper levels grant user access; the leaf decides. */
	pte_t *pml4 = phys_to_virt(root);
	ck_assert_uint_eq(pml4[pt_index(UVA, 4)] & (PTE_P | PTE_W | PTE_U | PTE_NX),
			  PTE_P | PTE_W | PTE_U);
	ck_assert_int_eq(vm_map(root, UVA + PAGE_SIZE, frame, VM_READ | VM_EXEC), 0);
	ck_assert_uint_eq(*vm_walk(root, UVA + PAGE_SIZE), frame | PTE_P);
	ck_assert_int_eq(vm_map(root, UVA + 2 * PAGE_SIZE, frame, VM_READ | VM_UNCACHED), 0);
	ck_assert_uint_eq(*vm_walk(root, UVA + 2 * PAGE_SIZE),
			  frame | PTE_P | PTE_PCD | PTE_PWT | PTE_NX);
	vm_root_destroy(root);
	page_free(frame, 0);
	ck_assert_uint_eq(buddy_free_pages(), free_after_setup);
}
END_TEST

START_TEST(map_refuses_bad_requests)
{
	paddr_t root = vm_root_create(), frame = page_alloc(0);
	ck_assert_int_eq(vm_map(root, 0, frame, VM_READ), -EINVAL); /* page 0 */
	ck_assert_int_eq(vm_map(root, 0xfff, frame, VM_READ), -EINVAL);
	ck_assert_int_eq(vm_map(root, UVA + 1, frame, VM_READ), -EINVAL);
	ck_assert_int_eq(vm_map(root, UVA, frame + 1, VM_READ), -EINVAL);
	ck_assert_int_eq(vm_map(root, UVA, PHYS_ADDR_LIMIT, VM_READ), -EINVAL);
	ck_assert_int_eq(vm_map(root, USER_TOP, frame, VM_READ), -EINVAL); /* non-canonical */
	ck_assert_int_eq(vm_map(root, KERNEL_HALF_BASE - PAGE_SIZE, frame, VM_READ), -EINVAL);
	ck_assert_int_eq(vm_map(root, KVA, frame, VM_READ | VM_USER), -EINVAL);
	ck_assert_int_eq(vm_map(root, KVA, frame, VM_READ | VM_WRITE | VM_EXEC), -EINVAL);
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ | VM_WRITE | VM_EXEC | VM_USER), 0);
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ), -EEXIST);
	vm_root_destroy(root);
	page_free(frame, 0);
}
END_TEST

START_TEST(protect_keeps_address_and_accessed_dirty)
{
	paddr_t root = vm_root_create(), frame = page_alloc(0);
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ | VM_WRITE | VM_USER), 0);
	pte_t *e = vm_walk(root, UVA);
	*e |= PTE_A | PTE_D | PTE_COW; /* as the CPU and the COW code would */
	ck_assert_int_eq(vm_protect(root, UVA, VM_READ | VM_USER | VM_EXEC), 0);
	ck_assert_uint_eq(*e, frame | PTE_P | PTE_U | PTE_A | PTE_D | PTE_COW);
	ck_assert_int_eq(vm_protect(root, UVA + PAGE_SIZE, VM_READ), -ENOENT);
	ck_assert_int_eq(vm_protect(root, USER_SLOTS_END, VM_READ), -ENOENT); /* no tables */
	ck_assert_int_eq(vm_protect(root, UVA + 3, VM_READ), -EINVAL);
	vm_root_destroy(root);
	page_free(frame, 0);
}
END_TEST

START_TEST(unmap_returns_the_old_entry)
{
	paddr_t root = vm_root_create(), frame = page_alloc(0);
	ck_assert_uint_eq(vm_unmap(root, UVA), 0); /* nothing there, no tables */
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ), 0);
	pte_t old = vm_unmap(root, UVA);
	ck_assert_uint_eq(old, frame | PTE_P | PTE_NX);
	ck_assert_uint_eq(vm_unmap(root, UVA), 0);
	pte_t *e = vm_walk(root, UVA); /* the table stays; the entry is empty */
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(*e, 0);
	/* A non-present marker (a swap entry, say) is replaced by vm_map. */
	*e = 0x5a5a000;
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ), 0);
	ck_assert_uint_eq(*e & PTE_ADDR_MASK, frame);
	vm_root_destroy(root);
	page_free(frame, 0);
}
END_TEST

START_TEST(kernel_half_is_shared_by_every_root)
{
	paddr_t early = vm_root_create(), frame = page_alloc(0), pa;
	/* A kernel mapping made after a root exists shows up in it. */
	ck_assert_int_eq(vm_map(kernel_root, KVA, frame, VM_READ | VM_WRITE), 0);
	ck_assert(vm_translate(early, KVA, &pa));
	ck_assert_uint_eq(pa, frame);
	paddr_t late = vm_root_create();
	ck_assert(vm_translate(late, KVA, &pa));
	ck_assert_uint_eq(*vm_walk(late, KVA), frame | PTE_P | PTE_W | PTE_G | PTE_NX);
	/* A user mapping in one root is not in another, nor in the kernel root. */
	ck_assert_int_eq(vm_map(early, UVA, frame, VM_READ | VM_USER), 0);
	ck_assert(!vm_translate(late, UVA, &pa));
	ck_assert(!vm_translate(kernel_root, UVA, &pa));
	/* Destroying a root leaves the shared kernel tables alone. */
	vm_root_destroy(early);
	vm_root_destroy(late);
	ck_assert(vm_translate(kernel_root, KVA, &pa));
	EXPECT_PANIC(vm_root_destroy(kernel_root), "kernel root");
}
END_TEST

START_TEST(large_pages)
{
	/* A 2 MiB page as vm_init makes them for the direct map. */
	int level;
	vaddr_t va = DIRECT_MAP_BASE + 4 * MiB;
	pte_t *e = pt_walk(kernel_root, va, 2, pt_alloc_page, &level);
	ck_assert_int_eq(level, 2);
	*e = 4 * MiB | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	paddr_t pa;
	ck_assert(vm_translate(kernel_root, va + 0x12345, &pa));
	ck_assert_uint_eq(pa, 4 * MiB + 0x12345);
	ck_assert_ptr_eq(vm_walk(kernel_root, va + 0x1000), e);
	ck_assert_int_eq(vm_map(kernel_root, va + 0x1000, 0x1000, VM_READ), -EEXIST);
	ck_assert_uint_eq(vm_unmap(kernel_root, va + 0x1000), 0);
	ck_assert_int_eq(vm_protect(kernel_root, va, VM_READ), -ENOENT);
	ck_assert_uint_eq(*e & PTE_ADDR_MASK, 4 * MiB);

	/* And 1 GiB. */
	va = DIRECT_MAP_BASE + 1 * GiB;
	e = pt_walk(kernel_root, va, 3, pt_alloc_page, &level);
	ck_assert_int_eq(level, 3);
	*e = 1 * GiB | PTE_P | PTE_W | PTE_PS;
	ck_assert(vm_translate(kernel_root, va + 0x3456789, &pa));
	ck_assert_uint_eq(pa, 1 * GiB + 0x3456789);
}
END_TEST

/* vm_root_release hands back each mapped frame once, and frees every table with the root. */
static paddr_t released[8];
static int nreleased;

static void release(paddr_t frame)
{
	ck_assert_int_lt(nreleased, 8);
	released[nreleased++] = frame;
}

START_TEST(release_gives_back_frames_and_tables)
{
	paddr_t root = vm_root_create(), frames[3];
	/* Neighbours in one table, a page in the next eight entries, one 1 GiB away. */
	vaddr_t at[3] = {UVA, UVA + 9 * PAGE_SIZE, UVA + 1 * GiB};
	for (int i = 0; i < 3; i++) {
		frames[i] = page_alloc(0);
		ck_assert_int_eq(vm_map(root, at[i], frames[i], VM_READ | VM_USER), 0);
	}
	nreleased = 0;
	vm_root_release(root, release);
	ck_assert_int_eq(nreleased, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(released[i], frames[i]); /* in address order */
		page_free(frames[i], 0);
	}
	ck_assert_uint_eq(buddy_free_pages(), free_after_setup);
}
END_TEST

START_TEST(out_of_memory_is_enomem)
{
	paddr_t root = vm_root_create(), frame = page_alloc(0);
	while (page_alloc(0))
		;
	ck_assert_int_eq(vm_map(root, UVA, frame, VM_READ), -ENOMEM);
	ck_assert_uint_eq(vm_root_create(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pagetable");
	TCase *tc = tcase_create("pagetable");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, map_walk_translate);
	tcase_add_test(tc, map_refuses_bad_requests);
	tcase_add_test(tc, protect_keeps_address_and_accessed_dirty);
	tcase_add_test(tc, unmap_returns_the_old_entry);
	tcase_add_test(tc, kernel_half_is_shared_by_every_root);
	tcase_add_test(tc, large_pages);
	tcase_add_test(tc, release_gives_back_frames_and_tables);
	tcase_add_test(tc, out_of_memory_is_enomem);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
