/*
 * Per-process and per-thread settings: prctl(2) (the process name, the
 * privilege settings: keep-caps, dumpable, no_new_privs, the capability
 * bounding set; timer slack, subreaper...), personality(2), arch_prctl(2)
 * (the thread's FS base for thread-local storage), and rseq(2), which is
 * not offered. Unsupported options get EINVAL, as Linux gives for options
 * it does not know, and a log line.
 */
#include "proc/seccomp.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/unsupported.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

enum {
	PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
	PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_SET_NAME = 15, PR_GET_NAME = 16,
	PR_GET_SECCOMP = 21, PR_SET_SECCOMP = 22, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24, PR_SET_TIMERSLACK = 29, PR_GET_TIMERSLACK = 30,
	PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37, PR_SET_NO_NEW_PRIVS = 38,
	PR_GET_NO_NEW_PRIVS = 39, PR_GET_TID_ADDRESS = 40, PR_CAP_AMBIENT = 47,
};
#define TIMER_SLACK_DEFAULT 50000 /* ns, Linux's */
#define PR_CAP_AMBIENT_IS_SET 1

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
	default:
		unsupported("prctl option", (u64)(u32)op);
		return -EINVAL;
	}
}

SYSCALL(NR_prctl, prctl)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	int option = (int)a0;
	char name[PROC_NAME_MAX];
	switch (option) {
	case PR_SET_PDEATHSIG:
		if (a1 > NSIG)
			return -EINVAL;
		__atomic_store_n(&p->pdeath_sig, (u8)a1, __ATOMIC_RELAXED);
		return 0;
	case PR_GET_PDEATHSIG: {
		int sig = __atomic_load_n(&p->pdeath_sig, __ATOMIC_RELAXED);
		return copy_to_domain(cur_dom(), a1, &sig, sizeof sig) < 0 ? -EFAULT : 0;
	}
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
	case PR_GET_SECCOMP:
		return t->seccomp_mode; /* in strict mode this call itself was refused (SIGKILL) */
	case PR_SET_SECCOMP:
		return seccomp_prctl_set(a1, a2);
	case PR_CAP_AMBIENT:
		if (a1 == PR_CAP_AMBIENT_IS_SET && a2 <= CAP_LAST_CAP && !a3 && !a4)
			return 0; /* none is in the ambient set */
		unsupported("prctl(PR_CAP_AMBIENT) operation", a1);
		return -EINVAL;
	case PR_GET_TIMERSLACK:
		return (long)(t->timer_slack_ns ? t->timer_slack_ns : TIMER_SLACK_DEFAULT);
	case PR_SET_TIMERSLACK:
		/* Ferry's timers fire at their deadline: the slack is kept, not used. */
		t->timer_slack_ns = a1 ? a1 : TIMER_SLACK_DEFAULT;
		return 0;
	case PR_SET_CHILD_SUBREAPER:
		__atomic_store_n(&p->subreaper, a1 != 0, __ATOMIC_RELAXED);
		return 0;
	case PR_GET_CHILD_SUBREAPER: {
		int v = __atomic_load_n(&p->subreaper, __ATOMIC_RELAXED);
		return copy_to_domain(cur_dom(), a1, &v, sizeof v) < 0 ? -EFAULT : 0;
	}
	case PR_SET_NO_NEW_PRIVS:
		if (a1 != 1 || a2 || a3 || a4)
			return -EINVAL;
		__atomic_store_n(&p->no_new_privs, true, __ATOMIC_RELAXED); /* for good */
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a1 || a2 || a3 || a4)
			return -EINVAL;
		return __atomic_load_n(&p->no_new_privs, __ATOMIC_RELAXED);
	case PR_GET_TID_ADDRESS:
		return copy_to_domain(cur_dom(), a1, &t->clear_child_tid, sizeof t->clear_child_tid) < 0
			   ? -EFAULT : 0;
	default:
		return prctl_privilege(p, a0, a1, a2, a3, a4);
	}
}

#define PER_MASK 0xff
#define PER_LINUX 0x0000
#define PER_LINUX32 0x0008

/*
 * personality(2): Linux's own execution domain, with any of its flags
 * (ADDR_NO_RANDOMIZE holds already: Ferry places nothing at random), or
 * PER_LINUX32, whose uname says i686 as on Linux. 0xffffffff only asks.
 */
SYSCALL(NR_personality, personality)
{
	struct proc *p = cur_proc();
	u32 want = (u32)a0, old = __atomic_load_n(&p->personality, __ATOMIC_RELAXED);
	if (want == 0xffffffff)
		return old;
	if ((want & PER_MASK) != PER_LINUX && (want & PER_MASK) != PER_LINUX32) {
		unsupported("personality", want);
		return -EINVAL;
	}
	__atomic_store_n(&p->personality, want, __ATOMIC_RELAXED);
	return old;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL(NR_arch_prctl, arch_prctl)
{
	struct thread *t = current_thread();
	switch ((int)a0) {
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
		unsupported("arch_prctl code", (u64)(u32)a0);
		return -EINVAL;
	}
}

SYSCALL(NR_rseq, rseq)
{
	return -ENOSYS; /* restartable sequences: not supported (libc copes) */
}
