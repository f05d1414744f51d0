/*
 * Private to mm/: the page-table walk vm.c builds the kernel tables with
 * and pagetable.c's primitives share. Same synchronisation as vm.h.
 */
#pragma once

#include "mm/vm.h"

#define PT_ENTRIES 512
#define PML4_KERNEL_FIRST 256				     /* PML4 index of KERNEL_HALF_BASE */
#define PT_LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * ((level)-1)) /* level 1 = PT .. 4 = PML4 */
#define PT_LEVEL_SIZE(level) (1UL << PT_LEVEL_SHIFT(level))

extern paddr_t kernel_root; /* [I after vm_init] */
extern pte_t pte_nx;	    /* [I after vm_init] PTE_NX if the CPU has NX, else 0 */

/* A zeroed page-table page, or 0. */
typedef paddr_t (*pt_alloc_fn)(void);
paddr_t pt_alloc_page(void);

/*
 * The eight entries from e on are all zero. A process's tables are mostly
 * empty: walks over them test eight entries at a time (e 64-byte aligned).
 */
static inline bool pt_eight_clear(const pte_t *e)
{
	return !(e[0] | e[1] | e[2] | e[3] | e[4] | e[5] | e[6] | e[7]);
}

static inline unsigned pt_index(vaddr_t va, int level)
{
	return (unsigned)(va >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/*
 * Walk from root towards va's entry at `level`, installing missing tables
 * with alloc (none if alloc is NULL). Returns the entry where the walk
 * stopped and its level in *reached: `level` on success, higher at a
 * missing table or a large page. NULL only if alloc failed.
 */
pte_t *pt_walk(paddr_t root, vaddr_t va, int level, pt_alloc_fn alloc, int *reached);
