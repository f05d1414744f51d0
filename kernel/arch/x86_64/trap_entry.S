/*
 * Interrupt and exception entry stubs. Each vector pushes a dummy error
 * code where the CPU does not, then its number, and joins trap_common,
 * which saves the registers as a struct trapframe and calls trap_dispatch.
 * GS is swapped only when the trap came from user mode.
 */
#include "arch/x86_64/trapframe_asm.h"
	.text
	.altmacro
	.macro STUB vec
	.balign 16
trap_stub_\vec:
	.if \vec == 8 || \vec == 10 || \vec == 11 || \vec == 12 || \vec == 13 || \vec == 14 || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
	.endm

	.macro STUB_ADDR vec
	.quad trap_stub_\vec
	.endm

	.set i, 0
	.rept 256
	STUB %i
	.set i, i + 1
	.endr

trap_common:
	testb $3, 24(%rsp)		/* CS of the interrupted context */
	jz 1f
	swapgs
1:	PUSH_GPRS
	cld
	movq %rsp, %rdi
	xorl %ebp, %ebp			/* backtraces stop here */
	call trap_dispatch
	.global trap_return
trap_return:
	POP_GPRS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.global trap_stubs
trap_stubs:
	.set i, 0
	.rept 256
	STUB_ADDR %i
	.set i, i + 1
	.endr
