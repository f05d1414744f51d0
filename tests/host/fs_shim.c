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
#include "mm/layout.h"
#include "mm/domain.h"
#include "ipc/pipe.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "fs/bcache.h"
#include "sched/park.h"
#include "vm/writeback.h"


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
