/*
 * usercopy_hw (usercopy.h): a copy through the page tables this core has
 * loaded. The two string moves are the only instructions that touch user
 * memory; a page fault on either is sent by trap_dispatch to the fault
 * exit (usercopy_fixup), which answers -1 instead of a kernel exception.
 * SMAP is opened and closed by the caller.
 */
	.text
	.globl usercopy_hw
	.type usercopy_hw, @function
usercopy_hw:				/* rdi = dst, rsi = src, rdx = n */
	movq %rdx, %rcx
	shrq $3, %rcx
	.globl usercopy_hw_begin
usercopy_hw_begin:
	rep movsq
	movl %edx, %ecx
	andl $7, %ecx
	rep movsb
	.globl usercopy_hw_end
usercopy_hw_end:
	xorl %eax, %eax
	ret
	.globl usercopy_hw_fault
usercopy_hw_fault:
	movl $-1, %eax
	ret
	.size usercopy_hw, . - usercopy_hw
	.section .note.GNU-stack, "", @progbits
