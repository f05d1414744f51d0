/*
 * virtio-net (virtio spec 1.1 section 5.1) over the modern PCI transport:
 * one receive and one transmit queue, no control queue, no offloads but
 * the receive checksum (VIRTIO_NET_F_GUEST_CSUM: a frame the device says
 * is checked is not checked again).
 *
 * Receiving (docs/design.md, "Execution"): the queue interrupt only wakes
 * the card's task; the task takes the used receive buffers, hands each
 * frame to the stack (nic.rx), puts fresh buffers on the ring, and frees
 * the sent frames the device is done with. A task that found a full batch
 * requeues itself rather than hold its core.
 *
 * Synchronisation: vnet.lock guards both queues, the slots and the
 * transmit backlog; xmit takes it on any core, and so does the task.
 * Frames are handed to the stack with no lock held.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/trap.h"
#include "dev/nic.h"
#include "dev/pkb.h"
#include "dev/virtio.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "sched/task.h"

#define VNET_RXQ 0 /* receiveq1 (section 5.1.2) */
#define VNET_TXQ 1 /* transmitq1 */

/* Feature bits (section 5.1.3) */
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16

/* Device configuration layout (section 5.1.4) */
#define VNET_CFG_MAC 0
#define VNET_CFG_STATUS 6
#define VNET_CFG_MTU 10
#define VIRTIO_NET_S_LINK_UP 1

/* struct virtio_net_hdr (section 5.1.6), with num_buffers as VERSION_1 has it */
struct vnet_hdr {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __packed;
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VNET_HDR_LEN ((u32)sizeof(struct vnet_hdr))

#define VNET_RX_BUF (VNET_HDR_LEN + ETH_FRAME_MAX)
#define VNET_BATCH 64	       /* frames the task takes before it yields */
#define VNET_BACKLOG_MAX 512   /* frames waiting for a free transmit descriptor */
#define VIRTQ_USED_F_NO_NOTIFY 1 /* the device polls: no doorbell needed (section 2.6.10) */

struct vnet {
	struct nic nic;	     /* [I] */
	struct virtio_dev v; /* [I] */
	struct spinlock lock;
	struct virtq rxq, txq;	    /* [lock] */
	struct pkb **rx_slots;	    /* [lock] per descriptor head: the buffer posted there */
	struct pkb **tx_slots;	    /* [lock] per head: the frame being sent */
	struct list_node backlog;   /* [lock] frames waiting for descriptors */
	u32 nbacklog;		    /* [lock] */
	u32 rx_posted;		    /* [lock] buffers the device holds */
	struct task task;	    /* woken by the interrupt */
	bool started;		    /* [I] */
};

static struct vnet *cards[NIC_MAX]; /* [I] */
static u32 ncards;		    /* [I] */

static void kick(struct virtq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n((volatile u16 *)q->used, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY))
		virtq_kick(q);
}

/* Put one frame on the transmit ring; false when the ring is full. */
static bool tx_post_locked(struct vnet *d, struct pkb *p)
{
	assert(spin_is_locked(&d->lock));
	if (d->txq.num_free < 1)
		return false;
	struct virtq_buf b = {virt_to_phys(p->data), p->len, false};
	int head = virtq_add(&d->txq, &b, 1);
	assert(head >= 0);
	d->tx_slots[head] = p;
	return true;
}

/* Take back sent frames; returns them on done (freed by the caller without the lock). */
static void tx_reclaim_locked(struct vnet *d, struct list_node *done)
{
	assert(spin_is_locked(&d->lock));
	u16 head;
	u32 len;
	int rc;
	while ((rc = virtq_next_used(&d->txq, &head, &len)) != 0) {
		if (rc < 0 || !d->tx_slots[head])
			continue;
		list_push_back(done, &d->tx_slots[head]->node);
		d->tx_slots[head] = NULL;
	}
	bool posted = false;
	while (d->nbacklog && d->txq.num_free) {
		struct pkb *p = container_of(list_pop_front(&d->backlog), struct pkb, node);
		d->nbacklog--;
		tx_post_locked(d, p);
		posted = true;
	}
	if (posted)
		kick(&d->txq);
}

static int vnet_xmit(struct nic *n, struct pkb *p)
{
	struct vnet *d = n->priv;
	if (p->len > ETH_FRAME_MAX || p->len < ETH_HLEN) {
		__atomic_add_fetch(&n->stats.tx_errors, 1, __ATOMIC_RELAXED);
		pkb_free(p);
		return -EMSGSIZE;
	}
	u32 len = p->len;
	struct vnet_hdr *h = (struct vnet_hdr *)pkb_push(p, VNET_HDR_LEN);
	*h = (struct vnet_hdr){0};
	struct list_node done;
	list_init(&done);
	int r = 0;
	spin_lock(&d->lock);
	if (d->txq.num_free == 0)
		tx_reclaim_locked(d, &done);
	if (!d->nbacklog && tx_post_locked(d, p)) {
		kick(&d->txq);
	} else if (d->nbacklog < VNET_BACKLOG_MAX) {
		list_push_back(&d->backlog, &p->node);
		d->nbacklog++;
	} else {
		r = -ENOBUFS;
	}
	spin_unlock(&d->lock);
	pkb_free_list(&done);
	if (r) {
		__atomic_add_fetch(&n->stats.tx_dropped, 1, __ATOMIC_RELAXED);
		pkb_free(p);
		return r;
	}
	__atomic_add_fetch(&n->stats.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n->stats.tx_bytes, len, __ATOMIC_RELAXED);
	return 0;
}

/* Give the device receive buffers until its ring is full or memory runs short. */
static void rx_refill_locked(struct vnet *d)
{
	assert(spin_is_locked(&d->lock));
	bool posted = false;
	while (d->rxq.num_free) {
		struct pkb *p = pkb_alloc(0, VNET_RX_BUF);
		if (!p)
			break;
		struct virtq_buf b = {virt_to_phys(p->data), VNET_RX_BUF, true};
		int head = virtq_add(&d->rxq, &b, 1);
		assert(head >= 0);
		d->rx_slots[head] = p;
		d->rx_posted++;
		posted = true;
	}
	if (posted)
		kick(&d->rxq);
}

static enum poll_result vnet_task(struct task *t)
{
	struct vnet *d = container_of(t, struct vnet, task);
	struct nic *n = &d->nic;
	struct pkb *got[VNET_BATCH];
	u32 ngot = 0;
	struct list_node done;
	list_init(&done);

	spin_lock(&d->lock);
	tx_reclaim_locked(d, &done);
	while (ngot < VNET_BATCH) {
		u16 head;
		u32 len;
		int rc = virtq_next_used(&d->rxq, &head, &len);
		if (rc == 0)
			break;
		if (rc < 0 || !d->rx_slots[head])
			continue;
		struct pkb *p = d->rx_slots[head];
		d->rx_slots[head] = NULL;
		d->rx_posted--;
		if (len < VNET_HDR_LEN + ETH_HLEN || len > VNET_RX_BUF) {
			__atomic_add_fetch(&n->stats.rx_errors, 1, __ATOMIC_RELAXED);
			list_push_back(&done, &p->node);
			continue;
		}
		p->len = len;
		got[ngot++] = p;
	}
	rx_refill_locked(d);
	spin_unlock(&d->lock);
	pkb_free_list(&done);

	for (u32 i = 0; i < ngot; i++) {
		struct pkb *p = got[i];
		struct vnet_hdr *h = (struct vnet_hdr *)p->data;
		if (h->flags & (VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_NEEDS_CSUM))
			p->flags |= PKB_CSUM_OK;
		pkb_pull(p, VNET_HDR_LEN);
		__atomic_add_fetch(&n->stats.rx_packets, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&n->stats.rx_bytes, p->len, __ATOMIC_RELAXED);
		n->rx(n, p);
	}
	if (ngot == VNET_BATCH)
		task_wake(t); /* more may wait: let other tasks run first */
	return PENDING;
}

/* The queue interrupt: acknowledge and wake the task (docs/design.md, "Execution"). */
static void vnet_irq(struct trapframe *tf)
{
	bool mine[NIC_MAX] = {0};
	for (u32 i = 0; i < ncards; i++) {
		struct vnet *d = cards[i];
		if (d->v.vector == tf->vector)
			mine[i] = d->v.msix || (virtio_isr(&d->v) & VIRTIO_ISR_QUEUE);
	}
	lapic_eoi();
	for (u32 i = 0; i < ncards; i++)
		if (mine[i] && cards[i]->started)
			task_wake(&cards[i]->task);
}

static bool vnet_start(struct nic *n)
{
	struct vnet *d = n->priv;
	spin_lock(&d->lock);
	rx_refill_locked(d);
	bool ok = d->rx_posted > 0;
	spin_unlock(&d->lock);
	if (!ok)
		return false;
	task_init(&d->task, "virtio-net", vnet_task, NULL);
	__atomic_store_n(&d->started, true, __ATOMIC_RELEASE);
	task_spawn(&d->task, 0);
	return true;
}

bool virtio_net_probe(struct pci_dev *p)
{
	if (ncards == NIC_MAX)
		return false;
	struct vnet *d = knew(struct vnet);
	if (!d)
		return false;
	struct virtio_dev *v = &d->v;
	if (!virtio_pci_init(v, p))
		goto fail;
	u64 wanted = 1UL << VIRTIO_NET_F_MAC | 1UL << VIRTIO_NET_F_STATUS |
		     1UL << VIRTIO_NET_F_GUEST_CSUM | 1UL << VIRTIO_NET_F_MTU;
	if (!v->devcfg || !virtio_negotiate(v, wanted, 1UL << VIRTIO_F_VERSION_1))
		goto fail;
	struct nic *n = &d->nic;
	if (v->features & 1UL << VIRTIO_NET_F_MAC) {
		for (int i = 0; i < ETH_ALEN; i++)
			n->mac[i] = (u8)(virtio_cfg32(v, (VNET_CFG_MAC + (u32)i) & ~3u) >>
					 (8 * ((VNET_CFG_MAC + (u32)i) & 3)));
	} else {
		/* A locally administered address of our own (IEEE 802 section 9.2). */
		n->mac[0] = 0x02;
		for (int i = 1; i < ETH_ALEN; i++)
			n->mac[i] = (u8)(0x10 * ncards + (u32)i);
	}
	n->mtu = 1500;
	if (v->features & 1UL << VIRTIO_NET_F_MTU) {
		u32 mtu = virtio_cfg32(v, VNET_CFG_MTU & ~3u) >> (8 * (VNET_CFG_MTU & 3)) & 0xffff;
		if (mtu >= 576 && mtu < n->mtu)
			n->mtu = mtu;
	}
	n->link_up = true;
	if (v->features & 1UL << VIRTIO_NET_F_STATUS)
		n->link_up = (virtio_cfg32(v, VNET_CFG_MAC + 4) >> 16) & VIRTIO_NET_S_LINK_UP;
	n->xmit = vnet_xmit;
	n->start = vnet_start;
	n->priv = d;
	d->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&d->backlog);

	if (!virtq_setup(v, &d->rxq, VNET_RXQ, VIRTQ_MAX_SIZE) ||
	    !virtq_setup(v, &d->txq, VNET_TXQ, VIRTQ_MAX_SIZE))
		goto fail;
	d->rx_slots = kzalloc(d->rxq.size * sizeof *d->rx_slots);
	d->tx_slots = kzalloc(d->txq.size * sizeof *d->tx_slots);
	if (!d->rx_slots || !d->tx_slots)
		goto fail;
	cards[ncards] = d; /* before the interrupt can fire */
	struct virtq *qs[] = {&d->rxq, &d->txq};
	if (!virtio_setup_irq(v, qs, 2, vnet_irq))
		goto fail;
	ncards++;
	virtq_enable(v, &d->rxq);
	virtq_enable(v, &d->txq);
	virtio_driver_ok(v);
	if (virtio_status(v) & VIRTIO_STATUS_NEEDS_RESET || !nic_register(n)) {
		ncards--;
		goto fail;
	}
	pr_info("virtio-net: %s at %02x:%02x.%u: %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, queues "
		"%u/%u, %s %u%s\n",
		n->name, p->bus, p->dev, p->fn, n->mac[0], n->mac[1], n->mac[2], n->mac[3],
		n->mac[4], n->mac[5], n->mtu, d->rxq.size, d->txq.size,
		v->msix ? "MSI-X vector" : "INTx GSI", v->msix ? v->vector : (u32)v->gsi,
		n->link_up ? "" : ", link down");
	return true;
fail:
	virtio_fail(v);
	cards[ncards] = NULL;
	pr_warn("virtio-net: %02x:%02x.%u not usable\n", p->bus, p->dev, p->fn);
	return false;
}
