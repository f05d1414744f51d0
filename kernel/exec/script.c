/*
 * Scripts: a file that starts with "#!" runs its interpreter instead,
 * as Linux's binfmt_script does. The first line names the interpreter
 * and at most one argument (the rest of the line, spaces and all); the
 * interpreter gets the argument, then the script's path, then the
 * caller's arguments after argv[0]. The interpreter must itself be
 * executable, and may be a script too (exec.c bounds the depth). A script
 * is never set-user-ID: the ids come from the interpreter's file.
 */
#include "exec/exec.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/string.h"

#define SCRIPT_HEAD 256 /* Linux's BINPRM_BUF_SIZE: the line must name its interpreter within it */

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Replace argv[0] of args by the n strings in v (the buffer is EXEC_ARGS_MAX long). */
static int replace_arg0(struct exec_args *args, const char *const *v, u32 n)
{
	size_t first = args->argc ? strlen(args->buf) + 1 : 0; /* no argv at all: nothing to drop */
	size_t add = 0;
	for (u32 i = 0; i < n; i++)
		add += strlen(v[i]) + 1;
	size_t rest = args->len - first;
	if (add + rest > EXEC_ARGS_MAX)
		return -E2BIG;
	memmove(args->buf + add, args->buf + first, rest);
	size_t at = 0;
	for (u32 i = 0; i < n; i++) {
		size_t l = strlen(v[i]) + 1;
		memcpy(args->buf + at, v[i], l);
		at += l;
	}
	args->len = add + rest;
	args->argc = args->argc - (first ? 1 : 0) + n;
	return 0;
}

int script_prepare(struct inode *ip, struct exec_args *args, char *file, size_t cap)
{
	char head[SCRIPT_HEAD + 1];
	ssize_t n = inode_read_kernel(ip, 0, head, SCRIPT_HEAD);
	if (n == -ERESTART_PARK)
		return (int)n;
	if (n < 2 || head[0] != '#' || head[1] != '!')
		return 0;
	head[n] = 0;
	char *end = NULL;
	for (ssize_t i = 2; i < n && !end; i++)
		if (head[i] == '\n' || head[i] == 0)
			end = &head[i];
	if (end)
		*end = 0;
	char *p = head + 2;
	while (blank(*p))
		p++;
	char *interp = p;
	while (*p && !blank(*p))
		p++;
	/* A name cut off by the buffer's end would run the wrong program (Linux says ENOEXEC too). */
	if (p == interp || (!end && !*p))
		return -ENOEXEC;
	char *arg = NULL;
	if (*p) {
		*p++ = 0;
		while (blank(*p))
			p++;
		char *e = p + strlen(p);
		while (e > p && blank(e[-1]))
			*--e = 0;
		if (*p)
			arg = p;
	}
	if (strlen(interp) >= cap)
		return -ENAMETOOLONG;
	const char *v[3] = {interp};
	u32 nv = 1;
	if (arg)
		v[nv++] = arg;
	v[nv++] = file; /* the script, as it was named */
	int r = replace_arg0(args, v, nv);
	if (r < 0)
		return r;
	strlcpy(file, interp, cap);
	return 1;
}
