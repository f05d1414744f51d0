/*
 * TLB shootdowns and loading a domain's root on a core, with PCID tags
 * where the CPU has them (the protocol is below). What a core has loaded
 * (loaded[], its PCID cache) is that core's own; a shootdown request
 * lives on its requester's stack until every core it asked has answered.
 *
 * Locks used to protect data in this file:
 *  o  the owning core only (the index is the core's)
 *  a  atomic
 */
#include "mm/domain_impl.h"
#include "mm/pcid.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

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

bool domain_loaded_here(struct domain *d)
{
	return loaded[this_cpu()->index] == d;
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

void domain_tlb_drop(struct domain *d)
{
	domain_deactivate(d);
	if (cpu_has.pcid)
		pcid_forget(&pcids[this_cpu()->index], d->id);
	shootdown(d, 0, 0, true);
}
