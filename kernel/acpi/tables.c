/*
 * The pure half of ACPI: validate the RSDP and the RSDT/XSDT it points to,
 * then read the few tables Ferry uses (MADT in madt.c, FADT and its DSDT,
 * HPET, MCFG). Everything is read through the caller's map() function, so
 * the same code runs in the kernel (direct map) and in host unit tests
 * (tests/host/test_acpi.c), and nothing here trusts a length or an address
 * it has not checked against what map() agreed to give.
 *
 * References: ACPI 6.4 sections 5.2.5 (RSDP), 5.2.6 (table header),
 * 5.2.7/5.2.8 (RSDT/XSDT), 5.2.9 (FADT), 20.2 (AML encoding for \_S5);
 * IA-PC HPET 1.0a section 3.2.4; PCI Firmware 3.2 section 4.1.2 (MCFG).
 *
 * State: only the caller's struct acpi_info; no globals.
 */
#include "acpi/tables.h"

typedef const void *(*acpi_map_fn)(paddr_t pa, size_t len);

#define RSDP_SIG        "RSD PTR "
#define RSDP_V1_LEN     20 /* ACPI 1.0 RSDP: checksum covers these bytes */
#define RSDP_V2_LEN     36
#define RSDP_CHECKSUM_OFF 8
#define RSDP_OEMID      9
#define RSDP_REVISION   15
#define RSDP_RSDT       16
#define RSDP_LENGTH     20
#define RSDP_XSDT       24
#define ROOT_MAX_ENTRIES 256 /* real machines list a few dozen tables */

void acpi_problem(struct acpi_info *out, const char *fmt, ...)
{
	char msg[sizeof out->why];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!out->why[0])
		strlcpy(out->why, msg, sizeof out->why);
	pr_warn("acpi: %s\n", msg);
}

static bool rsdp_ok(const u8 *p, size_t len)
{
	return len >= RSDP_V1_LEN && !memcmp(p, RSDP_SIG, 8) && !acpi_checksum(p, RSDP_V1_LEN);
}

long acpi_scan_rsdp(const void *area, size_t len)
{
	const u8 *p = area;
	/* The RSDP sits on a 16-byte boundary (ACPI 6.4 5.2.5.1). */
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (rsdp_ok(p + off, len - off))
			return (long)off;
	return -1;
}

/*
 * Map and validate a whole table: header readable, length sane and
 * readable, signature (if given) and checksum right. NULL, with a message
 * naming the table, otherwise.
 */
static const u8 *sdt_get(acpi_map_fn map, paddr_t pa, const char *sig, struct acpi_info *out,
			 u32 *len_out)
{
	const char *name = sig ? sig : "table";
	const u8 *h = pa ? map(pa, SDT_HEADER_LEN) : NULL;
	if (!h) {
		acpi_problem(out, "%.4s at 0x%lx cannot be read", name, (u64)pa);
		return NULL;
	}
	if (sig && memcmp(h, sig, 4)) {
		acpi_problem(out, "table at 0x%lx should be %.4s but is '%.4s'", (u64)pa, sig,
			     (const char *)h);
		return NULL;
	}
	u32 len = rd32(h + SDT_LENGTH);
	if (len < SDT_HEADER_LEN || len > ACPI_MAX_TABLE) {
		acpi_problem(out, "%.4s at 0x%lx has an impossible length %u", (const char *)h,
			     (u64)pa, len);
		return NULL;
	}
	const u8 *t = map(pa, len);
	if (!t) {
		acpi_problem(out, "%.4s at 0x%lx (%u bytes) runs past readable memory",
			     (const char *)h, (u64)pa, len);
		return NULL;
	}
	if (acpi_checksum(t, len)) {
		acpi_problem(out, "%.4s at 0x%lx has a bad checksum", (const char *)t, (u64)pa);
		return NULL;
	}
	*len_out = len;
	return t;
}

/* AML integer data objects (ACPI 6.4 20.2.3): enough for a package of numbers. */
enum {
	AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0a, AML_WORD = 0x0b,
	AML_DWORD = 0x0c, AML_QWORD = 0x0e, AML_PACKAGE = 0x12, AML_ONES = 0xff,
	AML_ROOT = '\\',
};

static bool aml_int(const u8 *aml, size_t len, size_t *pos, u64 *v)
{
	size_t j = *pos;
	if (j >= len)
		return false;
	size_t n;
	switch (aml[j]) {
	case AML_ZERO: *v = 0; *pos = j + 1; return true;
	case AML_ONE: *v = 1; *pos = j + 1; return true;
	case AML_ONES: *v = ~0ul; *pos = j + 1; return true;
	case AML_BYTE: n = 1; break;
	case AML_WORD: n = 2; break;
	case AML_DWORD: n = 4; break;
	case AML_QWORD: n = 8; break;
	default: return false;
	}
	if (len - j - 1 < n)
		return false;
	*v = 0;
	for (size_t k = 0; k < n; k++)
		*v |= (u64)aml[j + 1 + k] << (8 * k);
	*pos = j + 1 + n;
	return true;
}

/*
 * A full AML interpreter is far beyond what power off needs: firmware
 * writes \_S5 as Name(_S5, Package(){a, b, ...}), so we look for the
 * NameOp, the name, a PackageOp, and read the first two integers. SLP_TYPx
 * is a 3-bit field (ACPI 6.4 table 4.13), hence the mask.
 */
bool acpi_find_s5(const u8 *aml, size_t len, u16 *slp_typa, u16 *slp_typb)
{
	for (size_t i = 1; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4))
			continue;
		bool named = aml[i - 1] == AML_NAME ||
			     (aml[i - 1] == AML_ROOT && i >= 2 && aml[i - 2] == AML_NAME);
		size_t j = i + 4;
		if (!named || j >= len || aml[j] != AML_PACKAGE)
			continue;
		j++;
		if (j >= len)
			continue;
		j += 1 + (aml[j] >> 6); /* PkgLength: lead byte, then bits 7:6 more bytes */
		if (j >= len)
			continue;
		u8 nelem = aml[j++];
		u64 a, b;
		if (nelem < 1 || !aml_int(aml, len, &j, &a))
			continue;
		if (nelem < 2 || !aml_int(aml, len, &j, &b))
			b = a;
		*slp_typa = (u16)(a & 7);
		*slp_typb = (u16)(b & 7);
		return true;
	}
	return false;
}

/* FADT (ACPI 6.4 table 5.9): field offsets. */
#define FADT_DSDT          40
#define FADT_SMI_CMD       48
#define FADT_ACPI_ENABLE   52
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM1B_CNT_BLK  68
#define FADT_MIN_LEN       76  /* through PM_TMR_BLK: all we need from ACPI 1.0 */
#define FADT_FLAGS         112
#define FADT_FLAG_HW_REDUCED (1u << 20)
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_RESET_REG     116 /* a Generic Address Structure (ACPI 2.0 and later) */
#define FADT_RESET_VALUE   128
#define FADT_X_DSDT        140
#define FADT_X_PM1A_CNT    172 /* Generic Address Structures, 12 bytes each */
#define FADT_X_PM1B_CNT    184
#define GAS_SPACE_ID       0   /* ACPI 6.4 table 5.1: 0 system memory, 1 system I/O */
#define GAS_ADDRESS        4
#define GAS_LEN            12
#define GAS_SPACE_MEMORY   0
#define GAS_SPACE_IO       1

/* A PM1 control block port: the X_ GAS when present and in I/O space, else the old field. */
static u16 fadt_port(const u8 *t, u32 len, u32 old_off, u32 gas_off)
{
	u64 port = rd32(t + old_off);
	if (len >= gas_off + GAS_LEN && rd64(t + gas_off + GAS_ADDRESS) &&
	    rd8(t + gas_off + GAS_SPACE_ID) == GAS_SPACE_IO)
		port = rd64(t + gas_off + GAS_ADDRESS);
	return port <= 0xffff ? (u16)port : 0;
}

static void parse_fadt(const u8 *t, u32 len, acpi_map_fn map, struct acpi_info *out)
{
	if (len < FADT_MIN_LEN) {
		acpi_problem(out, "FADT too short (%u bytes)", len);
		return;
	}
	out->fadt_found = true;
	out->hw_reduced = len >= FADT_FLAGS + 4 && (rd32(t + FADT_FLAGS) & FADT_FLAG_HW_REDUCED);
	out->pm1a_cnt_port = fadt_port(t, len, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT);
	out->pm1b_cnt_port = fadt_port(t, len, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT);
	u32 smi = rd32(t + FADT_SMI_CMD);
	out->smi_cmd_port = smi <= 0xffff ? (u16)smi : 0;
	out->acpi_enable_value = rd8(t + FADT_ACPI_ENABLE);
	/* Only I/O space: that is where PCs put it (0xcf9); memory and PCI spaces are left alone. */
	if (len > FADT_RESET_VALUE && (rd32(t + FADT_FLAGS) & FADT_FLAG_RESET_REG_SUP) &&
	    rd8(t + FADT_RESET_REG + GAS_SPACE_ID) == GAS_SPACE_IO) {
		u64 port = rd64(t + FADT_RESET_REG + GAS_ADDRESS);
		if (port && port <= 0xffff) {
			out->reset_port = (u16)port;
			out->reset_value = rd8(t + FADT_RESET_VALUE);
		}
	}

	paddr_t dsdt = rd32(t + FADT_DSDT);
	if (len >= FADT_X_DSDT + 8 && rd64(t + FADT_X_DSDT))
		dsdt = rd64(t + FADT_X_DSDT);
	u32 dlen;
	const u8 *d = sdt_get(map, dsdt, "DSDT", out, &dlen);
	if (!d)
		return;
	if (!acpi_find_s5(d + SDT_HEADER_LEN, dlen - SDT_HEADER_LEN, &out->slp_typa_s5,
			  &out->slp_typb_s5))
		acpi_problem(out, "no \\_S5 package in the DSDT: power off unavailable");
}

static void parse_hpet(const u8 *t, u32 len, struct acpi_info *out)
{
	/* IA-PC HPET 1.0a table 3: base address GAS at offset 40. */
	if (len < 40 + GAS_LEN) {
		acpi_problem(out, "HPET table too short (%u bytes)", len);
		return;
	}
	u64 addr = rd64(t + 40 + GAS_ADDRESS);
	if (rd8(t + 40 + GAS_SPACE_ID) != GAS_SPACE_MEMORY || !addr || (addr & 0x3ff)) {
		acpi_problem(out, "HPET base 0x%lx (space %u) is unusable", addr, rd8(t + 40));
		return;
	}
	out->hpet_addr = addr;
}

static void parse_mcfg(const u8 *t, u32 len, struct acpi_info *out)
{
	/* PCI Firmware 3.2 table 4-3: 8 reserved bytes, then 16-byte entries. */
	for (u32 off = 44; off + 16 <= len; off += 16) {
		const u8 *e = t + off;
		if (rd16(e + 8) != 0 || out->ecam_addr)
			continue; /* only segment 0 is used */
		if (!rd64(e) || rd8(e + 10) > rd8(e + 11)) {
			acpi_problem(out, "MCFG entry at offset %u is unusable", off);
			continue;
		}
		out->ecam_addr = rd64(e);
		out->ecam_bus_start = rd8(e + 10);
		out->ecam_bus_end = rd8(e + 11);
	}
}

/* Walk an RSDT (entry 4 bytes) or XSDT (8 bytes). False if the root itself is bad. */
static bool walk_root(acpi_map_fn map, paddr_t pa, bool xsdt, struct acpi_info *out,
		      bool *madt_seen)
{
	u32 len;
	const u8 *root = sdt_get(map, pa, xsdt ? "XSDT" : "RSDT", out, &len);
	if (!root)
		return false;
	u32 esize = xsdt ? 8 : 4;
	u32 n = (len - SDT_HEADER_LEN) / esize;
	if (n > ROOT_MAX_ENTRIES) {
		acpi_problem(out, "%s lists %u tables; reading only the first %u",
			     xsdt ? "XSDT" : "RSDT", n, ROOT_MAX_ENTRIES);
		n = ROOT_MAX_ENTRIES;
	}
	bool fadt_seen = false, hpet_seen = false, mcfg_seen = false;
	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + SDT_HEADER_LEN + i * esize;
		paddr_t tpa = xsdt ? rd64(e) : rd32(e);
		const u8 *h = tpa ? map(tpa, SDT_HEADER_LEN) : NULL;
		if (!h) {
			acpi_problem(out, "%s entry %u (0x%lx) cannot be read",
				     xsdt ? "XSDT" : "RSDT", i, (u64)tpa);
			continue;
		}
		/* Only the first copy of each table counts (some firmware lists one twice). */
		bool *seen = !memcmp(h, "APIC", 4)   ? madt_seen
			     : !memcmp(h, "FACP", 4) ? &fadt_seen
			     : !memcmp(h, "HPET", 4) ? &hpet_seen
			     : !memcmp(h, "MCFG", 4) ? &mcfg_seen
						     : NULL;
		if (!seen || *seen)
			continue;
		u32 tlen;
		const u8 *t = sdt_get(map, tpa, NULL, out, &tlen);
		if (!t)
			continue;
		*seen = true;
		if (seen == madt_seen)
			out->valid = acpi_parse_madt(t, tlen, out);
		else if (seen == &fadt_seen)
			parse_fadt(t, tlen, map, out);
		else if (seen == &hpet_seen)
			parse_hpet(t, tlen, out);
		else
			parse_mcfg(t, tlen, out);
	}
	return true;
}

bool acpi_parse_rsdp(const void *rsdp, size_t len, acpi_map_fn map, struct acpi_info *out)
{
	memset(out, 0, sizeof *out);
	out->slp_typa_s5 = out->slp_typb_s5 = 0xffff;
	const u8 *p = rsdp;
	if (!p || !rsdp_ok(p, len)) {
		acpi_problem(out, "no valid RSDP (signature or checksum wrong)");
		return false;
	}
	memcpy(out->oem, p + RSDP_OEMID, 6);
	out->rsdp_revision = p[RSDP_REVISION];

	paddr_t rsdt = rd32(p + RSDP_RSDT), xsdt = 0;
	if (out->rsdp_revision >= 2) {
		u32 rlen = len >= RSDP_V2_LEN ? rd32(p + RSDP_LENGTH) : 0;
		if (rlen < RSDP_V2_LEN || rlen > len)
			acpi_problem(out, "RSDP v2 length %u is wrong; using the RSDT", rlen);
		else if (acpi_checksum(p, rlen))
			acpi_problem(out, "RSDP v2 extended checksum is bad; using the RSDT");
		else
			xsdt = rd64(p + RSDP_XSDT);
	}
	bool madt_seen = false;
	bool walked = xsdt && walk_root(map, xsdt, true, out, &madt_seen);
	if (!walked && xsdt && rsdt)
		acpi_problem(out, "XSDT unusable; trying the RSDT");
	if (!walked && rsdt)
		walked = walk_root(map, rsdt, false, out, &madt_seen);
	if (!walked) {
		acpi_problem(out, "no usable RSDT or XSDT");
		out->valid = false;
		return false;
	}
	if (!madt_seen)
		acpi_problem(out, "no valid MADT (APIC table)");
	return out->valid;
}
