/*
 * Memory system calls that need no files: brk, munmap, mprotect,
 * mremap, madvise, mincore, the mlock family, and Brian OS's
 * mprotect_ro / munprotect. (mmap and msync take files: fs/sys_mmap.c.)
 */
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
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

SYSCALL(NR_brk, brk)
{
	return (long)domain_brk(cur_dom(), a0);
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

SYSCALL(NR_madvise, madvise)
{
	if (a0 & (PAGE_SIZE - 1))
		return -EINVAL;
	switch (a2) {
	case MADV_DONTNEED:
		return domain_discard(cur_dom(), a0, a1);
	case MADV_WILLNEED: {
		/* Start reading what a mapped file lacks, fault in the rest; never wait. */
		int r = domain_populate_range(cur_dom(), a0, a1, REGION_READ, true);
		return r == -ENOMEM ? -ENOMEM : 0;
	}
	case MADV_NORMAL:
		return domain_advise(cur_dom(), a0, a1, 0);
	case MADV_RANDOM:
		return domain_advise(cur_dom(), a0, a1, REGION_RANDOM);
	case MADV_SEQUENTIAL:
		return domain_advise(cur_dom(), a0, a1, REGION_SEQUENTIAL);
	case MADV_REMOVE:
		return -EINVAL; /* punching holes in shared memory is not supported */
	case 5 ... 7:
		return -EINVAL; /* never used by Linux */
	default:
		/*
		 * The rest is advice Ferry may ignore, MADV_FREE included:
		 * keeping a page's contents is one of the outcomes it allows.
		 */
		return a2 <= MADV_LAST ? 0 : -EINVAL;
	}
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

#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE  2
#define MCL_ONFAULT 4

/*
 * The mlock family: locked pages stay in memory (never swapped). How
 * much a process may lock (RLIMIT_MEMLOCK) is the resource limits'
 * business; everyone is root here for now.
 */
static long do_mlock(u64 start, u64 len, bool lock)
{
	if (!len)
		return 0;
	return domain_mlock(cur_dom(), start, len, lock);
}

SYSCALL(NR_mlock, mlock)
{
	return do_mlock(a0, a1, true);
}

SYSCALL(NR_mlock2, mlock2)
{
	if (a2 & ~(u64)MLOCK_ONFAULT)
		return -EINVAL;
	/* MLOCK_ONFAULT: locked as they come in; faulting all in now is allowed too. */
	return do_mlock(a0, a1, true);
}

SYSCALL(NR_munlock, munlock)
{
	return do_mlock(a0, a1, false);
}

SYSCALL(NR_mlockall, mlockall)
{
	u64 f = a0;
	if (!f || (f & ~(u64)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || f == MCL_ONFAULT)
		return -EINVAL;
	return domain_mlockall(cur_dom(), f & MCL_CURRENT, f & MCL_FUTURE, false);
}

SYSCALL(NR_munlockall, munlockall)
{
	return domain_mlockall(cur_dom(), false, false, true);
}

SYSCALL(SYS_mprotect_ro, mprotect_ro)
{
	return domain_write_lock(cur_dom(), a0, a1, true);
}

SYSCALL(SYS_munprotect, munprotect)
{
	return domain_write_lock(cur_dom(), a0, a1, false);
}
