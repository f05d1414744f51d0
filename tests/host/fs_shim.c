/*
 * Host stand-ins for what the file-system code needs from the rest of the
 * kernel: the heap (malloc, with a count of live blocks so tests catch
 * leaks), a page allocator over a host buffer (phys_to_virt's
 * host_phys_base) with per-frame reference counts, console output, panic,
 * and user-memory copies in which "user addresses" are host pointers and
 * the first page faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <pthread.h>
#include "fs_shim.h"
#include "lib/kernel.h"
#include "lib/errno.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "fs/fdtable.h"
#include "proc/cur.h"
#include "proc/signal.h"
#include "fs/lock.h"
#include "proc/unsupported.h"
#include "mm/layout.h"
#include "mm/domain.h"
#include "ipc/pipe.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "fs/bcache.h"
#include "sched/park.h"
#include "vm/writeback.h"
#include "proc/cred.h"
#include "proc/cur.h"

struct cred *shim_cred = &cred_root;

struct cred *cur_cred(void)
{
	return shim_cred;
}

struct cred *cur_cred_swap(struct cred *c)
{
	struct cred *old = shim_cred;
	shim_cred = c ? c : &cred_root;
	return old;
}
#include "vm/swap.h"
#include "dev/blk.h"


long shim_heap_live;

void *kmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p)
		__atomic_add_fetch(&shim_heap_live, 1, __ATOMIC_RELAXED);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size ? size : 1);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&shim_heap_live, 1, __ATOMIC_RELAXED);
	free(p);
}

/* ---- pages ---- */

u8 *host_phys_base;
static struct frame frames[SHIM_PAGES];
static u32 free_stack[SHIM_PAGES];
static u32 nfree;
static pthread_mutex_t page_lock = PTHREAD_MUTEX_INITIALIZER; /* stress tests use threads */
long shim_page_budget = -1; /* pages that may still be allocated; -1: no limit */

static void pages_init(void)
{
	if (host_phys_base)
		return;
	host_phys_base = aligned_alloc(PAGE_SIZE, (size_t)SHIM_PAGES * PAGE_SIZE);
	if (!host_phys_base)
		abort();
	/* Frame 0 is never handed out: paddr 0 means "no page". */
	for (u32 i = SHIM_PAGES - 1; i >= 1; i--)
		free_stack[nfree++] = i;
}

paddr_t page_alloc(unsigned order)
{
	pthread_mutex_lock(&page_lock);
	pages_init();
	if (order != 0 || nfree == 0 || shim_page_budget == 0) {
		pthread_mutex_unlock(&page_lock);
		return 0;
	}
	if (shim_page_budget > 0)
		shim_page_budget--;
	u32 i = free_stack[--nfree];
	frames[i].flags = FRAME_HEAD;
	frames[i].refcount = 0;
	pthread_mutex_unlock(&page_lock);
	memset(host_phys_base + (u64)i * PAGE_SIZE, 0xa5, PAGE_SIZE); /* catch missing zeroing */
	return (paddr_t)i * PAGE_SIZE;
}

void page_free(paddr_t pa, unsigned order)
{
	u32 i = (u32)(pa / PAGE_SIZE);
	pthread_mutex_lock(&page_lock);
	if (order != 0 || i == 0 || i >= SHIM_PAGES || frames[i].flags != FRAME_HEAD)
		panic("page_free: bad page %#lx", pa);
	frames[i].flags = FRAME_FREE;
	free_stack[nfree++] = i;
	pthread_mutex_unlock(&page_lock);
}

struct frame *pa_to_frame(paddr_t pa)
{
	u32 i = (u32)(pa / PAGE_SIZE);
	return i < SHIM_PAGES ? &frames[i] : NULL;
}

u64 buddy_total_pages(void)
{
	return SHIM_PAGES - 1;
}

u64 buddy_free_pages(void)
{
	return (u64)(SHIM_PAGES - 1 - shim_pages_in_use());
}

/* What kernel/lib/logonce.c would log once: counted, and printed for the test's log. */
long shim_unsupported;
void syscall_unsupported(const char *what)
{
	shim_unsupported++;
	fprintf(stderr, "unsupported: %s\n", what);
}

long shim_pages_in_use(void)
{
	pthread_mutex_lock(&page_lock);
	pages_init();
	long n = (long)(SHIM_PAGES - 1 - nfree);
	pthread_mutex_unlock(&page_lock);
	return n;
}

/* Console and panic: host_console.c. */

/* ---- user memory: host pointers, and page 0 faults ---- */

/* As the kernel sees it: page 0 and anything reaching past the user half are bad. */
static bool bad(u64 va, size_t len)
{
	return va < PAGE_SIZE || va + len < va || va + len > USER_TOP;
}

int copy_to_domain(struct domain *d, vaddr_t dst, const void *src, size_t len)
{
	if (bad(dst, len))
		return -EFAULT;
	memcpy((void *)dst, src, len);
	return 0;
}

int copy_from_domain(struct domain *d, void *dst, vaddr_t src, size_t len)
{
	if (bad(src, len))
		return -EFAULT;
	memcpy(dst, (const void *)src, len);
	return 0;
}

int clear_domain(struct domain *d, vaddr_t dst, size_t len)
{
	if (bad(dst, len))
		return -EFAULT;
	memset((void *)dst, 0, len);
	return 0;
}

long strncpy_from_domain(struct domain *d, char *dst, vaddr_t src, size_t max)
{
	if (bad(src, 1))
		return -EFAULT;
	const char *s = (const char *)src;
	for (size_t n = 0; n < max; n++) {
		dst[n] = s[n];
		if (!s[n])
			return (long)n;
	}
	return -ENAMETOOLONG;
}

bool user_range_ok(vaddr_t va, u64 len)
{
	return !bad(va, len);
}

void tlb_shootdown_poll(void)
{
}

/* The stand-in process's chroot (fsproc_shim.c sets it), else the file system's root. */
struct inode *shim_root;

struct inode *fs_root_get(void)
{
	return shim_root ? inode_get(shim_root) : vfs_root();
}

/* RLIMIT_NOFILE of the stand-in caller: the table's own ceiling. */
u32 fd_limit(void)
{
	return FD_MAX;
}

/* The stand-in caller has no limits and takes no signals. */
u64 cur_rlimit(int res)
{
	(void)res;
	return ~0UL;
}

void signal_raise(int sig)
{
	(void)sig;
}

/* File locks (kernel/fs/lock.c) are not part of the host tests. */
long lock_fcntl(struct fdtable *t, struct file *f, int cmd, u64 uflock)
{
	return -EINVAL;
}

long lock_flock(struct file *f, int op)
{
	return -EINVAL;
}

void locks_remove_posix(struct fdtable *t, struct inode *ip)
{
}

void locks_remove_file(struct file *f)
{
}

void log_once(u64 key, const char *fmt, ...)
{
	(void)key;
	(void)fmt;
}

/* memfd (kernel/fs/memfd.c) is not part of the host tests: no file is one. */
long memfd_seals(struct file *f, int cmd, u32 add)
{
	return -EINVAL;
}

void signal_send_io(int who, bool thread, int sig, int code, i64 band, int fd)
{
}

bool signal_io_target_exists(int who, bool thread)
{
	return true;
}

/* ---- waiting and write-back: memory file systems never wait, and there are no disks ---- */

struct park *park_current(void)
{
	return NULL; /* no task: the page cache says -EAGAIN instead of parking */
}

long park_on(struct waitq *q)
{
	panic("park_on on the host");
}

u64 park_progress(void)
{
	return 0;
}

void park_save_progress(u64 done)
{
}

void waitq_init(struct waitq *q)
{
	q->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&q->waiters);
}

int waitq_wake_all(struct waitq *q)
{
	return 0;
}

void wb_note_dirty(struct pcache *pc)
{
}

void wb_forget(struct pcache *pc)
{
}

int wb_sync(bool (*match)(struct pcache *pc, void *arg), void *arg)
{
	return 0;
}

void wb_init(void)
{
}

void buddy_add_reclaim(u64 (*reclaim)(u64 want))
{
}

long bcache_sync_thread(struct blk_dev *dev)
{
	return 0;
}

/* ---- objects that mappings map: no processes on the host, so nothing maps them ---- */

void vmobj_init(struct vmobj *o, const struct vmobj_ops *ops, u64 dev, u64 ino)
{
	*o = (struct vmobj){.ops = ops, .lock = SPINLOCK_INIT, .dev = dev, .ino = ino};
	list_init(&o->maps);
}

bool vmobj_mapped_shared(struct vmobj *o)
{
	return false;
}

void vmobj_wrprotect(struct vmobj *o, u64 first, u64 last)
{
}

void vmobj_unmap_from(struct vmobj *o, u64 from)
{
}

int vmobj_get_write(struct vmobj *o)
{
	if (o->writecount < 0)
		return -ETXTBSY;
	o->writecount++;
	return 0;
}

void vmobj_put_write(struct vmobj *o)
{
	o->writecount--;
}

bool vmobj_writable(struct vmobj *o)
{
	return o->writecount >= 0;
}

/* ---- swap and disks: none on the host ---- */

paddr_t page_alloc_user(void)
{
	return page_alloc(0);
}

void swap_free(u64 entry)
{
	panic("swap_free on the host: no swap");
}

int swap_page(u64 entry, bool nopark, paddr_t *pa)
{
	return -EIO;
}

int swap_take_page_locked(struct pcache *pc, u64 idx, paddr_t pa, u64 *entry)
{
	return -ENOSPC;
}

void swap_init(void)
{
}

/* No page of a host test's memory is ever in swap: nothing to bring in. */
int domain_swapin_range(struct domain *d, vaddr_t va, u64 len)
{
	return 0;
}

void reclaim_init(void)
{
}

u32 blk_count(void)
{
	return 0;
}

struct blk_dev *blk_get(u32 i)
{
	return NULL;
}

/* No block devices on the host: devfs makes no nodes for them, and none opens. */
struct blk_dev *blk_table_get(u32 i)
{
	return NULL;
}

struct blk_dev *blk_find(u32 major, u32 minor)
{
	return NULL;
}

long park_until(u64 deadline)
{
	return 0;
}

u64 tsc_ns(void)
{
	return 0;
}
