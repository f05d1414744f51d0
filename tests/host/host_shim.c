/* The kernel services the mm sources need, for host unit tests (see host_shim.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "host_shim.h"
#include "lib/kernel.h"

u8 *host_phys_base;
u64 host_phys_size;

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
