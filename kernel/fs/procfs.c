/*
 * procfs (see procfs.h): the file tree and the text of each file.
 *
 * Owns nothing shared but each mount's root inode. Other inodes are made
 * by lookup as I_TRANSIENT, so the last inode_put frees them;
 * their number is fixed by what they name (pid << 8 | kind), so getcwd
 * and find see the same file each time. A pid directory holds only the
 * pid: every read of it looks the process up again, and a process that
 * is gone gives ENOENT, never a stale pointer.
 *
 * Locks: none of its own. Process fields are read under proc_tree_lock
 * (the process cannot be reaped meanwhile), then proc.lock, then the
 * domain's lock, the order getpstat uses. The text is generated at open
 * into a kmalloc'd buffer (file.priv) with those locks held (no user
 * memory is touched), and copied out by read with none held.
 */
#include "fs/procfs.h"
#include "fs/bcache.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define USER_HZ 100 /* clock ticks of /proc times, as Linux's USER_HZ on x86-64 */
#define NS_PER_TICK (1000000000UL / USER_HZ)
#define TEXT_SIZE (16 * 1024)      /* most files */
#define TEXT_SIZE_BIG (64 * 1024) /* maps and environ are cut here */

enum pf_kind {
	PF_ROOT,
	PF_PIDDIR,
	PF_SELF,
	/* files of the root */
	PF_MEMINFO,
	PF_UPTIME,
	PF_LOADAVG,
	PF_MOUNTS,
	PF_STAT,
	PF_CPUINFO,
	PF_VERSION,
	PF_FILESYSTEMS,
	/* /proc/sys and what is under it */
	PF_SYS,
	PF_SYS_VM,
	PF_DROP_CACHES,
	/* files of a pid directory */
	PF_PID_STAT,
	PF_PID_STATUS,
	PF_PID_CMDLINE,
	PF_PID_MAPS,
	PF_PID_COMM,
	PF_PID_EXE,
	PF_PID_ENVIRON,
	PF_PID_FD,      /* the directory of open descriptors */
	PF_PID_FD_LINK, /* one of them: a symlink to the file's name */
};

struct pf_entry {
	const char *name;
	enum pf_kind kind;
	u32 mode;
};

static const struct pf_entry root_entries[] = {
	{"self", PF_SELF, S_IFLNK | 0777},
	{"meminfo", PF_MEMINFO, S_IFREG | 0444},
	{"uptime", PF_UPTIME, S_IFREG | 0444},
	{"loadavg", PF_LOADAVG, S_IFREG | 0444},
	{"mounts", PF_MOUNTS, S_IFREG | 0444},
	{"stat", PF_STAT, S_IFREG | 0444},
	{"cpuinfo", PF_CPUINFO, S_IFREG | 0444},
	{"version", PF_VERSION, S_IFREG | 0444},
	{"filesystems", PF_FILESYSTEMS, S_IFREG | 0444},
	{"sys", PF_SYS, S_IFDIR | 0555},
};

static const struct pf_entry sys_entries[] = {
	{"vm", PF_SYS_VM, S_IFDIR | 0555},
};

/* Write-only, as Linux's sysctl files check their mode even for root. */
static const struct pf_entry vm_entries[] = {
	{"drop_caches", PF_DROP_CACHES, S_IFREG | 0200},
};

/* The fixed directories below the root and their tables. */
static const struct pf_dir {
	enum pf_kind kind, parent;
	const struct pf_entry *t;
	size_t n;
} fixed_dirs[] = {
	{PF_SYS, PF_ROOT, sys_entries, ARRAY_SIZE(sys_entries)},
	{PF_SYS_VM, PF_SYS, vm_entries, ARRAY_SIZE(vm_entries)},
};

static const struct pf_entry pid_entries[] = {
	{"stat", PF_PID_STAT, S_IFREG | 0444},
	{"status", PF_PID_STATUS, S_IFREG | 0444},
	{"cmdline", PF_PID_CMDLINE, S_IFREG | 0444},
	{"maps", PF_PID_MAPS, S_IFREG | 0444},
	{"comm", PF_PID_COMM, S_IFREG | 0444},
	{"exe", PF_PID_EXE, S_IFLNK | 0777},
	{"environ", PF_PID_ENVIRON, S_IFREG | 0400},
	{"fd", PF_PID_FD, S_IFDIR | 0500},
};

/* getdents positions: 0 ".", 1 "..", then the table, then pids from here. */
#define POS_TABLE 2
#define POS_PIDS 1000

struct pf_inode {
	struct inode vfs;
	u32 pid;           /* [I] pid directories and their files */
	enum pf_kind kind; /* [I] */
	u32 fd;            /* [I] PF_PID_FD_LINK: the descriptor */
};

static const struct inode_ops pf_ops, pf_fd_link_ops;

static inline struct pf_inode *PI(struct inode *ip)
{
	return container_of(ip, struct pf_inode, vfs);
}

static struct inode *pf_new(struct superblock *sb, enum pf_kind kind, u32 pid, u32 mode)
{
	struct pf_inode *pi = knew(struct pf_inode);
	if (!pi)
		return NULL;
	inode_init(&pi->vfs, sb, mode, &pf_ops);
	pi->vfs.ino = ((u64)pid << 8) | ((u64)kind + 1);
	pi->vfs.nlink = S_ISDIR(mode) ? 2 : 1; /* for stat only: I_TRANSIENT decides its life */
	pi->vfs.flags = I_TRANSIENT;
	pi->pid = pid;
	pi->kind = kind;
	return &pi->vfs;
}

/* Is pid a process that has not been reaped? */
static bool pid_alive(u32 pid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	bool alive = p && p->state != PROC_REAPED;
	spin_unlock(&proc_tree_lock);
	return alive;
}

static u32 current_pid(void)
{
	struct thread *t = current_thread();
	return t ? t->proc->pid : 0;
}

/* A name that is a decimal below bound, with no sign and no leading zero (pids, fds); else -1. */
static i64 parse_decimal(const char *name, size_t len, u32 bound)
{
	if (!len || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	u32 v = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (u32)(name[i] - '0');
	}
	return v < bound ? (i64)v : -1;
}

/* ---- directories ---- */

static int lookup_table(struct inode *dir, const struct pf_entry *t, size_t n, u32 pid,
			const char *name, size_t len, struct inode **out)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(t[i].name) != len || memcmp(t[i].name, name, len) != 0)
			continue;
		*out = pf_new(dir->sb, t[i].kind, pid, t[i].mode);
		return *out ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static const struct pf_dir *fixed_dir(enum pf_kind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed_dirs); i++)
		if (fixed_dirs[i].kind == kind)
			return &fixed_dirs[i];
	return NULL;
}

/* ---- /proc/<pid>/fd ---- */

/* pid's descriptor table (a reference), or NULL if it has none left. */
static struct fdtable *files_of(u32 pid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	struct fdtable *t = NULL;
	if (p && p->state == PROC_ALIVE) {
		spin_lock(&p->lock); /* the process's end takes its file state under it */
		t = p->fs ? fs_files_get(p->fs) : NULL;
		spin_unlock(&p->lock);
	}
	spin_unlock(&proc_tree_lock);
	return t;
}

/* The file at fd of pid (a reference), or NULL. */
static struct file *file_of(u32 pid, u32 fd)
{
	struct fdtable *t = files_of(pid);
	struct file *f = t ? fd_get(t, (int)fd) : NULL;
	if (t)
		fdtable_put(t);
	return f;
}

static int lookup_fd(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	i64 n = parse_decimal(name, len, FD_MAX);
	u32 fd = (u32)n;
	struct file *f = n >= 0 ? file_of(PI(dir)->pid, fd) : NULL;
	if (!f)
		return -ENOENT;
	file_put(f);
	*out = pf_new(dir->sb, PF_PID_FD_LINK, PI(dir)->pid, S_IFLNK | 0700);
	if (!*out)
		return -ENOMEM;
	(*out)->ops = &pf_fd_link_ops; /* new: nobody else sees it yet */
	PI(*out)->fd = fd;
	(*out)->ino |= (u64)(fd + 1) << 24; /* pid << 8 | kind below */
	return 0;
}

/* The open descriptors, from position POS_TABLE + fd. */
static void iterate_fds(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	struct fdtable *t = files_of(PI(dir)->pid);
	if (!t)
		return;
	/* emit fills a kernel buffer: it may run under the table's lock. */
	spin_lock(&t->lock);
	for (u32 fd = (u32)(*pos - POS_TABLE); fd < t->cap; fd++) {
		if (!t->fds[fd])
			continue;
		char name[8];
		int n = snprintf(name, sizeof name, "%u", fd);
		u64 ino = (u64)(fd + 1) << 24 | (u64)PI(dir)->pid << 8 | (PF_PID_FD_LINK + 1);
		if (!de->emit(de, name, (size_t)n, ino, DT_LNK, POS_TABLE + fd + 1))
			break;
		*pos = POS_TABLE + fd + 1;
	}
	spin_unlock(&t->lock);
	fdtable_put(t);
}

static int pf_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pf_inode *pd = PI(dir);
	const struct pf_dir *fd = fixed_dir(pd->kind);
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if (pd->kind == PF_PID_FD) {
			*out = pf_new(dir->sb, PF_PIDDIR, pd->pid, S_IFDIR | 0555);
			return *out ? 0 : -ENOMEM;
		}
		if (fd && fd->parent != PF_ROOT) {
			*out = pf_new(dir->sb, fd->parent, 0, S_IFDIR | 0555);
			return *out ? 0 : -ENOMEM;
		}
		*out = inode_get(dir->sb->root);
		return 0;
	}
	if (fd)
		return lookup_table(dir, fd->t, fd->n, 0, name, len, out);
	if (pd->kind == PF_PIDDIR) {
		if (!pid_alive(pd->pid))
			return -ENOENT;
		return lookup_table(dir, pid_entries, ARRAY_SIZE(pid_entries), pd->pid, name, len,
				    out);
	}
	if (pd->kind == PF_PID_FD)
		return lookup_fd(dir, name, len, out);
	int r = lookup_table(dir, root_entries, ARRAY_SIZE(root_entries), 0, name, len, out);
	if (r != -ENOENT)
		return r;
	i64 n = parse_decimal(name, len, PID_MAX);
	u32 pid = n > 0 ? (u32)n : 0;
	if (!pid || !pid_alive(pid))
		return -ENOENT;
	*out = pf_new(dir->sb, PF_PIDDIR, pid, S_IFDIR | 0555);
	return *out ? 0 : -ENOMEM;
}

static unsigned dtype_of(u32 mode)
{
	return (mode & S_IFMT) >> 12; /* DT_* are the S_IFMT bits shifted down */
}

static bool emit_table(struct dir_emit *de, const struct pf_entry *t, size_t n, u32 pid,
		       u64 *pos)
{
	for (size_t i = *pos - POS_TABLE; i < n; i++) {
		u64 ino = ((u64)pid << 8) | ((u64)t[i].kind + 1);
		if (!de->emit(de, t[i].name, strlen(t[i].name), ino, dtype_of(t[i].mode),
			      POS_TABLE + i + 1))
			return false;
		*pos = POS_TABLE + i + 1;
	}
	return true;
}

static int pf_iterate(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	struct pf_inode *pd = PI(dir);
	if ((pd->kind == PF_PIDDIR || pd->kind == PF_PID_FD) && !pid_alive(pd->pid))
		return 0; /* a vanished process lists nothing, like a removed directory */
	if (*pos == 0) {
		if (!de->emit(de, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	const struct pf_dir *fd = fixed_dir(pd->kind);
	if (*pos == 1) {
		u64 up = dir->sb->root->ino;
		if (fd)
			up = (u64)fd->parent + 1; /* pid 0: ino is kind + 1 */
		else if (pd->kind == PF_PID_FD)
			up = (u64)pd->pid << 8 | (PF_PIDDIR + 1);
		if (!de->emit(de, "..", 2, up, DT_DIR, 2))
			return 0;
		*pos = POS_TABLE;
	}
	if (fd) {
		if (*pos < POS_TABLE + fd->n)
			emit_table(de, fd->t, fd->n, 0, pos);
		return 0;
	}
	if (pd->kind == PF_PIDDIR) {
		if (*pos < POS_TABLE + ARRAY_SIZE(pid_entries))
			emit_table(de, pid_entries, ARRAY_SIZE(pid_entries), pd->pid, pos);
		return 0;
	}
	if (pd->kind == PF_PID_FD) {
		iterate_fds(dir, pos, de);
		return 0;
	}
	if (*pos < POS_TABLE + ARRAY_SIZE(root_entries) &&
	    !emit_table(de, root_entries, ARRAY_SIZE(root_entries), 0, pos))
		return 0;
	if (*pos < POS_PIDS)
		*pos = POS_PIDS;
	/* emit fills a kernel buffer: it may run under proc_tree_lock. */
	spin_lock(&proc_tree_lock);
	for (u32 pid = (u32)(*pos - POS_PIDS); pid < PID_MAX; pid++) {
		struct proc *p = proc_find(pid);
		if (!p || p->state == PROC_REAPED)
			continue;
		char name[12];
		int n = snprintf(name, sizeof name, "%u", pid);
		if (!de->emit(de, name, (size_t)n, (u64)pid << 8 | (PF_PIDDIR + 1), DT_DIR,
			      POS_PIDS + pid + 1))
			break;
		*pos = POS_PIDS + pid + 1;
	}
	spin_unlock(&proc_tree_lock);
	return 0;
}

static ssize_t pf_readlink(struct inode *ip, char *buf, size_t len)
{
	struct pf_inode *pi = PI(ip);
	char tmp[sizeof ((struct proc *)0)->exe];
	size_t n;
	if (pi->kind == PF_PID_FD_LINK) {
		struct file *f = file_of(pi->pid, pi->fd);
		if (!f)
			return -ENOENT; /* closed since */
		ssize_t r = vfs_file_path(f, buf, len);
		file_put(f);
		return r;
	}
	if (pi->kind == PF_SELF) {
		u32 pid = current_pid();
		if (!pid)
			return -ENOENT; /* no calling process (a kernel walk) */
		n = (size_t)snprintf(tmp, sizeof tmp, "%u", pid);
	} else {
		spin_lock(&proc_tree_lock);
		struct proc *p = proc_find(pi->pid);
		if (p && p->state == PROC_ALIVE)
			strlcpy(tmp, p->exe, sizeof tmp);
		else
			tmp[0] = 0;
		spin_unlock(&proc_tree_lock);
		n = strlen(tmp);
		if (!n)
			return -ENOENT; /* a zombie has no executable any more */
	}
	n = MIN(n, len);
	memcpy(buf, tmp, n);
	return (ssize_t)n;
}

/* /proc/<pid>/fd/N opens the file itself (a pipe's end, a terminal), as on Linux. */
static int pf_follow_to(struct inode *ip, struct inode **out)
{
	struct pf_inode *pi = PI(ip);
	struct file *f = file_of(pi->pid, pi->fd);
	if (!f)
		return -ENOENT;
	*out = inode_get(f->ip);
	file_put(f);
	return 0;
}

static void pf_evict(struct inode *ip)
{
	kfree(PI(ip));
}

/* ---- text ---- */

struct text {
	char *buf;
	size_t len, cap;
};

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(struct text *t, const char *fmt, ...)
{
	if (t->len + 1 >= t->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = MIN(t->cap - 1, t->len + (size_t)n); /* cut, never overrun */
}

/* What the per-process files show, copied under the locks. */
struct psnap {
	u32 pid, ppid, pgid, sid, nthreads, umask;
	int nice;
	char state;
	char name[PROC_NAME_MAX];
	u64 utime, stime, cutime, cstime, start; /* ticks */
	u32 last_cpu;
	/* from the domain */
	u64 vsize, rss_pages, hwm_pages, stack_pages, data_pages, text_pages;
	vaddr_t brk_start, brk;
};

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
	s->brk_start = d->brk_start;
	s->brk = d->brk;
	spin_unlock(&d->lock);
}

/* Fill s for pid; with dom, also hand back a reference to its domain (NULL for a zombie). */
static int snap_proc(u32 pid, struct psnap *s, struct domain **dom)
{
	memset(s, 0, sizeof *s);
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (!p || p->state == PROC_REAPED) {
		spin_unlock(&proc_tree_lock);
		return -ENOENT;
	}
	s->pid = p->pid;
	s->ppid = p->parent ? p->parent->pid : 0;
	s->pgid = p->pgid;
	s->sid = p->sid;
	spin_lock(&p->lock);
	s->umask = p->fs ? __atomic_load_n(&p->fs->umask, __ATOMIC_RELAXED) : 0;
	spin_unlock(&p->lock);
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
	if (p->state == PROC_ALIVE) {
		spin_lock(&p->lock);
		s->nthreads = p->nthreads;
		if (!list_empty(&p->threads)) {
			struct thread *t = container_of(p->threads.next, struct thread, proc_node);
			s->state = __atomic_load_n(&p->stopped, __ATOMIC_RELAXED) ? 'T' : thread_state(t);
			s->last_cpu = __atomic_load_n(&t->task.home, __ATOMIC_RELAXED);
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

static int gen_pid_stat(u32 pid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, &s, NULL);
	if (r < 0)
		return r;
	/* proc(5) field order; fields Ferry does not keep are 0. */
	tprintf(t,
		"%u (%s) %c %u %u %u 0 -1 4194304 0 0 0 0 %lu %lu %lu %lu %d %d %u 0 %lu %lu %lu "
		"18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 %u 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		s.pid, s.name, s.state, s.ppid, s.pgid, s.sid, s.utime, s.stime, s.cutime,
		s.cstime, 20 + s.nice, s.nice, s.nthreads, s.start, s.vsize, s.rss_pages,
		s.last_cpu);
	return 0;
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

static int gen_pid_status(u32 pid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, &s, NULL);
	if (r < 0)
		return r;
	u64 kb = PAGE_SIZE / 1024;
	/* Ferry keeps no peak of the address space's size: VmPeak repeats VmSize. */
	tprintf(t,
		"Name:\t%s\nUmask:\t0%u%u%u\nState:\t%c (%s)\nTgid:\t%u\nNgid:\t0\nPid:\t%u\n"
		"PPid:\t%u\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n"
		"Groups:\t\nVmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t       0 kB\n"
		"VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\n"
		"VmExe:\t%8lu kB\nVmSwap:\t       0 kB\nThreads:\t%u\n",
		/* The kernel's printf has no %o: the umask goes digit by digit. */
		s.name, (s.umask >> 6) & 7, (s.umask >> 3) & 7, s.umask & 7, s.state,
		state_name(s.state), s.pid, s.pid, s.ppid,
		s.vsize / 1024, s.vsize / 1024, MAX(s.hwm_pages, s.rss_pages) * kb, s.rss_pages * kb,
		s.data_pages * kb, s.stack_pages * kb, s.text_pages * kb, s.nthreads);
	return 0;
}

static int gen_pid_comm(u32 pid, struct text *t)
{
	struct psnap s;
	int r = snap_proc(pid, &s, NULL);
	if (r < 0)
		return r;
	tprintf(t, "%s\n", s.name);
	return 0;
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
	int r = snap_proc(pid, &s, &d);
	if (r < 0 || !d)
		return r; /* a zombie's is empty */
	size_t n = MIN((size_t)(d->env_end - d->env_start), t->cap);
	/* No lock held: d is pinned by its reference. A page it unmapped since reads as nothing. */
	if (n && copy_from_domain(d, t->buf, d->env_start, n) == 0)
		t->len = n;
	domain_put(d);
	return 0;
}

static int gen_pid_maps(u32 pid, struct text *t)
{
	struct psnap s;
	struct domain *d = NULL;
	char exe[sizeof ((struct proc *)0)->exe];
	int r = snap_proc(pid, &s, &d);
	if (r < 0 || !d)
		return r;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	strlcpy(exe, p ? p->exe : "", sizeof exe);
	spin_unlock(&proc_tree_lock);

	spin_lock(&d->lock);
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *rg = container_of(pos, struct region, node);
		const char *name = rg->flags & REGION_STACK  ? "[stack]"
				   : rg->flags & REGION_HEAP ? "[heap]"
				   : rg->flags & REGION_IMAGE ? exe
							      : "";
		size_t before = t->len;
		tprintf(t, "%08lx-%08lx %c%c%c%c 00000000 00:00 0", rg->start, rg->end,
			rg->flags & REGION_READ ? 'r' : '-', rg->flags & REGION_WRITE ? 'w' : '-',
			rg->flags & REGION_EXEC ? 'x' : '-', rg->flags & REGION_SHARED ? 's' : 'p');
		if (*name) {
			/* Linux pads the path to column 73. */
			int pad = 73 - (int)(t->len - before);
			tprintf(t, "%*s%s", pad > 1 ? pad : 1, "", name);
		}
		tprintf(t, "\n");
	}
	spin_unlock(&d->lock);
	domain_put(d);
	return 0;
}

static int gen_meminfo(struct text *t)
{
	u64 kb = PAGE_SIZE / 1024;
	u64 total = buddy_total_pages() * kb, free = buddy_free_pages() * kb;
	/*
	 * The block cache holds the disks' file data and metadata: "Cached",
	 * where free(1) looks for it (buff/cache), and available, as its clean
	 * blocks go back when memory runs out. No swap yet, and file data in
	 * ramfs is not counted apart.
	 */
	struct bcache_stats bs;
	bcache_get_stats(&bs);
	u64 cached = bs.bytes / 1024;
	tprintf(t,
		"MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
		"Buffers:               0 kB\nCached:         %8lu kB\n"
		"SwapCached:            0 kB\nShmem:                 0 kB\n"
		"SReclaimable:          0 kB\nSwapTotal:             0 kB\n"
		"SwapFree:              0 kB\n",
		total, free, free + cached, cached);
	return 0;
}

static u64 idle_ns_all(void)
{
	u64 idle = 0;
	for (u32 i = 0; i < ncpus; i++)
		idle += __atomic_load_n(&cpus[i]->exec.idle_ns, __ATOMIC_RELAXED);
	return idle;
}

static int gen_uptime(struct text *t)
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

static int gen_loadavg(struct text *t)
{
	u32 run = runnable_now(), last = 0, total = 0;
	spin_lock(&proc_tree_lock);
	for (u32 pid = 1; pid < PID_MAX; pid++) {
		struct proc *p = proc_find(pid);
		if (p && p->state != PROC_REAPED) {
			last = pid;
			total++;
		}
	}
	spin_unlock(&proc_tree_lock);
	/* Ferry keeps no load average: all three figures are the instant count. */
	tprintf(t, "%u.00 %u.00 %u.00 %u/%u %u\n", run, run, run, MIN(run, total), total, last);
	return 0;
}

static int gen_stat(struct text *t)
{
	/*
	 * Per core: busy is time not halted. Ferry does not split user from
	 * kernel time per core, so busy time is all shown as user time.
	 */
	u64 up = tsc_ns() / NS_PER_TICK, tot_idle = 0, tot_busy = 0, ctxt = 0;
	for (u32 i = 0; i < ncpus; i++) {
		u64 idle = __atomic_load_n(&cpus[i]->exec.idle_ns, __ATOMIC_RELAXED) / NS_PER_TICK;
		idle = MIN(idle, up);
		tot_idle += idle;
		tot_busy += up - idle;
		ctxt += __atomic_load_n(&cpus[i]->exec.polls, __ATOMIC_RELAXED);
	}
	tprintf(t, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", tot_busy, tot_idle);
	for (u32 i = 0; i < ncpus; i++) {
		u64 idle = __atomic_load_n(&cpus[i]->exec.idle_ns, __ATOMIC_RELAXED) / NS_PER_TICK;
		idle = MIN(idle, up);
		tprintf(t, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", i, up - idle, idle);
	}
	tprintf(t, "intr 0\nctxt %lu\nbtime 0\nprocesses %u\nprocs_running %u\nprocs_blocked 0\n",
		ctxt, proc_count(), runnable_now());
	return 0;
}

static int gen_cpuinfo(struct text *t)
{
	u32 a, b, c, d;
	char vendor[13], model[49];
	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	strlcpy(model, "unknown", sizeof model);
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000004) {
		u32 *w = (u32 *)model;
		for (u32 leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &w[leaf * 4], &w[leaf * 4 + 1], &w[leaf * 4 + 2],
			      &w[leaf * 4 + 3]);
		model[48] = 0;
	}
	u64 mhz = tsc_hz() / 1000000;
	for (u32 i = 0; i < ncpus; i++)
		tprintf(t, "processor\t: %u\nvendor_id\t: %s\nmodel name\t: %s\ncpu MHz\t\t: %lu.000\n"
			   "cpu cores\t: %u\n\n",
			i, vendor, model, mhz, ncpus);
	return 0;
}

static int generate(struct pf_inode *pi, struct text *t)
{
	switch (pi->kind) {
	case PF_MEMINFO:
		return gen_meminfo(t);
	case PF_UPTIME:
		return gen_uptime(t);
	case PF_LOADAVG:
		return gen_loadavg(t);
	case PF_MOUNTS: {
		ssize_t n = vfs_mounts_text(t->buf, t->cap);
		t->len = n > 0 ? (size_t)n : 0;
		return n < 0 ? (int)n : 0;
	}
	case PF_STAT:
		return gen_stat(t);
	case PF_CPUINFO:
		return gen_cpuinfo(t);
	case PF_VERSION:
		tprintf(t, "Ferry version 6.1.0-ferry (a small multicore x86-64 kernel) #1 SMP\n");
		return 0;
	case PF_FILESYSTEMS:
		tprintf(t, "nodev\trootfs\nnodev\tramfs\nnodev\ttmpfs\nnodev\tdevfs\nnodev\tproc\n\text2\n");
		return 0;
	case PF_PID_STAT:
		return gen_pid_stat(pi->pid, t);
	case PF_PID_STATUS:
		return gen_pid_status(pi->pid, t);
	case PF_PID_CMDLINE:
		return gen_pid_cmdline(pi->pid, t);
	case PF_PID_MAPS:
		return gen_pid_maps(pi->pid, t);
	case PF_PID_ENVIRON:
		return gen_pid_environ(pi->pid, t);
	case PF_PID_COMM:
		return gen_pid_comm(pi->pid, t);
	default:
		return -EINVAL;
	}
}

/* ---- open files: the text is made once, at open ---- */

static int pf_open(struct inode *ip, struct file *f)
{
	if (((f->fmode & FMODE_WRITE) && !(ip->mode & 0200)) ||
	    ((f->fmode & FMODE_READ) && !(ip->mode & 0400)))
		return -EACCES;
	if (!(f->fmode & FMODE_READ))
		return 0; /* no text to make */
	struct text *t = knew(struct text);
	if (!t)
		return -ENOMEM;
	enum pf_kind k = PI(ip)->kind;
	t->cap = k == PF_PID_MAPS || k == PF_PID_ENVIRON ? TEXT_SIZE_BIG : TEXT_SIZE;
	t->buf = kmalloc(t->cap);
	int r = t->buf ? generate(PI(ip), t) : -ENOMEM;
	if (r < 0) {
		kfree(t->buf);
		kfree(t);
		return r;
	}
	f->priv = t;
	return 0;
}

static ssize_t pf_read(struct file *f, struct uio *u, u64 *pos)
{
	struct text *t = f->priv;
	if (!t)
		return -EBADF;
	if (*pos >= t->len)
		return 0;
	size_t n = MIN(u->resid, t->len - *pos);
	size_t before = u->resid;
	int r = uio_copy_out(u, t->buf + *pos, n);
	size_t done = before - u->resid;
	*pos += done;
	return done ? (ssize_t)done : r;
}

/*
 * /proc/sys/vm/drop_caches, as Linux's: one number from 1 to 4, blanks
 * around it allowed; bit 0 drops the clean, idle buffers of the block
 * cache (bit 1, Linux's dentries and inodes, and 4, its "stop telling me",
 * have nothing here to act on). Dirty blocks stay: sync first. As with
 * Linux's sysctl_writes_strict, a write past offset 0 is taken and ignored.
 */
static ssize_t write_drop_caches(struct uio *u, u64 pos)
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
	if (v & 1)
		bcache_drop_clean();
	return (ssize_t)n;
}

static ssize_t pf_write(struct file *f, struct uio *u, u64 *pos)
{
	if (PI(f->ip)->kind != PF_DROP_CACHES)
		return -EINVAL;
	ssize_t r = write_drop_caches(u, *pos);
	if (r > 0)
		*pos += (u64)r;
	return r;
}

/* O_TRUNC does nothing to a writable file, as to Linux's sysctl files; the rest refuse writers. */
static int pf_truncate(struct inode *ip, u64 size)
{
	return ip->mode & 0200 ? 0 : -EACCES;
}

static void pf_release(struct file *f)
{
	struct text *t = f->priv;
	if (t) {
		kfree(t->buf);
		kfree(t);
	}
}

static const struct file_ops pf_fops = {
	.read = pf_read,
	.write = pf_write,
	.open = pf_open,
	.release = pf_release,
};

static const struct inode_ops pf_ops = {
	.lookup = pf_lookup,
	.iterate = pf_iterate,
	.readlink = pf_readlink,
	.truncate = pf_truncate,
	.evict = pf_evict,
	.fops = &pf_fops,
};

/* /proc/<pid>/fd/N: a symlink whose name is for reading, and a magic link to follow. */
static const struct inode_ops pf_fd_link_ops = {
	.readlink = pf_readlink,
	.follow_to = pf_follow_to,
	.evict = pf_evict,
};

static void procfs_destroy(struct superblock *sb)
{
	kfree(PI(sb->root));
	kfree(sb);
}

struct superblock *procfs_create(void)
{
	struct superblock *sb = knew(struct superblock);
	if (!sb)
		return NULL;
	sb->fstype = "proc";
	sb->maxbytes = 1ULL << 40; /* lseek's limit; reads past the text find its end */
	sb->dev = vfs_anon_dev();
	sb->destroy = procfs_destroy;
	struct inode *root = pf_new(sb, PF_ROOT, 0, S_IFDIR | 0555);
	if (!root) {
		kfree(sb);
		return NULL;
	}
	root->flags = 0; /* the root lives as long as the superblock, which holds this reference */
	sb->root = root;
	return sb;
}
