/*
 * chroot: a process whose root is a directory finds its files from there:
 * absolute paths, ".." at the new root (it stays there), absolute symlink
 * targets and getcwd all start at it; its children inherit it; the
 * parent's root is unchanged. A file is ENOTDIR, a missing path ENOENT.
 * Linux asks for CAP_SYS_CHROOT: without it the test is skipped there.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "t.h"

static char jail[128];

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", jail, rel);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	(void)!write(fd, text, strlen(text));
	close(fd);
}

static int reads(const char *path, const char *want)
{
	char buf[64] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n);
}

/* In a child: chroot, then the checks; the exit status says which failed first. */
static int inside(void)
{
	if (chroot(jail) < 0)
		return errno == EPERM ? 100 : 1;
	if (chdir("/") < 0)
		return 2;
	if (!reads("/marker", "in the jail\n"))
		return 3;
	if (!reads("/../../marker", "in the jail\n"))
		return 4; /* ".." stops at the new root */
	if (!reads("/sub/abs-link", "in the jail\n"))
		return 5; /* an absolute symlink starts at the new root */
	char cwd[64];
	if (chdir("/sub") < 0 || !getcwd(cwd, sizeof cwd) || strcmp(cwd, "/sub"))
		return 6;
	pid_t pid = fork();
	if (pid == 0)
		_exit(reads("/marker", "in the jail\n") ? 0 : 1);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 7;
	return 0;
}

int main(void)
{
	snprintf(jail, sizeof jail, "%s", t_tmp("jail"));
	char path[256];
	mkdir(jail, 0755);
	snprintf(path, sizeof path, "%s/sub", jail);
	mkdir(path, 0755);
	put("marker", "in the jail\n");
	snprintf(path, sizeof path, "%s/sub/abs-link", jail);
	unlink(path);
	CHECK(symlink("/marker", path) == 0, "a symlink to /marker inside the jail");

	CHECK_ERR(chroot("/nonexistent-dir"), ENOENT, "chroot to a missing path is ENOENT");
	snprintf(path, sizeof path, "%s/marker", jail);
	int r = chroot(path);
	if (r < 0 && errno == EPERM) {
		t_skip("chroot: not privileged here");
	} else {
		CHECK(r == -1 && errno == ENOTDIR, "chroot to a file is ENOTDIR");
		pid_t pid = fork();
		if (pid == 0)
			_exit(inside());
		int st = t_wait(pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			t_note("inside the jail, step %d failed (status %#x)", WEXITSTATUS(st), st);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "inside: paths, .., symlinks, getcwd and a child all start at the jail");
		CHECK(access("/marker", F_OK) < 0 && reads(path, "in the jail\n"),
		      "our own root is unchanged");
	}
	snprintf(path, sizeof path, "%s/sub/abs-link", jail);
	unlink(path);
	snprintf(path, sizeof path, "%s/marker", jail);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", jail);
	rmdir(path);
	rmdir(jail);
	return t_done();
}
