/*
 * Helpers shared by the pure ACPI table parsers (tables.c, madt.c): byte
 * readers that never assume alignment (firmware packs its tables) and the
 * system description table header (ACPI 6.4 5.2.6). Nothing here touches
 * hardware or global state, so the parsers build unchanged on the host.
 */
#pragma once

#include "acpi/acpi.h"
#include "lib/kernel.h"

#define SDT_HEADER_LEN 36  /* ACPI 6.4 table 5.4: signature .. creator revision */
#define SDT_LENGTH     4   /* u32 length of the whole table, header included */
#define SDT_REVISION   8
#define SDT_OEMID      10
#define ACPI_MAX_TABLE (16u << 20) /* no real table comes near this: treat as corrupt */

static inline u8 rd8(const u8 *p)
{
	return *p;
}
static inline u16 rd16(const u8 *p)
{
	u16 v;
	__builtin_memcpy(&v, p, 2);
	return v;
}
static inline u32 rd32(const u8 *p)
{
	u32 v;
	__builtin_memcpy(&v, p, 4);
	return v;
}
static inline u64 rd64(const u8 *p)
{
	u64 v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline u8 acpi_checksum(const u8 *p, size_t len)
{
	u8 sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

/* Record the first problem in out->why and print it (once per problem). */
void acpi_problem(struct acpi_info *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a MADT of len bytes (checksum already verified). Returns false if unusable. */
bool acpi_parse_madt(const u8 *t, u32 len, struct acpi_info *out);
