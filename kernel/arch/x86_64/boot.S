/*
 * First instructions. Two loaders reach us, both in 32-bit protected mode
 * with paging off:
 *   - QEMU -kernel through the PVH ELF note (ebx = hvm_start_info),
 *   - GRUB through the multiboot2 header (eax = magic, ebx = boot info).
 * We build boot page tables (identity and direct map of the first 4 GiB,
 * the first 1 GiB again at -2 GiB), enter long mode, jump to the upper half
 * and call kmain(boot_kind, boot_info). mm/vm.c replaces these tables.
 */
#include "arch/x86_64/boot.h"

#define KERNEL_VMA      0xffffffff80000000
#define MB2_HEADER_MAGIC 0xe85250d6
#define MSR_EFER        0xc0000080
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)
#define CR0_PE          (1 << 0)
#define CR0_WP          (1 << 16)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define PTE_P           0x1
#define PTE_W           0x2
#define PTE_PS          0x80
#define COM1            0x3f8

/* Multiboot2 header (Multiboot2 spec 3.1): must lie in the first 32 KiB. */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0				/* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8			/* entry address tag */
	.short 3, 0
	.long 12
	.long _start_mb2
	/*
	 * Console tags: EGA text supported (the VGA text mode, which Ferry
	 * uses under BIOS), and an optional framebuffer of any mode. Ferry
	 * draws on no framebuffer, but without that tag GRUB under UEFI,
	 * which has no text mode, warns that "no console will be available
	 * to OS". grub.cfg's gfxpayload keeps the text mode under BIOS.
	 */
	.balign 8			/* console flags: EGA text supported, not required */
	.short 4, 1
	.long 12
	.long 2
	.balign 8			/* framebuffer, no preferred mode */
	.short 5, 1
	.long 20
	.long 0, 0, 0
	.balign 8			/* end tag */
	.short 0, 0
	.long 8
mb2_header_end:

/* PVH entry note (Xen's XEN_ELFNOTE_PHYS32_ENTRY = 18), read by QEMU -kernel. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, 18
	.asciz "Xen"
	.balign 4
	.long _start_pvh
	.balign 4

	.section .boot.text, "ax"
	.code32
	.global _start_pvh
_start_pvh:
	movl $BOOT_PVH, %edi
	movl %ebx, %esi
	jmp common32

	.global _start_mb2
_start_mb2:
	cmpl $BOOT_MB2_MAGIC, %eax
	jne fail32
	movl $BOOT_MB2, %edi
	movl %ebx, %esi

common32:
	cli
	cld
	movl $boot_stack32_top, %esp
	movl %edi, boot_kind
	movl %esi, boot_info

	/* Long mode present? (CPUID 8000_0001h EDX bit 29; NX is bit 20) */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb fail32
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz fail32
	movl %edx, %ebp

	movl $boot_pt_start, %edi
	movl $((boot_pt_end - boot_pt_start) / 4), %ecx
	xorl %eax, %eax
	rep stosl

	/* Four page directories of 2 MiB pages: physical 0..4 GiB. */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edi, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	movl $boot_pdpt_low, %edi
	movl $(boot_pd + PTE_P + PTE_W), %eax
	movl %eax, 0(%edi)
	addl $4096, %eax
	movl %eax, 8(%edi)
	addl $4096, %eax
	movl %eax, 16(%edi)
	addl $4096, %eax
	movl %eax, 24(%edi)

	movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8

	movl $(boot_pdpt_low + PTE_P + PTE_W), %eax
	movl %eax, boot_pml4			/* identity, for the jump */
	movl %eax, boot_pml4 + 256 * 8		/* direct map */
	movl $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8

	movl $boot_pml4, %eax
	movl %eax, %cr3
	/*
	 * CR4 from a known value, as PVH gives it: a loader leaving firmware
	 * bits set (LA57 from a UEFI that ran 5-level paging would make our
	 * PML4 a PML5) must not leak in. cpu.c sets the features it wants.
	 */
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $(1 << 20), %ebp
	jz 2f
	orl $EFER_NXE, %eax
2:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode

/* No long mode or an unknown loader: say so on COM1, then ask QEMU to exit. */
fail32:
	movl $fail_msg, %esi
3:	movb (%esi), %al
	testb %al, %al
	jz 4f
	movw $COM1, %dx
	outb %al, %dx
	incl %esi
	jmp 3b
4:	movw $0xf4, %dx
	movb $0x11, %al
	outb %al, %dx
5:	hlt
	jmp 5b

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $high_entry, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
	.global boot_kind, boot_info
boot_kind:
	.long 0
boot_info:
	.long 0
fail_msg:
	.asciz "ferry: this CPU has no long mode or the loader is unknown\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.global boot_pml4
boot_pt_start:
boot_pml4:	.space 4096
boot_pdpt_low:	.space 4096
boot_pdpt_high:	.space 4096
boot_pd:	.space 4 * 4096
boot_pt_end:
	.space 4096
boot_stack32_top:

	.text
high_entry:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movabsq $__bss_start, %rdi
	movabsq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movl boot_kind, %edi
	movl boot_info, %esi
	call kmain
6:	cli
	hlt
	jmp 6b

	.bss
	.balign 4096
	.global boot_stack_guard, boot_stack_top
boot_stack_guard:		/* left unmapped (vm.c): an overflow faults */
	.space 4096
boot_stack:
	.space 16384
boot_stack_top:
