/*
 * adduser: add a user, or add a user to a group, with busybox's options
 * (Debian's busybox-static has no adduser applet):
 *
 *   adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GROUP] [-S] [-D] [-H] [-u UID] [-k SKEL] USER
 *   adduser USER GROUP
 *
 * A new user gets the first free uid from 1000 (from 100 with -S, a system
 * user), a group of its own name with the same number unless -G names
 * one, /home/USER made from SKEL (/etc/skel, if there) and owned by it,
 * /bin/sh, and a locked password that `passwd USER` then sets (-D: left
 * locked, no question asked). Root only: the account files are root's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "adduser: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GROUP] [-S] [-D] [-H] "
			"[-u UID] [-k SKEL] USER\n       adduser USER GROUP\n");
	exit(2);
}

/* Run argv (a program by absolute path) and wait: its exit status, or -1. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* USER GROUP: USER joins GROUP's member list. */
static int join_group(const char *user, const char *group)
{
	struct lines pw, gr;
	if (lines_read(PASSWD_FILE, &pw) || lines_read(GROUP_FILE, &gr))
		die("cannot read the account files: %s", strerror(errno));
	if (lines_find(&pw, user) < 0)
		die("unknown user %s", user);
	long g = lines_find(&gr, group);
	if (g < 0)
		die("unknown group %s", group);
	char members[4096];
	line_field(gr.v[g], 3, members, sizeof members);
	for (char *m = strtok(members, ","); m; m = strtok(NULL, ","))
		if (!strcmp(m, user))
			return 0; /* already in it */
	char *line = malloc(strlen(gr.v[g]) + strlen(user) + 2);
	if (!line)
		die("%s", strerror(ENOMEM));
	size_t len = strlen(gr.v[g]);
	sprintf(line, "%s%s%s", gr.v[g], gr.v[g][len - 1] == ':' ? "" : ",", user);
	if (lines_set(&gr, (size_t)g, line) || lines_write(GROUP_FILE, &gr))
		die("cannot write " GROUP_FILE ": %s", strerror(errno));
	return 0;
}

/* The first id from first to last that no line of l has in field k; 0 if none. */
static unsigned long free_id(const struct lines *l, int k, unsigned long first, unsigned long last)
{
	for (unsigned long id = first; id <= last; id++)
		if (!lines_has_id(l, k, id))
			return id;
	return 0;
}

int main(int argc, char **argv)
{
	const char *home = NULL, *gecos = "", *shell = "/bin/sh", *group = NULL, *skel = "/etc/skel";
	int system = 0, no_password = 0, no_home = 0;
	unsigned long uid = 0;
	int opt;
	while ((opt = getopt(argc, argv, "h:g:s:G:SDHu:k:")) != -1) {
		switch (opt) {
		case 'h': home = optarg; break;
		case 'g': gecos = optarg; break;
		case 's': shell = optarg; break;
		case 'G': group = optarg; break;
		case 'S': system = 1; no_password = 1; break;
		case 'D': no_password = 1; break;
		case 'H': no_home = 1; break;
		case 'k': skel = optarg; break;
		case 'u': {
			char *end;
			errno = 0;
			uid = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || uid > 0xfffffffeUL)
				die("bad uid %s", optarg);
			break;
		}
		default: usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		usage();
	const char *user = argv[optind];
	if (geteuid() != 0)
		die("only root may add users (%s)", strerror(EPERM));
	if (!name_ok(user))
		die("'%s' is not a user name: a letter or '_' first, then letters, digits, '_', '.', '-'",
		    user);
	if (argc - optind == 2)
		return join_group(user, argv[optind + 1]);
	if (strchr(gecos, ':') || strchr(shell, ':') || (home && strchr(home, ':')))
		die("'%s': no ':' in a field", strchr(gecos, ':') ? gecos : strchr(shell, ':') ? shell : home);

	struct lines pw, gr, sh;
	if (lines_read(PASSWD_FILE, &pw) || lines_read(GROUP_FILE, &gr) || lines_read(SHADOW_FILE, &sh))
		die("cannot read the account files: %s", strerror(errno));
	if (lines_find(&pw, user) >= 0)
		die("user '%s' in use", user);
	unsigned long first = system ? 100 : 1000, last = system ? 999 : 64999;
	if (uid && lines_has_id(&pw, 2, uid))
		die("uid %s in use", argv[optind - 1]);
	if (!uid && !(uid = free_id(&pw, 2, first, last)))
		die("no free uid for %s", user);
	unsigned long gid;
	char buf[512], num[32];
	int new_group = !group;
	if (group) {
		long g = lines_find(&gr, group);
		if (g < 0)
			die("unknown group %s", group);
		gid = strtoul(line_field(gr.v[g], 2, num, sizeof num), NULL, 10);
	} else {
		if (lines_find(&gr, user) >= 0)
			die("group '%s' in use: name it with -G to use it", user);
		gid = lines_has_id(&gr, 2, uid) ? free_id(&gr, 2, first, last) : uid;
		if (!gid)
			die("no free gid for %s", user);
		snprintf(buf, sizeof buf, "%s:x:%lu:", user, gid);
		if (lines_add(&gr, buf))
			die("%s", strerror(ENOMEM));
	}
	char home_buf[300];
	if (!home) {
		snprintf(home_buf, sizeof home_buf, "/home/%s", user);
		home = home_buf;
	}
	snprintf(buf, sizeof buf, "%s:x:%lu:%lu:%s:%s:%s", user, uid, gid, gecos, home, shell);
	if (lines_add(&pw, buf))
		die("%s", strerror(ENOMEM));
	/* Locked ("!") until passwd sets one; the date of the change in days since 1970. */
	snprintf(buf, sizeof buf, "%s:!:%ld:0:99999:7:::", user, (long)(time(NULL) / 86400));
	if (lines_add(&sh, buf))
		die("%s", strerror(ENOMEM));
	if ((new_group && lines_write(GROUP_FILE, &gr)) || lines_write(SHADOW_FILE, &sh) ||
	    lines_write(PASSWD_FILE, &pw))
		die("cannot write the account files: %s", strerror(errno));

	if (!no_home) {
		struct stat st;
		if (mkdir(home, 0755) < 0 && errno != EEXIST)
			die("cannot make the home directory: %s", strerror(errno));
		if (stat(skel, &st) == 0 && S_ISDIR(st.st_mode)) {
			char from[320];
			snprintf(from, sizeof from, "%s/.", skel);
			char *cp[] = {"/bin/cp", "-a", from, (char *)home, NULL};
			if (run(cp) != 0)
				fprintf(stderr, "adduser: could not copy %s\n", skel);
		}
		snprintf(num, sizeof num, "%lu:%lu", uid, gid);
		char *chown[] = {"/bin/chown", "-R", num, (char *)home, NULL};
		if (run(chown) != 0)
			die("cannot give %s its home", user);
	}
	if (!no_password) {
		char *pass[] = {"/bin/passwd", (char *)user, NULL};
		return run(pass) == 0 ? 0 : 1;
	}
	return 0;
}
