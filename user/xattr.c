/*
 * xattr: read and change a file's extended attributes (busybox has no
 * getfattr); the system calls of xattr(7), one per command.
 *
 *   xattr list FILE             the names, one a line
 *   xattr get FILE NAME         the value, as it is, then a newline
 *   xattr set FILE NAME VALUE   setxattr (flags 0)
 *   xattr create FILE NAME VALUE / replace ...   with XATTR_CREATE / XATTR_REPLACE
 *   xattr rm FILE NAME          removexattr
 *
 * -h before the command acts on a symlink itself (the l* calls). Errors
 * go to stderr as "xattr: NAME: strerror", exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "xattr: %s: %s (errno %d)\n", what, strerror(errno), errno);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: xattr [-h] list FILE | get FILE NAME | set|create|replace FILE NAME "
			"VALUE | rm FILE NAME\n");
	return 2;
}

int main(int argc, char **argv)
{
	int nofollow = argc > 1 && !strcmp(argv[1], "-h");
	argv += nofollow;
	argc -= nofollow;
	if (argc < 3)
		return usage();
	const char *cmd = argv[1], *f = argv[2];
	static char buf[65536];
	if (!strcmp(cmd, "list")) {
		ssize_t n = nofollow ? llistxattr(f, buf, sizeof buf) : listxattr(f, buf, sizeof buf);
		if (n < 0)
			return fail(f);
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
			printf("%s\n", buf + i);
		return 0;
	}
	if (argc < 4)
		return usage();
	const char *name = argv[3];
	if (!strcmp(cmd, "get")) {
		ssize_t n = nofollow ? lgetxattr(f, name, buf, sizeof buf)
				     : getxattr(f, name, buf, sizeof buf);
		if (n < 0)
			return fail(name);
		fwrite(buf, 1, (size_t)n, stdout);
		putchar('\n');
		return 0;
	}
	if (!strcmp(cmd, "rm")) {
		if ((nofollow ? lremovexattr(f, name) : removexattr(f, name)) < 0)
			return fail(name);
		return 0;
	}
	int flags = !strcmp(cmd, "set")	      ? 0
		    : !strcmp(cmd, "create")  ? XATTR_CREATE
		    : !strcmp(cmd, "replace") ? XATTR_REPLACE
					      : -1;
	if (flags < 0 || argc < 5)
		return usage();
	const char *v = argv[4];
	if ((nofollow ? lsetxattr(f, name, v, strlen(v), flags) : setxattr(f, name, v, strlen(v), flags)) < 0)
		return fail(name);
	return 0;
}
