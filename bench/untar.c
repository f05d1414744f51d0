/*
 * Small files, as an outside benchmark treats a file system: untar 2,000
 * files of 100 to 3,000 bytes (/bench/files.tar, tools/bench-tar.py), then
 * `find` and `du -s` over them (cached) and `rm -rf`, all with busybox, in
 * /tmp (a RAM file system) and in /disk (ext2 on the virtio-blk benchmark
 * disk, tools/bench-disk.sh). On ext2, `sync` right after the untar is
 * timed too: the time to write it all to the disk. Under -icount that is
 * virtual time (the clock jumps while the guest waits for the disk), not
 * an instruction count.
 *   untar [TAR]   (default /bench/files.tar, copied to /tmp first)
 * Each figure is the median of three rounds after an untimed one, time per
 * command.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROUNDS 3
#define LAST_FILE "files/d19/f099.txt" /* the archive's last entry */

static char *bb = "/bin/busybox";

static uint64_t timed(char *const argv[], const char *out)
{
	uint64_t t0 = now_ns();
	bench_cmd(argv, out);
	return now_ns() - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *v)
{
	qsort(v, ROUNDS, sizeof v[0], cmp_u64);
	printf("# %s: %d rounds, %.0f-%.0f ns\n", name, ROUNDS, (double)v[0], (double)v[ROUNDS - 1]);
	bench_print(name, (double)v[ROUNDS / 2]);
}

static void one_fs(const char *top, const char *tag, int disk, const char *tar)
{
	char dir[256], last[320], name[64];
	uint64_t untar[ROUNDS], syn[ROUNDS], find[ROUNDS], du[ROUNDS], rm[ROUNDS];
	snprintf(dir, sizeof dir, "%s/untar", top);
	snprintf(last, sizeof last, "%s/%s", dir, LAST_FILE);
	char *tar_x[] = {bb, "tar", "xf", (char *)tar, "-C", dir, NULL};
	char *sync_c[] = {bb, "sync", NULL};
	char *find_c[] = {bb, "find", dir, NULL};
	char *du_c[] = {bb, "du", "-s", dir, NULL};
	char *rm_c[] = {bb, "rm", "-rf", dir, NULL};
	/* An untimed round first: the file system's own metadata (bitmaps,
	 * inode tables) is then in memory, as on a machine in use. */
	if (mkdir(dir, 0755) < 0)
		bench_die(dir);
	bench_cmd(tar_x, NULL);
	bench_cmd(rm_c, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		if (disk)
			sync();
		if (mkdir(dir, 0755) < 0)
			bench_die(dir);
		untar[r] = timed(tar_x, NULL);
		if (disk)
			syn[r] = timed(sync_c, NULL);
		struct stat st;
		if (stat(last, &st) < 0)
			bench_die(last);
		find[r] = timed(find_c, "/dev/null");
		du[r] = timed(du_c, "/dev/null");
		rm[r] = timed(rm_c, NULL);
		if (access(dir, F_OK) == 0) {
			fprintf(stderr, "untar: %s still there after rm -rf\n", dir);
			exit(1);
		}
	}
	snprintf(name, sizeof name, "untar_2000_%s", tag);
	report(name, untar);
	if (disk) {
		snprintf(name, sizeof name, "sync_after_untar_%s", tag);
		report(name, syn);
	}
	snprintf(name, sizeof name, "find_2000_%s", tag);
	report(name, find);
	snprintf(name, sizeof name, "du_2000_%s", tag);
	report(name, du);
	snprintf(name, sizeof name, "rm_rf_2000_%s", tag);
	report(name, rm);
}

int main(int argc, char **argv)
{
	/* The archive is read from /tmp on both kernels (Ferry boots this
	 * program from the ext2 disk, Linux from its initramfs). */
	char *cp[] = {bb, "cp", argc > 1 ? argv[1] : "/bench/files.tar", "/tmp/files.tar", NULL};
	const char *tar = "/tmp/files.tar";
	bench_cmd(cp, NULL);
	one_fs("/tmp", "tmpfs", 0, tar);
	struct stat st;
	if (stat("/disk", &st) < 0 || !S_ISDIR(st.st_mode)) {
		printf("# untar: no /disk (no benchmark disk): no ext2 figures\n");
		return 0;
	}
	one_fs("/disk", "ext2", 1, tar);
	unlink(tar);
	return 0;
}
