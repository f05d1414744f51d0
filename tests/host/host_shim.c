/* The kernel services the mm sources need, for host unit tests (see host_shim.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "host_shim.h"
#include "lib/kernel.h"

u8 *host_phys_base;
u64 host_phys_size;
int log_level = LOG_INFO;

jmp_buf host_panic_jmp;
volatile bool host_panic_armed;
char host_panic_msg[512];

void host_mem_init(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("host_mem_init: mmap");
		exit(2);
	}
	host_phys_base = p;
	host_phys_size = size;
}

void host_mem_fini(void)
{
	if (host_phys_base)
		munmap(host_phys_base, host_phys_size);
	host_phys_base = NULL;
	host_phys_size = 0;
}

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
