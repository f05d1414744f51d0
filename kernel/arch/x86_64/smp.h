/*
 * Bringing up the other cores (INIT-SIPI-SIPI, Intel SDM 3A 8.4.4). Each
 * gets a struct cpu, a kernel stack and IST stacks allocated at boot, then
 * runs ap_main() on itself.
 */
#pragma once

#include "lib/types.h"

/* Start every core the MADT lists (at most opts.smp); returns cores online. */
u32 smp_boot(void);
/* Called by smp_boot on each started core, on that core. */
void ap_main(void);
