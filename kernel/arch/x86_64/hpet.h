/*
 * HPET main counter (IA-PC HPET 1.0a): a fixed-rate clock used to
 * calibrate the TSC and to check it in self-tests. Only the main counter
 * is used; its comparators stay off. [I] after hpet_init() on the boot core;
 * reading the counter is safe from any core.
 */
#pragma once

#include "lib/types.h"

/* Map the HPET at pa, check it and start its main counter; false if unusable. */
bool hpet_init(paddr_t pa);
bool hpet_present(void);
u64 hpet_read(void);              /* main counter ticks */
u64 hpet_ticks_to_ns(u64 ticks);  /* a counter difference in ns */
u64 hpet_elapsed(u64 from, u64 to); /* to - from, allowing for a 32-bit counter's wrap */
