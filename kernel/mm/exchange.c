/*
 * The exchange region's address ranges (docs/design.md, "Messages"): each
 * message buffer gets addresses that no other live buffer has, so that a
 * pointer inside a message means the same thing in every process that
 * receives it.
 *
 * A range is counted: one reference for each region, in any domain, that
 * maps part of it (a fork's copy and the pieces a partial munmap or
 * mprotect leaves count one each; region.c takes and drops them), and one
 * for each message in flight that carries its pages (chan.c). Only when
 * the last one goes do its addresses return to the pool, so a range that
 * is still mapped somewhere, or queued on a channel, is never handed to
 * anyone else.
 *
 * Why a stale pointer still faults: a domain maps exchange addresses only
 * while it holds a reference to their range. Once a process has freed or
 * sent a buffer (or forgotten it by exiting), its page table has nothing
 * there, so its stale pointers fault even after the range went to another
 * process, whose own page table is the only one to map it. The stale
 * pointer would reach new data only if its process later got the same
 * range itself; to put that off as long as possible, fresh addresses are
 * handed out first (31 TiB of them) and freed ranges only after, lowest
 * address first.
 *
 * Locks: [xlock] the fresh mark and the free list; [a] a range's count.
 * xlock may be taken under a domain's lock (the last region of a range
 * goes in munmap); the heap's locks nest inside it.
 */
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "lib/kernel.h"
#include "lib/list.h"
#include "lib/spinlock.h"

struct xrange {
	struct list_node free_node; /* [xlock] in free_list while refs is 0 */
	vaddr_t start;              /* [I] while in use; [xlock] while free */
	u64 len;                    /* the same; bytes, a multiple of PAGE_SIZE */
	u32 refs;                   /* [a] */
};

static struct spinlock xlock = SPINLOCK_INIT;
static vaddr_t fresh = USER_EXCHANGE_BASE; /* [xlock] everything below was handed out once */
/* [xlock] freed ranges by address, never touching each other (merged when they do). */
static struct list_node free_list = LIST_INIT(free_list);
static u64 free_ranges;                    /* [xlock] how long free_list is */

struct xrange *xrange_alloc(u64 len)
{
	if (len == 0 || len > USER_EXCHANGE_END - USER_EXCHANGE_BASE || !IS_ALIGNED(len, PAGE_SIZE))
		return NULL;
	struct xrange *x = knew(struct xrange);
	if (!x)
		return NULL;
	struct xrange *emptied = NULL;
	spin_lock(&xlock);
	if (len <= USER_EXCHANGE_END - fresh) {
		x->start = fresh;
		fresh += len;
	} else {
		/* First fit among the freed ranges: the lowest that is long enough. */
		x->start = 0;
		struct list_node *pos;
		list_for_each(pos, &free_list)
		{
			struct xrange *f = container_of(pos, struct xrange, free_node);
			if (f->len < len)
				continue;
			x->start = f->start;
			f->start += len;
			f->len -= len;
			if (f->len == 0) {
				list_remove(&f->free_node);
				free_ranges--;
				emptied = f;
			}
			break;
		}
	}
	spin_unlock(&xlock);
	kfree(emptied);
	if (!x->start) {
		kfree(x);
		return NULL;
	}
	x->len = len;
	x->refs = 1;
	return x;
}

vaddr_t xrange_start(const struct xrange *x)
{
	return x->start;
}

u64 xrange_len(const struct xrange *x)
{
	return x->len;
}

void xrange_get(struct xrange *x)
{
	/* Only a holder takes another: the count never comes back from 0. */
	u32 old = __atomic_fetch_add(&x->refs, 1, __ATOMIC_RELAXED);
	assert(old > 0);
}

void xrange_put(struct xrange *x)
{
	if (!x || __atomic_sub_fetch(&x->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* Back to the pool, merged with free neighbours; x itself becomes the free entry. */
	struct xrange *gone[2] = {NULL, NULL};
	spin_lock(&xlock);
	struct list_node *at = &free_list; /* insert after this */
	struct list_node *pos;
	list_for_each(pos, &free_list)
	{
		if (container_of(pos, struct xrange, free_node)->start > x->start)
			break;
		at = pos;
	}
	struct xrange *prev = at != &free_list ? container_of(at, struct xrange, free_node) : NULL;
	struct xrange *next =
	    at->next != &free_list ? container_of(at->next, struct xrange, free_node) : NULL;
	if (prev && prev->start + prev->len == x->start) {
		prev->len += x->len;
		gone[0] = x;
		x = prev;
	} else {
		list_insert_after(at, &x->free_node);
		free_ranges++;
	}
	if (next && x->start + x->len == next->start) {
		x->len += next->len;
		list_remove(&next->free_node);
		free_ranges--;
		gone[1] = next;
	}
	spin_unlock(&xlock);
	kfree(gone[0]);
	kfree(gone[1]);
}

void xrange_usage(u64 *fresh_left, u64 *nfree)
{
	spin_lock(&xlock);
	*fresh_left = USER_EXCHANGE_END - fresh;
	*nfree = free_ranges;
	spin_unlock(&xlock);
}
