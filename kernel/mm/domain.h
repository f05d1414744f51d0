/*
 * Domains: a process's memory (docs/design.md, "Memory"). A domain is a page-
 * table root sharing the kernel half, the sorted list of its regions, its
 * slot in the shared address space, and the set of cores that have its
 * root loaded (for TLB shootdowns). Threads of one process, and a vfork
 * child until it execs, share one domain.
 *
 * Pages are mapped on first touch (demand zero) and shared copy-on-write
 * after fork; frames carry reference counts (struct frame.refcount). A
 * region may map an object instead (mm/vmobj.h: a file's page cache,
 * shared anonymous memory): its pages come from the object, privately
 * (MAP_PRIVATE: a write copies) or shared (MAP_SHARED: writes reach the
 * object, and every other mapping and reader of it).
 *
 * Locking: domain.lock guards the region list and the page tables' user
 * half; inside it nest only an object's locks (mm/vmobj.h, the page
 * cache's), the buddy's and the kheap's. cpus and tlb_gen are atomic.
 * A fault that needs an object's page (which may mean waiting for a
 * disk) drops the lock to fetch it and checks again before it maps it.
 * The System V shared memory hooks (mm_shm_ops) run under it too and
 * take only their own spin locks and the kheap's.
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
#include "mm/vmobj.h"

/* Region flags */
enum {
	REGION_READ = 1 << 0,
	REGION_WRITE = 1 << 1,
	REGION_EXEC = 1 << 2,
	REGION_STACK = 1 << 3, /* a thread stack (for ps and maps) */
	REGION_HEAP = 1 << 4,  /* brk heap */
	REGION_IMAGE = 1 << 5, /* loaded from an executable */
	REGION_SHARED = 1 << 6, /* MAP_SHARED: writes reach its object (never copy-on-write) */
	REGION_RO_LOCK = 1 << 7, /* Brian OS's mprotect_ro: write-protected until munprotect */
	REGION_MSG = 1 << 8,     /* a message buffer in the exchange region */
	REGION_SPECIAL = 1 << 9, /* frames the kernel shares (the vDSO): never writable, never moved */
	REGION_LOCKED = 1 << 10, /* mlock: its pages stay in memory (never swapped) */
	REGION_NOWRITE = 1 << 11, /* may never be made writable (a shared mapping of a file opened
				     read-only, REGION_SPECIAL) */
	REGION_NOEXEC = 1 << 12,  /* may never be made executable (a file on a noexec mount) */
	REGION_SEQUENTIAL = 1 << 13, /* madvise: read ahead of every fault, not only of misses */
	REGION_RANDOM = 1 << 14,     /* madvise: a miss reads its page alone */
	REGION_SYSVSHM = 1 << 15,    /* a System V shared memory attachment (shmat): counted by
					mm_shm_ops, never merged (Linux's shm vmas are not) */
};

struct domain;
struct xrange;

struct region {
	struct list_node node; /* [dom.lock] sorted by start */
	vaddr_t start, end;    /* [dom.lock] page-aligned, end exclusive */
	u32 flags;             /* [dom.lock] REGION_* */
	struct xrange *xr;     /* [dom.lock] REGION_MSG: the exchange range it holds a reference to */
	struct vmobj *obj;     /* [I] what it maps (holds a reference), or NULL: anonymous */
	u64 pgoff;             /* [dom.lock] obj's page index at start */
	struct list_node objnode; /* [obj->lock] on obj's list of mappings */
	u64 walk_seq;          /* [obj->lock] the latest walk of obj's mappings that visited it */
	struct domain *dom;    /* [I] the domain it belongs to */
	struct vmname *name;   /* [I] what /proc/<pid>/maps calls it (a reference), or NULL */
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
	u64 swapped;             /* [lock] pages of it out in swap (entries in its tables) */
	vaddr_t scan_at;         /* [lock] where the reclaim clock's hand is in it */
	struct list_node all;    /* [domains' list lock, domain.c] on the list reclaim walks */
	u64 peak;                /* [lock; read with atomics] the most resident has been */
	u64 locked;              /* [lock] pages of REGION_LOCKED regions (VmLck) */
	bool lock_future;        /* [a] mlockall(MCL_FUTURE): new regions are locked */
	bool hidden_frames;      /* [a] set once some page is mapped for the kernel's walk alone
	                            (PROT_NONE keeps its frame, without PTE_U): a supervisor access
	                            reaches it, so user copies walk the tables (uaccess.c) */
	struct list_node dead;   /* [lock] regions taken out, whose objects are let go after the
	                            lock (domain_unlock): letting go of a file may free it */
	struct vmobj *exe;       /* [I after exec] the program it runs: a reference, and writes to
	                            it denied (ETXTBSY) while the domain lives; or NULL */
};

struct domain *domain_create(void);
/* d runs the program whose pages are o: writes to it are refused while d lives. 0, -ETXTBSY. */
int domain_set_exe(struct domain *d, struct vmobj *o);
/* A copy-on-write copy of parent for fork (same addresses: invariant 5's exception). */
struct domain *domain_fork(struct domain *parent);
void domain_get(struct domain *d);
/* A reference unless d is already going away (its last one dropped): false then. */
bool domain_tryget(struct domain *d);
void domain_put(struct domain *d); /* frees when the last user goes */

/* Load d's root on this core (no-op if loaded). */
void domain_activate(struct domain *d);
/* Switch this core to the kernel's root if d is loaded here. */
void domain_deactivate(struct domain *d);
/* Is d's root the one this core has loaded? */
bool domain_loaded_here(struct domain *d);

/*
 * Add a region [start, start+len) with REGION_* flags (not REGION_MSG);
 * -EEXIST on overlap, -EINVAL if out of range: outside the private window
 * and d's slot, or in the exchange region, which holds messages only.
 */
int domain_map(struct domain *d, vaddr_t start, u64 len, u32 flags);
/* The same, replacing whatever d had mapped there (mmap's MAP_FIXED), in one step. */
int domain_map_fixed(struct domain *d, vaddr_t start, u64 len, u32 flags);
/*
 * mmap's work: a region of len bytes mapping obj from page pgoff (obj
 * NULL: anonymous), named name (may be NULL; the region takes its own
 * references to obj and name). At addr if fixed (replacing what is there
 * unless noreplace: -EEXIST), else at addr if it is free, else where there
 * is room. populate: fault every page in now (MAP_POPULATE, MAP_LOCKED),
 * which may park. The address, or -errno cast.
 */
struct map_req {
	vaddr_t addr;
	u64 len;
	u32 flags; /* REGION_* */
	struct vmobj *obj;
	u64 pgoff;
	struct vmname *name;
	bool fixed, noreplace, populate;
};
vaddr_t domain_mmap(struct domain *d, const struct map_req *req);
/*
 * Fault in [start, start+len) for access (REGION_READ/WRITE): 0,
 * -ERESTART_PARK, -ENOMEM. With nopark, pages that must be read from a
 * disk are started and left (MADV_WILLNEED). Pages it may not touch
 * (PROT_NONE, past the end of a file) are left too.
 */
int domain_populate_range(struct domain *d, vaddr_t start, u64 len, u32 access, bool nopark);
/* Does every page of [start, start+len) lie in one of d's mappings? */
bool domain_range_mapped(struct domain *d, vaddr_t start, u64 len);
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
 * madvise(MADV_DONTNEED): drop [start, start+len)'s pages from the page
 * tables: private anonymous ones read zero again, private copies of an
 * object's pages go back to the object's, shared ones are faulted in from
 * the object again; -ENOMEM if part of it is not mapped, -EINVAL for
 * locked or special mappings (as Linux).
 */
int domain_discard(struct domain *d, vaddr_t start, u64 len);
/* madvise(2) on d (sys_mem.c): the system call and io_uring's MADVISE. */
long mm_madvise(struct domain *d, u64 addr, u64 len, u64 advice);
/*
 * madvise's access pattern for [start, start+len): REGION_SEQUENTIAL,
 * REGION_RANDOM, or 0 (normal). -ENOMEM if part of it is not mapped.
 */
int domain_advise(struct domain *d, vaddr_t start, u64 len, u32 pattern);
/* Change protection of [start, start+len): all of it must be mapped, else -ENOMEM. */
int domain_protect(struct domain *d, vaddr_t start, u64 len, u32 prot_flags);
/* Brian OS's mprotect_ro / munprotect: lock or unlock writes on whole pages. */
int domain_write_lock(struct domain *d, vaddr_t start, u64 npages, bool lock);
/* What /proc/<pid>/smaps says of a region, in pages. */
struct region_usage {
	u64 rss, shared_clean, shared_dirty, private_clean, private_dirty, referenced, anon, swap;
	u64 pss_x1000; /* proportional share: each page counted 1/sharers, times 1000 */
};
/* Count r's pages (r one of d's regions). Caller holds d->lock. */
void region_usage_locked(struct domain *d, struct region *r, struct region_usage *u);
/* Find a free range of len bytes for mmap (0 if none). */
vaddr_t domain_find_free(struct domain *d, u64 len);
/*
 * mincore: one byte per page of [start, start+len) into vec, 1 if the
 * page is in memory (mapped here, or cached by its object); -ENOMEM if
 * part of the range is not mapped.
 */
int domain_mincore(struct domain *d, vaddr_t start, u64 len, u8 *vec);
/*
 * mlock/munlock [start, end): all of it must be mapped (-ENOMEM); locking
 * fails with -ENOMEM if d's locked bytes would pass limit. mlockall: every
 * region. Then the locked pages are faulted in (unless onfault).
 */
int domain_mlock(struct domain *d, vaddr_t start, vaddr_t end, bool lock, u64 limit, bool onfault);
int domain_mlock_all(struct domain *d, bool lock, u64 limit, bool onfault);
u64 domain_locked_bytes(struct domain *d);
/* Bytes d maps in all (RLIMIT_AS), and in private writable memory not a stack (RLIMIT_DATA). */
u64 domain_vm_size(struct domain *d, u64 *data);
/*
 * msync: call fn(obj, first, last, arg) for each shared object mapping's
 * pages in [start, start+len), with a reference on obj held; the first
 * error fn gives ends the walk. -ENOMEM if part of the range is not
 * mapped.
 */
int domain_msync(struct domain *d, vaddr_t start, u64 len,
		 int (*fn)(struct vmobj *obj, u64 first, u64 last, void *arg), void *arg);
/*
 * What a futex word at uaddr is, for a futex shared between processes:
 * the object and its byte offset when the page is a shared mapping's
 * (*obj set), else the domain and address (*obj NULL). -EFAULT if unmapped.
 */
int domain_futex_key(struct domain *d, vaddr_t uaddr, struct vmobj **obj, u64 *off);
/* brk(2): move the heap end; returns the new (or unchanged) end. */
vaddr_t domain_brk(struct domain *d, vaddr_t new_end);

/*
 * Resolve a fault at va: access is a combination of REGION_READ/WRITE/EXEC.
 * 0 when the page is now mapped, -EFAULT when the access is not allowed
 * (SIGSEGV), -ENXIO past the end of a mapped file or -EIO when its page
 * cannot be read (SIGBUS), -ENOMEM when no frame is left, -ERESTART_PARK
 * when the caller was parked until the page is read in (the faulting
 * access runs again when woken: invariant 3).
 */
int domain_fault(struct domain *d, vaddr_t va, u32 access);

/* ---- swap: what the layer above does with pages the domain code gives up (vm/swap.c) ---- */

/* What mm asks of swap and memory; set once at boot by the layer above. */
struct mm_swap_ops {
	/*
	 * The page at pa, mapped by an entry the reclaim clock takes away:
	 * MM_EVICT_SWAP with *entry (nonzero, one reference counted for the
	 * page-table entry that will hold it), MM_EVICT_DROP for a cached
	 * object's page (faulted back from its object), MM_EVICT_KEEP when it
	 * cannot go (swap full). Under the domain's lock; never waits.
	 */
	int (*evict)(paddr_t pa, u64 *entry);
	/* An entry is copied (fork) or let go (unmap, exit, swapped in): never waits. */
	void (*dup)(u64 entry);
	void (*free)(u64 entry);
	/*
	 * The page an entry stands for, referenced: 0; -ERESTART_PARK (parked
	 * until it is read in); -EAGAIN (nopark); -ENOENT (the entry was let
	 * go meanwhile); -EIO (it cannot be read).
	 */
	int (*page)(u64 entry, bool nopark, paddr_t *pa);
	/*
	 * Is pa, just read back and mapped, this mapping's alone (not in the
	 * swap cache, no other holder than it and the fault's own reference):
	 * may it be writable?
	 */
	bool (*exclusive)(paddr_t pa);
	/*
	 * No frame for a fault: wait for reclaim to free one (-ERESTART_PARK,
	 * parked) or give up (-ENOMEM: the caller is being killed, or there
	 * is no task to park).
	 */
	int (*wait_memory)(void);
};
enum { MM_EVICT_KEEP, MM_EVICT_SWAP, MM_EVICT_DROP };
void mm_set_swap_ops(const struct mm_swap_ops *ops);

/*
 * System V shared memory (ipc) counts the regions that attach a segment,
 * as Linux counts its vmas (shm_nattch): attach when a REGION_SYSVSHM
 * region goes into a domain (shmat, fork, a split, mremap), detach when
 * one leaves (shmdt, munmap, exec, exit). Both run under the domain's
 * lock; the region still holds its reference to o. Set by ipc before it
 * makes its first such region.
 */
struct mm_shm_ops {
	void (*attach)(struct vmobj *o);
	void (*detach)(struct vmobj *o);
};
void mm_set_shm_ops(const struct mm_shm_ops *ops);
/*
 * shmdt: unmap the attachment that starts at va: the REGION_SYSVSHM
 * region there mapping its object from page 0, and the regions after it
 * that continue the same object at matching offsets. 0, or -EINVAL when
 * no attachment starts at va.
 */
int domain_shm_detach(struct domain *d, vaddr_t va);
/* A process's end: unmap every REGION_SYSVSHM region of d. */
void domain_shm_detach_all(struct domain *d);

/* What one turn of the reclaim clock over a domain did, in pages. */
struct scan_stats {
	u64 scanned, young, dropped, swapped;
	bool full; /* swap had no room */
};
/*
 * One step of the reclaim clock (a second-chance clock over the page
 * tables, mm/scan.c): from d's hand on, for up to budget entries, a page
 * used since the hand last passed (the accessed bit) is kept and its bit
 * cleared; one not used goes: a cached object's page is dropped from the
 * table, an anonymous one (or a private copy) goes to swap. Locked and
 * special mappings are passed by. Never waits. Adds into *st.
 */
void domain_scan(struct domain *d, u64 budget, struct scan_stats *st);
/*
 * The next domain after the one numbered *hand (wrapping), referenced,
 * with *hand moved to it; NULL if there are none.
 */
struct domain *domain_next(u64 *hand);
/*
 * Bring back from swap every page of d whose entry match(entry, arg)
 * accepts (swapoff): 0 when none is left, -ERESTART_PARK while one is
 * read in, -ENOMEM, -EIO.
 */
int domain_swapin_all(struct domain *d, bool (*match)(u64 entry, void *arg), void *arg);
/*
 * The same for pages already in memory (match looks at the swap cache),
 * never waiting and with no current thread needed: for reclaim, taking
 * back pages a failed swap area could not write. How many it took back;
 * one it cannot take now (no memory for a table, a read out) stays.
 */
u64 domain_swapin_cached(struct domain *d, bool (*match)(u64 entry, void *arg), void *arg);
/*
 * Bring back the pages of [start, start+len) that are out in swap, before
 * a call does what it cannot undo and then copies to or from them (a pipe
 * read consumes its bytes, wait4 reaps its child): a copy that parked
 * then would lose what was done. 0 (nothing of it in swap), or
 * -ERESTART_PARK while pages are read back, -ENOMEM.
 */
int domain_swapin_range(struct domain *d, vaddr_t start, u64 len);

/*
 * Copy between kernel memory and d's user memory, faulting pages in;
 * -EFAULT on a bad range (or a mapped file's page that cannot be had),
 * -ERESTART_PARK when the caller was parked for a page being read in (it
 * must pass that up: its call runs again), -ENOMEM.
 */
int copy_to_domain(struct domain *d, vaddr_t dst, const void *src, size_t len);
int copy_from_domain(struct domain *d, void *dst, vaddr_t src, size_t len);
/* Copy a NUL-terminated string of at most max bytes (with the NUL); -ENAMETOOLONG if longer. */
long strncpy_from_domain(struct domain *d, char *dst, vaddr_t src, size_t max);
/* Zero user memory. */
int clear_domain(struct domain *d, vaddr_t dst, size_t len);
/*
 * Compare-and-exchange an aligned u32 of user memory, atomically with the
 * user threads on every core (futexes): *old gets what was there; the
 * new value went in if *old == expect. -EFAULT on a bad or unwritable address.
 */
int domain_cmpxchg_u32(struct domain *d, vaddr_t uva, u32 expect, u32 new, u32 *old);

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
/* The same, replacing what was mapped there if replace (MAP_FIXED), in one step. */
int domain_map_frames_at(struct domain *d, vaddr_t va, u64 npages, const paddr_t *frames,
			 u32 flags, bool replace);

/*
 * mmap(2) of a descriptor whose file lends frames of its own (io_uring's
 * rings) rather than mapping a page cache: the layer that owns
 * descriptors registers at boot how to ask one for them. fn fills
 * frames[0 .. npages) with the file's pages from byte off (page-aligned),
 * each with a new reference for the caller, or returns -errno (-EBADF,
 * -ENODEV: the file cannot be mapped, -EINVAL: off or the length does not
 * fit the file). A mapping holds its own references: munmap never frees
 * a frame the file still has.
 */
typedef int (*mmap_frames_fn)(int fd, u64 off, u64 npages, paddr_t *frames);
void mmap_frames_register(mmap_frames_fn fn);
#define MMAP_FRAMES_MAX (1UL << 16) /* pages in one such mapping */
/* Map such a file (mmap's arguments; rflags: REGION_*): the address, or -errno. */
long mm_mmap_lent(int fd, u64 off, vaddr_t addr, u64 len, u64 flags, u32 rflags);
/*
 * May d take a new mapping of len bytes (private_writable: counts as data)?
 * RLIMIT_AS and RLIMIT_DATA (-ENOMEM), and RLIMIT_MEMLOCK for a locked one
 * (-EAGAIN), as mmap(2) checks them.
 */
int mm_mmap_check(struct domain *d, u64 len, bool private_writable, bool locked);

/* Free frames a detached region still holds (a message nobody received). */
void frames_release(const paddr_t *frames, u64 npages);

/* Is [va, va+len) inside the user half, without wrapping? */
bool user_range_ok(vaddr_t va, u64 len);

/* Shoot down TLB entries for [start, end) on every core that has d loaded. */
void domain_tlb_flush(struct domain *d, vaddr_t start, vaddr_t end);
/* Handle pending shootdown requests addressed to this core (IPI handler and waiters). */
void tlb_shootdown_poll(void);
