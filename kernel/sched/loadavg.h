/*
 * The load average: Linux's three exponentially damped averages of the
 * number of tasks running or waiting to run, sampled every 5 seconds.
 * /proc/loadavg and sysinfo(2) both read it, so top and uptime agree.
 */
#pragma once

#include "lib/types.h"

#define LOADAVG_FSHIFT 11 /* fixed point, as Linux's FSHIFT: 1.0 is 1 << 11 */

/* Start sampling (a timer task); once, after the executors exist. */
void loadavg_init(void);
/* The 1, 5 and 15 minute averages, in LOADAVG_FSHIFT fixed point. */
void loadavg_get(u64 avg[3]);
