/*
 * The page the kernel shares read-only with every process for the vDSO:
 * what user code needs to turn the TSC into the kernel's clocks. Written
 * at boot, after the TSC is calibrated and the RTC read; afterwards only
 * epoch_ns changes (clock_settime), one aligned word written whole, so
 * readers need no sequence counter.
 */
#pragma once

#include <stdint.h>

struct vdso_data {
	uint64_t tsc_base;      /* TSC value at monotonic time 0 */
	uint64_t ns_per_tsc_32; /* ns = (tsc - tsc_base) * this >> 32 */
	uint64_t epoch_ns;      /* CLOCK_REALTIME - CLOCK_MONOTONIC (mod 2^64) */
	uint32_t ready;         /* 0: fall back to the system call */
};
