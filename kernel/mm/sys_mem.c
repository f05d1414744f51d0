/*
 * Memory system calls that need no files: brk, munmap, mprotect,
 * mremap, madvise, mincore, the mlock family, and Brian OS's
 * mprotect_ro / munprotect; and for mmap (fs/sys_mmap.c, with msync),
 * the resource limits a new mapping must fit and the mapping of frames a
 * file lends (io_uring's rings).
 */
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/limits.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

/* How much the caller may lock: RLIMIT_MEMLOCK, unless it has CAP_IPC_LOCK (mlock(2)). */
static u64 memlock_limit(void)
{
	return cred_capable(cur_cred(), CAP_IPC_LOCK) ? RLIM_INFINITY : cur_rlimit(RLIMIT_MEMLOCK);
}

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_TYPE      0x0f
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE  0x8000
#define MAP_STACK     0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_LOCKED    0x2000
#define PROT_SEM   0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000

static u32 prot_to_region(u64 prot)
{
	u32 f = 0;
	if (prot & PROT_READ)
		f |= REGION_READ;
	if (prot & PROT_WRITE)
		f |= REGION_WRITE | REGION_READ; /* x86 pages cannot be write-only */
	if (prot & PROT_EXEC)
		f |= REGION_EXEC | REGION_READ;
	return f;
}

/*
 * RLIMIT_AS and RLIMIT_DATA: may d grow by len bytes (writable: private
 * writable memory, which counts as data)? Summed only when a limit is set.
 */
static bool vm_fits(struct domain *d, u64 len, bool writable)
{
	u64 as = cur_rlimit(RLIMIT_AS), data_lim = cur_rlimit(RLIMIT_DATA);
	if (as == RLIM_INFINITY && (data_lim == RLIM_INFINITY || !writable))
		return true;
	u64 data, total = domain_vm_size(d, &data);
	if (as != RLIM_INFINITY && (len > as || total > as - len))
		return false;
	if (writable && data_lim != RLIM_INFINITY && (len > data_lim || data > data_lim - len))
		return false;
	return true;
}

SYSCALL(NR_brk, brk)
{
	struct domain *d = cur_dom();
	vaddr_t cur = domain_brk(d, 0);
	/* Growth past a limit fails the way brk fails: the old break comes back. */
	if (a0 > cur && !vm_fits(d, ALIGN_UP(a0, PAGE_SIZE) - ALIGN_UP(cur, PAGE_SIZE), true))
		return (long)cur;
	return (long)domain_brk(d, a0);
}

int mm_mmap_check(struct domain *d, u64 len, bool private_writable, bool locked)
{
	if (!vm_fits(d, len, private_writable))
		return -ENOMEM;
	/* MAP_LOCKED, or mlockall(MCL_FUTURE): the new memory counts against RLIMIT_MEMLOCK. */
	u64 memlock = memlock_limit();
	if (locked && (len > memlock || domain_locked_bytes(d) > memlock - len))
		return -EAGAIN;
	return 0;
}

static mmap_frames_fn mmap_frames; /* [I after boot] */

void mmap_frames_register(mmap_frames_fn fn)
{
	mmap_frames = fn;
}

/* What a new mapping is made of: demand-zero memory, or frames a file lent. */
struct mapping {
	u32 rflags;
	const paddr_t *frames; /* NULL: anonymous */
};

/* replace: MAP_FIXED, which takes the range over in one step (if it may be the caller's). */
static int map_at(struct domain *d, vaddr_t va, u64 len, const struct mapping *m, bool replace)
{
	if (m->frames)
		return domain_map_frames_at(d, va, len / PAGE_SIZE, m->frames, m->rflags, replace);
	return replace ? domain_map_fixed(d, va, len, m->rflags) : domain_map(d, va, len, m->rflags);
}

/* Place the mapping as mmap's flags say (MAP_FIXED, a hint, or a free range): its address or -errno. */
static long place(struct domain *d, vaddr_t addr, u64 len, u64 flags, const struct mapping *m)
{
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		bool replace = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) == MAP_FIXED;
		int r = map_at(d, addr, len, m, replace);
		if (r == -EEXIST)
			return -EEXIST;
		return r < 0 ? (r == -EINVAL ? -ENOMEM : r) : (long)addr;
	}
	/* A hint is taken if that range is free; otherwise we choose. */
	if (addr && !(addr & (PAGE_SIZE - 1)) && map_at(d, addr, len, m, false) == 0)
		return (long)addr;
	for (int tries = 0; tries < 4; tries++) {
		vaddr_t va = domain_find_free(d, len);
		if (!va)
			return -ENOMEM;
		int r = map_at(d, va, len, m, false);
		if (r == 0)
			return (long)va;
		if (r != -EEXIST)
			return r;
		/* Another thread took it between search and map: search again. */
	}
	return -ENOMEM;
}

/*
 * A file that lends frames of its own (io_uring's rings): always shared,
 * whatever MAP_PRIVATE says, as Linux maps such kernel memory; the frames
 * stay the file's, munmap drops only the mapping's references.
 */
long mm_mmap_lent(int fd, u64 off, vaddr_t addr, u64 len, u64 flags, u32 rflags)
{
	if (!mmap_frames)
		return -ENODEV;
	u64 npages = len / PAGE_SIZE;
	if (npages > MMAP_FRAMES_MAX)
		return -EINVAL;
	paddr_t *frames = kmalloc(npages * sizeof *frames);
	if (!frames)
		return -ENOMEM;
	long r = mmap_frames(fd, off, npages, frames);
	if (r == 0) {
		struct mapping m = {rflags | REGION_SHARED, frames};
		r = place(cur_dom(), addr, len, flags, &m);
		frames_release(frames, npages); /* the mapping holds its own references */
	}
	kfree(frames);
	return r;
}

SYSCALL(NR_munmap, munmap)
{
	if (a0 & (PAGE_SIZE - 1) || a1 == 0)
		return -EINVAL;
	return domain_unmap(cur_dom(), a0, a1);
}

SYSCALL(NR_mprotect, mprotect)
{
	if (a0 & (PAGE_SIZE - 1) ||
	    (a2 & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN |
			 PROT_GROWSUP)) ||
	    ((a2 & PROT_GROWSDOWN) && (a2 & PROT_GROWSUP)))
		return -EINVAL;
	if (a2 & (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL; /* only for MAP_GROWSDOWN mappings, which Ferry does not make */
	return domain_protect(cur_dom(), a0, a1, prot_to_region(a2));
}

#define MREMAP_MAYMOVE   1
#define MREMAP_FIXED     2
#define MREMAP_DONTUNMAP 4

SYSCALL(NR_mremap, mremap)
{
	u64 flags = a3;
	if (flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP) {
		syscall_unsupported("MREMAP_DONTUNMAP"); /* keeping the old range mapped as well */
		return -EINVAL;
	}
	if (a2 > (1UL << 46))
		return -ENOMEM;
	vaddr_t fixed = flags & MREMAP_FIXED ? a4 : 0;
	if (a2 > a1 && !vm_fits(cur_dom(), ALIGN_UP(a2, PAGE_SIZE) - ALIGN_UP(a1, PAGE_SIZE), true))
		return -ENOMEM;
	if ((flags & MREMAP_FIXED) && !fixed)
		return -EINVAL; /* page 0 is never mapped */
	return (long)domain_remap(cur_dom(), a0, a1, a2, flags & MREMAP_MAYMOVE, fixed);
}

#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED   3
#define MADV_DONTNEED   4
#define MADV_FREE       8
#define MADV_REMOVE     9
#define MADV_LAST       25 /* MADV_COLLAPSE */

long mm_madvise(struct domain *d, u64 addr, u64 len, u64 advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
		return domain_discard(d, addr, len);
	case MADV_WILLNEED: {
		/*
		 * Start reading what a mapped file lacks, fault in the rest; never
		 * wait. As Linux, a range with unmapped pages is ENOMEM (the
		 * mapped ones still got the advice).
		 */
		int r = domain_populate_range(d, addr, len, REGION_READ, true);
		if (r == -ENOMEM || r == -EFAULT)
			return -ENOMEM;
		return domain_range_mapped(d, addr, len) ? 0 : -ENOMEM;
	}
	case MADV_NORMAL:
		return domain_advise(d, addr, len, 0);
	case MADV_RANDOM:
		return domain_advise(d, addr, len, REGION_RANDOM);
	case MADV_SEQUENTIAL:
		return domain_advise(d, addr, len, REGION_SEQUENTIAL);
	case MADV_REMOVE:
		return -EINVAL; /* punching holes in shared memory is not supported */
	case 5 ... 7:
		return -EINVAL; /* never used by Linux */
	default:
		/*
		 * The rest is advice Ferry may ignore, MADV_FREE included:
		 * keeping a page's contents is one of the outcomes it allows.
		 */
		return advice <= MADV_LAST ? 0 : -EINVAL;
	}
}

SYSCALL(NR_madvise, madvise)
{
	return mm_madvise(cur_dom(), a0, a1, (u32)a2); /* int advice: a negative one is past MADV_LAST */
}

#define MINCORE_CHUNK 1024 /* pages answered per copy out (the buffer is on the stack) */

SYSCALL(NR_mincore, mincore)
{
	vaddr_t start = a0;
	u64 len = a1;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!user_range_ok(start, len))
		return -ENOMEM;
	u64 pages = ALIGN_UP(len, PAGE_SIZE) >> PAGE_SHIFT;
	if (!user_range_ok(a2, pages))
		return -EFAULT;
	u8 vec[MINCORE_CHUNK];
	for (u64 done = 0; done < pages;) {
		u64 n = MIN(pages - done, (u64)MINCORE_CHUNK);
		int r = domain_mincore(cur_dom(), start + (done << PAGE_SHIFT), n << PAGE_SHIFT, vec);
		if (r == 0)
			r = copy_to_domain(cur_dom(), a2 + done, vec, n);
		if (r)
			return r == -ERESTART_PARK || r == -ENOMEM ? r : -EFAULT;
		done += n;
	}
	return 0;
}

SYSCALL(SYS_mprotect_ro, mprotect_ro)
{
	return domain_write_lock(cur_dom(), a0, a1, true);
}

SYSCALL(SYS_munprotect, munprotect)
{
	return domain_write_lock(cur_dom(), a0, a1, false);
}

/*
 * mlock and friends: the regions are marked locked (their pages faulted
 * in now, and kept from swap by the memory code) and count against
 * RLIMIT_MEMLOCK, which binds all but holders of CAP_IPC_LOCK (as Linux).
 */
#define MLOCK_ONFAULT 0x01
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

static long do_mlock(u64 addr, u64 len, bool lock, bool onfault)
{
	vaddr_t start = ALIGN_DOWN(addr, PAGE_SIZE);
	if (len > USER_TOP || addr + len < addr)
		return -ENOMEM;
	vaddr_t end = ALIGN_UP(addr + len, PAGE_SIZE);
	u64 limit = memlock_limit();
	if (lock && limit == 0)
		return -EPERM; /* as Linux with no allowance at all */
	return domain_mlock(cur_dom(), start, end, lock, limit, onfault);
}

SYSCALL(NR_mlock, mlock)
{
	return do_mlock(a0, a1, true, false);
}

SYSCALL(NR_mlock2, mlock2)
{
	if ((u32)a2 & ~(u32)MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(a0, a1, true, (u32)a2 & MLOCK_ONFAULT);
}

SYSCALL(NR_munlock, munlock)
{
	return do_mlock(a0, a1, false, false);
}

SYSCALL(NR_mlockall, mlockall)
{
	int flags = (int)a0;
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	u64 limit = memlock_limit();
	if (limit == 0)
		return -EPERM;
	struct domain *d = cur_dom();
	if (flags & MCL_CURRENT) {
		long r = domain_mlock_all(d, true, limit, flags & MCL_ONFAULT);
		if (r < 0)
			return r;
	}
	__atomic_store_n(&d->lock_future, (flags & MCL_FUTURE) != 0, __ATOMIC_RELAXED);
	return 0;
}

SYSCALL(NR_munlockall, munlockall)
{
	struct domain *d = cur_dom();
	__atomic_store_n(&d->lock_future, false, __ATOMIC_RELAXED);
	return domain_mlock_all(d, false, 0, true);
}
