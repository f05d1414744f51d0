/*
 * xattr: extended attributes (setxattr, getxattr, listxattr, removexattr
 * and their l* and f* forms) on a file in /tmp, with XATTR_CREATE and
 * XATTR_REPLACE, ERANGE for small buffers, ENODATA for missing names,
 * and the errors for bad names, sizes, flags and pointers.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "t.h"

int main(void)
{
	const char *f = t_tmp("xattr"), *l = t_tmp("xattr-link");
	int fd = open(f, O_CREAT | O_TRUNC | O_RDWR, 0600);
	symlink(f, l);
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
	int color = 0, empty = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		color |= !strcmp(list + i, "user.color");
		empty |= !strcmp(list + i, "user.empty");
	}
	CHECK(n > 0 && color && empty, "listxattr names both");
	CHECK(listxattr(f, NULL, 0) == n, "listxattr with size 0 gives the size");
	CHECK_ERR(listxattr(f, list, 3), ERANGE, "listxattr into 3 bytes: ERANGE");
	CHECK(flistxattr(fd, list, sizeof list) == n, "flistxattr");
	CHECK(removexattr(f, "user.color") == 0 && getxattr(f, "user.color", v, sizeof v) == -1 && errno == ENODATA,
	      "removexattr, then getxattr: ENODATA");
	CHECK_ERR(removexattr(f, "user.color"), ENODATA, "removexattr of a missing name: ENODATA");
	CHECK(fremovexattr(fd, "user.empty") == 0, "fremovexattr");
	CHECK_ERR(lsetxattr(l, "user.x", "1", 1, 0), EPERM, "a user.* attribute on a symlink: EPERM");
	CHECK_ERR(setxattr(f, "nonamespace", "1", 1, 0), EOPNOTSUPP, "a name in no namespace: EOPNOTSUPP");
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
	CHECK_ERR(getxattr("/nonexistent-ferry", "user.a", v, 1), ENOENT, "a missing file: ENOENT");
	CHECK_ERR(fgetxattr(-1, "user.a", v, 1), EBADF, "a bad descriptor: EBADF");
	close(fd);
	unlink(l);
	unlink(f);
	return t_done();
}
