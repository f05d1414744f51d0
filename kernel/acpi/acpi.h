/*
 * ACPI tables (ACPI 6.4, ch. 5): RSDP -> RSDT/XSDT -> MADT (cores and
 * interrupt controllers), MCFG (PCI ECAM), HPET, FADT (power off). Parsed
 * once at boot; read-only after. Missing or malformed tables are reported
 * and leave the machine with one CPU and no extras.
 */
#pragma once

#include "lib/types.h"

#define ACPI_MAX_CPUS    64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS    24

struct acpi_ioapic {
	u32 id;
	paddr_t addr;
	u32 gsi_base;
};

struct acpi_iso { /* interrupt source override */
	u8 irq;       /* ISA IRQ */
	u32 gsi;
	u16 flags;    /* MPS INTI flags: polarity, trigger */
};

struct acpi_info {
	bool valid;             /* MADT found and sane */
	paddr_t lapic_addr;
	u32 cpu_apic_ids[ACPI_MAX_CPUS];
	u32 ncpus;              /* enabled (or online-capable) processors */
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	u32 nioapics;
	struct acpi_iso iso[ACPI_MAX_ISOS];
	u32 nisos;
	bool legacy_pics;       /* MADT PCAT_COMPAT: 8259s present */
	paddr_t hpet_addr;      /* 0 if none */
	paddr_t ecam_addr;      /* PCI ECAM base for segment 0, 0 if none */
	u8 ecam_bus_start, ecam_bus_end;
	u16 pm1a_cnt_port;      /* FADT PM1a control block, for S5 power off */
	u16 slp_typa_s5;        /* SLP_TYPa for S5 from the \_S5 package, or 0xffff */
};

extern struct acpi_info acpi; /* [I after boot] */

/*
 * Find and parse the tables. rsdp is the loader's hint (0: search the EBDA
 * and BIOS area). Never fails hard: on bad tables acpi.valid stays false.
 */
void acpi_init(paddr_t rsdp);
/* Parse from memory already mapped: the pure part, host-tested. */
bool acpi_parse_rsdp(const void *rsdp, size_t len, const void *(*map)(paddr_t pa, size_t len),
		     struct acpi_info *out);
void acpi_poweroff(void);
