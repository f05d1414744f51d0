/* System V IPC's shared part (sysv.h): keys, ids, references, permissions. */
#include "ipc/sysv.h"
#include "mm/kheap.h"
#include "arch/x86_64/rtc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "proc/cur.h"
#include "proc/cred.h"

i64 sysv_now(void)
{
	return (i64)(realtime_ns() / 1000000000UL);
}

static int id_of(struct sysv_table *t, int idx)
{
	return (int)t->seq * SYSV_SEQ_MULT + idx;
}

struct sysv_obj *sysv_find(struct sysv_table *t, int id)
{
	if (id < 0)
		return NULL;
	int idx = id % SYSV_SEQ_MULT;
	if (idx >= SYSV_SLOTS)
		return NULL;
	spin_lock(&t->lock);
	struct sysv_obj *o = t->slots ? t->slots[idx] : NULL;
	if (o && o->id == id)
		__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
	else
		o = NULL;
	spin_unlock(&t->lock);
	return o;
}

struct sysv_obj *sysv_at(struct sysv_table *t, int idx)
{
	if (idx < 0 || idx >= SYSV_SLOTS)
		return NULL;
	spin_lock(&t->lock);
	struct sysv_obj *o = t->slots ? t->slots[idx] : NULL;
	if (o)
		__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
	spin_unlock(&t->lock);
	return o;
}

void sysv_put(struct sysv_obj *o)
{
	if (o && __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0)
		o->free(o);
}

int sysv_get(struct sysv_table *t, i32 key, int flags, struct sysv_obj *(*make)(void *),
	     int (*check)(struct sysv_obj *, void *), void *arg, struct sysv_obj **out)
{
	spin_lock(&t->lock);
	if (!t->slots) {
		spin_unlock(&t->lock);
		struct sysv_obj **s = kzalloc(SYSV_SLOTS * sizeof *s);
		if (!s)
			return -ENOMEM;
		spin_lock(&t->lock);
		if (!t->slots)
			t->slots = s, s = NULL;
		spin_unlock(&t->lock);
		kfree(s);
		spin_lock(&t->lock);
	}
	if (key != IPC_PRIVATE) {
		for (int i = 0; i < SYSV_SLOTS; i++) {
			struct sysv_obj *o = t->slots[i];
			if (!o || o->perm.key != key)
				continue;
			int r = (flags & IPC_CREAT) && (flags & IPC_EXCL) ? -EEXIST
				: check ? check(o, arg) : 0;
			if (r == 0)
				__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
			spin_unlock(&t->lock);
			*out = o;
			return r;
		}
		if (!(flags & IPC_CREAT)) {
			spin_unlock(&t->lock);
			return -ENOENT;
		}
	}
	spin_unlock(&t->lock);
	struct sysv_obj *o = make(arg); /* may allocate: outside the table lock */
	if (!o)
		return -ENOMEM;
	spin_lock(&t->lock);
	int idx = 0, max = t->limit ? (int)t->limit : SYSV_SLOTS;
	while (idx < max && t->slots[idx])
		idx++;
	if (idx == max) {
		spin_unlock(&t->lock);
		o->free(o);
		return -ENOSPC;
	}
	t->seq = (u16)((t->seq + 1) % (0x7fffffff / SYSV_SEQ_MULT));
	o->lock = (struct spinlock)SPINLOCK_INIT;
	o->refs = 2; /* the table's and the caller's */
	o->id = id_of(t, idx);
	struct cred *c = cur_cred();
	o->perm = (struct ipc64_perm){.key = key, .uid = c->euid, .gid = c->egid, .cuid = c->euid,
				      .cgid = c->egid, .mode = (u32)flags & 0777, .seq = t->seq};
	o->ctime = sysv_now();
	t->slots[idx] = o;
	t->count++;
	spin_unlock(&t->lock);
	*out = o;
	return 0;
}

void sysv_remove(struct sysv_table *t, struct sysv_obj *o)
{
	bool was = false;
	spin_lock(&t->lock);
	int idx = o->id % SYSV_SEQ_MULT;
	if (t->slots && t->slots[idx] == o) {
		t->slots[idx] = NULL;
		t->count--;
		was = true;
	}
	spin_unlock(&t->lock);
	spin_lock(&o->lock);
	o->removed = true;
	spin_unlock(&o->lock);
	if (was)
		sysv_put(o); /* the table's reference */
}

void sysv_set_perm_locked(struct sysv_obj *o, const struct ipc64_perm *p)
{
	assert(spin_is_locked(&o->lock));
	o->perm.uid = p->uid;
	o->perm.gid = p->gid;
	o->perm.mode = (o->perm.mode & ~0777u) | (p->mode & 0777);
	o->ctime = sysv_now();
}

int sysv_max_index(struct sysv_table *t)
{
	int max = 0;
	spin_lock(&t->lock);
	for (int i = 0; t->slots && i < SYSV_SLOTS; i++)
		if (t->slots[i])
			max = i;
	spin_unlock(&t->lock);
	return max;
}

bool sysv_perm_ok(struct sysv_obj *o, int flag)
{
	assert(spin_is_locked(&o->lock));
	struct cred *c = cur_cred();
	int want = (flag >> 6 | flag >> 3 | flag) & 7;
	u32 granted = o->perm.mode;
	if (c->euid == o->perm.cuid || c->euid == o->perm.uid)
		granted >>= 6;
	else if (cred_in_group(c, o->perm.cgid) || cred_in_group(c, o->perm.gid))
		granted >>= 3;
	return !(want & ~granted & 7) || cred_capable(c, CAP_IPC_OWNER);
}

bool sysv_owner_ok(struct sysv_obj *o)
{
	assert(spin_is_locked(&o->lock));
	struct cred *c = cur_cred();
	return c->euid == o->perm.cuid || c->euid == o->perm.uid || cred_capable(c, CAP_SYS_ADMIN);
}
