/*
 * Memory-management self-tests and micro-benchmarks (`selftest`, `bench`).
 * They run on the boot core before other cores start, so they own the
 * allocators for their duration and can check exact page counts.
 */
#include "arch/x86_64/time.h"
#include "lib/kernel.h"
#include "lib/selftest.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pagetable.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			kprintf("selftest: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			return false;                                                              \
		}                                                                                  \
	} while (0)

#define STRIDE 64 /* pattern words are written once per cache line: enough to see overlaps */
#define TEST_PCID 1

static u64 rng_state = 0x9e3779b97f4a7c15UL;

/* xorshift64*: a fixed seed, so that a failure repeats on the next boot. */
static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dUL;
}

static void fill(void *p, u64 len, u64 tag)
{
	for (u64 off = 0; off + sizeof(u64) <= len; off += STRIDE)
		*(u64 *)((u8 *)p + off) = tag ^ off;
}

static bool intact(const void *p, u64 len, u64 tag)
{
	for (u64 off = 0; off + sizeof(u64) <= len; off += STRIDE)
		if (*(const u64 *)((const u8 *)p + off) != (tag ^ off))
			return false;
	return true;
}

/* Mostly small orders, as the kernel asks for, with some large ones to split and merge. */
static unsigned random_order(void)
{
	u64 r = rng() % 100;
	if (r < 60)
		return 0;
	if (r < 80)
		return 1;
	if (r < 90)
		return 2;
	return 3 + (unsigned)(rng() % 6);
}

#define STORM_SLOTS 256
#define STORM_ROUNDS 20000

static struct {
	paddr_t pa;
	unsigned order;
	u64 tag;
} blocks[STORM_SLOTS];

SELFTEST(buddy_storm)
{
	u64 start = buddy_free_pages();
	for (int round = 0; round < STORM_ROUNDS; round++) {
		int i = (int)(rng() % STORM_SLOTS);
		if (blocks[i].pa) {
			u64 len = PAGE_SIZE << blocks[i].order;
			CHECK(intact(phys_to_virt(blocks[i].pa), len, blocks[i].tag));
			page_free(blocks[i].pa, blocks[i].order);
			blocks[i].pa = 0;
			continue;
		}
		unsigned order = random_order();
		paddr_t pa = page_alloc(order);
		if (!pa)
			continue; /* out of memory is an answer, not a failure */
		CHECK(IS_ALIGNED(pa, PAGE_SIZE << order));
		CHECK(pa >= MEMMAP_LOW_RESERVED && pa < mm_map.top);
		blocks[i] = (typeof(blocks[i])){pa, order, rng()};
		fill(phys_to_virt(pa), PAGE_SIZE << order, blocks[i].tag);
	}
	for (int i = 0; i < STORM_SLOTS; i++) {
		if (!blocks[i].pa)
			continue;
		CHECK(intact(phys_to_virt(blocks[i].pa), PAGE_SIZE << blocks[i].order,
			     blocks[i].tag));
		page_free(blocks[i].pa, blocks[i].order);
		blocks[i].pa = 0;
	}
	CHECK(buddy_free_pages() == start);
	CHECK(page_alloc(BUDDY_MAX_ORDER + 1) == 0);
	return true;
}

#define KSTORM_SLOTS 512
#define KSTORM_ROUNDS 20000
#define KSTORM_MAX (3 * PAGE_SIZE) /* reaches past the slab classes into large blocks */

static struct {
	u8 *p;
	size_t size;
	u8 tag;
} objs[KSTORM_SLOTS];

static size_t random_size(void)
{
	/* Mostly small sizes: a uniform pick would almost never hit the 16..64 classes. */
	u64 limit = (rng() % 4 == 0) ? KSTORM_MAX : 256;
	return 1 + (size_t)(rng() % limit);
}

static bool bytes_are(const u8 *p, size_t n, u8 v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

SELFTEST(kheap_storm)
{
	u64 start = kheap_bytes_in_use();
	for (int round = 0; round < KSTORM_ROUNDS; round++) {
		int i = (int)(rng() % KSTORM_SLOTS);
		if (objs[i].p) {
			CHECK(bytes_are(objs[i].p, objs[i].size, objs[i].tag));
			kfree(objs[i].p);
			objs[i].p = NULL;
			continue;
		}
		size_t size = random_size();
		u8 *p = (round & 1) ? kzalloc(size) : kmalloc(size);
		if (!p)
			continue;
		if (round & 1)
			CHECK(bytes_are(p, size, 0));
		/* Aligned to the next power of two, capped at a page (kheap.h). */
		size_t align = 16;
		while (align < size && align < PAGE_SIZE)
			align <<= 1;
		CHECK(IS_ALIGNED((vaddr_t)p, align));
		CHECK(is_direct_mapped(p));
		objs[i] = (typeof(objs[i])){p, size, (u8)(rng() | 1)};
		memset(p, objs[i].tag, size);
	}
	for (int i = 0; i < KSTORM_SLOTS; i++) {
		if (!objs[i].p)
			continue;
		CHECK(bytes_are(objs[i].p, objs[i].size, objs[i].tag));
		kfree(objs[i].p);
		objs[i].p = NULL;
	}
	CHECK(kheap_bytes_in_use() == start);
	kfree(NULL);

	struct pair {
		u64 a, b;
	} *k = knew(struct pair);
	CHECK(k && k->a == 0 && k->b == 0);
	kfree(k);
	CHECK(kheap_bytes_in_use() == start);
	return true;
}

#define EXHAUST_MAGIC 0xfe11ed0ddba11UL

/* Take every free frame (chained through the frames themselves), then give all back. */
SELFTEST(buddy_exhaust)
{
	u64 start = buddy_free_pages();
	paddr_t head = 0, pa;
	u64 count = 0, high = 0;
	while ((pa = page_alloc(0))) {
		u64 *w = phys_to_virt(pa);
		w[0] = head;
		w[1] = EXHAUST_MAGIC ^ pa;
		head = pa;
		count++;
		if (pa >= (4UL << 30))
			high++;
	}
	bool empty = buddy_free_pages() == 0;
	void *big = kmalloc(2 * PAGE_SIZE); /* large blocks come straight from the buddy */
	u64 freed = 0;
	bool chain_ok = true;
	while (head) {
		u64 *w = phys_to_virt(head);
		paddr_t next = w[0];
		if (w[1] != (EXHAUST_MAGIC ^ head))
			chain_ok = false;
		page_free(head, 0);
		head = next;
		freed++;
	}
	kprintf("selftest: buddy_exhaust took %lu frames (%lu above 4 GiB)\n", count, high);
	CHECK(empty);
	CHECK(big == NULL);
	CHECK(chain_ok);
	CHECK(count == start && freed == count);
	CHECK(buddy_free_pages() == start);
	return true;
}

static const char wx_rodata[] = "read-only";
static u64 wx_data = 1;
static u64 wx_bss;

static bool leaf_is(vaddr_t va, bool writable, bool executable)
{
	pte_t *e = vm_walk(vm_kernel_root(), va);
	if (!e || !(*e & PTE_P) || (*e & PTE_U) || !(*e & PTE_G))
		return false;
	if (!!(*e & PTE_W) != writable)
		return false;
	return !pte_nx || !!(*e & PTE_NX) == !executable;
}

SELFTEST(vm_kernel_wx)
{
	vaddr_t text = (vaddr_t)&selftest_vm_kernel_wx;
	CHECK(leaf_is(text, false, true));
	CHECK(leaf_is((vaddr_t)wx_rodata, false, false));
	CHECK(leaf_is((vaddr_t)&wx_data, true, false));
	CHECK(leaf_is((vaddr_t)&wx_bss, true, false));
	/* The direct-map alias of the image must not make its text writable. */
	CHECK(leaf_is((vaddr_t)phys_to_virt(virt_to_phys((void *)text)), false, false));
	CHECK(leaf_is((vaddr_t)phys_to_virt(virt_to_phys(wx_rodata)), false, false));
	/* The identity map of the boot code is gone. */
	CHECK(!vm_translate(vm_kernel_root(), MEMMAP_LOW_RESERVED, &(paddr_t){0}));

	/* RAM in the direct map: large pages, including the last page below top. */
	paddr_t pa = page_alloc(0), got;
	CHECK(pa);
	CHECK(leaf_is((vaddr_t)phys_to_virt(pa), true, false));
	page_free(pa, 0);
	vaddr_t last = (vaddr_t)phys_to_virt(mm_map.top - PAGE_SIZE);
	CHECK(vm_translate(vm_kernel_root(), last, &got) && got == mm_map.top - PAGE_SIZE);
	CHECK(*vm_walk(vm_kernel_root(), last) & PTE_PS);
	return true;
}

SELFTEST(vm_fresh_root)
{
	u64 start = buddy_free_pages();
	paddr_t root = vm_root_create();
	CHECK(root);
	paddr_t frame = page_alloc(0), pa;
	CHECK(frame);
	vaddr_t va = USER_SLOTS_BASE + 0x123000;

	CHECK(vm_map(root, va, frame, VM_READ | VM_WRITE) == 0);
	CHECK(vm_map(root, va, frame, VM_READ) == -EEXIST);
	CHECK(vm_map(root, 0, frame, VM_READ) == -EINVAL);
	CHECK(vm_map(root, va + 8, frame, VM_READ) == -EINVAL);
	CHECK(vm_map(root, USER_TOP, frame, VM_READ) == -EINVAL);
	CHECK(vm_map(root, MMIO_BASE + MMIO_SIZE - PAGE_SIZE, frame, VM_READ | VM_USER) == -EINVAL);
	CHECK(vm_map(root, MMIO_BASE + MMIO_SIZE - PAGE_SIZE, frame,
		     VM_READ | VM_WRITE | VM_EXEC) == -EINVAL);
	pte_t *e = vm_walk(root, va);
	CHECK(e && (*e & PTE_P) && (*e & PTE_W) && !(*e & PTE_U) && !(*e & PTE_G));
	CHECK((*e & PTE_ADDR_MASK) == frame);
	CHECK(vm_translate(root, va + 0x10, &pa) && pa == frame + 0x10);
	/* The kernel half is the kernel root's own. */
	CHECK(vm_translate(root, (vaddr_t)&wx_data, &pa) && pa == virt_to_phys(&wx_data));
	CHECK(!vm_translate(vm_kernel_root(), va, &pa));

	CHECK(vm_protect(root, va, VM_READ) == 0);
	CHECK(!(*e & PTE_W) && (*e & PTE_ADDR_MASK) == frame);
	CHECK(vm_protect(root, va + PAGE_SIZE, VM_READ) == -ENOENT);
	CHECK(vm_protect(root, va, VM_READ | VM_WRITE) == 0);
	CHECK(vm_map(root, va + PAGE_SIZE, frame, VM_READ | VM_USER) == 0);
	CHECK(*vm_walk(root, va + PAGE_SIZE) & PTE_U);

	/* Through the MMU: the page reads what the frame holds, and writes land in it. */
	u64 *direct = phys_to_virt(frame);
	direct[0] = EXHAUST_MAGIC;
	vm_load_root(root, TEST_PCID, true);
	u64 seen = *(volatile u64 *)va;
	*(volatile u64 *)(va + 8) = ~EXHAUST_MAGIC;
	/* Leave nothing tagged TEST_PCID behind for whoever uses that PCID next. */
	tlb_flush_page(va);
	vm_load_root(vm_kernel_root(), PCID_KERNEL, false);
	CHECK(seen == EXHAUST_MAGIC && direct[1] == ~EXHAUST_MAGIC);

	pte_t old = vm_unmap(root, va);
	CHECK((old & PTE_P) && (old & PTE_ADDR_MASK) == frame);
	CHECK(vm_unmap(root, va) == 0);
	CHECK(!vm_translate(root, va, &pa));
	CHECK(vm_unmap(root, va + PAGE_SIZE) & PTE_P);
	page_free(frame, 0);
	vm_root_destroy(root);
	CHECK(buddy_free_pages() == start);
	return true;
}

#define BIOS_ROM 0xf0000 /* read-only firmware below 1 MiB: safe to read through any mapping */

SELFTEST(vm_mmio)
{
	void *p = mmio_map(BIOS_ROM + 0x10, 64);
	CHECK(p);
	vaddr_t va = (vaddr_t)p;
	CHECK(va >= MMIO_BASE && va < MMIO_BASE + MMIO_SIZE && (va & (PAGE_SIZE - 1)) == 0x10);
	pte_t *e = vm_walk(vm_kernel_root(), va);
	CHECK(e && (*e & (PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G)) ==
		       (PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G));
	CHECK(!(*e & PTE_U) && (!pte_nx || (*e & PTE_NX)));
	CHECK(!memcmp(p, phys_to_virt(BIOS_ROM + 0x10), 64));
	/* A mapping straddling a page boundary gets both pages, then a guard page. */
	u8 *q = mmio_map(BIOS_ROM + PAGE_SIZE - 8, 16);
	CHECK(q && (vaddr_t)q > va);
	CHECK(!memcmp(q, phys_to_virt(BIOS_ROM + PAGE_SIZE - 8), 16));
	paddr_t pa;
	vaddr_t qpage = ALIGN_DOWN((vaddr_t)q, PAGE_SIZE);
	CHECK(vm_translate(vm_kernel_root(), qpage + PAGE_SIZE, &pa) && pa == BIOS_ROM + PAGE_SIZE);
	CHECK(!vm_translate(vm_kernel_root(), qpage + 2 * PAGE_SIZE, &pa));
	CHECK(mmio_map(BIOS_ROM, 0) == NULL);
	return true;
}

#define BENCH_OPS 100000

BENCH(page_alloc_free)
{
	u64 t0 = tsc_ns();
	for (int i = 0; i < BENCH_OPS; i++) {
		paddr_t pa = page_alloc(0);
		if (!pa)
			return false;
		page_free(pa, 0);
	}
	bench_report("page_alloc(0)+page_free", tsc_ns() - t0, BENCH_OPS);
	return true;
}

BENCH(kmalloc_kfree)
{
	u64 t0 = tsc_ns();
	for (int i = 0; i < BENCH_OPS; i++) {
		void *p = kmalloc(64);
		if (!p)
			return false;
		kfree(p);
	}
	bench_report("kmalloc(64)+kfree", tsc_ns() - t0, BENCH_OPS);
	return true;
}
