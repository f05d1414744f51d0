/*
 * perms: file permissions, each rule's refusal and its allowed case. As
 * root, the test lays out a tree of files and directories with known
 * owners and modes in /tmp; a child that becomes user 1000 then opens,
 * searches, creates, removes, renames and changes them, and root's own
 * rules (the capabilities that pass the mode bits, access(2) with the
 * real ids) are checked in a root child. Last, chmod races open in two
 * threads: every open is allowed or refused, nothing else.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "tuser.h"

#define T_GROUP_OTHER 4321 /* a group user 1000 is not in */

static char base[128];

/* base/name, in one of four rotating buffers. */
static const char *at(const char *name)
{
	static char buf[8][256];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, sizeof buf[0], "%s/%s", base, name);
	return p;
}

static void put(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(at(name), O_CREAT | O_TRUNC | O_WRONLY, 0600);
	(void)!write(fd, "data", 4);
	close(fd);
	chown(at(name), uid, gid);
	chmod(at(name), mode);
}

static void dir(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	mkdir(at(name), 0700);
	chown(at(name), uid, gid);
	chmod(at(name), mode);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* The tree, laid out by root. */
static void layout(void)
{
	snprintf(base, sizeof base, "%s", t_tmp("perms"));
	dir("", 0755, 0, 0);
	put("r600", 0600, 0, 0);
	put("r644", 0644, 0, 0);
	put("r666", 0666, 0, 0);
	put("r744", 0744, 0, 0);
	put("u600", 0600, T_UID, T_GID);
	dir("rdir700", 0700, 0, 0);
	put("rdir700/f", 0644, 0, 0);
	dir("rdir711", 0711, 0, 0);
	put("rdir711/f", 0644, 0, 0);
	dir("rdir000", 0000, 0, 0);
	dir("udir", 0755, T_UID, T_GID);
	dir("wdir", 0777, 0, 0);
	put("wdir/rootfile", 0644, 0, 0);
	dir("wdir/rd", 0755, 0, 0);
	dir("sticky", 01777, 0, 0);
	put("sticky/rfile", 0666, 0, 0);
	dir("sgid", 02777, 0, T_GROUP_OTHER);
}

/* Remove the tree (as root). */
static void clean(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[512];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			clean(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* ---- as user 1000 ---- */

static void user_open(void *arg)
{
	int fd;
	CHECK_ERR(open(at("r600"), O_RDONLY), EACCES, "open of root's 0600 file for reading: EACCES");
	CHECK((fd = open(at("r644"), O_RDONLY)) >= 0, "open of root's 0644 file for reading");
	close(fd);
	CHECK_ERR(open(at("r644"), O_WRONLY), EACCES, "for writing: EACCES");
	CHECK_ERR(open(at("r644"), O_RDWR), EACCES, "for reading and writing: EACCES");
	CHECK_ERR(open(at("r644"), O_RDONLY | O_TRUNC), EACCES, "O_TRUNC needs write permission");
	CHECK_ERR(open(at("r644"), O_RDONLY | O_NOATIME), EPERM, "O_NOATIME is the owner's only");
	CHECK((fd = open(at("r644"), O_PATH)) >= 0, "O_PATH needs no permission on the file");
	close(fd);
	CHECK((fd = open(at("r666"), O_WRONLY)) >= 0, "a 0666 file opens for writing");
	close(fd);
	CHECK((fd = open(at("u600"), O_RDWR | O_NOATIME)) >= 0, "its own 0600 file, with O_NOATIME");
	close(fd);
	CHECK_ERR(access(at("r600"), R_OK), EACCES, "access(R_OK) of root's 0600 file: EACCES");
	CHECK(access(at("r644"), R_OK) == 0, "access(R_OK) of 0644");
	CHECK_ERR(access(at("r644"), W_OK), EACCES, "access(W_OK) of 0644: EACCES");
	CHECK_ERR(access(at("r744"), X_OK), EACCES, "access(X_OK) of 0744 (the owner's x only): EACCES");
	CHECK_ERR(truncate(at("r644"), 0), EACCES, "truncate of a file it may not write: EACCES");
	CHECK(truncate(at("u600"), 2) == 0, "truncate of its own");
}

static void user_search(void *arg)
{
	struct stat st;
	int fd;
	CHECK(stat(at("rdir700"), &st) == 0, "stat of a 0700 directory itself");
	CHECK_ERR(stat(at("rdir700/f"), &st), EACCES, "stat through a 0700 directory: EACCES");
	CHECK_ERR(stat(at("rdir700/../r644"), &st), EACCES, "\"..\" of it too: EACCES");
	CHECK_ERR(open(at("rdir700"), O_RDONLY | O_DIRECTORY), EACCES, "listing it: EACCES");
	CHECK_ERR(chdir(at("rdir700")), EACCES, "chdir into it: EACCES");
	CHECK_ERR(access(at("rdir700/f"), F_OK), EACCES, "access(F_OK) through it: EACCES");
	CHECK(stat(at("rdir711/f"), &st) == 0, "a 0711 directory may be passed through");
	CHECK_ERR(open(at("rdir711"), O_RDONLY | O_DIRECTORY), EACCES, "but not listed");
	CHECK((fd = open(at("rdir711/f"), O_RDONLY)) >= 0, "and a file in it opens");
	close(fd);
	CHECK(chdir(at("rdir711")) == 0 && stat("f", &st) == 0, "chdir into it, relative names work");
	CHECK(chdir("/") == 0, "chdir /");
}

static void user_create(void *arg)
{
	struct stat st;
	int fd;
	CHECK_ERR(open(at("new"), O_CREAT | O_WRONLY, 0644), EACCES,
		  "create in root's 0755 directory: EACCES");
	CHECK_ERR(mkdir(at("newdir"), 0755), EACCES, "mkdir there: EACCES");
	CHECK_ERR(mknod(at("fifo"), S_IFIFO | 0644, 0), EACCES, "mknod there: EACCES");
	CHECK_ERR(symlink("x", at("ln")), EACCES, "symlink there: EACCES");
	CHECK_ERR(unlink(at("r666")), EACCES, "unlink there, even of a 0666 file: EACCES");
	CHECK_ERR(rmdir(at("rdir711")), EACCES, "rmdir there: EACCES");
	CHECK_ERR(rename(at("r666"), at("r666b")), EACCES, "rename there: EACCES");
	CHECK_ERR(rename(at("r666"), at("udir/r666")), EACCES,
		  "rename out of it into its own directory: EACCES");

	umask(027);
	CHECK((fd = open(at("udir/mine"), O_CREAT | O_EXCL | O_WRONLY, 0666)) >= 0 &&
		      fstat(fd, &st) == 0 && st.st_uid == T_UID && st.st_gid == T_GID &&
		      (st.st_mode & 07777) == 0640,
	      "a new file in its own directory: its uid and gid, mode 0666 less umask 027");
	close(fd);
	CHECK(mkdir(at("udir/d"), 0777) == 0 && mode_of(at("udir/d")) == 0750, "mkdir there");
	CHECK(symlink("mine", at("udir/ln")) == 0, "symlink there");
	CHECK(link(at("udir/mine"), at("udir/hard")) == 0, "link to its own file");
	CHECK(mknod(at("udir/fifo"), S_IFIFO | 0600, 0) == 0, "mknod of a FIFO");
	CHECK_ERR(mknod(at("udir/tty"), S_IFCHR | 0600, makedev(5, 0)), EPERM,
		  "mknod of a device node needs CAP_MKNOD: EPERM");
	CHECK(rename(at("udir/hard"), at("udir/hard2")) == 0 && unlink(at("udir/hard2")) == 0,
	      "rename and unlink there");
	CHECK(unlink(at("wdir/rootfile")) == 0,
	      "in a world-writable directory without the sticky bit, anyone removes anything");
	CHECK_ERR(rename(at("wdir/rd"), at("udir/rd")), EACCES,
		  "a directory it may not write cannot change parent (its \"..\" would): EACCES");
}

static void user_sticky(void *arg)
{
	int fd;
	CHECK_ERR(unlink(at("sticky/rfile")), EPERM,
		  "in a sticky directory, another's file cannot be removed: EPERM");
	CHECK_ERR(rename(at("sticky/rfile"), at("sticky/x")), EPERM, "nor renamed: EPERM");
	CHECK((fd = open(at("sticky/rfile"), O_WRONLY)) >= 0, "but written, as its mode allows");
	close(fd);
	CHECK((fd = open(at("sticky/mine"), O_CREAT | O_EXCL | O_WRONLY, 0644)) >= 0,
	      "its own file there");
	close(fd);
	CHECK(rename(at("sticky/mine"), at("sticky/mine2")) == 0 && unlink(at("sticky/mine2")) == 0,
	      "renamed and removed by its owner");
}

static void user_attrs(void *arg)
{
	struct timespec t[2] = {{1000000, 0}, {1000000, 0}};
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	const char *own = at("udir/attrs");
	int fd = open(own, O_CREAT | O_EXCL | O_WRONLY, 0644);
	close(fd);
	CHECK_ERR(chmod(at("r644"), 0666), EPERM, "chmod of another's file: EPERM");
	CHECK(chmod(own, 0600) == 0 && mode_of(own) == 0600, "chmod of its own");
	CHECK_ERR(chown(own, 0, -1), EPERM, "chown of its own file to root: EPERM");
	CHECK_ERR(chown(own, -1, 0), EPERM, "chgrp to a group it is not in: EPERM");
	CHECK(chown(own, -1, T_GID) == 0 && chown(own, T_UID, -1) == 0 && chown(own, -1, -1) == 0,
	      "chgrp to its own group, chown to itself, and -1 for both");
	CHECK(chown(at("r644"), -1, -1) == 0 && mode_of(at("r644")) == 0644,
	      "chown(-1, -1) of another's file changes nothing, so anyone may");
	CHECK_ERR(utimensat(AT_FDCWD, at("r644"), NULL, 0), EACCES,
		  "utimensat(NULL) of a file it may not write: EACCES");
	CHECK(utimensat(AT_FDCWD, at("r666"), NULL, 0) == 0, "of a file it may write: now");
	CHECK_ERR(utimensat(AT_FDCWD, at("r666"), t, 0), EPERM,
		  "other times than now are the owner's to set: EPERM");
	CHECK(utimensat(AT_FDCWD, at("r644"), omit, 0) == 0, "UTIME_OMIT for both asks nothing");
	CHECK(utimensat(AT_FDCWD, own, t, 0) == 0, "the owner sets any time");

	/* A write by anyone without CAP_FSETID clears the set-ID bits. */
	CHECK(chmod(own, 06755) == 0 && mode_of(own) == 06755, "its own file set-user-ID and -group-ID");
	fd = open(own, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1 && mode_of(own) == 0755, "a write clears both bits");
	CHECK(fchmod(fd, 04755) == 0 && ftruncate(fd, 0) == 0 && mode_of(own) == 0755,
	      "so does a truncate");
	close(fd);

	/* A set-group-ID directory's group goes to what is made in it. */
	struct stat st;
	const char *f = at("sgid/f"), *d = at("sgid/d");
	fd = open(f, O_CREAT | O_EXCL | O_WRONLY, 0755);
	close(fd);
	CHECK(stat(f, &st) == 0 && st.st_gid == T_GROUP_OTHER && st.st_uid == T_UID,
	      "a file made in a set-group-ID directory gets its group");
	CHECK(mkdir(d, 0755) == 0 && stat(d, &st) == 0 && st.st_gid == T_GROUP_OTHER &&
		      (st.st_mode & S_ISGID),
	      "a directory also its set-group-ID bit");
	CHECK(chmod(f, 02755) == 0 && mode_of(f) == 0755,
	      "chmod g+s of a file whose group it is not in: the bit is dropped, no error");
}

/* ---- as root ---- */

static void root_rules(void *arg)
{
	struct stat st;
	int fd;
	CHECK((fd = open(at("u600"), O_RDWR)) >= 0, "root opens another's 0600 file (CAP_DAC_OVERRIDE)");
	close(fd);
	CHECK_ERR(access(at("r644"), X_OK), EACCES, "root's X_OK on a file nobody may run: EACCES");
	CHECK(access(at("r744"), X_OK) == 0, "on one with an execute bit");
	CHECK_ERR(stat(at("rdir000/x"), &st), ENOENT,
		  "root searches a 0000 directory (the name is just missing)");

	/* access answers for the real uid. */
	CHECK(setresuid(T_UID, 0, 0) == 0, "real uid 1000, effective 0");
	CHECK_ERR(access(at("r600"), R_OK), EACCES, "access(R_OK) answers for the real uid: EACCES");
	CHECK(faccessat(AT_FDCWD, at("r600"), R_OK, AT_EACCESS) == 0,
	      "faccessat(AT_EACCESS) for the effective one");
	CHECK((fd = open(at("r600"), O_RDONLY)) >= 0, "and open goes by the effective one");
	close(fd);
	CHECK_ERR(access(at("rdir700/f"), F_OK), EACCES,
		  "access searches the path with the real uid too");
	CHECK(setresuid(0, 0, 0) == 0, "back to root");

	/* Without the capabilities, root is bound by the mode bits. */
	unsigned long long all = t_caps(0, 1);
	CHECK(t_capset(all & ~(1ULL << T_CAP_DAC_OVERRIDE), all, 0) == 0,
	      "drop CAP_DAC_OVERRIDE");
	CHECK((fd = open(at("u600"), O_RDONLY)) >= 0, "reading still passes (CAP_DAC_READ_SEARCH)");
	close(fd);
	CHECK_ERR(open(at("u600"), O_WRONLY), EACCES, "writing does not");
	CHECK(t_capset(all & ~(1ULL << T_CAP_DAC_OVERRIDE | 1ULL << T_CAP_DAC_READ_SEARCH), all,
		       0) == 0,
	      "drop CAP_DAC_READ_SEARCH too");
	CHECK_ERR(open(at("u600"), O_RDONLY), EACCES, "now reading is EACCES");
	CHECK_ERR(stat(at("rdir000/x"), &st), EACCES, "and searching its own 0000 directory");
	CHECK(t_capset(all, all, 0) == 0, "all back");

	/* chown clears set-user-ID (and group-executable set-group-ID), even root's. */
	put("suid", 06755, 0, 0);
	CHECK(chown(at("suid"), T_UID, -1) == 0 && mode_of(at("suid")) == 0755,
	      "chown of a set-ID file clears its bits");
	CHECK(chmod(at("suid"), 04755) == 0, "set-user-ID again");
	fd = open(at("suid"), O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1 && mode_of(at("suid")) == 04755,
	      "root's write keeps it (CAP_FSETID)");
	close(fd);
	CHECK(chown(at("sgid"), -1, T_GROUP_OTHER) == 0 && (mode_of(at("sgid")) & S_ISGID),
	      "a directory keeps its set-group-ID bit through chown");
}

/* ---- chmod racing open ---- */

#define RACE_ROUNDS 2000

static const char *race_file;
static int race_go[2];

static void *chmodder(void *arg)
{
	char c;
	(void)!read(race_go[0], &c, 1);
	for (int i = 0; i < RACE_ROUNDS; i++)
		chmod(race_file, i & 1 ? 0600 : 0000);
	return NULL;
}

static void user_race(void *arg)
{
	pthread_t t;
	race_file = at("udir/race");
	int fd = open(race_file, O_CREAT | O_EXCL | O_WRONLY, 0600);
	close(fd);
	if (pipe(race_go) || pthread_create(&t, NULL, chmodder, NULL)) {
		CHECK(0, "a thread for the race");
		return;
	}
	(void)!write(race_go[1], "x", 1);
	int ok = 0, refused = 0, other = 0;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		fd = open(race_file, O_RDONLY);
		if (fd >= 0) {
			ok++;
			close(fd);
		} else if (errno == EACCES) {
			refused++;
		} else {
			other++;
		}
	}
	pthread_join(t, NULL);
	CHECK(other == 0 && ok + refused == RACE_ROUNDS,
	      "opens racing chmod: each allowed or EACCES (%d allowed, %d refused, %d other)", ok,
	      refused, other);
	chmod(race_file, 0000);
	CHECK_ERR(open(race_file, O_RDONLY), EACCES, "mode 0000 at the end: EACCES");
	chmod(race_file, 0400);
	CHECK((fd = open(race_file, O_RDONLY)) >= 0, "0400: allowed");
	close(fd);
}

int main(void)
{
	if (!t_need_root())
		return t_done();
	layout();
	CHECK_EXITED(t_as(T_UID, T_GID, user_open, NULL), 0, "user 1000: open, access, truncate");
	CHECK_EXITED(t_as(T_UID, T_GID, user_search, NULL), 0, "user 1000: searching directories");
	CHECK_EXITED(t_as(T_UID, T_GID, user_create, NULL), 0, "user 1000: creating and removing");
	CHECK_EXITED(t_as(T_UID, T_GID, user_sticky, NULL), 0, "user 1000: a sticky directory");
	CHECK_EXITED(t_as(T_UID, T_GID, user_attrs, NULL), 0,
		     "user 1000: chmod, chown, utimensat, set-ID bits");
	CHECK_EXITED(t_root_child(root_rules, NULL), 0, "root: capabilities and the real ids");
	CHECK_EXITED(t_as(T_UID, T_GID, user_race, NULL), 0, "user 1000: chmod racing open");
	clean(base);
	return t_done();
}
