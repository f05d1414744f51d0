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

static u64 next_domain_id = 1; /* [a] ids name domains in PCID caches: never reused */

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
	d->id = __atomic_fetch_add(&next_domain_id, 1, __ATOMIC_RELAXED);
	d->refs = 1;
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
	bool shared; /* the region is MAP_SHARED: no copy-on-write */
	int err;
};

static void fork_one(struct domain *parent, vaddr_t va, pte_t *pte, void *ctx)
{
	struct fork_ctx *f = ctx;
	if (f->err)
		return;
	paddr_t pa = *pte & PTE_ADDR_MASK;
	if (!f->shared && (*pte & PTE_W))
		*pte = (*pte & ~PTE_W) | PTE_COW;
	/* The child's entry, tables made as needed, gets exactly the parent's (now read-only) bits. */
	int level;
	pte_t *c = pt_walk(f->child->root, va, 1, pt_alloc_page, &level);
	if (!c || level != 1) {
		f->err = -ENOMEM;
		return;
	}
	*c = *pte;
	frame_ref(pa);
	resident_inc(f->child);
}

/*
 * A shared region's pages must all exist before a fork shares them: a page
 * first touched afterwards would be faulted in twice, a private zero page
 * on each side. (The cost: a fork fills the untouched part of every
 * MAP_SHARED anonymous mapping.) Caller holds d->lock.
 */
static int populate_shared(struct domain *d, struct region *r)
{
	for (vaddr_t va = r->start; va < r->end; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(d->root, va);
		if (pte && (*pte & PTE_P))
			continue;
		if (map_zero_page(d, va, r->flags) < 0)
			return -ENOMEM;
		if (!(r->flags & (REGION_READ | REGION_WRITE | REGION_EXEC)))
			*vm_walk(d->root, va) &= ~PTE_U; /* PROT_NONE, as mprotect leaves it */
	}
	return 0;
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
	int err = 0;
	struct list_node *pos;
	list_for_each(pos, &parent->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		struct region *copy = knew(struct region);
		if (!copy) {
			err = -ENOMEM;
			break;
		}
		*copy = *r;
		if (r->flags & REGION_MSG)
			xrange_get(r->xr); /* the child's copy holds the range too */
		list_push_back(&child->regions, &copy->node);
		struct fork_ctx f = {.child = child, .shared = r->flags & REGION_SHARED};
		if (f.shared && (err = populate_shared(parent, r)) < 0)
			break;
		walk_range(parent, r->start, r->end, fork_one, &f);
		if (f.err) {
			err = f.err;
			break;
		}
	}
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_hint = parent->mmap_hint;
	spin_unlock(&parent->lock);
	/* The parent's writable pages just became read-only everywhere. */
	domain_tlb_flush(parent, 0, 0);
	if (err) {
		domain_put(child);
		return NULL;
	}
	return child;
}

void domain_get(struct domain *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

static u32 oom_pending; /* [a] domains marked by domain_oom_mark, not yet freed */

void domain_oom_mark(struct domain *d)
{
	if (!__atomic_exchange_n(&d->oom_victim, true, __ATOMIC_ACQ_REL))
		__atomic_add_fetch(&oom_pending, 1, __ATOMIC_RELAXED);
}

u32 domain_oom_pending(void)
{
	return __atomic_load_n(&oom_pending, __ATOMIC_RELAXED);
}

void domain_put(struct domain *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* Every page below is back once this returns; a wait for it may end a moment early. */
	if (__atomic_load_n(&d->oom_victim, __ATOMIC_ACQUIRE))
		__atomic_sub_fetch(&oom_pending, 1, __ATOMIC_RELAXED);
	/* No thread uses it any more; make every core leave its root first. */
	domain_tlb_drop(d);
	/* One pass frees the frames and the tables (frames shared with a fork keep theirs). */
	vm_root_release(d->root, frame_unref);
	while (!list_empty(&d->regions))
		region_free(container_of(list_pop_front(&d->regions), struct region, node));
	slot_put(d->slot);
	kfree(d);
}
