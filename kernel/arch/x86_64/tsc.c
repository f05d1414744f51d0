/*
 * PLACEHOLDER until calibration lands (the SMP/time work replaces this
 * file): assumes a 1 GHz TSC, so figures are not yet in real nanoseconds.
 */
#include "arch/x86_64/time.h"
#include "arch/x86_64/io.h"

static u64 tsc_base;

void tsc_calibrate(void)
{
	tsc_base = rdtsc();
}
u64 tsc_hz(void)
{
	return 1000000000UL;
}
u64 tsc_ns(void)
{
	return rdtsc() - tsc_base;
}
u64 ns_to_tsc(u64 ns)
{
	return ns;
}
void udelay(u64 us)
{
	u64 end = tsc_ns() + us * 1000;
	while (tsc_ns() < end)
		cpu_relax();
}
