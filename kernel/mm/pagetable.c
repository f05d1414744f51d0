/*
 * Page-table primitives on any root: walk, map, unmap, protect, and the
 * creation and destruction of roots. No locks: entries change by atomic
 * operations and a missing table is installed with a compare-and-swap
 * (the loser frees its page), so concurrent mappers of one root are safe;
 * callers serialise changes to the same page. Host-tested.
 */
#include "mm/pagetable.h"
#include "lib/kernel.h"
#include "mm/buddy.h"
#include "mm/layout.h"

paddr_t kernel_root;
pte_t pte_nx;

/* Upper-level entries grant everything; the leaf decides (SDM 3A 4.6). */
#define TABLE_KERNEL (PTE_P | PTE_W)
#define TABLE_USER (PTE_P | PTE_W | PTE_U)
/* What vm_protect may change; address, accessed/dirty and our own bits stay. */
#define PTE_PROT_MASK (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

static pte_t *table_of(pte_t e)
{
	return phys_to_virt(e & PTE_ADDR_MASK);
}

static pte_t load(const pte_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

paddr_t pt_alloc_page(void)
{
	paddr_t pa = page_alloc(0);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static bool is_kernel_va(vaddr_t va)
{
	return va >= KERNEL_HALF_BASE;
}

pte_t *pt_walk(paddr_t root, vaddr_t va, int level, pt_alloc_fn alloc, int *reached)
{
	pte_t *e = (pte_t *)phys_to_virt(root) + pt_index(va, 4);
	int l = 4;
	for (; l > level; l--) {
		pte_t cur = load(e);
		if (!(cur & PTE_P)) {
			if (!alloc)
				break;
			paddr_t t = alloc();
			if (!t)
				return NULL;
			pte_t want = t | (is_kernel_va(va) ? TABLE_KERNEL : TABLE_USER);
			/* The page was zeroed before this release: walkers see a clean table. */
			if (__atomic_compare_exchange_n(e, &cur, want, false, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				cur = want;
			} else {
				page_free(t, 0);
				if (!(cur & PTE_P))
					break; /* someone put a non-table marker here */
			}
		}
		if (l <= 3 && (cur & PTE_PS))
			break;
		e = table_of(cur) + pt_index(va, l - 1);
	}
	*reached = l;
	return e;
}

static bool canonical(vaddr_t va)
{
	return va < USER_TOP || va >= KERNEL_HALF_BASE;
}

/* Entry bits for prot at va, or 0 if the combination is refused. */
static pte_t prot_bits(vaddr_t va, unsigned prot)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || !canonical(va) || va < PAGE_SIZE)
		return 0;
	pte_t bits = PTE_P;
	if (prot & VM_WRITE)
		bits |= PTE_W;
	if (!(prot & VM_EXEC))
		bits |= pte_nx;
	if (prot & VM_UNCACHED)
		bits |= PTE_PCD | PTE_PWT;
	if (is_kernel_va(va)) {
		if ((prot & VM_USER) || ((prot & VM_WRITE) && (prot & VM_EXEC)))
			return 0; /* the kernel half is supervisor-only and W^X */
		bits |= PTE_G;
	} else if (prot & VM_USER) {
		bits |= PTE_U;
	}
	return bits;
}

int vm_map(paddr_t root, vaddr_t va, paddr_t pa, unsigned prot)
{
	pte_t bits = prot_bits(va, prot);
	if (!bits || !IS_ALIGNED(pa, PAGE_SIZE) || pa >= PHYS_ADDR_LIMIT)
		return -EINVAL;
	int level;
	pte_t *e = pt_walk(root, va, 1, pt_alloc_page, &level);
	if (!e)
		return -ENOMEM;
	if (level != 1)
		return -EEXIST; /* inside a large page */
	pte_t cur = load(e);
	do {
		if (cur & PTE_P)
			return -EEXIST;
	} while (!__atomic_compare_exchange_n(e, &cur, pa | bits, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return 0;
}

pte_t vm_unmap(paddr_t root, vaddr_t va)
{
	int level;
	pte_t *e = pt_walk(root, va, 1, NULL, &level);
	if (level != 1)
		return 0;
	return __atomic_exchange_n(e, 0, __ATOMIC_ACQ_REL);
}

int vm_protect(paddr_t root, vaddr_t va, unsigned prot)
{
	pte_t bits = prot_bits(va, prot);
	if (!bits)
		return -EINVAL;
	int level;
	pte_t *e = pt_walk(root, va, 1, NULL, &level);
	if (level != 1)
		return -ENOENT;
	pte_t cur = load(e);
	do {
		if (!(cur & PTE_P))
			return -ENOENT;
	} while (!__atomic_compare_exchange_n(e, &cur, (cur & ~PTE_PROT_MASK) | bits, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return 0;
}

/*
 * pt_walk's path without allocation, unrolled: every copy to or from user
 * memory takes it, and the general loop took 68 instructions to this 41.
 */
pte_t *vm_walk(paddr_t root, vaddr_t va)
{
	pte_t e = load((pte_t *)phys_to_virt(root) + pt_index(va, 4));
	if (!(e & PTE_P))
		return NULL;
	pte_t *pdpte = table_of(e) + pt_index(va, 3);
	e = load(pdpte);
	if (!(e & PTE_P))
		return NULL;
	if (e & PTE_PS)
		return pdpte;
	pte_t *pde = table_of(e) + pt_index(va, 2);
	e = load(pde);
	if (!(e & PTE_P))
		return NULL;
	if (e & PTE_PS)
		return pde;
	return table_of(e) + pt_index(va, 1);
}

bool vm_translate(paddr_t root, vaddr_t va, paddr_t *pa)
{
	int level;
	pte_t *e = pt_walk(root, va, 1, NULL, &level);
	pte_t cur = load(e);
	if (!(cur & PTE_P) || (level != 1 && !(cur & PTE_PS)))
		return false;
	u64 size = PT_LEVEL_SIZE(level);
	*pa = (cur & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
	return true;
}

paddr_t vm_kernel_root(void)
{
	return kernel_root;
}

paddr_t vm_root_create(void)
{
	assert(kernel_root);
	paddr_t root = page_alloc(0);
	if (!root)
		return 0;
	/* Only the user half needs zeroing: the copy fills the kernel half. */
	pte_t *dst = phys_to_virt(root);
	const pte_t *src = phys_to_virt(kernel_root);
	memset(dst, 0, PML4_KERNEL_FIRST * sizeof *dst);
	memcpy(dst + PML4_KERNEL_FIRST, src + PML4_KERNEL_FIRST,
	       (PT_ENTRIES - PML4_KERNEL_FIRST) * sizeof *dst);
	return root;
}

/*
 * Free what one present entry of a level-`level` table leads to: a
 * table and what lies below it (level 2: a page table, whose leaves are
 * only looked at for release), or, at level 1, the mapped frame if there
 * is a release. Large pages belong to the kernel half, never freed here.
 */
static void free_tables(pte_t *table, int n, int level, void (*release)(paddr_t frame));

static void free_entry(pte_t e, int level, void (*release)(paddr_t frame))
{
	if (!(e & PTE_P) || (level > 1 && (e & PTE_PS)))
		return;
	if (level == 1) {
		if (release)
			release(e & PTE_ADDR_MASK);
		return;
	}
	if (level > 2 || release)
		free_tables(table_of(e), PT_ENTRIES, level - 1, release);
	page_free(e & PTE_ADDR_MASK, 0);
}

/* Free below the first n entries (a multiple of 8) of a level-`level` table. */
static void free_tables(pte_t *table, int n, int level, void (*release)(paddr_t frame))
{
	for (int i = 0; i < n; i += 8) {
		const pte_t *e = &table[i];
		if (pt_eight_clear(e))
			continue;
		for (int j = 0; j < 8; j++)
			free_entry(e[j], level, release);
	}
}

void vm_root_release(paddr_t root, void (*release)(paddr_t frame))
{
	if (root == kernel_root)
		panic("vm_root_destroy: refusing to destroy the kernel root");
	free_tables(phys_to_virt(root), PML4_KERNEL_FIRST, 4, release);
	page_free(root, 0);
}

void vm_root_destroy(paddr_t root)
{
	vm_root_release(root, NULL);
}
