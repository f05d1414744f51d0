/*
 * Time: the TSC, calibrated once at boot against the HPET or the PIT,
 * gives monotonic nanoseconds on every core. Nothing counts timer ticks.
 */
#pragma once

#include "lib/types.h"

void tsc_calibrate(void);     /* boot core, once */
u64 tsc_ns(void);             /* nanoseconds since calibration */
u64 tsc_hz(void);
u64 ns_to_tsc(u64 ns);
void udelay(u64 us);
