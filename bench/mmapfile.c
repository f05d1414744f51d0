/*
 * File mappings on the benchmark disk (ext2 on virtio-blk, issue 11):
 *   file_read_cached_64m   read() of a cached 64 MiB file in 1 MiB calls
 *                          into one 1 MiB buffer, MB/s
 *   file_mmap_cached_64m   the same file through mmap(MAP_PRIVATE,
 *                          PROT_READ): each 1 MiB memcpy'd into the same
 *                          buffer, mmap and munmap included, MB/s
 *   page_fault_file        first read of one page of a cached file mapped
 *                          MAP_PRIVATE (one byte per 4 KiB page, only the
 *                          touching timed), per page; Linux maps the
 *                          cached pages around a fault too (fault-around),
 *                          which is part of what a page costs there
 *   mmapfile [DIR]   (default /disk: the benchmark disk, tools/bench-disk.sh)
 * "Cached": the file was read whole just before, so no figure waits for
 * the disk (msync, which does, is bench/msync.c). Three bytes of every MiB
 * read are checked.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define PAGE 4096
#define CHUNK (1u << 20)
#define FILE_MIB 64
#define FILE_BYTES ((size_t)FILE_MIB << 20)
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

static char path[512];
static unsigned char *buf;
static int fd;

/* Every byte of MiB number `chunk`: differs from MiB to MiB, so a misplaced one shows. */
static unsigned char pattern(size_t chunk)
{
	return (unsigned char)(0xa5 ^ (chunk * 13));
}

static void check_chunk(size_t c, const char *how)
{
	if (buf[0] != pattern(c) || buf[CHUNK / 2] != pattern(c) || buf[CHUNK - 1] != pattern(c)) {
		fprintf(stderr, "mmapfile: %s: MiB %zu has wrong data\n", how, c);
		exit(1);
	}
}

static void make_file(void)
{
	int w = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (w < 0)
		bench_die(path);
	for (size_t c = 0; c < FILE_MIB; c++) {
		memset(buf, pattern(c), CHUNK);
		bench_write_all(w, buf, CHUNK, "write");
	}
	if (fsync(w) < 0 || close(w) < 0)
		bench_die("fsync/close");
}

/* One whole file through read(); n files a batch. */
static uint64_t run_read(long n, void *arg)
{
	uint64_t t = 0;
	for (long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		for (size_t c = 0; c < FILE_MIB; c++) {
			size_t got = 0;
			while (got < CHUNK) {
				ssize_t r = pread(fd, buf + got, CHUNK - got, (off_t)(c * CHUNK + got));
				if (r <= 0)
					bench_die("pread");
				got += (size_t)r;
			}
			check_chunk(c, "read");
		}
		t += now_ns() - t0;
	}
	return t;
}

/* One whole file through a fresh mapping; n files a batch. */
static uint64_t run_mmap(long n, void *arg)
{
	uint64_t t = 0;
	for (long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		unsigned char *p = mmap(NULL, FILE_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			bench_die("mmap");
		for (size_t c = 0; c < FILE_MIB; c++) {
			memcpy(buf, p + c * CHUNK, CHUNK);
			check_chunk(c, "mmap");
		}
		if (munmap(p, FILE_BYTES) < 0)
			bench_die("munmap");
		t += now_ns() - t0;
	}
	return t;
}

/* n pages, each first touched through a fresh mapping of the cached file. */
static uint64_t run_fault(long n, void *arg)
{
	size_t len = (size_t)n * PAGE;
	volatile unsigned char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		bench_die("mmap");
	unsigned sum = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		sum += p[(size_t)i * PAGE];
	uint64_t t = now_ns() - t0;
	unsigned want = 0;
	for (long i = 0; i < n; i++)
		want += pattern((size_t)i * PAGE / CHUNK);
	if (sum != want) {
		fprintf(stderr, "mmapfile: mapped pages hold wrong data\n");
		exit(1);
	}
	if (munmap((void *)p, len) < 0)
		bench_die("munmap");
	return t;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* what was measured shows even if a later part hangs */
	const char *dir = argc > 1 ? argv[1] : "/disk";
	struct stat st;
	struct statfs sf;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		printf("# mmapfile: no directory %s (no benchmark disk): nothing measured\n", dir);
		return 1;
	}
	if (statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)) {
		printf("# mmapfile: %s is in RAM, not on the benchmark disk: nothing measured\n", dir);
		return 1;
	}
	buf = aligned_alloc(PAGE, CHUNK);
	if (!buf)
		bench_die("aligned_alloc");
	snprintf(path, sizeof path, "%s/mmapfile.dat", dir);
	make_file();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		bench_die(path);
	run_read(1, NULL); /* into the cache, if the writes did not leave it there */

	/* Each file read is one operation: at most 4 a batch (256 MiB moved). */
	bench_mbps(&(struct bench){.name = "file_read_cached_64m", .run = run_read, .max_n = 4},
		   (double)FILE_BYTES);
	bench_mbps(&(struct bench){.name = "file_mmap_cached_64m", .run = run_mmap, .max_n = 4},
		   (double)FILE_BYTES);
	bench_ns(&(struct bench){.name = "page_fault_file", .run = run_fault,
				 .max_n = FILE_BYTES / PAGE});
	close(fd);
	unlink(path);

	return 0;
}
