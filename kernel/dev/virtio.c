/*
 * virtio 1.x modern PCI transport (see virtio.h); the split rings
 * themselves are in virtq.c.
 * Setup runs on the boot core; afterwards a queue is touched only under
 * its driver's lock, and the device's registers only by that driver.
 */
#include "dev/virtio.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "lib/kernel.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/vm.h"

/* Vendor capability (section 4.1.4): cfg_type values and field offsets */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VCAP_CFG_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12
#define VCAP_NOTIFY_MULT 16

/* Common configuration layout (section 4.1.4.3) */
#define VCOMMON_DFSELECT 0x00
#define VCOMMON_DF 0x04
#define VCOMMON_GFSELECT 0x08
#define VCOMMON_GF 0x0c
#define VCOMMON_MSIX_CONFIG 0x10
#define VCOMMON_NUM_QUEUES 0x12
#define VCOMMON_STATUS 0x14
#define VCOMMON_CFG_GEN 0x15
#define VCOMMON_Q_SELECT 0x16
#define VCOMMON_Q_SIZE 0x18
#define VCOMMON_Q_MSIX 0x1a
#define VCOMMON_Q_ENABLE 0x1c
#define VCOMMON_Q_NOTIFY_OFF 0x1e
#define VCOMMON_Q_DESC 0x20
#define VCOMMON_Q_DRIVER 0x28
#define VCOMMON_Q_DEVICE 0x30
#define VIRTIO_MSI_NO_VECTOR 0xffff

#define VIRTIO_RESET_WAIT_NS 100000000UL /* a device that will not reset in 100 ms is dead */

static inline u8 rd8(volatile u8 *b, u32 off)
{
	return *(volatile u8 *)(b + off);
}
static inline u16 rd16(volatile u8 *b, u32 off)
{
	return *(volatile u16 *)(b + off);
}
static inline u32 rd32(volatile u8 *b, u32 off)
{
	return *(volatile u32 *)(b + off);
}
static inline void wr8(volatile u8 *b, u32 off, u8 v)
{
	*(volatile u8 *)(b + off) = v;
}
static inline void wr16(volatile u8 *b, u32 off, u16 v)
{
	*(volatile u16 *)(b + off) = v;
}
static inline void wr32(volatile u8 *b, u32 off, u32 v)
{
	*(volatile u32 *)(b + off) = v;
}
/* 64-bit fields as two 32-bit halves, which the spec allows (section 4.1.3.1). */
static inline void wr64(volatile u8 *b, u32 off, u64 v)
{
	wr32(b, off, (u32)v);
	wr32(b, off + 4, (u32)(v >> 32));
}

/* Map the structure a vendor capability points at; NULL if it is not in a usable BAR. */
static volatile u8 *map_cap(struct pci_dev *d, u8 cap, u32 min_len)
{
	u8 bar = pci_read8(d, cap + VCAP_BAR);
	u32 off = pci_read32(d, cap + VCAP_OFFSET);
	u32 len = pci_read32(d, cap + VCAP_LENGTH);
	if (bar >= PCI_NUM_BARS || !d->bar[bar].base || d->bar[bar].io || len < min_len ||
	    (u64)off + len > d->bar[bar].size)
		return NULL;
	return mmio_map(d->bar[bar].base + off, len);
}

bool virtio_pci_init(struct virtio_dev *v, struct pci_dev *d)
{
	*v = (struct virtio_dev){.pci = d, .gsi = -1};
	pci_enable(d);
	/* The first capability of each type is the one to use (section 4.1.4.1). */
	for (u8 cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		u8 type = pci_read8(d, cap + VCAP_CFG_TYPE);
		if (type == VIRTIO_PCI_CAP_COMMON_CFG && !v->common) {
			v->common = map_cap(d, cap, VCOMMON_Q_DEVICE + 8);
		} else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !v->notify_base) {
			v->notify_base = map_cap(d, cap, 2);
			v->notify_mult = pci_read32(d, cap + VCAP_NOTIFY_MULT);
		} else if (type == VIRTIO_PCI_CAP_ISR_CFG && !v->isr) {
			v->isr = map_cap(d, cap, 1);
		} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !v->devcfg) {
			v->devcfg = map_cap(d, cap, 4);
		}
	}
	if (!v->common || !v->notify_base || !v->isr) {
		pr_warn("virtio: %02x:%02x.%u lacks the modern capabilities; ignored\n", d->bus,
			d->dev, d->fn);
		return false;
	}
	/* Reset, and wait for the device to say it is done (section 4.1.4.3.2). */
	wr8(v->common, VCOMMON_STATUS, 0);
	u64 until = tsc_ns() + VIRTIO_RESET_WAIT_NS;
	while (rd8(v->common, VCOMMON_STATUS) != 0) {
		if (tsc_ns() > until) {
			pr_warn("virtio: %02x:%02x.%u does not reset\n", d->bus, d->dev, d->fn);
			return false;
		}
		cpu_relax();
	}
	wr8(v->common, VCOMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr8(v->common, VCOMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	return true;
}

bool virtio_negotiate(struct virtio_dev *v, u64 wanted, u64 required)
{
	wr32(v->common, VCOMMON_DFSELECT, 0);
	u64 offered = rd32(v->common, VCOMMON_DF);
	wr32(v->common, VCOMMON_DFSELECT, 1);
	offered |= (u64)rd32(v->common, VCOMMON_DF) << 32;
	if ((offered & required) != required) {
		pr_warn("virtio: device offers features 0x%lx, we need 0x%lx\n", offered, required);
		return false;
	}
	v->features = offered & (wanted | required);
	wr32(v->common, VCOMMON_GFSELECT, 0);
	wr32(v->common, VCOMMON_GF, (u32)v->features);
	wr32(v->common, VCOMMON_GFSELECT, 1);
	wr32(v->common, VCOMMON_GF, (u32)(v->features >> 32));
	u8 st = rd8(v->common, VCOMMON_STATUS);
	wr8(v->common, VCOMMON_STATUS, st | VIRTIO_STATUS_FEATURES_OK);
	/* The device may refuse the subset (section 3.1.1, step 6). */
	if (!(rd8(v->common, VCOMMON_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		pr_warn("virtio: device refused features 0x%lx\n", v->features);
		return false;
	}
	return true;
}

bool virtio_setup_irq(struct virtio_dev *v, struct virtq **qs, int nq,
		      void (*handler)(struct trapframe *tf))
{
	struct pci_dev *d = v->pci;
	u32 apic = lapic_id(); /* the boot core takes device interrupts */
	if (pci_msix_enable(d)) {
		u8 vec = pci_alloc_vector();
		if (vec) {
			trap_set_handler(vec, handler);
			pci_msix_set(d, 0, vec, apic);
			/* Configuration changes need no interrupt: we read the config when we need
			 * it. */
			wr16(v->common, VCOMMON_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR);
			bool ok = true;
			for (int i = 0; i < nq; i++) {
				wr16(v->common, VCOMMON_Q_SELECT, qs[i]->index);
				wr16(v->common, VCOMMON_Q_MSIX, 0);
				/* The device says NO_VECTOR when it could not take the entry
				 * (section 4.1.5.1.2). */
				if (rd16(v->common, VCOMMON_Q_MSIX) != 0)
					ok = false;
			}
			if (ok) {
				v->msix = true;
				v->vector = vec;
				return true;
			}
			pr_warn("virtio: MSI-X vector refused; using INTx\n");
		}
		/* Back to INTx: MSI-X off. */
		u16 ctrl = pci_read16(d, d->msix_cap + MSIX_CTRL);
		pci_write16(d, d->msix_cap + MSIX_CTRL, ctrl & ~MSIX_CTRL_ENABLE);
		pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_OFF);
	}
	int gsi = pci_intx_gsi(d);
	if (gsi < 0 || VEC_IRQ_BASE + gsi >= VEC_IRQ_END) {
		pr_warn("virtio: no MSI-X and no interrupt pin\n");
		return false;
	}
	v->gsi = gsi;
	v->vector = (u8)(VEC_IRQ_BASE + gsi);
	trap_set_handler(v->vector, handler);
	/* PCI INTx lines are level triggered, active low (PCI 3.0 section 2.2.6). */
	return ioapic_route((u32)gsi, v->vector, apic, true);
}

bool virtq_setup(struct virtio_dev *v, struct virtq *q, u16 index, u16 max)
{
	wr16(v->common, VCOMMON_Q_SELECT, index);
	u16 dev_max = rd16(v->common, VCOMMON_Q_SIZE);
	if (dev_max == 0 || rd16(v->common, VCOMMON_Q_ENABLE))
		return false;
	u16 size = 1;
	while ((u32)size * 2 <= MIN(dev_max, max))
		size *= 2;
	size_t total = virtq_bytes(size);
	unsigned order = 0;
	while ((PAGE_SIZE << order) < total)
		order++;
	paddr_t mem = page_alloc(order);
	u8 *chain = kzalloc(size);
	if (!mem || !chain) {
		if (mem)
			page_free(mem, order);
		kfree(chain);
		return false;
	}
	memset(phys_to_virt(mem), 0, PAGE_SIZE << order);
	virtq_init(q, index, size, phys_to_virt(mem), chain);
	q->mem = mem;
	q->order = order;
	wr16(v->common, VCOMMON_Q_SIZE, size);
	wr64(v->common, VCOMMON_Q_DESC, mem);
	wr64(v->common, VCOMMON_Q_DRIVER, mem + virtq_avail_offset(size));
	wr64(v->common, VCOMMON_Q_DEVICE, mem + virtq_used_offset(size));
	u16 noff = rd16(v->common, VCOMMON_Q_NOTIFY_OFF);
	q->notify = (volatile u16 *)(v->notify_base + (u64)noff * v->notify_mult);
	return true;
}

void virtio_driver_ok(struct virtio_dev *v)
{
	u8 st = rd8(v->common, VCOMMON_STATUS);
	wr8(v->common, VCOMMON_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}

/* Enable a queue set up by virtq_setup, once its interrupt is routed. */
void virtq_enable(struct virtio_dev *v, struct virtq *q)
{
	wr16(v->common, VCOMMON_Q_SELECT, q->index);
	wr16(v->common, VCOMMON_Q_ENABLE, 1);
}

void virtio_fail(struct virtio_dev *v)
{
	if (v->common)
		wr8(v->common, VCOMMON_STATUS,
		    rd8(v->common, VCOMMON_STATUS) | VIRTIO_STATUS_FAILED);
}

u8 virtio_status(struct virtio_dev *v)
{
	return rd8(v->common, VCOMMON_STATUS);
}

u8 virtio_isr(struct virtio_dev *v)
{
	return rd8(v->isr, 0);
}

u32 virtio_cfg32(struct virtio_dev *v, u32 off)
{
	u8 gen;
	u32 val;
	do {
		gen = rd8(v->common, VCOMMON_CFG_GEN);
		val = rd32(v->devcfg, off);
	} while (gen != rd8(v->common, VCOMMON_CFG_GEN));
	return val;
}

u64 virtio_cfg64(struct virtio_dev *v, u32 off)
{
	u8 gen;
	u64 val;
	do {
		gen = rd8(v->common, VCOMMON_CFG_GEN);
		val = rd32(v->devcfg, off) | (u64)rd32(v->devcfg, off + 4) << 32;
	} while (gen != rd8(v->common, VCOMMON_CFG_GEN));
	return val;
}
