/*
 * The wall clock: the CMOS real-time clock, read once at boot by the boot
 * core (rtc.c), plus the TSC's monotonic time since. settimeofday and
 * clock_settime move it (realtime_set_ns): the offset is one atomic word,
 * so readers need no lock.
 */
#pragma once

#include "arch/x86_64/time.h"

void rtc_init(void);         /* boot core, once, after tsc_calibrate() */
u64 realtime_epoch_ns(void); /* CLOCK_REALTIME when tsc_ns() was 0 */
/* CLOCK_REALTIME is ns from now on (the CMOS clock itself is left as it is). */
void realtime_set_ns(u64 ns);

/* CLOCK_REALTIME now, in nanoseconds since 1970. */
static inline u64 realtime_ns(void)
{
	return realtime_epoch_ns() + tsc_ns();
}
