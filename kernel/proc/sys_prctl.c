/*
 * Per-process and per-thread settings: prctl(2) (the process name, and
 * the privilege settings: keep-caps, dumpable, no_new_privs, the
 * capability bounding set), arch_prctl(2) (the thread's FS base for
 * thread-local storage), and rseq(2), which is not offered.
 */
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

/* A copy of the caller's cred changed by change(), published for the process. */
static long change_cred(void (*change)(struct cred *c, u64 arg), u64 arg)
{
	const struct cred *old = cur_cred();
	struct cred *c = cred_copy(old, old->ngroups);
	if (!c)
		return -ENOMEM;
	change(c, arg);
	proc_cred_commit(syscall_thread(), c);
	return 0;
}

static void set_keepcaps(struct cred *c, u64 on)
{
	c->securebits = on ? c->securebits | SECBIT_KEEP_CAPS : c->securebits & ~SECBIT_KEEP_CAPS;
}

static void drop_bset(struct cred *c, u64 cap)
{
	c->cap_bset &= ~CAP_BIT(cap);
}

/* The privilege settings (capabilities(7), prctl(2)); -EINVAL: not one of them. */
static long prctl_privilege(struct proc *p, u64 op, u64 a1, u64 a2, u64 a3, u64 a4)
{
	const struct cred *c = cur_cred();
	switch (op) {
	case PR_GET_KEEPCAPS:
		return !!(c->securebits & SECBIT_KEEP_CAPS);
	case PR_SET_KEEPCAPS:
		return a1 > 1 ? -EINVAL : change_cred(set_keepcaps, a1);
	case PR_GET_DUMPABLE:
		return __atomic_load_n(&p->dumpable, __ATOMIC_RELAXED);
	case PR_SET_DUMPABLE:
		if (a1 > 1)
			return -EINVAL; /* 2 (root-only core dumps) is for the kernel to set */
		__atomic_store_n(&p->dumpable, a1 == 1, __ATOMIC_RELAXED);
		return 0;
	case PR_CAPBSET_READ:
		return a1 > CAP_LAST_CAP ? -EINVAL : (long)((c->cap_bset >> a1) & 1);
	case PR_CAPBSET_DROP:
		if (a1 > CAP_LAST_CAP)
			return -EINVAL;
		if (!cred_capable(c, CAP_SETPCAP))
			return -EPERM;
		return change_cred(drop_bset, a1);
	case PR_SET_NO_NEW_PRIVS:
		if (a1 != 1 || a2 || a3 || a4)
			return -EINVAL;
		__atomic_store_n(&p->no_new_privs, true, __ATOMIC_RELAXED); /* for good */
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a1 || a2 || a3 || a4)
			return -EINVAL;
		return __atomic_load_n(&p->no_new_privs, __ATOMIC_RELAXED);
	default:
		return -EINVAL;
	}
}

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
		return prctl_privilege(p, a0, a1, a2, a3, a4);
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
