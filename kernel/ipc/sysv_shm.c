/*
 * System V shared memory segments (sysv.h, shmop(2)): each segment is a
 * shared anonymous memory object (vm/shmem.h), so every process that
 * attaches it maps the same pages, zero until written, and they go to
 * swap as any shared page does (unless SHM_LOCKed).
 *
 * Attachments are regions (REGION_SYSVSHM) that mm counts for us as
 * Linux counts its vmas: shmat, fork and a split add one, shmdt, munmap,
 * exec and exit take one away. Each holds a reference on the segment;
 * a segment removed with IPC_RMID (SHM_DEST, its key private at once)
 * leaves the table when the last one goes.
 *
 * Locking: shm_table.lock, then a segment's o.lock. The region hooks run
 * under a domain's lock (mm/domain.h) and take these; nothing here calls
 * into mm holding them.
 */
#include "ipc/sysv_impl.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "vm/shmem.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/limits.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"

#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000

struct sysv_table shm_table = {.lock = SPINLOCK_INIT, .limit = SHMMNI};
static u64 total_pages; /* [a] pages of all segments (SHMALL) */

/* What shmget asks of a new segment, and why making one failed. */
struct shm_new {
	u64 size;
	int flags;
	int err;
	bool made; /* a new one: its creator needs no permission */
};

static u64 seg_pages(u64 size)
{
	return ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
}

static void shmseg_free(struct sysv_obj *o)
{
	struct shmseg *s = container_of(o, struct shmseg, o);
	assert(s->nattch == 0);
	shmem_put(s->mem);
	vmname_put(s->name);
	__atomic_sub_fetch(&total_pages, seg_pages(s->size), __ATOMIC_RELAXED);
	kfree(s);
}

static void region_attach(struct vmobj *m)
{
	struct shmseg *s = shmem_owner(m);
	assert(s);
	__atomic_add_fetch(&s->o.refs, 1, __ATOMIC_RELAXED); /* the region's */
	spin_lock(&s->o.lock);
	s->nattch++;
	s->atime = sysv_now();
	s->lpid = cur_pid();
	spin_unlock(&s->o.lock);
}

/* One attachment fewer: a removed segment goes with its last. */
static void attach_done(struct shmseg *s, bool detached)
{
	spin_lock(&s->o.lock);
	assert(s->nattch > 0);
	bool last = --s->nattch == 0 && (s->o.perm.mode & SHM_DEST);
	if (detached) {
		s->dtime = sysv_now();
		s->lpid = cur_pid();
	}
	spin_unlock(&s->o.lock);
	if (last)
		sysv_remove(&shm_table, &s->o);
}

static void region_detach(struct vmobj *m)
{
	struct shmseg *s = shmem_owner(m);
	assert(s);
	attach_done(s, true);
	sysv_put(&s->o); /* the region's; the region itself still holds m */
}

static const struct mm_shm_ops region_hooks = {.attach = region_attach, .detach = region_detach};

static struct sysv_obj *shmseg_make(void *arg)
{
	struct shm_new *n = arg;
	if (n->size < SHMMIN || n->size > SHMMAX) {
		n->err = -EINVAL;
		return NULL;
	}
	if (n->flags & SHM_HUGETLB) {
		/* As Linux with no huge pages set aside (vm.nr_hugepages 0): ENOMEM. */
		syscall_unsupported("SHM_HUGETLB (no huge page pool)");
		n->err = -ENOMEM;
		return NULL;
	}
	u64 pages = seg_pages(n->size);
	u64 before = __atomic_fetch_add(&total_pages, pages, __ATOMIC_RELAXED);
	if (before + pages < before || before + pages > SHMALL) {
		__atomic_sub_fetch(&total_pages, pages, __ATOMIC_RELAXED);
		n->err = -ENOSPC;
		return NULL;
	}
	struct shmseg *s = knew(struct shmseg);
	struct vmobj *mem = s ? shmem_create(n->size) : NULL;
	if (!mem) {
		kfree(s);
		__atomic_sub_fetch(&total_pages, pages, __ATOMIC_RELAXED);
		n->err = -ENOMEM;
		return NULL;
	}
	mm_set_shm_ops(&region_hooks); /* before the first attachment */
	shmem_set_owner(mem, s);
	s->mem = mem;
	s->size = n->size;
	s->cpid = cur_pid();
	s->o.free = shmseg_free;
	n->made = true;
	return &s->o;
}

/*
 * What /proc/<pid>/maps says of its attachments, as Linux: the key it was
 * made with, and its id as the inode. Once, before its first attachment
 * (shmget names it; shmat does if a guessed id came first). Caller holds
 * s->o.lock.
 */
static void shmseg_named(struct shmseg *s)
{
	if (s->name)
		return;
	char buf[40];
	snprintf(buf, sizeof buf, "/SYSV%08x (deleted)", (u32)s->o.perm.key);
	s->name = vmname_new(buf);
	pcache_identify(container_of(s->mem, struct pcache, obj), 0, (u64)s->o.id);
}

static int shmseg_check(struct sysv_obj *o, void *arg)
{
	struct shm_new *n = arg;
	return n->size > container_of(o, struct shmseg, o)->size ? -EINVAL : 0;
}

long shmseg_get(i32 key, u64 size, int flags)
{
	struct shm_new n = {.size = size, .flags = flags};
	struct sysv_obj *o;
	int r = sysv_get(&shm_table, key, flags, shmseg_make, shmseg_check, &n, &o);
	if (r < 0)
		return n.err ? n.err : r;
	struct shmseg *s = container_of(o, struct shmseg, o);
	spin_lock(&o->lock);
	shmseg_named(s);
	bool ok = n.made || sysv_perm_ok(o, flags);
	int id = o->id;
	spin_unlock(&o->lock);
	sysv_put(o);
	return ok ? id : -EACCES;
}

long shmseg_attach(struct shmseg *s, u64 addr, int flags)
{
	if (addr & (PAGE_SIZE - 1)) {
		if (!(flags & SHM_RND))
			return -EINVAL;
		addr &= ~(PAGE_SIZE - 1); /* SHMLBA is a page here */
		if (!addr && (flags & SHM_REMAP))
			return -EINVAL;
	} else if (!addr && (flags & SHM_REMAP)) {
		return -EINVAL;
	}
	u32 rflags = REGION_READ | REGION_SHARED | REGION_SYSVSHM;
	int acc = 0444;
	if (flags & SHM_RDONLY) {
		rflags |= REGION_NOWRITE; /* opened read-only: mprotect may not add writing */
	} else {
		rflags |= REGION_WRITE;
		acc |= 0222;
	}
	if (flags & SHM_EXEC) {
		rflags |= REGION_EXEC;
		acc |= 0111;
	}
	u64 len = ALIGN_UP(s->size, PAGE_SIZE);
	if (addr && addr + len < addr)
		return -EINVAL;
	spin_lock(&s->o.lock);
	long r = s->o.removed ? -EIDRM : !sysv_perm_ok(&s->o, acc) ? -EACCES : 0;
	if (r == 0) {
		s->nattch++; /* while it is being mapped: IPC_RMID must not end it meanwhile */
		shmseg_named(s);
	}
	struct vmname *name = r == 0 && s->name ? vmname_get(s->name) : NULL;
	spin_unlock(&s->o.lock);
	if (r < 0)
		return r;
	struct domain *d = cur_dom();
	r = mm_mmap_check(d, len, false, __atomic_load_n(&d->lock_future, __ATOMIC_RELAXED));
	if (r == 0) {
		struct map_req req = {.addr = addr,
				      .len = len,
				      .flags = rflags,
				      .obj = s->mem,
				      .name = name,
				      .fixed = addr != 0,
				      .noreplace = addr && !(flags & SHM_REMAP)};
		r = (long)domain_mmap(d, &req);
		if (r == -EEXIST)
			r = -EINVAL; /* over another mapping without SHM_REMAP */
	}
	vmname_put(name);
	attach_done(s, false); /* the region counts itself from here */
	return r;
}

void shmseg_remove(struct shmseg *s)
{
	spin_lock(&shm_table.lock);
	spin_lock(&s->o.lock);
	s->o.perm.mode |= SHM_DEST;
	s->o.perm.key = IPC_PRIVATE; /* shmget finds it no more */
	bool now = s->nattch == 0;
	s->o.ctime = sysv_now();
	spin_unlock(&s->o.lock);
	spin_unlock(&shm_table.lock);
	if (now)
		sysv_remove(&shm_table, &s->o);
}

/* Pages uid has SHM_LOCKed, s left out. Caller holds shm_table.lock. */
static u64 user_locked(u32 uid, struct shmseg *s)
{
	u64 n = 0;
	for (int i = 0; shm_table.slots && i < SHMMNI; i++) {
		struct shmseg *o = shm_table.slots[i] ? container_of(shm_table.slots[i], struct shmseg, o) : NULL;
		if (o && o != s && o->locked && o->lock_uid == uid)
			n += o->locked;
	}
	return n;
}

int shmseg_lock(struct shmseg *s, bool lock)
{
	struct cred *c = cur_cred();
	bool cap = cred_capable(c, CAP_IPC_LOCK);
	u64 limit = cur_rlimit(RLIMIT_MEMLOCK);
	int r = 0;
	spin_lock(&shm_table.lock);
	spin_lock(&s->o.lock);
	if (!cap && c->euid != s->o.perm.uid && c->euid != s->o.perm.cuid)
		r = -EPERM;
	else if (!cap && lock && limit == 0)
		r = -EPERM;
	else if (lock && !s->locked) {
		u64 pages = seg_pages(s->size);
		if (!cap && limit != RLIM_INFINITY &&
		    user_locked(c->euid, s) + pages > limit >> PAGE_SHIFT)
			r = -ENOMEM;
		else {
			s->locked = pages;
			s->lock_uid = c->euid;
			s->o.perm.mode |= SHM_LOCKED;
		}
	} else if (!lock && s->locked) {
		s->locked = 0;
		s->o.perm.mode &= ~(u32)SHM_LOCKED;
	}
	if (r == 0)
		shmem_set_locked(s->mem, lock);
	spin_unlock(&s->o.lock);
	spin_unlock(&shm_table.lock);
	return r;
}

u64 shm_total_pages(void)
{
	return __atomic_load_n(&total_pages, __ATOMIC_RELAXED);
}

void shm_exit(struct proc *p, struct domain *d)
{
	if (!__atomic_load_n(&total_pages, __ATOMIC_RELAXED))
		return; /* no segment: nothing can be attached */
	/*
	 * Only if p alone uses d (its reference and its last thread's): a
	 * process that shares it (CLONE_VM) keeps the attachments, which go
	 * with the domain's last reference instead.
	 */
	if (__atomic_load_n(&d->refs, __ATOMIC_ACQUIRE) > 2)
		return;
	/* The hooks read the caller's pid: act as p (its end runs outside its threads). */
	struct cur_saved saved = cur_act_for(p, d, NULL, cur_cred());
	domain_shm_detach_all(d);
	cur_restore(saved);
}
