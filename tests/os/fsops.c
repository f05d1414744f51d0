/*
 * fsops: file-system work at larger scale, in the current directory (so it
 * exercises whatever file system that is: Ferry's RAM root, ext2 on a disk,
 * or Linux's): a sparse file with data far out (through triple-indirect
 * blocks on ext2 with 1 KiB blocks), many files in one directory, two
 * processes appending to one file at once, rename and link counts, and
 * names that are too long.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include <sys/syscall.h>

#include "t.h"

static void check_sparse(void)
{
	const char *path = t_tmp("sparse");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!CHECK(fd >= 0, "create a file"))
		return;
	/* 5 GiB + 123: past the single, double (and, with 1 KiB blocks, triple) indirect limits. */
	const off_t far = (5LL << 30) + 123, mid = (70LL << 20) + 7;
	const char tail[] = "far out", middle[] = "middle";
	CHECK(pwrite(fd, tail, sizeof tail, far) == (ssize_t)sizeof tail, "write 5 GiB into the file");
	CHECK(pwrite(fd, middle, sizeof middle, mid) == (ssize_t)sizeof middle,
	      "write at 70 MiB (double indirect)");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == far + (off_t)sizeof tail, "size is 5 GiB and a bit");
	CHECK(st.st_blocks < 1024, "the holes take no space (%lld blocks)", (long long)st.st_blocks);
	char buf[16] = {0};
	CHECK(pread(fd, buf, sizeof tail, far) == (ssize_t)sizeof tail && !strcmp(buf, tail),
	      "read back the far bytes");
	memset(buf, 1, sizeof buf);
	CHECK(pread(fd, buf, 8, 1LL << 30) == 8 && !memcmp(buf, "\0\0\0\0\0\0\0\0", 8),
	      "a hole reads as zeros");
	CHECK(pread(fd, buf, sizeof middle, mid) == (ssize_t)sizeof middle && !strcmp(buf, middle),
	      "read back the middle bytes");
	CHECK(ftruncate(fd, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096,
	      "truncate it back to 4 KiB");
	close(fd);
	CHECK(unlink(path) == 0, "unlink it");
}

#define NFILES 600

static void check_many(void)
{
	const char *dir = t_tmp("many");
	char name[PATH_MAX];
	if (!CHECK(mkdir(dir, 0755) == 0, "mkdir a directory"))
		return;
	int made = 0;
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof name, "%s/file-with-a-longish-name-%04d", dir, i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			break;
		made += write(fd, name, 8) == 8;
		close(fd);
	}
	CHECK(made == NFILES, "create %d files in it (%d)", NFILES, made);
	int found = 0;
	for (int i = 0; i < NFILES; i += 37) {
		struct stat st;
		snprintf(name, sizeof name, "%s/file-with-a-longish-name-%04d", dir, i);
		found += stat(name, &st) == 0 && st.st_size == 8;
	}
	CHECK(found == (NFILES + 36) / 37, "look some of them up (%d)", found);
	int gone = 0;
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof name, "%s/file-with-a-longish-name-%04d", dir, i);
		gone += unlink(name) == 0;
	}
	CHECK(gone == NFILES, "unlink them all (%d)", gone);
	CHECK(rmdir(dir) == 0, "and the directory is empty: rmdir");
}

#define APPENDS 400
#define RECORD 50

static void appender(const char *path, char tag)
{
	char rec[RECORD];
	memset(rec, tag, sizeof rec);
	rec[RECORD - 1] = '\n';
	int fd = open(path, O_WRONLY | O_APPEND);
	for (int i = 0; i < APPENDS; i++)
		if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec)
			_exit(1);
	_exit(0);
}

static void check_append(void)
{
	const char *path = t_tmp("append");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!CHECK(fd >= 0, "create a file to append to"))
		return;
	pid_t a = fork();
	if (a == 0)
		appender(path, 'a');
	pid_t b = fork();
	if (b == 0)
		appender(path, 'b');
	int sa = t_wait(a), sb = t_wait(b);
	CHECK(WIFEXITED(sa) && !WEXITSTATUS(sa) && WIFEXITED(sb) && !WEXITSTATUS(sb),
	      "two processes append %d records each", APPENDS);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 2 * APPENDS * RECORD, "nothing is lost (%lld bytes)",
	      (long long)st.st_size);
	static char all[2 * APPENDS * RECORD];
	ssize_t n = pread(fd, all, sizeof all, 0);
	int whole = 0, na = 0, nb = 0;
	for (ssize_t off = 0; off + RECORD <= n; off += RECORD) {
		char c = all[off];
		int ok = (c == 'a' || c == 'b') && all[off + RECORD - 1] == '\n';
		for (int k = 1; ok && k < RECORD - 1; k++)
			ok = all[off + k] == c;
		whole += ok;
		na += ok && c == 'a';
		nb += ok && c == 'b';
	}
	CHECK(whole == 2 * APPENDS && na == APPENDS && nb == APPENDS,
	      "and no record is torn (%d whole: %d a, %d b)", whole, na, nb);
	close(fd);
	unlink(path);
}

static void check_names(void)
{
	char name[PATH_MAX + 16];
	memset(name, 'x', 300);
	name[300] = 0;
	CHECK_ERR(open(name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG, "a 300-byte name is ENAMETOOLONG");
	memset(name, 'y', sizeof name - 1);
	for (size_t i = 100; i < sizeof name - 1; i += 100)
		name[i] = '/';
	name[sizeof name - 1] = 0;
	CHECK_ERR(open(name, O_RDONLY), ENAMETOOLONG, "a path longer than PATH_MAX is ENAMETOOLONG");

	const char *a = t_tmp("linkA"), *b = t_tmp("linkB"), *c = t_tmp("linkC");
	int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	struct stat st;
	CHECK(link(a, b) == 0 && stat(a, &st) == 0 && st.st_nlink == 2, "link: two names, nlink 2");
	CHECK(rename(b, c) == 0 && stat(c, &st) == 0 && st.st_nlink == 2 && stat(b, &st) < 0,
	      "rename moves a name, the count stays");
	CHECK(unlink(a) == 0 && stat(c, &st) == 0 && st.st_nlink == 1, "unlink one: nlink 1");
	unlink(c);
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

static long rename2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

/* Write s to a new file at path. */
static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	(void)!write(fd, s, strlen(s));
	close(fd);
}

static const char *contents(const char *path)
{
	static char buf[32];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* renameat2: RENAME_NOREPLACE never replaces (it did over a hard link), RENAME_EXCHANGE swaps. */
static void check_rename2(void)
{
	const char *a = t_tmp("rnA"), *b = t_tmp("rnB"), *c = t_tmp("rnC"), *d = t_tmp("rnD");
	put(a, "A");
	put(b, "B");
	CHECK_ERR(rename2(a, b, RENAME_NOREPLACE), EEXIST, "RENAME_NOREPLACE over a file: EEXIST");
	CHECK(link(a, c) == 0, "a second link to A");
	CHECK_ERR(rename2(a, c, RENAME_NOREPLACE), EEXIST,
		  "RENAME_NOREPLACE over another link to the same file: EEXIST");
	CHECK_ERR(rename2(a, a, RENAME_NOREPLACE), EEXIST, "RENAME_NOREPLACE onto itself: EEXIST");
	CHECK(!strcmp(contents(a), "A") && !strcmp(contents(b), "B") && !strcmp(contents(c), "A"),
	      "and nothing moved");
	CHECK(rename2(a, d, RENAME_NOREPLACE) == 0 && access(a, F_OK) < 0 &&
		      !strcmp(contents(d), "A"),
	      "RENAME_NOREPLACE to a free name moves it");
	CHECK(rename2(d, b, RENAME_EXCHANGE) == 0 && !strcmp(contents(d), "B") &&
		      !strcmp(contents(b), "A"),
	      "RENAME_EXCHANGE swaps two files");
	CHECK_ERR(rename2(d, a, RENAME_EXCHANGE), ENOENT, "RENAME_EXCHANGE with a missing name: ENOENT");
	CHECK_ERR(rename2(d, b, RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL,
		  "RENAME_EXCHANGE with RENAME_NOREPLACE: EINVAL");
	CHECK_ERR(rename2(d, b, 8), EINVAL, "an unknown flag: EINVAL");
	if (t_on_linux())
		t_skip("RENAME_WHITEOUT: Linux's tmpfs makes whiteouts");
	else
		CHECK_ERR(rename2(d, b, RENAME_WHITEOUT), EINVAL, "RENAME_WHITEOUT: EINVAL (unsupported)");
	unlink(b), unlink(c), unlink(d);
}

int main(void)
{
	check_rename2();
	check_sparse();
	check_many();
	check_append();
	check_names();
	return t_done();
}
