/*
 * Host stand-ins for the few kernel services the pure ACPI parsers use
 * (klog, kprintf, panic, strlcpy). Messages are kept in acpi_shim_log so
 * tests can check that a bad table was reported clearly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char acpi_shim_log[16384];
static size_t log_len;

void acpi_shim_log_reset(void)
{
	log_len = 0;
	acpi_shim_log[0] = 0;
}

static void log_append(const char *fmt, va_list ap)
{
	if (log_len + 1 >= sizeof acpi_shim_log)
		return;
	int n = vsnprintf(acpi_shim_log + log_len, sizeof acpi_shim_log - log_len, fmt, ap);
	if (n > 0)
		log_len += (size_t)n < sizeof acpi_shim_log - log_len ? (size_t)n
								   : sizeof acpi_shim_log - log_len - 1;
}

int klog(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_append(fmt, ap);
	va_end(ap);
	return 0;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_append(fmt, ap);
	va_end(ap);
	return 0;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}
