/*
 * The kernel's console and panic for host unit tests: messages go to
 * stdout, and panic() jumps back to a test that expects it (EXPECT_PANIC
 * in host_shim.h), else aborts the test binary.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "lib/kernel.h"

int log_level = LOG_WARN; /* only warnings and errors: test output stays readable */

jmp_buf host_panic_jmp;
volatile bool host_panic_armed;
char host_panic_msg[512];

int vkprintf(const char *fmt, va_list ap)
{
	return vprintf(fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int klog(int level, const char *fmt, ...)
{
	if (level > log_level)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof host_panic_msg, fmt, ap);
	va_end(ap);
	if (host_panic_armed)
		longjmp(host_panic_jmp, 1);
	fprintf(stderr, "KERNEL PANIC (unexpected, in a host test): %s\n", host_panic_msg);
	abort();
}
