/*
 * The MADT (ACPI 6.4 5.2.12, "Multiple APIC Description Table"): which
 * processors exist and their local APIC ids, the I/O APICs and the GSIs
 * they serve, how ISA IRQs are rewired (interrupt source overrides), which
 * LINT pin carries NMI, and where the local APIC registers live. Pure: it
 * reads a validated table and fills the caller's struct acpi_info; a bad
 * entry is reported and parsing keeps what came before it.
 */
#include "acpi/tables.h"

#define MADT_LAPIC_ADDR  36
#define MADT_FLAGS       40
#define MADT_PCAT_COMPAT (1u << 0) /* 8259 pair present */
#define MADT_ENTRIES     44

/* Interrupt controller structure types (ACPI 6.4 table 5.21) and their lengths. */
enum {
	MADT_LAPIC = 0,          /* 8 bytes: uid u8 @2, apic id u8 @3, flags u32 @4 */
	MADT_IOAPIC = 1,         /* 12 bytes: id u8 @2, address u32 @4, gsi base u32 @8 */
	MADT_ISO = 2,            /* 10 bytes: bus u8 @2, source u8 @3, gsi u32 @4, flags u16 @8 */
	MADT_NMI_SOURCE = 3,     /* 8 bytes: not used (no NMI-wired GSIs on PCs we know) */
	MADT_LAPIC_NMI = 4,      /* 6 bytes: uid u8 @2, flags u16 @3, lint u8 @5 */
	MADT_LAPIC_OVERRIDE = 5, /* 12 bytes: address u64 @4 */
	MADT_X2APIC = 9,         /* 16 bytes: x2apic id u32 @4, flags u32 @8, uid u32 @12 */
	MADT_X2APIC_NMI = 10,    /* 12 bytes: flags u16 @2, uid u32 @4, lint u8 @8 */
};

/* Local APIC flags (ACPI 6.4 table 5.23). */
#define LAPIC_ENABLED        (1u << 0)
#define LAPIC_ONLINE_CAPABLE (1u << 1)

static u8 min_len(u8 type)
{
	switch (type) {
	case MADT_LAPIC: return 8;
	case MADT_IOAPIC: return 12;
	case MADT_ISO: return 10;
	case MADT_LAPIC_NMI: return 6;
	case MADT_LAPIC_OVERRIDE: return 12;
	case MADT_X2APIC: return 16;
	case MADT_X2APIC_NMI: return 12;
	default: return 2; /* types we skip */
	}
}

static void add_cpu(struct acpi_info *out, u32 apic_id, u32 uid, u32 flags)
{
	if (!(flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE)))
		return; /* firmware says this processor cannot be used */
	if (apic_id == 0xffffffffu) {
		acpi_problem(out, "MADT processor uid %u has an invalid APIC id", uid);
		return;
	}
	for (u32 i = 0; i < out->ncpus; i++) {
		if (out->cpu_apic_ids[i] == apic_id) {
			/* An x2APIC entry may repeat a local APIC one: same core. */
			return;
		}
	}
	out->ncpus_listed++;
	if (out->ncpus == ACPI_MAX_CPUS) {
		if (out->ncpus_listed == ACPI_MAX_CPUS + 1)
			acpi_problem(out, "MADT lists more than %u processors; using the first %u",
				     ACPI_MAX_CPUS, ACPI_MAX_CPUS);
		return;
	}
	out->cpu_apic_ids[out->ncpus] = apic_id;
	out->cpu_uids[out->ncpus] = uid;
	out->cpu_enabled[out->ncpus] = flags & LAPIC_ENABLED;
	out->ncpus_enabled += (flags & LAPIC_ENABLED) != 0;
	out->ncpus++;
}

static void add_ioapic(struct acpi_info *out, const u8 *e)
{
	u32 addr = rd32(e + 4);
	if (!addr || (addr & 0xf)) {
		acpi_problem(out, "MADT I/O APIC %u has a bad address 0x%x", rd8(e + 2), addr);
		return;
	}
	if (out->nioapics == ACPI_MAX_IOAPICS) {
		acpi_problem(out, "MADT lists more than %u I/O APICs; ignoring the rest",
			     ACPI_MAX_IOAPICS);
		return;
	}
	out->ioapic[out->nioapics++] = (struct acpi_ioapic){
	    .id = rd8(e + 2), .addr = addr, .gsi_base = rd32(e + 8)};
}

static void add_iso(struct acpi_info *out, const u8 *e)
{
	u8 bus = rd8(e + 2), irq = rd8(e + 3);
	if (bus != 0 || irq >= 16) {
		acpi_problem(out, "MADT interrupt override for bus %u IRQ %u is not ISA; ignored",
			     bus, irq);
		return;
	}
	if (out->nisos == ACPI_MAX_ISOS) {
		acpi_problem(out, "MADT lists more than %u interrupt overrides; ignoring the rest",
			     ACPI_MAX_ISOS);
		return;
	}
	out->iso[out->nisos++] = (struct acpi_iso){.irq = irq, .gsi = rd32(e + 4),
						   .flags = rd16(e + 8)};
}

static void add_nmi(struct acpi_info *out, u32 uid, u16 flags, u8 lint)
{
	if (lint > 1) {
		acpi_problem(out, "MADT local APIC NMI names LINT%u; ignored", lint);
		return;
	}
	if (out->nnmis == ACPI_MAX_NMIS) {
		acpi_problem(out, "MADT lists more than %u local APIC NMIs; ignoring the rest",
			     ACPI_MAX_NMIS);
		return;
	}
	out->nmi[out->nnmis++] = (struct acpi_lapic_nmi){.uid = uid, .lint = lint, .flags = flags};
}

bool acpi_parse_madt(const u8 *t, u32 len, struct acpi_info *out)
{
	if (len < MADT_ENTRIES) {
		acpi_problem(out, "MADT too short (%u bytes)", len);
		return false;
	}
	out->lapic_addr = rd32(t + MADT_LAPIC_ADDR);
	out->legacy_pics = rd32(t + MADT_FLAGS) & MADT_PCAT_COMPAT;
	for (u32 off = MADT_ENTRIES; off < len;) {
		const u8 *e = t + off;
		if (len - off < 2) {
			acpi_problem(out, "MADT has %u stray bytes at its end", len - off);
			break;
		}
		u8 type = e[0], elen = e[1];
		if (elen < 2 || elen > len - off) {
			acpi_problem(out,
				     "MADT entry at offset %u (type %u) has length %u, table ends at "
				     "%u; ignoring the rest",
				     off, type, elen, len);
			break;
		}
		off += elen;
		if (elen < min_len(type)) {
			acpi_problem(out, "MADT entry type %u is %u bytes, too short; skipped", type,
				     elen);
			continue;
		}
		switch (type) {
		case MADT_LAPIC:
			/* xAPIC id 0xff is the broadcast address, never a core. */
			if (rd8(e + 3) != 0xff)
				add_cpu(out, rd8(e + 3), rd8(e + 2), rd32(e + 4));
			break;
		case MADT_X2APIC:
			add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8));
			break;
		case MADT_IOAPIC:
			add_ioapic(out, e);
			break;
		case MADT_ISO:
			add_iso(out, e);
			break;
		case MADT_LAPIC_NMI:
			add_nmi(out, rd8(e + 2) == 0xff ? ACPI_UID_ALL : rd8(e + 2), rd16(e + 3),
				rd8(e + 5));
			break;
		case MADT_X2APIC_NMI:
			add_nmi(out, rd32(e + 4), rd16(e + 2), rd8(e + 8));
			break;
		case MADT_LAPIC_OVERRIDE:
			if (rd64(e + 4))
				out->lapic_addr = rd64(e + 4);
			break;
		}
	}
	if (!out->lapic_addr || (out->lapic_addr & 0xfff)) {
		acpi_problem(out, "MADT local APIC address 0x%lx is unusable", (u64)out->lapic_addr);
		return false;
	}
	if (!out->ncpus) {
		acpi_problem(out, "MADT lists no usable processor");
		return false;
	}
	return true;
}

void acpi_isa_irq(const struct acpi_info *a, u8 irq, u32 *gsi, bool *active_low, bool *level)
{
	/* ISA interrupts "conform to the bus": edge-triggered, active high (ACPI 6.4 5.2.12.5). */
	*gsi = irq;
	*active_low = false;
	*level = false;
	for (u32 i = 0; i < a->nisos; i++) {
		if (a->iso[i].irq != irq)
			continue;
		*gsi = a->iso[i].gsi;
		*active_low = (a->iso[i].flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW;
		*level = (a->iso[i].flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL;
		return;
	}
}

int acpi_lapic_nmi_lint(const struct acpi_info *a, u32 apic_id, u16 *flags)
{
	u32 uid = ACPI_UID_ALL;
	for (u32 i = 0; i < a->ncpus; i++)
		if (a->cpu_apic_ids[i] == apic_id)
			uid = a->cpu_uids[i];
	for (u32 i = 0; i < a->nnmis; i++) {
		if (a->nmi[i].uid == ACPI_UID_ALL || (uid != ACPI_UID_ALL && a->nmi[i].uid == uid)) {
			*flags = a->nmi[i].flags;
			return a->nmi[i].lint;
		}
	}
	return -1;
}
