/*
 * Reading the loader's hand-off: PVH's hvm_start_info (Xen's PVH boot ABI,
 * version 0 and 1) and the multiboot2 information structure (Multiboot2
 * spec, section 3.6). Everything is copied out, so the loader's memory can
 * be reused afterwards.
 */
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/boot.h"
#include "lib/kernel.h"
#include "mm/layout.h"

struct boot_info boot;

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr; /* version >= 1 */
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

/* The boot page tables map only the first 4 GiB; the loader's data lies below. */
#define BOOT_MAPPED_LIMIT (4UL << 30)

static bool boot_readable(paddr_t pa, u64 len)
{
	return pa != 0 && pa < BOOT_MAPPED_LIMIT && len <= BOOT_MAPPED_LIMIT - pa;
}

static void copy_string(char *dst, size_t size, paddr_t pa)
{
	dst[0] = 0;
	if (!boot_readable(pa, 1))
		return;
	const char *src = phys_to_virt(pa);
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void add_mem(paddr_t base, u64 size, u32 type)
{
	if (boot.nmem == BOOT_MAX_MEM) {
		pr_warn("boot: memory map has more than %d entries, ignoring the rest\n",
			BOOT_MAX_MEM);
		return;
	}
	if (type < MEM_USABLE || type > MEM_BAD)
		type = MEM_RESERVED;
	boot.mem[boot.nmem++] = (struct mem_range){base, size, type};
}

static void add_module(paddr_t base, u64 size, paddr_t cmdline)
{
	if (boot.nmods == BOOT_MAX_MODULES) {
		pr_warn("boot: more than %d modules, ignoring the rest\n", BOOT_MAX_MODULES);
		return;
	}
	struct boot_module *m = &boot.mods[boot.nmods++];
	m->base = base;
	m->size = size;
	copy_string(m->cmdline, sizeof m->cmdline, cmdline);
}

static bool parse_pvh(paddr_t pa)
{
	if (!boot_readable(pa, sizeof(struct hvm_start_info)))
		return false;
	const struct hvm_start_info *si = phys_to_virt(pa);
	if (si->magic != PVH_START_MAGIC) {
		pr_err("boot: PVH start info has a bad magic 0x%x\n", si->magic);
		return false;
	}
	boot.loader = "PVH";
	copy_string(boot.cmdline, sizeof boot.cmdline, si->cmdline_paddr);
	boot.rsdp = si->rsdp_paddr;
	if (si->nr_modules && boot_readable(si->modlist_paddr, si->nr_modules * sizeof(struct hvm_modlist_entry))) {
		const struct hvm_modlist_entry *mods = phys_to_virt(si->modlist_paddr);
		for (u32 i = 0; i < si->nr_modules; i++)
			add_module(mods[i].paddr, mods[i].size, mods[i].cmdline_paddr);
	}
	if (si->version >= 1 && si->memmap_entries &&
	    boot_readable(si->memmap_paddr, si->memmap_entries * sizeof(struct hvm_memmap_entry))) {
		const struct hvm_memmap_entry *e = phys_to_virt(si->memmap_paddr);
		for (u32 i = 0; i < si->memmap_entries; i++)
			add_mem(e[i].addr, e[i].size, e[i].type);
	}
	return true;
}

/* Multiboot2 tags (spec 3.6) */
enum {
	MB2_TAG_END = 0, MB2_TAG_CMDLINE = 1, MB2_TAG_MODULE = 3, MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14, MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
	u32 type;
	u32 size;
};

/* An RSDP is 20 bytes (ACPI 1.0) or 36 (2.0+, ACPI 6.4 section 5.2.5.3). */
static u8 rsdp_copy[36] __aligned(16);
static bool rsdp_is_new;

static bool parse_mb2(paddr_t pa)
{
	if (!boot_readable(pa, 8))
		return false;
	u32 total = *(const u32 *)phys_to_virt(pa);
	if (total < 16 || !boot_readable(pa, total)) {
		pr_err("boot: multiboot2 information has a bad size %u\n", total);
		return false;
	}
	boot.loader = "multiboot2";
	const u8 *p = (const u8 *)phys_to_virt(pa) + 8, *end = (const u8 *)phys_to_virt(pa) + total;
	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = (const void *)p;
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < 8 || tag->size > (u64)(end - p)) {
			pr_err("boot: multiboot2 tag %u has a bad size %u\n", tag->type, tag->size);
			break;
		}
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			strlcpy(boot.cmdline, (const char *)(p + 8),
				MIN(sizeof boot.cmdline, (size_t)tag->size - 8 + 1));
			break;
		case MB2_TAG_MODULE: {
			const u32 *m = (const u32 *)(p + 8);
			if (tag->size >= 16 && m[1] >= m[0])
				add_module(m[0], m[1] - m[0], pa + (u64)(p + 16 - (const u8 *)phys_to_virt(pa)));
			break;
		}
		case MB2_TAG_MMAP: {
			u32 esize = *(const u32 *)(p + 8);
			if (esize < 24)
				break;
			for (const u8 *e = p + 16; e + esize <= p + tag->size; e += esize)
				add_mem(*(const u64 *)e, *(const u64 *)(e + 8), *(const u32 *)(e + 16));
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/*
			 * The tag holds a copy of the RSDP, inside the loader's
			 * data that mm may reuse before ACPI reads it: keep our
			 * own copy. GRUB gives the 1.0 tag first; the 2.0 one
			 * (with the XSDT) wins when both are there.
			 */
			if (tag->type == MB2_TAG_ACPI_NEW || !rsdp_is_new) {
				size_t n = MIN(sizeof rsdp_copy, (size_t)tag->size - 8);
				memset(rsdp_copy, 0, sizeof rsdp_copy);
				memcpy(rsdp_copy, p + 8, n);
				rsdp_is_new = tag->type == MB2_TAG_ACPI_NEW;
				boot.rsdp = virt_to_phys(rsdp_copy);
			}
			break;
		}
		p += ALIGN_UP(tag->size, 8);
	}
	return true;
}

bool bootinfo_parse(u32 kind, paddr_t info)
{
	bool ok = false;
	if (kind == BOOT_PVH)
		ok = parse_pvh(info);
	else if (kind == BOOT_MB2)
		ok = parse_mb2(info);
	if (!ok)
		pr_err("boot: cannot read the loader's information (kind %u at 0x%lx)\n", kind,
		       info);
	return ok;
}

static const char *const mem_type_names[] = {
	[MEM_USABLE] = "usable", [MEM_RESERVED] = "reserved", [MEM_ACPI] = "ACPI",
	[MEM_NVS] = "ACPI NVS", [MEM_BAD] = "bad",
};

void bootinfo_print(void)
{
	u64 usable = 0;
	for (int i = 0; i < boot.nmem; i++) {
		const struct mem_range *m = &boot.mem[i];
		pr_debug("boot: mem 0x%016lx-0x%016lx %s\n", m->base, m->base + m->size - 1,
			 mem_type_names[m->type]);
		if (m->type == MEM_USABLE)
			usable += m->size;
	}
	for (int i = 0; i < boot.nmods; i++)
		pr_debug("boot: module 0x%lx-0x%lx '%s'\n", boot.mods[i].base,
			 boot.mods[i].base + boot.mods[i].size, boot.mods[i].cmdline);
	/* RSDP: "RSD PTR " then checksum, OEM id and, at byte 15, the revision. */
	int rev = -1;
	if (boot_readable(boot.rsdp, 20) && !memcmp(phys_to_virt(boot.rsdp), "RSD PTR ", 8))
		rev = ((const u8 *)phys_to_virt(boot.rsdp))[15];
	pr_debug("boot: %d memory ranges, %lu KiB usable, %d modules, ACPI RSDP at 0x%lx "
		 "(revision %d)\n", boot.nmem, usable >> 10, boot.nmods, boot.rsdp, rev);
}
