/*
 * ACPI in the kernel: find the RSDP, hand it to the pure parser
 * (tables.c, madt.c) with a map() over the boot direct map, report what was
 * found in one line, power off through S5 and reset through the FADT.
 *
 * State: `acpi` is written once here on the boot core, [I] after.
 */
#include "acpi/acpi.h"
#include "arch/x86_64/io.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "mm/layout.h"

struct acpi_info acpi;

/* The boot page tables map physical 0..4 GiB (boot.S); ACPI tables lie below on PCs. */
#define BOOT_MAPPED_LIMIT (4UL << 30)

/*
 * Tables are read through the direct map. When mm lands this stays: ACPI
 * tables are ordinary (cacheable) memory; only device registers go through
 * mmio_map().
 */
static const void *acpi_map(paddr_t pa, size_t len)
{
	if (!pa || pa >= BOOT_MAPPED_LIMIT || len > BOOT_MAPPED_LIMIT - pa)
		return NULL;
	return phys_to_virt(pa);
}

/* BIOS areas searched for the RSDP when the loader gives none (ACPI 6.4 5.2.5.1). */
#define BDA_EBDA_SEGMENT 0x40e /* u16: EBDA segment, in the BIOS data area */
#define EBDA_SEARCH_LEN  1024  /* the first 1 KiB of the EBDA */
#define BIOS_AREA_START  0xe0000
#define BIOS_AREA_END    0x100000

static paddr_t find_rsdp(void)
{
	paddr_t ebda = (paddr_t)*(const volatile u16 *)phys_to_virt(BDA_EBDA_SEGMENT) << 4;
	/* A sane EBDA sits just under 640 KiB; anything else is junk in the BDA. */
	if (ebda >= 0x80000 && ebda < 0xa0000) {
		long off = acpi_scan_rsdp(phys_to_virt(ebda), EBDA_SEARCH_LEN);
		if (off >= 0)
			return ebda + (paddr_t)off;
	}
	long off = acpi_scan_rsdp(phys_to_virt(BIOS_AREA_START), BIOS_AREA_END - BIOS_AREA_START);
	return off >= 0 ? BIOS_AREA_START + (paddr_t)off : 0;
}

void acpi_init(paddr_t rsdp)
{
	const char *from = "loader";
	if (rsdp) {
		const void *p = acpi_map(rsdp, 36);
		if (!p || acpi_scan_rsdp(p, 36) != 0) {
			pr_warn("acpi: the loader's RSDP at 0x%lx is not valid; searching\n", rsdp);
			rsdp = 0;
		}
	}
	if (!rsdp) {
		rsdp = find_rsdp();
		from = "BIOS area";
	}
	if (!rsdp) {
		acpi.valid = false;
		acpi.slp_typa_s5 = acpi.slp_typb_s5 = 0xffff;
		pr_warn("acpi: no RSDP found (no ACPI tables): one CPU, no I/O APIC, no HPET\n");
		return;
	}
	/* The RSDP is 20 or 36 bytes; the parser checks how much it may read. */
	acpi_parse_rsdp(acpi_map(rsdp, 36), 36, acpi_map, &acpi);
	if (!acpi.valid) {
		pr_warn("acpi: tables unusable (%s): one CPU, no I/O APIC\n", acpi.why);
		return;
	}
	if (acpi.pm1a_cnt_port && acpi.slp_typa_s5 != 0xffff && !acpi.hw_reduced)
		machine_poweroff_hook = acpi_poweroff;
	pr_info("acpi: RSDP rev %u (%s) at 0x%lx, oem '%s': %u cpus (+%u online-capable), "
		"%u I/O APIC, %u overrides, lapic 0x%lx, hpet 0x%lx, ecam 0x%lx, S5 %s, reset %s\n",
		acpi.rsdp_revision, from, rsdp, acpi.oem, acpi.ncpus_enabled,
		acpi.ncpus - acpi.ncpus_enabled, acpi.nioapics, acpi.nisos,
		(u64)acpi.lapic_addr, (u64)acpi.hpet_addr, (u64)acpi.ecam_addr,
		acpi.slp_typa_s5 != 0xffff ? "yes" : "no", acpi.reset_port ? "yes" : "no");
}

void acpi_reset(void)
{
	if (!acpi.reset_port)
		return;
	outb(acpi.reset_port, acpi.reset_value);
	for (u32 i = 0; i < 1000000; i++)
		cpu_relax();
}

/* PM1 control register bits (ACPI 6.4 4.8.3.2.1, table 4.13). */
#define PM1_SCI_EN      (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN      (1u << 13)

void acpi_poweroff(void)
{
	if (!acpi.pm1a_cnt_port || acpi.slp_typa_s5 == 0xffff || acpi.hw_reduced)
		return;
	/*
	 * Firmware in legacy mode must be asked to switch to ACPI mode first
	 * (ACPI 6.4 4.8.2.5): write ACPI_ENABLE to SMI_CMD, wait for SCI_EN.
	 * Bounded wait: we are on our way down, never hang here.
	 */
	if (!(inw(acpi.pm1a_cnt_port) & PM1_SCI_EN) && acpi.smi_cmd_port && acpi.acpi_enable_value) {
		outb(acpi.smi_cmd_port, acpi.acpi_enable_value);
		for (u32 i = 0; i < 1000000 && !(inw(acpi.pm1a_cnt_port) & PM1_SCI_EN); i++)
			cpu_relax();
	}
	u16 a = (inw(acpi.pm1a_cnt_port) & ~PM1_SLP_TYP_MASK) |
		(acpi.slp_typa_s5 << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN;
	if (acpi.pm1b_cnt_port) {
		u16 b = (inw(acpi.pm1b_cnt_port) & ~PM1_SLP_TYP_MASK) |
			(acpi.slp_typb_s5 << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN;
		outw(acpi.pm1b_cnt_port, b);
	}
	outw(acpi.pm1a_cnt_port, a);
	for (u32 i = 0; i < 1000000; i++)
		cpu_relax();
	kprintf("acpi: S5 power off did not take effect\n");
}
