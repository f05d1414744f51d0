/*
 * ACPI tables (ACPI 6.4, ch. 5): RSDP -> RSDT/XSDT -> MADT (cores and
 * interrupt controllers), MCFG (PCI ECAM), HPET, FADT (power off, reset). Parsed
 * once at boot; read-only after. Missing or malformed tables are reported
 * and leave the machine with one CPU and no extras.
 *
 * Locks: everything here is [I] after acpi_init() on the boot core.
 */
#pragma once

#include "lib/types.h"

#define ACPI_MAX_CPUS    64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS    24
#define ACPI_MAX_NMIS    8
#define ACPI_UID_ALL     0xffffffffu /* a local APIC NMI entry for every processor */

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

/* MPS INTI flags (ACPI 6.4 table 5.26): polarity bits 1:0, trigger mode bits 3:2. */
#define ACPI_INTI_POLARITY_MASK 0x3
#define ACPI_INTI_POLARITY_HIGH 0x1
#define ACPI_INTI_POLARITY_LOW  0x3
#define ACPI_INTI_TRIGGER_MASK  0xc
#define ACPI_INTI_TRIGGER_EDGE  0x4
#define ACPI_INTI_TRIGGER_LEVEL 0xc

struct acpi_lapic_nmi { /* which LINT pin of a processor's local APIC is wired to NMI */
	u32 uid;      /* ACPI processor UID, or ACPI_UID_ALL */
	u8 lint;      /* 0 or 1 */
	u16 flags;    /* MPS INTI flags */
};

struct acpi_info {
	bool valid;             /* MADT found and sane */
	char why[96];           /* first problem met, for the console ("" if none) */
	u8 rsdp_revision;
	char oem[7];
	paddr_t lapic_addr;
	u32 cpu_apic_ids[ACPI_MAX_CPUS];
	u32 cpu_uids[ACPI_MAX_CPUS]; /* ACPI processor UIDs, parallel to cpu_apic_ids */
	bool cpu_enabled[ACPI_MAX_CPUS]; /* false: only online-capable (not running at boot) */
	u32 ncpus;              /* enabled (or online-capable) processors */
	u32 ncpus_enabled;      /* of those, enabled now: the ones SMP boot starts */
	u32 ncpus_listed;       /* usable ones the MADT listed, before the ACPI_MAX_CPUS cap */
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	u32 nioapics;
	struct acpi_iso iso[ACPI_MAX_ISOS];
	u32 nisos;
	struct acpi_lapic_nmi nmi[ACPI_MAX_NMIS];
	u32 nnmis;
	bool legacy_pics;       /* MADT PCAT_COMPAT: 8259s present */
	paddr_t hpet_addr;      /* 0 if none */
	paddr_t ecam_addr;      /* PCI ECAM base for segment 0, 0 if none */
	u8 ecam_bus_start, ecam_bus_end;
	bool fadt_found;
	bool hw_reduced;        /* FADT HW_REDUCED_ACPI: no PM1 blocks */
	u16 pm1a_cnt_port;      /* FADT PM1a control block, for S5 power off (0: none) */
	u16 pm1b_cnt_port;      /* 0 if none */
	u16 smi_cmd_port;       /* SMI command port to switch to ACPI mode (0: none) */
	u8 acpi_enable_value;   /* value written to smi_cmd_port for that */
	u16 slp_typa_s5;        /* SLP_TYPa for S5 from the \_S5 package, or 0xffff */
	u16 slp_typb_s5;        /* SLP_TYPb, or 0xffff */
	u16 reset_port;         /* FADT RESET_REG when supported and in I/O space (0: none) */
	u8 reset_value;         /* FADT RESET_VALUE, written there to reset the machine */
};

extern struct acpi_info acpi; /* [I after boot] */

/*
 * Find and parse the tables. rsdp is the loader's hint (0: search the EBDA
 * and BIOS area). Never fails hard: on bad tables acpi.valid stays false.
 */
void acpi_init(paddr_t rsdp);
/*
 * Parse from memory already mapped: the pure part, host-tested. rsdp points
 * at len readable bytes; map(pa, len) returns a pointer to len readable bytes
 * at physical pa, or NULL if that range cannot be read. Returns out->valid.
 */
bool acpi_parse_rsdp(const void *rsdp, size_t len, const void *(*map)(paddr_t pa, size_t len),
		     struct acpi_info *out);
/* Offset of the first RSDP (signature and checksum good) in an area, or -1. Pure. */
long acpi_scan_rsdp(const void *area, size_t len);
/* SLP_TYPa/b of the \_S5_ package in a DSDT/SSDT body (AML), false if not found. Pure. */
bool acpi_find_s5(const u8 *aml, size_t len, u16 *slp_typa, u16 *slp_typb);
/*
 * An ISA IRQ's global system interrupt and its polarity/trigger after the
 * MADT interrupt source overrides (identity, edge, active high when none).
 */
void acpi_isa_irq(const struct acpi_info *a, u8 irq, u32 *gsi, bool *active_low, bool *level);
/* Which LINT pin (0/1) of the processor with this APIC id takes NMIs, or -1. */
int acpi_lapic_nmi_lint(const struct acpi_info *a, u32 apic_id, u16 *flags);

/* Enter S5 through the FADT's PM1 control blocks; returns only if that failed. */
void acpi_poweroff(void);
/* Reset through the FADT's reset register; returns if there is none or it did nothing. */
void acpi_reset(void);
