/* What the system says about itself: uname(2) and sysinfo(2). */
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "proc/proc.h"
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
	strlcpy(u.sysname, "Ferry", sizeof u.sysname);
	strlcpy(u.nodename, "ferry", sizeof u.nodename);
	strlcpy(u.release, "6.1.0-ferry", sizeof u.release);
	strlcpy(u.version, "Ferry " __DATE__, sizeof u.version);
	strlcpy(u.machine, "x86_64", sizeof u.machine);
	strlcpy(u.domainname, "(none)", sizeof u.domainname);
	return copy_to_domain(cur_dom(), a0, &u, sizeof u) < 0 ? -EFAULT : 0;
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
