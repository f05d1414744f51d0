/*
 * memory: brk, anonymous mmap/munmap/mprotect, and demand-zero pages: a
 * page never written reads as zero, whether it is fresh heap, fresh mmap,
 * or heap given back and taken again. Accesses that must fault are made
 * in a child, which must die of SIGSEGV while this process goes on.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "t.h"

#define PG 4096ul

/* musl's brk() always fails on purpose; use the system call itself. */
static uintptr_t sys_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned long *w = p;

	for (size_t i = 0; i < n / sizeof *w; i++)
		if (w[i])
			return 0;
	return 1;
}

static void check_brk(void)
{
	uintptr_t b0 = sys_brk(0);
	CHECK(b0 != 0 && b0 % 8 == 0, "brk(0) reports the current break (%#lx)", (unsigned long)b0);

	uintptr_t want = b0 + 3 * PG + 100;
	CHECK(sys_brk(want) == want, "brk grows the heap by three pages and a bit");
	uintptr_t lo = (b0 + PG - 1) & ~(PG - 1);
	CHECK(all_zero((void *)lo, 3 * PG), "the new heap pages read as zero");
	memset((void *)b0, 0xa5, want - b0);
	CHECK(((volatile unsigned char *)want)[-1] == 0xa5,
	      "the new heap is writable up to the break");

	CHECK(sys_brk(b0) == b0, "brk shrinks the heap back");
	uintptr_t gone = lo + PG;
	CHECK_KILLED(t_child(t_read_byte, (void *)gone), SIGSEGV,
		     "reading a page given back by brk faults");
	CHECK(sys_brk(want) == want, "brk grows the heap again");
	CHECK(all_zero((void *)lo, 3 * PG), "pages given back and taken again read as zero");

	CHECK(sys_brk((uintptr_t)1 << 47) == want, "brk beyond user space fails, break unchanged");
	CHECK(sys_brk(PG) == want, "brk below the program fails, break unchanged");
	/* brk(-1) rounded up to a page wrapped to 0 and unmapped the program's text and data. */
	((volatile unsigned char *)want)[-1] = 0xa5;
	CHECK(sys_brk((uintptr_t)-1) == want, "brk(-1) fails, break unchanged");
	CHECK(sys_brk((uintptr_t)-PG) == want, "brk(-4096) fails, break unchanged");
	CHECK(sys_brk(~(uintptr_t)0 >> 1) == want, "brk(LONG_MAX) fails, break unchanged");
	CHECK(((volatile unsigned char *)want)[-1] == 0xa5, "and the heap is still there");
	sys_brk(b0);
}

static void check_mmap(void)
{
	size_t len = 16 * PG;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!CHECK(p != MAP_FAILED, "mmap 16 anonymous pages"))
		return;
	CHECK(((uintptr_t)p & (PG - 1)) == 0, "mmap returns a page-aligned address (%p)",
	      (void *)p);
	CHECK(all_zero(p, len), "fresh anonymous pages read as zero");
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 7);
	int same = 1;
	for (size_t i = 0; i < len; i++)
		same &= p[i] == (char)(i * 7);
	CHECK(same, "anonymous pages keep what was written");

	CHECK(munmap(p + 5 * PG, PG) == 0, "munmap one page in the middle");
	CHECK_KILLED(t_child(t_read_byte, p + 5 * PG), SIGSEGV, "reading an unmapped page faults");
	CHECK(p[4 * PG] == (char)(4 * PG * 7) && p[6 * PG] == (char)(6 * PG * 7),
	      "the pages around the hole are intact");

	CHECK(mprotect(p, PG, PROT_READ) == 0, "mprotect one page read-only");
	CHECK_KILLED(t_child(t_write_byte, p), SIGSEGV, "writing a read-only page faults");
	CHECK(p[1] == 7, "a read-only page is still readable");
	CHECK(mprotect(p, PG, PROT_NONE) == 0, "mprotect one page PROT_NONE");
	CHECK_KILLED(t_child(t_read_byte, p), SIGSEGV, "reading a PROT_NONE page faults");
	CHECK(mprotect(p, PG, PROT_READ | PROT_WRITE) == 0, "mprotect it read-write again");
	p[0] = 42;
	CHECK(p[0] == 42 && p[1] == 7, "it is writable again and kept its data");

	CHECK(munmap(p, len) == 0, "munmap the whole range, hole included");
	CHECK_KILLED(t_child(t_read_byte, p), SIGSEGV, "the range is gone");

	char *q =
	    mmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p, "MAP_FIXED maps at the address asked for");
	CHECK(q != MAP_FAILED && all_zero(q, PG), "a re-mapped page reads zero, not old data");
	if (q != MAP_FAILED)
		munmap(q, PG);
}

static void check_errors(void)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	CHECK_ERR(mmap(NULL, 0, PROT_READ, flags, -1, 0), EINVAL, "mmap of length 0 is EINVAL");
	CHECK_ERR(mmap((void *)0x10001, PG, PROT_READ, flags | MAP_FIXED, -1, 0), EINVAL,
		  "MAP_FIXED at an unaligned address is EINVAL");
	CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL,
		  "mmap without MAP_PRIVATE or MAP_SHARED is EINVAL");
	CHECK_ERR(munmap((void *)0x10001, PG), EINVAL, "munmap at an unaligned address is EINVAL");
	/* musl's mprotect rounds the address down; ask the kernel itself. */
	CHECK_ERR(syscall(SYS_mprotect, 0x10001, PG, PROT_READ), EINVAL,
		  "mprotect at an unaligned address is EINVAL");
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, flags, -1, 0);
	memset(p, 0x5a, 3 * PG);
	CHECK(madvise(p + PG, PG, MADV_DONTNEED) == 0, "madvise(MADV_DONTNEED) succeeds");
	CHECK(p[PG] == 0 && p[2 * PG - 1] == 0, "a private page reads zero after MADV_DONTNEED");
	CHECK(p[PG - 1] == 0x5a && p[2 * PG] == 0x5a, "MADV_DONTNEED leaves the pages beside it");
	p[PG] = 7;
	CHECK(p[PG] == 7, "the discarded page can be written again");
	CHECK(madvise(p, 3 * PG, MADV_WILLNEED) == 0, "madvise(MADV_WILLNEED) is accepted");
	CHECK_ERR(madvise(p + 1, PG, MADV_DONTNEED), EINVAL, "madvise at an unaligned address is EINVAL");
	CHECK_ERR(madvise(p, PG, 12345), EINVAL, "madvise with unknown advice is EINVAL");
	munmap(p + 2 * PG, PG);
	CHECK_ERR(madvise(p, 3 * PG, MADV_DONTNEED), ENOMEM,
		  "madvise over an unmapped page is ENOMEM");
	munmap(p, 2 * PG);
}

/* Many pages, most only read: each must read zero without being written. */
static void check_demand_zero(void)
{
	size_t len = 4096 * PG; /* 16 MiB */
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!CHECK(p != MAP_FAILED, "mmap 16 MiB"))
		return;
	int zero = 1;
	for (size_t off = 0; off < len; off += PG)
		zero &= p[off] == 0 && p[off + PG - 1] == 0;
	CHECK(zero, "every page of 16 MiB reads zero on first touch");
	for (size_t off = 0; off < len; off += 64 * PG)
		p[off + 8] = 1;
	zero = 1;
	for (size_t off = 0; off < len; off += PG)
		zero &= p[off] == 0 && p[off + 8] == (off % (64 * PG) == 0);
	CHECK(zero, "writing every 64th page leaves the others zero");
	munmap(p, len);

	void *small = malloc(100), *big = malloc(1 << 20);
	CHECK(small && big, "malloc of 100 bytes and 1 MiB");
	if (big)
		CHECK(all_zero(big, 1 << 20), "a fresh 1 MiB malloc (mmap'd by musl) reads zero");
	free(small);
	free(big);
}

/* In a child: read one byte at arg (to check it faults). */
static void touch_addr(void *arg)
{
	(void)*(volatile char *)arg;
}

/* mremap: grow in place or by moving (contents kept, without copies), shrink, bad calls. */
static void check_mremap(void)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	/* Two pages with a neighbour right after them (its own mapping), so growing must move. */
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, flags, -1, 0);
	char *wall = p + 2 * PG;
	CHECK(mprotect(wall, PG, PROT_READ) == 0, "a read-only page right after two pages");
	memset(p, 'a', PG);
	memset(p + PG, 'b', PG);
	CHECK_ERR(mremap(p, 2 * PG, 4 * PG, 0), ENOMEM, "mremap that must move, without MAYMOVE, is ENOMEM");
	char *q = mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p, "mremap MAYMOVE grows by moving");
	CHECK(q != MAP_FAILED && q[0] == 'a' && q[PG - 1] == 'a' && q[PG] == 'b' && q[2 * PG - 1] == 'b',
	      "the moved pages keep their contents");
	CHECK(q != MAP_FAILED && q[2 * PG] == 0 && q[4 * PG - 1] == 0, "the new pages read zero");
	if (q != MAP_FAILED)
		q[3 * PG] = 'c';
	int st = t_child(touch_addr, p);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "the old address is gone");
	char *r = mremap(q, 4 * PG, PG, 0);
	CHECK(r == q && r[0] == 'a', "mremap shrinks in place");
	st = t_child(touch_addr, q + PG);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "the cut-off pages are gone");
	r = mremap(q, PG, 3 * PG, 0);
	CHECK(r == q && r[0] == 'a' && r[2 * PG] == 0, "and grows in place where there is room");
	CHECK_ERR(mremap(q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL, "an unaligned address is EINVAL");
	CHECK_ERR(mremap(q, PG, 0, MREMAP_MAYMOVE), EINVAL, "a new size of 0 is EINVAL");
	CHECK_ERR(mremap(q, PG, 2 * PG, MREMAP_FIXED), EINVAL, "MREMAP_FIXED without MAYMOVE is EINVAL");
	char *gone = mmap(NULL, PG, PROT_READ, flags, -1, 0);
	munmap(gone, PG);
	CHECK_ERR(mremap(gone, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT,
		  "mremap of an unmapped address is EFAULT");
	munmap(q, 3 * PG);
	munmap(wall, PG);
}

/*
 * Ferry's one address space: a process's mappings stay in its own slot or
 * the private window below 64 GiB; the exchange region holds messages
 * only. mremap could move a mapping anywhere (issue: into another
 * process's slot).
 */
static void check_placement(void)
{
	if (t_on_linux()) {
		t_skip("slots and the exchange region are Ferry's");
		return;
	}
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, flags, -1, 0);
	*p = 'x';
	uintptr_t slot = (uintptr_t)p & ~((16ul << 30) - 1);
	char *other = (char *)(slot + (16ul << 30) + (4ul << 30)); /* the next slot's mmap area */
	char *exch = (char *)(100ul << 40);                         /* the exchange region */
	CHECK_ERR(mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, other), EINVAL,
		  "mremap into another process's slot is EINVAL");
	CHECK_ERR(mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, exch), EINVAL,
		  "mremap into the exchange region is EINVAL");
	CHECK_ERR(mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)(127ul << 40)), EINVAL,
		  "mremap above the exchange region is EINVAL");
	CHECK(*p == 'x', "and the mapping stays where it was");
	CHECK(mmap(other, PG, PROT_READ, flags | MAP_FIXED, -1, 0) == MAP_FAILED,
	      "mmap MAP_FIXED in another process's slot fails");
	CHECK(mmap(exch, PG, PROT_READ, flags | MAP_FIXED, -1, 0) == MAP_FAILED,
	      "mmap MAP_FIXED in the exchange region fails");
	char *low = (char *)(1ul << 30);
	char *q = mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, low);
	CHECK(q == low && *q == 'x', "mremap into the private window works");
	munmap(q == MAP_FAILED ? p : q, PG);
}

/*
 * Calls that fill a range must cost what is mapped, not what is asked:
 * an 8 GiB PROT_NONE mapping, a one-page file mapped 8 GiB long, and
 * MADV_WILLNEED from a mapping to the top of the user half. Ferry's
 * kernel is not preempted, so a page-by-page walk here once held a core
 * for hours (a fuzzer found it); Linux answers all of these at once.
 */
static void check_huge_ranges(void)
{
	const size_t big = 8ul << 30;
	char *none = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!CHECK(none != MAP_FAILED, "an 8 GiB PROT_NONE mapping"))
		return;
	CHECK(madvise(none, big, MADV_WILLNEED) == 0, "MADV_WILLNEED over 8 GiB of PROT_NONE");
	munmap(none, big);
	char *pop = mmap(NULL, big, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE, -1, 0);
	CHECK(pop != MAP_FAILED, "MAP_POPULATE of 8 GiB of PROT_NONE returns");
	if (pop != MAP_FAILED)
		munmap(pop, big);

	const char *path = t_tmp("memory-file");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "a one-byte file");
	char *f = mmap(NULL, big, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	CHECK(f != MAP_FAILED && f[0] == 'x', "MAP_POPULATE of the file 8 GiB long returns, its page read");
	if (f != MAP_FAILED) {
		CHECK(madvise(f, big, MADV_WILLNEED) == 0, "MADV_WILLNEED over the file's 8 GiB");
		munmap(f, big);
	}
	close(fd);
	unlink(path);

	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t top = 1ul << 47; /* the user half's end, on both kernels */
	CHECK_ERR(madvise(p, top - PG - (uintptr_t)p, MADV_WILLNEED), ENOMEM,
		  "MADV_WILLNEED from a page to the top of the user half is ENOMEM, at once");
	munmap(p, PG);
}

/*
 * A page written, then made PROT_NONE, keeps its frame: the kernel must
 * still refuse to copy to or from it (EFAULT), whether its copies go
 * through the hardware or through the tables; in a forked child too.
 */
static void check_protnone_copies(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(p != MAP_FAILED, "two pages for PROT_NONE"))
		return;
	memset(p, 'q', 2 * PG);
	int zero = open("/dev/zero", O_RDONLY), pfd[2];
	CHECK(pipe(pfd) == 0, "a pipe");
	CHECK(read(zero, p, 16) == 16 && p[0] == 0, "read(2) into a written page");
	CHECK(mprotect(p, PG, PROT_NONE) == 0, "mprotect(PROT_NONE) of the written page");
	CHECK_ERR(read(zero, p, 16), EFAULT, "read(2) into it is EFAULT");
	CHECK_ERR(write(pfd[1], p, 16), EFAULT, "write(2) from it into a pipe is EFAULT");
	CHECK_ERR(read(zero, p + PG - 8, 16), EFAULT, "a read(2) that ends in it is EFAULT");
	CHECK(read(zero, p + PG, 16) == 16, "the page after it still takes a read(2)");
	pid_t pid = fork();
	if (pid == 0) {
		errno = 0;
		_exit(read(zero, p, 16) == -1 && errno == EFAULT ? 0 : 1);
	}
	CHECK_EXITED(t_wait(pid), 0, "in a forked child too");
	CHECK(mprotect(p, PG, PROT_READ) == 0 && p[100] == 'q', "PROT_READ again: the page kept its bytes");
	close(zero);
	close(pfd[0]);
	close(pfd[1]);
	munmap(p, 2 * PG);
}

int main(void)
{
	check_brk();
	check_mmap();
	check_errors();
	check_demand_zero();
	check_mremap();
	check_placement();
	check_huge_ranges();
	check_protnone_copies();
	return t_done();
}
