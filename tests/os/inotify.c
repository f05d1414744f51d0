/*
 * inotify: watches on a directory and on files, the events of each kind
 * of change (create, open, access, modify, attrib, close, move with its
 * cookie, delete, delete_self, ignored), one-shot watches, masks that
 * add or create, reads that wait, poll and FIONREAD, and bad input with
 * Linux's errors.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "t.h"

static char dir[128], paths[2][192];
static int turn;
static char buf[8192];
static size_t have, at;

/* dir/name, in one of two buffers by turns (a call may take two of these). */
static const char *in(const char *name)
{
	char *p = paths[turn++ % 2];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	return p;
}

/* The next event of fd (waiting up to 20 s for one): 1 and its fields, or 0. */
static int next_event(int fd, int *wd, unsigned *mask, unsigned *cookie, char *name)
{
	if (at >= have) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 20000) != 1)
			return 0;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return 0;
		have = (size_t)n;
		at = 0;
	}
	struct inotify_event *e = (struct inotify_event *)(buf + at);
	*wd = e->wd;
	*mask = e->mask;
	*cookie = e->cookie;
	strcpy(name, e->len ? e->name : "");
	at += sizeof *e + e->len;
	return 1;
}

/* Is the next event wd's mask about name? Says what came if not. */
static int expect(int fd, int wd, unsigned mask, const char *name, unsigned *cookie)
{
	int w;
	unsigned m, c;
	char n[256];
	if (!next_event(fd, &w, &m, &c, n)) {
		t_line("# ", "no event (wanted mask 0x%x '%s')", mask, name);
		return 0;
	}
	if (cookie)
		*cookie = c;
	if (w == wd && m == mask && !strcmp(n, name))
		return 1;
	t_line("# ", "got wd %d mask 0x%x '%s', wanted wd %d mask 0x%x '%s'", w, m, n, wd, mask,
	       name);
	return 0;
}

/* Nothing more queued? */
static int quiet(int fd)
{
	if (at < have)
		return 0;
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 100) == 0;
}

static void check_directory(void)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "inotify_init1(IN_NONBLOCK | IN_CLOEXEC)");
	CHECK_ERR(read(fd, buf, sizeof buf), EAGAIN, "an empty non-blocking instance: EAGAIN");
	int wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	CHECK(wd > 0, "a watch on a directory: wd %d", wd);
	CHECK(inotify_add_watch(fd, dir, IN_CREATE) == wd, "a second add on it: the same wd");
	CHECK(inotify_add_watch(fd, dir, IN_ALL_EVENTS) == wd, "  (and back to every event)");

	int f = open(in("a"), O_CREAT | O_WRONLY, 0600);
	CHECK(expect(fd, wd, IN_CREATE, "a", NULL), "create: IN_CREATE 'a'");
	CHECK(expect(fd, wd, IN_OPEN, "a", NULL), "  then IN_OPEN 'a'");
	write(f, "x", 1);
	write(f, "y", 1);
	CHECK(expect(fd, wd, IN_MODIFY, "a", NULL), "write: IN_MODIFY 'a'");
	CHECK(quiet(fd), "  a second write, unread: merged into the first");
	close(f);
	CHECK(expect(fd, wd, IN_CLOSE_WRITE, "a", NULL), "close: IN_CLOSE_WRITE 'a'");
	f = open(in("a"), O_RDONLY);
	char c[2];
	read(f, c, 2);
	close(f);
	CHECK(expect(fd, wd, IN_OPEN, "a", NULL) && expect(fd, wd, IN_ACCESS, "a", NULL) &&
		  expect(fd, wd, IN_CLOSE_NOWRITE, "a", NULL),
	      "open, read, close: IN_OPEN, IN_ACCESS, IN_CLOSE_NOWRITE");
	chmod(in("a"), 0644);
	CHECK(expect(fd, wd, IN_ATTRIB, "a", NULL), "chmod: IN_ATTRIB 'a'");
	char a[192];
	snprintf(a, sizeof a, "%s", in("a"));
	rename(a, in("b"));
	unsigned c1 = 0, c2 = 1;
	CHECK(expect(fd, wd, IN_MOVED_FROM, "a", &c1) && expect(fd, wd, IN_MOVED_TO, "b", &c2) &&
		  c1 && c1 == c2,
	      "rename: IN_MOVED_FROM 'a', IN_MOVED_TO 'b', one cookie (%u, %u)", c1, c2);
	mkdir(in("d"), 0700);
	CHECK(expect(fd, wd, IN_CREATE | IN_ISDIR, "d", NULL), "mkdir: IN_CREATE | IN_ISDIR 'd'");
	rmdir(in("d"));
	CHECK(expect(fd, wd, IN_DELETE | IN_ISDIR, "d", NULL), "rmdir: IN_DELETE | IN_ISDIR 'd'");
	unlink(in("b"));
	CHECK(expect(fd, wd, IN_DELETE, "b", NULL), "unlink: IN_DELETE 'b'");
	CHECK(quiet(fd), "nothing else");

	int n = -1;
	close(open(in("c"), O_CREAT | O_WRONLY, 0600));
	struct pollfd p = {fd, POLLIN, 0};
	CHECK(poll(&p, 1, 20000) == 1 && ioctl(fd, FIONREAD, &n) == 0 && n >= 3 * 32,
	      "FIONREAD: the bytes waiting (%d)", n);
	CHECK_ERR(read(fd, buf, 20), EINVAL, "a buffer too small for the first event: EINVAL");
	ssize_t r = read(fd, buf, sizeof buf);
	struct inotify_event *e = (struct inotify_event *)buf;
	CHECK(r == n && e->len % 16 == 0 && e->len >= 2 && !strcmp(e->name, "c"),
	      "read takes them all; names are NUL-padded to 16 (len %u)", e->len);
	unlink(in("c"));
	read(fd, buf, sizeof buf);
	have = at = 0;
	CHECK(inotify_rm_watch(fd, wd) == 0, "inotify_rm_watch");
	CHECK(expect(fd, wd, IN_IGNORED, "", NULL), "  IN_IGNORED follows");
	CHECK_ERR(inotify_rm_watch(fd, wd), EINVAL, "  a second time: EINVAL");
	close(fd);
	have = at = 0;
}

static void check_file(void)
{
	int fd = inotify_init();
	close(open(in("f"), O_CREAT | O_WRONLY, 0600));
	int wd = inotify_add_watch(fd, in("f"), IN_ALL_EVENTS);
	CHECK(wd > 0, "a watch on a file");
	int f = open(in("f"), O_WRONLY);
	write(f, "z", 1);
	close(f);
	CHECK(expect(fd, wd, IN_OPEN, "", NULL) && expect(fd, wd, IN_MODIFY, "", NULL) &&
		  expect(fd, wd, IN_CLOSE_WRITE, "", NULL),
	      "its own events come without a name");
	char g[192];
	snprintf(g, sizeof g, "%s", in("g"));
	link(in("f"), g);
	CHECK(expect(fd, wd, IN_ATTRIB, "", NULL), "a new link: IN_ATTRIB");
	rename(in("f"), in("h"));
	CHECK(expect(fd, wd, IN_MOVE_SELF, "", NULL), "renamed: IN_MOVE_SELF");
	unlink(g);
	CHECK(expect(fd, wd, IN_ATTRIB, "", NULL), "a link removed: IN_ATTRIB");
	unlink(in("h"));
	CHECK(expect(fd, wd, IN_ATTRIB, "", NULL) && expect(fd, wd, IN_DELETE_SELF, "", NULL) &&
		  expect(fd, wd, IN_IGNORED, "", NULL),
	      "the last link removed: IN_ATTRIB, IN_DELETE_SELF, IN_IGNORED");
	CHECK_ERR(inotify_rm_watch(fd, wd), EINVAL, "that watch is gone");

	/* One-shot: one event, then IN_IGNORED. */
	close(open(in("o"), O_CREAT | O_WRONLY, 0600));
	wd = inotify_add_watch(fd, in("o"), IN_ATTRIB | IN_ONESHOT);
	chmod(in("o"), 0600);
	chmod(in("o"), 0640);
	CHECK(expect(fd, wd, IN_ATTRIB, "", NULL) && expect(fd, wd, IN_IGNORED, "", NULL) && quiet(fd),
	      "IN_ONESHOT: one IN_ATTRIB, then IN_IGNORED and nothing more");
	int w2 = inotify_add_watch(fd, in("o"), IN_MODIFY);
	CHECK(w2 > 0 && w2 != wd, "a new watch gets a new wd");
	CHECK_ERR(inotify_add_watch(fd, in("o"), IN_MODIFY | IN_MASK_CREATE), EEXIST,
		  "IN_MASK_CREATE on a watched file: EEXIST");
	CHECK(inotify_add_watch(fd, in("o"), IN_ATTRIB | IN_MASK_ADD) == w2, "IN_MASK_ADD: same wd");
	chmod(in("o"), 0600);
	CHECK(expect(fd, w2, IN_ATTRIB, "", NULL), "  and the added event comes");
	f = open(in("o"), O_WRONLY);
	write(f, "m", 1);
	close(f);
	CHECK(expect(fd, w2, IN_MODIFY, "", NULL) && quiet(fd), "  as does the first one, alone");
	unlink(in("o"));
	close(fd);
	have = at = 0;
}

/* A blocking read waits for an event another process makes. */
static void check_wait(void)
{
	int fd = inotify_init();
	int wd = inotify_add_watch(fd, dir, IN_CREATE);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		close(open(in("late"), O_CREAT | O_WRONLY, 0600));
		_exit(0);
	}
	ssize_t r = read(fd, buf, sizeof buf);
	struct inotify_event *e = (struct inotify_event *)buf;
	CHECK(r > 0 && e->wd == wd && e->mask == IN_CREATE && !strcmp(e->name, "late"),
	      "a blocking read wakes for a file another process creates");
	t_wait(pid);
	unlink(in("late"));
	close(fd);
}

static void check_bad(void)
{
	int fd = inotify_init1(0);
	CHECK_ERR(inotify_init1(0x10), EINVAL, "inotify_init1 with an unknown flag: EINVAL");
	CHECK_ERR(inotify_add_watch(fd, dir, 0), EINVAL, "a mask with no event: EINVAL");
	CHECK_ERR(inotify_add_watch(fd, dir, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE), EINVAL,
		  "IN_MASK_ADD with IN_MASK_CREATE: EINVAL");
	CHECK_ERR(inotify_add_watch(fd, in("none"), IN_MODIFY), ENOENT, "a missing path: ENOENT");
	CHECK_ERR(inotify_add_watch(fd, (char *)8, IN_MODIFY), EFAULT, "a bad path: EFAULT");
	CHECK_ERR(inotify_add_watch(-1, dir, IN_MODIFY), EBADF, "a bad descriptor: EBADF");
	CHECK_ERR(inotify_add_watch(0 + open("/", O_RDONLY), dir, IN_MODIFY), EINVAL,
		  "a descriptor that is no inotify: EINVAL");
	CHECK_ERR(inotify_add_watch(fd, t_self(), IN_MODIFY | IN_ONLYDIR), ENOTDIR,
		  "IN_ONLYDIR on a file: ENOTDIR");
	CHECK_ERR(inotify_rm_watch(fd, 12345), EINVAL, "rm_watch of an unknown wd: EINVAL");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write to an instance: EBADF");
	close(fd);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", t_tmp("inotify"));
	mkdir(dir, 0700);
	check_directory();
	check_file();
	check_wait();
	check_bad();
	rmdir(dir);
	return t_done();
}
