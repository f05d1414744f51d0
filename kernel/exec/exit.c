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
