/*
 * The block devices: the disks drivers' probes register (filled on the
 * boot core, [I] afterwards), the table of every device by number that
 * device nodes reach (disks, partitions, loop devices: [t]), the
 * completion step every driver shares, and each device's counters
 * (blk_stats, under their own lock; drivers call blk_start holding their
 * ring's lock, so that lock comes first).
 */
#include "dev/blk.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "sched/task.h"

static struct blk_dev *devices[BLK_MAX_DEVICES]; /* [I] */
static u32 ndevices;				 /* [I] */

static struct spinlock table_lock = SPINLOCK_INIT;
static struct blk_dev *table[BLK_MAX_TABLE]; /* [t] NULL: a free entry */

int blk_register(struct blk_dev *d)
{
	if (ndevices == BLK_MAX_DEVICES)
		return -ENOSPC;
	d->index = ndevices;
	d->stats = (struct blk_stats){0};
	d->major = BLK_DISK_MAJOR;
	d->minor = ndevices * BLK_DISK_MINORS;
	int r = blk_add(d);
	if (r < 0)
		return r;
	devices[ndevices++] = d;
	return 0;
}

u32 blk_count(void)
{
	return ndevices;
}

struct blk_dev *blk_get(u32 i)
{
	return i < ndevices ? devices[i] : NULL;
}

int blk_add(struct blk_dev *d)
{
	int free = -1;
	spin_lock(&table_lock);
	for (int i = 0; i < BLK_MAX_TABLE; i++) {
		if (!table[i]) {
			if (free < 0)
				free = i;
		} else if (table[i]->major == d->major && table[i]->minor == d->minor) {
			spin_unlock(&table_lock);
			return -EEXIST;
		}
	}
	if (free >= 0)
		table[free] = d;
	spin_unlock(&table_lock);
	return free >= 0 ? 0 : -ENOSPC;
}

void blk_del(struct blk_dev *d)
{
	spin_lock(&table_lock);
	for (int i = 0; i < BLK_MAX_TABLE; i++)
		if (table[i] == d)
			table[i] = NULL;
	spin_unlock(&table_lock);
}

struct blk_dev *blk_find(u32 major, u32 minor)
{
	struct blk_dev *found = NULL;
	spin_lock(&table_lock);
	for (int i = 0; i < BLK_MAX_TABLE && !found; i++)
		if (table[i] && table[i]->major == major && table[i]->minor == minor)
			found = table[i];
	spin_unlock(&table_lock);
	return found;
}

struct blk_dev *blk_find_name(const char *name)
{
	struct blk_dev *found = NULL;
	spin_lock(&table_lock);
	for (int i = 0; i < BLK_MAX_TABLE && !found; i++)
		if (table[i] && !strcmp(table[i]->name, name))
			found = table[i];
	spin_unlock(&table_lock);
	return found;
}

struct blk_dev *blk_table_get(u32 i)
{
	if (i >= BLK_MAX_TABLE)
		return NULL;
	spin_lock(&table_lock);
	struct blk_dev *d = table[i];
	spin_unlock(&table_lock);
	return d;
}

static bool claimed(const struct blk_dev *d)
{
	return __atomic_load_n(&d->claimed, __ATOMIC_SEQ_CST);
}

bool blk_claimed(const struct blk_dev *d)
{
	if (claimed(d) || (d->whole && claimed(d->whole)))
		return true;
	for (u32 i = 0; i < BLK_MAX_TABLE && !d->whole; i++) {
		struct blk_dev *p = blk_table_get(i);
		if (p && p->whole == d && claimed(p))
			return true;
	}
	return false;
}

/*
 * Each claimant sets its own flag before it looks at the overlapping
 * devices' (sequentially consistent), so of a disk and its partition
 * claimed at once at least one sees the other and lets go: never both.
 */
bool blk_claim(struct blk_dev *d)
{
	if (__atomic_exchange_n(&d->claimed, true, __ATOMIC_SEQ_CST))
		return false;
	bool overlap = d->whole && claimed(d->whole);
	for (u32 i = 0; i < BLK_MAX_TABLE && !overlap && !d->whole; i++) {
		struct blk_dev *p = blk_table_get(i);
		overlap = p && p->whole == d && claimed(p);
	}
	if (overlap)
		__atomic_store_n(&d->claimed, false, __ATOMIC_SEQ_CST);
	return !overlap;
}

void blk_start(struct blk_dev *d, struct blk_request *r)
{
	assert(r->op <= BLK_FLUSH);
	u64 now = tsc_ns();
	r->start_ns = now ? now : 1;
	spin_lock(&d->stats.lock);
	struct blk_stats *s = &d->stats;
	if (!s->inflight[BLK_READ] && !s->inflight[BLK_WRITE] && !s->inflight[BLK_FLUSH])
		s->busy_since = now;
	s->inflight[r->op]++;
	spin_unlock(&d->stats.lock);
}

/* r's time at the device ends: count it. */
static void account_done(struct blk_dev *d, struct blk_request *r)
{
	u64 now = tsc_ns();
	struct blk_stats *s = &d->stats;
	spin_lock(&s->lock);
	if (!s->inflight[r->op]) {
		/* start_ns left over from a request a driver never started (blk_start): not ours */
		spin_unlock(&s->lock);
		r->start_ns = 0;
		return;
	}
	s->inflight[r->op]--;
	s->ios[r->op]++;
	s->sectors[r->op] += r->count;
	s->ns[r->op] += now > r->start_ns ? now - r->start_ns : 0;
	if (!s->inflight[BLK_READ] && !s->inflight[BLK_WRITE] && !s->inflight[BLK_FLUSH])
		s->busy_ns += now > s->busy_since ? now - s->busy_since : 0;
	spin_unlock(&s->lock);
	r->start_ns = 0;
}

void blk_stats_read(struct blk_dev *d, struct blk_stats *out)
{
	u64 now = tsc_ns();
	spin_lock(&d->stats.lock);
	*out = d->stats;
	spin_unlock(&d->stats.lock);
	out->lock = (struct spinlock)SPINLOCK_INIT; /* a copy's lock is no lock */
	if ((out->inflight[BLK_READ] || out->inflight[BLK_WRITE] || out->inflight[BLK_FLUSH]) &&
	    now > out->busy_since)
		out->busy_ns += now - out->busy_since;
}

/*
 * The waker and done are read before the status is published: once it is,
 * the submitter may reuse the request. A waker task must therefore outlive
 * the wake (the tests' tasks do; the block cache uses done and wait queues,
 * whose waiters remove themselves).
 */
void blk_complete(struct blk_dev *d, struct blk_request *r, int status)
{
	struct task *waker = r->waker;
	void (*done)(struct blk_request *) = r->done;
	if (r->start_ns && r->op <= BLK_FLUSH)
		account_done(d, r);
	if (status)
		__atomic_add_fetch(&d->errors, 1, __ATOMIC_RELAXED);
	else if (r->op == BLK_READ)
		__atomic_add_fetch(&d->reads, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&d->writes, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->status, status, __ATOMIC_RELEASE);
	if (done) /* a submitter with done learns of completion there, not from status */
		done(r);
	if (waker)
		task_wake(waker);
}
