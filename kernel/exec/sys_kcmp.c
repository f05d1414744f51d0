/*
 * kcmp(2) (in exec/, above fs, as it looks into descriptor tables): do two
 * processes share a kernel object, and if not, which
 * comes first in an order that says nothing of where they are in memory
 * (Linux's: the objects' addresses, scrambled by random numbers drawn at
 * boot, one pair per kind). Ferry's objects: KCMP_VM the domain,
 * KCMP_FILES the descriptor table, KCMP_FILE two open files; KCMP_FS,
 * KCMP_SIGHAND, KCMP_IO and KCMP_SYSVSEM name what Ferry keeps once per
 * process for all its threads (the file state, the signal actions, the
 * I/O priority, the SEM_UNDO list). Allowed where reading the process's
 * private state is, with the real ids (Linux: PTRACE_MODE_READ_REALCREDS).
 */
#include "dev/krandom.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/unsupported.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM,
       KCMP_EPOLL_TFD, KCMP_TYPES };

static u64 cookie[KCMP_TYPES][2]; /* [I once drawn] xor, then an odd multiplier */
static bool cookies_drawn;         /* [a] */

static u64 scramble(const void *p, int type)
{
	if (!__atomic_load_n(&cookies_drawn, __ATOMIC_ACQUIRE)) {
		/* Racing first callers may draw twice; each pair is written whole before the flag. */
		static struct spinlock draw = SPINLOCK_INIT;
		spin_lock(&draw);
		if (!cookies_drawn) {
			for (int i = 0; i < KCMP_TYPES; i++) {
				cookie[i][0] = krandom_u64();
				cookie[i][1] = krandom_u64() | 1;
			}
			__atomic_store_n(&cookies_drawn, true, __ATOMIC_RELEASE);
		}
		spin_unlock(&draw);
	}
	return ((u64)p ^ cookie[type][0]) * cookie[type][1];
}

/* 0 equal, 1 a before b, 2 after: kcmp's answer for two objects of one kind. */
static long order(const void *a, const void *b, int type)
{
	u64 x = scramble(a, type), y = scramble(b, type);
	return x == y ? 0 : x < y ? 1 : 2;
}

/* p's open file at fd (a reference), or NULL. Caller holds proc_tree_lock. */
static struct file *file_at_locked(struct proc *p, u64 fd)
{
	if (fd > 0x7fffffff)
		return NULL;
	spin_lock(&p->lock); /* its end takes its file state under it */
	struct fdtable *t = p->fs ? fs_files_get(p->fs) : NULL;
	spin_unlock(&p->lock);
	struct file *f = t ? fd_get(t, (int)fd) : NULL;
	if (t)
		fdtable_put(t);
	return f;
}

/* The object of kind type that p has, compared by address only. Caller holds proc_tree_lock. */
static const void *object_locked(struct proc *p, int type)
{
	switch (type) {
	case KCMP_VM:
		return p->dom;
	case KCMP_FILES: {
		spin_lock(&p->lock);
		const void *t = p->fs ? p->fs->files : NULL;
		spin_unlock(&p->lock);
		return t;
	}
	case KCMP_FS:
		return p->fs;
	default: /* SIGHAND, IO, SYSVSEM: the process's own */
		return p;
	}
}

SYSCALL(NR_kcmp, kcmp)
{
	u32 pid1 = (u32)a0, pid2 = (u32)a1;
	int type = (int)a2;
	if (type < 0 || type >= KCMP_TYPES)
		return -EINVAL;
	if (type == KCMP_EPOLL_TFD) {
		unsupported("kcmp type", (u64)type); /* as a Linux without epoll: no such object */
		return -EOPNOTSUPP;
	}
	const struct cred *me = cur_cred();
	long r = 0;
	struct file *f1 = NULL, *f2 = NULL;
	spin_lock(&proc_tree_lock);
	struct proc *p1 = proc_find(pid1), *p2 = proc_find(pid2);
	if (!p1 || !p2 || p1->state != PROC_ALIVE || p2->state != PROC_ALIVE)
		r = -ESRCH;
	else if (!proc_may_access(me, p1, true) || !proc_may_access(me, p2, true))
		r = -EPERM;
	else if (type == KCMP_FILE) {
		f1 = file_at_locked(p1, a3);
		f2 = file_at_locked(p2, a4);
		r = f1 && f2 ? order(f1, f2, type) : -EBADF;
	} else {
		r = order(object_locked(p1, type), object_locked(p2, type), type);
	}
	spin_unlock(&proc_tree_lock);
	if (f1)
		file_put(f1);
	if (f2)
		file_put(f2);
	return r;
}
