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

/* Median of n runs (sorts them); 0 if any run failed. */
static u64 median(u64 *r, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && r[j - 1] > r[j]; j--) {
			u64 t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	return r[0] ? r[n / 2] : 0;
}

/*
 * One reading of the HPET paired with the TSC: the TSC is read just before
 * and just after, and of a few tries the narrowest pair wins. Under QEMU an
 * HPET read can stall for milliseconds (the host deschedules the vCPU or
 * another thread holds the device lock); a wide pair says when the value
 * was sampled only to within its width, and would skew the rate.
 */
struct sample {
	u64 tsc;  /* midpoint of the bracket */
	u64 hpet;
	u64 width;
};

static struct sample hpet_sample(void)
{
	struct sample best = {0, 0, ~0ul};
	for (int i = 0; i < 8; i++) {
		u64 a = rdtsc(), h = hpet_read(), b = rdtsc();
		if (b - a < best.width)
			best = (struct sample){a / 2 + b / 2, h, b - a};
	}
	return best;
}

static u64 hpet_run(void)
{
	struct sample s0 = hpet_sample();
	u64 t0 = rdtsc();
	while (hpet_ticks_to_ns(hpet_elapsed(s0.hpet, hpet_read())) < CAL_NS)
		if (rdtsc() - t0 > CAL_MAX_TSC)
			return 0;
	struct sample s1 = hpet_sample();
	return scale_to_hz(s1.tsc - s0.tsc, hpet_ticks_to_ns(hpet_elapsed(s0.hpet, s1.hpet)));
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
	u64 (*run)(void) = hpet_run;
	if (!acpi.hpet_addr || !hpet_init(acpi.hpet_addr)) {
		src = "PIT";
		run = pit_run;
	}
	/*
	 * Three runs; if they disagree by more than 1% (a loaded host can
	 * stretch one), four more, and the median of all seven.
	 */
	u64 r[7];
	int n = 3;
	for (int i = 0; i < n; i++)
		r[i] = run();
	u64 f = median(r, n);
	if (f && r[n - 1] - r[0] > f / 100) {
		for (; n < 7; n++)
			r[n] = run();
		f = median(r, n);
		pr_warn("tsc: calibration runs disagree (%lu .. %lu kHz); median of %d\n",
			r[0] / 1000, r[n - 1] / 1000, n);
	}
	if (!f && run == hpet_run) {
		src = "PIT";
		for (n = 0; n < 3; n++)
			r[n] = pit_run();
		f = median(r, n);
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
	return tsc_ns_at(rdtsc());
}

u64 tsc_ns_at(u64 tsc)
{
	u64 d = tsc - tsc_base;
	/* A core whose TSC lags the boot core's by a hair must not see time before 0. */
	if ((i64)d < 0)
		return 0;
	return mul_shr32(d, ns_per_tsc_32);
}

u64 tsc_cycles_ns(u64 cycles)
{
	return mul_shr32(cycles, ns_per_tsc_32);
}

void tsc_params(u64 *base, u64 *mult)
{
	*base = tsc_base;
	*mult = ns_per_tsc_32;
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
