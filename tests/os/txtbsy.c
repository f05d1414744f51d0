/*
 * A program being run may not be written, and one open for writing may
 * not be run (ETXTBSY): a copy of this program runs (sleeping) while
 * another process tries open(O_WRONLY), open(O_RDWR), truncate and
 * open(O_TRUNC) on it; once it has exited they work. A copy held open
 * for writing fails execve with ETXTBSY, and runs once closed. Reading
 * and mapping a running program privately stay allowed.
 *   txtbsy [DIR]   (default: /tmp; the disk tests run it on ext2)
 */
#include "t.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static char dir[256] = "/tmp";

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(out);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--sleep")) {
		/* The running copy: wait for the parent to close our pipe. */
		char c;
		(void)!read(0, &c, 1);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--hello"))
		return 42;
	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	char path[300];
	size_t dl = strlen(dir);
	snprintf(path, sizeof path, "%s%stxtbsy-%d", dir, dl && dir[dl - 1] == '/' ? "" : "/",
		 (int)getpid());
	CHECK(copy_file(t_self(), path) == 0, "a copy of this program at %s", path);

	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[0], 0);
		close(p[1]);
		execl(path, path, "--sleep", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* Once it runs, its /proc/<pid>/exe names the copy. */
	char exe[64], target[320] = "";
	snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 3000; i++) {
		ssize_t n = readlink(exe, target, sizeof target - 1);
		target[n > 0 ? n : 0] = 0;
		if (!strcmp(target, path))
			break;
		usleep(10000);
	}
	CHECK(!strcmp(target, path), "the copy runs (%s)", target);
	CHECK_ERR(open(path, O_WRONLY), ETXTBSY, "opening a running program for writing: ETXTBSY");
	CHECK_ERR(open(path, O_RDWR), ETXTBSY, "opening it read-write: ETXTBSY");
	CHECK_ERR(truncate(path, 0), ETXTBSY, "truncating it: ETXTBSY");
	CHECK_ERR(open(path, O_RDONLY | O_TRUNC), ETXTBSY, "O_TRUNC on it: ETXTBSY");
	int rd = open(path, O_RDONLY);
	CHECK(rd >= 0, "reading it is allowed");
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, rd, 0);
	CHECK(m != MAP_FAILED, "so is a private writable mapping of it");
	if (m != MAP_FAILED)
		munmap(m, 4096);
	close(rd);
	close(p[1]); /* it exits */
	CHECK_EXITED(t_wait(pid), 0, "the running copy exits");
	int w = open(path, O_WRONLY);
	CHECK(w >= 0, "once it has exited, it opens for writing");

	/* Held open for writing, it does not run. */
	pid = fork();
	if (pid == 0) {
		execl(path, path, "--hello", (char *)NULL);
		_exit(errno == ETXTBSY ? 3 : 4);
	}
	CHECK_EXITED(t_wait(pid), 3, "execve of a file open for writing: ETXTBSY");
	close(w);
	pid = fork();
	if (pid == 0) {
		execl(path, path, "--hello", (char *)NULL);
		_exit(4);
	}
	CHECK_EXITED(t_wait(pid), 42, "closed, it runs");
	unlink(path);
	return t_done();
}
