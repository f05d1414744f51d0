/*
 * The wall clock: the CMOS real-time clock, read once at boot by the boot
 * core (rtc.c), plus the TSC's monotonic time since. clock_settime and
 * friends move it (realtime_set): the offset is one word, changed and
 * read with atomics, so readers need no lock; the vDSO's copy follows
 * through the hook it registers.
 */
#pragma once

#include "arch/x86_64/time.h"

void rtc_init(void);         /* boot core, once, after tsc_calibrate() */
u64 realtime_epoch_ns(void); /* CLOCK_REALTIME when tsc_ns() was 0 */
/* Make CLOCK_REALTIME read now_ns at this instant (ns since 1970). */
void realtime_set(u64 now_ns);
/* fn(epoch) runs after each change (the vDSO's data page); set once at boot. */
void realtime_set_hook(void (*fn)(u64 epoch));

/* CLOCK_REALTIME now, in nanoseconds since 1970. */
static inline u64 realtime_ns(void)
{
	return realtime_epoch_ns() + tsc_ns();
}
