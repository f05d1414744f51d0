/*
 * Demo, kept as a test: a file copy that keeps 32 reads and writes in
 * flight from one thread, with user/lib/future.h. Each of 32 slots reads
 * a chunk, then writes it at the same offset, then takes the next chunk;
 * the loop waits for whichever slot's operation completes first
 * (fut_await_any). The copy must equal the source.
 *
 *   uring_copy [DIR]   the files go in DIR (default /tmp). On a disk, the
 *                      block cache is emptied after the source is written
 *                      (where /proc/sys/vm/drop_caches lets us), so the
 *                      reads miss it and wait for the disk, parked in the
 *                      kernel (tests/uring-ext2.sh).
 */
#include "t.h"
#include "future.h"
#include <fcntl.h>

#define SLOTS 32
#define CHUNK (16 * 1024)
#define SIZE (4L * 1024 * 1024 + 1234) /* not a whole number of chunks */

struct slot {
	struct future f;
	long pos, end; /* the part of its chunk still to copy */
	int writing;   /* its operation: the read, or the write after it */
	int len;       /* bytes the read brought */
	char buf[CHUNK];
};

static char pattern(long i)
{
	return (char)(i * 2654435761UL >> 13);
}

static void drop_caches(void)
{
	sync();
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		t_note("block cache emptied: %s", write(fd, "3", 1) == 1 ? "yes" : "no");
		close(fd);
	}
}

int main(int argc, char **argv)
{
	char srcbuf[256], dstbuf[256];
	const char *src = t_tmp("copy-src"), *dst = t_tmp("copy-dst");
	if (argc > 1) {
		snprintf(srcbuf, sizeof srcbuf, "%s/uring-copy-src", argv[1]);
		snprintf(dstbuf, sizeof dstbuf, "%s/uring-copy-dst", argv[1]);
		src = srcbuf, dst = dstbuf;
	}
	int in = open(src, O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char block[65536];
	for (long off = 0; off < SIZE; off += sizeof block) {
		long n = SIZE - off < (long)sizeof block ? SIZE - off : (long)sizeof block;
		for (long i = 0; i < n; i++)
			block[i] = pattern(off + i);
		if (write(in, block, (size_t)n) != n)
			break;
	}
	CHECK(lseek(in, 0, SEEK_END) == SIZE, "a source file of %ld bytes", SIZE);
	if (argc > 1)
		drop_caches();
	int out = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(in >= 0 && out >= 0, "source and destination open");
	struct fexec ex;
	CHECK(fexec_init(&ex, 64) == 0, "a ring");
	static struct slot slots[SLOTS];
	struct future *fs[SLOTS];
	long next = 0, copied = 0;
	unsigned most = 0;
	int errors = 0;
	for (int i = 0; i < SLOTS; i++) {
		fs[i] = &slots[i].f;
		slots[i].pos = next;
		slots[i].end = next + CHUNK < SIZE ? next + CHUNK : SIZE;
		next += CHUNK;
		fut_read(&ex, &slots[i].f, in, slots[i].buf, CHUNK, slots[i].pos, NULL, NULL);
	}
	int active = SLOTS;
	while (active) {
		if (ex.inflight > most)
			most = ex.inflight;
		int i = fut_await_any(&ex, fs, SLOTS);
		if (i < 0) {
			errors++;
			break;
		}
		struct slot *s = &slots[i];
		int res = s->f.res;
		s->f.state = FUT_IDLE; /* taken: await_any looks for the next */
		if (res < 0 || (!s->writing && res == 0) || (s->writing && res != s->len)) {
			errors++;
			active--;
			continue;
		}
		if (!s->writing) {
			/* A read may bring less than asked (on a disk, a cache miss midway). */
			s->writing = 1;
			s->len = res;
			fut_write(&ex, &s->f, out, s->buf, (size_t)res, s->pos, NULL, NULL);
			continue;
		}
		copied += res;
		s->writing = 0;
		s->pos += res;
		if (s->pos >= s->end) {
			/* This chunk is done: the next one, if any is left. */
			if (next >= SIZE) {
				active--;
				continue;
			}
			s->pos = next;
			s->end = next + CHUNK < SIZE ? next + CHUNK : SIZE;
			next += CHUNK;
		}
		fut_read(&ex, &s->f, in, s->buf, (size_t)(s->end - s->pos), s->pos, NULL, NULL);
	}
	CHECK(errors == 0 && copied == SIZE, "copied %ld bytes with no error", copied);
	CHECK(most == SLOTS, "%u operations in flight at most (want %d)", most, SLOTS);
	int same = lseek(out, 0, SEEK_END) == SIZE;
	static char a[65536], b[65536];
	for (long off = 0; same && off < SIZE; off += sizeof a) {
		ssize_t n = pread(in, a, sizeof a, off);
		same = n > 0 && pread(out, b, (size_t)n, off) == n && !memcmp(a, b, (size_t)n);
	}
	CHECK(same, "the copy equals the source");
	fexec_exit(&ex);
	close(in);
	close(out);
	unlink(src);
	unlink(dst);
	return t_done();
}
