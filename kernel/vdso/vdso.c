/*
 * The vDSO: clock_gettime, gettimeofday and time answered in user mode
 * from the TSC, as Linux programs expect (musl and glibc find
 * __vdso_clock_gettime through AT_SYSINFO_EHDR). Built as a tiny shared
 * object, linked into the kernel image and mapped read-only into every
 * process, with the kernel's vdso_data page just below it. Anything it
 * does not handle goes to the real system call.
 */
#include <stdint.h>
#include "vdso_data.h"

/* The linker script puts this symbol one page below the vDSO's first byte. */
extern const struct vdso_data vdso_data __attribute__((visibility("hidden")));

struct timespec64 {
	int64_t tv_sec, tv_nsec;
};

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define NR_clock_gettime 228
#define NR_gettimeofday 96
#define NR_time 201
#define NSEC 1000000000ULL

static inline long syscall2(long nr, long a, long b)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

static inline uint64_t now_ns(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t d = (((uint64_t)hi << 32) | lo) - vdso_data.tsc_base;
	if ((int64_t)d < 0)
		return 0;
	return (uint64_t)(((unsigned __int128)d * vdso_data.ns_per_tsc_32) >> 32);
}

/* The wall clock's offset: clock_settime may change it at any time (one word). */
static inline uint64_t epoch(void)
{
	return *(volatile const uint64_t *)&vdso_data.epoch_ns;
}

int __vdso_clock_gettime(int clk, struct timespec64 *ts)
{
	uint64_t ns;
	if (!vdso_data.ready)
		return (int)syscall2(NR_clock_gettime, clk, (long)ts);
	switch (clk) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		ns = now_ns();
		break;
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		ns = now_ns() + epoch();
		break;
	default:
		return (int)syscall2(NR_clock_gettime, clk, (long)ts);
	}
	ts->tv_sec = (int64_t)(ns / NSEC);
	ts->tv_nsec = (int64_t)(ns % NSEC);
	return 0;
}

int __vdso_gettimeofday(int64_t *tv, void *tz)
{
	if (!vdso_data.ready || tz)
		return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		uint64_t ns = now_ns() + epoch();
		tv[0] = (int64_t)(ns / NSEC);
		tv[1] = (int64_t)(ns % NSEC / 1000);
	}
	return 0;
}

int64_t __vdso_time(int64_t *t)
{
	if (!vdso_data.ready)
		return syscall2(NR_time, (long)t, 0);
	int64_t s = (int64_t)((now_ns() + epoch()) / NSEC);
	if (t)
		*t = s;
	return s;
}

/* Linux's names are also exported without the prefix. */
int clock_gettime(int, struct timespec64 *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(int64_t *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
