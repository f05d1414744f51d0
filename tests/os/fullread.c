/*
 * A read(2) of a regular file returns every byte asked for up to the end
 * of the file, even when its pages must first come from the disk: Linux
 * does, and programs count on it (GNU tar takes a short read for a file
 * that shrank and pads its archive with zeros).
 *   fullread [FILE...]   read each FILE (best one not read since boot, on
 *                        a disk) 10240 bytes at a time, as tar does;
 *                        without FILE: a file of its own in /tmp, written,
 *                        synced and dropped from the cache where the
 *                        system lets it (fadvise, and drop_caches as root)
 */
#include "t.h"

#include <fcntl.h>
#include <sys/stat.h>

#define CHUNK 10240

/* Read path in CHUNK pieces: every read full until the end; the bytes read. */
static long read_whole(const char *path, int check_pattern)
{
	int fd = open(path, O_RDONLY);
	if (!CHECK(fd >= 0, "open %s", path))
		return -1;
	struct stat st;
	fstat(fd, &st);
	static char buf[CHUNK];
	long total = 0, shorts = 0, wrong = 0;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n <= 0)
			break;
		long want = st.st_size - total < CHUNK ? (long)(st.st_size - total) : CHUNK;
		if (n != want)
			shorts++;
		for (ssize_t i = 0; check_pattern && i < n; i++)
			if (buf[i] != (char)('a' + (total + i) / 4096 % 26))
				wrong++;
		total += n;
	}
	close(fd);
	CHECK(shorts == 0, "%s: every read of %d bytes is full up to the end (%ld short)", path, CHUNK,
	      shorts);
	CHECK(total == st.st_size, "%s: %ld bytes read, its size %ld", path, total, (long)st.st_size);
	if (check_pattern)
		CHECK(wrong == 0, "%s: the bytes read are the bytes written (%ld wrong)", path, wrong);
	return total;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			read_whole(argv[i], 0);
		return t_done();
	}
	const char *path = "/tmp/fullread.data";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "create %s", path);
	static char page[4096];
	long size = 3L * 1024 * 1024 + 1234;
	for (long off = 0; off < size; off += sizeof page) {
		memset(page, 'a' + off / 4096 % 26, sizeof page);
		size_t n = size - off < (long)sizeof page ? (size_t)(size - off) : sizeof page;
		if (write(fd, page, n) != (ssize_t)n) {
			CHECK(0, "write %s", path);
			break;
		}
	}
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "fadvise(DONTNEED)");
	close(fd);
	int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc >= 0) {
		(void)!write(dc, "1", 1);
		close(dc);
	}
	read_whole(path, 1);
	unlink(path);
	return t_done();
}
