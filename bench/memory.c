/*
 * Memory: a demand-zero page fault (first write to a fresh anonymous 4 KiB
 * page; only the touching is timed, not mmap or munmap) and mprotect of one
 * page. Transparent huge pages are turned off for the region
 * (MADV_NOHUGEPAGE) so that Linux, too, takes one fault per 4 KiB page.
 */
#include "bench.h"

#include <sys/mman.h>

#define PAGE 4096

static uint64_t run_fault(long n, void *arg)
{
	char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bench_die("mmap");
	madvise(p, n * PAGE, MADV_NOHUGEPAGE);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		((volatile char *)p)[i * PAGE] = 1;
	uint64_t t = now_ns() - t0;
	if (munmap(p, n * PAGE) < 0)
		bench_die("munmap");
	return t;
}

static uint64_t run_mprotect(long n, void *arg)
{
	char *p = arg;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (mprotect(p, PAGE, i & 1 ? PROT_READ | PROT_WRITE : PROT_READ) < 0)
			bench_die("mprotect");
	uint64_t t = now_ns() - t0;
	if (mprotect(p, PAGE, PROT_READ | PROT_WRITE) < 0)
		bench_die("mprotect");
	return t;
}

int main(void)
{
	/* 8192 pages: at most 32 MiB a batch. */
	bench_ns(&(struct bench){.name = "page_fault_zero", .run = run_fault, .max_n = 8192});

	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bench_die("mmap");
	p[0] = 1;
	bench_ns(&(struct bench){.name = "mprotect_page", .run = run_mprotect, .arg = p});
	return 0;
}
