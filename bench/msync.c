/*
 * msync of a shared file mapping on the benchmark disk (ext2 on
 * virtio-blk, issue 11):
 *   msync_dirty_1m_ext2   msync(MS_SYNC) of a 1 MiB range of a MAP_SHARED
 *                         mapping whose 256 pages were all just written
 *                         (the writes untimed): the time until they are on
 *                         the disk
 *   msync [DIR]   (default /disk, tools/bench-disk.sh)
 * It waits for the disk, so it runs in the wall-time boots only: under
 * -icount QEMU's clock jumps ahead to the next timer while the guest
 * waits, by more than the disk takes, and a run lasts minutes of guest
 * time. Afterwards read() must see what the mapping holds.
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
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

/* n times: write every page of a shared 1 MiB mapping, then msync it (timed). */
static uint64_t run_msync(long n, void *arg)
{
	unsigned char *m = arg;
	uint64_t t = 0;
	for (long i = 0; i < n; i++) {
		for (size_t off = 0; off < CHUNK; off += PAGE)
			m[off] = (unsigned char)(i + off / PAGE);
		uint64_t t0 = now_ns();
		if (msync(m, CHUNK, MS_SYNC) < 0)
			bench_die("msync");
		t += now_ns() - t0;
	}
	return t;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *dir = argc > 1 ? argv[1] : "/disk";
	struct stat st;
	struct statfs sf;
	char path[512];
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		printf("# msync: no directory %s (no benchmark disk): nothing measured\n", dir);
		return 1;
	}
	if (statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)) {
		printf("# msync: %s is in RAM, not on the benchmark disk: nothing measured\n", dir);
		return 1;
	}
	unsigned char *buf = calloc(1, CHUNK);
	if (!buf)
		bench_die("calloc");
	snprintf(path, sizeof path, "%s/msync.dat", dir);
	int s = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (s < 0)
		bench_die(path);
	if (ftruncate(s, CHUNK) < 0 || fsync(s) < 0)
		bench_die("ftruncate/fsync");
	unsigned char *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0);
	if (m == MAP_FAILED)
		bench_die("mmap shared");
	bench_ns(&(struct bench){.name = "msync_dirty_1m_ext2", .run = run_msync, .arg = m});
	for (size_t got = 0; got < CHUNK;) {
		ssize_t r = pread(s, buf + got, CHUNK - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			bench_die("pread");
		got += (size_t)r;
	}
	if (memcmp(buf, m, CHUNK) != 0) {
		fprintf(stderr, "msync: the shared mapping and read() disagree\n");
		return 1;
	}
	munmap(m, CHUNK);
	close(s);
	unlink(path);
	return 0;
}
