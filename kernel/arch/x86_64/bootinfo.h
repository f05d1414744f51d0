/*
 * What the loader told us, in one loader-neutral form: the command line,
 * the raw memory map, boot modules (the initrd) and the ACPI RSDP.
 * Filled once on the boot core from PVH or multiboot2 data; read-only after.
 */
#pragma once

#include "lib/types.h"

enum mem_type { MEM_USABLE = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct mem_range {
	paddr_t base;
	u64 size;
	u32 type; /* enum mem_type (E820 numbering) */
};

struct boot_module {
	paddr_t base;
	u64 size;
	char cmdline[64];
};

#define BOOT_MAX_MEM     128
#define BOOT_MAX_MODULES 8

struct boot_info {
	const char *loader;
	char cmdline[1024];
	struct mem_range mem[BOOT_MAX_MEM];
	int nmem;
	struct boot_module mods[BOOT_MAX_MODULES];
	int nmods;
	paddr_t rsdp; /* 0 if the loader gave none: search the BIOS areas */
};

extern struct boot_info boot; /* [I after boot] */

/* Parse the loader's data; returns false (with a message) if it is unusable. */
bool bootinfo_parse(u32 kind, paddr_t info);
/* The memory map, modules and RSDP at loglevel=3 (after the command line is read). */
void bootinfo_print(void);
