/*
 * What the system says about itself: uname(2) and sysinfo(2). Ferry
 * speaks Linux's ABI, so sysname is "Linux" (programs and test suites
 * branch on it, and other Linux-ABI kernels answer the same); release
 * and version say it is Ferry. /proc/sys/kernel shows the same strings.
 */
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include "proc/uts.h"
#include "sched/loadavg.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYSCALL(NR_uname, uname)
{
	struct utsname u;
	memset(&u, 0, sizeof u);
	strlcpy(u.sysname, UTS_SYSNAME, sizeof u.sysname);
	uts_hostname(u.nodename, sizeof u.nodename);
	strlcpy(u.release, UTS_RELEASE, sizeof u.release);
	strlcpy(u.version, UTS_VERSION, sizeof u.version);
	/* personality(PER_LINUX32), as setarch i686 asks: what Linux says then. */
	bool linux32 = (__atomic_load_n(&cur_proc()->personality, __ATOMIC_RELAXED) & 0xff) == 0x0008;
	strlcpy(u.machine, linux32 ? "i686" : "x86_64", sizeof u.machine);
	uts_domainname(u.domainname, sizeof u.domainname);
	return copy_to_domain(cur_dom(), a0, &u, sizeof u) < 0 ? -EFAULT : 0;
}

/* sethostname(2), setdomainname(2): with CAP_SYS_ADMIN, checked first as Linux. */
static long set_name(u64 uname, u64 len, void (*set)(const char *, size_t))
{
	char buf[UTS_LEN];
	if (!cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EPERM;
	if (len > UTS_LEN) /* size_t: a negative int is huge */
		return -EINVAL;
	if (copy_from_domain(cur_dom(), buf, uname, len) < 0)
		return -EFAULT;
	set(buf, len);
	return 0;
}

SYSCALL(NR_sethostname, sethostname)
{
	return set_name(a0, a1, uts_set_hostname);
}

SYSCALL(NR_setdomainname, setdomainname)
{
	return set_name(a0, a1, uts_set_domainname);
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
	/* Linux's SI_LOAD_SHIFT is 16: the averages' fixed point widened, unrounded as there. */
	loadavg_get(si.loads);
	for (int i = 0; i < 3; i++)
		si.loads[i] <<= 16 - LOADAVG_FSHIFT;
	si.totalram = buddy_total_pages() * PAGE_SIZE;
	si.freeram = buddy_free_pages() * PAGE_SIZE;
	si.procs = (u16)proc_count();
	si.mem_unit = 1;
	return copy_to_domain(cur_dom(), a0, &si, sizeof si) < 0 ? -EFAULT : 0;
}
