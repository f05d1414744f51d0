/*
 * Page tables (4-level, Intel SDM 3A ch. 4): the kernel's own tables with
 * the direct map and a protected kernel image, and the map/unmap/protect/
 * walk primitives per-process domains reuse. The kernel half (PML4 entries
 * 256-511) is shared by every page-table root: its 256 PDPTs are made once
 * at vm_init, so a kernel mapping added later shows up in every root.
 *
 * Synchronisation: entries are read and changed with atomic operations,
 * and missing tables are installed with a compare-and-swap, so two cores
 * may map into the same root at once. Changing the same page from two
 * cores is the caller's business (the domain's lock). TLBs are the
 * caller's too: vm_unmap and vm_protect do not shoot down.
 */
#pragma once

#include "lib/types.h"

/* Page-table entry bits (SDM 3A 4.5, tables 4-14 to 4-20) */
#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_A (1UL << 5)
#define PTE_D (1UL << 6)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_COW (1UL << 9) /* software: copy on write */
#define PTE_NX (1UL << 63) /* only when EFER.NXE is on; reserved (a fault) otherwise */
#define PTE_ADDR_MASK 0x000ffffffffff000UL
#define PTE_SOFT_MASK ((0x7UL << 9) | (0x7ffUL << 52)) /* ignored by the CPU: ours */

/* Protection for vm_map/vm_protect: a combination of these. A present page is readable. */
enum { VM_READ = 1, VM_WRITE = 2, VM_EXEC = 4, VM_USER = 8, VM_UNCACHED = 16 };

typedef u64 pte_t;

/* CR3 (SDM 3A 4.10.4): with CR4.PCIDE, bits 11:0 tag the TLB entries of a root. */
#define CR3_PCID_MASK 0xfffUL
#define CR3_NOFLUSH (1UL << 63)
#define PCID_KERNEL 0 /* the kernel root's tag */

/* Linux errno values returned here (negated), until a shared errno header exists. */
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef EINVAL
#define EINVAL 22
#endif

/*
 * Boot core, after buddy_init: build the kernel's tables (direct map of
 * physical 0 .. max(4 GiB, ram_top), kernel image W^X at -2 GiB, the
 * kernel-half PDPTs) and load them. The boot tables' identity map of low
 * memory is gone afterwards; boot_pml4 itself stays intact (reserved with
 * the image) for the SMP trampoline, which may run APs on it until they
 * call vm_init_ap.
 */
void vm_init(paddr_t ram_top);
/* Other cores, once EFER.NXE is set (cpu_init_with_ist): load the kernel root. */
void vm_init_ap(void);
/*
 * Map a core's kernel stack (size bytes of physical memory at pa) into
 * slot index of the stack area, below it an unmapped guard page; also
 * reachable through the boot tables the core starts on. Its top, or 0.
 */
vaddr_t vm_map_kstack(u32 index, paddr_t pa, size_t size);
/* Undo vm_map_kstack (what of it was mapped): a core that did not start. */
void vm_unmap_kstack(u32 index, size_t size);
/* Is va in a kernel stack's guard page (the boot core's or a slot's)? Which core's. */
bool vm_kstack_guard(vaddr_t va, u32 *index);
paddr_t vm_kernel_root(void);

/*
 * Load a root into CR3. With PCIDs, TLB entries are tagged with pcid and
 * survive switching away; pass flush when pcid last served another root
 * (or the root's mappings changed while it was not loaded here), and the
 * entries tagged pcid are dropped. Without PCIDs every load flushes.
 */
void vm_load_root(paddr_t root, u16 pcid, bool flush);

/* A new root sharing the kernel half; 0 if out of memory. */
paddr_t vm_root_create(void);
/* Free a root from vm_root_create: its user-half table pages and the root page, not the mapped
 * frames. */
void vm_root_destroy(paddr_t root);
/* The same, and in the same pass each 4 KiB frame the user half maps goes to release. */
void vm_root_release(paddr_t root, void (*release)(paddr_t frame));

/*
 * Map one 4 KiB page. -EINVAL for an unaligned, non-canonical or zero
 * page, a user page in the kernel half, or a writable executable kernel
 * page (W^X); -ENOMEM if a table page cannot be allocated; -EEXIST if a
 * page (or a large page) is already there. A non-present entry (a swap
 * marker, say) is replaced. Kernel-half pages are global.
 */
int vm_map(paddr_t root, vaddr_t va, paddr_t pa, unsigned prot);
/* Unmap one 4 KiB page, returning its old entry (0 if none). The caller shoots down TLBs. */
pte_t vm_unmap(paddr_t root, vaddr_t va);
/* Change the protection of a mapped 4 KiB page (keeping A/D and software bits); -ENOENT if not
 * mapped. */
int vm_protect(paddr_t root, vaddr_t va, unsigned prot);
/*
 * The leaf entry slot for va without allocating: the 4 KiB entry (which
 * may be non-present: check PTE_P) or a present large-page entry; NULL if
 * no table reaches va. Use vm_translate to ask "is it mapped, and where".
 */
pte_t *vm_walk(paddr_t root, vaddr_t va);
/* Physical address va maps to (any page size); false if not mapped. */
bool vm_translate(paddr_t root, vaddr_t va, paddr_t *pa);

/*
 * Map device registers uncached (PCD|PWT, NX) into the MMIO window; the
 * result keeps pa's offset in its page. Virtual space is never reused,
 * and an unmapped guard page follows each mapping. NULL on failure.
 */
void *mmio_map(paddr_t pa, size_t size);

static inline void tlb_flush_page(vaddr_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
