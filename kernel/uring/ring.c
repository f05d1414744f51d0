/*
 * Rings: io_uring_setup's checks and sizes, the memory of the rings and
 * the SQE array (frames lent to mmap at Linux's offsets), the ring's file
 * (poll, release) and its life (a reference per request). Also the list
 * of live rings, which a process's exit walks (cancel.c).
 *
 * The ring's memory is frames with one kernel reference each, dropped
 * when the ring goes; a user mapping holds its own (mm/sys_mem.c), so
 * the memory stays valid for as long as it is mapped, as on Linux.
 */
#include "uring/uring.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/buddy.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "proc/cur.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct spinlock uring_list_lock = SPINLOCK_INIT;
struct list_node uring_list = LIST_INIT(uring_list); /* [uring_list_lock] live rings */

/* Every ring file shares one inode, as Linux's anonymous inodes: it never goes. */
static struct superblock uringfs = {.fstype = "anon_inodefs"};
static struct inode uring_inode;
static const struct inode_ops uring_inode_ops;

static const struct file_ops uring_fops;

struct uring *uring_of(struct file *f)
{
	return f && f->ops == &uring_fops ? f->priv : NULL;
}

/* ---- memory ---- */

static int area_alloc(struct uring_area *a, u64 bytes)
{
	a->npages = (u32)(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
	a->frames = kzalloc(a->npages * sizeof *a->frames);
	a->kva = kzalloc(a->npages * sizeof *a->kva);
	if (!a->frames || !a->kva)
		return -ENOMEM;
	for (u32 i = 0; i < a->npages; i++) {
		paddr_t pa = page_alloc(0);
		if (!pa)
			return -ENOMEM; /* area_free lets go of what was taken */
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		/* The ring's own reference; mappings add theirs (mm/sys_mem.c). */
		__atomic_store_n(&pa_to_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
		a->frames[i] = pa;
		a->kva[i] = phys_to_virt(pa);
	}
	return 0;
}

static void area_free(struct uring_area *a)
{
	if (a->frames)
		frames_release(a->frames, a->npages);
	kfree(a->frames);
	kfree(a->kva);
}

/* ---- life ---- */

void uring_get(struct uring *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
}

static void ring_free(struct uring *r)
{
	spin_lock(&uring_list_lock);
	if (r->all.next)
		list_remove(&r->all);
	spin_unlock(&uring_list_lock);
	while (!list_empty(&r->overflow))
		kfree(list_pop_front(&r->overflow));
	uring_unregister_all(r);
	uring_sqpoll_free(r);
	if (r->spare)
		uring_req_free(r->spare);
	area_free(&r->rings);
	area_free(&r->sqes);
	kfree(r);
}

void uring_put(struct uring *r)
{
	if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
		ring_free(r);
}

/* ---- the file ---- */

static void uring_release(struct file *f)
{
	struct uring *r = f->priv;
	__atomic_store_n(&r->dead, true, __ATOMIC_RELEASE);
	uring_sqpoll_stop(r);
	uring_cancel_all(r);
	uring_unregister_all(r); /* registered files go now: they may hold the way to this one */
	uring_put(r);
}

/* Readable with CQEs to reap (or waiting in the overflow list), writable with room in the SQ. */
static u32 uring_poll(struct file *f, struct poll_set *pw)
{
	struct uring *r = f->priv;
	poll_wait_add(pw, &r->cq_wait); /* before looking: a post after this wakes us */
	u32 m = 0;
	struct uring_hdr *h = uring_hdr(r);
	u32 queued = __atomic_load_n(&h->sq_tail, __ATOMIC_ACQUIRE) -
		     __atomic_load_n(&r->sq_head, __ATOMIC_RELAXED);
	if (queued < r->sq_entries)
		m |= POLLOUT | POLLWRNORM;
	if (uring_cq_ready(r) || __atomic_load_n(&r->noverflow, __ATOMIC_RELAXED))
		m |= POLLIN | POLLRDNORM;
	return m;
}

static int uring_mmap_frames(struct file *f, u64 off, u64 npages, paddr_t *frames)
{
	struct uring *r = f->priv;
	const struct uring_area *a;
	u64 which = off & IORING_OFF_MMAP_MASK; /* as Linux: the low bits do not matter */
	if (which == IORING_OFF_SQ_RING || which == IORING_OFF_CQ_RING)
		a = &r->rings;
	else if (which == IORING_OFF_SQES)
		a = &r->sqes;
	else
		return -EINVAL;
	if (npages > a->npages)
		return -EINVAL;
	for (u64 i = 0; i < npages; i++) {
		__atomic_add_fetch(&pa_to_frame(a->frames[i])->refcount, 1, __ATOMIC_RELAXED);
		frames[i] = a->frames[i];
	}
	return 0;
}

static const struct file_ops uring_fops = {
	.release = uring_release,
	.poll = uring_poll,
	.mmap_frames = uring_mmap_frames,
};

/* ---- io_uring_setup ---- */

#define SETUP_KNOWN                                                                        \
	(IORING_SETUP_IOPOLL | IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF | IORING_SETUP_CQSIZE | \
	 IORING_SETUP_CLAMP | IORING_SETUP_ATTACH_WQ | IORING_SETUP_R_DISABLED |               \
	 IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |     \
	 IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | IORING_SETUP_SINGLE_ISSUER |               \
	 IORING_SETUP_DEFER_TASKRUN)

#define FEATURES                                                                           \
	(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE |            \
	 IORING_FEAT_RW_CUR_POS | IORING_FEAT_CUR_PERSONALITY | IORING_FEAT_FAST_POLL |        \
	 IORING_FEAT_POLL_32BITS | IORING_FEAT_SQPOLL_NONFIXED | IORING_FEAT_EXT_ARG |         \
	 IORING_FEAT_CQE_SKIP | IORING_FEAT_LINKED_FILE)

static u32 pow2_up(u32 n)
{
	return n <= 1 ? 1 : 1U << (32 - __builtin_clz(n - 1));
}

/* The sizes and flags as Linux checks them: 0, or -EINVAL. */
static int check_params(u32 entries, struct io_uring_params *p)
{
	for (int i = 0; i < 3; i++)
		if (p->resv[i])
			return -EINVAL;
	u32 fl = p->flags;
	if (fl & ~SETUP_KNOWN)
		return -EINVAL;
	if (fl & (IORING_SETUP_IOPOLL | IORING_SETUP_ATTACH_WQ | IORING_SETUP_SQE128 |
		  IORING_SETUP_CQE32 | IORING_SETUP_DEFER_TASKRUN)) {
		uring_unsupported("io_uring_setup flags IOPOLL, ATTACH_WQ, SQE128, CQE32, "
				  "DEFER_TASKRUN");
		return -EINVAL;
	}
	if ((fl & IORING_SETUP_SQ_AFF) && !(fl & IORING_SETUP_SQPOLL))
		return -EINVAL;
	if ((fl & IORING_SETUP_SQPOLL) &&
	    (fl & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG)))
		return -EINVAL; /* about interrupting the submitter: meaningless with SQPOLL */
	if ((fl & IORING_SETUP_TASKRUN_FLAG) && !(fl & IORING_SETUP_COOP_TASKRUN))
		return -EINVAL;
	if ((fl & IORING_SETUP_SQ_AFF) && p->sq_thread_cpu >= ncpus)
		return -EINVAL;
	if (!entries)
		return -EINVAL;
	if (entries > IORING_MAX_ENTRIES) {
		if (!(fl & IORING_SETUP_CLAMP))
			return -EINVAL;
		entries = IORING_MAX_ENTRIES;
	}
	p->sq_entries = pow2_up(entries);
	if (fl & IORING_SETUP_CQSIZE) {
		if (!p->cq_entries)
			return -EINVAL;
		u32 cq = p->cq_entries;
		if (cq > IORING_MAX_CQ_ENTRIES) {
			if (!(fl & IORING_SETUP_CLAMP))
				return -EINVAL;
			cq = IORING_MAX_CQ_ENTRIES;
		}
		p->cq_entries = pow2_up(cq);
		if (p->cq_entries < p->sq_entries)
			return -EINVAL;
	} else {
		p->cq_entries = 2 * p->sq_entries;
	}
	return 0;
}

static void fill_offsets(struct io_uring_params *p)
{
	p->sq_off = (struct io_sqring_offsets){
	    .head = offsetof(struct uring_hdr, sq_head),
	    .tail = offsetof(struct uring_hdr, sq_tail),
	    .ring_mask = offsetof(struct uring_hdr, sq_mask),
	    .ring_entries = offsetof(struct uring_hdr, sq_entries),
	    .flags = offsetof(struct uring_hdr, sq_flags),
	    .dropped = offsetof(struct uring_hdr, sq_dropped),
	    .array = (u32)(URING_CQES_OFF + p->cq_entries * sizeof(struct io_uring_cqe)),
	};
	p->cq_off = (struct io_cqring_offsets){
	    .head = offsetof(struct uring_hdr, cq_head),
	    .tail = offsetof(struct uring_hdr, cq_tail),
	    .ring_mask = offsetof(struct uring_hdr, cq_mask),
	    .ring_entries = offsetof(struct uring_hdr, cq_entries),
	    .overflow = offsetof(struct uring_hdr, cq_overflow),
	    .cqes = URING_CQES_OFF,
	    .flags = offsetof(struct uring_hdr, cq_flags),
	};
}

static struct uring *ring_alloc(const struct io_uring_params *p)
{
	struct uring *r = knew(struct uring);
	if (!r)
		return NULL;
	r->refs = 1;
	r->setup_flags = p->flags;
	r->sq_entries = p->sq_entries;
	r->cq_entries = p->cq_entries;
	r->sq_lock = (struct spinlock)SPINLOCK_INIT;
	r->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&r->reqs);
	list_init(&r->defer);
	list_init(&r->timeouts);
	list_init(&r->overflow);
	waitq_init(&r->cq_wait);
	u64 ring_bytes = URING_CQES_OFF + (u64)p->cq_entries * sizeof(struct io_uring_cqe) +
			 (u64)p->sq_entries * sizeof(u32);
	if (area_alloc(&r->rings, ring_bytes) < 0 ||
	    area_alloc(&r->sqes, (u64)p->sq_entries * sizeof(struct io_uring_sqe)) < 0) {
		ring_free(r);
		return NULL;
	}
	r->sqa_off = URING_CQES_OFF + (u64)p->cq_entries * sizeof(struct io_uring_cqe);
	struct uring_hdr *h = uring_hdr(r);
	h->sq_mask = r->sq_entries - 1;
	h->sq_entries = r->sq_entries;
	h->cq_mask = r->cq_entries - 1;
	h->cq_entries = r->cq_entries;
	return r;
}

static bool inode_ready; /* [I after the first setup] */

long uring_setup(u32 entries, u64 uparams)
{
	struct io_uring_params p;
	if (copy_from_domain(cur_dom(), &p, uparams, sizeof p) < 0)
		return -EFAULT;
	int e = check_params(entries, &p);
	if (e < 0)
		return e;
	struct uring *r = ring_alloc(&p);
	if (!r)
		return -ENOMEM;
	r->owner = cur_proc();
	cur_share_files(); /* SQPOLL's requests, if no others, use our descriptors beside us */
	r->disabled = p.flags & IORING_SETUP_R_DISABLED;
	if ((p.flags & IORING_SETUP_SINGLE_ISSUER) && !r->disabled)
		r->issuer = task_acting();
	p.features = FEATURES;
	fill_offsets(&p);
	p.resv[0] = p.resv[1] = p.resv[2] = 0;
	if (!__atomic_load_n(&inode_ready, __ATOMIC_ACQUIRE)) {
		static struct spinlock once = SPINLOCK_INIT;
		spin_lock(&once);
		if (!inode_ready) {
			uringfs.dev = vfs_anon_dev();
			inode_init(&uring_inode, &uringfs, 0600, &uring_inode_ops);
			__atomic_store_n(&inode_ready, true, __ATOMIC_RELEASE);
		}
		spin_unlock(&once);
	}
	struct file *f = file_alloc(&uring_inode, FMODE_READ | FMODE_WRITE, O_RDWR, &uring_fops);
	if (!f) {
		uring_put(r);
		return -ENOMEM;
	}
	f->priv = r; /* from here the file's release lets go of the ring */
	if (p.flags & IORING_SETUP_SQPOLL) {
		e = uring_sqpoll_start(r, p.sq_thread_idle,
				       p.flags & IORING_SETUP_SQ_AFF ? (int)p.sq_thread_cpu : -1);
		if (e < 0) {
			file_put(f);
			return e;
		}
	}
	if (copy_to_domain(cur_dom(), uparams, &p, sizeof p) < 0) {
		file_put(f);
		return -EFAULT;
	}
	spin_lock(&uring_list_lock);
	list_push_back(&uring_list, &r->all);
	spin_unlock(&uring_list_lock);
	int fd = fd_alloc(fs_files(), f, 0, true); /* O_CLOEXEC, as Linux's ring descriptors */
	if (fd < 0)
		file_put(f);
	return fd;
}
