/*
 * The wall clock: the CMOS real-time clock, read once at boot by the boot
 * core (rtc.c), plus the TSC's monotonic time since. Nothing changes
 * it afterwards, so readers need no lock.
 */
#pragma once

#include "arch/x86_64/time.h"

void rtc_init(void);         /* boot core, once, after tsc_calibrate() */
u64 realtime_epoch_ns(void); /* CLOCK_REALTIME when tsc_ns() was 0 */

/* CLOCK_REALTIME now, in nanoseconds since 1970. */
static inline u64 realtime_ns(void)
{
	return realtime_epoch_ns() + tsc_ns();
}
