/*
 * /proc/sysvipc/{msg,sem,shm}: one line per object, in Linux's columns
 * (ipc/msg.c, sem.c and shm.c's proc_show), for ipcs and friends. Each
 * line is made under the object's lock and handed out after it.
 */
#include "ipc/sysv_impl.h"
#include "vm/shmem.h"
#include "lib/kernel.h"

static int line_msg(struct sysv_obj *o, char *buf, size_t cap)
{
	struct msgq *q = container_of(o, struct msgq, o);
	return snprintf(buf, cap, "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10ld %10ld %10ld\n",
			o->perm.key, o->id, o->perm.mode, q->cbytes, q->qnum, q->lspid, q->lrpid,
			o->perm.uid, o->perm.gid, o->perm.cuid, o->perm.cgid, q->stime, q->rtime, o->ctime);
}

static int line_sem(struct sysv_obj *o, char *buf, size_t cap)
{
	struct semset *s = container_of(o, struct semset, o);
	return snprintf(buf, cap, "%10d %10d  %4o %10u %5u %5u %5u %5u %10ld %10ld\n", o->perm.key,
			o->id, o->perm.mode, s->nsems, o->perm.uid, o->perm.gid, o->perm.cuid,
			o->perm.cgid, s->otime, o->ctime);
}

static int line_shm(struct sysv_obj *o, char *buf, size_t cap)
{
	struct shmseg *s = container_of(o, struct shmseg, o);
	u64 rss, swp;
	shmem_usage(s->mem, &rss, &swp); /* the cache's lock nests inside the segment's */
	return snprintf(buf, cap,
			"%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
			o->perm.key, o->id, o->perm.mode, s->size, s->cpid, s->lpid, s->nattch,
			o->perm.uid, o->perm.gid, o->perm.cuid, o->perm.cgid, s->atime, s->dtime,
			o->ctime, rss * PAGE_SIZE, swp * PAGE_SIZE);
}

static const struct {
	struct sysv_table *t;
	const char *head;
	int (*line)(struct sysv_obj *o, char *buf, size_t cap);
} kinds[] = {
	[SYSV_PROC_MSG] = {&msg_table,
			   "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
			   "      stime      rtime      ctime\n",
			   line_msg},
	[SYSV_PROC_SEM] = {&sem_table,
			   "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
			   line_sem},
	[SYSV_PROC_SHM] = {&shm_table,
			   "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid"
			   "  cgid      atime      dtime      ctime                   rss                  swap\n",
			   line_shm},
};

void sysv_proc_lines(int kind, void (*put)(void *arg, const char *line), void *arg)
{
	assert(kind >= 0 && kind < (int)ARRAY_SIZE(kinds));
	put(arg, kinds[kind].head);
	char buf[256];
	for (int i = 0; i < SYSV_SLOTS; i++) {
		struct sysv_obj *o = sysv_at(kinds[kind].t, i);
		if (!o)
			continue;
		spin_lock(&o->lock);
		kinds[kind].line(o, buf, sizeof buf);
		spin_unlock(&o->lock);
		sysv_put(o);
		put(arg, buf);
	}
}
