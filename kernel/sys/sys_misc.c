/*
 * Small system calls: identity, limits, resource use, system information,
 * affinity, thread-local storage and randomness.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/time.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/random.h"
#include "mm/layout.h"
#include "sys/syscall.h"

static struct domain *dom(void)
{
	return current_thread()->proc->dom;
}

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYSCALL(NR_uname, uname)
{
	struct utsname u;
	memset(&u, 0, sizeof u);
	strlcpy(u.sysname, "Ferry", sizeof u.sysname);
	strlcpy(u.nodename, "ferry", sizeof u.nodename);
	strlcpy(u.release, "6.1.0-ferry", sizeof u.release);
	strlcpy(u.version, "Ferry " __DATE__, sizeof u.version);
	strlcpy(u.machine, "x86_64", sizeof u.machine);
	strlcpy(u.domainname, "(none)", sizeof u.domainname);
	return copy_to_domain(dom(), a0, &u, sizeof u) < 0 ? -EFAULT : 0;
}

/* Everyone is root: Ferry has no users yet. */
SYSCALL(NR_getuid, getuid) { return 0; }
SYSCALL(NR_geteuid, geteuid) { return 0; }
SYSCALL(NR_getgid, getgid) { return 0; }
SYSCALL(NR_getegid, getegid) { return 0; }
SYSCALL(NR_setuid, setuid) { return a0 == 0 ? 0 : -EPERM; }
SYSCALL(NR_setgid, setgid) { return a0 == 0 ? 0 : -EPERM; }

SYSCALL(NR_getgroups, getgroups)
{
	return 0;
}

SYSCALL(NR_getresuid, getresuid)
{
	u32 z = 0;
	for (int i = 0; i < 3; i++)
		if (copy_to_domain(dom(), (&a0)[i], &z, sizeof z) < 0)
			return -EFAULT;
	return 0;
}

SYSCALL(NR_getresgid, getresgid)
{
	u32 z = 0;
	for (int i = 0; i < 3; i++)
		if (copy_to_domain(dom(), (&a0)[i], &z, sizeof z) < 0)
			return -EFAULT;
	return 0;
}

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0UL)

static u64 limit_of(u32 res)
{
	switch (res) {
	case RLIMIT_STACK:
		return STACK_SIZE;
	case RLIMIT_NOFILE:
		return 256;
	default:
		return RLIM_INFINITY;
	}
}

SYSCALL(NR_prlimit64, prlimit64)
{
	if (a0 && a0 != current_thread()->proc->pid)
		return -ESRCH;
	if (a1 >= RLIM_NLIMITS)
		return -EINVAL;
	u64 newlim[2];
	if (a2 && copy_from_domain(dom(), newlim, a2, sizeof newlim) < 0)
		return -EFAULT;
	/* New limits are accepted but not enforced beyond the fixed ones. */
	if (a3) {
		u64 lim[2] = {limit_of((u32)a1), limit_of((u32)a1)};
		if (copy_to_domain(dom(), a3, lim, sizeof lim) < 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL(NR_getrlimit, getrlimit)
{
	return sys_prlimit64(0, a0, 0, a1, 0, 0);
}

SYSCALL(NR_setrlimit, setrlimit)
{
	return a0 < RLIM_NLIMITS ? 0 : -EINVAL;
}

/* Linux's struct rusage on x86-64. */
struct rusage64 {
	i64 utime[2], stime[2]; /* struct timeval */
	i64 maxrss;		/* KiB */
	i64 ixrss, idrss, isrss;
	i64 minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals;
	i64 nvcsw, nivcsw;
};

int put_rusage(struct domain *dom, u64 uaddr, const struct usage *u)
{
	struct rusage64 ru = {
	    .utime = {(i64)(u->utime_ns / 1000000000UL), (i64)(u->utime_ns % 1000000000UL / 1000)},
	    .stime = {(i64)(u->stime_ns / 1000000000UL), (i64)(u->stime_ns % 1000000000UL / 1000)},
	    .maxrss = (i64)(u->maxrss_pages * (PAGE_SIZE / 1024)),
	    .minflt = (i64)u->minflt,
	    .nvcsw = (i64)u->nvcsw,
	    .nivcsw = (i64)u->nivcsw,
	};
	return copy_to_domain(dom, uaddr, &ru, sizeof ru) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_getrusage, getrusage)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	i64 who = (i64)a0;
	struct usage u = {0};
	if (who == 0) { /* RUSAGE_SELF */
		proc_usage_now(t, &u);
	} else if (who == 1) { /* RUSAGE_THREAD: its own, with the process's size */
		proc_usage(p, &u);
		u64 rss = u.maxrss_pages;
		u = t->ru;
		u.maxrss_pages = rss;
		u.utime_ns += thread_run_so_far(t);
	} else if (who == -1) { /* RUSAGE_CHILDREN */
		spin_lock(&proc_tree_lock);
		u = p->cru;
		spin_unlock(&proc_tree_lock);
	} else {
		return -EINVAL;
	}
	return put_rusage(dom(), a1, &u);
}

SYSCALL(NR_times, times)
{
	struct proc *p = current_thread()->proc;
	/* clock ticks of 10 ms (AT_CLKTCK = 100) */
	spin_lock(&proc_tree_lock);
	struct usage c = p->cru;
	spin_unlock(&proc_tree_lock);
	struct usage self;
	proc_usage(p, &self);
	i64 t[4] = {(i64)(self.utime_ns / 10000000), (i64)(self.stime_ns / 10000000),
		    (i64)(c.utime_ns / 10000000), (i64)(c.stime_ns / 10000000)};
	if (a0 && copy_to_domain(dom(), a0, t, sizeof t) < 0)
		return -EFAULT;
	return (long)(tsc_ns() / 10000000);
}

struct sysinfo64 {
	i64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u32 pad2;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	char padding[4];
};

SYSCALL(NR_sysinfo, sysinfo)
{
	struct sysinfo64 si = {0};
	si.uptime = (i64)(tsc_ns() / 1000000000UL);
	si.totalram = buddy_total_pages() * PAGE_SIZE;
	si.freeram = buddy_free_pages() * PAGE_SIZE;
	si.procs = (u16)proc_count();
	si.mem_unit = 1;
	return copy_to_domain(dom(), a0, &si, sizeof si) < 0 ? -EFAULT : 0;
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
		if (a1 >= USER_TOP)
			return -EPERM;
		t->fs_base = a1;
		wrmsr(MSR_FS_BASE, a1);
		return 0;
	case ARCH_GET_FS:
		return copy_to_domain(dom(), a1, &t->fs_base, sizeof t->fs_base) < 0 ? -EFAULT : 0;
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EINVAL; /* GS belongs to the kernel's per-core data */
	default:
		return -EINVAL;
	}
}

SYSCALL(NR_set_robust_list, set_robust_list)
{
	return a1 == 24 ? 0 : -EINVAL; /* recorded nowhere: robust futexes are not supported */
}

SYSCALL(NR_rseq, rseq)
{
	return -ENOSYS; /* restartable sequences: not supported (libc copes) */
}

static struct rng urandom;
static struct spinlock urandom_lock = SPINLOCK_INIT;

void random_fill(void *buf, size_t len)
{
	spin_lock(&urandom_lock);
	if (!urandom.s[0] && !urandom.s[1]) {
		u64 seed = rdtsc();
		if (cpu_has.rdrand) {
			u64 v;
			u8 ok;
			asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				seed ^= v;
		}
		rng_seed(&urandom, seed);
	}
	u8 *p = buf;
	for (size_t i = 0; i < len; i += 8) {
		u64 v = rng_next(&urandom);
		memcpy(p + i, &v, MIN(8, len - i));
	}
	spin_unlock(&urandom_lock);
}

SYSCALL(NR_getrandom, getrandom)
{
	u8 chunk[256];
	u64 done = 0, len = a1 > (1 << 25) ? (1 << 25) : a1;
	while (done < len) {
		size_t n = MIN(sizeof chunk, len - done);
		random_fill(chunk, n);
		if (copy_to_domain(dom(), a0 + done, chunk, n) < 0)
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

SYSCALL(NR_prctl, prctl)
{
	struct proc *p = current_thread()->proc;
	char name[PROC_NAME_MAX];
	switch (a0) {
	case PR_SET_NAME: {
		long n = strncpy_from_domain(dom(), name, a1, sizeof name);
		if (n == -ENAMETOOLONG) { /* Linux truncates to 15 characters */
			if (copy_from_domain(dom(), name, a1, sizeof name - 1) < 0)
				return -EFAULT;
			name[sizeof name - 1] = 0;
		} else if (n < 0) {
			return n;
		}
		memcpy(p->name, name, sizeof name);
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_domain(dom(), a1, p->name, sizeof p->name) < 0 ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}
