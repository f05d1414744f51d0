/*
 * xattr: extended attributes (setxattr, getxattr, listxattr, removexattr
 * and their l* and f* forms) on a file in /tmp and, when it is another
 * file system, one on the root's disk (Ferry's ext2 root with --disk;
 * ext4 on Linux): XATTR_CREATE and XATTR_REPLACE, ERANGE for small
 * buffers, ENODATA for missing names, the errors for bad names, sizes,
 * flags and pointers, values moving between the inode and the attribute
 * block, the block's room running out (ENOSPC) and its blocks given back,
 * and, as root, who may do what: user.* needs write permission and a
 * regular file or directory (a sticky directory only for its owner),
 * trusted.* and security.* changes need CAP_SYS_ADMIN, listxattr hides
 * trusted.* from others.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "t.h"

#define EXT_MAGIC 0xEF53 /* ext2, ext3, ext4: statfs's f_type */

static int listed(const char *list, ssize_t n, const char *name)
{
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
		if (!strcmp(list + i, name))
			return 1;
	return 0;
}

static long blocks(const char *f)
{
	struct stat st;
	return stat(f, &st) == 0 ? (long)st.st_blocks : -1;
}

/* The calls and their errors, on a file and a symlink to it in dir. */
static void basics(const char *dir)
{
	char f[256], l[256];
	snprintf(f, sizeof f, "%s/ferry-xattr-%d", dir, (int)getpid());
	snprintf(l, sizeof l, "%s/ferry-xattr-link-%d", dir, (int)getpid());
	int fd = open(f, O_CREAT | O_TRUNC | O_RDWR, 0600);
	symlink(f, l);
	t_note("in %s", dir);
	CHECK(setxattr(f, "user.color", "blue", 4, 0) == 0, "setxattr user.color");
	char v[64] = {0};
	CHECK(getxattr(f, "user.color", v, sizeof v) == 4 && memcmp(v, "blue", 4) == 0, "getxattr gives it back");
	CHECK(getxattr(f, "user.color", NULL, 0) == 4, "getxattr with size 0 gives the size");
	CHECK_ERR(getxattr(f, "user.color", v, 2), ERANGE, "a buffer too small: ERANGE");
	CHECK_ERR(setxattr(f, "user.color", "red", 3, XATTR_CREATE), EEXIST, "XATTR_CREATE of an existing name: EEXIST");
	CHECK_ERR(setxattr(f, "user.size", "1", 1, XATTR_REPLACE), ENODATA, "XATTR_REPLACE of a missing name: ENODATA");
	CHECK(setxattr(f, "user.color", "red", 3, XATTR_REPLACE) == 0 && getxattr(f, "user.color", v, sizeof v) == 3,
	      "XATTR_REPLACE changes it");
	CHECK(fsetxattr(fd, "user.empty", "", 0, 0) == 0 && fgetxattr(fd, "user.empty", v, sizeof v) == 0,
	      "fsetxattr of an empty value, fgetxattr");
	CHECK(lgetxattr(l, "user.color", v, sizeof v) == -1, "lgetxattr on the symlink does not see the file's");
	CHECK(getxattr(l, "user.color", v, sizeof v) == 3, "getxattr through the symlink does");
	char list[256];
	ssize_t n = listxattr(f, list, sizeof list);
	CHECK(n > 0 && listed(list, n, "user.color") && listed(list, n, "user.empty"), "listxattr names both");
	CHECK(listxattr(f, NULL, 0) == n, "listxattr with size 0 gives the size");
	CHECK_ERR(listxattr(f, list, 3), ERANGE, "listxattr into 3 bytes: ERANGE");
	CHECK(flistxattr(fd, list, sizeof list) == n, "flistxattr");
	CHECK(removexattr(f, "user.color") == 0 && getxattr(f, "user.color", v, sizeof v) == -1 && errno == ENODATA,
	      "removexattr, then getxattr: ENODATA");
	CHECK_ERR(removexattr(f, "user.color"), ENODATA, "removexattr of a missing name: ENODATA");
	CHECK(fremovexattr(fd, "user.empty") == 0, "fremovexattr");
	CHECK(listxattr(f, list, sizeof list) == 0, "nothing left to list");
	CHECK_ERR(lsetxattr(l, "user.x", "1", 1, 0), EPERM, "a user.* attribute on a symlink: EPERM");
	CHECK_ERR(lgetxattr(l, "user.x", v, 1), ENODATA, "and reading one there: ENODATA");
	CHECK_ERR(setxattr(f, "nonamespace", "1", 1, 0), EOPNOTSUPP, "a name in no namespace: EOPNOTSUPP");
	CHECK_ERR(setxattr(f, "user.", "1", 1, 0), EINVAL, "a prefix alone: EINVAL");
	CHECK_ERR(setxattr(f, "", "1", 1, 0), ERANGE, "an empty name: ERANGE");
	char longname[300];
	memset(longname, 'a', sizeof longname);
	memcpy(longname, "user.", 5);
	longname[299] = 0;
	CHECK_ERR(setxattr(f, longname, "1", 1, 0), ERANGE, "a name past 255 bytes: ERANGE");
	static char big[70000];
	CHECK_ERR(setxattr(f, "user.big", big, sizeof big, 0), E2BIG, "a value past 64 KiB: E2BIG");
	CHECK_ERR(setxattr(f, "user.a", "1", 1, 4), EINVAL, "unknown flags: EINVAL");
	CHECK_ERR(setxattr(f, "user.a", (void *)8, 1, 0), EFAULT, "a bad value pointer: EFAULT");
	CHECK_ERR(getxattr(f, (char *)8, v, 1), EFAULT, "a bad name pointer: EFAULT");
	char fifo[256];
	snprintf(fifo, sizeof fifo, "%s/ferry-xattr-fifo-%d", dir, (int)getpid());
	if (mkfifo(fifo, 0600) == 0) {
		CHECK_ERR(setxattr(fifo, "user.x", "1", 1, 0), EPERM, "a user.* attribute on a FIFO: EPERM");
		unlink(fifo);
	}
	char d[256];
	snprintf(d, sizeof d, "%s/ferry-xattr-dir-%d", dir, (int)getpid());
	mkdir(d, 0700);
	CHECK(setxattr(d, "user.dir", "yes", 3, 0) == 0 && getxattr(d, "user.dir", v, sizeof v) == 3,
	      "user.* on a directory");
	rmdir(d);
	close(fd);
	unlink(l);
	unlink(f);
}

/* On an ext file system: values of every size, the block, its room and its blocks. */
static void disk(const char *dir)
{
	char f[256];
	snprintf(f, sizeof f, "%s/ferry-xattr-disk-%d", dir, (int)getpid());
	int fd = open(f, O_CREAT | O_TRUNC | O_RDWR, 0644);
	struct statfs sf;
	fstatfs(fd, &sf);
	long before = blocks(f), bsize = (long)sf.f_bsize;
	static char val[5000], got[5000];
	for (size_t i = 0; i < sizeof val; i++)
		val[i] = (char)('a' + i * 7 % 26);
	CHECK(setxattr(f, "user.small", "s", 1, 0) == 0 && blocks(f) == before,
	      "a small value stays in the inode (no block: %ld, %ld)", before, blocks(f));
	CHECK(setxattr(f, "user.large", val, 3000, 0) == 0 && blocks(f) == before + bsize / 512,
	      "a 3000-byte value takes an attribute block (%ld -> %ld blocks)", before, blocks(f));
	CHECK(getxattr(f, "user.large", got, sizeof got) == 3000 && !memcmp(got, val, 3000), "and reads back");
	CHECK(setxattr(f, "user.small", val, 100, XATTR_REPLACE) == 0 &&
	      getxattr(f, "user.small", got, sizeof got) == 100 && !memcmp(got, val, 100),
	      "a value replaced by a bigger one reads back");
	CHECK(setxattr(f, "user.large", "L", 1, XATTR_REPLACE) == 0 && getxattr(f, "user.large", got, 1) == 1 &&
	      got[0] == 'L', "the large one replaced by one byte");
	CHECK_ERR(setxattr(f, "user.huge", val, (size_t)bsize + 100, 0), ENOSPC,
		  "a value bigger than a block: ENOSPC");
	/* Fill the inode and the block until there is no room. */
	int k = 0, r = 0;
	char name[32];
	while (k < 200) {
		snprintf(name, sizeof name, "user.fill%03d", k);
		if ((r = setxattr(f, name, val, 300, 0)) < 0)
			break;
		k++;
	}
	CHECK(r < 0 && errno == ENOSPC && k > 3 && k < 200, "filling the block ends in ENOSPC after %d values", k);
	int good = 1;
	for (int i = 0; i < k; i++) {
		snprintf(name, sizeof name, "user.fill%03d", i);
		good &= getxattr(f, name, got, sizeof got) == 300 && !memcmp(got, val, 300);
	}
	CHECK(good, "all %d read back", k);
	char list[8192];
	ssize_t n = listxattr(f, list, sizeof list);
	CHECK(n == (ssize_t)(k * 13 + 11 + 11), "listxattr names them all (%zd bytes)", n);
	for (int i = 0; i < k; i++) {
		snprintf(name, sizeof name, "user.fill%03d", i);
		removexattr(f, name);
	}
	CHECK(removexattr(f, "user.large") == 0 && removexattr(f, "user.small") == 0 && blocks(f) == before,
	      "all removed: the block is given back (%ld blocks)", blocks(f));
	CHECK(listxattr(f, list, sizeof list) == 0, "and nothing is listed");
	CHECK(setxattr(f, "user.again", val, 2000, 0) == 0, "a block again");
	/* Four processes change their own attributes of one file at once: each reads its own back. */
	pid_t kids[4];
	for (int c = 0; c < 4; c++) {
		if ((kids[c] = fork()) == 0) {
			char nm[32], buf[1600];
			snprintf(nm, sizeof nm, "user.kid%d", c);
			for (int i = 0; i < 150; i++) {
				size_t len = i % 3 == 0 ? 300 + (size_t)c * 20 : 20;
				memset(buf, 'A' + c + i % 7, len);
				if (setxattr(f, nm, buf, len, 0) < 0)
					_exit(1);
				char back[1600];
				if (getxattr(f, nm, back, sizeof back) != (ssize_t)len || memcmp(back, buf, len))
					_exit(2);
				if (i % 5 == 4 && removexattr(f, nm) < 0)
					_exit(3);
			}
			_exit(0);
		}
	}
	int bad = 0;
	for (int c = 0; c < 4; c++) {
		int st = t_wait(kids[c]);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad = WIFEXITED(st) ? WEXITSTATUS(st) : 100;
	}
	CHECK(bad == 0, "four processes setting, reading and removing at once (%d)", bad);
	n = listxattr(f, list, sizeof list);
	CHECK(n > 0 && listed(list, n, "user.again") && !listed(list, n, "user.kid0") && !listed(list, n, "user.kid3"),
	      "after them only user.again is left (each removed its own last)");
	close(fd);
	CHECK(unlink(f) == 0, "unlink of a file with an attribute block");
}

/* As root: the rights of another user, in a child that becomes uid 1000. */
static void rights(const char *dir)
{
	if (geteuid() != 0) {
		t_skip("rights: not root");
		return;
	}
	char f[256], sd[256], sf[256];
	snprintf(f, sizeof f, "%s/ferry-xattr-rights-%d", dir, (int)getpid());
	snprintf(sd, sizeof sd, "%s/ferry-xattr-sticky-%d", dir, (int)getpid());
	snprintf(sf, sizeof sf, "%s/ferry-xattr-other-%d", dir, (int)getpid());
	close(open(f, O_CREAT | O_TRUNC | O_RDWR, 0644));
	close(open(sf, O_CREAT | O_TRUNC | O_RDWR, 0666));
	mkdir(sd, 01777);
	CHECK(setxattr(f, "user.u", "1", 1, 0) == 0 && setxattr(f, "trusted.t", "2", 1, 0) == 0 &&
	      setxattr(f, "security.s", "3", 1, 0) == 0, "root sets user.*, trusted.* and security.*");
	char list[256];
	ssize_t n = listxattr(f, list, sizeof list);
	CHECK(listed(list, n, "trusted.t") && listed(list, n, "security.s"), "root lists trusted.* and security.*");
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(1000) < 0 || setuid(1000) < 0)
			_exit(99);
		char v[8];
		int bad = 0;
		bad |= !(getxattr(f, "user.u", v, sizeof v) == 1) << 0;
		bad |= !(setxattr(f, "user.u", "x", 1, 0) == -1 && errno == EACCES) << 1;
		bad |= !(removexattr(f, "user.u") == -1 && errno == EACCES) << 2;
		bad |= !(getxattr(f, "trusted.t", v, sizeof v) == -1 && errno == ENODATA) << 3;
		bad |= !(setxattr(f, "trusted.t", "x", 1, 0) == -1 && errno == EPERM) << 4;
		bad |= !(getxattr(f, "security.s", v, sizeof v) == 1) << 5;
		bad |= !(setxattr(f, "security.s", "x", 1, 0) == -1 && errno == EPERM) << 6;
		ssize_t m = listxattr(f, list, sizeof list);
		bad |= !(m > 0 && !listed(list, m, "trusted.t") && listed(list, m, "user.u")) << 7;
		bad |= !(setxattr(sf, "user.w", "1", 1, 0) == 0) << 8;
		bad |= !(setxattr(sd, "user.w", "1", 1, 0) == -1 && errno == EPERM) << 9;
		_exit(bad);
	}
	int st = t_wait(pid);
	int bad = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	CHECK(bad == 0, "uid 1000 reads user.* and security.*, may not change them on a file it cannot write "
			"(EACCES), nor trusted.* (EPERM, ENODATA, not listed) nor security.* (EPERM); writes a "
			"0666 file's, not a sticky directory's (EPERM) (bits failed: %#x)", bad);
	unlink(f);
	unlink(sf);
	rmdir(sd);
}

int main(void)
{
	const char *tmpf = t_tmp("xattr");
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s", tmpf);
	*strrchr(tmp, '/') = 0;
	if (!*tmp)
		strcpy(tmp, "/");
	basics(tmp);
	rights(tmp);
	/* The root's disk, when it is another file system than /tmp's. */
	const char *other = access("/var/tmp", W_OK) == 0 ? "/var/tmp" : "/";
	struct stat a, b;
	struct statfs sf;
	if (stat(tmp, &a) == 0 && stat(other, &b) == 0 && a.st_dev != b.st_dev && access(other, W_OK) == 0) {
		basics(other);
		rights(other);
	} else {
		t_skip("no other writable file system than %s's", tmp);
	}
	const char *ext = statfs(tmp, &sf) == 0 && sf.f_type == EXT_MAGIC ? tmp
			  : statfs(other, &sf) == 0 && sf.f_type == EXT_MAGIC ? other
									: NULL;
	if (ext)
		disk(ext);
	else
		t_skip("no ext2/3/4 file system to fill");
	return t_done();
}
