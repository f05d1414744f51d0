/*
 * Kernel symbol table for backtraces. The build links the kernel twice:
 * the second link embeds the text symbols of the first (tools/gen-ksyms.sh)
 * in the .ksyms section, which sits after all code, so no address moves.
 */
#pragma once

#include "lib/types.h"

/* Name of the function containing addr, and addr's offset in it; NULL if none. */
const char *ksyms_lookup(u64 addr, u64 *offset);
bool ksyms_is_text(u64 addr);
