/*
 * Running a program: execve (a new image for the caller), Ferry's spawn
 * (a new process from an executable, without copying the caller: the
 * one-address-space way) and the first process, init. The new image is
 * built before anything of the caller changes (exec_prepare), then
 * committed with nothing left that can fail.
 */
#include "exec/exec.h"
#include "fs/abi.h"
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "fs/vfs.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/ptimer.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/io.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

/*
 * Name p after the program at path; its exe is the file itself, found
 * from file (/bin/busybox for /bin/sh; a script's interpreter).
 */
static void set_name(struct proc *p, const char *path, const char *file)
{
	char exe[sizeof p->exe];
	proc_set_name(p, path, fs_exe_realpath(file, exe, sizeof exe) < 0 ? NULL : exe);
}

/* Copy a NULL-terminated user array of strings into args (argv, then envp). */
static long gather_strings(struct domain *d, u64 uarr, struct exec_args *args, u32 *count)
{
	if (!uarr)
		return 0;
	for (u32 i = 0;; i++) {
		u64 p;
		if (copy_from_domain(d, &p, uarr + i * 8, 8) < 0)
			return -EFAULT;
		if (!p)
			return 0;
		if (i >= 65536)
			return -E2BIG;
		long n = strncpy_from_domain(d, args->buf + args->len, p, EXEC_ARGS_MAX - args->len);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		args->len += (size_t)n + 1;
		(*count)++;
	}
}

static long do_execve(const char *kpath, u64 argv, u64 envp)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	struct exec_args args = {0};
	args.buf = kmalloc(EXEC_ARGS_MAX);
	if (!args.buf)
		return -ENOMEM;
	strlcpy(args.path, kpath, sizeof args.path);
	args.stack_limit = proc_rlimit_cur(p, RLIMIT_STACK);
	long r = gather_strings(p->dom, argv, &args, &args.argc);
	if (r == 0)
		r = gather_strings(p->dom, envp, &args, &args.envc);
	struct exec_new nw;
	if (r == 0)
		r = exec_prepare(&args, cur_cred(),
				 __atomic_load_n(&p->no_new_privs, __ATOMIC_RELAXED), &nw);
	if (r == 0)
		proc_set_cmdline(p, args.buf, args.argc);
	kfree(args.buf);
	if (r < 0)
		return r;
	/* Everything is ready: commit (nothing below can fail). */
	struct domain *nd = nw.dom;
	vaddr_t entry = nw.entry, sp = nw.sp;
	proc_cred_commit(t, nw.cred); /* a set-user-ID program's ids, or the caller's again */
	__atomic_store_n(&p->dumpable, nw.dumpable, __ATOMIC_RELAXED);
	struct domain *mine = t->dom;
	struct domain *old = proc_dom_swap(p, nd); /* the process's reference moves to the new image */
	domain_get(nd);
	t->dom = nd;                               /* and so does this thread's */
	this_cpu()->cur_dom = nd;                  /* and the caller's, for the calls that follow */
	domain_activate(nd);
	domain_put(mine);
	domain_put(old);
	thread_take_leader_tid(t);
	/* Other threads die with the old image (each holds it until it has left). */
	spin_lock(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads)
	{
		struct thread *o = container_of(pos, struct thread, proc_node);
		if (o != t) {
			__atomic_store_n(&o->killed, true, __ATOMIC_RELEASE);
			thread_kick(o);
		}
	}
	spin_unlock(&p->lock);
	if (__atomic_exchange_n(&p->vfork_child_pending, 0, __ATOMIC_ACQ_REL))
		waitq_wake_all(&p->vfork_done);
	set_name(p, args.path, nw.file);
	t->task.name = p->name;
	fs_exec(p->fs);
	signal_reset_on_exec(p);
	__atomic_store_n(&p->membarrier_reg, 0, __ATOMIC_RELAXED); /* a new memory, as Linux */
	ptimer_exec(p); /* POSIX timers go; interval timers stay */
	t->altstack_sp = t->altstack_size = 0;
	t->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	thread_fpu_init(t);
	asm volatile("fxrstor64 (%0)" : : "r"(t->fpu) : "memory");
	thread_set_entry(thread_live_frame(), entry, sp);
	t->full_restore = true;
	return 0;
}

SYSCALL(NR_execve, execve)
{
	struct proc *p = cur_proc();
	char *path = kmalloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	long n = strncpy_from_domain(p->dom, path, a0, PATH_MAX);
	long r = n < 0 ? n : do_execve(path, a1, a2);
	kfree(path);
	/* On success the frame was replaced: rax must be 0 in the new program. */
	return r;
}

/*
 * execveat(2), fexecve(3) with it: the program names a file from dirfd.
 * As Linux does, the new program is told a name in /dev/fd (AT_EXECFN,
 * and a script's interpreter gets it as its argument): /dev/fd/N for the
 * file of dirfd itself (AT_EMPTY_PATH with ""), /dev/fd/N/PATH for a
 * relative path; /dev/fd's links lead to the open file itself.
 */
SYSCALL(NR_execveat, execveat)
{
	int dirfd = (int)a0;
	u32 flags = (u32)a4;
	if (flags & ~(u32)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	char *path = kmalloc(PATH_MAX), *full = kmalloc(PATH_MAX);
	long r = path && full ? 0 : -ENOMEM;
	if (r == 0) {
		long n = strncpy_from_domain(cur_dom(), path, a1, PATH_MAX);
		r = n < 0 ? n : 0;
	}
	if (r == 0 && !path[0] && !(flags & AT_EMPTY_PATH))
		r = -ENOENT;
	if (r == 0) {
		if (path[0] == '/' || dirfd == AT_FDCWD)
			strlcpy(full, path, PATH_MAX);
		else if (!path[0])
			snprintf(full, PATH_MAX, "/dev/fd/%d", dirfd);
		else
			snprintf(full, PATH_MAX, "/dev/fd/%d/%s", dirfd, path);
		if (dirfd != AT_FDCWD && path[0] != '/') {
			struct file *f = fs_fget(dirfd);
			if (!f)
				r = -EBADF;
			else if (path[0] && !S_ISDIR(f->ip->mode))
				r = -ENOTDIR;
			file_put(f);
		}
	}
	if (r == 0 && (flags & AT_SYMLINK_NOFOLLOW) && path[0]) {
		/* The last component may not be a symlink: ELOOP, as Linux. */
		struct inode *ip;
		long lr = fs_resolve_at(dirfd, a1, 0, &ip);
		if (lr == 0) {
			if (S_ISLNK(ip->mode))
				r = -ELOOP;
			inode_put(ip);
		}
	}
	if (r == 0)
		r = do_execve(full, a2, a3);
	kfree(path);
	kfree(full);
	return r;
}

long exec_spawn(u64 upath, u64 uargv, u64 uenvp)
{
	/* A new process from an executable, without copying the caller (the one-address-space way). */
	struct proc *p = cur_proc();
	struct domain *d = cur_dom();
	struct exec_args args = {.buf = kmalloc(EXEC_ARGS_MAX),
				 .stack_limit = proc_rlimit_cur(p, RLIMIT_STACK)};
	if (!args.buf)
		return -ENOMEM;
	long r = strncpy_from_domain(d, args.path, upath, sizeof args.path);
	if (r >= 0)
		r = gather_strings(d, uargv, &args, &args.argc);
	if (r >= 0)
		r = gather_strings(d, uenvp, &args, &args.envc);
	struct exec_new nw;
	if (r >= 0)
		r = exec_prepare(&args, cur_cred(),
				 __atomic_load_n(&p->no_new_privs, __ATOMIC_RELAXED), &nw);
	if (r < 0) {
		kfree(args.buf);
		return r;
	}
	struct proc *c = proc_nproc_exceeded(p) ? NULL : proc_alloc(p);
	if (!c) {
		kfree(args.buf);
		exec_new_put(&nw);
		return -EAGAIN;
	}
	c->dom = nw.dom;
	cred_put(c->cred); /* the parent's, from proc_alloc: the program's own instead */
	c->cred = nw.cred;
	c->dumpable = nw.dumpable;
	vaddr_t entry = nw.entry, sp = nw.sp;
	c->fs = fs_fork(cur_fs(), false);
	if (c->fs)
		fs_exec(c->fs);
	set_name(c, args.path, nw.file);
	proc_set_cmdline(c, args.buf, args.argc);
	kfree(args.buf);
	for (int i = 0; i < NSIG; i++) /* handlers do not survive into a new image */
		if (c->sigactions[i].handler > SIG_IGN)
			c->sigactions[i] = (struct k_sigaction){0};
	struct thread *ct = c->fs ? thread_alloc(c, thread_end) : NULL;
	if (!ct) {
		proc_discard(c);
		return -ENOMEM;
	}
	thread_set_entry(&ct->regs, entry, sp);
	u32 pid = c->pid;
	thread_start(ct);
	return pid;
}

SYSCALL(SYS_spawn, spawn)
{
	return exec_spawn(a0, a1, a2);
}

int spawn_init(const char *path, char *const argv[], char *const envp[])
{
	struct exec_args args = {.buf = kmalloc(EXEC_ARGS_MAX)};
	if (!args.buf)
		return -ENOMEM;
	strlcpy(args.path, path, sizeof args.path);
	for (int pass = 0; pass < 2; pass++) {
		char *const *v = pass ? envp : argv;
		for (; v && *v; v++) {
			size_t n = strlen(*v) + 1;
			if (args.len + n > EXEC_ARGS_MAX) {
				kfree(args.buf);
				return -E2BIG;
			}
			memcpy(args.buf + args.len, *v, n);
			args.len += n;
			if (pass)
				args.envc++;
			else
				args.argc++;
		}
	}
	struct proc *p = proc_alloc(NULL);
	if (!p) {
		kfree(args.buf);
		return -ENOMEM;
	}
	init_proc = p;
	struct exec_new nw;
	int r = exec_prepare(&args, &cred_root, false, &nw);
	if (r == 0) {
		p->dom = nw.dom;
		cred_put(nw.cred); /* root's, as init's already is */
		proc_set_cmdline(p, args.buf, args.argc);
	}
	vaddr_t entry = nw.entry, sp = nw.sp;
	kfree(args.buf);
	if (r < 0) {
		init_proc = NULL;
		proc_discard(p);
		return r;
	}
	set_name(p, path, nw.file);
	p->fs = fs_state_new();
	struct thread *t = p->fs ? thread_alloc(p, thread_end) : NULL;
	if (!t || fs_open_console(p->fs) < 0) {
		if (t)
			thread_free_unstarted(t);
		init_proc = NULL;
		proc_discard(p);
		return -ENOMEM;
	}
	thread_set_entry(&t->regs, entry, sp);
	thread_start(t);
	return (int)p->pid;
}
