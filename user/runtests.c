/*
 * runtests: run test programs one after another, each in its own child so
 * one crash does not end the run (xv6's usertests habit), and judge them
 * by exit status.
 *
 *   runtests [-t SECONDS] PATH...
 *
 * A PATH that is a directory stands for its executable files in name
 * order. Output: "== NAME", the test's own output, then "PASS NAME" or
 * "FAIL NAME (exited with N | killed by signal S)", and at the end
 * "runtests: N passed, M failed". Exit status 0 only if all passed.
 * -t arms alarm(SECONDS) in each child; the alarm survives execve, so a
 * test that hangs dies of SIGALRM (if the kernel has alarm; if not, no
 * timeout).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int passed, failed;
static unsigned timeout;

static void run(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int st;

	printf("== %s\n", name);
	fflush(stdout); /* before fork, or the child flushes it again */
	pid_t pid = fork();
	if (pid == 0) {
		if (timeout)
			alarm(timeout);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "runtests: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	pid_t r = -1;
	while (pid > 0 && (r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		if (r != pid)
			printf("FAIL %s (could not run it: %s)\n", name, strerror(errno));
		else if (WIFSIGNALED(st))
			printf("FAIL %s (killed by signal %d%s)\n", name, WTERMSIG(st),
			       WTERMSIG(st) == SIGALRM ? ": timed out" : "");
		else
			printf("FAIL %s (exited with %d)\n", name, WEXITSTATUS(st));
	}
	fflush(stdout);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		printf("FAIL %s (cannot open: %s)\n", dir, strerror(errno));
		failed++;
		return;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode) ||
		    access(path, X_OK))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = realloc(names, cap * sizeof *names);
			if (!names) {
				perror("runtests");
				exit(2);
			}
		}
		names[n++] = strdup(path);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		run(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: runtests [-t SECONDS] PATH...\n");
			return 2;
		}
		timeout = (unsigned)atoi(optarg);
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run(argv[i]);
	}
	printf("runtests: %d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
