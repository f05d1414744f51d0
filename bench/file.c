/*
 * Files: create + write 4 KiB + close + unlink, and stat of a path five
 * components deep (DIR/s1/s2/s3/f, DIR being one component).
 *   file [DIR]   (default /tmp, a tmpfs on both kernels)
 */
#include "bench.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256] = "/tmp";
static char path[512];
static char data[4096];

static uint64_t run_create(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			bench_die(path);
		if (write(fd, data, sizeof data) != sizeof data)
			bench_die("write");
		if (close(fd) < 0 || unlink(path) < 0)
			bench_die("close/unlink");
	}
	return now_ns() - t0;
}

static uint64_t run_stat(long n, void *arg)
{
	struct stat st;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (stat(path, &st) < 0)
			bench_die(path);
	return now_ns() - t0;
}

static void mkdirs(const char *p)
{
	if (mkdir(p, 0755) < 0)
		bench_die(p);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	memset(data, 'f', sizeof data);

	snprintf(path, sizeof path, "%s/bench-file", dir);
	unlink(path);
	bench_ns(&(struct bench){.name = "file_create_write_unlink", .run = run_create});

	char d1[300], d2[310], d3[320];
	snprintf(d1, sizeof d1, "%s/s1", dir);
	snprintf(d2, sizeof d2, "%s/s2", d1);
	snprintf(d3, sizeof d3, "%s/s3", d2);
	snprintf(path, sizeof path, "%s/f", d3);
	mkdirs(d1);
	mkdirs(d2);
	mkdirs(d3);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		bench_die(path);
	close(fd);
	bench_ns(&(struct bench){.name = "stat_5deep", .run = run_stat});
	unlink(path);
	rmdir(d3);
	rmdir(d2);
	rmdir(d1);
	return 0;
}
