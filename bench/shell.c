/*
 * Whole workloads through busybox, as an outside benchmark would run them:
 *   shell_loop_300  busybox sh running
 *                   i=0; while [ $i -lt 300 ]; do echo $i | wc -c >/dev/null; i=$((i+1)); done
 *                   (each pass forks for `echo` and forks and execs `wc`:
 *                   Debian's busybox runs its applets by exec of
 *                   /proc/self/exe)
 *   gzip_20m        busybox gzip -c of a 20 MiB text file in /tmp (a RAM
 *                   file system) to /dev/null: almost all user-mode work, a
 *                   control that should cost the same on any kernel
 * Each is the median of a few runs after a warm-up run, time per run.
 */
#include "bench.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GZIP_BYTES (20u << 20)
#define GZIP_FILE "/tmp/bench-gzip.txt"

static char *sh_loop[] = {"/bin/busybox", "sh", "-c",
			  "i=0; while [ $i -lt 300 ]; do echo $i | wc -c >/dev/null; i=$((i+1)); done",
			  NULL};
static char *gzip_cmd[] = {"/bin/busybox", "gzip", "-c", GZIP_FILE, NULL};

static uint64_t run_cmd(void *argv)
{
	uint64_t t0 = now_ns();
	bench_cmd(argv, argv == gzip_cmd ? "/dev/null" : NULL);
	return now_ns() - t0;
}

/* Text of pseudo-random words: compresses about 3:1, like source code or logs. */
static void make_text(void)
{
	static const char *words[] = {"the",    "kernel", "page",  "table", "of",    "a",
				      "process", "maps",   "frame", "into",  "user",  "space",
				      "when",   "fault",  "comes", "zero",  "copy",  "message"};
	char *buf = malloc(GZIP_BYTES);
	if (!buf)
		bench_die("malloc");
	uint64_t x = 12345;
	size_t n = 0;
	while (n < GZIP_BYTES - 32) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		const char *w = words[(x >> 33) % (sizeof words / sizeof words[0])];
		size_t l = strlen(w);
		memcpy(buf + n, w, l);
		n += l;
		buf[n++] = (x >> 20) % 11 ? ' ' : '\n';
		if ((x >> 40) % 7 == 0)
			n += (size_t)sprintf(buf + n, "%u", (unsigned)(x >> 48));
	}
	while (n < GZIP_BYTES)
		buf[n++] = '\n';
	int fd = open(GZIP_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		bench_die(GZIP_FILE);
	bench_write_all(fd, buf, GZIP_BYTES, "write " GZIP_FILE);
	close(fd);
	free(buf);
}

int main(void)
{
	bench_print("shell_loop_300", bench_repeat("shell_loop_300", run_cmd, sh_loop, 3, 1));
	make_text();
	bench_print("gzip_20m", bench_repeat("gzip_20m", run_cmd, gzip_cmd, 3, 1));
	unlink(GZIP_FILE);
	return 0;
}
