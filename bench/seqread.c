/*
 * Sequential read of a 64 MiB file on an ext2 disk (virtio-blk), in 1 MiB
 * read() calls (more where a read returns less): cold (sync, then
 * /proc/sys/vm/drop_caches, so every block comes from the disk) and warm
 * (the same file read again at once).
 *   seqread [DIR [MiB]]   (default /disk: the benchmark disk, see
 *                          tools/bench-disk.sh; 64 MiB)
 * The file is written here first (and removed after). Each figure is the
 * median of RUNS reads of the whole file, in MB/s. If DIR is missing or
 * in RAM (tmpfs, ramfs), or the caches cannot be dropped, it says so on a
 * `#` line and reports nothing for what it could not measure.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define RUNS 5
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

static char path[512];
static unsigned char *buf;
static long mib = 64;

/* Every byte of MiB number `chunk`: differs from MiB to MiB, so a misplaced one shows. */
static unsigned char pattern(long chunk)
{
	return (unsigned char)(0x5a ^ (chunk * 7));
}

static void make_file(void)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		bench_die(path);
	for (long c = 0; c < mib; c++) {
		memset(buf, pattern(c), CHUNK);
		if (write(fd, buf, CHUNK) != CHUNK)
			bench_die("write");
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		bench_die("fsync/close");
}

/* 0, or -1 when this kernel has no drop_caches to write. */
static int drop_caches(void)
{
	sync();
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		return -1;
	int r = write(fd, "3\n", 2) == 2 ? 0 : -1;
	close(fd);
	return r;
}

/*
 * One chunk: read() until it is full or the file ends, as careful programs
 * do (Ferry may return fewer bytes than asked for when a read would wait
 * on the disk after it has copied some); the bytes read, or -1.
 */
static ssize_t read_chunk(int fd)
{
	size_t got = 0;
	while (got < CHUNK) {
		ssize_t n = read(fd, buf + got, CHUNK - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Read the whole file once; the nanoseconds it took. Checks two bytes per chunk. */
static uint64_t read_file(void)
{
	uint64_t t0 = now_ns();
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		bench_die(path);
	long c = 0;
	ssize_t n;
	while ((n = read_chunk(fd)) > 0) {
		if (n != CHUNK || buf[0] != pattern(c) || buf[CHUNK - 1] != pattern(c)) {
			fprintf(stderr, "seqread: chunk %ld: %zd bytes, wrong data or a short read\n",
				c, n);
			exit(1);
		}
		c++;
	}
	if (n < 0)
		bench_die("read");
	close(fd);
	uint64_t t = now_ns() - t0;
	if (c != mib) {
		fprintf(stderr, "seqread: read %ld MiB of %ld\n", c, mib);
		exit(1);
	}
	return t;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *ns)
{
	qsort(ns, RUNS, sizeof ns[0], cmp_u64);
	double bytes = (double)mib * CHUNK;
	printf("# %s: %d reads of %ld MiB, %.1f-%.1f MB/s\n", name, RUNS, mib, bytes / ns[RUNS - 1] * 1e3,
	       bytes / ns[0] * 1e3);
	printf("%s %.1f MB/s\n", name, bytes / ns[RUNS / 2] * 1e3);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/disk";
	if (argc > 2)
		mib = atol(argv[2]);
	struct stat st;
	struct statfs sf;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		printf("# seqread: no directory %s (no benchmark disk): nothing measured\n", dir);
		return 0;
	}
	if (statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)) {
		printf("# seqread: %s is in RAM, not on the benchmark disk: nothing measured\n", dir);
		return 0;
	}
	if (mib < 1)
		mib = 64;
	buf = aligned_alloc(4096, CHUNK);
	if (!buf)
		bench_die("aligned_alloc");
	snprintf(path, sizeof path, "%s/seqread.dat", dir);
	make_file();

	uint64_t cold[RUNS], warm[RUNS];
	int can_drop = 1;
	for (int i = 0; i < RUNS && can_drop; i++) {
		if (drop_caches() < 0) {
			printf("# seqread: cannot write /proc/sys/vm/drop_caches (%s): no cold figure\n",
			       strerror(errno));
			can_drop = 0;
			break;
		}
		cold[i] = read_file();
	}
	read_file(); /* warm it (again) */
	for (int i = 0; i < RUNS; i++)
		warm[i] = read_file();
	if (can_drop)
		report("seqread_cold_1m", cold);
	report("seqread_warm_1m", warm);
	unlink(path);
	return 0;
}
