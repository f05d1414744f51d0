/*
 * The account files, /etc/passwd, /etc/group and /etc/shadow, for adduser
 * and deluser (Debian's busybox-static has neither): each is read whole
 * into lines, changed, and written back in one step (a new file renamed
 * over the old, with the old one's mode and owner), so a reader never
 * sees half of one.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define PASSWD_FILE "/etc/passwd"
#define GROUP_FILE "/etc/group"
#define SHADOW_FILE "/etc/shadow"

struct lines {
	char **v;
	size_t n, cap;
};

/* Read path's lines (a missing file has none). 0, or -1 with errno. */
int lines_read(const char *path, struct lines *l);
/* Write them back to path in one step. 0, or -1 with errno. */
int lines_write(const char *path, const struct lines *l);
/* Append a copy of line (no newline). 0, or -1. */
int lines_add(struct lines *l, const char *line);
/* Replace line i by a copy of line. 0, or -1. */
int lines_set(struct lines *l, size_t i, const char *line);
void lines_del(struct lines *l, size_t i);
void lines_free(struct lines *l);
/* The line whose first field (before ':') is name, or -1. */
long lines_find(const struct lines *l, const char *name);
/* Field k (from 0) of a colon-separated line, into buf (cap bytes); buf. */
char *line_field(const char *line, int k, char *buf, size_t cap);
/* Is some line's field k the number id? */
int lines_has_id(const struct lines *l, int k, unsigned long id);
/* A name adduser accepts: a letter or '_', then letters, digits, '_', '.', '-', a last '$'. */
int name_ok(const char *name);
