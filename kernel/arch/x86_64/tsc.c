/*
 * The TSC as the kernel's clock. tsc_calibrate() measures its rate once on
 * the boot core: against the HPET main counter when ACPI lists one, else
 * against PIT channel 2, each over ~10 ms, taking the median of three runs
 * so that one run stretched by the host (under QEMU) does not skew it.
 * Conversions use 32.32 fixed-point factors and a 128-bit product, so
 * tsc_ns() cannot overflow for centuries and needs no division.
 *
 * State: [I] after tsc_calibrate(). Read from every core without locks;
 * Ferry assumes the cores' TSCs are in step (see time.h).
 */
#include "arch/x86_64/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/pit.h"
#include "acpi/acpi.h"
#include "lib/kernel.h"

#define NS_PER_SEC   1000000000ul
#define CAL_NS       10000000ul     /* one calibration run: 10 ms */
#define CAL_MAX_TSC  10000000000ul  /* give up on a reference clock after this many cycles */
#define GUESS_HZ     1000000000ul

/* Until calibration: a 1 GHz guess, so early callers get something sane. */
static u64 tsc_base;                       /* [I] TSC at calibration: tsc_ns() == 0 */
static u64 hz = GUESS_HZ;                  /* [I] */
static u64 ns_per_tsc_32 = 1ul << 32;      /* [I] ns = tsc * this >> 32 */
static u64 tsc_per_ns_32 = 1ul << 32;      /* [I] tsc = ns * this >> 32 */

static u64 mul_shr32(u64 a, u64 b)
{
	return (u64)(((unsigned __int128)a * b) >> 32);
}

/* a * NS_PER_SEC / b without overflowing 64 bits for any a, b that matter here. */
static u64 scale_to_hz(u64 cycles, u64 ns)
{
	return cycles / ns * NS_PER_SEC + cycles % ns * NS_PER_SEC / ns;
}

static u64 median3(u64 a, u64 b, u64 c)
{
	if (a > b) { u64 t = a; a = b; b = t; }
	if (b > c) { u64 t = b; b = c; c = t; }
	return a > b ? a : b;
}

/* One run against the HPET: TSC reads bracket each HPET read; midpoints are compared. */
static u64 hpet_run(void)
{
	u64 a0 = rdtsc(), h0 = hpet_read(), b0 = rdtsc();
	u64 a1, h1, b1;
	for (;;) {
		a1 = rdtsc();
		h1 = hpet_read();
		b1 = rdtsc();
		if (hpet_ticks_to_ns(hpet_elapsed(h0, h1)) >= CAL_NS)
			break;
		if (b1 - a0 > CAL_MAX_TSC)
			return 0;
	}
	u64 cycles = (a1 / 2 + b1 / 2) - (a0 / 2 + b0 / 2);
	return scale_to_hz(cycles, hpet_ticks_to_ns(hpet_elapsed(h0, h1)));
}

static u64 pit_run(void)
{
	u16 count = (u16)(PIT_HZ * (CAL_NS / 1000) / 1000000); /* 11931 ticks = 10 ms */
	u64 cycles = pit_time_tsc(count, CAL_MAX_TSC);
	return cycles ? cycles * PIT_HZ / count : 0;
}

/* CPUID 15h (TSC/crystal ratio) or 16h (base MHz), when the CPU reports them. */
static u64 cpuid_hz(void)
{
	u32 max, a, b, c, d;
	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (u64)c * b / a;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xffff)
			return (u64)(a & 0xffff) * 1000000;
	}
	return 0;
}

void tsc_calibrate(void)
{
	const char *src = "HPET";
	u64 f = 0;
	if (acpi.hpet_addr && hpet_init(acpi.hpet_addr))
		f = median3(hpet_run(), hpet_run(), hpet_run());
	if (!f) {
		src = "PIT";
		f = median3(pit_run(), pit_run(), pit_run());
	}
	if (!f) {
		src = "CPUID";
		f = cpuid_hz();
	}
	if (!f) {
		src = "nothing: GUESSED";
		f = GUESS_HZ;
		pr_warn("tsc: no HPET, PIT or CPUID frequency: assuming 1 GHz, time is wrong\n");
	}
	hz = f;
	ns_per_tsc_32 = (NS_PER_SEC << 32) / hz;
	tsc_per_ns_32 = ((hz / NS_PER_SEC) << 32) + ((hz % NS_PER_SEC) << 32) / NS_PER_SEC;
	tsc_base = rdtsc();
	pr_info("tsc: %lu.%03lu MHz, measured against the %s%s\n", hz / 1000000,
		(hz / 1000) % 1000, src, cpu_has.invariant_tsc ? "" : " (TSC not invariant)");
}

u64 tsc_ns(void)
{
	u64 d = rdtsc() - tsc_base;
	/* A core whose TSC lags the boot core's by a hair must not see time before 0. */
	if ((i64)d < 0)
		return 0;
	return mul_shr32(d, ns_per_tsc_32);
}

u64 tsc_hz(void)
{
	return hz;
}

u64 ns_to_tsc(u64 ns)
{
	return mul_shr32(ns, tsc_per_ns_32) + 1;
}

u64 tsc_at_ns(u64 ns)
{
	return tsc_base + ns_to_tsc(ns);
}

void udelay(u64 us)
{
	u64 end = rdtsc() + ns_to_tsc(us * 1000);
	while ((i64)(rdtsc() - end) < 0)
		cpu_relax();
}
