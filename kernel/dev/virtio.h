/*
 * virtio 1.x over PCI, modern interface only (virtio spec 1.1, sections
 * 2 and 4.1): finding the transport structures through the vendor
 * capabilities, the status handshake, feature negotiation, split
 * virtqueues and interrupt setup (MSI-X, else INTx through the I/O APIC).
 *
 * A virtqueue is driven by one device driver under that driver's lock;
 * nothing here takes a lock of its own.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after setup on the boot core
 *  v  the owning driver's lock
 */
#pragma once

#include "dev/pci.h"
#include "lib/types.h"

struct trapframe;

/* Device status (section 2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Reserved feature bits (section 6) */
#define VIRTIO_F_VERSION_1 32

/* Split virtqueue descriptors (section 2.6.5) */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2 /* device writes (otherwise reads) the buffer */
#define VIRTQ_MAX_SIZE 256   /* we ask for at most this many entries */

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct virtq_used_elem {
	u32 id; /* head of the descriptor chain */
	u32 len;
};

struct virtq {
	u16 size;		 /* [I] entries, a power of two */
	u16 index;		 /* [I] queue number */
	struct virtq_desc *desc; /* [v] descriptor table */
	volatile u16 *avail;	 /* [v] flags, idx, ring[size], used_event */
	volatile u8 *used;	 /* [v] flags, idx, ring[size] of used_elem, avail_event */
	volatile u16 *notify;	 /* [I] this queue's doorbell */
	paddr_t mem;		 /* [I] the rings' pages */
	unsigned order;		 /* [I] */
	u16 free_head, num_free; /* [v] chain of free descriptors */
	u16 avail_idx;		 /* [v] our copy of avail->idx */
	u16 last_used;		 /* [v] next used entry to collect */
	u8 *chain_len;		 /* [v] per head: descriptors in its chain, 0 if free */
};

struct virtio_dev {
	struct pci_dev *pci;	  /* [I] */
	volatile u8 *common;	  /* [I] common configuration (section 4.1.4.3) */
	volatile u8 *isr;	  /* [I] ISR status (section 4.1.4.5) */
	volatile u8 *devcfg;	  /* [I] device-specific configuration */
	volatile u8 *notify_base; /* [I] (section 4.1.4.4) */
	u32 notify_mult;	  /* [I] notify_off_multiplier */
	u64 features;		  /* [I] negotiated */
	bool msix;		  /* [I] interrupts by MSI-X (else INTx) */
	u8 vector;		  /* [I] IDT vector of the queue interrupt */
	int gsi;		  /* [I] INTx GSI, -1 with MSI-X */
};

/* ISR status bits (section 4.1.4.5) */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

/*
 * Find and map the transport structures, reset the device and set
 * ACKNOWLEDGE | DRIVER. False (with a message) if it is not a usable
 * modern device.
 */
bool virtio_pci_init(struct virtio_dev *v, struct pci_dev *d);
/*
 * Offer the device's features masked by `wanted`; fail unless every bit of
 * `required` is offered and the device accepts (FEATURES_OK).
 */
bool virtio_negotiate(struct virtio_dev *v, u64 wanted, u64 required);
/* Set up queue `index` with at most max entries, interrupts on MSI-X entry (if msix). */
bool virtq_setup(struct virtio_dev *v, struct virtq *q, u16 index, u16 max);
/* Route the interrupt: MSI-X entry 0 for every queue, else INTx; installs handler. */
bool virtio_setup_irq(struct virtio_dev *v, struct virtq **qs, int nq,
		      void (*handler)(struct trapframe *tf));
/* Enable a queue once its interrupt is routed; then DRIVER_OK starts the device. */
void virtq_enable(struct virtio_dev *v, struct virtq *q);
void virtio_driver_ok(struct virtio_dev *v);
/* Tell the device we give up on it (status FAILED). */
void virtio_fail(struct virtio_dev *v);
u8 virtio_status(struct virtio_dev *v);
/* Read (and thereby clear) the ISR status: INTx's acknowledgement. */
u8 virtio_isr(struct virtio_dev *v);

/* Device configuration reads, consistent across config_generation (section 4.1.4.3.1). */
u32 virtio_cfg32(struct virtio_dev *v, u32 off);
u64 virtio_cfg64(struct virtio_dev *v, u32 off);

/* Ring layout for a queue of `size` entries: offsets from the rings' start, total bytes. */
size_t virtq_avail_offset(u16 size);
size_t virtq_used_offset(u16 size);
size_t virtq_bytes(u16 size);
/* Lay out a queue over zeroed ring memory; chain_len has `size` zeroed bytes. */
void virtq_init(struct virtq *q, u16 index, u16 size, void *rings, u8 *chain_len);

/* One buffer of a chain: physical address, length, device-writable. */
struct virtq_buf {
	paddr_t addr;
	u32 len;
	bool write;
};
/* Put a chain on the available ring; its head, or -1 if fewer than n descriptors are free. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, int n);
void virtq_kick(struct virtq *q);
/*
 * Take the next used chain, freeing its descriptors: 1 with *head and *len
 * set, 0 if there is none, -1 if the device named a chain that is not in
 * flight (skipped; the device is misbehaving).
 */
int virtq_next_used(struct virtq *q, u16 *head, u32 *len);
