/*
 * The wall clock: the CMOS real-time clock (MC146818 registers), read once
 * at boot by the boot core, plus the TSC's monotonic time since. Nothing
 * changes it afterwards, so readers need no lock.
 */
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/io.h"

#define NSEC 1000000000UL

static u64 boot_epoch_ns; /* [a] wall-clock time at tsc_ns() == 0 (mod 2^64) */
static void (*on_change)(u64 epoch); /* [I after boot] */

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u32 bcd(u8 v, bool binary)
{
	return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

static i64 days_from_civil(i64 y, u32 m, u32 d)
{
	/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
	y -= m <= 2;
	i64 era = (y >= 0 ? y : y - 399) / 400;
	u32 yoe = (u32)(y - era * 400);
	u32 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	u32 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (i64)doe - 719468;
}

void rtc_init(void)
{
	while (cmos(0x0a) & 0x80) /* update in progress */
		cpu_relax();
	u8 sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), day = cmos(0x07),
	   mon = cmos(0x08), year = cmos(0x09), b = cmos(0x0b);
	bool bin = b & 0x04;
	u32 h = bcd(hour & 0x7f, bin);
	if (!(b & 0x02) && (hour & 0x80)) /* 12-hour clock, PM */
		h = (h % 12) + 12;
	i64 days = days_from_civil(2000 + bcd(year, bin), bcd(mon, bin), bcd(day, bin));
	u64 secs = (u64)days * 86400 + h * 3600 + bcd(min, bin) * 60 + bcd(sec, bin);
	boot_epoch_ns = secs * NSEC - tsc_ns();
}

u64 realtime_epoch_ns(void)
{
	return __atomic_load_n(&boot_epoch_ns, __ATOMIC_RELAXED);
}

void realtime_set(u64 now_ns)
{
	u64 epoch = now_ns - tsc_ns(); /* may wrap: readers add tsc_ns() back, mod 2^64 */
	__atomic_store_n(&boot_epoch_ns, epoch, __ATOMIC_RELAXED);
	if (on_change)
		on_change(epoch);
}

void realtime_set_hook(void (*fn)(u64 epoch))
{
	on_change = fn;
}
