/*
 * procfs: a process's files, /proc/<pid>/... (their table is at the end).
 *
 * Each generator copies what it shows under proc_tree_lock (the process
 * cannot be reaped meanwhile), then proc.lock, then the domain's lock, the
 * order getpstat uses, into the open file's text; no user memory is
 * touched with a lock held. A process reaped meanwhile gives ENOENT; a
 * zombie shows what it still has.
 */
#include "proc/seccomp.h"
#include "procfs/procfs_impl.h"
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "arch/x86_64/cpu.h"
#include "proc/signal.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* What the per-process files show, copied under the locks. */
struct psnap {
	u32 pid, tid; /* tid: the thread shown (the pid for the process) */
	u32 ppid, pgid, sid, nthreads, umask;
	int nice;
	char state;
	char name[PROC_NAME_MAX];
	u64 utime, stime, cutime, cstime, start; /* ticks */
	u32 last_cpu;
	/* from the domain */
	u64 vsize, rss_pages, hwm_pages, stack_pages, data_pages, text_pages, locked_pages;
	u64 swap_pages;
	vaddr_t brk_start, brk;
	struct cred *cred; /* a reference: snap_put drops it */
	bool no_new_privs;
};

static void snap_put(struct psnap *s)
{
	cred_put(s->cred);
	s->cred = NULL;
}

static char thread_state(struct thread *t)
{
	switch (__atomic_load_n(&t->task.state, __ATOMIC_RELAXED)) {
	case TASK_RUNNING:
	case TASK_NOTIFIED:
	case TASK_QUEUED:
		return 'R';
	default:
		return 'S';
	}
}

static void snap_domain(struct domain *d, struct psnap *s)
{
	spin_lock(&d->lock);
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		u64 n = (r->end - r->start) / PAGE_SIZE;
		s->vsize += r->end - r->start;
		if (r->flags & REGION_STACK)
			s->stack_pages += n;
		else if ((r->flags & REGION_IMAGE) && !(r->flags & REGION_WRITE))
			s->text_pages += n;
		else
			s->data_pages += n;
	}
	s->rss_pages = d->resident;
	s->hwm_pages = d->peak;
	s->locked_pages = d->locked;
	s->swap_pages = d->swapped;
	s->brk_start = d->brk_start;
	s->brk = d->brk;
	spin_unlock(&d->lock);
}

/*
 * The thread a file shows: tid in p, or with tid 0 the process's first
 * (the files of /proc/<pid> show it, as Linux's show the leader). NULL if
 * p has no such thread. Caller holds p->lock.
 */
static struct thread *shown_thread(struct proc *p, u32 tid)
{
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *t = container_of(pos, struct thread, proc_node);
		if (!tid || t->tid == tid)
			return t;
	}
	return NULL;
}

bool pf_task_alive(u32 pid, u32 tid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	bool alive = false;
	if (p && p->state == PROC_ALIVE) {
		spin_lock(&p->lock);
		alive = shown_thread(p, tid) != NULL;
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
	return alive;
}

/*
 * Fill s for pid, and for its thread tid (0: the process as a whole);
 * with dom, also hand back a reference to its domain (NULL for a zombie).
 */
static int snap_proc(u32 pid, u32 tid, struct psnap *s, struct domain **dom)
{
	memset(s, 0, sizeof *s);
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (!p || p->state == PROC_REAPED) {
		spin_unlock(&proc_tree_lock);
		return -ENOENT;
	}
	s->pid = p->pid;
	s->tid = tid ? tid : p->pid;
	s->ppid = p->parent ? p->parent->pid : 0;
	s->pgid = p->pgid;
	s->sid = p->sid;
	spin_lock(&p->lock);
	s->umask = p->fs ? __atomic_load_n(&p->fs->umask, __ATOMIC_RELAXED) : 0;
	s->cred = cred_get(p->cred);
	spin_unlock(&p->lock);
	s->no_new_privs = __atomic_load_n(&p->no_new_privs, __ATOMIC_RELAXED);
	s->nice = proc_nice(p);
	memcpy(s->name, p->name, sizeof s->name);
	s->name[PROC_NAME_MAX - 1] = 0;
	struct usage ru;
	proc_usage(p, &ru); /* under proc_tree_lock: p stays */
	s->utime = ru.utime_ns / NS_PER_TICK;
	s->stime = ru.stime_ns / NS_PER_TICK;
	s->cutime = p->cru.utime_ns / NS_PER_TICK;
	s->cstime = p->cru.stime_ns / NS_PER_TICK;
	s->start = p->start_ns / NS_PER_TICK;
	s->state = 'Z';
	struct domain *d = NULL;
	if (tid && p->state != PROC_ALIVE) {
		spin_unlock(&proc_tree_lock);
		snap_put(s);
		return -ENOENT; /* a zombie has no threads left */
	}
	if (p->state == PROC_ALIVE) {
		spin_lock(&p->lock);
		s->nthreads = p->nthreads;
		struct thread *t = shown_thread(p, tid);
		if (t) {
			s->state = __atomic_load_n(&p->stopped, __ATOMIC_RELAXED) ? 'T' : thread_state(t);
			s->last_cpu = __atomic_load_n(&t->task.home, __ATOMIC_RELAXED);
			if (tid) { /* the thread's own times (other cores': aligned words, read whole) */
				s->utime = t->ru.utime_ns / NS_PER_TICK;
				s->stime = t->ru.stime_ns / NS_PER_TICK;
			}
		} else if (tid) {
			spin_unlock(&p->lock);
			spin_unlock(&proc_tree_lock);
			snap_put(s);
			return -ENOENT; /* that thread has ended */
		}
		d = p->dom;
		if (d)
			domain_get(d); /* p's own reference keeps d alive under p->lock */
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
	if (d) {
		snap_domain(d, s);
		if (dom)
			*dom = d;
		else
			domain_put(d);
	}
	return 0;
}

static int gen_task_stat(u32 pid, u32 tid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, tid, &s, NULL);
	if (r < 0)
		return r;
	/* proc(5) field order; fields Ferry does not keep are 0. */
	tprintf(t,
		"%u (%s) %c %u %u %u 0 -1 4194304 0 0 0 0 %lu %lu %lu %lu %d %d %u 0 %lu %lu %lu "
		"18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 %u 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		s.tid, s.name, s.state, s.ppid, s.pgid, s.sid, s.utime, s.stime, s.cutime,
		s.cstime, 20 + s.nice, s.nice, s.nthreads, s.start, s.vsize, s.rss_pages,
		s.last_cpu);
	snap_put(&s);
	return 0;
}

static int gen_pid_stat(u32 pid, struct text *t)
{
	return gen_task_stat(pid, 0, t);
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R':
		return "running";
	case 'Z':
		return "zombie";
	case 'T':
		return "stopped";
	default:
		return "sleeping";
	}
}

static int gen_task_status(u32 pid, u32 tid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, tid, &s, NULL);
	if (r < 0)
		return r;
	u64 kb = PAGE_SIZE / 1024;
	const struct cred *c = s.cred;
	/* Ferry keeps no peak of the address space's size: VmPeak repeats VmSize. */
	tprintf(t,
		"Name:\t%s\nUmask:\t0%u%u%u\nState:\t%c (%s)\nTgid:\t%u\nNgid:\t0\nPid:\t%u\n"
		"PPid:\t%u\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		"FDSize:\t64\nGroups:\t",
		/* The kernel's printf has no %o: the umask goes digit by digit. */
		s.name, (s.umask >> 6) & 7, (s.umask >> 3) & 7, s.umask & 7, s.state,
		state_name(s.state), s.pid, s.tid, s.ppid, c->uid, c->euid, c->suid, c->fsuid,
		c->gid, c->egid, c->sgid, c->fsgid);
	for (u32 i = 0; i < c->ngroups; i++)
		tprintf(t, i ? " %u" : "%u", c->groups[i]);
	tprintf(t,
		"\nVmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\n"
		"VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\n"
		"VmExe:\t%8lu kB\nVmSwap:\t%8lu kB\nThreads:\t%u\n",
		s.vsize / 1024, s.vsize / 1024, s.locked_pages * kb, MAX(s.hwm_pages, s.rss_pages) * kb,
		s.rss_pages * kb, s.data_pages * kb, s.stack_pages * kb, s.text_pages * kb,
		s.swap_pages * kb, s.nthreads);
	/* Signals, capabilities, and the rest procps and Python read. */
	u64 pnd = 0, shd = 0, blk = 0, ign = 0, cgt = 0, nvcsw = 0, nivcsw = 0;
	u32 queued = 0, nnp = 0, sc_mode = 0, sc_filters = 0;
	u64 qmax = 0, cpus_mask = 0;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (p && p->state == PROC_ALIVE) {
		spin_lock(&p->lock);
		shd = __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED);
		struct thread *th = shown_thread(p, tid);
		if (th) {
			sc_mode = th->seccomp_mode;
			sc_filters = seccomp_nfilters(th);
			pnd = __atomic_load_n(&th->sig_pending, __ATOMIC_RELAXED);
			blk = thread_sig_mask(th);
			cpus_mask = __atomic_load_n(&th->affinity, __ATOMIC_RELAXED);
		}
		for (int i = 0; i < NSIG; i++) {
			u64 h = p->sigactions[i].handler;
			if (h == SIG_IGN)
				ign |= 1UL << i;
			else if (h != SIG_DFL)
				cgt |= 1UL << i;
		}
		queued = p->sigq_count;
		qmax = p->rlim[RLIMIT_SIGPENDING].cur;
		nnp = p->no_new_privs;
		spin_unlock(&p->lock);
		struct usage u;
		proc_usage(p, &u);
		nvcsw = u.nvcsw;
		nivcsw = u.nivcsw;
	}
	spin_unlock(&proc_tree_lock);
	if (!cpus_mask)
		cpus_mask = cpus_online_mask();
	u32 last = 63 - (u32)__builtin_clzll(cpus_mask | 1);
	tprintf(t,
		"SigQ:\t%u/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\n"
		"SigCgt:\t%016lx\nCapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\n"
		"CapBnd:\t%016lx\nCapAmb:\t0000000000000000\n"
		"NoNewPrivs:\t%u\nSeccomp:\t%u\nSeccomp_filters:\t%u\nCpus_allowed:\t%lx\n",
		queued, qmax, pnd, shd, blk, ign, cgt, c->cap_inheritable, c->cap_permitted,
		c->cap_effective, c->cap_bset, nnp, sc_mode, sc_filters, cpus_mask);
	/* Cpus_allowed_list: ranges such as 0-3, or single cores. */
	tprintf(t, "Cpus_allowed_list:\t");
	bool first = true;
	for (u32 c = 0; c <= last; c++) {
		if (!(cpus_mask >> c & 1))
			continue;
		u32 e = c;
		while (e + 1 <= last && (cpus_mask >> (e + 1) & 1))
			e++;
		tprintf(t, first ? "%u" : ",%u", c);
		if (e > c)
			tprintf(t, "-%u", e);
		first = false;
		c = e;
	}
	tprintf(t, "\nMems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t%lu\n"
		   "nonvoluntary_ctxt_switches:\t%lu\n", nvcsw, nivcsw);
	snap_put(&s);
	return 0;
}

static int gen_pid_status(u32 pid, struct text *t)
{
	return gen_task_status(pid, 0, t);
}

/* /proc/<pid>/cgroup: Ferry has no control groups; everything is in the root of version 2's. */
static int gen_pid_cgroup(u32 pid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, 0, &s, NULL);
	if (r < 0)
		return r;
	snap_put(&s);
	tprintf(t, "0::/\n");
	return 0;
}

/* /proc/<pid>/mountinfo: the mount table in mountinfo(5)'s form (one namespace: every process's). */
static int gen_pid_mountinfo(u32 pid, struct text *t)
{
	ssize_t n = vfs_mountinfo_text(t->buf, t->cap);
	t->len = n > 0 ? (size_t)n : 0;
	return n < 0 ? (int)n : 0;
}

static int gen_task_comm(u32 pid, u32 tid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, tid, &s, NULL);
	if (r < 0)
		return r;
	tprintf(t, "%s\n", s.name);
	snap_put(&s);
	return 0;
}

static int gen_pid_comm(u32 pid, struct text *t)
{
	return gen_task_comm(pid, 0, t);
}

static int gen_pid_cmdline(u32 pid, struct text *t)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	int r = p && p->state != PROC_REAPED ? 0 : -ENOENT;
	if (p && p->state == PROC_ALIVE) {
		/* A zombie's cmdline is empty, as on Linux. */
		spin_lock(&p->lock);
		size_t n = MIN((size_t)p->cmdline_len, t->cap);
		memcpy(t->buf, p->cmdline, n);
		t->len = n;
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

/* The environment strings its program started with, read from its stack as Linux does. */
static int gen_pid_environ(u32 pid, struct text *t)
{
	struct psnap s;
	struct domain *d = NULL;
	int r = snap_proc(pid, 0, &s, &d);
	snap_put(&s);
	if (r < 0 || !d)
		return r; /* a zombie's is empty */
	size_t n = MIN((size_t)(d->env_end - d->env_start), t->cap);
	/* No lock held: d is pinned by its reference. A page it unmapped since reads as nothing. */
	if (n && copy_from_domain(d, t->buf, d->env_start, n) == 0)
		t->len = n;
	domain_put(d);
	return 0;
}

/* A region's name in /proc/<pid>/maps: its file's path, or what Linux calls the others. */
static const char *region_name(const struct region *r, const char *exe)
{
	if (r->name)
		return r->name->s;
	if (r->flags & REGION_SPECIAL)
		return r->flags & REGION_EXEC ? "[vdso]" : "[vvar]";
	if (r->flags & REGION_STACK)
		return "[stack]";
	if (r->flags & REGION_HEAP)
		return "[heap]";
	if (r->flags & REGION_IMAGE)
		return exe;
	return "";
}

/* One line of maps, as Linux prints it: range, rwxp, offset, device, inode, padded name. */
static void map_line(struct text *t, const struct region *r, const char *exe)
{
	const char *name = region_name(r, exe);
	u64 dev = r->obj ? r->obj->dev : 0, ino = r->obj ? r->obj->ino : 0;
	size_t before = t->len;
	tprintf(t, "%08lx-%08lx %c%c%c%c %08lx %02lx:%02lx %lu", r->start, r->end,
		r->flags & REGION_READ ? 'r' : '-', r->flags & REGION_WRITE ? 'w' : '-',
		r->flags & REGION_EXEC ? 'x' : '-', r->flags & REGION_SHARED ? 's' : 'p',
		r->obj ? r->pgoff << PAGE_SHIFT : 0, (u64)dev_major(dev), (u64)dev_minor(dev), ino);
	if (*name) {
		/* Linux pads the path to column 73. */
		int pad = 73 - (int)(t->len - before);
		tprintf(t, "%*s%s", pad > 1 ? pad : 1, "", name);
	}
	tprintf(t, "\n");
}

/* maps, and with usage smaps (each line followed by what its pages are). */
static int gen_maps(u32 pid, struct text *t, bool usage)
{
	struct psnap s;
	struct domain *d = NULL;
	char exe[sizeof((struct proc *)0)->exe];
	int r = snap_proc(pid, 0, &s, &d);
	snap_put(&s);
	if (r < 0 || !d)
		return r;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	strlcpy(exe, p ? p->exe : "", sizeof exe);
	spin_unlock(&proc_tree_lock);

	u64 kb = PAGE_SIZE / 1024;
	spin_lock(&d->lock);
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *rg = container_of(pos, struct region, node);
		map_line(t, rg, exe);
		if (!usage)
			continue;
		struct region_usage u;
		region_usage_locked(d, rg, &u);
		tprintf(t,
			"Size:           %8lu kB\nKernelPageSize: %8lu kB\nMMUPageSize:    %8lu kB\n"
			"Rss:            %8lu kB\nPss:            %8lu kB\n"
			"Shared_Clean:   %8lu kB\nShared_Dirty:   %8lu kB\n"
			"Private_Clean:  %8lu kB\nPrivate_Dirty:  %8lu kB\n"
			"Referenced:     %8lu kB\nAnonymous:      %8lu kB\nSwap:           %8lu kB\n"
			"Locked:         %8lu kB\nVmFlags: %s%s%s%s%s%s\n",
			(rg->end - rg->start) >> 10, kb, kb, u.rss * kb, u.pss_x1000 * kb / 1000,
			u.shared_clean * kb, u.shared_dirty * kb, u.private_clean * kb,
			u.private_dirty * kb, u.referenced * kb, u.anon * kb, u.swap * kb,
			rg->flags & REGION_LOCKED ? u.rss * kb : 0,
			rg->flags & REGION_READ ? "rd " : "", rg->flags & REGION_WRITE ? "wr " : "",
			rg->flags & REGION_EXEC ? "ex " : "", rg->flags & REGION_SHARED ? "sh " : "",
			rg->flags & REGION_LOCKED ? "lo " : "", rg->flags & REGION_STACK ? "gd " : "");
	}
	spin_unlock(&d->lock);
	domain_put(d);
	return 0;
}

static int gen_pid_maps(u32 pid, struct text *t)
{
	return gen_maps(pid, t, false);
}

static int gen_pid_smaps(u32 pid, struct text *t)
{
	return gen_maps(pid, t, true);
}

/* The executable it runs. */
static ssize_t link_exe(u32 pid, char *buf, size_t cap)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (p && p->state == PROC_ALIVE)
		strlcpy(buf, p->exe, cap);
	else
		buf[0] = 0;
	spin_unlock(&proc_tree_lock);
	size_t n = strlen(buf);
	if (!n)
		return -ENOENT; /* a zombie has no executable any more */
	return (ssize_t)n;
}

/* Each /proc/<pid> directory: one line a file. */
/* /proc/<pid>/limits, laid out as Linux's fs/proc/base.c prints it. */
static int gen_pid_limits(u32 pid, struct text *t)
{
	static const struct {
		const char *name, *unit;
	} lim[RLIM_NLIMITS] = {
		{"Max cpu time", "seconds"},    {"Max file size", "bytes"},
		{"Max data size", "bytes"},     {"Max stack size", "bytes"},
		{"Max core file size", "bytes"}, {"Max resident set", "bytes"},
		{"Max processes", "processes"}, {"Max open files", "files"},
		{"Max locked memory", "bytes"}, {"Max address space", "bytes"},
		{"Max file locks", "locks"},    {"Max pending signals", "signals"},
		{"Max msgqueue size", "bytes"}, {"Max nice priority", ""},
		{"Max realtime priority", ""},  {"Max realtime timeout", "us"},
	};
	struct rlimit64 r[RLIM_NLIMITS];
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (!p || p->state == PROC_REAPED) {
		spin_unlock(&proc_tree_lock);
		return -ENOENT;
	}
	spin_lock(&p->lock);
	memcpy(r, p->rlim, sizeof r);
	spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
	tprintf(t, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		char soft[24], hard[24];
		if (r[i].cur == RLIM_INFINITY)
			strlcpy(soft, "unlimited", sizeof soft);
		else
			snprintf(soft, sizeof soft, "%lu", r[i].cur);
		if (r[i].max == RLIM_INFINITY)
			strlcpy(hard, "unlimited", sizeof hard);
		else
			snprintf(hard, sizeof hard, "%lu", r[i].max);
		tprintf(t, "%-25s %-20s %-20s ", lim[i].name, soft, hard);
		if (*lim[i].unit)
			tprintf(t, "%-10s", lim[i].unit);
		tprintf(t, "\n");
	}
	return 0;
}

static const struct pf_entry pid_entries[] = {
	{"limits", S_IFREG | 0444, .gen = gen_pid_limits},
	{"cgroup", S_IFREG | 0444, .gen = gen_pid_cgroup},
	{"mountinfo", S_IFREG | 0444, .gen = gen_pid_mountinfo},
	{"stat", S_IFREG | 0444, .gen = gen_pid_stat},
	{"status", S_IFREG | 0444, .gen = gen_pid_status},
	{"cmdline", S_IFREG | 0444, .gen = gen_pid_cmdline},
	{"maps", S_IFREG | 0444, .gen = gen_pid_maps, .text_cap = TEXT_SIZE_BIG, .private = true},
	{"smaps", S_IFREG | 0444, .gen = gen_pid_smaps, .text_cap = TEXT_SIZE_BIG * 4, .private = true},
	{"comm", S_IFREG | 0444, .gen = gen_pid_comm},
	{"exe", S_IFLNK | 0777, .link = link_exe, .private = true},
	{"environ", S_IFREG | 0400, .gen = gen_pid_environ, .text_cap = TEXT_SIZE_BIG,
	 .private = true},
	{"fd", S_IFDIR | 0500, .dir = &pf_fd_table},
	{"task", S_IFDIR | 0555, .dir = &pf_task_table},
	{"mem", S_IFREG | 0600, .private = true, .ops = &pf_mem_ops},
};

const struct pf_table pf_pid_table = {pid_entries, ARRAY_SIZE(pid_entries)};

/*
 * Each /proc/<pid>/task/<tid>: one thread's view. Ferry keeps one name per
 * process (prctl's PR_SET_NAME renames it), so a thread's comm is its
 * process's; its state, times and signal mask are its own.
 */
static const struct pf_entry tid_entries[] = {
	{"stat", S_IFREG | 0444, .gen_task = gen_task_stat},
	{"status", S_IFREG | 0444, .gen_task = gen_task_status},
	{"comm", S_IFREG | 0444, .gen_task = gen_task_comm},
};

const struct pf_table pf_tid_table = {tid_entries, ARRAY_SIZE(tid_entries)};
