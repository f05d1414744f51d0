/*
 * /proc/cpuinfo's text: one block per core with the fields Linux's x86
 * show_cpuinfo() prints, the feature flags under Linux's names, all from
 * CPUID (run on the reading core: Ferry's cores are alike).
 */
#pragma once

#include "lib/types.h"

/* Write the text into buf (cut, NUL-terminated, if longer than cap - 1); returns its length. */
size_t cpuinfo_text(char *buf, size_t cap);
