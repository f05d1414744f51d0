/*
 * setuid: set-user-ID and set-group-ID programs. Root copies this very
 * program into a scratch directory as set-user-ID root, set-group-ID to a
 * group, and set-user-ID to user 1000, onto a nosuid and a noexec mount,
 * and as the interpreter of a set-user-ID script; user 1000 (or root)
 * runs each copy, which reports the ids it got (argv[1] says what they
 * must be). The bits count except on a nosuid mount, with no_new_privs,
 * or on a script; AT_SECURE says when they did; a set-user-ID process's
 * /proc files are root's.
 */
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tuser.h"

#define T_GROUP_OTHER 4321

static char dir[128];

static const char *at(const char *name)
{
	static char buf[8][256];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

/*
 * Helper mode: argv[1] is "ids R E S EG SECURE" (one word, so a script's
 * one interpreter argument can carry it): exit 0 if the ids and AT_SECURE
 * are those, else which ones were not (a bit each). "caps" checks root's
 * set-user-ID-1000 case: capabilities permitted, none effective.
 */
static int helper(int argc, char **argv)
{
	unsigned r, e, s, eg, sec;
	if (!strcmp(argv[1], "caps"))
		return t_caps(0, 1) != 0 && t_caps(0, 0) == 0 ? 0 : 1;
	if (!strcmp(argv[1], "wait")) { /* stay until stdin closes */
		char c;
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (sscanf(argv[1], "ids %u %u %u %u %u", &r, &e, &s, &eg, &sec) != 5)
		return 98;
	uid_t a, b, c;
	gid_t ga, gb, gc;
	getresuid(&a, &b, &c);
	getresgid(&ga, &gb, &gc);
	int bad = (a != r) | (b != e) << 1 | (c != s) << 2 | (gb != eg || gc != eg) << 3 |
		  (getauxval(AT_SECURE) != sec) << 4 | (getauxval(AT_UID) != a) << 5 |
		  (getauxval(AT_EUID) != b) << 6;
	/* Effective uid 0 from the program's owner: the whole set of capabilities with it. */
	if (e == 0 && !(t_caps(0, 0) & (1ULL << T_CAP_SETUID)))
		bad |= 1 << 7;
	return bad;
}

static int copy_self(const char *to, uid_t uid, gid_t gid, mode_t mode)
{
	static char buf[1 << 16];
	int in = open(t_self(), O_RDONLY), out = open(to, O_CREAT | O_TRUNC | O_WRONLY, 0700);
	ssize_t n;
	int ok = in >= 0 && out >= 0;
	while (ok && (n = read(in, buf, sizeof buf)) > 0)
		ok = write(out, buf, (size_t)n) == n;
	close(in);
	close(out);
	return ok && chown(to, uid, gid) == 0 && chmod(to, mode) == 0 ? 0 : -1;
}

/* Run prog with argv[1] = arg as uid (becoming it first; 0 stays root), maybe with no_new_privs. */
static int run_as(uid_t uid, int nnp, const char *prog, const char *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (uid && t_become(uid, T_GID) < 0)
			_exit(96);
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(95);
		execl(prog, prog, arg, (char *)NULL);
		_exit(errno == EACCES ? 94 : 97);
	}
	int st = t_wait(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static int mounted(const char *name, unsigned long flags)
{
	mkdir(at(name), 0755);
	return mount("tmpfs", at(name), "tmpfs", flags, NULL) == 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return helper(argc, argv);
	if (!t_need_root())
		return t_done();
	snprintf(dir, sizeof dir, "%s", t_tmp("setuid"));
	CHECK(mkdir(dir, 0755) == 0, "a scratch directory");
	char ids[64];

	CHECK(copy_self(at("suid"), 0, 0, 04755) == 0, "a set-user-ID root copy of this program");
	snprintf(ids, sizeof ids, "ids %d 0 0 %d 1", T_UID, T_GID);
	CHECK(run_as(T_UID, 0, at("suid"), ids) == 0,
	      "user 1000 runs it: real 1000, effective and saved 0, AT_SECURE, all capabilities");

	CHECK(copy_self(at("sgid"), 0, T_GROUP_OTHER, 02755) == 0, "a set-group-ID copy (group 4321)");
	snprintf(ids, sizeof ids, "ids %d %d %d %d 1", T_UID, T_UID, T_UID, T_GROUP_OTHER);
	CHECK(run_as(T_UID, 0, at("sgid"), ids) == 0, "its effective and saved gid are 4321");

	snprintf(ids, sizeof ids, "ids %d %d %d %d 0", T_UID, T_UID, T_UID, T_GID);
	int r = run_as(T_UID, 1, at("suid"), ids);
	if (r == 95)
		t_skip("no_new_privs: prctl(PR_SET_NO_NEW_PRIVS) is not there");
	else
		CHECK(r == 0, "with no_new_privs the bit gives nothing (status %d)", r);

	CHECK(copy_self(at("usuid"), T_UID, T_GID, 04755) == 0, "a copy set-user-ID to user 1000");
	snprintf(ids, sizeof ids, "ids 0 %d %d 0 1", T_UID, T_UID);
	CHECK(run_as(0, 0, at("usuid"), ids) == 0, "root runs it: effective and saved uid 1000");
	CHECK(run_as(0, 0, at("usuid"), "caps") == 0,
	      "then its capabilities are permitted (real uid 0) but not effective");

	/* A set-user-ID script: the bit is ignored; the interpreter's ids count. */
	CHECK(copy_self(at("interp"), 0, 0, 0755) == 0, "a plain copy as an interpreter");
	char text[300];
	snprintf(text, sizeof text, "#!%s ids %d %d %d %d 0\n", at("interp"), T_UID, T_UID, T_UID,
		 T_GID);
	int fd = open(at("script"), O_CREAT | O_WRONLY | O_TRUNC, 0755);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "a script");
	close(fd);
	CHECK(chmod(at("script"), 04755) == 0, "set-user-ID root");
	CHECK(run_as(T_UID, 0, at("script"), NULL) == 0,
	      "user 1000 runs it: still all 1000, as on Linux (the bit is ignored)");

	if (mounted("nosuid", MS_NOSUID)) {
		CHECK(copy_self(at("nosuid/suid"), 0, 0, 04755) == 0, "a set-user-ID copy on a nosuid mount");
		snprintf(ids, sizeof ids, "ids %d %d %d %d 0", T_UID, T_UID, T_UID, T_GID);
		CHECK(run_as(T_UID, 0, at("nosuid/suid"), ids) == 0, "the bit does nothing there");
		umount(at("nosuid"));
	} else {
		t_skip("nosuid: mount of a tmpfs refused here (%s)", strerror(errno));
	}
	if (mounted("noexec", MS_NOEXEC)) {
		CHECK(copy_self(at("noexec/prog"), 0, 0, 0755) == 0, "a copy on a noexec mount");
		CHECK(run_as(T_UID, 0, at("noexec/prog"), "ids 0 0 0 0 0") == 94,
		      "it does not run: EACCES");
		CHECK(run_as(0, 0, at("noexec/prog"), "ids 0 0 0 0 0") == 94, "not even for root");
		umount(at("noexec"));
	} else {
		t_skip("noexec: mount of a tmpfs refused here (%s)", strerror(errno));
	}

	/* A set-user-ID process is root's to look into, not its user's. */
	int in[2];
	CHECK(pipe(in) == 0, "a pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[1]);
		if (t_become(T_UID, T_GID) == 0)
			execl(at("suid"), at("suid"), "wait", (char *)NULL);
		_exit(97);
	}
	close(in[0]);
	pid_t looker = fork();
	if (looker == 0) {
		if (t_become(T_UID, T_GID) < 0)
			_exit(96);
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
		/*
		 * The exec may not have happened yet: wait until the process's
		 * effective uid is root's (status is anyone's to read). Not the
		 * directory's owner: that is root's too in the moment between
		 * the child's setresuid and its PR_SET_DUMPABLE (t_become).
		 */
		for (int i = 0; i < 2000; i++) {
			snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
			FILE *st = fopen(path, "r");
			char line[128];
			unsigned ruid = 0, euid = 1;
			while (st && fgets(line, sizeof line, st))
				if (sscanf(line, "Uid: %u %u", &ruid, &euid) == 2)
					break;
			if (st)
				fclose(st);
			if (euid == 0 && ruid == T_UID)
				break;
			usleep(2000);
		}
		snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
		int f = open(path, O_RDONLY);
		_exit(f < 0 && errno == EACCES ? 0 : 1);
	}
	CHECK_EXITED(t_wait(looker), 0,
		     "its user cannot read a set-user-ID process's /proc/<pid>/environ");
	close(in[1]);
	CHECK_EXITED(t_wait(pid), 0, "the set-user-ID process ends");

	unlink(at("suid")), unlink(at("sgid")), unlink(at("usuid")), unlink(at("interp"));
	unlink(at("script")), rmdir(at("nosuid")), rmdir(at("noexec"));
	rmdir(dir);
	return t_done();
}
