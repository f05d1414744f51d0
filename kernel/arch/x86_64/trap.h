/*
 * Traps: the register frame every interrupt and exception entry saves,
 * the IDT, and how handlers are registered. Vectors 0-31 are CPU
 * exceptions; device and IPI vectors are assigned in apic.h.
 */
#pragma once

#include "lib/types.h"

struct trapframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
	EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
	EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19, EXC_VE = 20,
	EXC_CP = 21,
};

/* Interrupt stack table slots (TSS.IST[n]) for traps that may hit a bad stack. */
#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x20 /* sysret: STAR[63:48] + 8, RPL 3 */
#define GDT_UCODE 0x28 /* sysret: STAR[63:48] + 16, RPL 3 */
#define GDT_TSS   0x30

typedef void (*irq_handler_t)(struct trapframe *tf);

void idt_init(void);  /* once, on the boot core */
void idt_load(void);  /* on every core */
void trap_set_handler(int vector, irq_handler_t handler);
void trap_dispatch(struct trapframe *tf);
static inline bool trap_from_user(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3;
}

/* Print the frame and a symbolic backtrace; used by panics and kernel exceptions. */
void trap_dump(const struct trapframe *tf);
void backtrace_from(u64 rbp);
