/*
 * The end of threads and processes: what the process model (below the
 * file system) cannot do itself. A thread's task, once done, comes here;
 * the last thread's end lets go of the process's file state before the
 * process becomes a zombie (proc_finish).
 */
#include "exec/exec.h"
#include "fs/fsproc.h"
#include "ipc/sysv.h"
#include "proc/proc.h"
#include "lib/kernel.h"

static void (*exit_hooks[EXIT_HOOKS])(struct proc *p); /* [I after boot] */

void exit_hook_register(void (*fn)(struct proc *p))
{
	for (int i = 0; i < EXIT_HOOKS; i++) {
		if (!exit_hooks[i]) {
			exit_hooks[i] = fn;
			return;
		}
	}
	panic("exit: more than %d exit hooks", EXIT_HOOKS);
}

/* Take p's file state away from it (procfs may be looking, under p->lock) and drop it. */
static void drop_fs(struct proc *p)
{
	spin_lock(&p->lock);
	struct fs_state *fs = p->fs;
	p->fs = NULL;
	spin_unlock(&p->lock);
	fs_exit(fs);
}

void thread_end(struct task *task)
{
	struct thread *t = container_of(task, struct thread, task);
	struct proc *p = t->proc;
	int status;
	if (thread_detach(t, &status)) {
		sem_exit(p->pid); /* SEM_UNDO's adjustments, before the parent hears of the exit */
		shm_exit(p, p->dom); /* its shared memory detached in its name, as SEM_UNDO */
		for (int i = 0; i < EXIT_HOOKS && exit_hooks[i]; i++)
			exit_hooks[i](p);
		drop_fs(p);
		proc_finish(p, status);
	}
	thread_release(t);
}

void proc_discard(struct proc *p)
{
	drop_fs(p);
	proc_free_unstarted(p);
}
