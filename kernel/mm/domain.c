/*
 * Domains' life cycle: creating one, the copy-on-write copy fork makes,
 * and freeing the last reference; and the slots, the shared address
 * space's ranges for position-independent executables that domains take
 * (a fork shares its parent's). The rest of the domain code: tlb.c,
 * region.c, fault.c, uaccess.c, msgpages.c (domain_impl.h).
 *
 * Locks used to protect data in this file: [slot_lock] for the slot
 * table, [a] atomic; a domain's own fields as domain.h says.
 */
#include "mm/domain_impl.h"
#include "mm/kheap.h"
#include "mm/pcid.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ---- slots: the global range allocator for position-independent executables ---- */

#define NSLOTS ((USER_SLOTS_END - USER_SLOTS_BASE) / SLOT_SIZE)
static struct spinlock slot_lock = SPINLOCK_INIT;
static u16 slot_refs[NSLOTS]; /* [slot_lock] domains using each slot (fork shares) */
static u32 slot_next;         /* [slot_lock] where the next search starts */

static int slot_alloc(void)
{
	spin_lock(&slot_lock);
	for (u32 n = 0; n < NSLOTS; n++) {
		u32 i = (slot_next + n) % NSLOTS;
		if (!slot_refs[i]) {
			slot_refs[i] = 1;
			/* Round-robin: a freed slot is reused last, which keeps stale pointers faulting. */
			slot_next = i + 1;
			spin_unlock(&slot_lock);
			return (int)i;
		}
	}
	spin_unlock(&slot_lock);
	return -1;
}

static void slot_get(u32 i)
{
	spin_lock(&slot_lock);
	slot_refs[i]++;
	spin_unlock(&slot_lock);
}

static void slot_put(u32 i)
{
	spin_lock(&slot_lock);
	assert(slot_refs[i] > 0);
	slot_refs[i]--;
	spin_unlock(&slot_lock);
}

/* ---- life cycle ---- */

static u64 next_domain_id = 1; /* [all_lock] ids name domains in PCID caches: never reused */

/* Every live domain, oldest (smallest id) first: the reclaim clock's round. */
static struct spinlock all_lock = SPINLOCK_INIT;
static struct list_node all_domains = LIST_INIT(all_domains); /* [all_lock] */

const struct mm_swap_ops *mm_swap; /* [I after boot] */

void mm_set_swap_ops(const struct mm_swap_ops *ops)
{
	mm_swap = ops;
}

const struct mm_shm_ops *mm_shm; /* [a] set before the first REGION_SYSVSHM region exists */

void mm_set_shm_ops(const struct mm_shm_ops *ops)
{
	__atomic_store_n(&mm_shm, ops, __ATOMIC_RELEASE);
}

struct domain *domain_next(u64 *hand)
{
	struct domain *found = NULL;
	spin_lock(&all_lock);
	/* The first past the hand that is not going away; past the last, round from the first. */
	for (int pass = 0; pass < 2 && !found; pass++) {
		struct list_node *pos;
		list_for_each(pos, &all_domains)
		{
			struct domain *d = container_of(pos, struct domain, all);
			if ((pass || d->id > *hand) && domain_tryget(d)) {
				found = d;
				break;
			}
		}
	}
	spin_unlock(&all_lock);
	if (found)
		*hand = found->id;
	return found;
}

static struct domain *domain_alloc(int slot)
{
	struct domain *d = knew(struct domain);
	if (!d)
		return NULL;
	d->root = vm_root_create();
	if (!d->root) {
		kfree(d);
		return NULL;
	}
	d->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&d->regions);
	list_init(&d->dead);
	d->refs = 1;
	spin_lock(&all_lock);
	d->id = next_domain_id++; /* taken under the lock: the list stays sorted by id */
	list_push_back(&all_domains, &d->all);
	spin_unlock(&all_lock);
	d->slot = (u32)slot;
	d->slot_base = USER_SLOTS_BASE + (u64)slot * SLOT_SIZE;
	return d;
}

/* Say once, at the first process, how domain switches treat the TLB. */
static void pcid_report(void)
{
	static bool said; /* [a] */
	if (__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		return;
	if (cpu_has.pcid)
		pr_info("domain: PCID tags on: %u per core, switches keep TLB entries (invpcid %d)\n",
			PCID_TAGS - 1, cpu_has.invpcid);
	else
		pr_info("domain: PCID tags off: every domain switch flushes the TLB\n");
}

struct domain *domain_create(void)
{
	pcid_report();
	int slot = slot_alloc();
	if (slot < 0)
		return NULL;
	struct domain *d = domain_alloc(slot);
	if (!d)
		slot_put((u32)slot);
	return d;
}

struct fork_ctx {
	struct domain *child;
	bool shared; /* the region is MAP_SHARED: both see the same pages, no copy-on-write */
	int err;
};

static void fork_one(struct domain *parent, vaddr_t va, pte_t *pte, void *ctx)
{
	struct fork_ctx *f = ctx;
	if (f->err)
		return;
	int level;
	if (pte_is_swap(*pte)) {
		/* Out in swap: the child's table holds the same entry, counted once more. */
		pte_t *c = pt_walk(f->child->root, va, 1, pt_alloc_page, &level);
		if (!c || level != 1) {
			f->err = -ENOMEM;
			return;
		}
		mm_swap->dup(pte_swap_entry(*pte));
		*c = *pte;
		f->child->swapped++;
		return;
	}
	paddr_t pa = *pte & PTE_ADDR_MASK;
	if (!f->shared && (*pte & PTE_W))
		*pte = (*pte & ~PTE_W) | PTE_COW;
	/* The child's entry, tables made as needed, gets exactly the parent's (now read-only) bits. */
	pte_t *c = pt_walk(f->child->root, va, 1, pt_alloc_page, &level);
	if (!c || level != 1) {
		f->err = -ENOMEM;
		return;
	}
	*c = *pte;
	frame_ref(pa);
	resident_inc(f->child);
}

struct domain *domain_fork(struct domain *parent)
{
	slot_get(parent->slot);
	struct domain *child = domain_alloc((int)parent->slot);
	if (!child) {
		slot_put(parent->slot);
		return NULL;
	}
	spin_lock(&parent->lock);
	/* Its tables' PROT_NONE pages come along as they are. */
	child->hidden_frames = __atomic_load_n(&parent->hidden_frames, __ATOMIC_RELAXED);
	int err = 0;
	struct list_node *pos;
	list_for_each(pos, &parent->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		/* Shared mappings are of objects: the child's faults find the same pages. */
		struct region *copy =
		    region_new(child, r->start, r->end, r->flags, r->obj, r->pgoff, r->name);
		if (!copy) {
			err = -ENOMEM;
			break;
		}
		copy->flags &= ~(u32)REGION_LOCKED; /* memory locks are not inherited (mlock(2)) */
		copy->xr = r->xr;
		if (r->flags & REGION_MSG)
			xrange_get(r->xr); /* the child's copy holds the range too */
		spin_lock(&child->lock);
		region_insert_locked(child, copy);
		spin_unlock(&child->lock);
		struct fork_ctx f = {.child = child, .shared = r->flags & REGION_SHARED};
		walk_range(parent, r->start, r->end, fork_one, &f);
		if (f.err) {
			err = f.err;
			break;
		}
	}
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_hint = parent->mmap_hint;
	child->lock_future = false; /* mlockall's locks are not inherited (mlockall(2)) */
	if (parent->exe && domain_set_exe(child, parent->exe) < 0)
		err = -ETXTBSY; /* cannot be: the parent's denial keeps writers out */
	spin_unlock(&parent->lock);
	/* The parent's writable pages just became read-only everywhere. */
	domain_tlb_flush(parent, 0, 0);
	if (err) {
		domain_put(child);
		return NULL;
	}
	return child;
}

int domain_set_exe(struct domain *d, struct vmobj *o)
{
	int r = vmobj_deny_write(o);
	if (r < 0)
		return r;
	o->ops->get(o);
	d->exe = o;
	return 0;
}

void domain_get(struct domain *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

bool domain_tryget(struct domain *d)
{
	u32 n = __atomic_load_n(&d->refs, __ATOMIC_RELAXED);
	do {
		if (!n)
			return false;
	} while (!__atomic_compare_exchange_n(&d->refs, &n, n + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

/* At the end of a domain: its swap entries' slots go (the frames go with the tables). */
static void free_swapped(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	if (pte_is_swap(*pte)) {
		mm_swap->free(pte_swap_entry(*pte));
		*pte = 0;
		d->swapped--;
	}
}

void domain_put(struct domain *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return;
	spin_lock(&all_lock);
	list_remove(&d->all);
	spin_unlock(&all_lock);
	/* No thread uses it any more; make every core leave its root first. */
	domain_tlb_drop(d);
	if (d->swapped) {
		spin_lock(&d->lock);
		struct list_node *pos;
		list_for_each(pos, &d->regions)
		{
			struct region *r = container_of(pos, struct region, node);
			walk_range(d, r->start, r->end, free_swapped, NULL);
		}
		spin_unlock(&d->lock);
	}
	/* One pass frees the frames and the tables (frames shared with a fork keep theirs). */
	vm_root_release(d->root, frame_unref);
	/* No walk of an object's mappings visits a domain with no references: no lock needed. */
	spin_lock(&d->lock);
	while (!list_empty(&d->regions))
		region_remove_locked(d, container_of(d->regions.next, struct region, node));
	domain_unlock(d);
	if (d->exe) {
		vmobj_allow_write(d->exe);
		d->exe->ops->put(d->exe);
	}
	slot_put(d->slot);
	kfree(d);
}
