/* The account files, read whole and written back in one step (accounts.h). */
#include "accounts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lines_add(struct lines *l, const char *line)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(line)))
		return -1;
	l->n++;
	return 0;
}

int lines_set(struct lines *l, size_t i, const char *line)
{
	char *s = strdup(line);
	if (!s)
		return -1;
	free(l->v[i]);
	l->v[i] = s;
	return 0;
}

void lines_del(struct lines *l, size_t i)
{
	free(l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof l->v[0]);
	l->n--;
}

void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct lines){0};
}

int lines_read(const char *path, struct lines *l)
{
	*l = (struct lines){0};
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;
	while (r == 0 && (n = getline(&buf, &cap, f)) >= 0) {
		if (n > 0 && buf[n - 1] == '\n')
			buf[n - 1] = 0;
		r = lines_add(l, buf);
	}
	free(buf);
	fclose(f);
	return r;
}

int lines_write(const char *path, const struct lines *l)
{
	struct stat st;
	mode_t mode = 0644;
	uid_t uid = 0;
	gid_t gid = 0;
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	}
	char tmp[256];
	snprintf(tmp, sizeof tmp, "%s+", path);
	int fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	int bad = !f;
	for (size_t i = 0; f && i < l->n; i++)
		bad |= fprintf(f, "%s\n", l->v[i]) < 0;
	bad |= f && fflush(f) != 0;
	bad |= fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0;
	if (f)
		fclose(f);
	else
		close(fd);
	if (bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

char *line_field(const char *line, int k, char *buf, size_t cap)
{
	for (; k > 0 && *line; line++)
		if (*line == ':')
			k--;
	size_t n = 0;
	while (line[n] && line[n] != ':' && n + 1 < cap) {
		buf[n] = line[n];
		n++;
	}
	buf[n] = 0;
	return buf;
}

long lines_find(const struct lines *l, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < l->n; i++)
		if (!strncmp(l->v[i], name, len) && l->v[i][len] == ':')
			return (long)i;
	return -1;
}

int lines_has_id(const struct lines *l, int k, unsigned long id)
{
	char buf[32];
	for (size_t i = 0; i < l->n; i++) {
		line_field(l->v[i], k, buf, sizeof buf);
		if (buf[0] && strtoul(buf, NULL, 10) == id)
			return 1;
	}
	return 0;
}

int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 32 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) || c == '_' || c == '.' || c == '-' || (c == '$' && i == n - 1)))
			return 0;
	}
	return 1;
}
