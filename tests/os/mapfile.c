/*
 * File mappings (mmap(2) of regular files) with Linux's semantics:
 * MAP_SHARED writes reach the file, read() and every other mapping, in
 * this process and in another; MAP_PRIVATE copies on write and the file
 * never sees it; offsets; SIGBUS past the end of the file and after
 * ftruncate shrinks it; MAP_FIXED and MAP_FIXED_NOREPLACE over existing
 * mappings; MAP_POPULATE and mincore; mprotect, mremap, munmap and
 * madvise(MADV_DONTNEED) of file mappings; msync; mlock; /proc/self/maps;
 * the vDSO never writable; and the bad input: directories, pipes, bad
 * offsets and lengths, descriptors opened the wrong way.
 *   mapfile [DIR]   (default: /tmp; the disk tests run it on ext2)
 *   mapfile --msync FILE PAGES   write a pattern into FILE (PAGES pages)
 *                       through MAP_SHARED only, msync(MS_SYNC) it, and
 *                       say "msynced" (tests/mmap-disk.sh then stops the
 *                       machine and reads the disk)
 *   mapfile --check FILE PAGES   read it back through a mapping: "pattern ok"
 */
#include "t.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define PG 4096

static char dir[256] = "/tmp";
static char path[300];

/* A file of n pages, page i filled with 'a' + i % 26. */
static int make_file(const char *p, int pages)
{
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	char buf[PG];
	for (int i = 0; i < pages; i++) {
		memset(buf, 'a' + i % 26, PG);
		if (write(fd, buf, PG) != PG)
			return -1;
	}
	return fd;
}

static void touch_read(void *p)
{
	t_read_byte(p);
}

static void touch_write(void *p)
{
	t_write_byte(p);
}

static void shared_and_read(void)
{
	int fd = make_file(path, 4);
	CHECK(fd >= 0, "a 4-page file in %s", dir);
	char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "MAP_SHARED of the file");
	CHECK(m[0] == 'a' && m[PG] == 'b' && m[3 * PG + 10] == 'd', "the mapping shows the file");
	memcpy(m + 100, "through-the-map", 15);
	char buf[16] = {0};
	CHECK(pread(fd, buf, 15, 100) == 15 && !memcmp(buf, "through-the-map", 15),
	      "read() sees a write through the shared mapping");
	CHECK(pwrite(fd, "by-write", 8, PG + 5) == 8 && !memcmp(m + PG + 5, "by-write", 8),
	      "the mapping sees a write()");
	char *m2 = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	CHECK(m2 != MAP_FAILED && m2[5] == 'b' && m2[PG] == 'c', "a second mapping at offset 4096");
	m2[7] = 'Z';
	CHECK(m[PG + 7] == 'Z', "one mapping sees the other's write");
	/* Another process maps it for itself and writes; this one sees it. */
	pid_t pid = fork();
	if (pid == 0) {
		char *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PG);
		if (c == MAP_FAILED)
			_exit(1);
		c[42] = 'Q';
		_exit(m[100] == 't' ? 0 : 2);
	}
	CHECK_EXITED(t_wait(pid), 0, "a child maps the file and reads the parent's write");
	CHECK(m[2 * PG + 42] == 'Q', "the parent sees the child's write to its own mapping");
	CHECK(msync(m, 4 * PG, MS_SYNC) == 0, "msync(MS_SYNC)");
	CHECK(msync(m, PG, MS_ASYNC) == 0, "msync(MS_ASYNC)");
	CHECK(msync(m, PG, MS_INVALIDATE) == 0, "msync(MS_INVALIDATE)");
	CHECK_ERR(msync(m, PG, MS_SYNC | MS_ASYNC), EINVAL, "msync with MS_SYNC and MS_ASYNC");
	CHECK_ERR(msync(m + 1, PG, MS_SYNC), EINVAL, "msync of an unaligned address");
	CHECK_ERR(msync(m, PG, 64), EINVAL, "msync with an unknown flag");
	munmap(m2, 2 * PG);
	CHECK_ERR(msync(m2, PG, MS_SYNC), ENOMEM, "msync of an unmapped range");
	/* Written through the mapping, read back after it is gone. */
	munmap(m, 4 * PG);
	CHECK(pread(fd, buf, 1, 2 * PG + 42) == 1 && buf[0] == 'Q',
	      "what went through a mapping stays in the file after munmap");
	close(fd);
}

static void private_copies(void)
{
	int fd = make_file(path, 2);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *s = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && s != MAP_FAILED, "MAP_PRIVATE and MAP_SHARED of one file");
	p[10] = 'P';
	char c = 0;
	CHECK(pread(fd, &c, 1, 10) == 1 && c == 'a', "a private write does not reach the file");
	CHECK(s[10] == 'a', "nor another mapping");
	CHECK(p[10] == 'P', "the private mapping keeps its copy");
	CHECK(pwrite(fd, "W", 1, PG + 3) == 1 && p[PG + 3] == 'W',
	      "a page not yet copied shows what the file has");
	CHECK(madvise(p, PG, MADV_DONTNEED) == 0 && p[10] == 'a',
	      "MADV_DONTNEED drops the private copy: the file's page again");
	/* A child of a private mapping copies on write as well. */
	p[20] = 'x';
	pid_t pid = fork();
	if (pid == 0) {
		p[20] = 'y';
		_exit(p[20] == 'y' ? 0 : 1);
	}
	CHECK_EXITED(t_wait(pid), 0, "the child writes its own copy");
	CHECK(p[20] == 'x', "the parent keeps its copy after the child writes");
	munmap(p, 2 * PG);
	munmap(s, 2 * PG);
	close(fd);
}

static void past_the_end(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(write(fd, "0123456789", 10) == 10, "a 10-byte file");
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "a 3-page mapping of it");
	CHECK(m[9] == '9' && m[10] == 0 && m[PG - 1] == 0,
	      "the rest of the last page reads zero");
	CHECK_KILLED(t_child(touch_read, m + PG), SIGBUS, "reading a page past the end: SIGBUS");
	CHECK_KILLED(t_child(touch_write, m + 2 * PG + 5), SIGBUS,
		     "writing a page past the end: SIGBUS");
	char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK_KILLED(t_child(touch_read, p + PG), SIGBUS, "a private mapping too: SIGBUS");
	munmap(p, 2 * PG);
	/* Grown: the pages exist now. */
	CHECK(ftruncate(fd, 3 * PG) == 0 && m[2 * PG + 5] == 0, "after ftruncate grows it, zeros");
	m[2 * PG + 5] = 'G';
	/* Shrunk: the lost pages fault SIGBUS, private copies too. */
	char *q = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	q[2 * PG] = 'c'; /* a private copy of the last page */
	CHECK(ftruncate(fd, PG + 100) == 0, "ftruncate shrinks it to a page and a bit");
	CHECK_KILLED(t_child(touch_read, m + 2 * PG), SIGBUS, "a lost page: SIGBUS");
	CHECK_KILLED(t_child(touch_read, q + 2 * PG), SIGBUS,
		     "a private copy of a lost page: SIGBUS too");
	CHECK(m[PG + 99] == 0 && m[PG + 100] == 0, "the page that holds the new end is still there");
	CHECK(ftruncate(fd, 3 * PG) == 0 && m[2 * PG + 5] == 0,
	      "grown again, the lost page reads zero");
	munmap(q, 3 * PG);
	munmap(m, 3 * PG);
	close(fd);
}

static void fixed_and_populate(void)
{
	int fd = make_file(path, 3);
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 'A', 4 * PG);
	char *m = mmap(a + PG, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, PG);
	CHECK(m == a + PG, "MAP_FIXED over an anonymous mapping");
	CHECK(a[0] == 'A' && m[0] == 'b' && m[PG] == 'c' && a[3 * PG] == 'A',
	      "the file in the middle, the anonymous pages around it");
	CHECK(mmap(a, PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0) == MAP_FAILED &&
		  errno == EEXIST,
	      "MAP_FIXED_NOREPLACE over a mapping: EEXIST");
	munmap(a, 4 * PG);
	char *pop = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	unsigned char vec[3] = {0};
	CHECK(pop != MAP_FAILED && mincore(pop, 3 * PG, vec) == 0 && (vec[0] & 1) && (vec[2] & 1),
	      "MAP_POPULATE: mincore says the pages are in memory");
	CHECK_ERR(mincore(pop + 1, PG, vec), EINVAL, "mincore of an unaligned address");
	munmap(pop + PG, PG);
	CHECK_ERR(mincore(pop, 3 * PG, vec), ENOMEM, "mincore over a hole");
	munmap(pop, 3 * PG);
	char *nr = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	CHECK(nr != MAP_FAILED && nr[0] == 'a', "MAP_NORESERVE");
	munmap(nr, PG);
	close(fd);
}

static void protect_remap_lock(void)
{
	int fd = make_file(path, 4);
	int ro = open(path, O_RDONLY);
	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
		  errno == EACCES,
	      "a shared writable mapping of a read-only descriptor: EACCES");
	char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	CHECK_ERR(mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES,
		  "mprotect cannot make it writable: EACCES");
	char *pw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(pw != MAP_FAILED, "a private writable mapping of a read-only descriptor");
	pw[0] = 'p';
	CHECK(r[0] == 'a', "its write stays private");
	munmap(pw, PG);
	munmap(r, PG);
	close(ro);

	char *m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(mprotect(m, PG, PROT_READ | PROT_WRITE) == 0, "mprotect a shared mapping writable");
	m[1] = 'M';
	char c;
	CHECK(pread(fd, &c, 1, 1) == 1 && c == 'M', "the write after mprotect reaches the file");
	CHECK(mprotect(m, PG, PROT_READ) == 0, "and read-only again");
	CHECK_KILLED(t_child(touch_write, m), SIGSEGV, "a write then: SIGSEGV");
	/* mremap: grown in place or moved, the file stays behind it. */
	char *g = mremap(m, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
	CHECK(g != MAP_FAILED && g[1] == 'M' && g[3 * PG] == 'd', "mremap grows a file mapping");
	char *s = mremap(g, 4 * PG, PG, 0);
	CHECK(s == g && s[1] == 'M', "mremap shrinks it");
	CHECK(munmap(s, PG) == 0, "munmap of a file mapping");
	/* Part of a mapping unmapped: the rest stays. */
	char *u = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(munmap(u + PG, PG) == 0 && u[1] == 'M' && u[2 * PG] == 'c',
	      "munmap of the middle page keeps both ends");
	CHECK_KILLED(t_child(touch_read, u + PG), SIGSEGV, "the hole: SIGSEGV");
	CHECK(mlock(u, PG) == 0 && munlock(u, PG) == 0, "mlock and munlock of a file mapping");
	CHECK(mlockall(MCL_CURRENT) == 0 && munlockall() == 0, "mlockall and munlockall");
	CHECK_ERR(mlock(u + PG, PG), ENOMEM, "mlock of a hole: ENOMEM");
	CHECK(madvise(u, PG, MADV_WILLNEED) == 0 && madvise(u, PG, MADV_SEQUENTIAL) == 0 &&
		  madvise(u, PG, MADV_RANDOM) == 0 && madvise(u, PG, MADV_NORMAL) == 0,
	      "madvise WILLNEED, SEQUENTIAL, RANDOM, NORMAL");
	munmap(u, 3 * PG);
	/* MADV_DONTNEED on a shared mapping: the pages come back from the file. */
	char *d = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	d[2] = 'D';
	CHECK(madvise(d, PG, MADV_DONTNEED) == 0 && d[2] == 'D',
	      "MADV_DONTNEED of a shared mapping keeps what was written");
	munmap(d, PG);
	close(fd);
}

/* /proc/self/maps names the file, with its offset, device and inode as Linux prints them. */
static void proc_maps(void)
{
	int fd = make_file(path, 3);
	struct stat st;
	fstat(fd, &st);
	char *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 2 * PG);
	char want[200];
	snprintf(want, sizeof want, "%08lx-%08lx r--s %08x %02x:%02x %lu", (unsigned long)m,
		 (unsigned long)m + PG, 2 * PG, major(st.st_dev), minor(st.st_dev),
		 (unsigned long)st.st_ino);
	char buf[16384];
	int mf = open("/proc/self/maps", O_RDONLY);
	ssize_t n = 0, k;
	while (mf >= 0 && n < (ssize_t)sizeof buf - 1 && (k = read(mf, buf + n, sizeof buf - 1 - n)) > 0)
		n += k;
	buf[n > 0 ? n : 0] = 0;
	close(mf);
	char *line = strstr(buf, want);
	CHECK(line != NULL, "maps has \"%s\"", want);
	char *eol = line ? strchr(line, '\n') : NULL;
	if (eol)
		*eol = 0;
	CHECK(line && strstr(line, path), "with the file's path");
	munmap(m, PG);
	close(fd);
}

static void bad_input(void)
{
	int fd = make_file(path, 1);
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL,
		  "an offset not page-aligned: EINVAL");
	CHECK_ERR((long)mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL, "length 0: EINVAL");
	CHECK_ERR((long)mmap(NULL, (size_t)-PG, PROT_READ, MAP_SHARED, fd, 0), ENOMEM,
		  "a length that wraps: ENOMEM");
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, -1, 0), EBADF,
		  "a bad descriptor: EBADF");
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, 0, fd, 0), EINVAL,
		  "neither shared nor private: EINVAL");
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, d, 0), ENODEV,
		  "a directory: ENODEV");
	close(d);
	int p[2];
	pipe(p);
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, p[0], 0), ENODEV, "a pipe: ENODEV");
	close(p[0]);
	close(p[1]);
	int wo = open(path, O_WRONLY);
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0), EACCES,
		  "a write-only descriptor: EACCES");
	close(wo);
	CHECK_ERR((long)mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x80000 /* MAP_SYNC */, fd,
			     0),
		  EOPNOTSUPP, "MAP_SHARED_VALIDATE with MAP_SYNC: EOPNOTSUPP");
	close(fd);
}

/* A child tries to make its vDSO writable and write to it. */
static void scribble_vdso(void *vdso)
{
	mprotect(vdso, PG, PROT_READ | PROT_WRITE | PROT_EXEC);
	memset(vdso, 0xcc, 16);
}

/*
 * The vDSO's frames are the kernel's, shared by every process: mprotect
 * may not make them writable in place (Ferry: EACCES, as Linux for its
 * special mappings; this Linux refuses with EINVAL), and whatever a
 * process tries, another's vDSO is untouched.
 */
static void vdso_not_writable(void)
{
	unsigned char *vdso = (unsigned char *)getauxval(AT_SYSINFO_EHDR);
	if (!vdso) {
		t_skip("no vDSO");
		return;
	}
	int r = mprotect(vdso, PG, PROT_READ | PROT_WRITE);
	int e = errno;
	CHECK(r == -1 && (e == EACCES || e == EINVAL), "mprotect(vdso, PROT_READ|PROT_WRITE) refused");
	CHECK_KILLED(t_child(touch_write, vdso), SIGSEGV, "a write to the vDSO: SIGSEGV");
	int st = t_child(scribble_vdso, vdso);
	CHECK(st != -1, "a child tries to write over its vDSO (%s)", t_status(st));
	CHECK(!memcmp(vdso, "\177ELF", 4) && vdso[8] != 0xcc,
	      "this process's vDSO is untouched by it");
}

/* Byte i of the --msync pattern. */
static char pattern(long i)
{
	return (char)('A' + (i * 7 + i / PG) % 26);
}

static int msync_mode(const char *file, long pages, int check)
{
	int fd = open(file, check ? O_RDONLY : O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (!check && ftruncate(fd, pages * PG) < 0)) {
		perror(file);
		return 1;
	}
	char *m = mmap(NULL, pages * PG, check ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (long i = 0; i < pages * PG; i++) {
		if (!check) {
			m[i] = pattern(i);
		} else if (m[i] != pattern(i)) {
			printf("pattern wrong at byte %ld\n", i);
			return 1;
		}
	}
	if (!check && msync(m, pages * PG, MS_SYNC) < 0) {
		perror("msync");
		return 1;
	}
	printf(check ? "pattern ok\n" : "msynced-%d\n", 40 + 2);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && (!strcmp(argv[1], "--msync") || !strcmp(argv[1], "--check")))
		return msync_mode(argv[2], atol(argv[3]), !strcmp(argv[1], "--check"));
	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	size_t dl = strlen(dir);
	snprintf(path, sizeof path, "%s%smapfile-%d", dir, dl && dir[dl - 1] == '/' ? "" : "/",
		 (int)getpid());
	shared_and_read();
	private_copies();
	past_the_end();
	fixed_and_populate();
	protect_remap_lock();
	proc_maps();
	bad_input();
	vdso_not_writable();
	unlink(path);
	return t_done();
}
