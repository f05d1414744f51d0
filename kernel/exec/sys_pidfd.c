/*
 * pidfd_open, pidfd_send_signal and pidfd_getfd (pidfd.c), and the
 * lookup waitid(P_PIDFD) uses, which the process code below gets through
 * proc_set_pidfd_lookup (main.c registers it).
 */
#include "exec/pidfd.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/sigframe.h"
#include "proc/signal.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define PIDFD_NONBLOCK O_NONBLOCK

SYSCALL(NR_pidfd_open, pidfd_open)
{
	int pid = (int)a0;
	u32 flags = (u32)a1;
	if (flags & ~(u32)PIDFD_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find((u32)pid);
	struct file *f = p && p->state == PROC_ALIVE ? pidfd_file(p, flags & PIDFD_NONBLOCK) : NULL;
	spin_unlock(&proc_tree_lock);
	if (!f)
		return p && p->state == PROC_ALIVE ? -ENOMEM : -ESRCH;
	int r = fd_alloc(fs_files(), f, 0, true); /* pidfds are always close-on-exec */
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL(NR_pidfd_send_signal, pidfd_send_signal)
{
	int sig = (int)a1;
	if ((u32)a3)
		return -EINVAL;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct siginfo64 info = {.si_signo = sig, .si_code = SI_USER};
	info.f.kill.pid = cur_proc()->pid;
	bool given = a2 != 0;
	if (given && copy_from_domain(cur_dom(), &info, a2, sizeof info) < 0)
		return -EFAULT;
	if (given && info.si_signo != sig)
		return -EINVAL;
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	int err;
	spin_lock(&proc_tree_lock);
	struct proc *p = pidfd_proc_locked(f, &err);
	if (p && p->state != PROC_ALIVE)
		err = 0; /* a zombie: like kill(2), nothing to do and no error */
	else if (p && given && (info.si_code >= 0 || info.si_code == SI_TKILL) && p != cur_proc())
		err = -EPERM; /* only the kernel and kill(2) say SI_USER to another process */
	else if (p && sig)
		err = signal_send_proc_info(p, &info, given);
	spin_unlock(&proc_tree_lock);
	file_put(f);
	return err;
}

SYSCALL(NR_pidfd_getfd, pidfd_getfd)
{
	if ((u32)a2)
		return -EINVAL;
	struct file *f = fs_fget((int)a0);
	if (!f)
		return -EBADF;
	int err;
	struct fdtable *t = NULL;
	spin_lock(&proc_tree_lock);
	struct proc *p = pidfd_proc_locked(f, &err);
	if (p) {
		spin_lock(&p->lock);
		t = p->fs ? fs_files_get(p->fs) : NULL;
		spin_unlock(&p->lock);
		if (!t)
			err = -ESRCH;
	}
	spin_unlock(&proc_tree_lock);
	file_put(f);
	if (!t)
		return err;
	struct file *g = fd_get(t, (int)a1);
	fdtable_put(t);
	if (!g)
		return -EBADF;
	int r = fd_alloc(fs_files(), g, 0, true); /* close-on-exec, as Linux */
	if (r < 0)
		file_put(g);
	return r;
}

/* waitid(P_PIDFD, fd): the pid of the process the pidfd names. */
long pidfd_pid(int fd)
{
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	int err;
	spin_lock(&proc_tree_lock);
	struct proc *p = pidfd_proc_locked(f, &err);
	long r = p ? (long)p->pid : err == -ESRCH ? -ECHILD : err;
	spin_unlock(&proc_tree_lock);
	file_put(f);
	return r;
}
