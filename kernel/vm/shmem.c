/*
 * Shared anonymous memory (see shmem.h). Its fields are the page cache's
 * (under the cache's lock) and a reference count ([a]); the last
 * reference frees the pages and the object.
 */
#include "vm/shmem.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "lib/kernel.h"

struct shmem {
	struct pcache pc;
	u64 size; /* [I] bytes */
	u32 refs; /* [a] mappings and holders */
	void *owner; /* [I after shmem_set_owner] a System V segment, or NULL */
};

static struct shmem *SH(struct pcache *pc)
{
	return container_of(pc, struct shmem, pc);
}

/* Its end, as a file's: past it (a mapping grown by mremap) is SIGBUS, as on Linux. */
static u64 shmem_size(struct pcache *pc)
{
	return SH(pc)->size;
}

static bool shmem_tryget(struct pcache *pc)
{
	u32 n = __atomic_load_n(&SH(pc)->refs, __ATOMIC_RELAXED);
	do {
		if (!n)
			return false;
	} while (!__atomic_compare_exchange_n(&SH(pc)->refs, &n, n + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

static void shmem_unref(struct pcache *pc)
{
	struct shmem *s = SH(pc);
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pcache_destroy(&s->pc);
	kfree(s);
}

static const struct pcache_ops shmem_ops = {
	.size = shmem_size,
	.tryget = shmem_tryget,
	.put = shmem_unref,
};

static u64 next_ino = 1; /* [a] what /proc/<pid>/maps shows as its inode */

struct vmobj *shmem_create(u64 size)
{
	struct shmem *s = knew(struct shmem);
	if (!s)
		return NULL;
	pcache_init(&s->pc, &shmem_ops, PC_SWAPBACKED);
	pcache_identify(&s->pc, 0, __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED));
	s->size = ALIGN_UP(size, PAGE_SIZE);
	s->refs = 1;
	return &s->pc.obj;
}

void shmem_put(struct vmobj *o)
{
	shmem_unref(container_of(o, struct pcache, obj));
}

void shmem_set_owner(struct vmobj *o, void *owner)
{
	SH(container_of(o, struct pcache, obj))->owner = owner;
}

void *shmem_owner(struct vmobj *o)
{
	return SH(container_of(o, struct pcache, obj))->owner;
}

void shmem_set_locked(struct vmobj *o, bool locked)
{
	__atomic_store_n(&container_of(o, struct pcache, obj)->unevictable, locked, __ATOMIC_RELAXED);
}

void shmem_usage(struct vmobj *o, u64 *resident, u64 *swapped)
{
	struct pcache *pc = container_of(o, struct pcache, obj);
	spin_lock(&pc->lock);
	*resident = pc->nrpages;
	*swapped = pc->nswapped;
	spin_unlock(&pc->lock);
}
