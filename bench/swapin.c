/*
 * Swap-in of 64 MiB (issue 11), wall time:
 *   swapin_64m   time to read back every page of a 64 MiB anonymous region
 *                (a word at each end of every page, checked) after it was
 *                pushed out to swap
 *   swapin [DIR [SWAP-MiB]]   (default /disk, the benchmark disk, and 256)
 * The swap area is a swap file this program makes on DIR (ext2 on
 * virtio-blk, tools/bench-disk.sh) the way mkswap does: the file written
 * out whole (no holes), Linux's version-1 header in its first page
 * ("SWAPSPACE2" at the page's end, last_page, no bad pages), then
 * swapon(2). The machine has less RAM than the region and the memory
 * pushing it out together: the region is written first, then a second
 * region as large as MemTotal is written and unmapped, which leaves most of
 * the first one in swap. How much of it is out (VmSwap) is printed on a
 * `#` line; less than 7/8 of it after three pushes is a failure, as is
 * any wrong word. Each figure is the median of three rounds. Under -icount
 * it waits for the disk (virtual time, see the wall-time row).
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#define PAGE 4096
#define MIB (1ul << 20)
#define REGION (64 * MIB)
#define ROUNDS 3

static char path[512];

/* The word at each end of page `i` in round `r`. */
static uint64_t word(size_t i, int r)
{
	return (i * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)r << 56) ^ 0x5a5a;
}

/* Linux's swap area layout (mkswap(8)): a version-1 header in page 0. */
static void make_swapfile(long mib)
{
	unsigned char *chunk = calloc(1, MIB);
	if (!chunk)
		bench_die("calloc");
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		bench_die(path);
	for (long i = 0; i < mib; i++)
		bench_write_all(fd, chunk, MIB, "write swap file");
	uint32_t info[3] = {1, (uint32_t)(mib * (MIB / PAGE) - 1), 0}; /* version, last_page, bad */
	memcpy(chunk + 1024, info, sizeof info);
	for (int i = 0; i < 16; i++) /* a UUID, any will do */
		chunk[1036 + i] = (unsigned char)(0x40 + i * 7);
	memcpy(chunk + PAGE - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, chunk, PAGE, 0) != PAGE || fsync(fd) < 0 || close(fd) < 0)
		bench_die("swap header");
	free(chunk);
}

/* A "Name:   N kB" line of a /proc file, in KiB; -1 if missing. */
static long proc_kib(const char *file, const char *name)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return -1;
	char line[256];
	long v = -1;
	size_t l = strlen(name);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, name, l) == 0 && line[l] == ':') {
			v = atol(line + l + 1);
			break;
		}
	fclose(f);
	return v;
}

/* Writes every page of a fresh region as large as the machine, then frees it. */
static void push(size_t bytes)
{
	unsigned char *b = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		bench_die("mmap push region");
	madvise(b, bytes, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < bytes; off += PAGE)
		b[off] = 1;
	if (munmap(b, bytes) < 0)
		bench_die("munmap");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* what was measured shows even if a later part hangs */
	const char *dir = argc > 1 ? argv[1] : "/disk";
	long swap_mib = argc > 2 ? atol(argv[2]) : 256;
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		printf("# swapin: no directory %s (no benchmark disk): nothing measured\n", dir);
		return 1;
	}
	long mem_kib = proc_kib("/proc/meminfo", "MemTotal");
	if (mem_kib <= 0)
		bench_die("MemTotal in /proc/meminfo");
	snprintf(path, sizeof path, "%s/swapfile", dir);
	make_swapfile(swap_mib);
	if (swapon(path, 0) < 0) {
		if (errno == ENOSYS) {
			bench_unsupported("swapin_64m", "(no swapon)");
			unlink(path);
			return 0;
		}
		bench_die("swapon");
	}
	printf("# swapin: %ld MiB swap file on %s, MemTotal %ld MiB\n", swap_mib, dir, mem_kib >> 10);
	uint64_t *a = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		bench_die("mmap");
	madvise(a, REGION, MADV_NOHUGEPAGE);
	const size_t pages = REGION / PAGE, w = PAGE / sizeof *a;
	uint64_t ns[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < pages; i++)
			a[i * w] = a[i * w + w - 1] = word(i, r);
		long out = 0;
		for (int tries = 0; tries < 3 && out < (long)(REGION >> 10) * 7 / 8; tries++) {
			push((size_t)mem_kib << 10);
			out = proc_kib("/proc/self/status", "VmSwap");
		}
		printf("# swapin: round %d: %ld of %lu KiB out in swap\n", r, out, REGION >> 10);
		if (out < (long)(REGION >> 10) * 7 / 8) {
			fprintf(stderr, "swapin: only %ld KiB of the region went to swap\n", out);
			return 1;
		}
		uint64_t t0 = now_ns(), bad = 0;
		for (size_t i = 0; i < pages; i++)
			bad += (a[i * w] != word(i, r)) + (a[i * w + w - 1] != word(i, r));
		ns[r] = now_ns() - t0;
		if (bad) {
			fprintf(stderr, "swapin: %llu words wrong after swap-in\n", (unsigned long long)bad);
			return 1;
		}
	}
	for (int i = 1; i < ROUNDS; i++) /* sort the three */
		for (int j = i; j > 0 && ns[j] < ns[j - 1]; j--) {
			uint64_t t = ns[j];
			ns[j] = ns[j - 1];
			ns[j - 1] = t;
		}
	printf("# swapin_64m: %d rounds, %llu-%llu ns\n", ROUNDS, (unsigned long long)ns[0],
	       (unsigned long long)ns[ROUNDS - 1]);
	bench_print("swapin_64m", (double)ns[ROUNDS / 2]);
	munmap(a, REGION);
	if (swapoff(path) < 0)
		bench_die("swapoff");
	unlink(path);
	return 0;
}
