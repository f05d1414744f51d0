/*
 * The 8254 PIT (Intel 82C54 data sheet): channel 2, gated through port
 * 0x61, times TSC calibration when there is no HPET; channel 0 gives a
 * one-shot interrupt (ISA IRQ 0) that self-tests use as a watchdog. Used
 * only on the boot core at boot (no lock).
 */
#pragma once

#include "lib/types.h"

#define PIT_HZ 1193182 /* input clock: 14.31818 MHz / 12 */

/*
 * Run channel 2 for `count` PIT ticks (<= 65535) and return the TSC cycles
 * that took; 0 if the PIT never finished (no PIT: bounded by max_tsc cycles).
 */
u64 pit_time_tsc(u16 count, u64 max_tsc);
/* Channel 0 counts down once from `count` and raises IRQ 0 (mode 0). */
void pit_oneshot_irq0(u16 count);
/* Stop channel 0 (reprogram it without starting a count). */
void pit_stop_irq0(void);
