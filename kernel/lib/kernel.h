/*
 * What every kernel file needs: types, console output with log levels,
 * panic and assertions. Assertions stay on in every build (STYLE.md).
 */
#pragma once

#include "lib/types.h"
#include "lib/string.h"

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level; /* [a] messages above it stay off the console (syslog(2) sets it) */

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vkprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#define pr_err(...)   klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define assert(cond)                                                                       \
	do {                                                                               \
		if (unlikely(!(cond)))                                                     \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#define BUILD_ASSERT(cond) _Static_assert(cond, #cond)

/*
 * The extra-checking build (-DKERNEL_CHECKS: build/ferry-check.elf, what
 * make test boots): checks too costly for every build, written as
 * `if (KCHECKS)` so both builds compile them. The cheap ones (lock
 * counts, interrupts off, *_locked asserts, parks registered, the kernel
 * stack's canary) are on in every build.
 */
#ifdef KERNEL_CHECKS
#define KCHECKS 1
#else
#define KCHECKS 0
#endif
