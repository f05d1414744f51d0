/*
 * PCI enumeration and configuration space (see pci.h). Runs once on the
 * boot core before the executors start, so the device table needs no
 * lock: it is [I] afterwards. Configuration space writes after boot come
 * only from the driver that owns a function. The MSI vector allocator is
 * an atomic counter.
 */
#include "dev/pci.h"
#include "acpi/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "lib/kernel.h"
#include "mm/vm.h"

/* Configuration mechanism #1 (PCI 3.0 section 3.2.2.3.2) */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE 0x80000000u

/* ECAM (PCIe 4.0 section 7.2.2): 4 KiB per function, 32 devices x 8 functions per bus. */
#define ECAM_BUS_SHIFT 20
#define ECAM_DEV_SHIFT 15
#define ECAM_FN_SHIFT 12
#define ECAM_BUS_SIZE (1UL << ECAM_BUS_SHIFT)

#define PCI_SLOTS 32
#define PCI_FUNCTIONS 8
#define PCI_BUSES 256
#define PCI_CAP_WALK_MAX 48 /* a loop in a broken capability list stops here */

/* Class codes (PCI Code and ID Assignment 1.11, ch. 1) */
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04

bool virtio_blk_probe(struct pci_dev *d);
bool virtio_net_probe(struct pci_dev *d);

/* The driver-matching table: first match whose probe claims the function wins. */
static const struct pci_driver drivers[] = {
    {"virtio-blk", 0x1af4, 0x1042, virtio_blk_probe}, /* virtio 1.1 section 4.1.2: 0x1040 + 2 */
    {"virtio-net", 0x1af4, 0x1041, virtio_net_probe}, /* 0x1040 + 1 */
};

/*
 * Memory BARs the firmware left unassigned (QEMU's qboot with a PVH kernel
 * assigns none) get addresses from this window, between the ECAM area and
 * the I/O APIC on q35, above every BAR the firmware did assign.
 */
#define PCI_MEM_WINDOW_START 0xc0000000ul
#define PCI_MEM_WINDOW_END 0xfec00000ul /* I/O APIC, HPET, local APIC above */

static paddr_t mem_next = PCI_MEM_WINDOW_START; /* [I after boot] next free window address */

static struct pci_dev devs[PCI_MAX_DEVICES]; /* [I] */
static u32 ndevs;			     /* [I] */
static volatile u8 *ecam_bus[PCI_BUSES];     /* [I] mapped ECAM window per bus, NULL if none */
static bool use_ecam;			     /* [I] */
static u32 next_vector = VEC_MSI_BASE;	     /* [a] */

static volatile u8 *ecam_cfg(u8 bus, u8 dev, u8 fn)
{
	if (!ecam_bus[bus]) {
		if (bus < acpi.ecam_bus_start || bus > acpi.ecam_bus_end)
			return NULL;
		/* One bus (1 MiB) at a time: most of the 256 MiB window is never used. */
		ecam_bus[bus] =
		    mmio_map(acpi.ecam_addr + ((paddr_t)bus << ECAM_BUS_SHIFT), ECAM_BUS_SIZE);
		if (!ecam_bus[bus])
			return NULL;
	}
	return ecam_bus[bus] + ((u32)dev << ECAM_DEV_SHIFT) + ((u32)fn << ECAM_FN_SHIFT);
}

static u32 raw_read32(u8 bus, u8 dev, u8 fn, u16 off)
{
	if (use_ecam) {
		volatile u8 *c = ecam_cfg(bus, dev, fn);
		return c ? *(volatile u32 *)(c + (off & ~3u)) : 0xffffffffu;
	}
	if (off >= 256)
		return 0xffffffffu;
	outl(PCI_CONFIG_ADDRESS,
	     PCI_CONFIG_ENABLE | (u32)bus << 16 | (u32)dev << 11 | (u32)fn << 8 | (off & 0xfc));
	return inl(PCI_CONFIG_DATA);
}

static void raw_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 v)
{
	if (use_ecam) {
		volatile u8 *c = ecam_cfg(bus, dev, fn);
		if (c)
			*(volatile u32 *)(c + (off & ~3u)) = v;
		return;
	}
	if (off >= 256)
		return;
	outl(PCI_CONFIG_ADDRESS,
	     PCI_CONFIG_ENABLE | (u32)bus << 16 | (u32)dev << 11 | (u32)fn << 8 | (off & 0xfc));
	outl(PCI_CONFIG_DATA, v);
}

u32 pci_read32(const struct pci_dev *d, u16 off)
{
	return raw_read32(d->bus, d->dev, d->fn, off);
}

u16 pci_read16(const struct pci_dev *d, u16 off)
{
	return (u16)(pci_read32(d, off) >> ((off & 2) * 8));
}

u8 pci_read8(const struct pci_dev *d, u16 off)
{
	return (u8)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, u16 off, u32 v)
{
	raw_write32(d->bus, d->dev, d->fn, off, v);
}

void pci_write16(const struct pci_dev *d, u16 off, u16 v)
{
	/* Read-modify-write of the dword: the other half is written back unchanged. */
	u32 shift = (off & 2) * 8;
	u32 old = pci_read32(d, off);
	pci_write32(d, off, (old & ~(0xffffu << shift)) | ((u32)v << shift));
}

u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	u8 off = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAP_PTR);
	for (int n = 0; n < PCI_CAP_WALK_MAX && off >= 0x40; n++) {
		off &= ~3u; /* the low two bits are reserved (PCI 3.0 section 6.7) */
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

/* Give an unassigned memory BAR an address in the window (naturally aligned); boot core only. */
static void assign_bar(struct pci_dev *d, int i)
{
	struct pci_bar *b = &d->bar[i];
	paddr_t at = ALIGN_UP(mem_next, MAX(b->size, PAGE_SIZE));
	if (at + b->size > PCI_MEM_WINDOW_END || at + b->size < at) {
		pr_warn("pci: %02x:%02x.%u bar %d: no room for 0x%lx bytes\n", d->bus, d->dev,
			d->fn, i, b->size);
		return;
	}
	u16 reg = PCI_BAR0 + 4 * i;
	pci_write32(d, reg, (u32)at | (pci_read32(d, reg) & 0xf));
	if (b->is64)
		pci_write32(d, reg + 4, (u32)(at >> 32));
	b->base = at;
	mem_next = at + b->size;
	klog(LOG_DEBUG, "pci: %02x:%02x.%u bar %d assigned 0x%lx\n", d->bus, d->dev, d->fn, i, at);
}

void pci_enable(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	bool io_ok = true;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		if (b->size && !b->base && !b->io)
			assign_bar(d, i);
		if (b->size && !b->base && b->io)
			io_ok =
			    false; /* port 0 belongs to the DMA controller: never decode there */
	}
	pci_write16(d, PCI_COMMAND, io_ok ? cmd | PCI_COMMAND_IO : cmd);
}

void *pci_map_bar(struct pci_dev *d, int bar)
{
	if (bar < 0 || bar >= PCI_NUM_BARS || !d->bar[bar].base || d->bar[bar].io)
		return NULL;
	return mmio_map(d->bar[bar].base, d->bar[bar].size);
}

/*
 * Size the BARs by writing all ones and reading back which address bits
 * stick (PCI 3.0 section 6.2.5.1), with decoding off meanwhile so the
 * device does not answer at the all-ones address.
 */
static void read_bars(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		u16 reg = PCI_BAR0 + 4 * i;
		u32 lo = pci_read32(d, reg);
		pci_write32(d, reg, 0xffffffffu);
		u32 mlo = pci_read32(d, reg);
		pci_write32(d, reg, lo);
		struct pci_bar *b = &d->bar[i];
		if (lo & PCI_BAR_IO) {
			u64 mask = mlo & PCI_BAR_IO_MASK & 0xffff;
			b->io = true;
			b->base = lo & PCI_BAR_IO_MASK;
			b->size = mask ? (~mask + 1) & 0xffff : 0;
			continue;
		}
		u64 base = lo & PCI_BAR_MEM_MASK & 0xffffffffu;
		u64 mask = (u64)mlo & PCI_BAR_MEM_MASK & 0xffffffffu;
		if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && i + 1 < PCI_NUM_BARS) {
			u32 hi = pci_read32(d, reg + 4);
			pci_write32(d, reg + 4, 0xffffffffu);
			u32 mhi = pci_read32(d, reg + 4);
			pci_write32(d, reg + 4, hi);
			base |= (u64)hi << 32;
			mask |= (u64)mhi << 32;
			b->is64 = true;
		} else {
			mask |= 0xffffffff00000000ull; /* a 32-bit BAR decodes no high bits */
		}
		b->size = mlo ? ~mask + 1 : 0;
		b->base = b->size ? base : 0;
		if (b->is64)
			i++; /* the next register is this BAR's upper half */
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(u8 bus, int depth);

static void add_function(u8 bus, u8 dev, u8 fn)
{
	if (ndevs == PCI_MAX_DEVICES) {
		pr_warn("pci: more than %d functions; %02x:%02x.%u ignored\n", PCI_MAX_DEVICES, bus,
			dev, fn);
		return;
	}
	struct pci_dev *d = &devs[ndevs++];
	*d = (struct pci_dev){.bus = bus, .dev = dev, .fn = fn};
	u32 id = pci_read32(d, PCI_VENDOR_ID);
	d->vendor = (u16)id;
	d->device = (u16)(id >> 16);
	u32 cls = pci_read32(d, PCI_REVISION);
	d->rev = (u8)cls;
	d->prog_if = (u8)(cls >> 8);
	d->subclass = (u8)(cls >> 16);
	d->class = (u8)(cls >> 24);
	u8 htype = pci_read8(d, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	if (htype == 0) {
		read_bars(d);
		d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	}
	d->msix_cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (d->msix_cap)
		d->msix_size = (pci_read16(d, d->msix_cap + MSIX_CTRL) & MSIX_CTRL_SIZE_MASK) + 1;
	if (htype == PCI_HEADER_BRIDGE && d->class == PCI_CLASS_BRIDGE &&
	    d->subclass == PCI_SUBCLASS_PCI_BRIDGE) {
		u8 sec = pci_read8(d, PCI_SECONDARY_BUS);
		if (sec > bus)
			scan_bus(sec, 1);
	}
}

static void scan_bus(u8 bus, int depth)
{
	if (depth > 8) /* a firmware loop of bridges */
		return;
	for (u8 dev = 0; dev < PCI_SLOTS; dev++) {
		if ((u16)raw_read32(bus, dev, 0, PCI_VENDOR_ID) == 0xffff)
			continue;
		u8 nfn = (raw_read32(bus, dev, 0, PCI_HEADER_TYPE & ~3) >> 16) & PCI_HEADER_MULTIFN
			     ? PCI_FUNCTIONS
			     : 1;
		for (u8 fn = 0; fn < nfn; fn++)
			if ((u16)raw_read32(bus, dev, fn, PCI_VENDOR_ID) != 0xffff)
				add_function(bus, dev, fn);
	}
}

static void probe(struct pci_dev *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		const struct pci_driver *drv = &drivers[i];
		if ((drv->vendor != PCI_ANY_ID && drv->vendor != d->vendor) ||
		    (drv->device != PCI_ANY_ID && drv->device != d->device))
			continue;
		if (drv->probe(d)) {
			d->driver = drv->name;
			return;
		}
	}
}

void pci_init(void)
{
	use_ecam = acpi.ecam_addr != 0;
	scan_bus(use_ecam ? acpi.ecam_bus_start : 0, 0);
	for (u32 i = 0; i < ndevs; i++) {
		struct pci_dev *d = &devs[i];
		klog(LOG_DEBUG, "pci: %02x:%02x.%u %04x:%04x class %02x.%02x.%02x irq pin %u%s\n",
		     d->bus, d->dev, d->fn, d->vendor, d->device, d->class, d->subclass, d->prog_if,
		     d->irq_pin, d->msix_cap ? " msi-x" : "");
		for (int b = 0; b < PCI_NUM_BARS; b++)
			if (d->bar[b].size)
				klog(LOG_DEBUG, "pci:   bar %d: %s 0x%lx size 0x%lx%s\n", b,
				     d->bar[b].io ? "io" : "mem", d->bar[b].base, d->bar[b].size,
				     d->bar[b].is64 ? " 64-bit" : "");
	}
	/* New BAR addresses go above everything the firmware placed in the window. */
	for (u32 i = 0; i < ndevs; i++)
		for (int b = 0; b < PCI_NUM_BARS; b++) {
			struct pci_bar *bar = &devs[i].bar[b];
			if (!bar->io && bar->base >= PCI_MEM_WINDOW_START &&
			    bar->base < PCI_MEM_WINDOW_END)
				mem_next = MAX(mem_next, bar->base + bar->size);
		}
	for (u32 i = 0; i < ndevs; i++)
		probe(&devs[i]);
	pr_info("pci: %u functions through %s\n", ndevs, use_ecam ? "ECAM" : "port I/O");
}

u32 pci_count(void)
{
	return ndevs;
}

struct pci_dev *pci_get(u32 i)
{
	return i < ndevs ? &devs[i] : NULL;
}

bool pci_msix_enable(struct pci_dev *d)
{
	if (!d->msix_cap)
		return false;
	u32 tbl = pci_read32(d, d->msix_cap + MSIX_TABLE);
	int bir = tbl & MSIX_BIR_MASK;
	u32 off = tbl & ~MSIX_BIR_MASK;
	if (bir >= PCI_NUM_BARS || !d->bar[bir].base || d->bar[bir].io ||
	    off + (u64)d->msix_size * MSIX_ENTRY_SIZE > d->bar[bir].size)
		return false;
	d->msix_table = mmio_map(d->bar[bir].base + off, (size_t)d->msix_size * MSIX_ENTRY_SIZE);
	if (!d->msix_table)
		return false;
	/* Mask each entry before the function may use them (PCI 3.0 section 6.8.2.9). */
	for (u16 i = 0; i < d->msix_size; i++)
		*(volatile u32 *)(d->msix_table + i * MSIX_ENTRY_SIZE + MSIX_ENTRY_CTRL) =
		    MSIX_ENTRY_MASKED;
	u16 ctrl = pci_read16(d, d->msix_cap + MSIX_CTRL);
	pci_write16(d, d->msix_cap + MSIX_CTRL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_OFF);
	return true;
}

void pci_msix_set(struct pci_dev *d, u16 entry, u8 vector, u32 apic_id)
{
	assert(d->msix_table && entry < d->msix_size);
	volatile u8 *e = d->msix_table + entry * MSIX_ENTRY_SIZE;
	*(volatile u32 *)(e + MSIX_ENTRY_ADDR_LO) = MSI_ADDR_BASE | apic_id << MSI_ADDR_DEST_SHIFT;
	*(volatile u32 *)(e + MSIX_ENTRY_ADDR_HI) = 0;
	*(volatile u32 *)(e + MSIX_ENTRY_DATA) = vector; /* fixed delivery, edge */
	*(volatile u32 *)(e + MSIX_ENTRY_CTRL) = 0;	 /* unmask */
}

u8 pci_alloc_vector(void)
{
	u32 v = __atomic_fetch_add(&next_vector, 1, __ATOMIC_RELAXED);
	return v < VEC_MSI_END ? (u8)v : 0;
}

/*
 * INTx to GSI. Without an AML interpreter we cannot read the DSDT's _PRT,
 * so this assumes QEMU's q35 wiring in APIC mode: a device in slot s of
 * bus 0 (s < 24) raises pin p (0 = INTA#) on PIRQ E..H, rotated by slot,
 * and PIRQ A..H arrive at I/O APIC inputs 16..23, so the GSI is
 * 20 + (s + p) mod 4. Behind a bridge the swizzle (PCI-to-PCI bridge 1.2
 * section 9.1) moves the pin by the device number at each level; we only
 * handle bus 0 and say so.
 */
#define Q35_PIRQE_GSI 20
int pci_intx_gsi(const struct pci_dev *d)
{
	if (d->irq_pin < 1 || d->irq_pin > 4)
		return -1;
	if (d->bus != 0)
		pr_warn("pci: %02x:%02x.%u INTx behind a bridge: GSI is a guess\n", d->bus, d->dev,
			d->fn);
	return Q35_PIRQE_GSI + ((d->dev + d->irq_pin - 1) & 3);
}
