/*
 * Host tests for the pure ACPI parsers (kernel/acpi/tables.c, madt.c).
 * Tables are built in a fake physical memory; map() hands the parser an
 * exact-size heap copy of each range it asks for, so AddressSanitizer
 * catches any read past what the parser was entitled to. Malformed tables
 * must never crash: the result is invalid or partial, with a message.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

extern char acpi_shim_log[];
void acpi_shim_log_reset(void);

#define MEM_SIZE (1u << 20)
static u8 mem[MEM_SIZE];

/* Every map() result is an exact-size copy, freed after the parse. */
static void *copies[4096];
static int ncopies;

static const void *strict_map(paddr_t pa, size_t len)
{
	if (!pa || pa >= MEM_SIZE || len > MEM_SIZE - pa)
		return NULL;
	ck_assert_int_lt(ncopies, (int)(sizeof copies / sizeof copies[0]));
	void *c = malloc(len ? len : 1);
	memcpy(c, mem + pa, len);
	copies[ncopies++] = c;
	return c;
}

static void free_copies(void)
{
	while (ncopies)
		free(copies[--ncopies]);
}

/* Layout of the standard machine. */
enum {
	RSDP_PA = 0xe0000, RSDT_PA = 0x1000, XSDT_PA = 0x1400, MADT_PA = 0x2000,
	FADT_PA = 0x8000, DSDT_PA = 0x9000, HPET_PA = 0xa000, MCFG_PA = 0xb000,
};

static void w8(u32 pa, u8 v) { mem[pa] = v; }
static void w16(u32 pa, u16 v) { memcpy(mem + pa, &v, 2); }
static void w32(u32 pa, u32 v) { memcpy(mem + pa, &v, 4); }
static void w64(u32 pa, u64 v) { memcpy(mem + pa, &v, 8); }
static u32 r32(u32 pa) { u32 v; memcpy(&v, mem + pa, 4); return v; }

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;
	while (n--)
		s += *p++;
	return s;
}

static void hdr(u32 pa, const char *sig, u32 len)
{
	memcpy(mem + pa, sig, 4);
	w32(pa + 4, len);
	w8(pa + 8, 2);
	memcpy(mem + pa + 10, "FERRY ", 6);
}

/* Make the table's checksum right (after its contents are final). */
static void fix(u32 pa)
{
	mem[pa + 9] = 0;
	mem[pa + 9] = (u8)-sum(mem + pa, r32(pa + 4));
}

static void rsdp(int rev, u32 rsdt, u64 xsdt)
{
	memset(mem + RSDP_PA, 0, 36);
	memcpy(mem + RSDP_PA, "RSD PTR ", 8);
	memcpy(mem + RSDP_PA + 9, "FERRY ", 6);
	w8(RSDP_PA + 15, (u8)rev);
	w32(RSDP_PA + 16, rsdt);
	w32(RSDP_PA + 20, 36);
	w64(RSDP_PA + 24, xsdt);
	mem[RSDP_PA + 8] = (u8)-sum(mem + RSDP_PA, 20);
	mem[RSDP_PA + 32] = (u8)-sum(mem + RSDP_PA, 36);
}

static void root(u32 pa, bool x, const u32 *tables, int n)
{
	hdr(pa, x ? "XSDT" : "RSDT", 36 + n * (x ? 8 : 4));
	for (int i = 0; i < n; i++) {
		if (x)
			w64(pa + 36 + i * 8, tables[i]);
		else
			w32(pa + 36 + i * 4, tables[i]);
	}
	fix(pa);
}

/* MADT builder: entries appended at madt_end. */
static u32 madt_end;

static void madt_begin(void)
{
	memset(mem + MADT_PA, 0, 0x4000);
	hdr(MADT_PA, "APIC", 44);
	w32(MADT_PA + 36, 0xfee00000);
	w32(MADT_PA + 40, 1);
	madt_end = MADT_PA + 44;
}
static void madt_entry(const u8 *e, u8 len)
{
	memcpy(mem + madt_end, e, len);
	madt_end += len;
}
static void madt_lapic(u8 uid, u8 id, u32 flags)
{
	u8 e[8] = {0, 8, uid, id};
	memcpy(e + 4, &flags, 4);
	madt_entry(e, 8);
}
static void madt_x2apic(u32 id, u32 uid, u32 flags)
{
	u8 e[16] = {9, 16};
	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	madt_entry(e, 16);
}
static void madt_ioapic(u8 id, u32 addr, u32 gsi)
{
	u8 e[12] = {1, 12, id};
	memcpy(e + 4, &addr, 4);
	memcpy(e + 8, &gsi, 4);
	madt_entry(e, 12);
}
static void madt_iso(u8 irq, u32 gsi, u16 flags)
{
	u8 e[10] = {2, 10, 0, irq};
	memcpy(e + 4, &gsi, 4);
	memcpy(e + 8, &flags, 2);
	madt_entry(e, 10);
}
static void madt_nmi(u8 uid, u16 flags, u8 lint)
{
	u8 e[6] = {4, 6, uid};
	memcpy(e + 3, &flags, 2);
	e[5] = lint;
	madt_entry(e, 6);
}
static void madt_finish(void)
{
	w32(MADT_PA + 4, madt_end - MADT_PA);
	fix(MADT_PA);
}

/* A DSDT whose body is Name(\_S5_, Package(4){0x05, 0x05, 0, 0}) between some noise. */
static const u8 s5_aml[] = {0x10, 0x05, '_', 'S', 'B', '_', 0x08, '\\', '_', 'S', '5', '_',
			    0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00};

static void fadt(void)
{
	memset(mem + FADT_PA, 0, 276);
	hdr(FADT_PA, "FACP", 276);
	w32(FADT_PA + 40, DSDT_PA);
	w32(FADT_PA + 48, 0xb2);
	w8(FADT_PA + 52, 0xf1);
	w32(FADT_PA + 64, 0x604);
	fix(FADT_PA);
	hdr(DSDT_PA, "DSDT", 36 + sizeof s5_aml);
	memcpy(mem + DSDT_PA + 36, s5_aml, sizeof s5_aml);
	fix(DSDT_PA);
}

static void hpet(void)
{
	memset(mem + HPET_PA, 0, 56);
	hdr(HPET_PA, "HPET", 56);
	w8(HPET_PA + 40, 0);
	w64(HPET_PA + 44, 0xfed00000);
	fix(HPET_PA);
}

static void mcfg(void)
{
	memset(mem + MCFG_PA, 0, 60);
	hdr(MCFG_PA, "MCFG", 60);
	w64(MCFG_PA + 44, 0xb0000000);
	w16(MCFG_PA + 52, 0);
	w8(MCFG_PA + 54, 0);
	w8(MCFG_PA + 55, 255);
	fix(MCFG_PA);
}

static const u32 std_tables[] = {FADT_PA, MADT_PA, HPET_PA, MCFG_PA};

/* QEMU q35-like machine with ncpu processors; RSDP v2 with XSDT and RSDT. */
static void standard(int ncpu)
{
	memset(mem, 0, MEM_SIZE);
	madt_begin();
	for (int i = 0; i < ncpu; i++)
		madt_lapic((u8)i, (u8)i, 1);
	madt_ioapic(0, 0xfec00000, 0);
	madt_iso(0, 2, 0);
	madt_iso(9, 9, 0xd);
	madt_nmi(0xff, 0, 1);
	madt_finish();
	fadt();
	hpet();
	mcfg();
	root(RSDT_PA, false, std_tables, 4);
	root(XSDT_PA, true, std_tables, 4);
	rsdp(2, RSDT_PA, XSDT_PA);
}

static struct acpi_info info;

static bool parse(void)
{
	acpi_shim_log_reset();
	const void *r = strict_map(RSDP_PA, 36);
	bool ok = acpi_parse_rsdp(r, 36, strict_map, &info);
	free_copies();
	ck_assert(ok == info.valid);
	/* Whatever the input, the counts stay within their arrays. */
	ck_assert_uint_le(info.ncpus, ACPI_MAX_CPUS);
	ck_assert_uint_le(info.nioapics, ACPI_MAX_IOAPICS);
	ck_assert_uint_le(info.nisos, ACPI_MAX_ISOS);
	ck_assert_uint_le(info.nnmis, ACPI_MAX_NMIS);
	ck_assert(memchr(info.why, 0, sizeof info.why));
	return ok;
}

#define ck_log_has(s) ck_assert_msg(strstr(acpi_shim_log, s), "log lacks '%s': %s", s, acpi_shim_log)

START_TEST(good_v2)
{
	standard(4);
	ck_assert(parse());
	ck_assert_str_eq(info.why, "");
	ck_assert_uint_eq(info.rsdp_revision, 2);
	ck_assert_uint_eq(info.ncpus, 4);
	for (u32 i = 0; i < 4; i++)
		ck_assert_uint_eq(info.cpu_apic_ids[i], i);
	ck_assert_uint_eq(info.lapic_addr, 0xfee00000);
	ck_assert(info.legacy_pics);
	ck_assert_uint_eq(info.nioapics, 1);
	ck_assert_uint_eq(info.ioapic[0].addr, 0xfec00000);
	ck_assert_uint_eq(info.nisos, 2);
	ck_assert_uint_eq(info.hpet_addr, 0xfed00000);
	ck_assert_uint_eq(info.ecam_addr, 0xb0000000);
	ck_assert_uint_eq(info.ecam_bus_end, 255);
	ck_assert(info.fadt_found);
	ck_assert_uint_eq(info.pm1a_cnt_port, 0x604);
	ck_assert_uint_eq(info.smi_cmd_port, 0xb2);
	ck_assert_uint_eq(info.slp_typa_s5, 5);
	ck_assert_uint_eq(info.slp_typb_s5, 5);
	ck_assert_str_eq(info.oem, "FERRY ");
}
END_TEST

START_TEST(good_v1_rsdt_only)
{
	standard(2);
	rsdp(0, RSDT_PA, 0);
	memset(mem + XSDT_PA, 0, 64); /* no XSDT at all */
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, 2);
	ck_assert_str_eq(info.why, "");
}
END_TEST

START_TEST(xsdt_preferred)
{
	standard(2);
	/* The RSDT lists nothing; only the XSDT has the MADT. */
	root(RSDT_PA, false, NULL, 0);
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, 2);
}
END_TEST

START_TEST(rsdp_bad_checksum)
{
	standard(2);
	mem[RSDP_PA + 8]++;
	ck_assert(!parse());
	ck_log_has("RSDP");
	ck_assert(strstr(info.why, "RSDP"));
}
END_TEST

START_TEST(rsdp_bad_signature_and_short)
{
	standard(2);
	acpi_shim_log_reset();
	ck_assert(!acpi_parse_rsdp(NULL, 0, strict_map, &info));
	const void *r = strict_map(RSDP_PA, 10);
	ck_assert(!acpi_parse_rsdp(r, 10, strict_map, &info));
	free_copies();
	mem[RSDP_PA] = 'X';
	ck_assert(!parse());
}
END_TEST

START_TEST(rsdp_v2_bad_extended_checksum)
{
	standard(2);
	mem[RSDP_PA + 32]++;
	ck_assert(parse());
	ck_log_has("extended checksum");
	ck_assert_uint_eq(info.ncpus, 2);
}
END_TEST

START_TEST(rsdp_v2_bad_length)
{
	standard(2);
	w32(RSDP_PA + 20, 0xffffffff);
	mem[RSDP_PA + 32] = 0;
	mem[RSDP_PA + 32] = (u8)-sum(mem + RSDP_PA, 36);
	ck_assert(parse()); /* falls back to the RSDT */
	ck_log_has("length");
}
END_TEST

START_TEST(xsdt_bad_checksum_falls_back)
{
	standard(3);
	mem[XSDT_PA + 40]++;
	ck_assert(parse());
	ck_log_has("XSDT");
	ck_assert_uint_eq(info.ncpus, 3);
}
END_TEST

START_TEST(xsdt_above_4g_falls_back)
{
	standard(3);
	rsdp(2, RSDT_PA, 0x100000000ull);
	ck_assert(parse());
	ck_log_has("cannot be read");
}
END_TEST

START_TEST(rsdt_truncated)
{
	standard(2);
	rsdp(0, RSDT_PA, 0);
	w32(RSDT_PA + 4, 20);
	fix(RSDT_PA);
	ck_assert(!parse());
	ck_log_has("impossible length");
}
END_TEST

START_TEST(rsdt_huge_length)
{
	standard(2);
	rsdp(0, RSDT_PA, 0);
	w32(RSDT_PA + 4, 0xfffffff0);
	ck_assert(!parse());
	ck_log_has("RSDT");
}
END_TEST

START_TEST(rsdt_past_end_of_memory)
{
	standard(2);
	u32 pa = MEM_SIZE - 40;
	hdr(pa, "RSDT", 44);
	rsdp(0, pa, 0);
	ck_assert(!parse());
	ck_log_has("runs past");
}
END_TEST

START_TEST(root_entries_garbage)
{
	standard(2);
	u32 t[] = {0, MEM_SIZE - 8, 0xffffffff, DSDT_PA + 1, MADT_PA};
	root(RSDT_PA, false, t, 5);
	rsdp(0, RSDT_PA, 0);
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, 2);
	ck_log_has("cannot be read");
}
END_TEST

START_TEST(root_absurd_count)
{
	standard(2);
	/* An RSDT of 100000 null entries, all in memory: capped, never walked in full. */
	hdr(0x20000, "RSDT", 36 + 100000 * 4);
	memset(mem + 0x20000 + 36, 0, 400000);
	fix(0x20000);
	rsdp(0, 0x20000, 0);
	ck_assert(!parse());
	ck_log_has("only the first");
	ck_assert(strstr(acpi_shim_log, "no valid MADT"));
}
END_TEST

START_TEST(no_madt)
{
	standard(2);
	u32 t[] = {FADT_PA, HPET_PA};
	root(RSDT_PA, false, t, 2);
	root(XSDT_PA, true, t, 2);
	ck_assert(!parse());
	ck_log_has("no valid MADT");
	/* The rest is still read. */
	ck_assert_uint_eq(info.hpet_addr, 0xfed00000);
	ck_assert_uint_eq(info.pm1a_cnt_port, 0x604);
}
END_TEST

START_TEST(madt_bad_checksum)
{
	standard(2);
	mem[MADT_PA + 50]++;
	ck_assert(!parse());
	ck_log_has("bad checksum");
	ck_assert(strstr(info.why, "APIC"));
}
END_TEST

START_TEST(madt_too_short)
{
	standard(2);
	w32(MADT_PA + 4, 40);
	fix(MADT_PA);
	ck_assert(!parse());
	ck_log_has("MADT too short");
}
END_TEST

START_TEST(madt_entry_len_zero)
{
	standard(0);
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	u8 bad[8] = {0, 0, 2, 2, 1};
	madt_entry(bad, 8);
	madt_lapic(3, 3, 1);
	madt_finish();
	ck_assert(parse()); /* partial: what came before the bad entry */
	ck_assert_uint_eq(info.ncpus, 2);
	ck_log_has("length 0");
}
END_TEST

START_TEST(madt_entry_len_one)
{
	standard(0);
	madt_begin();
	madt_lapic(0, 0, 1);
	u8 bad[2] = {0, 1};
	madt_entry(bad, 2);
	madt_finish();
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, 1);
	ck_log_has("length 1");
}
END_TEST

START_TEST(madt_entry_past_end)
{
	standard(0);
	madt_begin();
	madt_lapic(0, 0, 1);
	u8 bad[8] = {0, 200, 2, 2, 1};
	madt_entry(bad, 8);
	madt_finish();
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, 1);
	ck_log_has("ignoring the rest");
}
END_TEST

START_TEST(madt_stray_byte)
{
	standard(0);
	madt_begin();
	madt_lapic(0, 0, 1);
	u8 stray[1] = {0};
	madt_entry(stray, 1);
	madt_finish();
	ck_assert(parse());
	ck_log_has("stray");
}
END_TEST

START_TEST(madt_short_entry_skipped)
{
	standard(0);
	madt_begin();
	u8 shortio[6] = {1, 6, 0, 0, 0, 0};
	madt_entry(shortio, 6);
	madt_lapic(0, 0, 1);
	madt_finish();
	ck_assert(parse());
	ck_assert_uint_eq(info.nioapics, 0);
	ck_assert_uint_eq(info.ncpus, 1);
	ck_log_has("too short");
}
END_TEST

START_TEST(madt_no_cpus)
{
	standard(0);
	madt_begin();
	madt_lapic(0, 0, 0); /* disabled */
	madt_lapic(1, 0xff, 1); /* broadcast id */
	madt_ioapic(0, 0xfec00000, 0);
	madt_finish();
	ck_assert(!parse());
	ck_log_has("no usable processor");
}
END_TEST

START_TEST(madt_flags_and_duplicates)
{
	standard(0);
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 0);         /* disabled: skipped */
	madt_lapic(2, 2, 2);         /* online capable: counted */
	madt_lapic(3, 0, 1);         /* duplicate id: skipped */
	madt_x2apic(2, 2, 1);        /* same core again as x2APIC: skipped */
	madt_x2apic(300, 7, 1);      /* an x2APIC-only core */
	madt_finish();
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, 3);
	ck_assert_uint_eq(info.ncpus_enabled, 2);
	ck_assert(info.cpu_enabled[0] && !info.cpu_enabled[1] && info.cpu_enabled[2]);
	ck_assert_uint_eq(info.cpu_apic_ids[0], 0);
	ck_assert_uint_eq(info.cpu_apic_ids[1], 2);
	ck_assert_uint_eq(info.cpu_apic_ids[2], 300);
	ck_assert_uint_eq(info.cpu_uids[2], 7);
}
END_TEST

START_TEST(madt_absurd_counts)
{
	standard(0);
	madt_begin();
	for (u32 i = 0; i < 500; i++)
		madt_x2apic(i, i, 1);
	for (u32 i = 0; i < 20; i++)
		madt_ioapic((u8)i, 0xfec00000 + i * 0x1000, i * 24);
	for (u32 i = 0; i < 40; i++)
		madt_iso((u8)(i % 16), i, 0);
	for (u32 i = 0; i < 20; i++)
		madt_nmi((u8)i, 0, 1);
	madt_finish();
	ck_assert(parse());
	ck_assert_uint_eq(info.ncpus, ACPI_MAX_CPUS);
	ck_assert_uint_eq(info.ncpus_listed, 500);
	ck_assert_uint_eq(info.nioapics, ACPI_MAX_IOAPICS);
	ck_assert_uint_eq(info.nisos, ACPI_MAX_ISOS);
	ck_assert_uint_eq(info.nnmis, ACPI_MAX_NMIS);
	ck_log_has("more than 64 processors");
	ck_log_has("I/O APICs");
}
END_TEST

START_TEST(madt_lapic_override_and_bad_addr)
{
	standard(1);
	madt_begin();
	madt_lapic(0, 0, 1);
	u8 ov[12] = {5, 12};
	u64 a = 0x123456789000ull;
	memcpy(ov + 4, &a, 8);
	madt_entry(ov, 12);
	madt_finish();
	ck_assert(parse());
	ck_assert_uint_eq(info.lapic_addr, 0x123456789000ull);

	madt_begin();
	w32(MADT_PA + 36, 0xfee00010); /* not page aligned */
	madt_lapic(0, 0, 1);
	madt_finish();
	ck_assert(!parse());
	ck_log_has("local APIC address");
}
END_TEST

START_TEST(isa_irq_overrides)
{
	standard(2);
	ck_assert(parse());
	u32 gsi;
	bool low, level;
	acpi_isa_irq(&info, 0, &gsi, &low, &level);
	ck_assert_uint_eq(gsi, 2);
	ck_assert(!low && !level);
	acpi_isa_irq(&info, 9, &gsi, &low, &level);
	ck_assert_uint_eq(gsi, 9);
	ck_assert(!low && level); /* flags 0xd: active high, level */
	acpi_isa_irq(&info, 4, &gsi, &low, &level);
	ck_assert_uint_eq(gsi, 4);
	ck_assert(!low && !level);
	info.iso[1].flags = 0xf;
	acpi_isa_irq(&info, 9, &gsi, &low, &level);
	ck_assert(low && level);
}
END_TEST

START_TEST(lapic_nmi_lint)
{
	standard(2);
	ck_assert(parse());
	u16 flags;
	ck_assert_int_eq(acpi_lapic_nmi_lint(&info, 1, &flags), 1);
	info.nnmis = 0;
	ck_assert_int_eq(acpi_lapic_nmi_lint(&info, 1, &flags), -1);
	info.nmi[0] = (struct acpi_lapic_nmi){.uid = 1, .lint = 0, .flags = 5};
	info.nnmis = 1;
	ck_assert_int_eq(acpi_lapic_nmi_lint(&info, 0, &flags), -1);
	ck_assert_int_eq(acpi_lapic_nmi_lint(&info, 1, &flags), 0);
	ck_assert_uint_eq(flags, 5);
}
END_TEST

static bool s5(const u8 *aml, size_t len, u16 *a, u16 *b)
{
	/* Exact-size copy so ASan sees any overread. */
	u8 *c = malloc(len ? len : 1);
	memcpy(c, aml, len);
	bool ok = acpi_find_s5(c, len, a, b);
	free(c);
	return ok;
}

START_TEST(s5_forms)
{
	u16 a = 99, b = 99;
	const u8 zero[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
	ck_assert(s5(zero, sizeof zero, &a, &b));
	ck_assert(a == 0 && b == 0);
	const u8 bytes[] = {0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a, 0x07, 0x01, 0, 0};
	ck_assert(s5(bytes, sizeof bytes, &a, &b));
	ck_assert(a == 7 && b == 1);
	const u8 one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0b, 0x05, 0x00};
	ck_assert(s5(one, sizeof one, &a, &b));
	ck_assert(a == 5 && b == 5);
	/* Two-byte PkgLength (lead byte bits 7:6 = 1). */
	const u8 pk2[] = {0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x01, 0x0a, 0x03};
	ck_assert(s5(pk2, sizeof pk2, &a, &b));
	ck_assert(a == 1 && b == 3);
}
END_TEST

START_TEST(s5_malformed)
{
	u16 a, b;
	ck_assert(!s5((const u8 *)"", 0, &a, &b));
	const u8 noname[] = {0x00, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00};
	ck_assert(!s5(noname, sizeof noname, &a, &b));
	const u8 method[] = {0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00};
	ck_assert(!s5(method, sizeof method, &a, &b));
	/* Cut at every length: never read past the end. */
	const u8 full[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0xc0, 0, 0, 0, 0x04, 0x0e,
			   1, 2, 3, 4, 5, 6, 7, 8};
	for (size_t n = 0; n < sizeof full; n++)
		ck_assert(!s5(full, n, &a, &b));
	ck_assert(s5(full, sizeof full, &a, &b));
	ck_assert_uint_eq(a, 1);
	const u8 tail[] = {0x08, '_', 'S', '5'};
	ck_assert(!s5(tail, sizeof tail, &a, &b));
	const u8 notint[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0d, 'x', 0};
	ck_assert(!s5(notint, sizeof notint, &a, &b));
}
END_TEST

START_TEST(dsdt_without_s5)
{
	standard(2);
	hdr(DSDT_PA, "DSDT", 40);
	memset(mem + DSDT_PA + 36, 0x5b, 4);
	fix(DSDT_PA);
	ck_assert(parse());
	ck_assert_uint_eq(info.slp_typa_s5, 0xffff);
	ck_log_has("_S5");
}
END_TEST

START_TEST(fadt_short_and_x_fields)
{
	standard(2);
	w32(FADT_PA + 4, 60);
	fix(FADT_PA);
	ck_assert(parse());
	ck_assert(!info.fadt_found);
	ck_log_has("FADT too short");

	standard(2);
	/* X_PM1a_CNT_BLK in I/O space and X_DSDT win over the 32-bit fields. */
	w8(FADT_PA + 172, 1);
	w64(FADT_PA + 176, 0xb004);
	w32(FADT_PA + 40, 0x12345);
	w64(FADT_PA + 140, DSDT_PA);
	w32(FADT_PA + 112, 1u << 20);
	fix(FADT_PA);
	ck_assert(parse());
	ck_assert_uint_eq(info.pm1a_cnt_port, 0xb004);
	ck_assert(info.hw_reduced);
	ck_assert_uint_eq(info.slp_typa_s5, 5);
}
END_TEST

START_TEST(fadt_reset_register)
{
	standard(2);
	ck_assert(parse());
	ck_assert_uint_eq(info.reset_port, 0); /* RESET_REG_SUP clear: none */

	/* Supported, in I/O space: QEMU's q35 gives port 0xcf9, value 0x0f. */
	w32(FADT_PA + 112, 1u << 10);
	w8(FADT_PA + 116, 1);
	w64(FADT_PA + 120, 0xcf9);
	w8(FADT_PA + 128, 0x0f);
	fix(FADT_PA);
	ck_assert(parse());
	ck_assert_uint_eq(info.reset_port, 0xcf9);
	ck_assert_uint_eq(info.reset_value, 0x0f);

	/* In memory space, or a port past 0xffff: not used. */
	w8(FADT_PA + 116, 0);
	fix(FADT_PA);
	ck_assert(parse());
	ck_assert_uint_eq(info.reset_port, 0);
	w8(FADT_PA + 116, 1);
	w64(FADT_PA + 120, 0x10000);
	fix(FADT_PA);
	ck_assert(parse());
	ck_assert_uint_eq(info.reset_port, 0);
}
END_TEST

START_TEST(hpet_and_mcfg_bad)
{
	standard(2);
	w8(HPET_PA + 40, 1); /* I/O space: not an HPET we can use */
	fix(HPET_PA);
	w64(MCFG_PA + 44, 0);
	fix(MCFG_PA);
	ck_assert(parse());
	ck_assert_uint_eq(info.hpet_addr, 0);
	ck_assert_uint_eq(info.ecam_addr, 0);
	ck_log_has("HPET base");
	ck_log_has("MCFG entry");
}
END_TEST

START_TEST(scan_rsdp)
{
	static u8 area[4096];
	memset(area, 0, sizeof area);
	ck_assert_int_eq(acpi_scan_rsdp(area, sizeof area), -1);
	/* A bad candidate first, then a good one; and one off the 16-byte grid. */
	memcpy(area + 0x10, "RSD PTR ", 8);
	memcpy(area + 0x48, "RSD PTR ", 8);
	area[0x48 + 8] = (u8)-sum(area + 0x48, 20);
	ck_assert_int_eq(acpi_scan_rsdp(area, sizeof area), -1);
	memmove(area + 0x40, area + 0x48, 20);
	ck_assert_int_eq(acpi_scan_rsdp(area, sizeof area), 0x40);
	/* Too close to the end to hold 20 bytes: not found. */
	ck_assert_int_eq(acpi_scan_rsdp(area, 0x40 + 19), -1);
	ck_assert_int_eq(acpi_scan_rsdp(area, 0x40 + 20), 0x40);
}
END_TEST

/* Random corruption of every table, with and without fixed checksums. */
START_TEST(fuzz)
{
	static const u32 tables[] = {RSDT_PA, XSDT_PA, MADT_PA, FADT_PA, DSDT_PA, HPET_PA,
				     MCFG_PA};
	srand(1234 + _i);
	for (int iter = 0; iter < 3000; iter++) {
		standard(1 + rand() % 8);
		u32 t = tables[rand() % 7];
		u32 len = r32(t + 4);
		int flips = 1 + rand() % 8;
		for (int f = 0; f < flips; f++) {
			u32 off = (u32)rand() % (len + 8);
			if (rand() % 4 == 0)
				off = 4 + rand() % 4; /* the length field */
			mem[t + off] = (u8)rand();
		}
		if (rand() % 2 && r32(t + 4) >= 36 && r32(t + 4) < MEM_SIZE - t)
			fix(t);
		if (rand() % 8 == 0) {
			mem[RSDP_PA + 16 + rand() % 16] = (u8)rand();
			mem[RSDP_PA + 8] = 0;
			mem[RSDP_PA + 8] = (u8)-sum(mem + RSDP_PA, 20);
		}
		parse();
	}
}
END_TEST

static Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, good_v2);
	tcase_add_test(tc, good_v1_rsdt_only);
	tcase_add_test(tc, xsdt_preferred);
	tcase_add_test(tc, rsdp_bad_checksum);
	tcase_add_test(tc, rsdp_bad_signature_and_short);
	tcase_add_test(tc, rsdp_v2_bad_extended_checksum);
	tcase_add_test(tc, rsdp_v2_bad_length);
	tcase_add_test(tc, xsdt_bad_checksum_falls_back);
	tcase_add_test(tc, xsdt_above_4g_falls_back);
	tcase_add_test(tc, rsdt_truncated);
	tcase_add_test(tc, rsdt_huge_length);
	tcase_add_test(tc, rsdt_past_end_of_memory);
	tcase_add_test(tc, root_entries_garbage);
	tcase_add_test(tc, root_absurd_count);
	tcase_add_test(tc, no_madt);
	tcase_add_test(tc, madt_bad_checksum);
	tcase_add_test(tc, madt_too_short);
	tcase_add_test(tc, madt_entry_len_zero);
	tcase_add_test(tc, madt_entry_len_one);
	tcase_add_test(tc, madt_entry_past_end);
	tcase_add_test(tc, madt_stray_byte);
	tcase_add_test(tc, madt_short_entry_skipped);
	tcase_add_test(tc, madt_no_cpus);
	tcase_add_test(tc, madt_flags_and_duplicates);
	tcase_add_test(tc, madt_absurd_counts);
	tcase_add_test(tc, madt_lapic_override_and_bad_addr);
	tcase_add_test(tc, isa_irq_overrides);
	tcase_add_test(tc, lapic_nmi_lint);
	tcase_add_test(tc, s5_forms);
	tcase_add_test(tc, s5_malformed);
	tcase_add_test(tc, dsdt_without_s5);
	tcase_add_test(tc, fadt_short_and_x_fields);
	tcase_add_test(tc, fadt_reset_register);
	tcase_add_test(tc, hpet_and_mcfg_bad);
	tcase_add_test(tc, scan_rsdp);
	tcase_add_loop_test(tc, fuzz, 0, 4);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(acpi_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
