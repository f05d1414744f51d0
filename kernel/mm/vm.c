/*
 * The kernel's own page tables, built once on the boot core: the direct
 * map, the kernel image with W^X, the kernel-half PDPTs every root
 * shares; loading roots into CR3 (with PCIDs); and the MMIO window, whose
 * bump pointer is the one shared state here (mmio.lock).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "mm/pagetable.h"

/* Linker symbols (kernel.ld): section boundaries, virtual addresses. */
extern char __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];
extern u8 boot_pml4[];        /* boot.S: the boot tables, at their physical address */
extern u8 boot_stack_guard[]; /* boot.S: the page below the boot core's stack, left unmapped */

/* The boot tables map physical memory below 4 GiB: keep loaders' data and firmware reachable. */
#define DIRECT_MAP_MIN (4UL << 30)
#define PAGE_2M PT_LEVEL_SIZE(2)

static struct {
	struct spinlock lock;
	vaddr_t next; /* [mmio.lock] first unused address of the window */
} mmio = {SPINLOCK_INIT, MMIO_BASE};

/* Until CR3 points at the new tables, they must sit where the boot tables map. */
static __boot paddr_t boot_table_page(void)
{
	paddr_t pa = page_alloc_below(0, BUDDY_META_LIMIT);
	if (!pa)
		panic("vm: out of memory below 4 GiB for the kernel page tables");
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Set the entry for va at level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB). */
static __boot void boot_map(vaddr_t va, paddr_t pa, int level, pte_t bits)
{
	int reached;
	pte_t *e = pt_walk(kernel_root, va, level, boot_table_page, &reached);
	if (reached != level || (*e & PTE_P))
		panic("vm: 0x%lx is mapped twice while building the kernel tables", va);
	*e = pa | bits | (level > 1 ? PTE_PS : 0);
}

static bool overlaps(paddr_t a, paddr_t a_end, paddr_t b, paddr_t b_end)
{
	return a < b_end && b < a_end;
}

/*
 * Physical 0..end at DIRECT_MAP_BASE, RW+NX, with the largest pages that
 * fit, except that the kernel's text and rodata get 4 KiB read-only
 * pages: a writable alias would undo the image's W^X.
 */
static __boot void map_direct(paddr_t end, paddr_t ro_start, paddr_t ro_end)
{
	u64 count[4] = {0};
	pte_t rw = PTE_P | PTE_W | PTE_G | pte_nx;
	for (paddr_t pa = 0; pa < end;) {
		int level = 1;
		for (int l = cpu_has.pdpe1gb ? 3 : 2; l > 1; l--) {
			u64 size = PT_LEVEL_SIZE(l);
			if (IS_ALIGNED(pa, size) && pa + size <= end &&
			    !overlaps(pa, pa + size, ro_start, ro_end)) {
				level = l;
				break;
			}
		}
		pte_t bits =
		    level == 1 && overlaps(pa, pa + PAGE_SIZE, ro_start, ro_end) ? rw & ~PTE_W : rw;
		boot_map(DIRECT_MAP_BASE + pa, pa, level, bits);
		count[level]++;
		pa += PT_LEVEL_SIZE(level);
	}
	pr_info("vm: direct map of %lu MiB: %lu 1G, %lu 2M, %lu 4K pages\n", end >> 20, count[3],
		count[2], count[1]);
}

/* The image at -2 GiB: text R+X, rodata (with .ksyms) R, data and bss RW. */
static __boot void map_image(void)
{
	struct {
		const char *start, *end;
		pte_t bits;
	} part[] = {
	    {__kernel_start, __rodata_start, PTE_P | PTE_G},
	    {__rodata_start, __data_start, PTE_P | PTE_G | pte_nx},
	    {__data_start, __kernel_end, PTE_P | PTE_W | PTE_G | pte_nx},
	};
	for (size_t i = 0; i < ARRAY_SIZE(part); i++) {
		vaddr_t va = (vaddr_t)part[i].start, end = (vaddr_t)part[i].end;
		if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(end, PAGE_SIZE))
			panic("vm: kernel section boundary 0x%lx/0x%lx is not page-aligned "
			      "(kernel.ld)",
			      va, end);
		for (; va < end; va += PAGE_SIZE)
			if (va != (vaddr_t)boot_stack_guard) /* the boot core's stack guard */
				boot_map(va, va - KERNEL_VMA, 1, part[i].bits);
	}
}

__boot void vm_init(paddr_t ram_top)
{
	pte_nx = cpu_has.nx ? PTE_NX : 0;
	kernel_root = boot_table_page();
	pte_t *pml4 = phys_to_virt(kernel_root);
	/* Every kernel-half PDPT now, so that roots copied later share all of them. */
	for (int i = PML4_KERNEL_FIRST; i < PT_ENTRIES; i++)
		pml4[i] = boot_table_page() | PTE_P | PTE_W;

	paddr_t end = MAX(ALIGN_UP(ram_top, PAGE_2M), DIRECT_MAP_MIN);
	if (end > DIRECT_MAP_SIZE) {
		pr_warn("vm: RAM above %lu TiB is not direct-mapped\n", DIRECT_MAP_SIZE >> 40);
		end = DIRECT_MAP_SIZE;
	}
	map_direct(end, (paddr_t)__kernel_start - KERNEL_VMA, (paddr_t)__data_start - KERNEL_VMA);
	map_image();
	vm_load_root(kernel_root, PCID_KERNEL, true);
	pr_info("vm: kernel tables loaded; text %lu KiB, rodata %lu KiB, data+bss %lu KiB; nx %s, "
		"pcid %s\n",
		(u64)(__rodata_start - __kernel_start) >> 10,
		(u64)(__data_start - __rodata_start) >> 10,
		(u64)(__kernel_end - __data_start) >> 10, pte_nx ? "on" : "off",
		cpu_has.pcid ? "on" : "off");
}

vaddr_t vm_map_kstack(u32 index, paddr_t pa, size_t size)
{
	vaddr_t base = KSTACKS_BASE + index * KSTACK_SLOT + PAGE_SIZE; /* above the guard */
	assert(size + PAGE_SIZE <= KSTACK_SLOT);
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		if (vm_map(kernel_root, base + off, pa + off, VM_READ | VM_WRITE) < 0)
			return 0;
	/*
	 * A core starts on the boot tables, which share no kernel-half
	 * tables: give them the stacks' PML4 entry (its PDPT is the kernel
	 * root's, made at boot and never replaced) so the stack is there too.
	 */
	pte_t *boot = phys_to_virt((paddr_t)boot_pml4);
	pte_t *kern = phys_to_virt(kernel_root);
	u32 i = (KSTACKS_BASE >> 39) & (PT_ENTRIES - 1);
	boot[i] = kern[i];
	return base + size;
}

void vm_unmap_kstack(u32 index, size_t size)
{
	vaddr_t base = KSTACKS_BASE + index * KSTACK_SLOT + PAGE_SIZE;
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		vm_unmap(kernel_root, base + off);
		tlb_flush_page(base + off);
	}
}

bool vm_kstack_guard(vaddr_t va, u32 *index)
{
	vaddr_t boot = (vaddr_t)boot_stack_guard;
	if (va >= boot && va < boot + PAGE_SIZE) {
		*index = 0;
		return true;
	}
	if (va < KSTACKS_BASE || va >= KSTACKS_BASE + MAX_CPUS * KSTACK_SLOT)
		return false;
	*index = (u32)((va - KSTACKS_BASE) / KSTACK_SLOT);
	return (va - KSTACKS_BASE) % KSTACK_SLOT < PAGE_SIZE;
}

void vm_init_ap(void)
{
	vm_load_root(kernel_root, PCID_KERNEL, true);
}

void vm_load_root(paddr_t root, u16 pcid, bool flush)
{
	u64 cr3 = root;
	if (cpu_has.pcid) {
		cr3 |= pcid & CR3_PCID_MASK;
		if (!flush)
			cr3 |= CR3_NOFLUSH; /* bit 63 is reserved without CR4.PCIDE */
	}
	write_cr3(cr3);
}

void *mmio_map(paddr_t pa, size_t size)
{
	if (!kernel_root) {
		pr_err("mmio_map(0x%lx): called before vm_init\n", pa);
		return NULL;
	}
	if (!size || pa >= PHYS_ADDR_LIMIT || size > PHYS_ADDR_LIMIT - pa)
		return NULL;
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 len = ALIGN_UP(pa + size, PAGE_SIZE) - start;

	spin_lock(&mmio.lock);
	vaddr_t va = mmio.next;
	bool room = len + PAGE_SIZE <= MMIO_BASE + MMIO_SIZE - va;
	if (room)
		mmio.next += len + PAGE_SIZE; /* and a guard page */
	spin_unlock(&mmio.lock);
	if (!room) {
		pr_err("mmio_map(0x%lx, %zu): the MMIO window is full\n", pa, size);
		return NULL;
	}

	/* Fresh addresses, never mapped before: no TLB anywhere holds them. */
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		int err =
		    vm_map(kernel_root, va + off, start + off, VM_READ | VM_WRITE | VM_UNCACHED);
		if (err) {
			pr_err("mmio_map(0x%lx, %zu): error %d\n", pa, size, err);
			while (off) {
				off -= PAGE_SIZE;
				vm_unmap(kernel_root, va + off);
				tlb_flush_page(va + off);
			}
			return NULL;
		}
	}
	return (void *)(va + (pa - start));
}
