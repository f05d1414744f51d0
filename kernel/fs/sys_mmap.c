/*
 * mmap and msync: the memory calls that take files. A regular file maps
 * its page cache (vm/pcache.h); a device maps what its driver gives (the
 * memory devices: /dev/zero); shared anonymous memory is an object of
 * its own (vm/shmem.h). The rest of the memory calls need no files and
 * live in mm/sys_mem.c.
 *
 * The checks are Linux's (mmap(2)): a file needs read access; a shared
 * writable mapping write access; an executable mapping a mount that
 * allows it; directories, pipes and sockets cannot be mapped.
 */
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "proc/cur.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "vm/shmem.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "uapi/ferry.h"

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
#define PROT_SEM   0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE      0x0f
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_32BIT     0x40
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED    0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE  0x8000
#define MAP_NONBLOCK  0x10000
#define MAP_STACK     0x20000
#define MAP_HUGETLB   0x40000
#define MAP_SYNC      0x80000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_UNINITIALIZED 0x4000000
/* What MAP_SHARED_VALIDATE accepts (mmap(2)): everything known but MAP_SYNC (no DAX here). */
#define MAP_KNOWN (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | \
		   MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | \
		   MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_FIXED_NOREPLACE | MAP_UNINITIALIZED)

#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

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

/* What /proc/<pid>/maps calls a mapping of f: its path, as /proc/<pid>/fd shows it. */
static struct vmname *name_of(struct file *f)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return NULL;
	ssize_t n = vfs_file_path(f, buf, PATH_MAX - 1);
	struct vmname *v = NULL;
	if (n > 0) {
		buf[n] = 0;
		v = vmname_new(buf);
	}
	kfree(buf);
	return v;
}

/*
 * Check f for a mapping and find what it maps: *obj (a reference) and
 * *name, and the flags its file forbids in *rflags. 0 or -errno.
 */
static int file_mapping(struct file *f, u64 prot, bool shared, u64 len, u32 *rflags,
			struct vmobj **obj, struct vmname **name)
{
	struct inode *ip = f->ip;
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (!(f->fmode & FMODE_READ))
		return -EACCES;
	if (shared && !(f->fmode & FMODE_WRITE)) {
		if (prot & PROT_WRITE)
			return -EACCES;
		*rflags |= REGION_NOWRITE; /* and mprotect may not make it writable */
	}
	if (sb_mnt_flags(ip->sb) & SB_NOEXEC) {
		if (prot & PROT_EXEC)
			return -EPERM;
		*rflags |= REGION_NOEXEC;
	}
	if (f->ops->mmap) {
		/* A device: what its driver maps (NULL: anonymous memory). */
		const char *n = NULL;
		int r = f->ops->mmap(f, shared, len, obj, &n);
		if (r == 0 && n)
			*name = vmname_new(n);
		return r;
	}
	if (!S_ISREG(ip->mode) || !ip->data.ops)
		return -ENODEV; /* directories, pipes, sockets, devices without a mapping */
	*obj = &ip->data.obj;
	(*obj)->ops->get(*obj);
	*name = name_of(f);
	return 0;
}

SYSCALL(NR_mmap, mmap)
{
	vaddr_t addr = a0;
	u64 len = a1, prot = a2, flags = a3, off = a5;
	int fd = (int)a4;
	if (len == 0)
		return -EINVAL;
	if (prot & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	u64 type = flags & MAP_TYPE;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & ~(u64)MAP_KNOWN))
		return -EOPNOTSUPP; /* MAP_SYNC among them: no DAX here */
	if (flags & MAP_HUGETLB)
		return -EINVAL; /* no hugetlbfs */
	bool shared = type != MAP_PRIVATE;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if ((off & (PAGE_SIZE - 1)) || (fixed && (addr & (PAGE_SIZE - 1))))
		return -EINVAL;
	if (len > (1UL << 46))
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!(flags & MAP_ANONYMOUS) && off + len < off)
		return -EOVERFLOW;

	struct map_req req = {.addr = addr,
			      .len = len,
			      .flags = prot_to_region(prot) | (shared ? REGION_SHARED : 0) |
				       (flags & MAP_LOCKED ? REGION_LOCKED : 0),
			      .pgoff = off >> PAGE_SHIFT,
			      .fixed = fixed,
			      .noreplace = flags & MAP_FIXED_NOREPLACE,
			      .populate = flags & (MAP_POPULATE | MAP_LOCKED)};
	struct domain *d = cur_dom();
	long r = mm_mmap_check(d, len, (prot & PROT_WRITE) && !shared,
			       (flags & MAP_LOCKED) || __atomic_load_n(&d->lock_future, __ATOMIC_RELAXED));
	if (r < 0)
		return r;
	if (!(flags & MAP_ANONYMOUS)) {
		struct file *f = fs_fget(fd);
		if (!f)
			return -EBADF;
		if (f->ops && f->ops->mmap_frames) {
			/* A file that lends its own frames (io_uring's rings): always shared. */
			file_put(f);
			return mm_mmap_lent(fd, off, addr, len, flags, prot_to_region(prot));
		}
		r = file_mapping(f, prot, shared, len, &req.flags, &req.obj, &req.name);
		file_put(f);
	} else if (shared) {
		/* Anonymous and shared: memory of its own, shared across fork. */
		req.obj = shmem_create(len);
		req.name = vmname_new("/dev/zero (deleted)");
		req.pgoff = 0;
		r = req.obj ? 0 : -ENOMEM;
	}
	if (!req.obj)
		req.pgoff = 0; /* anonymous memory has no offset */
	if (r == 0)
		r = (long)domain_mmap(d, &req);
	/* The mapping holds its own references. */
	if (req.obj)
		req.obj->ops->put(req.obj);
	vmname_put(req.name);
	return r;
}

/* ---- msync ---- */

struct msync_ctx {
	int flags;
};

static int msync_obj(struct vmobj *obj, u64 first, u64 last, void *arg)
{
	struct msync_ctx *m = arg;
	struct pcache *pc = container_of(obj, struct pcache, obj);
	if (pc->flags & PC_SWAPBACKED)
		return 0; /* memory only: nothing to write */
	if (m->flags & MS_ASYNC) {
		/* Start the writes; the disk's completions clean the pages. */
		int r = pcache_writeback(pc, first, last, false, PCG_NOPARK);
		return r == -EAGAIN ? 0 : r;
	}
	int r = pcache_writeback(pc, first, last, true, 0);
	if (r)
		return r;
	/* MS_SYNC: as fdatasync of the range (Linux: vfs_fsync_range), the disk's cache flushed. */
	struct inode *ip = pcache_inode(pc);
	return ip->ops->fsync ? ip->ops->fsync(ip, true) : 0;
}

SYSCALL(NR_msync, msync)
{
	vaddr_t addr = a0;
	u64 len = a1;
	int flags = (int)a2;
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (!user_range_ok(addr, len))
		return -ENOMEM;
	if (!len)
		return 0;
	/*
	 * MS_INVALIDATE asks that other mappings see what was written: one
	 * page cache behind every mapping and read already does that.
	 */
	struct msync_ctx m = {flags};
	if (!(flags & (MS_ASYNC | MS_SYNC)))
		m.flags |= MS_ASYNC; /* neither: Linux treats it as an asynchronous sync */
	return domain_msync(cur_dom(), addr, len, msync_obj, &m);
}
