/*
 * Per-core CPU setup: GDT with a TSS, GS base pointing at struct cpu, and
 * the control-register features the boot core detected (NX, SMEP, SMAP,
 * UMIP, PCID). Intel SDM vol. 3A, chapters 3 and 7.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/trap.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"

BUILD_ASSERT(offsetof(struct cpu, user_rsp) == CPU_USER_RSP);
BUILD_ASSERT(offsetof(struct cpu, exec_rsp) == CPU_EXEC_RSP);
BUILD_ASSERT(offsetof(struct cpu, entry_rsp) == CPU_ENTRY_RSP);
BUILD_ASSERT(offsetof(struct cpu, locks_held) == CPU_LOCKS_HELD);
BUILD_ASSERT(offsetof(struct cpu, cur_proc) == CPU_CUR_PROC);
BUILD_ASSERT(offsetof(struct cpu, cur_dom) == CPU_CUR_DOM);
BUILD_ASSERT(offsetof(struct cpu, cur_fs) == CPU_CUR_FS);
BUILD_ASSERT(offsetof(struct cpu, cur_cred) == CPU_CUR_CRED);
BUILD_ASSERT(offsetof(struct cpu, cur_alone) == CPU_CUR_ALONE);
BUILD_ASSERT(offsetof(struct cpu, tss.rsp[0]) == CPU_TSS_RSP0);
BUILD_ASSERT(sizeof(struct tss) == 104);            /* the 64-bit TSS (SDM 3, 8.7) */
BUILD_ASSERT(offsetof(struct tss, ist[0]) == 36); /* IST1 */

struct cpu *cpus[MAX_CPUS];
u32 ncpus = 1;
struct cpu_features cpu_has;

#define CR4_PGE        (1UL << 7)
#define CR4_OSFXSR     (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_UMIP       (1UL << 11)
#define CR4_FSGSBASE   (1UL << 16)
#define CR4_PCIDE      (1UL << 17)
#define CR4_SMEP       (1UL << 20)
#define CR4_SMAP       (1UL << 21)
#define CR0_MP         (1UL << 1)
#define CR0_EM         (1UL << 2)

void cpu_features_init(void)
{
	u32 a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_has.pcid = c & (1 << 17);
	cpu_has.x2apic = c & (1 << 21);
	cpu_has.tsc_deadline = c & (1 << 24);
	cpu_has.rdrand = c & (1 << 30);
	cpu_has.hypervisor = c & (1u << 31);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_has.fsgsbase = b & (1 << 0);
		cpu_has.smep = b & (1 << 7);
		cpu_has.invpcid = b & (1 << 10);
		cpu_has.smap = b & (1 << 20);
		cpu_has.umip = c & (1 << 2);
	}
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_has.nx = d & (1 << 20);
		cpu_has.pdpe1gb = d & (1 << 26);
	}
	if (max >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu_has.invariant_tsc = d & (1 << 8);
	}
}

void cpu_features_options(void)
{
	if (opts.pcid || !cpu_has.pcid)
		return;
	/* Clearing PCIDE flushes the whole TLB (SDM 3A 4.10.4.1); CR3 holds PCID 0 here. */
	write_cr4(read_cr4() & ~CR4_PCIDE);
	cpu_has.pcid = false;
	cpu_has.invpcid = false;
	pr_info("cpu: pcid=off: PCIDs not used\n");
}

/* Turn on what the CPU offers; the same on every core. */
static void cpu_enable_features(void)
{
	u64 cr4 = read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu_has.smep)
		cr4 |= CR4_SMEP;
	if (cpu_has.smap)
		cr4 |= CR4_SMAP;
	if (cpu_has.umip)
		cr4 |= CR4_UMIP;
	if (cpu_has.pcid)
		cr4 |= CR4_PCIDE;
	write_cr4(cr4);
	/* SSE for user programs; the kernel itself is built without it. */
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
	if (cpu_has.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}

static void gdt_init(struct cpu *c)
{
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffUL; /* 0x08 kernel code, 64-bit */
	c->gdt[2] = 0x00cf92000000ffffUL; /* 0x10 kernel data */
	c->gdt[3] = 0x00cffa000000ffffUL; /* 0x18 user code 32-bit (sysret layout, unused) */
	c->gdt[4] = 0x00cff2000000ffffUL; /* 0x20 user data */
	c->gdt[5] = 0x00affa000000ffffUL; /* 0x28 user code, 64-bit */
	u64 base = (u64)&c->tss, limit = sizeof(c->tss) - 1;
	/* 64-bit TSS descriptor (SDM 3A 7.2.3): two slots. */
	c->gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	c->gdt[7] = base >> 32;
	c->tss.iomap_base = sizeof(c->tss);
	c->tss.rsp[0] = c->kstack_top;

	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) ptr = {sizeof(c->gdt) - 1, (u64)c->gdt};
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w2, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "movw %%ax, %%fs\n\t"
		     "movw %%ax, %%gs\n\t"
		     :
		     : "m"(ptr), "i"((u64)GDT_KCODE), "i"(GDT_KDATA)
		     : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(GDT_TSS));
}

/* IST stacks for #DF, NMI and #MC: a bad kernel stack must still give a report. */
static void ist_init(struct cpu *c, u8 *ist_stacks)
{
	for (int i = 1; i <= 3; i++)
		c->tss.ist[i - 1] = (u64)(ist_stacks + i * 4096);
}

void cpu_init_with_ist(struct cpu *c, u8 *ist_stacks)
{
	c->self = c;
	gdt_init(c);
	ist_init(c, ist_stacks);
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	idt_load();
	cpu_enable_features();
}
