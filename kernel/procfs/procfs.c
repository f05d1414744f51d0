/*
 * procfs (see procfs.h): the file tree, lookup and readdir over it,
 * /proc/<pid>/fd, /proc/<pid>/task, and open files. What each file says is made by the
 * generators of procfs_sys.c (system-wide) and procfs_pid.c (a process's),
 * named in the tables of entries there (procfs_impl.h).
 *
 * Owns nothing shared but each mount's root inode. Other inodes are made
 * by lookup as I_TRANSIENT, so the last inode_put frees them;
 * their number is fixed by what they name (pid << 8 | the entry's number,
 * see entry_no, and a thread's tid << 32 below /proc/<pid>/task/<tid>), so getcwd and find see the same file each time. A pid
 * directory holds only the pid: every read of it looks the process up
 * again, and a process that is gone gives ENOENT, never a stale pointer.
 *
 * Ownership and privacy, as Linux: a process's files belong to its
 * effective user and group (to root once it is not dumpable: a set-user-ID
 * program's), so the mode bits keep other users out of environ and fd;
 * the private ones (pf_entry.private) also ask proc_may_access, whoever
 * owns them. The rest (stat, status, cmdline) anyone may read.
 *
 * Locks: none of its own. Process fields are read under proc_tree_lock
 * (the process cannot be reaped meanwhile), then proc.lock, then the
 * domain's lock, the order getpstat uses. The text is generated at open
 * into a kmalloc'd buffer (file.priv) with those locks held (no user
 * memory is touched), and copied out by read with none held.
 */
#include "procfs/procfs.h"
#include "procfs/procfs_impl.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"

/*
 * The nodes no table names: the root, a pid directory, a thread's
 * directory in /proc/<pid>/task, an open file in /proc/<pid>/fd.
 */
static const struct pf_entry pf_root = {"", S_IFDIR | 0555, .dir = &pf_root_table};
static const struct pf_entry pf_piddir = {"", S_IFDIR | 0555, .dir = &pf_pid_table};
static const struct pf_entry pf_taskdir = {"", S_IFDIR | 0555, .dir = &pf_tid_table};
static const struct pf_entry pf_fd_link = {"", S_IFLNK | 0700, .link = NULL};

/* Markers: directories whose entries are made by procfs.c, not listed in a table. */
const struct pf_table pf_fd_table = {NULL, 0};
const struct pf_table pf_task_table = {NULL, 0};

/* getdents positions: 0 ".", 1 "..", then the table, then pids from here. */
#define POS_TABLE 2
#define POS_PIDS 1000

struct pf_inode {
	struct inode vfs;
	u32 pid;		  /* [I] pid directories and their files */
	const struct pf_entry *e; /* [I] what it is */
	u32 fd;			  /* [I] fd links: the descriptor */
	u32 tid;		  /* [I] a thread's directory and its files: the thread */
};

static const struct inode_ops pf_ops, pf_fd_link_ops;

static inline struct pf_inode *PI(struct inode *ip)
{
	return container_of(ip, struct pf_inode, vfs);
}

/* ---- the tree ---- */

/*
 * Number the entries of d's table from *n, then those of the tables below
 * it; true once e has its number in *n.
 */
static bool number_in(const struct pf_entry *d, const struct pf_entry *e, u32 *n)
{
	const struct pf_table *t = d->dir;
	if (!t)
		return false;
	for (size_t i = 0; i < t->n; i++, (*n)++)
		if (&t->e[i] == e)
			return true;
	for (size_t i = 0; i < t->n; i++)
		if (number_in(&t->e[i], e, n))
			return true;
	return false;
}

/*
 * The number in an inode's low byte (less one): the root 0, a pid
 * directory 1, a thread's directory 2, then every table's entries from
 * the root's down, then the pid directory's, the thread directory's, and
 * last the fd links. The tables never change, so neither do the numbers.
 */
static u32 entry_no(const struct pf_entry *e)
{
	if (e == &pf_root)
		return 0;
	if (e == &pf_piddir)
		return 1;
	if (e == &pf_taskdir)
		return 2;
	u32 n = 3;
	if (!number_in(&pf_root, e, &n) && !number_in(&pf_piddir, e, &n))
		number_in(&pf_taskdir, e, &n);
	assert(n < 255);
	return n;
}

/* The directory whose table holds e, looked for below d; NULL if none. */
static const struct pf_entry *owner_below(const struct pf_entry *d, const struct pf_entry *e)
{
	const struct pf_table *t = d->dir;
	for (size_t i = 0; t && i < t->n; i++)
		if (&t->e[i] == e)
			return d;
	for (size_t i = 0; t && i < t->n; i++) {
		const struct pf_entry *o = owner_below(&t->e[i], e);
		if (o)
			return o;
	}
	return NULL;
}

/* /proc/<pid>/task: the pid table's entry for it. */
static const struct pf_entry *task_entry(void)
{
	for (size_t i = 0; i < pf_pid_table.n; i++)
		if (pf_pid_table.e[i].dir == &pf_task_table)
			return &pf_pid_table.e[i];
	panic("procfs: no task entry in /proc/<pid>");
}

/*
 * The directory e is in (with the same pid, and tid below a thread's
 * directory); the root for the root and the pid directories.
 */
static const struct pf_entry *parent_of(const struct pf_entry *e)
{
	if (e == &pf_taskdir)
		return task_entry();
	const struct pf_entry *up = owner_below(&pf_root, e);
	if (!up)
		up = owner_below(&pf_piddir, e);
	if (!up)
		up = owner_below(&pf_taskdir, e);
	return up ? up : &pf_root;
}

/* Does e name a thread's directory or a file in one (so its inode carries the tid)? */
static bool in_task(const struct pf_entry *e)
{
	return e == &pf_taskdir || owner_below(&pf_taskdir, e) != NULL;
}

static u64 ino_of(const struct pf_entry *e, u32 pid, u32 tid)
{
	return ((u64)tid << 32) | ((u64)pid << 8) | ((u64)entry_no(e) + 1);
}

int pf_may_access(u32 pid)
{
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	int r = !p || p->state == PROC_REAPED		  ? -ENOENT
		: proc_may_access(cur_cred(), p, false) ? 0
							  : -EACCES;
	spin_unlock(&proc_tree_lock);
	return r;
}

/*
 * A process's files are its effective user's and group's while it is
 * dumpable; else root's. Its own fd directory a process may always go
 * into (Linux's proc_fd_permission): looked up by the process itself, it
 * is the caller's.
 */
static void set_owner(struct inode *ip, const struct pf_entry *e, u32 pid)
{
	struct proc *self = cur_proc();
	if (e->dir == &pf_fd_table && self && self->pid == pid) {
		ip->uid = cur_cred()->fsuid;
		ip->gid = cur_cred()->fsgid;
		return;
	}
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (p && p->state != PROC_REAPED && __atomic_load_n(&p->dumpable, __ATOMIC_RELAXED)) {
		struct cred *c = proc_cred_get(p);
		ip->uid = c->euid;
		ip->gid = c->egid;
		cred_put(c);
	}
	spin_unlock(&proc_tree_lock);
}

static struct inode *pf_new_task(struct superblock *sb, const struct pf_entry *e, u32 pid,
				 u32 tid);

static struct inode *pf_new(struct superblock *sb, const struct pf_entry *e, u32 pid)
{
	return pf_new_task(sb, e, pid, 0);
}

/* tid: the thread of a thread's directory or file; 0 elsewhere. */
static struct inode *pf_new_task(struct superblock *sb, const struct pf_entry *e, u32 pid,
				 u32 tid)
{
	struct pf_inode *pi = knew(struct pf_inode);
	if (!pi)
		return NULL;
	inode_init(&pi->vfs, sb, e->mode, e->ops ? e->ops : &pf_ops);
	if (pid)
		set_owner(&pi->vfs, e, pid);
	pi->vfs.ino = ino_of(e, pid, tid);
	pi->vfs.nlink = S_ISDIR(e->mode) ? 2 : 1; /* for stat only: I_TRANSIENT decides its life */
	pi->vfs.flags = I_TRANSIENT;
	pi->pid = pid;
	pi->tid = tid;
	pi->e = e;
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

static int lookup_table(struct inode *dir, const struct pf_table *t, u32 pid, u32 tid,
			const char *name, size_t len, struct inode **out)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strlen(t->e[i].name) != len || memcmp(t->e[i].name, name, len) != 0)
			continue;
		*out = pf_new_task(dir->sb, &t->e[i], pid, tid);
		return *out ? 0 : -ENOMEM;
	}
	return -ENOENT;
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
	int r = pf_may_access(PI(dir)->pid);
	if (r < 0)
		return r;
	i64 n = parse_decimal(name, len, FD_MAX);
	u32 fd = (u32)n;
	struct file *f = n >= 0 ? file_of(PI(dir)->pid, fd) : NULL;
	if (!f)
		return -ENOENT;
	/* As Linux: r-x for reading, -wx for writing, so ls -l shows how each is open. */
	u32 mode = S_IFLNK | (f->fmode & FMODE_READ ? 0500 : 0) | (f->fmode & FMODE_WRITE ? 0300 : 0);
	file_put(f);
	*out = pf_new(dir->sb, &pf_fd_link, PI(dir)->pid);
	if (!*out)
		return -ENOMEM;
	(*out)->ops = &pf_fd_link_ops; /* new: nobody else sees it yet */
	(*out)->mode = mode;
	PI(*out)->fd = fd;
	(*out)->ino |= (u64)(fd + 1) << 24; /* pid << 8 | entry number below */
	return 0;
}

/* The open descriptors, from position POS_TABLE + fd. */
static void iterate_fds(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	if (pf_may_access(PI(dir)->pid) < 0)
		return;
	struct fdtable *t = files_of(PI(dir)->pid);
	if (!t)
		return;
	/* emit fills a kernel buffer: it may run under the table's lock. */
	u64 link_no = entry_no(&pf_fd_link) + 1;
	spin_lock(&t->lock);
	for (u32 fd = (u32)(*pos - POS_TABLE); fd < t->cap; fd++) {
		if (!t->fds[fd])
			continue;
		char name[8];
		int n = snprintf(name, sizeof name, "%u", fd);
		u64 ino = (u64)(fd + 1) << 24 | (u64)PI(dir)->pid << 8 | link_no;
		if (!de->emit(de, name, (size_t)n, ino, DT_LNK, POS_TABLE + fd + 1))
			break;
		*pos = POS_TABLE + fd + 1;
	}
	spin_unlock(&t->lock);
	fdtable_put(t);
}

/* ---- /proc/<pid>/task ---- */

static int lookup_task(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	i64 n = parse_decimal(name, len, PID_MAX);
	u32 tid = n > 0 ? (u32)n : 0;
	if (!tid || !pf_task_alive(PI(dir)->pid, tid))
		return -ENOENT;
	*out = pf_new_task(dir->sb, &pf_taskdir, PI(dir)->pid, tid);
	return *out ? 0 : -ENOMEM;
}

/* The process's threads, from position POS_TABLE + tid. */
static void iterate_tasks(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	u32 pid = PI(dir)->pid;
	u64 dir_no = entry_no(&pf_taskdir) + 1;
	/* emit fills a kernel buffer: it may run under the locks. */
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find(pid);
	if (!p || p->state != PROC_ALIVE) {
		spin_unlock(&proc_tree_lock);
		return;
	}
	spin_lock(&p->lock);
	/* In tid order, so a position says which threads were listed already. */
	for (;;) {
		u32 next = PID_MAX, from = (u32)(*pos - POS_TABLE);
		struct list_node *it;
		list_for_each(it, &p->threads)
		{
			u32 tid = container_of(it, struct thread, proc_node)->tid;
			if (tid >= from && tid < next)
				next = tid;
		}
		if (next == PID_MAX)
			break;
		char name[12];
		int n = snprintf(name, sizeof name, "%u", next);
		u64 ino = (u64)next << 32 | (u64)pid << 8 | dir_no;
		if (!de->emit(de, name, (size_t)n, ino, DT_DIR, POS_TABLE + next + 1))
			break;
		*pos = POS_TABLE + next + 1;
	}
	spin_unlock(&p->lock);
	spin_unlock(&proc_tree_lock);
}

static int pf_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pf_inode *pd = PI(dir);
	const struct pf_entry *e = pd->e;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		const struct pf_entry *up = parent_of(e);
		if (up == &pf_root) {
			*out = inode_get(dir->sb->root);
			return 0;
		}
		*out = pf_new_task(dir->sb, up, pd->pid, in_task(up) ? pd->tid : 0);
		return *out ? 0 : -ENOMEM;
	}
	if (!e->dir)
		return -ENOTDIR;
	if (e->dir == &pf_fd_table)
		return lookup_fd(dir, name, len, out);
	if (pd->pid && !pid_alive(pd->pid))
		return -ENOENT;
	if (e->dir == &pf_task_table)
		return lookup_task(dir, name, len, out);
	if (pd->tid && !pf_task_alive(pd->pid, pd->tid))
		return -ENOENT;
	int r = lookup_table(dir, e->dir, pd->pid, pd->tid, name, len, out);
	if (r != -ENOENT || e != &pf_root)
		return r;
	i64 n = parse_decimal(name, len, PID_MAX);
	u32 pid = n > 0 ? (u32)n : 0;
	if (!pid || !pid_alive(pid))
		return -ENOENT;
	*out = pf_new(dir->sb, &pf_piddir, pid);
	return *out ? 0 : -ENOMEM;
}

static unsigned dtype_of(u32 mode)
{
	return (mode & S_IFMT) >> 12; /* DT_* are the S_IFMT bits shifted down */
}

static bool emit_table(struct dir_emit *de, const struct pf_table *t, u32 pid, u32 tid,
		       u64 *pos)
{
	u64 first = t->n ? ino_of(&t->e[0], pid, tid) : 0; /* a table's entries: numbered in a row */
	for (size_t i = *pos - POS_TABLE; i < t->n; i++) {
		if (!de->emit(de, t->e[i].name, strlen(t->e[i].name), first + i,
			      dtype_of(t->e[i].mode), POS_TABLE + i + 1))
			return false;
		*pos = POS_TABLE + i + 1;
	}
	return true;
}

static int pf_iterate(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	struct pf_inode *pd = PI(dir);
	const struct pf_entry *e = pd->e;
	if (pd->pid && !pid_alive(pd->pid))
		return 0; /* a vanished process lists nothing, like a removed directory */
	if (pd->tid && !pf_task_alive(pd->pid, pd->tid))
		return 0; /* nor does a thread that has ended */
	if (*pos == 0) {
		if (!de->emit(de, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		const struct pf_entry *up = parent_of(e);
		u64 up_ino = up == &pf_root ? dir->sb->root->ino
					    : ino_of(up, pd->pid, in_task(up) ? pd->tid : 0);
		if (!de->emit(de, "..", 2, up_ino, DT_DIR, 2))
			return 0;
		*pos = POS_TABLE;
	}
	if (e->dir == &pf_fd_table) {
		iterate_fds(dir, pos, de);
		return 0;
	}
	if (e->dir == &pf_task_table) {
		iterate_tasks(dir, pos, de);
		return 0;
	}
	if (*pos < POS_TABLE + e->dir->n && !emit_table(de, e->dir, pd->pid, pd->tid, pos))
		return 0;
	if (e != &pf_root)
		return 0;
	if (*pos < POS_PIDS)
		*pos = POS_PIDS;
	u64 dir_no = entry_no(&pf_piddir) + 1;
	/* emit fills a kernel buffer: it may run under proc_tree_lock. */
	spin_lock(&proc_tree_lock);
	for (u32 pid = (u32)(*pos - POS_PIDS); pid < PID_MAX; pid++) {
		struct proc *p = proc_find(pid);
		if (!p || p->state == PROC_REAPED)
			continue;
		char name[12];
		int n = snprintf(name, sizeof name, "%u", pid);
		if (!de->emit(de, name, (size_t)n, (u64)pid << 8 | dir_no, DT_DIR,
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
	if (pi->e == &pf_fd_link || pi->e->private) {
		int r = pf_may_access(pi->pid);
		if (r < 0)
			return r;
	}
	if (pi->e == &pf_fd_link) {
		struct file *f = file_of(pi->pid, pi->fd);
		if (!f)
			return -ENOENT; /* closed since */
		ssize_t r = vfs_file_path(f, buf, len);
		file_put(f);
		return r;
	}
	if (!pi->e->link)
		return -EINVAL;
	ssize_t r = pi->e->link(pi->pid, tmp, sizeof tmp);
	if (r < 0)
		return r;
	size_t n = MIN((size_t)r, len);
	memcpy(buf, tmp, n);
	return (ssize_t)n;
}

/* /proc/<pid>/fd/N opens the file itself (a pipe's end, a terminal), as on Linux. */
static int pf_follow_to(struct inode *ip, struct inode **out)
{
	struct pf_inode *pi = PI(ip);
	int r = pf_may_access(pi->pid);
	if (r < 0)
		return r;
	struct file *f = file_of(pi->pid, pi->fd);
	if (!f)
		return -ENOENT;
	*out = inode_get(f->ip);
	file_put(f);
	return 0;
}

void pf_evict(struct inode *ip)
{
	kfree(PI(ip));
}

u32 pf_pid(struct inode *ip)
{
	return PI(ip)->pid;
}

/* ---- open files: the text is made once, at open ---- */

void tprintf(struct text *t, const char *fmt, ...)
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

static int pf_open(struct inode *ip, struct file *f)
{
	if (((f->fmode & FMODE_WRITE) && !(ip->mode & 0200)) ||
	    ((f->fmode & FMODE_READ) && !(ip->mode & 0400)))
		return -EACCES;
	const struct pf_entry *e = PI(ip)->e;
	if (e->private) {
		int r = pf_may_access(PI(ip)->pid);
		if (r < 0)
			return r;
	}
	if (!(f->fmode & FMODE_READ))
		return 0; /* no text to make */
	struct text *t = knew(struct text);
	if (!t)
		return -ENOMEM;
	t->cap = e->text_cap ? e->text_cap : TEXT_SIZE;
	t->buf = kmalloc(t->cap);
	int r = !t->buf	     ? -ENOMEM
		: e->gen_task ? e->gen_task(PI(ip)->pid, PI(ip)->tid, t)
		: e->gen      ? e->gen(PI(ip)->pid, t)
			      : -EINVAL;
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

static ssize_t pf_write(struct file *f, struct uio *u, u64 *pos)
{
	struct pf_inode *pi = PI(f->ip);
	if (!pi->e->write)
		return -EINVAL;
	ssize_t r = pi->e->write(pi->pid, u, *pos);
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
	struct inode *root = pf_new(sb, &pf_root, 0);
	if (!root) {
		kfree(sb);
		return NULL;
	}
	root->flags = 0; /* the root lives as long as the superblock, which holds this reference */
	sb->root = root;
	return sb;
}

static int mount_proc(const char *source, bool rdonly, const char *options,
		      struct superblock **out)
{
	if (options && *options) {
		syscall_unsupported("proc mount options");
		return -EINVAL;
	}
	*out = procfs_create();
	if (*out)
		(*out)->rdonly = rdonly;
	return *out ? 0 : -ENOMEM;
}

FSTYPE(proc, "proc", mount_proc);
