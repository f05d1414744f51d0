/*
 * Time: the TSC, calibrated once at boot against the HPET or the PIT,
 * gives monotonic nanoseconds on every core. Nothing counts timer ticks.
 *
 * All cores read the same TSC: Ferry does not synchronise TSCs between
 * cores; it relies on the hardware keeping them in step (QEMU's are, and
 * so are those of single-socket machines with an invariant TSC).
 */
#pragma once

#include "lib/types.h"

void tsc_calibrate(void);     /* boot core, once, after acpi_init() (it needs the HPET) */
u64 tsc_ns(void);             /* nanoseconds since calibration */
u64 tsc_ns_at(u64 tsc);       /* the same for a TSC value read earlier */
u64 tsc_hz(void);
/* For the vDSO: tsc_ns() == (rdtsc() - base) * mult >> 32. */
void tsc_params(u64 *base, u64 *mult);
u64 tsc_cycles_ns(u64 cycles); /* a duration in TSC cycles, in nanoseconds */
u64 ns_to_tsc(u64 ns);        /* a duration in TSC cycles, rounded up */
u64 tsc_at_ns(u64 ns);        /* the TSC value when tsc_ns() reaches ns (for TSC deadlines) */
void udelay(u64 us);          /* busy-wait; interrupts stay as they are */
