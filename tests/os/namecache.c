/*
 * namecache: the cases a cache of names and inodes gets wrong, each
 * looked up before the change (so a cache holds the old answer) and after
 * it: rename over an existing name, unlink then create of the same name,
 * a missing name looked up then created (file, directory, link, symlink,
 * rename target), hard links, a directory renamed and moved while the
 * process's cwd is inside it, a directory listing that agrees with
 * lookups, and two processes racing create, unlink, rename and stat of
 * the same few names (on as many CPUs as there are).
 *   namecache [DIR]   works in DIR/nc-PID (default: the current directory,
 *                     so it tests whatever file system that is)
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/stat.h>

#include "t.h"

static char top[1024];

static const char *P(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, PATH_MAX, "%s/%s", top, name);
	return p;
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The file's text (up to 63 bytes), or "" if it cannot be read. */
static const char *get(const char *path)
{
	static char buf[64];
	buf[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return buf;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

static ino_t ino_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

static void check_rename_over(void)
{
	CHECK(put(P("a"), "A") == 0 && put(P("b"), "B") == 0, "create a and b");
	ino_t ia = ino_of(P("a")), ib = ino_of(P("b"));
	CHECK(ia && ib && ia != ib, "both looked up: two inodes");
	CHECK(rename(P("a"), P("b")) == 0, "rename a over b");
	CHECK_ERR(lstat(P("a"), &(struct stat){0}), ENOENT, "a is gone");
	CHECK(ino_of(P("b")) == ia, "b is a's inode now");
	CHECK(!strcmp(get(P("b")), "A"), "b reads a's text");
	struct stat st;
	CHECK(stat(P("b"), &st) == 0 && st.st_nlink == 1, "b has one link");
	CHECK(unlink(P("b")) == 0, "unlink b");
}

static void check_unlink_create(void)
{
	CHECK(put(P("u"), "first") == 0, "create u");
	ino_t i1 = ino_of(P("u"));
	CHECK(unlink(P("u")) == 0, "unlink u");
	CHECK_ERR(lstat(P("u"), &(struct stat){0}), ENOENT, "u is gone");
	CHECK_ERR(open(P("u"), O_RDONLY), ENOENT, "and does not open");
	int fd = open(P("u"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0, "create u again with O_EXCL");
	CHECK(fd >= 0 && write(fd, "second", 6) == 6, "write the new u");
	close(fd);
	struct stat st;
	CHECK(lstat(P("u"), &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 6,
	      "u is the new file (mode 0600, 6 bytes)");
	CHECK(!strcmp(get(P("u")), "second"), "u reads the new text");
	(void)i1;
	CHECK(unlink(P("u")) == 0, "unlink it");
	/* The same name as a directory, then a file again. */
	CHECK(mkdir(P("u"), 0755) == 0, "mkdir u where the file was");
	CHECK(stat(P("u"), &st) == 0 && S_ISDIR(st.st_mode), "u is a directory");
	CHECK(rmdir(P("u")) == 0, "rmdir u");
	CHECK_ERR(stat(P("u"), &st), ENOENT, "u is gone again");
	CHECK(put(P("u"), "third") == 0 && stat(P("u"), &st) == 0 && S_ISREG(st.st_mode),
	      "u is a file again");
	CHECK(unlink(P("u")) == 0, "unlink it");
}

static void check_negative(void)
{
	struct stat st;
	static const char *names[] = {"nf", "nd", "nl", "ns", "nr"};
	for (int i = 0; i < 5; i++) {
		CHECK_ERR(stat(P(names[i]), &st), ENOENT, "%s: missing", names[i]);
		CHECK_ERR(stat(P(names[i]), &st), ENOENT, "%s: still missing", names[i]);
	}
	CHECK(put(P("nf"), "x") == 0 && stat(P("nf"), &st) == 0 && S_ISREG(st.st_mode),
	      "nf created: found");
	CHECK(mkdir(P("nd"), 0755) == 0 && stat(P("nd"), &st) == 0 && S_ISDIR(st.st_mode),
	      "nd made: found");
	CHECK(link(P("nf"), P("nl")) == 0 && ino_of(P("nl")) == ino_of(P("nf")),
	      "nl linked: found, nf's inode");
	CHECK(symlink("nf", P("ns")) == 0 && lstat(P("ns"), &st) == 0 && S_ISLNK(st.st_mode),
	      "ns symlinked: found");
	CHECK(stat(P("ns"), &st) == 0 && st.st_ino == ino_of(P("nf")), "ns leads to nf");
	ino_t nd = ino_of(P("nd"));
	CHECK(rename(P("nd"), P("nr")) == 0 && ino_of(P("nr")) == nd, "nd renamed to nr: found");
	CHECK_ERR(stat(P("nd"), &st), ENOENT, "nd gone");
	/* A name missing inside a directory, then made there. */
	CHECK_ERR(stat(P("nr/inner"), &st), ENOENT, "nr/inner missing");
	CHECK(put(P("nr/inner"), "in") == 0 && !strcmp(get(P("nr/inner")), "in"), "nr/inner made");
	CHECK(unlink(P("nr/inner")) == 0 && rmdir(P("nr")) == 0, "clean up nr");
	CHECK(unlink(P("nf")) == 0 && unlink(P("nl")) == 0 && unlink(P("ns")) == 0,
	      "clean up nf, nl, ns");
}

static void check_links(void)
{
	struct stat st;
	CHECK(put(P("h1"), "hard") == 0, "create h1");
	CHECK(link(P("h1"), P("h2")) == 0, "link h2 to it");
	CHECK(stat(P("h2"), &st) == 0 && st.st_nlink == 2 && st.st_ino == ino_of(P("h1")),
	      "h2: same inode, two links");
	CHECK(put(P("h2"), "changed") == 0 && !strcmp(get(P("h1")), "changed"),
	      "a write through h2 shows in h1");
	CHECK(unlink(P("h1")) == 0, "unlink h1");
	CHECK_ERR(stat(P("h1"), &st), ENOENT, "h1 gone");
	CHECK(stat(P("h2"), &st) == 0 && st.st_nlink == 1 && !strcmp(get(P("h2")), "changed"),
	      "h2 stays, one link, same text");
	/* rename of one link over another of the same file: both stay (rename(2)). */
	CHECK(link(P("h2"), P("h3")) == 0 && rename(P("h2"), P("h3")) == 0, "rename h2 over h3");
	CHECK(stat(P("h2"), &st) == 0 && stat(P("h3"), &st) == 0 && st.st_nlink == 2,
	      "both names stay");
	CHECK(unlink(P("h2")) == 0 && unlink(P("h3")) == 0, "clean up");
}

static void check_cwd_moves(void)
{
	char old[PATH_MAX], buf[PATH_MAX];
	struct stat st, dst;
	if (!CHECK(getcwd(old, sizeof old) != NULL, "getcwd"))
		return;
	CHECK(mkdir(P("d1"), 0755) == 0 && mkdir(P("d1/sub"), 0755) == 0 &&
	      mkdir(P("other"), 0755) == 0, "make d1/sub and other");
	CHECK(put(P("d1/f"), "in d1") == 0, "a file in d1");
	if (!CHECK(chdir(P("d1/sub")) == 0, "cd into d1/sub"))
		return;
	CHECK(stat("..", &st) == 0 && st.st_ino == ino_of(P("d1")), ".. is d1");
	CHECK(rename(P("d1"), P("d2")) == 0, "rename d1 to d2 under our cwd");
	CHECK_ERR(stat(P("d1/sub"), &st), ENOENT, "d1/sub is gone");
	CHECK(stat(P("d2/sub"), &st) == 0, "d2/sub is there");
	CHECK(!strcmp(get("../f"), "in d1"), "../f still reads from here");
	CHECK(getcwd(buf, sizeof buf) && strlen(buf) > 7 && !strcmp(buf + strlen(buf) - 7, "/d2/sub"),
	      "getcwd says .../d2/sub (%s)", buf);
	CHECK(put("here", "made in cwd") == 0 && !strcmp(get(P("d2/sub/here")), "made in cwd"),
	      "a file made in the cwd shows under d2/sub");
	/* Move the cwd itself to another parent: its ".." changes. */
	CHECK(rename(P("d2/sub"), P("other/moved")) == 0, "move d2/sub to other/moved");
	CHECK(stat("..", &st) == 0 && stat(P("other"), &dst) == 0 && st.st_ino == dst.st_ino,
	      ".. is now other");
	CHECK_ERR(stat("../f", &st), ENOENT, "../f is not there any more");
	CHECK(getcwd(buf, sizeof buf) && strlen(buf) > 12 &&
		  !strcmp(buf + strlen(buf) - 12, "/other/moved"),
	      "getcwd says .../other/moved (%s)", buf);
	CHECK(!strcmp(get("here"), "made in cwd"), "our file came along");
	CHECK(stat(P("d2"), &st) == 0 && st.st_nlink == 2, "d2 lost its subdirectory's link");
	CHECK(stat(P("other"), &st) == 0 && st.st_nlink == 3, "other gained one");
	CHECK(chdir(old) == 0, "cd back");
	CHECK(unlink(P("other/moved/here")) == 0 && rmdir(P("other/moved")) == 0 &&
	      rmdir(P("other")) == 0 && unlink(P("d2/f")) == 0 && rmdir(P("d2")) == 0,
	      "clean up");
	/* A removed cwd: nothing can be made or found in it. */
	CHECK(mkdir(P("gone"), 0755) == 0 && chdir(P("gone")) == 0 && rmdir(P("gone")) == 0,
	      "cd into a directory and remove it");
	CHECK_ERR(open("x", O_WRONLY | O_CREAT, 0644), ENOENT, "no file can be made in it");
	CHECK_ERR(stat(P("gone"), &st), ENOENT, "its name is gone");
	CHECK(chdir(old) == 0, "cd back");
}

#define NAMES 6
#define ROUNDS 1500

static const char *rname(int i)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, PATH_MAX, "%s/race/r%d", top, i);
	return p;
}

/* Make and remove names; rename them into each other; look at them. */
static int racer(int who)
{
	int bad = 0;
	struct stat st;
	for (int r = 0; r < ROUNDS && bad < 5; r++) {
		int i = (r * 7 + who) % NAMES, j = (i + 1) % NAMES;
		if (who == 0) {
			int fd = open(rname(i), O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd >= 0) {
				bad += write(fd, "r", 1) != 1;
				close(fd);
			} else if (errno != EEXIST) {
				bad++;
			}
			if (unlink(rname(j)) < 0 && errno != ENOENT)
				bad++;
		} else {
			if (rename(rname(i), rname(j)) < 0 && errno != ENOENT)
				bad++;
			if (stat(rname(j), &st) == 0) {
				bad += !S_ISREG(st.st_mode);
			} else if (errno != ENOENT) {
				bad++;
			}
			int fd = open(rname(i), O_RDONLY);
			if (fd >= 0) {
				char c = 0;
				ssize_t n = read(fd, &c, 1);
				bad += n < 0 || (n == 1 && c != 'r');
				close(fd);
			} else if (errno != ENOENT) {
				bad++;
			}
		}
		if (r % 64 == 0)
			sched_yield();
	}
	return bad;
}

static void check_race(void)
{
	CHECK(mkdir(P("race"), 0755) == 0, "mkdir race");
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0)
			_exit(racer(k) ? 1 : 0);
	}
	for (int k = 0; k < 2; k++) {
		int s = t_wait(kids[k]);
		CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 0,
		      "racer %d saw only ENOENT, EEXIST and whole files (status %#x)", k, s);
	}
	/* Afterwards, lookups and the listing agree on every name. */
	int listed[NAMES] = {0}, others = 0;
	DIR *d = opendir(P("race"));
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int i;
		char end;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (sscanf(e->d_name, "r%d%c", &i, &end) == 1 && i >= 0 && i < NAMES)
			listed[i]++;
		else
			others++;
	}
	if (d)
		closedir(d);
	int agree = 0;
	for (int i = 0; i < NAMES; i++) {
		struct stat st;
		int found = stat(rname(i), &st) == 0;
		agree += listed[i] == found && (!found || st.st_ino == ino_of(rname(i)));
		if (found)
			unlink(rname(i));
	}
	CHECK(others == 0 && agree == NAMES, "the listing and lookups agree on all %d names", NAMES);
	for (int i = 0; i < NAMES; i++)
		CHECK_ERR(stat(rname(i), &(struct stat){0}), ENOENT, "r%d gone after its unlink", i);
	CHECK(rmdir(P("race")) == 0, "the directory is empty: rmdir");
}

static void check_listing(void)
{
	CHECK(mkdir(P("list"), 0755) == 0, "mkdir list");
	int made = 0;
	for (int i = 0; i < 150; i++) {
		char n[32];
		snprintf(n, sizeof n, "list/e%03d", i);
		made += put(P(n), "e") == 0;
	}
	for (int i = 0; i < 150; i += 2) {
		char n[32], m[32];
		snprintf(n, sizeof n, "list/e%03d", i);
		snprintf(m, sizeof m, "list/moved%03d", i);
		made += rename(P(n), P(m)) == 0;
	}
	CHECK(made == 225, "150 files made, 75 renamed (%d)", made);
	int seen = 0, found = 0;
	DIR *d = opendir(P("list"));
	struct dirent *e;
	char path[PATH_MAX + 300];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		seen++;
		snprintf(path, sizeof path, "%s/list/%s", top, e->d_name);
		struct stat st;
		found += stat(path, &st) == 0 && st.st_ino == e->d_ino;
	}
	if (d)
		closedir(d);
	CHECK(seen == 150 && found == 150, "150 listed, each found by its name with its inode (%d, %d)",
	      seen, found);
	int gone = 0;
	for (int i = 0; i < 150; i++) {
		char n[32];
		snprintf(n, sizeof n, i % 2 ? "list/e%03d" : "list/moved%03d", i);
		gone += unlink(P(n)) == 0;
		snprintf(n, sizeof n, i % 2 ? "list/moved%03d" : "list/e%03d", i);
		gone += stat(P(n), &(struct stat){0}) < 0 && errno == ENOENT;
	}
	CHECK(gone == 300 && rmdir(P("list")) == 0, "all unlinked, the other names missing, rmdir");
}

int main(int argc, char **argv)
{
	char base[512] = ".";
	if (argc > 1)
		snprintf(base, sizeof base, "%s", argv[1]);
	else if (!getcwd(base, sizeof base))
		strcpy(base, ".");
	snprintf(top, sizeof top, "%s/nc-%d", base, (int)getpid());
	if (!CHECK(mkdir(top, 0755) == 0, "mkdir %s", top))
		return t_done();
	check_rename_over();
	check_unlink_create();
	check_negative();
	check_links();
	check_cwd_moves();
	check_listing();
	check_race();
	CHECK(rmdir(top) == 0, "everything cleaned up: rmdir %s", top);
	return t_done();
}
