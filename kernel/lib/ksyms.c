/* Symbol lookup over the table tools/gen-ksyms.sh generates. */
#include "lib/ksyms.h"

extern const u64 ksyms_count;
extern const u64 ksyms_addrs[];
extern const u32 ksyms_offsets[];
extern const char ksyms_names[];
extern const char __text_start[], __text_end[];

bool ksyms_is_text(u64 addr)
{
	return addr >= (u64)__text_start && addr < (u64)__text_end;
}

const char *ksyms_lookup(u64 addr, u64 *offset)
{
	*offset = 0;
	if (!ksyms_is_text(addr) || ksyms_count == 0 || addr < ksyms_addrs[0])
		return NULL;
	u64 lo = 0, hi = ksyms_count; /* find the last symbol <= addr */
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addrs[lo];
	return ksyms_names + ksyms_offsets[lo];
}
