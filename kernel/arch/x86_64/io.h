/* Port I/O and the few privileged instructions C code needs (Intel SDM vol. 2). */
#pragma once

#include "lib/types.h"

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#define DEFINE_CR(n)                                                     \
	static inline u64 read_cr##n(void)                               \
	{                                                                \
		u64 v;                                                   \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));            \
		return v;                                                \
	}                                                                \
	static inline void write_cr##n(u64 v)                            \
	{                                                                \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");   \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}
/* RFLAGS.IF: kernel code runs with it clear (invariant 1); asserts read it here. */
static inline bool irqs_enabled(void)
{
	u64 flags;
	asm volatile("pushfq; popq %0" : "=r"(flags));
	return (flags & 0x200) != 0;
}

static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}
static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}
/*
 * The one place kernel code lets interrupts in (invariant 1): wait for one
 * with sti;hlt (sti's one-instruction shadow means none slips in between)
 * and turn them off again after its handler has run.
 */
static inline void cpu_idle_halt(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

/* QEMU's isa-debug-exit device (iobase 0xf4): QEMU exits with (code << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10 /* QEMU exit status 33 */
#define DEBUG_EXIT_FAIL 0x11 /* QEMU exit status 35 */
