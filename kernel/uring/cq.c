/*
 * Completions: posting CQEs into the shared ring, the overflow list that
 * keeps them when the ring is full (IORING_FEAT_NODROP, with
 * IORING_SQ_CQ_OVERFLOW set while it holds any), and io_uring_enter's
 * wait for min_complete of them.
 *
 * The kernel's own cq_tail ([r]) is the truth; the shared tail is a copy
 * published with a release store after each entry is written. The user's
 * head is read once per post with an acquire load and clamped: a head
 * scribbled past the tail counts as a full ring, never as room.
 */
#include "uring/uring.h"
#include "event/event.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct overflow_cqe {
	struct list_node node; /* [r] in ring.overflow, oldest first */
	struct io_uring_cqe cqe;
};

/* Entries posted and not yet consumed, as far as the kernel can tell (at most cq_entries). */
static u32 queued_locked(struct uring *r)
{
	u32 head = __atomic_load_n(&uring_hdr(r)->cq_head, __ATOMIC_ACQUIRE);
	u32 used = r->cq_tail - head;
	return used > r->cq_entries ? r->cq_entries : used;
}

u32 uring_cq_ready(struct uring *r)
{
	u32 head = __atomic_load_n(&uring_hdr(r)->cq_head, __ATOMIC_ACQUIRE);
	u32 used = __atomic_load_n(&r->cq_tail, __ATOMIC_ACQUIRE) - head;
	return used > r->cq_entries ? r->cq_entries : used;
}

static void put_cqe_locked(struct uring *r, const struct io_uring_cqe *c)
{
	*uring_cqe_at(r, r->cq_tail & (r->cq_entries - 1)) = *c;
	r->cq_tail++;
	__atomic_store_n(&uring_hdr(r)->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
}

void uring_flush_overflow_locked(struct uring *r)
{
	assert(spin_is_locked(&r->lock));
	if (list_empty(&r->overflow))
		return;
	while (!list_empty(&r->overflow) && queued_locked(r) < r->cq_entries) {
		struct overflow_cqe *o =
		    container_of(list_pop_front(&r->overflow), struct overflow_cqe, node);
		put_cqe_locked(r, &o->cqe);
		r->noverflow--;
		kfree(o);
	}
	if (list_empty(&r->overflow))
		__atomic_and_fetch(&uring_hdr(r)->sq_flags, ~(u32)IORING_SQ_CQ_OVERFLOW,
				   __ATOMIC_RELEASE);
}

bool uring_post_locked(struct uring *r, u64 user_data, i32 res, u32 flags)
{
	assert(spin_is_locked(&r->lock));
	struct io_uring_cqe c = {.user_data = user_data, .res = res, .flags = flags};
	uring_flush_overflow_locked(r); /* keep the order: older entries go in first */
	if (list_empty(&r->overflow) && queued_locked(r) < r->cq_entries) {
		put_cqe_locked(r, &c);
		return true;
	}
	struct overflow_cqe *o = knew(struct overflow_cqe);
	if (!o) {
		/* Out of memory too: the entry is lost, and counted where the user can see it. */
		__atomic_add_fetch(&uring_hdr(r)->cq_overflow, 1, __ATOMIC_RELAXED);
		return false;
	}
	o->cqe = c;
	list_push_back(&r->overflow, &o->node);
	r->noverflow++;
	__atomic_or_fetch(&uring_hdr(r)->sq_flags, IORING_SQ_CQ_OVERFLOW, __ATOMIC_RELEASE);
	return true;
}

void uring_post_many_locked(struct uring *r, const struct io_uring_cqe *c, u32 n)
{
	assert(spin_is_locked(&r->lock));
	u32 i = 0;
	if (list_empty(&r->overflow)) {
		/* The user's head read once for the lot; the tail published once after them. */
		u32 room = r->cq_entries - queued_locked(r), mask = r->cq_entries - 1;
		for (; i < n && i < room; i++)
			*uring_cqe_at(r, (r->cq_tail + i) & mask) = c[i];
		r->cq_tail += i;
		__atomic_store_n(&uring_hdr(r)->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	}
	for (; i < n; i++)
		uring_post_locked(r, c[i].user_data, c[i].res, c[i].flags);
}

/*
 * Waiters add themselves to cq_wait before they look at the tail; a
 * poster stores the tail, then looks for waiters: with a full fence
 * between on both sides, one of the two sees the other.
 */
void uring_cq_wake(struct uring *r, bool async)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->cq_wait.waiters.next, __ATOMIC_RELAXED) != &r->cq_wait.waiters)
		waitq_wake_all(&r->cq_wait);
	if (unlikely(__atomic_load_n(&r->evfd, __ATOMIC_RELAXED)))
		uring_evfd_signal(r, async);
}

/*
 * As Linux: nothing while the user has set IORING_CQ_EVENTFD_DISABLED;
 * one signal for however many CQEs came since the last (a batch counts
 * once), none if none came (another poster signalled for them already).
 */
void uring_evfd_signal(struct uring *r, bool async)
{
	if (__atomic_load_n(&uring_hdr(r)->cq_flags, __ATOMIC_ACQUIRE) & IORING_CQ_EVENTFD_DISABLED)
		return;
	spin_lock(&r->lock);
	struct file *f = r->evfd;
	bool signal = f && (async || !r->evfd_async) && r->evfd_tail != r->cq_tail;
	if (signal) {
		r->evfd_tail = r->cq_tail;
		file_get(f);
	}
	spin_unlock(&r->lock);
	if (signal) {
		eventfd_signal(f);
		file_put(f);
	}
}

long uring_wait(struct uring *r, u32 min, u64 deadline)
{
	if (__atomic_load_n(&r->noverflow, __ATOMIC_RELAXED)) {
		spin_lock(&r->lock);
		uring_flush_overflow_locked(r);
		spin_unlock(&r->lock);
	}
	if (uring_cq_ready(r) >= min)
		return 0;
	if (deadline && tsc_ns() >= deadline)
		return -ETIME;
	spin_lock(&r->cq_wait.lock);
	long ret = park_on(&r->cq_wait);
	spin_unlock(&r->cq_wait.lock);
	park_timeout(deadline);
	/* Look again now that we are queued: a post in between may have seen nobody to wake. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (uring_cq_ready(r) >= min)
		task_wake(task_acting()); /* run again at once; the restart finds them */
	return ret;
}
