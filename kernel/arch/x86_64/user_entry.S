/*
 * Entering and leaving user mode on the core's one kernel stack
 * (invariant 1).
 *
 * enter_user(regs) is called by a thread's poll function on the executor's
 * stack. It saves the executor's callee-saved registers, makes the stack
 * just below them the landing place for traps and syscalls from user mode
 * (TSS.rsp0 and cpu->entry_rsp), then "returns" to user mode by popping the
 * thread's saved trapframe. A trap from user mode therefore builds its
 * trapframe right below the executor's frames; its handler either returns
 * straight to user mode, or calls exit_to_executor(reason), which drops
 * everything above the executor's frames and returns `reason` from
 * enter_user.
 */
#include "arch/x86_64/trapframe_asm.h"
#include "arch/x86_64/cpu_offsets.h"

#define GDT_UDATA 0x20
#define GDT_UCODE 0x28
#define SYSCALL_VECTOR 256

	.text
	.global enter_user
enter_user:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %gs:CPU_EXEC_RSP
	leaq -16(%rsp), %rax
	andq $-16, %rax
	movq %rax, %gs:CPU_ENTRY_RSP
	movq %rax, %gs:CPU_TSS_RSP0
	movq %rdi, %rsp			/* pop the thread's registers */
	jmp trap_return

	.global exit_to_executor
exit_to_executor:
	movl %edi, %eax
	movq %gs:CPU_EXEC_RSP, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/*
 * syscall: rip in rcx, rflags in r11, user rsp still live; FMASK cleared
 * IF, so nothing interrupts us until we return. Build the same trapframe
 * an interrupt from user mode would.
 */
	.global syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_ENTRY_RSP, %rsp
	pushq $(GDT_UDATA | 3)
	pushq %gs:CPU_USER_RSP
	pushq %r11
	pushq $(GDT_UCODE | 3)
	pushq %rcx
	pushq $0
	pushq $SYSCALL_VECTOR
	PUSH_GPRS
	cld
	movq %rsp, %rdi
	xorl %ebp, %ebp
	call syscall_dispatch		/* nonzero: sysret may be used */
	testl %eax, %eax
	jz trap_return
	POP_GPRS
	movq 16(%rsp), %rcx		/* rip */
	movq 32(%rsp), %r11		/* rflags */
	movq 40(%rsp), %rsp		/* user stack */
	swapgs
	sysretq
