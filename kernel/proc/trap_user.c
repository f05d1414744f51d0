/*
 * Exceptions raised in user mode: page faults are resolved (demand zero,
 * copy-on-write, a mapped file's page) or become SIGSEGV (no mapping, or
 * not allowed) or SIGBUS (past the end of a mapped file, or its page
 * cannot be read); the others map to their Linux signals. A fault on a
 * page being read in parks the thread; the faulting instruction runs
 * again when it is woken (invariant 3). Only the faulting process
 * suffers (invariant 6).
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "mm/domain.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

extern void (*user_exception_handler)(struct trapframe *tf);
extern void (*user_return_hook)(struct trapframe *tf);
const char *exception_name(u64 vector);

/* Page-fault error code bits (SDM 3A 4.7) */
#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_FETCH   0x10

static void user_exception(struct trapframe *tf)
{
	struct thread *t = current_thread();
	assert(t);
	switch (tf->vector) {
	case EXC_PF: {
		u64 addr = read_cr2();
		u32 access = tf->error & PF_WRITE ? REGION_WRITE
			     : tf->error & PF_FETCH ? REGION_EXEC : REGION_READ;
		int r = domain_fault(t->dom, addr, access);
		if (r == 0) {
			t->ru.minflt++;
			return;
		}
		if (r == -ERESTART_PARK) {
			t->ru.majflt++;
			thread_leave(LEAVE_PARK); /* the frame still points at the access */
		}
		if (r == -ENXIO || r == -EIO) {
			signal_fault(t, tf, SIGBUS, addr,
				     r == -ENXIO ? "access past the end of a mapped file"
						 : "I/O error on a mapped file");
			return;
		}
		if (r == -ENOMEM) {
			kprintf("ferry: pid %u (%s): out of memory at 0x%lx, killed\n", t->proc->pid,
				t->proc->name, addr);
			proc_exit_all(t->proc, signal_exit_status(SIGKILL));
			return;
		}
		const char *what = access == REGION_WRITE ? "write fault"
				   : access == REGION_EXEC ? "execute fault" : "page fault";
		signal_fault(t, tf, SIGSEGV, addr, what);
		return;
	}
	case EXC_DE:
	case EXC_MF:
	case EXC_XM:
		signal_fault(t, tf, SIGFPE, tf->rip, exception_name(tf->vector));
		return;
	case EXC_UD:
		signal_fault(t, tf, SIGILL, tf->rip, exception_name(tf->vector));
		return;
	case EXC_BP:
	case EXC_DB:
		signal_fault(t, tf, SIGTRAP, tf->rip, exception_name(tf->vector));
		return;
	case EXC_AC:
		signal_fault(t, tf, SIGBUS, tf->rip, exception_name(tf->vector));
		return;
	default:
		/* #GP (non-canonical addresses, privileged instructions), #SS, #NP, ... */
		signal_fault(t, tf, SIGSEGV, tf->rip, exception_name(tf->vector));
		return;
	}
}

void proc_traps_init(void)
{
	user_exception_handler = user_exception;
	user_return_hook = thread_return_to_user;
}
