/*
 * posix_fadvise(2) and readahead(2) acting on the page cache, as on Linux,
 * seen through mincore(2) on a mapping of the file that is never touched
 * (so residency is the cache's, not the mapping's):
 *  - DONTNEED after fsync drops every page; only pages wholly inside the
 *    range go; a page mapped and touched stays; dirty data written before
 *    a DONTNEED is not lost;
 *  - WILLNEED (and readahead(2)) brings the range back without the caller
 *    reading it, within a bounded wait;
 *  - RANDOM: a read brings in the page read and none after it;
 *    SEQUENTIAL: a read brings in more than it asked for; NORMAL, NOREUSE
 *    are taken;
 *  - errors: EBADF, ESPIPE for a pipe, EINVAL for unknown advice and a
 *    negative length; readahead(2) EBADF and EINVAL.
 * On a file system that keeps files only in memory (tmpfs, ramfs) nothing
 * can be dropped: those checks say skip, and the data is checked instead.
 *   fadvise [DIR]   (default /tmp; tests/mmap-disk.sh runs it on ext2)
 */
#include "t.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#define PG 4096
#define NPAGES 64
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

static unsigned char *map;

/* Pages of [from, to) resident in the page cache. */
static int resident(int from, int to)
{
	unsigned char vec[NPAGES];
	if (mincore(map, NPAGES * PG, vec) != 0)
		return -1;
	int n = 0;
	for (int i = from; i < to; i++)
		n += vec[i] & 1;
	return n;
}

/* Wait (bounded: 20 s) until [from, to) is all resident; the count at the end. */
static int wait_resident(int from, int to)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int n = resident(from, to);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (n == to - from || n < 0 || t.tv_sec - t0.tv_sec >= 20)
			return n;
		sched_yield();
		usleep(5000);
	}
}

static char pattern(int page, int k)
{
	return (char)('a' + (page * 7 + k) % 26);
}

/* Every byte of the file (read through read()) is the pattern but page `alt`, which holds 'Z'. */
static int file_right(int fd, int alt)
{
	static char buf[PG];
	for (int i = 0; i < NPAGES; i++) {
		if (pread(fd, buf, PG, (off_t)i * PG) != PG)
			return 0;
		for (int k = 0; k < PG; k++)
			if (buf[k] != (i == alt ? 'Z' : pattern(i, k % 61)))
				return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[300];
	snprintf(path, sizeof path, "%s/fadvise-%d", dir, (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!CHECK(fd >= 0, "create %s", path))
		return t_done();
	static char buf[PG];
	for (int i = 0; i < NPAGES; i++) {
		for (int k = 0; k < PG; k++)
			buf[k] = pattern(i, k % 61);
		if (write(fd, buf, PG) != PG)
			break;
	}
	CHECK(fsync(fd) == 0, "a %d-page file written and synced", NPAGES);
	struct statfs sfs;
	int memfs = fstatfs(fd, &sfs) == 0 && (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC);
	if (memfs)
		t_note("%s keeps its files only in memory: no page can be dropped", dir);
	map = mmap(NULL, NPAGES * PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "map it (never touched: mincore shows the page cache)");
	if (map == MAP_FAILED)
		return t_done();

	/* DONTNEED of the whole file. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "DONTNEED of the whole file");
	if (memfs)
		CHECK(resident(0, NPAGES) == NPAGES, "a memory file keeps its pages");
	else
		CHECK(resident(0, NPAGES) == 0, "after DONTNEED no page is resident (%d are)",
		      resident(0, NPAGES));

	/* WILLNEED brings it back without a read. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED) == 0, "WILLNEED of the whole file");
	int n = wait_resident(0, NPAGES);
	CHECK(n == NPAGES, "after WILLNEED every page becomes resident within 20 s (%d of %d)", n,
	      NPAGES);

	/*
	 * Only pages wholly inside the range go. A page whose read WILLNEED
	 * started may still be busy with it although mincore shows it: Linux
	 * and Ferry both leave such a page, so DONTNEED is asked again (for
	 * at most 20 s) until the reads have let go.
	 */
	int asked = posix_fadvise(fd, 8 * PG + 100, 8 * PG, POSIX_FADV_DONTNEED);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!memfs && asked == 0 && resident(9, 16) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 20)
			break;
		usleep(20000);
		asked = posix_fadvise(fd, 8 * PG + 100, 8 * PG, POSIX_FADV_DONTNEED);
	}
	CHECK(asked == 0, "DONTNEED of bytes 8 pages + 100 .. 16 pages + 99");
	if (memfs) {
		t_skip("a range's pages dropped (memory file system)");
	} else {
		CHECK(resident(8, 9) == 1 && resident(16, 17) == 1,
		      "the pages the range only starts or ends in stay");
		CHECK(resident(9, 16) == 0, "the 7 pages wholly inside go (%d stay)", resident(9, 16));
	}
	CHECK(resident(0, 8) == 8 && resident(17, NPAGES) == NPAGES - 17,
	      "pages outside the range stay");

	/* A page a mapping uses is not dropped; its data is the file's. */
	volatile char c = map[20 * PG + 5];
	CHECK(c == pattern(20, 5), "the mapping reads the file");
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "DONTNEED again");
	CHECK(resident(20, 21) == 1, "a page the mapping uses stays resident");
	/*
	 * (Which other pages go is not checked: Linux maps a fault's cached
	 * neighbours too, and keeps a large folio the mapping holds any of.)
	 */

	/* Dirty data survives a DONTNEED. */
	memset(buf, 'Z', PG);
	CHECK(pwrite(fd, buf, PG, 30 * PG) == PG, "a page rewritten, not synced");
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "DONTNEED with a dirty page");
	CHECK(fsync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0,
	      "fsync and DONTNEED again");
	CHECK(file_right(fd, 30), "every byte of the file is right afterwards (the rewrite kept)");
	CHECK(map[30 * PG] == 'Z', "the mapping sees the rewrite");

	/* readahead(2) brings a range in too. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "DONTNEED");
	CHECK(readahead(fd, 32 * PG, 16 * PG) == 0, "readahead(2) of pages 32..47");
	n = wait_resident(32, 48);
	CHECK(n == 16, "they become resident within 20 s (%d of 16)", n);

	/* The readahead window. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) == 0, "RANDOM");
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "DONTNEED");
	CHECK(pread(fd, buf, 100, 50 * PG) == 100 && buf[0] == pattern(50, 0),
	      "a read after RANDOM is right");
	if (memfs) {
		t_skip("readahead window (memory file system)");
	} else {
		CHECK(resident(50, 51) == 1 && resident(51, NPAGES) == 0,
		      "after RANDOM a read brings in its page and none after it (%d after)",
		      resident(51, NPAGES));
		CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "SEQUENTIAL");
		CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "DONTNEED");
		static char two[2 * PG];
		CHECK(pread(fd, two, 2 * PG, 0) == 2 * PG && two[PG + 1] == pattern(1, 1),
		      "a read after SEQUENTIAL is right");
		CHECK(wait_resident(0, 4) == 4,
		      "after SEQUENTIAL a read of 2 pages brings in more than it asked for");
	}
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL) == 0, "NORMAL");
	CHECK(posix_fadvise(fd, 0, PG, POSIX_FADV_NOREUSE) == 0, "NOREUSE");
	CHECK(file_right(fd, 30), "every byte is still right");

	/* Bad input. */
	CHECK(posix_fadvise(fd, 0, 0, 99) == EINVAL, "unknown advice: EINVAL");
	CHECK(posix_fadvise(fd, 0, -1, POSIX_FADV_WILLNEED) == EINVAL, "a negative length: EINVAL");
	CHECK(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL) == EBADF, "fd -1: EBADF");
	int p[2];
	CHECK(pipe(p) == 0, "a pipe");
	CHECK(posix_fadvise(p[0], 0, 0, POSIX_FADV_DONTNEED) == ESPIPE, "a pipe: ESPIPE");
	CHECK_ERR(readahead(p[0], 0, PG), EINVAL, "readahead(2) of a pipe: EINVAL");
	int wo = open(path, O_WRONLY);
	CHECK_ERR(readahead(wo, 0, PG), EBADF, "readahead(2) of a write-only descriptor: EBADF");
	CHECK(posix_fadvise(wo, 0, 0, POSIX_FADV_WILLNEED) == 0,
	      "fadvise of a write-only descriptor is taken");
	close(wo);
	close(p[0]);
	close(p[1]);
	close(fd);
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL) == EBADF, "a closed descriptor: EBADF");
	munmap(map, NPAGES * PG);
	unlink(path);
	return t_done();
}
