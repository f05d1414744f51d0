/*
 * tmpfs: Linux's limits (size=, nr_inodes=, half of RAM by default,
 * ENOSPC when full, statfs telling them, changed by a remount) and
 * read-only mounts, where every change is EROFS (write, create, unlink,
 * rename, truncate, chmod, chown, utimes, mknod, link, symlink...). A big
 * directory: 16,000 files (creating them took 71 s when each directory
 * operation walked the directory), listed once each, with telldir and
 * seekdir. Mounting is Ferry-only here (on Linux it would touch the
 * host's mount table); the big directory runs in /tmp on both.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "t.h"

#define PG 4096
#define NFILES 16000

static char mnt[128];

static char *in(const char *name)
{
	static char buf[4][200];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", mnt, name);
	return p;
}

/* Write n pages of 'x' to a new file; the bytes written. */
static long fill(const char *path, int n)
{
	static char page[PG];
	memset(page, 'x', sizeof page);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	long total = 0;
	for (int i = 0; i < n; i++) {
		ssize_t w = write(fd, page, PG);
		if (w <= 0)
			break;
		total += w;
	}
	close(fd);
	return total;
}

static void check_limits(void)
{
	struct statfs sf;
	CHECK(mount("none", mnt, "tmpfs", 0, "size=64k,nr_inodes=8") == 0,
	      "mount a tmpfs of 64 KiB and 8 inodes");
	CHECK(statfs(mnt, &sf) == 0 && sf.f_blocks * sf.f_bsize == 64 * 1024 && sf.f_files == 8,
	      "statfs: 64 KiB and 8 inodes (%ld blocks of %ld, %ld files)", (long)sf.f_blocks,
	      (long)sf.f_bsize, (long)sf.f_files);
	CHECK(fill(in("a"), 10) == 10 * PG, "ten pages fit");
	CHECK(fill(in("b"), 10) == 6 * PG, "of ten more, six: it is full");
	int fd = open(in("b"), O_WRONLY | O_APPEND);
	CHECK_ERR(write(fd, "x", 1), ENOSPC, "one byte more is ENOSPC");
	close(fd);
	CHECK(statfs(mnt, &sf) == 0 && sf.f_bfree == 0 && sf.f_bavail == 0, "statfs: nothing free");
	CHECK(truncate(in("a"), PG) == 0 && statfs(mnt, &sf) == 0 && sf.f_bfree == 9,
	      "truncate gives nine pages back (%ld free)", (long)sf.f_bfree);
	int made = 0;
	char name[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "n%d", i);
		fd = open(in(name), O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			break;
		close(fd);
		made++;
	}
	CHECK(made == 5 && errno == ENOSPC,
	      "8 inodes: the root, a, b and five more, then ENOSPC (made %d, errno %d)", made, errno);
	CHECK_ERR(mkdir(in("dir"), 0755), ENOSPC, "mkdir is ENOSPC too");
	CHECK_ERR(mount("none", mnt, "tmpfs", MS_REMOUNT, "size=16k"), EINVAL,
		  "a remount below what is in use is EINVAL");
	CHECK(mount("none", mnt, "tmpfs", MS_REMOUNT, "size=1m,nr_inodes=100") == 0 &&
		      statfs(mnt, &sf) == 0 && sf.f_blocks * sf.f_bsize == 1024 * 1024,
	      "a remount makes it 1 MiB");
	CHECK(fill(in("c"), 20) == 20 * PG && mkdir(in("dir"), 0755) == 0, "and there is room again");
	CHECK(umount(mnt) == 0, "umount");

	CHECK_ERR(mount("none", mnt, "tmpfs", 0, "size=12q"), EINVAL, "size=12q is EINVAL");
	CHECK_ERR(mount("none", mnt, "tmpfs", 0, "bogus=1"), EINVAL, "an unknown option is EINVAL");
	struct sysinfo si;
	CHECK(mount("none", mnt, "tmpfs", 0, NULL) == 0 && statfs(mnt, &sf) == 0 && sysinfo(&si) == 0,
	      "a tmpfs with no options");
	unsigned long long half = (unsigned long long)si.totalram * si.mem_unit / 2;
	unsigned long long size = (unsigned long long)sf.f_blocks * sf.f_bsize;
	CHECK(size >= half - half / 10 && size <= half + half / 10,
	      "is half of RAM by default (%llu of %llu bytes)", size, 2 * half);
	CHECK(umount(mnt) == 0, "umount");
	statfs("/tmp", &sf);
	size = (unsigned long long)sf.f_blocks * sf.f_bsize;
	CHECK(size >= half - half / 10 && size <= half + half / 10, "/tmp too (%llu bytes)", size);
}

static void check_read_only(void)
{
	struct stat st;
	CHECK(mount("none", mnt, "tmpfs", 0, NULL) == 0, "mount a tmpfs");
	CHECK(fill(in("f"), 1) == PG && mkdir(in("d"), 0755) == 0 && mkfifo(in("p"), 0644) == 0 &&
		      symlink("f", in("l")) == 0,
	      "a file, a directory, a FIFO and a symlink in it");
	int w = open(in("f"), O_WRONLY);
	CHECK(mount("none", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY, NULL) == 0, "remount it read-only");
	CHECK_ERR(write(w, "x", 1), EROFS, "write to a file opened before: EROFS");
	close(w);
	CHECK_ERR(open(in("f"), O_WRONLY), EROFS, "open for writing: EROFS");
	CHECK_ERR(open(in("f"), O_RDONLY | O_TRUNC), EROFS, "O_TRUNC: EROFS");
	CHECK_ERR(open(in("new"), O_CREAT | O_RDWR, 0644), EROFS, "create: EROFS");
	CHECK_ERR(creat(in("new"), 0644), EROFS, "creat: EROFS");
	CHECK_ERR(mkdir(in("d2"), 0755), EROFS, "mkdir: EROFS");
	CHECK_ERR(mkdir(in("d"), 0755), EEXIST, "mkdir of an existing name: EEXIST first");
	CHECK_ERR(mknod(in("n"), S_IFIFO | 0644, 0), EROFS, "mknod: EROFS");
	CHECK_ERR(symlink("f", in("l2")), EROFS, "symlink: EROFS");
	CHECK_ERR(link(in("f"), in("h")), EROFS, "link: EROFS");
	CHECK_ERR(unlink(in("f")), EROFS, "unlink: EROFS");
	CHECK_ERR(rmdir(in("d")), EROFS, "rmdir: EROFS");
	CHECK_ERR(rename(in("f"), in("g")), EROFS, "rename: EROFS");
	CHECK_ERR(truncate(in("f"), 0), EROFS, "truncate: EROFS");
	CHECK_ERR(chmod(in("f"), 0600), EROFS, "chmod: EROFS");
	CHECK_ERR(chown(in("f"), 0, 0), EROFS, "chown: EROFS");
	CHECK_ERR(utimes(in("f"), NULL), EROFS, "utimes: EROFS");
	CHECK_ERR(utimensat(AT_FDCWD, in("f"), NULL, 0), EROFS, "utimensat: EROFS");
	CHECK_ERR(access(in("f"), W_OK), EROFS, "access W_OK: EROFS");
	int r = open(in("f"), O_RDONLY);
	CHECK(r >= 0, "reading is fine");
	CHECK_ERR(fchmod(r, 0600), EROFS, "fchmod: EROFS");
	CHECK_ERR(ftruncate(r, 0), EINVAL, "ftruncate of a read-only descriptor is EINVAL (as ever)");
	close(r);
	CHECK(stat(in("f"), &st) == 0 && (st.st_mode & 0777) == 0644 && st.st_size == PG,
	      "and nothing changed");
	int p = open(in("p"), O_RDWR);
	CHECK(p >= 0 && write(p, "x", 1) == 1, "a FIFO on it still passes data");
	close(p);
	CHECK(mount("none", mnt, "tmpfs", MS_REMOUNT, NULL) == 0 && unlink(in("f")) == 0,
	      "remounted read-write, unlink works");
	CHECK(umount(mnt) == 0, "umount");
	CHECK(mount("none", mnt, "tmpfs", MS_RDONLY, NULL) == 0, "mount a tmpfs read-only");
	CHECK_ERR(mkdir(in("d"), 0755), EROFS, "mkdir: EROFS");
	CHECK(umount(mnt) == 0, "umount");
}

/* 16,000 files in one directory: made, found, listed once each in order, seekdir, removed. */
static void check_big_directory(void)
{
	char dir[160], path[200];
	snprintf(dir, sizeof dir, "%s", t_tmp("bigdir"));
	if (!CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir))
		return;
	int bad = 0;
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof path, "%s/f%05d", dir, i);
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		bad += fd < 0;
		close(fd);
	}
	CHECK(bad == 0, "%d files made in one directory", NFILES);
	snprintf(path, sizeof path, "%s/f%05d", dir, NFILES / 2);
	CHECK(access(path, F_OK) == 0, "one in the middle is found");
	DIR *d = opendir(dir);
	int n = 0, dup = 0;
	long mid = -1;
	static unsigned char seen[NFILES];
	memset(seen, 0, sizeof seen);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] != 'f')
			continue;
		int i = atoi(e->d_name + 1);
		if (i >= 0 && i < NFILES)
			dup += seen[i]++;
		if (++n == NFILES / 2)
			mid = telldir(d);
	}
	CHECK(n == NFILES && dup == 0, "readdir lists each once (%d, %d twice)", n, dup);
	seekdir(d, mid);
	int after = 0;
	while ((e = readdir(d)))
		after += e->d_name[0] == 'f';
	CHECK(after == NFILES - NFILES / 2, "seekdir to the middle lists the rest (%d)", after);
	closedir(d);
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof path, "%s/f%05d", dir, i);
		bad += unlink(path) < 0;
	}
	CHECK(bad == 0 && rmdir(dir) == 0, "every file removed, then the directory");
}

int main(void)
{
	check_big_directory();
	if (t_on_linux()) {
		t_skip("mounting tmpfs: not on the host's mount table");
		return t_done();
	}
	snprintf(mnt, sizeof mnt, "%s", t_tmp("tmpfs"));
	mkdir(mnt, 0755);
	check_limits();
	check_read_only();
	rmdir(mnt);
	return t_done();
}
