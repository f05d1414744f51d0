/*
 * virtio-blk self-tests and a benchmark (run with `selftest` / `bench`
 * when a disk is attached; skipped otherwise). Each is one task stepping
 * through its phases: it submits, returns PENDING, and is woken by the
 * completions (invariant 2). tests/virtio-blk.sh checks from the host
 * that the pattern written here reached the disk image.
 */
#include "arch/x86_64/time.h"
#include "dev/blk.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/selftest.h"
#include "lib/spinlock.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "sched/selftest_async.h"
#include "sched/task.h"
#include "sched/waitq.h"

#define T_SECTOR 2048 /* 1 MiB into the disk; tests/virtio-blk.sh looks there */
#define T_SECTORS 64  /* one 32 KiB write */
#define T_ORDER 3     /* pages for the buffer */
#define T_MANY 300    /* one-sector reads at once: more than a 256-entry ring holds */

/* The pattern: 16-byte lines "ferry-blk NNNNN\n", NNNNN the line's number from T_SECTOR. */
static void fill_pattern(u8 *buf, u32 bytes)
{
	char text[17]; /* snprintf's NUL must not land past the buffer */
	for (u32 line = 0; line < bytes / 16; line++) {
		snprintf(text, sizeof text, "ferry-blk %05u\n", line % 100000);
		memcpy(buf + line * 16, text, 16);
	}
}

enum { S_WRITE, S_WRITE_WAIT, S_FLUSH_WAIT, S_READS, S_READS_WAIT, S_DONE };

static struct blk_test {
	struct task task;
	struct async_ctx *ctx;
	struct blk_dev *dev;
	struct waiter space;	 /* parked here when the ring is full */
	struct waitq *parked_on; /* where space was queued last */
	int step;
	u8 *buf;
	paddr_t pa;
	struct blk_request one;
	struct blk_request many[T_MANY];
	u32 submitted, ring_full, max_inflight;
	bool ok;
	const char *why;
} bt;

/* Submit r; false if the caller must return PENDING (ring full: parked). */
static bool submit(struct blk_request *r, int *err)
{
	struct waitq *q;
	int rc = bt.dev->submit(bt.dev, r, &q);
	if (rc == -ERESTART_PARK) {
		waitq_add_locked(q, &bt.space);
		spin_unlock(&q->lock);
		bt.parked_on = q;
		bt.ring_full++;
		return false;
	}
	*err = rc;
	return true;
}

/* Out of range, straddling the end, empty: -EIO, and the device never sees them. */
static bool bad_requests_refused(void)
{
	u64 end = bt.dev->sectors;
	struct blk_request bad[] = {
	    {.op = BLK_READ, .sector = end, .count = 1, .buf = bt.pa},
	    {.op = BLK_WRITE, .sector = end - 1, .count = 2, .buf = bt.pa},
	    {.op = BLK_READ, .sector = ~0UL, .count = 8, .buf = bt.pa},
	    {.op = BLK_READ, .sector = 0, .count = 0, .buf = bt.pa},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (bt.dev->submit(bt.dev, &bad[i], NULL) != -EIO || blk_status(&bad[i]) != -EIO)
			return false;
	return true;
}

static enum poll_result step(struct task *self)
{
	int err = 0;
	switch (bt.step) {
	case S_WRITE:
		fill_pattern(bt.buf, T_SECTORS * BLK_SECTOR_SIZE);
		bt.one = (struct blk_request){.op = BLK_WRITE,
					      .sector = T_SECTOR,
					      .count = T_SECTORS,
					      .buf = bt.pa,
					      .waker = self};
		if (!submit(&bt.one, &err))
			return PENDING;
		if (err) {
			bt.why = "write refused";
			return READY;
		}
		bt.step = S_WRITE_WAIT;
		return PENDING;
	case S_WRITE_WAIT:
		if (blk_status(&bt.one) == BLK_INFLIGHT)
			return PENDING;
		if (blk_status(&bt.one)) {
			bt.why = "write failed";
			return READY;
		}
		bt.one = (struct blk_request){.op = BLK_FLUSH, .waker = self};
		if (!submit(&bt.one, &err))
			return PENDING;
		if (err < 0) {
			bt.why = "flush refused";
			return READY;
		}
		bt.step = S_FLUSH_WAIT;
		return PENDING;
	case S_FLUSH_WAIT:
		if (blk_status(&bt.one) == BLK_INFLIGHT)
			return PENDING;
		if (blk_status(&bt.one)) {
			bt.why = "flush failed";
			return READY;
		}
		memset(bt.buf, 0, T_SECTORS * BLK_SECTOR_SIZE);
		bt.step = S_READS;
		return PENDING;
	case S_READS:
		/* Many single-sector reads at once, each into its sector's place in buf. */
		while (bt.submitted < T_MANY) {
			u32 s = bt.submitted % T_SECTORS;
			struct blk_request *r = &bt.many[bt.submitted];
			*r = (struct blk_request){.op = BLK_READ,
						  .sector = T_SECTOR + s,
						  .count = 1,
						  .buf = bt.pa + s * BLK_SECTOR_SIZE,
						  .waker = self};
			if (!submit(r, &err))
				return PENDING;
			if (err) {
				bt.why = "read refused";
				return READY;
			}
			bt.submitted++;
			u32 inflight = 0;
			for (u32 i = 0; i < bt.submitted; i++)
				inflight += blk_status(&bt.many[i]) == BLK_INFLIGHT;
			bt.max_inflight = MAX(bt.max_inflight, inflight);
		}
		bt.step = S_READS_WAIT;
		return PENDING;
	case S_READS_WAIT: {
		for (u32 i = 0; i < T_MANY; i++)
			if (blk_status(&bt.many[i]) == BLK_INFLIGHT)
				return PENDING;
		for (u32 i = 0; i < T_MANY; i++)
			if (blk_status(&bt.many[i])) {
				bt.why = "a read failed";
				return READY;
			}
		static u8 want[T_SECTORS * BLK_SECTOR_SIZE];
		fill_pattern(want, sizeof want);
		if (memcmp(want, bt.buf, sizeof want)) {
			bt.why = "read back differs from what was written";
			return READY;
		}
		if (!bad_requests_refused()) {
			bt.why = "an out-of-range request was not refused with -EIO";
			return READY;
		}
		bt.ok = true;
		return READY;
	}
	}
	return READY;
}

/* Steps run back to back until one has to wait. */
static enum poll_result blk_test_poll(struct task *self)
{
	for (;;) {
		int before = bt.step;
		if (step(self) == READY)
			break;
		if (bt.step == before)
			return PENDING;
	}
	if (bt.parked_on)
		waitq_remove(bt.parked_on, &bt.space);
	return READY;
}

static void blk_test_done(struct task *t)
{
	async_task_finished(bt.ctx);
}

static void blk_test_start(struct async_ctx *ctx)
{
	memset(&bt, 0, sizeof bt);
	bt.dev = blk_get(0);
	if (!bt.dev) {
		kprintf("selftest: virtio_blk: no virtio-blk disk, skipped\n");
		return;
	}
	bt.pa = page_alloc(T_ORDER);
	assert(bt.pa);
	bt.buf = phys_to_virt(bt.pa);
	bt.ctx = ctx;
	ctx->outstanding = 1;
	task_init(&bt.task, "blk-test", blk_test_poll, blk_test_done);
	task_spawn(&bt.task, -1);
}

static bool blk_test_finish(struct async_ctx *ctx)
{
	if (!bt.dev)
		return true;
	page_free(bt.pa, T_ORDER);
	if (!bt.ok) {
		kprintf("selftest: virtio_blk: %s\n", bt.why ? bt.why : "?");
		return false;
	}
	kprintf("selftest: virtio_blk: wrote, flushed and read back %u sectors at %u; %u reads "
		"submitted, up to %u in flight, ring full %u times; out-of-range -EIO\n",
		T_SECTORS, T_SECTOR, T_MANY, bt.max_inflight, bt.ring_full);
	return true;
}

ASYNC_TEST(virtio_blk, .name = "virtio_blk_rw_flush_inflight", .start = blk_test_start,
	   .finish = blk_test_finish, .timeout_ms = 30000);

/* ---- benchmark: sequential 4 KiB reads, one at a time and 32 in flight ---- */

#define BENCH_BYTES (8u << 20)
#define BENCH_IO 4096
#define BENCH_QD 32

static struct blk_bench {
	struct task task;
	struct async_ctx *ctx;
	struct blk_dev *dev;
	struct waiter space;
	struct waitq *parked_on;
	paddr_t pa; /* BENCH_QD pages */
	struct blk_request reqs[BENCH_QD];
	u32 qd, next, done, total;
	u64 start;
	int phase; /* 0: qd 1, 1: qd BENCH_QD */
	bool failed;
} bb;

static enum poll_result blk_bench_poll(struct task *self)
{
	for (;;) {
		/* Reap finished slots, refill them in order. */
		for (u32 i = 0; i < bb.qd; i++) {
			struct blk_request *r = &bb.reqs[i];
			int st = blk_status(r);
			if (st == BLK_INFLIGHT)
				continue;
			if (r->waker) { /* a finished request */
				if (st)
					bb.failed = true;
				bb.done++;
				r->waker = NULL;
			}
			if (bb.next < bb.total) {
				*r = (struct blk_request){.op = BLK_READ,
							  .sector = (u64)bb.next *
								    (BENCH_IO / BLK_SECTOR_SIZE),
							  .count = BENCH_IO / BLK_SECTOR_SIZE,
							  .buf = bb.pa + i * PAGE_SIZE,
							  .waker = self};
				struct waitq *q;
				int rc = bb.dev->submit(bb.dev, r, &q);
				if (rc == -ERESTART_PARK) {
					r->waker = NULL;
					r->status = 0;
					waitq_add_locked(q, &bb.space);
					spin_unlock(&q->lock);
					bb.parked_on = q;
					return PENDING;
				}
				if (rc) {
					bb.failed = true;
					r->waker = NULL;
				}
				bb.next++;
			}
		}
		if (bb.done < bb.total && !bb.failed)
			return PENDING;
		bench_report(bb.phase ? "virtio_blk_seq_read_4k_qd32"
				      : "virtio_blk_seq_read_4k_qd1",
			     tsc_ns() - bb.start, bb.total);
		if (bb.phase == 1 || bb.failed)
			break;
		bb.phase = 1;
		bb.qd = BENCH_QD;
		bb.next = bb.done = 0;
		for (u32 i = 0; i < BENCH_QD; i++)
			bb.reqs[i] = (struct blk_request){0};
		bb.start = tsc_ns();
	}
	if (bb.parked_on)
		waitq_remove(bb.parked_on, &bb.space);
	return READY;
}

static void blk_bench_done(struct task *t)
{
	async_task_finished(bb.ctx);
}

static void blk_bench_start(struct async_ctx *ctx)
{
	memset(&bb, 0, sizeof bb);
	bb.dev = blk_get(0);
	if (!bb.dev) {
		kprintf("bench: virtio_blk: no virtio-blk disk, skipped\n");
		return;
	}
	bb.pa = page_alloc(5); /* 32 pages */
	assert(bb.pa);
	bb.ctx = ctx;
	bb.qd = 1;
	bb.total = (u32)MIN((u64)BENCH_BYTES, bb.dev->sectors * BLK_SECTOR_SIZE) / BENCH_IO;
	bb.start = tsc_ns();
	ctx->outstanding = 1;
	task_init(&bb.task, "blk-bench", blk_bench_poll, blk_bench_done);
	task_spawn(&bb.task, -1);
}

static bool blk_bench_finish(struct async_ctx *ctx)
{
	if (bb.dev)
		page_free(bb.pa, 5);
	return !bb.failed;
}

ASYNC_TEST(virtio_blk_bench, .name = "virtio_blk_seq_read", .start = blk_bench_start,
	   .finish = blk_bench_finish, .timeout_ms = 120000, .is_bench = true);
