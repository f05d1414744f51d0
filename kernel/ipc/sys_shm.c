/*
 * The System V shared memory calls (shmget(2), shmat(2), shmdt(2),
 * shmctl(2)) over the segments of sysv_shm.c.
 */
#include "ipc/sysv_impl.h"
#include "mm/domain.h"
#include "vm/shmem.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15

/* struct shmid64_ds on x86-64 */
struct shmid64_ds {
	struct ipc64_perm perm;
	u64 segsz;
	i64 atime, dtime, ctime;
	i32 cpid, lpid;
	u64 nattch;
	u64 unused4, unused5;
};

struct shminfo64 {
	u64 shmmax, shmmin, shmmni, shmseg, shmall;
	u64 unused1, unused2, unused3, unused4;
};

struct shm_info {
	i32 used_ids;
	u64 shm_tot, shm_rss, shm_swp;
	u64 swap_attempts, swap_successes; /* unused, as on Linux */
};

SYSCALL(NR_shmget, shmget)
{
	return shmseg_get((i32)a0, a1, (int)a2);
}

SYSCALL(NR_shmat, shmat)
{
	int id = (int)a0;
	if (id < 0)
		return -EINVAL;
	struct sysv_obj *o = sysv_find(&shm_table, id);
	if (!o)
		return -EINVAL;
	long r = shmseg_attach(container_of(o, struct shmseg, o), a1, (int)a2);
	sysv_put(o);
	return r;
}

SYSCALL(NR_shmdt, shmdt)
{
	if (a0 & (PAGE_SIZE - 1))
		return -EINVAL;
	return domain_shm_detach(cur_dom(), a0);
}

/* IPC_STAT, SHM_STAT: with read permission unless any (SHM_STAT_ANY). */
static long shm_stat(struct shmseg *s, u64 ubuf, bool any)
{
	struct shmid64_ds ds = {0};
	spin_lock(&s->o.lock);
	if (!any && !sysv_perm_ok(&s->o, 0444)) {
		spin_unlock(&s->o.lock);
		return -EACCES;
	}
	ds.perm = s->o.perm;
	ds.segsz = s->size;
	ds.atime = s->atime;
	ds.dtime = s->dtime;
	ds.ctime = s->o.ctime;
	ds.cpid = (i32)s->cpid;
	ds.lpid = (i32)s->lpid;
	ds.nattch = s->nattch;
	spin_unlock(&s->o.lock);
	return copy_to_domain(cur_dom(), ubuf, &ds, sizeof ds) < 0 ? -EFAULT : 0;
}

/* SHM_INFO: what the segments use, in pages. */
static void shm_usage(struct shm_info *si)
{
	si->shm_tot = shm_total_pages();
	for (int i = 0; i < SHMMNI; i++) {
		struct sysv_obj *o = sysv_at(&shm_table, i);
		if (!o)
			continue;
		u64 res, swp;
		shmem_usage(container_of(o, struct shmseg, o)->mem, &res, &swp);
		si->used_ids++;
		si->shm_rss += res;
		si->shm_swp += swp;
		sysv_put(o);
	}
}

static long shm_set(struct shmseg *s, u64 ubuf)
{
	struct shmid64_ds ds;
	if (copy_from_domain(cur_dom(), &ds, ubuf, sizeof ds) < 0)
		return -EFAULT;
	spin_lock(&s->o.lock);
	long r = -EPERM;
	if (sysv_owner_ok(&s->o)) {
		sysv_set_perm_locked(&s->o, &ds.perm);
		r = 0;
	}
	spin_unlock(&s->o.lock);
	return r;
}

static long shm_rmid(struct shmseg *s)
{
	spin_lock(&s->o.lock);
	bool ok = sysv_owner_ok(&s->o);
	spin_unlock(&s->o.lock);
	if (!ok)
		return -EPERM;
	shmseg_remove(s);
	return 0;
}

SYSCALL(NR_shmctl, shmctl)
{
	int id = (int)a0, cmd = (int)a1 & ~IPC_64;
	u64 buf = a2;
	if (id < 0 || cmd < 0)
		return -EINVAL;
	if (cmd == IPC_INFO || cmd == SHM_INFO) {
		long r;
		if (cmd == IPC_INFO) {
			struct shminfo64 si = {.shmmax = SHMMAX, .shmmin = SHMMIN, .shmmni = SHMMNI,
					       .shmseg = SHMMNI, .shmall = SHMALL};
			r = copy_to_domain(cur_dom(), buf, &si, sizeof si);
		} else {
			struct shm_info si = {0};
			shm_usage(&si);
			r = copy_to_domain(cur_dom(), buf, &si, sizeof si);
		}
		return r < 0 ? -EFAULT : sysv_max_index(&shm_table);
	}
	if (cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
		struct sysv_obj *o = sysv_at(&shm_table, id);
		if (!o)
			return -EINVAL;
		long r = shm_stat(container_of(o, struct shmseg, o), buf, cmd == SHM_STAT_ANY);
		int sid = o->id;
		sysv_put(o);
		return r < 0 ? r : sid;
	}
	struct sysv_obj *o = sysv_find(&shm_table, id);
	if (!o)
		return -EINVAL;
	struct shmseg *s = container_of(o, struct shmseg, o);
	long r;
	switch (cmd) {
	case IPC_STAT:
		r = shm_stat(s, buf, false);
		break;
	case IPC_SET:
		r = shm_set(s, buf);
		break;
	case IPC_RMID:
		r = shm_rmid(s);
		break;
	case SHM_LOCK:
	case SHM_UNLOCK:
		r = shmseg_lock(s, cmd == SHM_LOCK);
		break;
	default:
		r = -EINVAL;
	}
	sysv_put(o);
	return r;
}
