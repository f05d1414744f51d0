/*
 * The virtual memory map (docs/design.md, "Memory"): where the kernel image,
 * the direct map of physical memory and device windows live, and the
 * conversions between physical and kernel virtual addresses.
 */
#pragma once

#include "lib/types.h"

#define KERNEL_HALF_BASE 0xffff800000000000UL /* PML4 entries 256..511, shared by every root */
#define KERNEL_VMA       0xffffffff80000000UL /* kernel image: -2 GiB */
#define DIRECT_MAP_BASE  0xffff800000000000UL /* physical 0 .. max(4 GiB, top of RAM) */
#define DIRECT_MAP_SIZE  (64UL << 40)          /* up to 64 TiB of RAM */
#define MMIO_BASE        0xffffc00000000000UL /* device registers, uncached */
#define MMIO_SIZE        (1UL << 39)
/*
 * The other cores' kernel stacks, one 64 KiB slot each: an unmapped guard
 * page, then the stack (the rest of the slot is unmapped too), so running
 * off the end of a stack faults instead of overwriting memory below.
 */
#define KSTACKS_BASE     (MMIO_BASE + MMIO_SIZE)
#define KSTACK_SLOT      (64UL << 10)

#define USER_PRIVATE_BASE 0x1000UL            /* page 0 is never mapped */
#define USER_PRIVATE_END  (64UL << 30)        /* fixed-address executables */
#define USER_SLOTS_BASE   (64UL << 30)
#define USER_SLOTS_END    (96UL << 40)
#define USER_EXCHANGE_BASE (96UL << 40)
#define USER_EXCHANGE_END  (127UL << 40)
#define USER_TOP           (128UL << 40)

#ifdef FERRY_HOST
/* Host unit tests back "physical memory" with a buffer of their own. */
extern u8 *host_phys_base;
extern u64 host_phys_size;
static inline void *phys_to_virt(paddr_t pa)
{
	return host_phys_base + pa;
}
static inline paddr_t virt_to_phys(const void *p)
{
	return (paddr_t)((const u8 *)p - host_phys_base);
}
static inline bool is_direct_mapped(const void *p)
{
	return (const u8 *)p >= host_phys_base && (const u8 *)p < host_phys_base + host_phys_size;
}
#else
static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}
static inline paddr_t virt_to_phys(const void *p)
{
	vaddr_t v = (vaddr_t)p;
	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
}
static inline bool is_direct_mapped(const void *p)
{
	vaddr_t v = (vaddr_t)p;
	return v >= DIRECT_MAP_BASE && v < DIRECT_MAP_BASE + DIRECT_MAP_SIZE;
}
#endif
