/*
 * deluser: remove a user, or take a user out of a group, with busybox's
 * options (Debian's busybox-static has no deluser applet):
 *
 *   deluser [--remove-home] USER
 *   deluser USER GROUP
 *
 * The user's lines go from /etc/passwd and /etc/shadow and its name from
 * every group's member list; its own group goes too when it was named
 * after it and no other user has it as theirs. --remove-home removes its
 * home directory. Its files elsewhere stay (with its number for owner),
 * and its processes run on, as on Linux. Root only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accounts.h"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "deluser: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* line (a group's) without user in its member list, into out. */
static void drop_member(const char *line, const char *user, char *out, size_t cap)
{
	char head[512], members[4096];
	/* name:password:gid: */
	size_t colons = 0, i = 0;
	while (line[i] && colons < 3) {
		if (line[i] == ':')
			colons++;
		i++;
	}
	snprintf(head, sizeof head, "%.*s", (int)i, line);
	snprintf(members, sizeof members, "%s", line + i);
	size_t n = (size_t)snprintf(out, cap, "%s", head);
	int first = 1;
	for (char *m = strtok(members, ","); m && n < cap; m = strtok(NULL, ",")) {
		if (!strcmp(m, user))
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", first ? "" : ",", m);
		first = 0;
	}
}

int main(int argc, char **argv)
{
	int remove_home = 0, a = 1;
	if (a < argc && !strcmp(argv[a], "--remove-home")) {
		remove_home = 1;
		a++;
	}
	if (argc - a < 1 || argc - a > 2 || (remove_home && argc - a != 1)) {
		fprintf(stderr, "usage: deluser [--remove-home] USER\n       deluser USER GROUP\n");
		return 2;
	}
	const char *user = argv[a], *group = argc - a == 2 ? argv[a + 1] : NULL;
	if (geteuid() != 0)
		die("only root may remove users (%s)", strerror(EPERM));
	struct lines pw, gr, sh;
	if (lines_read(PASSWD_FILE, &pw) || lines_read(GROUP_FILE, &gr) || lines_read(SHADOW_FILE, &sh))
		die("cannot read the account files: %s", strerror(errno));
	long u = lines_find(&pw, user);
	if (u < 0)
		die("unknown user %s", user);
	char line[8192], buf[512];

	if (group) {
		long g = lines_find(&gr, group);
		if (g < 0)
			die("unknown group %s", group);
		drop_member(gr.v[g], user, line, sizeof line);
		if (lines_set(&gr, (size_t)g, line) || lines_write(GROUP_FILE, &gr))
			die("cannot write " GROUP_FILE ": %s", strerror(errno));
		return 0;
	}

	char home[300], gid[32];
	line_field(pw.v[u], 5, home, sizeof home);
	line_field(pw.v[u], 3, gid, sizeof gid);
	lines_del(&pw, (size_t)u);
	long s = lines_find(&sh, user);
	if (s >= 0)
		lines_del(&sh, (size_t)s);
	for (size_t i = 0; i < gr.n; i++) {
		drop_member(gr.v[i], user, line, sizeof line);
		if (lines_set(&gr, i, line))
			die("%s", strerror(ENOMEM));
	}
	/* Its own group: named after it, with its number, no one else's primary group. */
	long g = lines_find(&gr, user);
	if (g >= 0 && !strcmp(line_field(gr.v[g], 2, buf, sizeof buf), gid) &&
	    !lines_has_id(&pw, 3, strtoul(gid, NULL, 10)))
		lines_del(&gr, (size_t)g);
	if (lines_write(PASSWD_FILE, &pw) || lines_write(SHADOW_FILE, &sh) ||
	    lines_write(GROUP_FILE, &gr))
		die("cannot write the account files: %s", strerror(errno));
	if (remove_home && home[0] && strcmp(home, "/") != 0) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", home, (char *)NULL);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			die("could not remove %s", home);
	}
	return 0;
}
