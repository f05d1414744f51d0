/*
 * Objects' lists of mappings (mm/vmobj.h): the reverse map that finds
 * every page-table entry of an object's page without a per-page record.
 * A walk visits the domains whose regions map the object, one at a time:
 * under vmobj.lock it picks a region not yet visited in this walk (a
 * sequence number on each region) and takes a reference on its domain,
 * then under the domain's own lock (the lock order is the domain's
 * first) it changes that domain's entries. No allocation, so a walk
 * cannot fail; a domain going away (no references left) is skipped, as
 * its tables are being freed anyway.
 *
 * Also the names regions carry for /proc/<pid>/maps.
 */
#include "mm/domain_impl.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

void vmobj_init(struct vmobj *o, const struct vmobj_ops *ops, u64 dev, u64 ino)
{
	o->ops = ops;
	o->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&o->maps);
	o->nshared_w = 0;
	o->walk_seq = 0;
	o->writecount = 0;
	o->dev = dev;
	o->ino = ino;
}

bool vmobj_mapped_shared(struct vmobj *o)
{
	return __atomic_load_n(&o->nshared_w, __ATOMIC_ACQUIRE) != 0;
}

/*
 * Call fn(d, r, arg) for every region r of o in every domain d that maps
 * it, with d->lock held (once per domain: fn gets each of its regions).
 */
static void walk_maps(struct vmobj *o, void (*fn)(struct domain *, struct region *, void *),
		      void *arg)
{
	spin_lock(&o->lock);
	u64 seq = ++o->walk_seq;
	spin_unlock(&o->lock);
	for (;;) {
		struct domain *d = NULL;
		spin_lock(&o->lock);
		struct list_node *pos;
		list_for_each(pos, &o->maps)
		{
			struct region *r = container_of(pos, struct region, objnode);
			if (r->walk_seq == seq)
				continue;
			if (domain_tryget(r->dom)) {
				d = r->dom;
				break;
			}
			r->walk_seq = seq; /* its domain is ending */
		}
		if (d) {
			/* This domain's regions are all visited now. */
			list_for_each(pos, &o->maps)
			{
				struct region *r = container_of(pos, struct region, objnode);
				if (r->dom == d)
					r->walk_seq = seq;
			}
		}
		spin_unlock(&o->lock);
		if (!d)
			return;
		spin_lock(&d->lock);
		list_for_each(pos, &d->regions)
		{
			struct region *r = container_of(pos, struct region, node);
			if (r->obj == o)
				fn(d, r, arg);
		}
		domain_unlock(d);
		domain_put(d);
	}
}

/* The part of r that maps object pages [first, last]: [*start, *end), false if none. */
static bool overlap(const struct region *r, u64 first, u64 last, vaddr_t *start, vaddr_t *end)
{
	u64 rlast = region_idx(r, r->end - PAGE_SIZE);
	if (last < r->pgoff || first > rlast)
		return false;
	*start = r->start + ((MAX(first, r->pgoff) - r->pgoff) << PAGE_SHIFT);
	*end = r->start + ((MIN(last, rlast) - r->pgoff + 1) << PAGE_SHIFT);
	return true;
}

static void unmap_one_region(struct domain *d, struct region *r, void *arg)
{
	u64 from = *(u64 *)arg;
	vaddr_t start, end;
	if (overlap(r, from, ~0UL, &start, &end))
		zap_range_locked(d, start, end);
}

void vmobj_unmap_from(struct vmobj *o, u64 from)
{
	walk_maps(o, unmap_one_region, &from);
}

struct wrprotect_ctx {
	u64 first, last;
};

static void wrprotect_pte(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	if (*pte & PTE_P)
		*pte &= ~PTE_W;
}

static void wrprotect_region(struct domain *d, struct region *r, void *arg)
{
	struct wrprotect_ctx *w = arg;
	vaddr_t start, end;
	if (!(r->flags & REGION_SHARED) || !overlap(r, w->first, w->last, &start, &end))
		return;
	walk_range(d, start, end, wrprotect_pte, NULL);
	domain_tlb_flush(d, start, end);
}

void vmobj_wrprotect(struct vmobj *o, u64 first, u64 last)
{
	struct wrprotect_ctx w = {first, last};
	if (vmobj_mapped_shared(o))
		walk_maps(o, wrprotect_region, &w);
}

/* ---- writers and programs (ETXTBSY) ---- */

int vmobj_get_write(struct vmobj *o)
{
	i32 n = __atomic_load_n(&o->writecount, __ATOMIC_RELAXED);
	do {
		if (n < 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&o->writecount, &n, n + 1, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return 0;
}

void vmobj_put_write(struct vmobj *o)
{
	__atomic_sub_fetch(&o->writecount, 1, __ATOMIC_RELEASE);
}

int vmobj_deny_write(struct vmobj *o)
{
	i32 n = __atomic_load_n(&o->writecount, __ATOMIC_RELAXED);
	do {
		if (n > 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&o->writecount, &n, n - 1, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return 0;
}

void vmobj_allow_write(struct vmobj *o)
{
	__atomic_add_fetch(&o->writecount, 1, __ATOMIC_RELEASE);
}

bool vmobj_writable(struct vmobj *o)
{
	return __atomic_load_n(&o->writecount, __ATOMIC_ACQUIRE) >= 0;
}

/* ---- names ---- */

struct vmname *vmname_new(const char *s)
{
	size_t n = strlen(s);
	struct vmname *v = kmalloc(sizeof *v + n + 1);
	if (!v)
		return NULL;
	v->refs = 1;
	memcpy(v->s, s, n + 1);
	return v;
}

struct vmname *vmname_get(struct vmname *n)
{
	__atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
	return n;
}

void vmname_put(struct vmname *n)
{
	if (n && __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(n);
}
