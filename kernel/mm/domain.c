/*
 * Domains: regions, demand-zero and copy-on-write faults, fork, uaccess
 * and TLB shootdowns. See domain.h for the locking rules.
 */
#include "mm/domain.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/pagetable.h"
#include "mm/pcid.h"
#include "mm/vm.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
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

/* ---- frames ---- */

/* 8 bytes a step: a quarter of the work of memset's byte-wise rep stosb. */
static void page_zero(void *page)
{
	u64 n = PAGE_SIZE / 8;
	asm volatile("rep stosq" : "+D"(page), "+c"(n) : "a"(0UL) : "memory");
}

static void page_copy(void *dst, const void *src)
{
	u64 n = PAGE_SIZE / 8;
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static paddr_t frame_new_zeroed(void)
{
	paddr_t pa = page_alloc(0);
	if (!pa)
		return 0;
	page_zero(phys_to_virt(pa));
	__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
	return pa;
}

static void frame_ref(paddr_t pa)
{
	__atomic_add_fetch(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
}

/* Only after every TLB that may hold a mapping of pa has been flushed. */
static void frame_unref(paddr_t pa)
{
	if (__atomic_sub_fetch(&pa_to_frame(pa)->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		page_free(pa, 0);
}

static u32 frame_refs(paddr_t pa)
{
	return __atomic_load_n(&pa_to_frame(pa)->refcount, __ATOMIC_ACQUIRE);
}

static unsigned prot_of(u32 flags)
{
	unsigned p = VM_USER;
	if (flags & (REGION_READ | REGION_WRITE | REGION_EXEC))
		p |= VM_READ;
	if ((flags & REGION_WRITE) && !(flags & REGION_RO_LOCK))
		p |= VM_WRITE;
	if (flags & REGION_EXEC)
		p |= VM_EXEC;
	return p;
}

/* ---- page-table walking over a range, skipping empty tables ---- */

typedef void (*pte_fn)(struct domain *d, vaddr_t va, pte_t *pte, void *ctx);

/* One more page mapped; the peak is getrusage's ru_maxrss. Caller holds d->lock. */
static inline void resident_inc(struct domain *d)
{
	if (++d->resident > d->peak)
		__atomic_store_n(&d->peak, d->resident, __ATOMIC_RELAXED);
}

static void walk_level(struct domain *d, paddr_t table, int level, vaddr_t base, vaddr_t start,
		       vaddr_t end, pte_fn fn, void *ctx)
{
	pte_t *t = phys_to_virt(table);
	int shift = 12 + 9 * level;
	u64 span = 1UL << shift;
	/* Only the entries that overlap [start, end): a one-page walk is four steps. */
	int first = start > base ? (int)((start - base) >> shift) : 0;
	int last = (int)MIN(511UL, (end - 1 - base) >> shift);
	for (int i = first; i <= last; i++) {
		if (i % 8 == 0 && i + 7 <= last && pt_eight_clear(&t[i])) {
			i += 7;
			continue;
		}
		if (!(t[i] & PTE_P))
			continue;
		vaddr_t lo = base + (u64)i * span;
		if (level == 0)
			fn(d, lo, &t[i], ctx);
		else if (!(t[i] & PTE_PS)) /* user memory is never mapped with large pages */
			walk_level(d, t[i] & PTE_ADDR_MASK, level - 1, lo, start, end, fn, ctx);
	}
}

static void walk_range(struct domain *d, vaddr_t start, vaddr_t end, pte_fn fn, void *ctx)
{
	if (end > USER_TOP)
		end = USER_TOP;
	if (start < end)
		walk_level(d, d->root, 3, 0, start, end, fn, ctx);
}

/* ---- TLB shootdowns ---- */

/*
 * Without PCIDs every CR3 load flushes the user half, and a core that has
 * left a domain holds none of its entries. With PCIDs (cpu_has.pcid) each
 * core loads a domain under a tag from its own cache (pcid.h) and keeps
 * the entries when it switches away; but it also leaves d->cpus, so
 * shootdowns stop reaching it. d->tlb_gen closes the gap:
 *
 *   a request (shootdown)              core C activates d (domain_activate)
 *   1. change the PTEs                 a. set C's bit in d->cpus
 *   2. bump d->tlb_gen                 b. read g = d->tlb_gen
 *   3. read d->cpus, ask those cores   c. load d's root under C's tag for d,
 *                                         flushing unless the tag is current to g;
 *                                         record g in the tag
 *
 * 2, 3, a and b are seq_cst, so they fall in one total order. Take a
 * request R whose bump made tlb_gen gR:
 *  - If C's b read g >= gR, then 1 < 2 < b < c: c loaded a tag that already
 *    held g (so an earlier activation that read g flushed or found it
 *    current, by the same argument) or flushed; either way no entry older
 *    than R's PTE change survives.
 *  - If C's b read g < gR, then b < 2 < 3. If C's bit was still set at 3,
 *    R asks C, which flushes if d is still loaded when it answers; if C had
 *    left (cleared its bit, or answers after leaving), its tag still says
 *    g < gR, and its next activation reads tlb_gen >= gR at b and flushes.
 * A core never records a generation when it answers a request: the answer
 * may flush only that request's range, while another request (another
 * range, a smaller bump) is still on its way and finds the core gone.
 *
 * A dying domain's tags: the cores that have it loaded drop it (and free
 * its tag here); others keep stale entries under a tag that names a
 * domain id never loaded again, so whoever takes the tag next flushes.
 * The kernel root (PCID_KERNEL) has no user mappings and a global kernel
 * half: loading it never needs a flush.
 */

struct shootdown {
	paddr_t root;
	u64 id;             /* the domain's id, for its PCID tag when dropped */
	vaddr_t start, end; /* end == 0: everything */
	bool drop;          /* the domain is going away: leave its root */
	u32 pending;        /* [a] cores yet to answer */
};

struct shootdown_node {
	struct shootdown *sd;
	struct shootdown_node *next;
};

static struct shootdown_node *tlb_inbox[MAX_CPUS]; /* [a] per core */
static struct domain *loaded[MAX_CPUS];            /* [o] domain whose root each core has loaded */
static struct pcid_cache pcids[MAX_CPUS];          /* [o] each core's PCID tags (cpu_has.pcid) */
static u64 next_domain_id = 1;                     /* [a] */

static void flush_local(vaddr_t start, vaddr_t end)
{
	if (end == 0 || (end - start) / PAGE_SIZE > 32) {
		write_cr3(read_cr3());
		return;
	}
	for (vaddr_t va = start; va < end; va += PAGE_SIZE)
		tlb_flush_page(va);
}

void tlb_shootdown_poll(void)
{
	u32 me = this_cpu()->index;
	if (!__atomic_load_n(&tlb_inbox[me], __ATOMIC_RELAXED))
		return;
	struct shootdown_node *n = __atomic_exchange_n(&tlb_inbox[me], NULL, __ATOMIC_ACQUIRE);
	while (n) {
		struct shootdown_node *next = n->next;
		struct shootdown *sd = n->sd;
		if ((read_cr3() & PTE_ADDR_MASK) == sd->root) {
			if (sd->drop) {
				vm_load_root(vm_kernel_root(), PCID_KERNEL, false);
				loaded[me] = NULL;
				if (cpu_has.pcid)
					pcid_forget(&pcids[me], sd->id);
			} else {
				flush_local(sd->start, sd->end);
			}
		}
		/* Last touch of n and sd: the requester may return once pending is 0. */
		__atomic_sub_fetch(&sd->pending, 1, __ATOMIC_RELEASE);
		n = next;
	}
}

static void shootdown(struct domain *d, vaddr_t start, vaddr_t end, bool drop)
{
	u32 me = this_cpu()->index;
	/* Step 2 before step 3 (see above); the callers changed the PTEs (step 1). */
	__atomic_add_fetch(&d->tlb_gen, 1, __ATOMIC_SEQ_CST);
	u64 others = __atomic_load_n(&d->cpus, __ATOMIC_SEQ_CST) & ~(1UL << me);
	if (!others)
		return;
	u32 n = 0;
	for (u64 m = others; m; m &= m - 1)
		n++; /* no popcnt in a kernel built for any x86-64 */
	struct shootdown sd = {.root = d->root, .id = d->id, .start = start, .end = end,
			       .drop = drop, .pending = n};
	struct shootdown_node nodes[MAX_CPUS];
	for (u64 m = others; m; m &= m - 1) {
		int i = __builtin_ctzll(m);
		nodes[i].sd = &sd;
		struct shootdown_node *old = __atomic_load_n(&tlb_inbox[i], __ATOMIC_RELAXED);
		do
			nodes[i].next = old;
		while (!__atomic_compare_exchange_n(&tlb_inbox[i], &old, &nodes[i], true,
						    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
		ipi_send(cpus[i]->apic_id, VEC_TLB);
	}
	/* Serve our own inbox while we wait, so two requesters never wait on each other. */
	u64 deadline = tsc_ns() + 5000000000UL;
	while (__atomic_load_n(&sd.pending, __ATOMIC_ACQUIRE)) {
		tlb_shootdown_poll();
		cpu_relax();
		if (tsc_ns() > deadline)
			panic("tlb: %u cores did not answer a shootdown in 5 s", sd.pending);
	}
}

void domain_tlb_flush(struct domain *d, vaddr_t start, vaddr_t end)
{
	u32 me = this_cpu()->index;
	if (loaded[me] == d)
		flush_local(start, end);
	shootdown(d, start, end, false);
}

void domain_activate(struct domain *d)
{
	u32 me = this_cpu()->index;
	struct domain *old = loaded[me];
	if (old == d)
		return;
	if (old)
		__atomic_fetch_and(&old->cpus, ~(1UL << me), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&d->cpus, 1UL << me, __ATOMIC_SEQ_CST); /* step a */
	if (cpu_has.pcid) {
		bool flush;
		u64 gen = __atomic_load_n(&d->tlb_gen, __ATOMIC_SEQ_CST); /* step b */
		u16 tag = pcid_assign(&pcids[me], d->id, gen, &flush);
		vm_load_root(d->root, tag, flush); /* step c */
	} else {
		write_cr3(d->root);
	}
	loaded[me] = d;
}

void domain_deactivate(struct domain *d)
{
	u32 me = this_cpu()->index;
	if (loaded[me] != d)
		return;
	vm_load_root(vm_kernel_root(), PCID_KERNEL, false);
	__atomic_fetch_and(&d->cpus, ~(1UL << me), __ATOMIC_SEQ_CST);
	loaded[me] = NULL;
}

/* ---- regions ---- */

bool user_range_ok(vaddr_t va, u64 len)
{
	return va < USER_TOP && len <= USER_TOP - va;
}

static struct region *find_region(struct domain *d, vaddr_t va)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (va < r->start)
			return NULL;
		if (va < r->end)
			return r;
	}
	return NULL;
}

/* Does every page of [start, end) lie in some region? Caller holds d->lock. */
static bool range_mapped(struct domain *d, vaddr_t start, vaddr_t end)
{
	for (vaddr_t va = start; va < end;) {
		struct region *r = find_region(d, va);
		if (!r)
			return false;
		va = r->end;
	}
	return true;
}

static bool range_free(struct domain *d, vaddr_t start, vaddr_t end)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start < end && start < r->end)
			return false;
	}
	return true;
}

static void insert_region(struct domain *d, struct region *n)
{
	struct list_node *pos = &d->regions;
	struct list_node *it;
	list_for_each(it, &d->regions)
	{
		if (container_of(it, struct region, node)->start > n->start)
			break;
		pos = it;
	}
	list_insert_after(pos, &n->node);
}

/* Split so that `at` is a region boundary (at inside r). */
static int split_region(struct domain *d, struct region *r, vaddr_t at)
{
	if (at <= r->start || at >= r->end)
		return 0;
	struct region *tail = knew(struct region);
	if (!tail)
		return -ENOMEM;
	tail->start = at;
	tail->end = r->end;
	tail->flags = r->flags;
	r->end = at;
	list_insert_after(&r->node, &tail->node);
	return 0;
}

static bool range_allowed(struct domain *d, vaddr_t start, vaddr_t end)
{
	if (start < USER_PRIVATE_BASE || end <= start)
		return false;
	if (end <= USER_PRIVATE_END)
		return true; /* the private window */
	if (start >= USER_EXCHANGE_BASE && end <= USER_EXCHANGE_END)
		return true; /* message buffers: unique addresses handed out by msg_alloc */
	return start >= d->slot_base && end <= d->slot_base + SLOT_SIZE;
}

int domain_map(struct domain *d, vaddr_t start, u64 len, u32 flags)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || len == 0 || !user_range_ok(start, len))
		return -EINVAL;
	vaddr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	if (!range_allowed(d, start, end))
		return -EINVAL;
	struct region *r = knew(struct region);
	if (!r)
		return -ENOMEM;
	r->start = start;
	r->end = end;
	r->flags = flags;
	spin_lock(&d->lock);
	if (!range_free(d, start, end)) {
		spin_unlock(&d->lock);
		kfree(r);
		return -EEXIST;
	}
	insert_region(d, r);
	spin_unlock(&d->lock);
	return 0;
}

#define UNMAP_BATCH 64

struct unmap_batch {
	paddr_t frames[UNMAP_BATCH];
	int n;
	vaddr_t lo, hi; /* range whose translations must be flushed first */
};

static void batch_flush(struct domain *d, struct unmap_batch *b)
{
	if (b->hi > b->lo)
		domain_tlb_flush(d, b->lo, b->hi);
	for (int i = 0; i < b->n; i++)
		frame_unref(b->frames[i]);
	b->n = 0;
	b->lo = b->hi = 0;
}

static void unmap_one(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	struct unmap_batch *b = ctx;
	paddr_t pa = *pte & PTE_ADDR_MASK;
	*pte = 0;
	d->resident--;
	if (b->n == UNMAP_BATCH)
		batch_flush(d, b);
	if (b->hi == b->lo)
		b->lo = va;
	b->hi = va + PAGE_SIZE;
	b->frames[b->n++] = pa;
}

/* Make start and end region boundaries wherever a region straddles them. */
static int split_at(struct domain *d, vaddr_t start, vaddr_t end)
{
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		/* A tail split off here comes next in the list and is checked too. */
		if (split_region(d, r, start) < 0 || split_region(d, r, end) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Caller holds d->lock. */
static int unmap_locked(struct domain *d, vaddr_t start, vaddr_t end)
{
	if (split_at(d, start, end) < 0)
		return -ENOMEM;
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start >= start && r->end <= end) {
			list_remove(&r->node);
			kfree(r);
		}
	}
	struct unmap_batch b = {0};
	walk_range(d, start, end, unmap_one, &b);
	batch_flush(d, &b);
	return 0;
}

int domain_unmap(struct domain *d, vaddr_t start, u64 len)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || len == 0 || !user_range_ok(start, len))
		return -EINVAL;
	spin_lock(&d->lock);
	int r = unmap_locked(d, start, start + ALIGN_UP(len, PAGE_SIZE));
	spin_unlock(&d->lock);
	return r;
}

int domain_discard(struct domain *d, vaddr_t start, u64 len)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || !user_range_ok(start, len))
		return -EINVAL;
	vaddr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	spin_lock(&d->lock);
	/* Every page must be mapped (Linux: ENOMEM), before anything is dropped. */
	if (!range_mapped(d, start, end)) {
		spin_unlock(&d->lock);
		return -ENOMEM;
	}
	struct list_node *pos;
	/*
	 * Only private anonymous memory comes back as zeros. Shared memory
	 * would lose its other users' frame, an executable's pages would have
	 * to come back from the file (there is no page cache to refill them
	 * from), and messages and write-locked pages are not the caller's to
	 * change: those keep their pages, which advice allows.
	 */
	u32 keep = REGION_SHARED | REGION_IMAGE | REGION_MSG | REGION_RO_LOCK;
	struct unmap_batch b = {0};
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->end <= start || r->start >= end || (r->flags & keep))
			continue;
		walk_range(d, MAX(r->start, start), MIN(r->end, end), unmap_one, &b);
	}
	batch_flush(d, &b);
	spin_unlock(&d->lock);
	return 0;
}

struct protect_ctx {
	u32 flags;
};

static void protect_one(struct domain *d, vaddr_t va, pte_t *pte, void *ctx)
{
	struct protect_ctx *p = ctx;
	unsigned prot = prot_of(p->flags);
	pte_t e = *pte & ~(PTE_W | PTE_NX | PTE_U);
	/* A copy-on-write page stays read-only: the fault makes the private copy. */
	if ((prot & VM_WRITE) && !(e & PTE_COW))
		e |= PTE_W;
	if (!(prot & VM_EXEC) && cpu_has.nx)
		e |= PTE_NX;
	/* PROT_NONE keeps the frame mapped for the kernel's walk but denies user access. */
	if (prot & VM_READ)
		e |= PTE_U;
	*pte = e;
}

static int protect_locked(struct domain *d, vaddr_t start, vaddr_t end, u32 set, u32 mask)
{
	if (!range_mapped(d, start, end))
		return -ENOMEM; /* all of it must be mapped, as on Linux */
	if (split_at(d, start, end) < 0)
		return -ENOMEM;
	struct list_node *pos;
	list_for_each(pos, &d->regions)
	{
		struct region *r = container_of(pos, struct region, node);
		if (r->start < start || r->end > end)
			continue;
		r->flags = (r->flags & ~mask) | set;
		struct protect_ctx p = {r->flags};
		walk_range(d, r->start, r->end, protect_one, &p);
	}
	domain_tlb_flush(d, start, end);
	return 0;
}

int domain_protect(struct domain *d, vaddr_t start, u64 len, u32 prot_flags)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || !user_range_ok(start, len))
		return -EINVAL;
	if (len == 0)
		return 0;
	u32 mask = REGION_READ | REGION_WRITE | REGION_EXEC;
	spin_lock(&d->lock);
	int r = protect_locked(d, start, start + ALIGN_UP(len, PAGE_SIZE), prot_flags & mask, mask);
	spin_unlock(&d->lock);
	return r;
}

int domain_write_lock(struct domain *d, vaddr_t start, u64 npages, bool lock)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || npages == 0 || npages > USER_TOP / PAGE_SIZE ||
	    !user_range_ok(start, npages * PAGE_SIZE))
		return -EINVAL;
	vaddr_t end = start + npages * PAGE_SIZE;
	spin_lock(&d->lock);
	/* munprotect never makes writable what was not (text stays W^X). */
	for (vaddr_t va = start; !lock && va < end;) {
		struct region *r = find_region(d, va);
		if (!r)
			break; /* protect_locked reports the hole */
		if (!(r->flags & REGION_WRITE)) {
			spin_unlock(&d->lock);
			return -EINVAL;
		}
		va = r->end;
	}
	int r = protect_locked(d, start, end, lock ? REGION_RO_LOCK : 0, REGION_RO_LOCK);
	spin_unlock(&d->lock);
	return r == -ENOMEM ? -EINVAL : r;
}

#define MMAP_AREA_START (4UL << 30) /* offset in the slot */
#define MMAP_AREA_END   (SLOT_SIZE - STACK_SIZE - (1UL << 30))

static vaddr_t find_free_locked(struct domain *d, u64 len);

vaddr_t domain_find_free(struct domain *d, u64 len)
{
	spin_lock(&d->lock);
	vaddr_t va = find_free_locked(d, len);
	spin_unlock(&d->lock);
	return va;
}

/* A free range of len bytes in the slot's mmap area, or 0. Caller holds d->lock. */
static vaddr_t find_free_locked(struct domain *d, u64 len)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	vaddr_t lo = d->slot_base + MMAP_AREA_START, hi = d->slot_base + MMAP_AREA_END;
	if (len == 0 || len > hi - lo)
		return 0;
	/* Two passes: from the hint, then from the start of the area. */
	for (int pass = 0; pass < 2; pass++) {
		vaddr_t va = pass == 0 ? MAX(d->mmap_hint, lo) : lo;
		struct list_node *pos;
		list_for_each(pos, &d->regions)
		{
			struct region *r = container_of(pos, struct region, node);
			if (r->end <= va)
				continue;
			if (r->start >= va + len)
				break;
			va = r->end;
		}
		if (va + len <= hi) {
			d->mmap_hint = va + len;
			return va;
		}
	}
	return 0;
}

/*
 * Move the pages of [from, from+len) to [to, to+len) within d: frames and
 * page bits go as they are (no copy). All or nothing. Caller holds d->lock.
 */
static int move_pages(struct domain *d, vaddr_t from, vaddr_t to, u64 len)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = vm_walk(d->root, from + off);
		if (!src || !(*src & PTE_P))
			continue;
		pte_t e = *src;
		if (vm_map(d->root, to + off, e & PTE_ADDR_MASK, VM_USER | VM_READ) < 0) {
			/* No table for the new place: put back what moved (their old tables remain). */
			for (u64 o = 0; o < off; o += PAGE_SIZE) {
				pte_t *n = vm_walk(d->root, to + o);
				if (n && (*n & PTE_P)) {
					*vm_walk(d->root, from + o) = *n;
					*n = 0;
				}
			}
			return -ENOMEM;
		}
		*vm_walk(d->root, to + off) = e;
		*src = 0;
	}
	domain_tlb_flush(d, from, from + len);
	return 0;
}

vaddr_t domain_remap(struct domain *d, vaddr_t old, u64 old_len, u64 new_len, bool may_move,
		     vaddr_t fixed)
{
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!IS_ALIGNED(old, PAGE_SIZE) || !new_len || !old_len || !user_range_ok(old, old_len) ||
	    (fixed && (!IS_ALIGNED(fixed, PAGE_SIZE) || !user_range_ok(fixed, new_len) ||
		       (fixed < old + old_len && old < fixed + new_len))))
		return (vaddr_t)-EINVAL;
	spin_lock(&d->lock);
	long err = 0;
	vaddr_t to = old;
	struct region *r = find_region(d, old);
	if (!r || old + old_len > r->end) {
		err = -EFAULT; /* not one mapping */
		goto out;
	}
	if (r->flags & (REGION_MSG | REGION_HEAP)) {
		err = -EINVAL; /* messages and the brk heap stay where they are */
		goto out;
	}
	u32 flags = r->flags;
	if (!fixed && new_len <= old_len) {
		if (new_len < old_len)
			err = unmap_locked(d, old + new_len, old + old_len);
		goto out;
	}
	vaddr_t grow_end = old + new_len;
	if (!fixed && r->end == old + old_len && range_free(d, r->end, grow_end) &&
	    range_allowed(d, r->end, grow_end)) {
		r->end = grow_end; /* room right after it: grow in place */
		goto out;
	}
	if (!may_move) {
		err = -ENOMEM;
		goto out;
	}
	if (fixed && (err = unmap_locked(d, fixed, fixed + new_len)) < 0)
		goto out;
	to = fixed ? fixed : find_free_locked(d, new_len);
	struct region *n = knew(struct region);
	if (!to || !n || split_at(d, old, old + old_len) < 0) {
		kfree(n);
		err = -ENOMEM;
		goto out;
	}
	*n = (struct region){.start = to, .end = to + new_len, .flags = flags};
	u64 moved = MIN(old_len, new_len);
	if ((err = move_pages(d, old, to, moved)) < 0) {
		kfree(n);
		goto out;
	}
	insert_region(d, n);
	/* What did not move (a shrink) goes; the old place is unmapped either way. */
	err = unmap_locked(d, old, old + old_len);
out:
	spin_unlock(&d->lock);
	return err < 0 ? (vaddr_t)err : to;
}

vaddr_t domain_brk(struct domain *d, vaddr_t new_end)
{
	spin_lock(&d->lock);
	vaddr_t cur = d->brk;
	if (new_end < d->brk_start || new_end == cur) {
		spin_unlock(&d->lock);
		return cur;
	}
	vaddr_t old_top = ALIGN_UP(cur, PAGE_SIZE), new_top = ALIGN_UP(new_end, PAGE_SIZE);
	if (new_top > old_top) {
		if (!range_allowed(d, old_top, new_top) || !range_free(d, old_top, new_top)) {
			spin_unlock(&d->lock);
			return cur;
		}
		struct region *heap = old_top > d->brk_start ? find_region(d, old_top - 1) : NULL;
		if (heap && (heap->flags & REGION_HEAP)) {
			heap->end = new_top;
		} else {
			struct region *r = knew(struct region);
			if (!r) {
				spin_unlock(&d->lock);
				return cur;
			}
			r->start = old_top;
			r->end = new_top;
			r->flags = REGION_READ | REGION_WRITE | REGION_HEAP;
			insert_region(d, r);
		}
	} else if (new_top < old_top) {
		unmap_locked(d, new_top, old_top);
	}
	d->brk = new_end;
	spin_unlock(&d->lock);
	return new_end;
}

/* ---- faults ---- */

/* A fresh zero page at va with a region's flags: 0 or -ENOMEM. Caller holds d->lock. */
static int map_zero_page(struct domain *d, vaddr_t va, u32 flags)
{
	paddr_t pa = frame_new_zeroed();
	if (!pa)
		return -ENOMEM;
	if (vm_map(d->root, va, pa, prot_of(flags)) < 0) {
		frame_unref(pa);
		return -ENOMEM;
	}
	resident_inc(d);
	return 0;
}

static int fault_locked(struct domain *d, vaddr_t va, u32 access)
{
	struct region *r = find_region(d, va);
	if (!r)
		return -EFAULT;
	if ((access & REGION_WRITE) && (!(r->flags & REGION_WRITE) || (r->flags & REGION_RO_LOCK)))
		return -EFAULT;
	if ((access & REGION_EXEC) && !(r->flags & REGION_EXEC))
		return -EFAULT;
	if (!(r->flags & (REGION_READ | REGION_WRITE | REGION_EXEC)))
		return -EFAULT; /* PROT_NONE */
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	pte_t *pte = vm_walk(d->root, page);
	if (!pte || !(*pte & PTE_P))
		return map_zero_page(d, page, r->flags);
	if (!(*pte & PTE_U)) {
		/* Made accessible again since (mprotect after PROT_NONE). */
		*pte |= PTE_U;
	}
	if ((access & REGION_WRITE) && !(*pte & PTE_W)) {
		paddr_t old = *pte & PTE_ADDR_MASK;
		if ((*pte & PTE_COW) && frame_refs(old) > 1) {
			paddr_t copy = page_alloc(0);
			if (!copy)
				return -ENOMEM;
			page_copy(phys_to_virt(copy), phys_to_virt(old));
			__atomic_store_n(&pa_to_frame(copy)->refcount, 1, __ATOMIC_RELAXED);
			*pte = (*pte & ~(PTE_ADDR_MASK | PTE_COW)) | copy | PTE_W;
			domain_tlb_flush(d, page, page + PAGE_SIZE);
			frame_unref(old);
			return 0;
		}
		/* Last sharer of a copy-on-write page, or a page made writable since. */
		*pte = (*pte & ~PTE_COW) | PTE_W;
		domain_tlb_flush(d, page, page + PAGE_SIZE);
		return 0;
	}
	/* Already allowed: a stale TLB entry on this core. */
	tlb_flush_page(page);
	return 0;
}

int domain_fault(struct domain *d, vaddr_t va, u32 access)
{
	if (va >= USER_TOP)
		return -EFAULT;
	spin_lock(&d->lock);
	int r = fault_locked(d, va, access);
	spin_unlock(&d->lock);
	return r;
}

/* ---- user access through the page tables ---- */

/*
 * The frame backing va, faulting it in for the access; caller holds
 * d->lock. Inlined: it is most of the work of a short copy.
 */
static inline __attribute__((always_inline)) int user_page(struct domain *d, vaddr_t va,
							   bool write, paddr_t *pa)
{
	for (int tries = 0; tries < 2; tries++) {
		pte_t *pte = vm_walk(d->root, ALIGN_DOWN(va, PAGE_SIZE));
		if (pte && (*pte & PTE_P) && (*pte & PTE_U) && (!write || (*pte & PTE_W))) {
			*pa = (*pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
			return 0;
		}
		int r = fault_locked(d, va, write ? REGION_WRITE : REGION_READ);
		if (r < 0)
			return r == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	return -EFAULT;
}

static int copy_user(struct domain *d, vaddr_t uva, void *kbuf, size_t len, bool to_user)
{
	if (!user_range_ok(uva, len))
		return -EFAULT;
	spin_lock(&d->lock);
	while (len) {
		paddr_t pa;
		int r = user_page(d, uva, to_user, &pa);
		if (r < 0) {
			spin_unlock(&d->lock);
			return r;
		}
		size_t chunk = MIN(len, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
		if (to_user)
			memcpy(phys_to_virt(pa), kbuf, chunk);
		else
			memcpy(kbuf, phys_to_virt(pa), chunk);
		uva += chunk;
		kbuf = (u8 *)kbuf + chunk;
		len -= chunk;
	}
	spin_unlock(&d->lock);
	return 0;
}

/*
 * The page of va in a domain being built: mapped with its region's
 * permissions, a fresh frame zeroed only outside [va, va + len), which
 * the caller is about to write. Caller holds d->lock.
 */
static void *fill_page(struct domain *d, vaddr_t va, size_t len, int *err)
{
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	struct region *r = find_region(d, va);
	if (!r) {
		*err = -EFAULT;
		return NULL;
	}
	pte_t *pte = vm_walk(d->root, page);
	if (pte && (*pte & PTE_P))
		return (u8 *)phys_to_virt(*pte & PTE_ADDR_MASK) + (va - page);
	paddr_t pa = page_alloc(0);
	if (!pa || vm_map(d->root, page, pa, prot_of(r->flags)) < 0) {
		if (pa)
			page_free(pa, 0);
		*err = -ENOMEM;
		return NULL;
	}
	__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
	resident_inc(d);
	u8 *kva = phys_to_virt(pa);
	memset(kva, 0, va - page);
	memset(kva + (va - page) + len, 0, PAGE_SIZE - (va - page) - len);
	return kva + (va - page);
}

void *domain_fill(struct domain *d, vaddr_t va, size_t len, int *err)
{
	assert(len <= PAGE_SIZE - (va & (PAGE_SIZE - 1)));
	if (!user_range_ok(va, len)) {
		*err = -EFAULT;
		return NULL;
	}
	spin_lock(&d->lock);
	void *kva = fill_page(d, va, len, err);
	spin_unlock(&d->lock);
	return kva;
}

int domain_populate(struct domain *d, vaddr_t va, const void *src, size_t len)
{
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		int err;
		void *dst = domain_fill(d, va, chunk, &err);
		if (!dst)
			return err;
		memcpy(dst, src, chunk);
		va += chunk;
		src = (const u8 *)src + chunk;
		len -= chunk;
	}
	return 0;
}

int domain_map_frame(struct domain *d, vaddr_t va, paddr_t pa)
{
	if ((va & (PAGE_SIZE - 1)) || !user_range_ok(va, PAGE_SIZE))
		return -EFAULT;
	spin_lock(&d->lock);
	struct region *r = find_region(d, va);
	pte_t *pte = r ? vm_walk(d->root, va) : NULL;
	int e = !r ? -EFAULT : pte && (*pte & PTE_P) ? -EEXIST : 0;
	if (!e && vm_map(d->root, va, pa, prot_of(r->flags & ~REGION_WRITE)) < 0)
		e = -ENOMEM;
	if (!e) {
		/* A write (after mprotect) copies it first: the file's frame is never written here. */
		*vm_walk(d->root, va) |= PTE_COW;
		resident_inc(d);
	}
	spin_unlock(&d->lock);
	if (e)
		frame_unref(pa); /* never mapped here: no TLB holds it */
	return e;
}

int copy_to_domain(struct domain *d, vaddr_t dst, const void *src, size_t len)
{
	return copy_user(d, dst, (void *)src, len, true);
}

int copy_from_domain(struct domain *d, void *dst, vaddr_t src, size_t len)
{
	return copy_user(d, src, dst, len, false);
}

int clear_domain(struct domain *d, vaddr_t dst, size_t len)
{
	if (!user_range_ok(dst, len))
		return -EFAULT;
	spin_lock(&d->lock);
	while (len) {
		paddr_t pa;
		int r = user_page(d, dst, true, &pa);
		if (r < 0) {
			spin_unlock(&d->lock);
			return r;
		}
		size_t chunk = MIN(len, PAGE_SIZE - (dst & (PAGE_SIZE - 1)));
		memset(phys_to_virt(pa), 0, chunk);
		dst += chunk;
		len -= chunk;
	}
	spin_unlock(&d->lock);
	return 0;
}

long strncpy_from_domain(struct domain *d, char *dst, vaddr_t src, size_t max)
{
	size_t n = 0;
	spin_lock(&d->lock);
	while (n < max) {
		paddr_t pa;
		if (src + n >= USER_TOP || user_page(d, src + n, false, &pa) < 0) {
			spin_unlock(&d->lock);
			return -EFAULT;
		}
		const char *p = phys_to_virt(pa);
		size_t chunk = MIN(max - n, PAGE_SIZE - ((src + n) & (PAGE_SIZE - 1)));
		for (size_t i = 0; i < chunk; i++) {
			dst[n] = p[i];
			if (!p[i]) {
				spin_unlock(&d->lock);
				return (long)n;
			}
			n++;
		}
	}
	spin_unlock(&d->lock);
	return -ENAMETOOLONG;
}

/* ---- moving message pages between domains ---- */

int domain_detach_region(struct domain *d, vaddr_t va, u64 *npages, paddr_t **frames)
{
	spin_lock(&d->lock);
	struct region *r = find_region(d, va);
	if (!r || r->start != va || !(r->flags & REGION_MSG)) {
		spin_unlock(&d->lock);
		return -EINVAL;
	}
	u64 n = (r->end - r->start) / PAGE_SIZE;
	paddr_t *f = kzalloc(n * sizeof *f);
	if (!f) {
		spin_unlock(&d->lock);
		return -ENOMEM;
	}
	for (u64 i = 0; i < n; i++) {
		pte_t *pte = vm_walk(d->root, va + i * PAGE_SIZE);
		if (pte && (*pte & PTE_P)) {
			f[i] = *pte & PTE_ADDR_MASK;
			*pte = 0;
			d->resident--;
		}
	}
	vaddr_t end = r->end;
	list_remove(&r->node);
	kfree(r);
	/* The sender loses access on every core before anyone else may use the frames. */
	domain_tlb_flush(d, va, end);
	spin_unlock(&d->lock);
	*npages = n;
	*frames = f;
	return 0;
}

int domain_attach_region(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames)
{
	/*
	 * Exchange addresses are unique, so a buffer already here is this one's
	 * copy from a fork made before the send: the message replaces it.
	 */
	spin_lock(&d->lock);
	struct region *old = find_region(d, va);
	if (old && (old->flags & REGION_MSG) && old->start == va)
		unmap_locked(d, old->start, old->end);
	spin_unlock(&d->lock);
	int r = domain_map(d, va, npages * PAGE_SIZE, REGION_READ | REGION_WRITE | REGION_MSG);
	if (r < 0)
		return r;
	spin_lock(&d->lock);
	for (u64 i = 0; i < npages; i++) {
		if (!frames[i])
			continue; /* never touched: demand-zero here too */
		vaddr_t page = va + i * PAGE_SIZE;
		/* A frame still shared with a forked sibling stays copy-on-write. */
		bool shared = frame_refs(frames[i]) > 1;
		unsigned prot = shared ? VM_USER | VM_READ : prot_of(REGION_READ | REGION_WRITE);
		if (vm_map(d->root, page, frames[i], prot) < 0) {
			/* Undo: the caller keeps every frame's reference. */
			for (u64 j = 0; j < i; j++) {
				pte_t *pte = frames[j] ? vm_walk(d->root, va + j * PAGE_SIZE) : NULL;
				if (pte && (*pte & PTE_P)) {
					*pte = 0;
					d->resident--;
				}
			}
			domain_tlb_flush(d, va, va + npages * PAGE_SIZE);
			unmap_locked(d, va, va + npages * PAGE_SIZE);
			spin_unlock(&d->lock);
			return -ENOMEM;
		}
		if (shared)
			*vm_walk(d->root, page) |= PTE_COW;
		resident_inc(d);
	}
	spin_unlock(&d->lock);
	return 0;
}

int domain_map_frames(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames, u32 flags)
{
	int r = domain_map(d, va, npages * PAGE_SIZE, flags);
	if (r < 0)
		return r;
	spin_lock(&d->lock);
	for (u64 i = 0; i < npages && r == 0; i++) {
		r = vm_map(d->root, va + i * PAGE_SIZE, frames[i], prot_of(flags));
		if (r == 0) {
			frame_ref(frames[i]);
			resident_inc(d);
		}
	}
	if (r < 0)
		unmap_locked(d, va, va + npages * PAGE_SIZE); /* drops what was mapped */
	spin_unlock(&d->lock);
	return r < 0 ? -ENOMEM : 0;
}

void frames_release(const paddr_t *frames, u64 npages)
{
	for (u64 i = 0; i < npages; i++)
		if (frames[i])
			frame_unref(frames[i]);
}

/* ---- life cycle ---- */

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

void domain_put(struct domain *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* No thread uses it any more; make every core leave its root first. */
	domain_deactivate(d);
	if (cpu_has.pcid)
		pcid_forget(&pcids[this_cpu()->index], d->id);
	shootdown(d, 0, 0, true);
	/* One pass frees the frames and the tables (frames shared with a fork keep theirs). */
	vm_root_release(d->root, frame_unref);
	while (!list_empty(&d->regions))
		kfree(container_of(list_pop_front(&d->regions), struct region, node));
	slot_put(d->slot);
	kfree(d);
}
