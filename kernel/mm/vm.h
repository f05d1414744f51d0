/*
 * Page tables (4-level, Intel SDM 3A ch. 4): the kernel's own tables with
 * the direct map and a protected kernel image, and the map/unmap/protect/
 * walk primitives per-process domains reuse. The kernel half (PML4 entries
 * 256-511) is shared by every page-table root.
 */
#pragma once

#include "lib/types.h"

/* Page-table entry bits */
#define PTE_P    (1UL << 0)
#define PTE_W    (1UL << 1)
#define PTE_U    (1UL << 2)
#define PTE_PWT  (1UL << 3)
#define PTE_PCD  (1UL << 4)
#define PTE_A    (1UL << 5)
#define PTE_D    (1UL << 6)
#define PTE_PS   (1UL << 7)
#define PTE_G    (1UL << 8)
#define PTE_COW  (1UL << 9)  /* software: copy on write */
#define PTE_NX   (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

/* Protection for vm_map/vm_protect: a combination of these. */
enum { VM_READ = 1, VM_WRITE = 2, VM_EXEC = 4, VM_USER = 8, VM_UNCACHED = 16 };

typedef u64 pte_t;

void vm_init(void);               /* boot core: build and load the kernel tables */
void vm_init_ap(void);            /* other cores: load them */
paddr_t vm_kernel_root(void);

/* A new root sharing the kernel half; 0 if out of memory. */
paddr_t vm_root_create(void);
void vm_root_destroy(paddr_t root); /* frees user-half table pages (not the mapped frames) */

/* Map one 4 KiB page; -ENOMEM if a table page cannot be allocated, -EEXIST if mapped. */
int vm_map(paddr_t root, vaddr_t va, paddr_t pa, unsigned prot);
/* Unmap one page, returning its old entry (0 if none). The caller shoots down TLBs. */
pte_t vm_unmap(paddr_t root, vaddr_t va);
/* Change the protection of a mapped page; -ENOENT if not mapped. */
int vm_protect(paddr_t root, vaddr_t va, unsigned prot);
/* The leaf entry mapping va, or NULL (no table allocation). */
pte_t *vm_walk(paddr_t root, vaddr_t va);

/* Map device registers uncached into the MMIO window; NULL on failure. */
void *mmio_map(paddr_t pa, size_t size);

static inline void tlb_flush_page(vaddr_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
