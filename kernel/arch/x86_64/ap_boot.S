/*
 * AP start-up trampoline. smp.c copies the bytes between ap_trampoline
 * and ap_trampoline_end to AP_TRAMPOLINE_PA and sends INIT-SIPI-SIPI with
 * that page as the start-up vector; the core then starts here in real mode
 * at CS:IP = (AP_TRAMPOLINE_PA >> 4):0 with interrupts off (Intel SDM 3A
 * 8.4.3-8.4.4, 9.1.4 "First Instruction Executed").
 *
 * real mode -> protected mode (flat GDT below) -> long mode with the boot
 * page tables (their identity map covers this page) -> claim the struct cpu
 * left in the AP_TRAMP_CPU slot (xchg with 0, so a late core can never
 * take a struct meant for another) -> its kernel stack -> ap_start() in C.
 *
 * The code is assembled into the kernel image (in .rodata: it only runs
 * from the copy), so every address inside it is written as
 * TRAMP(label): the label's place in the copy.
 */
#include "arch/x86_64/ap_boot.h"

#define TRAMP(x)   (AP_TRAMPOLINE_PA + ((x) - ap_trampoline))
#define CR0_PE     (1 << 0)
#define CR0_ET     (1 << 4)
#define CR4_PAE    (1 << 5)
#define MSR_EFER   0xc0000080
#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18

	.section .rodata
	.balign 16
	.global ap_trampoline, ap_trampoline_end
	.code16
ap_trampoline:
	.byte 0xeb, 32 - 2		/* jmp start16 (short), fixed size so the slots stay put */
	.fill 6, 1, 0x90
tramp_cpu:	.quad 0		/* AP_TRAMP_CPU */
tramp_cr3:	.long 0		/* AP_TRAMP_CR3 */
tramp_efer:	.long 0		/* AP_TRAMP_EFER */
tramp_cr0:	.long 0		/* AP_TRAMP_CR0 */
	.long 0
start16:				/* offset 32 */
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tramp_gdt_ptr - ap_trampoline
	/* PE on; after INIT, CR0.CD and NW are set (caches off): this clears them. */
	movl $(CR0_PE | CR0_ET), %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $TRAMP(start32)

	.code32
start32:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl TRAMP(tramp_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl TRAMP(tramp_efer), %eax
	wrmsr
	movl TRAMP(tramp_cr0), %eax	/* paging on: long mode becomes active */
	movl %eax, %cr0
	ljmpl $SEL_CODE64, $TRAMP(start64)

	.code64
start64:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %edi, %edi
	xchgq %rdi, TRAMP(tramp_cpu)
	testq %rdi, %rdi
	jz 1f				/* nothing left for us: the boot core gave up */
	movabsq $ap_entry64, %rax
	jmp *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdt_ptr:
	.word tramp_gdt_end - tramp_gdt - 1
	.long TRAMP(tramp_gdt)
ap_trampoline_end:

	.if (tramp_cpu - ap_trampoline) != AP_TRAMP_CPU || (tramp_cr3 - ap_trampoline) != AP_TRAMP_CR3
	.error "ap_boot.h slot offsets do not match the trampoline"
	.endif
	.if (start16 - ap_trampoline) != 32
	.error "the jump over the slots is wrong"
	.endif
	.if (tramp_efer - ap_trampoline) != AP_TRAMP_EFER || (tramp_cr0 - ap_trampoline) != AP_TRAMP_CR0
	.error "ap_boot.h slot offsets do not match the trampoline"
	.endif

/* In the kernel proper: rdi = struct cpu *; its kernel stack is cpu->kstack_top (gs:8). */
	.text
	.code64
ap_entry64:
	movq 8(%rdi), %rsp
	xorl %ebp, %ebp			/* backtraces stop here */
	call ap_start
	ud2
