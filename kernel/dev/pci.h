/*
 * PCI (PCI Local Bus 3.0, PCI Express Base 4.0 ch. 7): enumeration at
 * boot through ECAM (the ACPI MCFG table) or, without it, configuration
 * mechanism #1 (ports 0xCF8/0xCFC); one struct pci_dev per function with
 * its ids, class and sized BARs; capability walks; MSI-X programming; and
 * a small table that hands each function to the driver that matches it.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after pci_init() (boot core, before the executors start)
 *  d  the driver that claimed the device (config space writes after boot)
 */
#pragma once

#include "lib/types.h"

/* Configuration space header, type 0 and 1 (PCI 3.0 section 6.1) */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_PROG_IF 0x09
#define PCI_SUBCLASS 0x0a
#define PCI_CLASS 0x0b
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d /* 0: none, 1..4: INTA#..INTD# */

#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_OFF (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_HEADER_MULTIFN 0x80
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_BRIDGE 0x01

/* Base address registers (PCI 3.0 section 6.2.5.1) */
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM_TYPE_MASK 0x6
#define PCI_BAR_MEM_TYPE_64 0x4
#define PCI_BAR_PREFETCH 0x8
#define PCI_BAR_MEM_MASK (~0xfull)
#define PCI_BAR_IO_MASK (~0x3ull)

/* Capability ids (PCI Code and ID Assignment 1.11, ch. 2) */
#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09 /* virtio's transport structures live here */
#define PCI_CAP_MSIX 0x11

/* MSI-X capability (PCI 3.0 section 6.8.2) */
#define MSIX_CTRL 0x02
#define MSIX_CTRL_SIZE_MASK 0x07ff /* table size - 1 */
#define MSIX_CTRL_MASKALL (1u << 14)
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_TABLE 0x04 /* BIR in bits 2:0, offset in the rest */
#define MSIX_BIR_MASK 0x7
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0x0
#define MSIX_ENTRY_ADDR_HI 0x4
#define MSIX_ENTRY_DATA 0x8
#define MSIX_ENTRY_CTRL 0xc
#define MSIX_ENTRY_MASKED 0x1

/* MSI messages to a local APIC (Intel SDM 3A section 11.11): fixed, edge, physical. */
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12

#define PCI_MAX_DEVICES 64
#define PCI_NUM_BARS 6

struct pci_bar {
	paddr_t base; /* [I] 0 if the BAR is unused or unassigned */
	u64 size;     /* [I] bytes decoded */
	bool io;      /* [I] port I/O rather than memory */
	bool is64;    /* [I] takes this and the next BAR register */
};

struct pci_dev {
	u8 bus, dev, fn;		  /* [I] */
	u16 vendor, device;		  /* [I] */
	u8 class, subclass, prog_if, rev; /* [I] */
	u8 irq_pin;			  /* [I] 1..4 = INTA#..INTD#, 0 none */
	u8 msix_cap;			  /* [I] offset of the MSI-X capability, 0 none */
	u16 msix_size;			  /* [I] MSI-X table entries */
	volatile u8 *msix_table;	  /* [d] mapped on pci_msix_enable */
	struct pci_bar bar[PCI_NUM_BARS]; /* [I] */
	const char *driver;		  /* [I] who claimed it, NULL if nobody */
};

/* A driver: the ids it takes (PCI_ANY_ID matches all) and its probe, which returns true if it
 * claimed the function. */
#define PCI_ANY_ID 0xffff
struct pci_driver {
	const char *name;
	u16 vendor, device;
	bool (*probe)(struct pci_dev *d);
};

/* Boot core, after mm_init, acpi_init and ioapic_init: find every function and probe drivers. */
void pci_init(void);
u32 pci_count(void);
struct pci_dev *pci_get(u32 i);

/* Configuration space access; off < 4096 with ECAM, < 256 with port I/O. */
u32 pci_read32(const struct pci_dev *d, u16 off);
u16 pci_read16(const struct pci_dev *d, u16 off);
u8 pci_read8(const struct pci_dev *d, u16 off);
void pci_write32(const struct pci_dev *d, u16 off, u32 v);
void pci_write16(const struct pci_dev *d, u16 off, u16 v);

/* Offset of the first capability with this id after `after` (0: from the start), or 0. */
u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after);
/* Turn on memory/IO decoding and bus mastering (DMA). */
void pci_enable(struct pci_dev *d);
/* Map a memory BAR (uncached); NULL if it is unused, port I/O or unmappable. */
void *pci_map_bar(struct pci_dev *d, int bar);

/*
 * MSI-X: map the table, mask every entry and enable the capability with
 * INTx off. pci_msix_set points entry `entry` at `vector` on the local
 * APIC `apic_id` and unmasks it. False when the device has no MSI-X.
 */
bool pci_msix_enable(struct pci_dev *d);
void pci_msix_set(struct pci_dev *d, u16 entry, u8 vector, u32 apic_id);
/* A vector from the range kept for MSI/MSI-X (apic.h); 0 when none is left. */
u8 pci_alloc_vector(void);
/*
 * The global system interrupt INTx of this function arrives on, for the
 * I/O APIC. Assumes QEMU's q35 routing (see pci.c); -1 if no pin.
 */
int pci_intx_gsi(const struct pci_dev *d);
