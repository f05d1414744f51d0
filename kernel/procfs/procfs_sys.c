/*
 * procfs: the system-wide files, the root's and /proc/sys's (their tables
 * are at the end), and /proc/self.
 *
 * The counters read here are atomics or kept by their owners' locks
 * (proc_tree_lock for the process table, the block cache's own); a
 * generator takes those locks only while it copies, and no user memory
 * is touched with one held.
 */
#include "procfs/procfs_impl.h"
#include "fs/bcache.h"
#include "vm/swap.h"
#include "proc/proc.h"
#include "mm/buddy.h"
#include "sched/loadavg.h"
#include "ipc/sysv.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuinfo.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/rtc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/cmdline.h"

static int gen_meminfo(u32 pid, struct text *t)
{
	u64 kb = PAGE_SIZE / 1024;
	u64 total = buddy_total_pages() * kb, free = buddy_free_pages() * kb;
	/*
	 * The page cache holds file data ("Cached", where free(1) looks for
	 * buff/cache; memory files' pages too, as Linux counts tmpfs, and
	 * apart as Shmem), the block cache the disks' metadata ("Buffers").
	 * Available: free memory, and the caches' clean pages, which go back
	 * when memory runs out.
	 */
	struct bcache_stats bs;
	bcache_get_stats(&bs);
	struct pcache_stats ps;
	pcache_get_stats(&ps);
	u64 buffers = bs.bytes / 1024, cached = ps.pages * kb, shmem = ps.swapbacked * kb;
	u64 clean = (ps.pages - ps.swapbacked - MIN(ps.pages - ps.swapbacked, ps.dirty + ps.writeback)) * kb;
	/* The swap cache is counted apart (SwapCached), not in Cached, as Linux does. */
	struct swap_stats ss;
	swap_get_stats(&ss);
	cached -= MIN(cached, ss.cached * kb);
	u64 dirty = ps.dirty - MIN(ps.dirty, ss.dirty); /* file pages' only, as Linux's Dirty */
	tprintf(t,
		"MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
		"Buffers:        %8lu kB\nCached:         %8lu kB\n"
		"SwapCached:     %8lu kB\nDirty:          %8lu kB\nWriteback:      %8lu kB\n"
		"Shmem:          %8lu kB\n"
		"SReclaimable:          0 kB\nSwapTotal:      %8lu kB\n"
		"SwapFree:       %8lu kB\n",
		total, free, free + clean + buffers, buffers, cached, ss.cached * kb, dirty * kb,
		ps.writeback * kb, shmem, ss.total * kb, ss.free * kb);
	return 0;
}

static u64 idle_ns_all(void)
{
	u64 idle = 0;
	for (u32 i = 0; i < ncpus; i++)
		idle += executor_idle_ns(cpus[i]);
	return idle;
}

/* /proc/swaps: one line per swap area, as Linux's. */
static int gen_swaps(u32 pid, struct text *t)
{
	t->len = swap_text(t->buf, t->cap);
	return 0;
}

static int gen_uptime(u32 pid, struct text *t)
{
	u64 up = tsc_ns() / 10000000UL, idle = idle_ns_all() / 10000000UL; /* hundredths */
	tprintf(t, "%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
	return 0;
}

/* Tasks waiting in run queues plus cores not halted: an instant count, not an average. */
static u32 runnable_now(void)
{
	u32 n = 0;
	for (u32 i = 0; i < ncpus; i++) {
		n += __atomic_load_n(&cpus[i]->exec.nr_runnable, __ATOMIC_RELAXED);
		n += !__atomic_load_n(&cpus[i]->exec.idle, __ATOMIC_RELAXED);
	}
	return n;
}

static int gen_loadavg(u32 pid, struct text *t)
{
	u32 run = runnable_now(), last = 0, total = 0;
	u64 avg[3];
	loadavg_get(avg);
	spin_lock(&proc_tree_lock);
	for (u32 pid = 1; pid < PID_MAX; pid++) {
		struct proc *p = proc_find(pid);
		if (p && p->state != PROC_REAPED) {
			last = pid;
			total++;
		}
	}
	spin_unlock(&proc_tree_lock);
	/* Linux's format: hundredths, rounded to the nearest (uptime(1), from sysinfo, truncates). */
	for (int i = 0; i < 3; i++) {
		u64 v = avg[i] + (1UL << LOADAVG_FSHIFT) / 200;
		u64 frac = ((v & ((1UL << LOADAVG_FSHIFT) - 1)) * 100) >> LOADAVG_FSHIFT;
		tprintf(t, "%lu.%02lu ", v >> LOADAVG_FSHIFT, frac);
	}
	tprintf(t, "%u/%u %u\n", MIN(run, total), total, last);
	return 0;
}

static int gen_mounts(u32 pid, struct text *t)
{
	ssize_t n = vfs_mounts_text(t->buf, t->cap);
	t->len = n > 0 ? (size_t)n : 0;
	return n < 0 ? (int)n : 0;
}

static int gen_stat(u32 pid, struct text *t)
{
	/*
	 * Per core: busy is time not halted. Ferry does not split user from
	 * kernel time per core, so busy time is all shown as user time.
	 */
	u64 up = tsc_ns() / NS_PER_TICK, tot_idle = 0, tot_busy = 0, ctxt = 0;
	for (u32 i = 0; i < ncpus; i++) {
		u64 idle = executor_idle_ns(cpus[i]) / NS_PER_TICK;
		idle = MIN(idle, up);
		tot_idle += idle;
		tot_busy += up - idle;
		ctxt += __atomic_load_n(&cpus[i]->exec.polls, __ATOMIC_RELAXED);
	}
	tprintf(t, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", tot_busy, tot_idle);
	for (u32 i = 0; i < ncpus; i++) {
		u64 idle = executor_idle_ns(cpus[i]) / NS_PER_TICK;
		idle = MIN(idle, up);
		tprintf(t, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", i, up - idle, idle);
	}
	/* btime: the wall-clock second uptime counts from (ps's START adds a process's start to it). */
	tprintf(t, "intr 0\nctxt %lu\nbtime %lu\nprocesses %u\nprocs_running %u\nprocs_blocked 0\n",
		ctxt, realtime_epoch_ns() / 1000000000, proc_count(), runnable_now());
	return 0;
}

static int gen_cpuinfo(u32 pid, struct text *t)
{
	t->len = cpuinfo_text(t->buf, t->cap);
	return 0;
}

static int gen_version(u32 pid, struct text *t)
{
	tprintf(t, "Ferry version 6.1.0-ferry (a small multicore x86-64 kernel) #1 SMP\n");
	return 0;
}

/* The kernel command line, as Linux gives it (tests read preempt= here). */
static int gen_cmdline(u32 pid, struct text *t)
{
	tprintf(t, "%s\n", opts.line);
	return 0;
}

/*
 * /proc/partitions, as Linux's: every block device with bytes (disks,
 * their partitions, bound loop devices) by number, sizes in KiB.
 */
static int gen_partitions(u32 pid, struct text *t)
{
	tprintf(t, "major minor  #blocks  name\n\n");
	u64 last = 0; /* (major << 32 | minor) + 1 of the line before: the next is above it */
	for (;;) {
		struct blk_dev *next = NULL;
		u64 key = ~0UL;
		for (u32 i = 0; i < BLK_MAX_TABLE; i++) {
			struct blk_dev *d = blk_table_get(i);
			u64 k = d ? (u64)d->major << 32 | d->minor : ~0UL;
			if (d && k >= last && k < key && blk_sectors(d)) {
				key = k;
				next = d;
			}
		}
		if (!next)
			return 0;
		tprintf(t, "%4u  %7u %10lu %s\n", next->major, next->minor, blk_sectors(next) >> 1,
			next->name);
		last = key + 1;
	}
}

static int gen_filesystems(u32 pid, struct text *t)
{
	tprintf(t, "nodev\tsysfs\nnodev\trootfs\nnodev\tramfs\nnodev\ttmpfs\nnodev\tdevfs\nnodev\tproc\n\text2\n");
	return 0;
}

/*
 * /proc/sys/vm/drop_caches, as Linux's: one number from 1 to 4, blanks
 * around it allowed; bit 0 drops the clean pages of the page cache that
 * nothing maps or reads, and the clean, idle buffers of the block cache (bit 1, Linux's dentries and inodes, and 4, its "stop telling me",
 * have nothing here to act on). Dirty blocks stay: sync first. As with
 * Linux's sysctl_writes_strict, a write past offset 0 is taken and ignored.
 */
ssize_t procfs_write_drop_caches(u32 pid, struct uio *u, u64 pos)
{
	if (pos) {
		size_t all = u->resid;
		uio_skip(u, all);
		return (ssize_t)all;
	}
	char buf[24];
	size_t n = MIN(u->resid, sizeof buf - 1);
	size_t want = u->resid;
	if (uio_copy_in(u, buf, n) < 0)
		return -EFAULT;
	if (want > n)
		return -EINVAL; /* longer than any number with blanks we take */
	buf[n] = 0;
	size_t i = 0;
	while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	u32 v = 0, digits = 0;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9' && digits < 9; i++, digits++)
		v = v * 10 + (u32)(buf[i] - '0');
	while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	if (!digits || i != n || v < 1 || v > 4)
		return -EINVAL;
	if (v & 1) {
		pcache_drop_clean();
		bcache_drop_clean();
	}
	return (ssize_t)n;
}

/* /proc/self: the calling process's directory. */
static ssize_t link_self(u32 pid, char *buf, size_t cap)
{
	struct thread *th = current_thread();
	u32 me = th ? th->proc->pid : 0;
	if (!me)
		return -ENOENT; /* no calling process (a kernel walk) */
	return (ssize_t)snprintf(buf, cap, "%u", me);
}

/* /proc/sysvipc: System V IPC's objects, as ipcs reads them. */
static void put_ipc_line(void *t, const char *line)
{
	tprintf(t, "%s", line);
}

static int gen_sysvipc_msg(u32 pid, struct text *t)
{
	sysv_proc_lines(SYSV_PROC_MSG, put_ipc_line, t);
	return 0;
}

static int gen_sysvipc_sem(u32 pid, struct text *t)
{
	sysv_proc_lines(SYSV_PROC_SEM, put_ipc_line, t);
	return 0;
}

static int gen_sysvipc_shm(u32 pid, struct text *t)
{
	sysv_proc_lines(SYSV_PROC_SHM, put_ipc_line, t);
	return 0;
}

static const struct pf_entry sysvipc_entries[] = {
	{"msg", S_IFREG | 0444, .gen = gen_sysvipc_msg, .text_cap = TEXT_SIZE_BIG},
	{"sem", S_IFREG | 0444, .gen = gen_sysvipc_sem, .text_cap = TEXT_SIZE_BIG},
	{"shm", S_IFREG | 0444, .gen = gen_sysvipc_shm, .text_cap = TEXT_SIZE_BIG},
};

/* Write-only, as Linux's sysctl files check their mode even for root. */

/* The root: one line a file (the pid directories follow, made by procfs.c). */
static const struct pf_entry root_entries[] = {
	{"self", S_IFLNK | 0777, .link = link_self},
	{"meminfo", S_IFREG | 0444, .gen = gen_meminfo},
	{"swaps", S_IFREG | 0444, .gen = gen_swaps},
	{"uptime", S_IFREG | 0444, .gen = gen_uptime},
	{"loadavg", S_IFREG | 0444, .gen = gen_loadavg},
	{"mounts", S_IFREG | 0444, .gen = gen_mounts},
	{"stat", S_IFREG | 0444, .gen = gen_stat},
	{"cpuinfo", S_IFREG | 0444, .gen = gen_cpuinfo, .text_cap = TEXT_SIZE_BIG},
	{"version", S_IFREG | 0444, .gen = gen_version},
	{"cmdline", S_IFREG | 0444, .gen = gen_cmdline},
	{"filesystems", S_IFREG | 0444, .gen = gen_filesystems},
	{"partitions", S_IFREG | 0444, .gen = gen_partitions},
	{"sys", S_IFDIR | 0555, .dir = &pf_sys_table},
	{"net", S_IFDIR | 0555, .dir = &pf_net_table},
	{"sysvipc", S_IFDIR | 0555, .dir = PF_TABLE(sysvipc_entries)},
};

const struct pf_table pf_root_table = {root_entries, ARRAY_SIZE(root_entries)};
