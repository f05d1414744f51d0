/*
 * virtio-blk (virtio spec 1.1 section 5.2) over the modern PCI transport:
 * one request queue, asynchronous requests (dev/blk.h), completions
 * collected by the queue interrupt on the boot core.
 *
 * Synchronisation: vblk.lock guards the virtqueue and the request slots;
 * submitters on any core take it, and so does the completion interrupt.
 * Completions are gathered under the lock and reported after it is
 * dropped, so a submitter's done callback may take its own locks (the
 * block cache's) and submit again. A full ring parks submitters on
 * vblk.space, woken when completions free descriptors.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/trap.h"
#include "dev/blk.h"
#include "dev/virtio.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/waitq.h"

#define VIRTIO_BLK_QUEUE 0 /* requestq (section 5.2.2) */

/* Feature bits (section 5.2.3) */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

/* Device configuration layout (section 5.2.4) */
#define VBLK_CFG_CAPACITY 0  /* le64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 8  /* le32, bytes per segment */
#define VBLK_CFG_SEG_MAX 12  /* le32, segments per request */
#define VBLK_CFG_BLK_SIZE 20 /* le32 */

/* Requests (section 5.2.6) */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VBLK_STATUS_UNSET 0xff /* what we leave in the status byte for the device to overwrite */

#define VBLK_MAX_SEGS 64	      /* data descriptors per request, whatever seg_max says */
#define VBLK_MAX_REQ_BYTES (1u << 20) /* per request: larger transfers are split by callers */
#define VBLK_COLLECT_BATCH 32

struct vblk_hdr { /* struct virtio_blk_req's device-readable head */
	u32 type;
	u32 reserved;
	u64 sector;
};

struct vblk_slot {	     /* one per descriptor head: what the chain starting there carries */
	struct vblk_hdr hdr; /* [lock] read by the device */
	u8 status;	     /* [lock] written by the device */
	struct blk_request *req; /* [lock] NULL when the head is free */
};

struct vblk {
	struct blk_dev blk;  /* [I] */
	struct virtio_dev v; /* [I] */
	struct spinlock lock;
	struct virtq q;		 /* [lock] */
	struct vblk_slot *slots; /* [lock] q.size entries, direct-mapped for DMA */
	struct waitq space;	 /* submitters waiting for free descriptors */
	u32 size_max;		 /* [I] bytes per data descriptor */
	u32 seg_max;		 /* [I] data descriptors per request */
	u32 bad_used;		 /* [lock] used entries naming no request */
};

static struct vblk *disks[BLK_MAX_DEVICES]; /* [I] */
static u32 ndisks;			    /* [I] */

static int vblk_submit(struct blk_dev *b, struct blk_request *r, struct waitq **park)
{
	struct vblk *d = b->priv;
	struct virtq_buf bufs[VBLK_MAX_SEGS + 2];
	int n = 0;
	u64 bytes = (u64)r->count << BLK_SECTOR_SHIFT;
	u32 type;

	switch (r->op) {
	case BLK_READ:
	case BLK_WRITE:
		/* Out of range, empty, too big or read-only: -EIO without troubling the device. */
		if (!r->count || r->sector >= b->sectors || r->count > b->sectors - r->sector ||
		    bytes > (u64)d->size_max * d->seg_max || bytes > VBLK_MAX_REQ_BYTES ||
		    (!r->buf && (!r->nsegs || r->nsegs > BLK_MAX_SEGS)) ||
		    (r->op == BLK_WRITE && b->read_only)) {
			r->status = -EIO;
			return -EIO;
		}
		type = r->op == BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		break;
	case BLK_FLUSH:
		if (!b->can_flush) {
			r->status = 0; /* no volatile cache (section 5.2.5): nothing to flush */
			return 1;
		}
		type = VIRTIO_BLK_T_FLUSH;
		bytes = 0;
		break;
	default:
		r->status = -EIO;
		return -EIO;
	}

	spin_lock(&d->lock);
	u16 head = d->q.free_head;
	struct vblk_slot *s = &d->slots[head];
	bufs[n++] = (struct virtq_buf){virt_to_phys(&s->hdr), sizeof s->hdr, false};
	/* The data as descriptors of at most size_max bytes: one piece, or the request's segments. */
	struct blk_seg whole = {r->buf, (u32)bytes};
	const struct blk_seg *segs = r->buf ? &whole : r->segs;
	u32 nsegs = r->buf ? 1 : r->nsegs;
	u32 room = MIN(d->seg_max, (u32)VBLK_MAX_SEGS), ndata = 0;
	u64 given = 0;
	bool fits = true;
	for (u32 i = 0; i < nsegs && fits; i++) {
		given += segs[i].len;
		for (u64 off = 0; off < segs[i].len; off += d->size_max) {
			if (ndata++ == room) {
				fits = false;
				break;
			}
			u32 len = (u32)MIN((u64)d->size_max, segs[i].len - off);
			bufs[n++] = (struct virtq_buf){segs[i].addr + off, len, r->op == BLK_READ};
		}
	}
	if (!fits || given != bytes) {
		spin_unlock(&d->lock); /* more pieces than the device takes, or a wrong total */
		r->status = -EIO;
		return -EIO;
	}
	bufs[n++] = (struct virtq_buf){virt_to_phys(&s->status), 1, true};
	if (d->q.num_free < n) {
		if (!park) {
			spin_unlock(&d->lock);
			return -EAGAIN;
		}
		/* Lock the queue before letting go of the ring: a completion in between still wakes
		 * us. */
		spin_lock(&d->space.lock);
		spin_unlock(&d->lock);
		*park = &d->space;
		return -ERESTART_PARK;
	}
	s->hdr = (struct vblk_hdr){.type = type, .sector = r->op == BLK_FLUSH ? 0 : r->sector};
	s->status = VBLK_STATUS_UNSET;
	s->req = r;
	blk_start(b, r);
	__atomic_store_n(&r->status, BLK_INFLIGHT, __ATOMIC_RELAXED);
	int h = virtq_add(&d->q, bufs, n);
	assert(h == head);
	virtq_kick(&d->q);
	spin_unlock(&d->lock);
	return 0;
}

/* Gather finished requests under the lock, then report them without it. */
static void vblk_collect(struct vblk *d)
{
	struct blk_request *reqs[VBLK_COLLECT_BATCH];
	int sts[VBLK_COLLECT_BATCH];
	int n;
	do {
		n = 0;
		spin_lock(&d->lock);
		while (n < VBLK_COLLECT_BATCH) {
			u16 head;
			u32 len;
			int rc = virtq_next_used(&d->q, &head, &len);
			if (rc == 0)
				break;
			if (rc < 0 || !d->slots[head].req) {
				if (d->bad_used++ == 0)
					pr_err("virtio-blk: %s: device completed a request we "
					       "never sent\n",
					       d->blk.name);
				continue;
			}
			struct vblk_slot *s = &d->slots[head];
			reqs[n] = s->req;
			/* Anything but OK, an unwritten status included, is an I/O error. */
			sts[n] = s->status == VIRTIO_BLK_S_OK ? 0 : -EIO;
			if (s->status != VIRTIO_BLK_S_OK)
				pr_warn("virtio-blk: %s: request at sector %lu: status %u\n",
					d->blk.name, reqs[n]->sector, s->status);
			s->req = NULL;
			n++;
		}
		spin_unlock(&d->lock);
		for (int i = 0; i < n; i++)
			blk_complete(&d->blk, reqs[i], sts[i]);
		if (n)
			waitq_wake_all(&d->space);
	} while (n == VBLK_COLLECT_BATCH);
}

static bool vblk_poll(struct blk_dev *b)
{
	struct vblk *d = b->priv;
	vblk_collect(d);
	spin_lock(&d->lock);
	bool busy = d->q.num_free < d->q.size;
	spin_unlock(&d->lock);
	return busy;
}

/*
 * The queue interrupt (docs/design.md, "Execution"): acknowledge, collect,
 * wake. With INTx the line stays asserted until the ISR register is read,
 * so that read comes before the EOI; several disks may share the line.
 */
static void vblk_irq(struct trapframe *tf)
{
	bool mine[BLK_MAX_DEVICES] = {0};
	for (u32 i = 0; i < ndisks; i++) {
		struct vblk *d = disks[i];
		if (d->v.vector != tf->vector)
			continue;
		mine[i] = d->v.msix || (virtio_isr(&d->v) & VIRTIO_ISR_QUEUE);
	}
	lapic_eoi();
	for (u32 i = 0; i < ndisks; i++)
		if (mine[i])
			vblk_collect(disks[i]);
}

bool virtio_blk_probe(struct pci_dev *p)
{
	if (ndisks == BLK_MAX_DEVICES)
		return false;
	struct vblk *d = knew(struct vblk);
	if (!d)
		return false;
	struct virtio_dev *v = &d->v;
	if (!virtio_pci_init(v, p))
		goto fail;
	u64 wanted = 1UL << VIRTIO_BLK_F_SIZE_MAX | 1UL << VIRTIO_BLK_F_SEG_MAX |
		     1UL << VIRTIO_BLK_F_RO | 1UL << VIRTIO_BLK_F_BLK_SIZE |
		     1UL << VIRTIO_BLK_F_FLUSH;
	if (!v->devcfg || !virtio_negotiate(v, wanted, 1UL << VIRTIO_F_VERSION_1))
		goto fail;
	struct blk_dev *b = &d->blk;
	snprintf(b->name, sizeof b->name, "vd%c", 'a' + ndisks);
	b->sectors = virtio_cfg64(v, VBLK_CFG_CAPACITY);
	b->block_size = BLK_SECTOR_SIZE;
	if (v->features & 1UL << VIRTIO_BLK_F_BLK_SIZE) {
		u32 bs = virtio_cfg32(v, VBLK_CFG_BLK_SIZE);
		if (bs >= BLK_SECTOR_SIZE && bs <= PAGE_SIZE && !(bs & (bs - 1)))
			b->block_size = bs;
	}
	b->can_flush = v->features & 1UL << VIRTIO_BLK_F_FLUSH;
	b->read_only = v->features & 1UL << VIRTIO_BLK_F_RO;
	/* Without SIZE_MAX or SEG_MAX the device states no limit: one segment of any size. */
	d->size_max = VBLK_MAX_REQ_BYTES;
	if (v->features & 1UL << VIRTIO_BLK_F_SIZE_MAX) {
		u32 sm = virtio_cfg32(v, VBLK_CFG_SIZE_MAX);
		if (sm >= PAGE_SIZE)
			d->size_max = MIN(sm, VBLK_MAX_REQ_BYTES);
	}
	d->seg_max = 1;
	if (v->features & 1UL << VIRTIO_BLK_F_SEG_MAX)
		d->seg_max = MAX(1u, MIN(virtio_cfg32(v, VBLK_CFG_SEG_MAX), (u32)VBLK_MAX_SEGS));
	b->max_sectors =
	    (u32)(MIN((u64)d->size_max * d->seg_max, (u64)VBLK_MAX_REQ_BYTES) >> BLK_SECTOR_SHIFT);
	b->max_segs = MIN(d->seg_max, (u32)BLK_MAX_SEGS);
	b->submit = vblk_submit;
	b->poll = vblk_poll;
	b->priv = d;
	d->lock = (struct spinlock)SPINLOCK_INIT;
	waitq_init(&d->space);

	if (!virtq_setup(v, &d->q, VIRTIO_BLK_QUEUE, VIRTQ_MAX_SIZE))
		goto fail;
	d->slots = kzalloc(d->q.size * sizeof *d->slots);
	if (!d->slots)
		goto fail;
	disks[ndisks] = d; /* before the interrupt can fire */
	struct virtq *qs[] = {&d->q};
	if (!virtio_setup_irq(v, qs, 1, vblk_irq))
		goto fail;
	ndisks++;
	virtq_enable(v, &d->q);
	virtio_driver_ok(v);
	if (virtio_status(v) & VIRTIO_STATUS_NEEDS_RESET || blk_register(b) < 0) {
		ndisks--;
		goto fail;
	}
	pr_info("virtio-blk: %s at %02x:%02x.%u: %lu sectors (%lu MiB), block %u, queue %u, %s "
		"%u%s%s\n",
		b->name, p->bus, p->dev, p->fn, b->sectors, b->sectors >> 11, b->block_size,
		d->q.size, v->msix ? "MSI-X vector" : "INTx GSI", v->msix ? v->vector : (u32)v->gsi,
		b->can_flush ? ", flush" : "", b->read_only ? ", read-only" : "");
	return true;
fail:
	virtio_fail(v);
	disks[ndisks] = NULL;
	/* The rings stay allocated: the device may still look at them until it is reset. */
	pr_warn("virtio-blk: %02x:%02x.%u not usable\n", p->bus, p->dev, p->fn);
	return false;
}
