/*
 * Domains: a process's memory (docs/design.md, "Memory"). A domain is a page-
 * table root sharing the kernel half, the sorted list of its regions, its
 * slot in the shared address space, and the set of cores that have its
 * root loaded (for TLB shootdowns). Threads of one process, and a vfork
 * child until it execs, share one domain.
 *
 * Pages are mapped on first touch (demand zero) and shared copy-on-write
 * after fork; frames carry reference counts (struct frame.refcount).
 *
 * Locking: domain.lock guards the region list and the page tables' user
 * half; it is innermost (only the buddy and kheap locks nest inside).
 * cpus and tlb_gen are atomic.
 *
 * PCIDs: where the CPU has them, each core loads a domain's root under a
 * tag from its own small cache (mm/pcid.h), so that a switch keeps the
 * TLB entries of the domains it leaves. A core that left a domain gets no
 * shootdowns for it; the domain's tlb_gen, bumped by every shootdown, tells
 * it on its return whether its entries are stale (tlb.c).
 *
 * The code: domain.c (life cycle, slots), tlb.c, region.c, fault.c,
 * uaccess.c, msgpages.c; their shared insides are in domain_impl.h.
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"

/* Region flags */
enum {
	REGION_READ = 1 << 0,
	REGION_WRITE = 1 << 1,
	REGION_EXEC = 1 << 2,
	REGION_STACK = 1 << 3, /* a thread stack (for ps and maps) */
	REGION_HEAP = 1 << 4,  /* brk heap */
	REGION_IMAGE = 1 << 5, /* loaded from an executable */
	REGION_SHARED = 1 << 6, /* MAP_SHARED anonymous: never copy-on-write */
	REGION_RO_LOCK = 1 << 7, /* Brian OS's mprotect_ro: write-protected until munprotect */
	REGION_MSG = 1 << 8,     /* a message buffer in the exchange region */
};

struct xrange;

struct region {
	struct list_node node; /* [dom.lock] sorted by start */
	vaddr_t start, end;    /* [dom.lock] page-aligned, end exclusive */
	u32 flags;             /* [dom.lock] REGION_* */
	struct xrange *xr;     /* [dom.lock] REGION_MSG: the exchange range it holds a reference to */
};

#define SLOT_SIZE (16UL << 30) /* each position-independent executable's share */
#define STACK_SIZE (8UL << 20)
/*
 * A slot ends with the vDSO (its data page, then its image), above an
 * unmapped page and the stack: one page table holds the top of the stack
 * and the vDSO, instead of one each.
 */
#define SLOT_VDSO_SIZE (2 * PAGE_SIZE)

struct domain {
	struct spinlock lock;
	paddr_t root;            /* [I] page-table root */
	struct list_node regions;/* [lock] */
	u32 refs;                /* [a] processes/threads using it */
	u32 slot;                /* [I] index of its slot */
	vaddr_t slot_base;       /* [I] */
	vaddr_t brk_start, brk;  /* [lock] heap */
	vaddr_t env_start, env_end; /* [I after exec] its environment's strings, for /proc/<pid>/environ */
	vaddr_t mmap_hint;       /* [lock] where the next mmap search starts */
	u64 cpus;                /* [a] cores with root loaded */
	u64 tlb_gen;             /* [a] bumped by every shootdown, before cpus is read */
	u64 id;                  /* [I] never reused: names the domain in PCID caches */
	u64 resident;            /* [lock] pages mapped */
	u64 peak;                /* [lock; read with atomics] the most resident has been */
	bool oom_victim;         /* [a] its process was killed for memory (domain_oom_mark) */
};

struct domain *domain_create(void);
/* A copy-on-write copy of parent for fork (same addresses: invariant 5's exception). */
struct domain *domain_fork(struct domain *parent);
void domain_get(struct domain *d);
void domain_put(struct domain *d); /* frees when the last user goes */
/*
 * The out-of-memory choice killed d's process: domain_oom_pending counts
 * such domains until they are freed, so no other process is killed while
 * the memory of one is still on its way back.
 */
void domain_oom_mark(struct domain *d);
u32 domain_oom_pending(void);

/* Load d's root on this core (no-op if loaded). */
void domain_activate(struct domain *d);
/* Switch this core to the kernel's root if d is loaded here. */
void domain_deactivate(struct domain *d);

/*
 * Add a region [start, start+len) with REGION_* flags (not REGION_MSG);
 * -EEXIST on overlap, -EINVAL if out of range: outside the private window
 * and d's slot, or in the exchange region, which holds messages only.
 */
int domain_map(struct domain *d, vaddr_t start, u64 len, u32 flags);
/* The same, replacing whatever d had mapped there (mmap's MAP_FIXED), in one step. */
int domain_map_fixed(struct domain *d, vaddr_t start, u64 len, u32 flags);
/* Remove every mapping in the range (munmap): pages freed, TLBs shot down. */
int domain_unmap(struct domain *d, vaddr_t start, u64 len);
/*
 * mremap: resize the mapping at old (old_len bytes, all in one region) to
 * new_len, in place if it can, else (may_move) moving its pages without
 * copying them, to fixed if nonzero; the new address, or -errno cast
 * (EINVAL, EFAULT: not one mapping, ENOMEM: no room).
 */
vaddr_t domain_remap(struct domain *d, vaddr_t old, u64 old_len, u64 new_len, bool may_move,
		     vaddr_t fixed);
/*
 * madvise(MADV_DONTNEED): drop [start, start+len)'s private anonymous pages
 * (they read zero again); -ENOMEM if part of it is not mapped.
 */
int domain_discard(struct domain *d, vaddr_t start, u64 len);
/* Change protection of [start, start+len): all of it must be mapped, else -ENOMEM. */
int domain_protect(struct domain *d, vaddr_t start, u64 len, u32 prot_flags);
/* Brian OS's mprotect_ro / munprotect: lock or unlock writes on whole pages. */
int domain_write_lock(struct domain *d, vaddr_t start, u64 npages, bool lock);
/* Find a free range of len bytes for mmap (0 if none). */
vaddr_t domain_find_free(struct domain *d, u64 len);
/* brk(2): move the heap end; returns the new (or unchanged) end. */
vaddr_t domain_brk(struct domain *d, vaddr_t new_end);

/*
 * Resolve a fault at va: access is a combination of REGION_READ/WRITE/EXEC.
 * 0 when the page is now mapped, -EFAULT when the access is not allowed,
 * -ENOMEM when no frame is left.
 */
int domain_fault(struct domain *d, vaddr_t va, u32 access);

/* Copy between kernel memory and d's user memory, faulting pages in; -EFAULT on a bad range. */
int copy_to_domain(struct domain *d, vaddr_t dst, const void *src, size_t len);
int copy_from_domain(struct domain *d, void *dst, vaddr_t src, size_t len);
/* Copy a NUL-terminated string of at most max bytes (with the NUL); -ENAMETOOLONG if longer. */
long strncpy_from_domain(struct domain *d, char *dst, vaddr_t src, size_t max);
/* Zero user memory. */
int clear_domain(struct domain *d, vaddr_t dst, size_t len);

/*
 * Fill user memory from the kernel whatever the region's protection (the
 * ELF loader and the initial stack): pages are mapped as their region says.
 */
int domain_populate(struct domain *d, vaddr_t va, const void *src, size_t len);
/*
 * The same without a copy, for a domain no thread runs yet (exec builds
 * it): the kernel address of va, whose page is mapped as its region says,
 * for the caller to write [va, va + len) there (len stays within the
 * page; a fresh page is zeroed around it). NULL with *err -EFAULT outside
 * every region, -ENOMEM out of memory.
 */
void *domain_fill(struct domain *d, vaddr_t va, size_t len, int *err);
/*
 * Map the frame pa at the page va of a region, read-only and
 * copy-on-write whatever the region allows: a program's text shared with
 * the file it came from. The caller's frame reference goes to the mapping
 * (or is dropped on failure: -EEXIST if va is mapped, -EFAULT outside a
 * region, -ENOMEM).
 */
int domain_map_frame(struct domain *d, vaddr_t va, paddr_t pa);

/*
 * Exchange-region addresses (exchange.c): a range of len bytes (a page
 * multiple) no live message buffer has, with one reference; NULL when
 * none is left. A range goes back to the pool when its last reference
 * does (see exchange.c for who holds them).
 */
struct xrange *xrange_alloc(u64 len);
vaddr_t xrange_start(const struct xrange *x);
u64 xrange_len(const struct xrange *x);
void xrange_get(struct xrange *x);
void xrange_put(struct xrange *x); /* NULL: nothing */
/* For tests: bytes never handed out yet, and freed ranges waiting for reuse. */
void xrange_usage(u64 *fresh_left, u64 *nfree);

/*
 * Zero-copy messages: map a new message buffer, all of range x, in d (a
 * REGION_MSG region, taking the caller's reference on success); detach the
 * whole region that starts at va (a REGION_MSG) with its frames (0 for
 * pages never touched) and its range's reference, TLBs shot down; and
 * attach such pages at the same address in another domain, which takes
 * the reference on success (on failure the caller keeps frames and
 * reference). The frames' references move with them.
 */
int domain_map_msg(struct domain *d, struct xrange *x);
/* msg_free: unmap the REGION_MSG region that starts at va, dropping its range; 0 or -EINVAL. */
int domain_free_msg(struct domain *d, vaddr_t va);
int domain_detach_region(struct domain *d, vaddr_t va, u64 *npages, paddr_t **frames,
			 struct xrange **x);
int domain_attach_region(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames,
			 struct xrange *x);
/*
 * Map frames the kernel shares with every process (the vDSO) at va with
 * REGION_* flags; each mapping takes a reference, the kernel keeps its own.
 */
int domain_map_frames(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames, u32 flags);

/* Free frames a detached region still holds (a message nobody received). */
void frames_release(const paddr_t *frames, u64 npages);

/* Is [va, va+len) inside the user half, without wrapping? */
bool user_range_ok(vaddr_t va, u64 len);

/* Shoot down TLB entries for [start, end) on every core that has d loaded. */
void domain_tlb_flush(struct domain *d, vaddr_t start, vaddr_t end);
/* Handle pending shootdown requests addressed to this core (IPI handler and waiters). */
void tlb_shootdown_poll(void);
