/*
 * writefault: a write(2) whose buffer turns bad part way (a PROT_NONE
 * page) keeps the bytes before the fault and nothing after: the file's
 * size is what was written, and a write that copies nothing gets EFAULT
 * and (on Ferry) leaves the size alone, at the end of the file or far past
 * it. On ext2 the blocks such a write mapped must go again (e2fsck checks
 * that none lies past the end): tests/ext2-kill.sh runs this on an ext2
 * root.
 *   writefault [DIR]   (default: a scratch file where t_tmp puts them,
 *                       removed at the end; with DIR, DIR/writefault, kept)
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "t.h"

#define PG 4096

int main(int argc, char **argv)
{
	char path[256];
	if (argc > 1)
		snprintf(path, sizeof path, "%s/writefault", argv[1]);
	else
		snprintf(path, sizeof path, "%s", t_tmp("writefault"));
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(p != MAP_FAILED, "mmap two pages"))
		return t_done();
	memset(p, 'w', PG);
	CHECK(mprotect(p + PG, PG, PROT_NONE) == 0, "the second page PROT_NONE");
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (!CHECK(fd >= 0, "create %s", path))
		return t_done();
	struct stat st;
	CHECK(write(fd, p, 2 * PG) == PG, "a write running into the bad page writes the good one");
	st.st_size = -1;
	fstat(fd, &st);
	CHECK(st.st_size == PG, "the size is %d (%lld)", PG, (long long)st.st_size);
	CHECK_ERR(write(fd, p + PG, PG), EFAULT, "a write from the bad page at the end is EFAULT");
	CHECK_ERR(pwrite(fd, p + PG, PG, 1 << 20), EFAULT, "so is one 1 MiB past the end");
	CHECK_ERR(pwrite(fd, p + PG, PG, 64 << 20), EFAULT, "and one 64 MiB past it");
	st.st_size = -1;
	fstat(fd, &st);
	/* Linux (6.18 on ext4 and tmpfs) leaves the size at the last failed write's offset. */
	if (t_on_linux())
		t_skip("the size after a failed write past the end (%lld here)",
		       (long long)st.st_size);
	else
		CHECK(st.st_size == PG, "the size is still %d (%lld)", PG, (long long)st.st_size);
	char back[PG];
	ssize_t n = pread(fd, back, sizeof back, 0);
	CHECK(n == PG && back[0] == 'w' && back[PG - 1] == 'w',
	      "the first page reads back (%zd bytes)", n);
	close(fd);
	if (argc <= 1)
		CHECK(unlink(path) == 0, "remove it");
	return t_done();
}
