/*
 * Block cache self-test (with `selftest` when a disk is attached): a miss
 * that parks and is woken, many reads started at once, a hit, dirty and
 * sync with a read-back straight from the disk, bad arguments. One task,
 * restarting each step the way a system call would (invariant 3).
 * tests/virtio-blk.sh checks the block landed in the host's image.
 */
#include "fs/bcache.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "sched/selftest_async.h"
#include "sched/task.h"

#define BT_BSIZE 4096
#define BT_BLOCK 512			 /* 2 MiB into the disk; tests/virtio-blk.sh looks there */
#define BT_MANY 64			 /* blocks read at once, after BT_BLOCK */
#define BT_LATE (BT_BLOCK + BT_MANY + 1) /* left dirty: written back later or at power-off */
#define BT_NEW (BT_LATE + 1)		 /* made with bcache_get_new, never read */
#define BT_BOUND 8			 /* blocks the cache may hold while eviction is tested */

/* 16-byte lines "bcache-NNNNNNNN\n". */
static void fill(u8 *p, u32 bytes, u32 first)
{
	char line[17]; /* snprintf's NUL must not land past the buffer */
	for (u32 i = 0; i < bytes / 16; i++) {
		snprintf(line, sizeof line, "bcache-%08u\n", first + i);
		memcpy(p + i * 16, line, 16);
	}
}

enum { C_MISS, C_MANY_START, C_MANY_WAIT, C_HIT, C_SYNC, C_RAW, C_RAW_WAIT, C_LATE };

static struct bc_test {
	struct task task;
	struct async_ctx *ctx;
	struct blk_dev *dev;
	struct waiter w;
	struct waitq *parked_on;
	int step;
	u32 parks, many_next;
	paddr_t raw_pa;
	u64 old_max;
	struct blk_request raw;
	bool ok;
	const char *why;
} ct;

/* Park on q (returned locked by the cache), as a task does. */
static enum poll_result park(struct waitq *q)
{
	if (ct.parked_on && ct.parked_on != q)
		waitq_remove(ct.parked_on, &ct.w); /* a waiter sits on one queue at a time */
	waitq_add_locked(q, &ct.w);
	spin_unlock(&q->lock);
	ct.parked_on = q;
	ct.parks++;
	return PENDING;
}

static enum poll_result fail(const char *why)
{
	ct.why = why;
	return READY;
}

static enum poll_result step(struct task *self)
{
	struct waitq *q;
	struct bbuf *b;
	int r;
	switch (ct.step) {
	case C_MISS:
		r = bcache_get(ct.dev, BT_BLOCK, BT_BSIZE, &b, &q);
		if (r == -ERESTART_PARK)
			return park(q);
		if (r)
			return fail("bcache_get failed");
		if (!ct.parks) {
			bcache_put(b);
			return fail("first get of a block did not wait for the disk");
		}
		fill(b->data, BT_BSIZE, 0);
		bcache_dirty(b);
		bcache_put(b);
		ct.step = C_MANY_START;
		return PENDING;
	case C_MANY_START:
		/* Start every read without waiting (park == NULL), then collect them. */
		for (u32 i = 1; i <= BT_MANY; i++) {
			r = bcache_get(ct.dev, BT_BLOCK + i, BT_BSIZE, &b, NULL);
			if (r == 0)
				bcache_put(b);
			else if (r != -EAGAIN)
				return fail("bcache_get (no park) failed");
		}
		ct.many_next = 1;
		ct.step = C_MANY_WAIT;
		return PENDING;
	case C_MANY_WAIT:
		while (ct.many_next <= BT_MANY) {
			r = bcache_get(ct.dev, BT_BLOCK + ct.many_next, BT_BSIZE, &b, &q);
			if (r == -ERESTART_PARK)
				return park(q);
			if (r)
				return fail("bcache_get of many failed");
			bcache_put(b);
			ct.many_next++;
		}
		ct.step = C_HIT;
		return PENDING;
	case C_HIT: {
		u32 parks = ct.parks;
		r = bcache_get(ct.dev, BT_BLOCK, BT_BSIZE, &b, &q);
		if (r == -ERESTART_PARK) {
			spin_unlock(&q->lock);
			return fail("a cached block was read again");
		}
		if (r || ct.parks != parks)
			return fail("hit failed");
		static u8 want[BT_BSIZE];
		fill(want, BT_BSIZE, 0);
		bool same = !memcmp(want, b->data, BT_BSIZE);
		bcache_put(b);
		if (!same)
			return fail("cached data changed");
		if (bcache_get(ct.dev, ct.dev->sectors, BT_BSIZE, &b, &q) != -EIO)
			return fail("block past the end not -EIO");
		if (bcache_get(ct.dev, 0, 1000, &b, &q) != -EINVAL)
			return fail("bad block size not -EINVAL");
		/* A block overwritten whole needs no read; it goes out with the sync below. */
		if (bcache_get_new(ct.dev, BT_NEW, BT_BSIZE, &b, &q))
			return fail("bcache_get_new failed");
		for (u32 i = 0; i < BT_BSIZE; i++)
			if (b->data[i]) {
				bcache_put(b);
				return fail("bcache_get_new gave a block that is not zeroed");
			}
		fill(b->data, BT_BSIZE, 200000);
		bcache_put(b);
		ct.step = C_SYNC;
		return PENDING;
	}
	case C_SYNC: {
		r = bcache_sync(NULL, &q);
		if (r == -ERESTART_PARK)
			return park(q);
		if (r)
			return fail("sync failed");
		struct bcache_stats st;
		bcache_get_stats(&st);
		if (st.dirty)
			return fail("dirty blocks left after sync");
		ct.step = C_RAW;
		return PENDING;
	}
	case C_RAW:
		/* Straight from the disk, around the cache. */
		memset(phys_to_virt(ct.raw_pa), 0, BT_BSIZE);
		ct.raw = (struct blk_request){.op = BLK_READ,
					      .sector = (u64)BT_BLOCK * (BT_BSIZE / 512),
					      .count = BT_BSIZE / 512,
					      .buf = ct.raw_pa,
					      .waker = self};
		if (ct.dev->submit(ct.dev, &ct.raw, NULL))
			return fail("raw read refused");
		ct.step = C_RAW_WAIT;
		return PENDING;
	case C_RAW_WAIT: {
		if (blk_status(&ct.raw) == BLK_INFLIGHT)
			return PENDING;
		static u8 want[BT_BSIZE];
		fill(want, BT_BSIZE, 0);
		if (blk_status(&ct.raw) || memcmp(want, phys_to_virt(ct.raw_pa), BT_BSIZE))
			return fail("the disk does not hold what sync wrote");
		ct.step = C_LATE;
		return PENDING;
	}
	case C_LATE: {
		/*
		 * With the bound at a few blocks, a miss evicts the least recently
		 * used clean ones. The new block is then dirtied and never synced:
		 * the write-back task or the power-off must write it.
		 */
		if (!ct.old_max)
			ct.old_max = bcache_set_max_bytes(BT_BOUND * BT_BSIZE);
		r = bcache_get(ct.dev, BT_LATE, BT_BSIZE, &b, &q);
		if (r == -ERESTART_PARK)
			return park(q);
		bcache_set_max_bytes(ct.old_max);
		if (r)
			return fail("bcache_get of the late block failed");
		fill(b->data, BT_BSIZE, 100000);
		bcache_dirty(b);
		bcache_put(b);
		struct bcache_stats st;
		bcache_get_stats(&st);
		if (st.buffers > BT_BOUND || st.evictions < BT_MANY + 1 - BT_BOUND)
			return fail("the size bound did not evict clean blocks");
		ct.ok = true;
		return READY;
	}
	}
	return READY;
}

static enum poll_result bc_poll(struct task *self)
{
	for (;;) {
		int before = ct.step;
		if (step(self) == READY)
			break;
		if (ct.step == before)
			return PENDING;
	}
	if (ct.parked_on)
		waitq_remove(ct.parked_on, &ct.w);
	return READY;
}

static void bc_done(struct task *t)
{
	async_task_finished(ct.ctx);
}

static void bc_start(struct async_ctx *ctx)
{
	memset(&ct, 0, sizeof ct);
	ct.dev = blk_get(0);
	if (!ct.dev) {
		kprintf("selftest: bcache: no virtio-blk disk, skipped\n");
		return;
	}
	ct.raw_pa = page_alloc(0);
	assert(ct.raw_pa);
	ct.ctx = ctx;
	ctx->outstanding = 1;
	task_init(&ct.task, "bcache-test", bc_poll, bc_done);
	task_spawn(&ct.task, -1);
}

static bool bc_finish(struct async_ctx *ctx)
{
	if (!ct.dev)
		return true;
	page_free(ct.raw_pa, 0);
	if (!ct.ok) {
		kprintf("selftest: bcache: %s\n", ct.why ? ct.why : "?");
		return false;
	}
	struct bcache_stats st;
	bcache_get_stats(&st);
	kprintf("selftest: bcache: get/dirty/sync round trip; %u parks; %lu hits, %lu misses, "
		"%lu writes, %lu evictions, %lu buffers\n",
		ct.parks, st.hits, st.misses, st.writes, st.evictions, st.buffers);
	return true;
}

ASYNC_TEST(bcache, .name = "bcache_get_dirty_sync", .start = bc_start, .finish = bc_finish,
	   .timeout_ms = 30000);
