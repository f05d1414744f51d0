/*
 * Per-process and per-thread settings: prctl(2) (the process name),
 * arch_prctl(2) (the thread's FS base for thread-local storage), and
 * rseq(2), which is not offered.
 */
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define PR_SET_NAME 15
#define PR_GET_NAME 16

SYSCALL(NR_prctl, prctl)
{
	struct proc *p = cur_proc();
	char name[PROC_NAME_MAX];
	switch (a0) {
	case PR_SET_NAME: {
		long n = strncpy_from_domain(cur_dom(), name, a1, sizeof name);
		if (n == -ENAMETOOLONG) { /* Linux truncates to 15 characters */
			if (copy_from_domain(cur_dom(), name, a1, sizeof name - 1) < 0)
				return -EFAULT;
			name[sizeof name - 1] = 0;
		} else if (n < 0) {
			return n;
		}
		memcpy(p->name, name, sizeof name);
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_domain(cur_dom(), a1, p->name, sizeof p->name) < 0 ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL(NR_arch_prctl, arch_prctl)
{
	struct thread *t = current_thread();
	switch (a0) {
	case ARCH_SET_FS:
		if (!fs_base_ok(a1))
			return -EPERM; /* non-canonical: a #GP at the wrmsr (proc.h) */
		t->fs_base = a1;
		wrmsr(MSR_FS_BASE, a1);
		return 0;
	case ARCH_GET_FS:
		return copy_to_domain(cur_dom(), a1, &t->fs_base, sizeof t->fs_base) < 0 ? -EFAULT : 0;
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EINVAL; /* GS belongs to the kernel's per-core data */
	default:
		return -EINVAL;
	}
}

SYSCALL(NR_rseq, rseq)
{
	return -ENOSYS; /* restartable sequences: not supported (libc copes) */
}
