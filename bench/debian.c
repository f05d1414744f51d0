/*
 * Debian's own dynamically linked programs (issue 12), on the Debian
 * bookworm root of `make debian` (tools/mkdebian.sh):
 *   debian_exec_true       fork, execve of /bin/true (glibc, dynamic) and
 *                          wait, per exec
 *   debian_bash_true_200   bash -c 'for i in $(seq 200); do /bin/true; done'
 *   debian_python3_pass    python3 -c pass
 *   debian_gcc_c           gcc -O2 -c of a small C file (the compiler
 *                          driver, cc1 and as)
 *   debian [ROOT]
 * Ferry boots from a copy of the image (root=/dev/vda); Linux has the copy
 * mounted on /debian (bench/linux-init) and this program chroots there
 * first; ROOT names another place. All run with the same environment, and
 * gcc's temporary and output files go to /var/tmp, a directory of the
 * image's ext2 file system on either kernel. Each figure but the first is
 * the median of a few runs after an untimed one (which also brings the
 * files into the page cache); every run must exit with status 0.
 */
#include "bench.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LC_ALL=C",
			     "TMPDIR=/var/tmp", NULL};
static char *true_cmd[] = {"/bin/true", NULL};
static char *bash_cmd[] = {"/bin/bash", "-c", "for i in $(seq 200); do /bin/true; done", NULL};
static char *python_cmd[] = {"/usr/bin/python3", "-c", "pass", NULL};
static char *gcc_cmd[] = {"/usr/bin/gcc", "-O2", "-c", "/var/tmp/bench-gcc.c", "-o",
			  "/var/tmp/bench-gcc.o", NULL};

static const char source[] =
	"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
	"struct entry { char key[32]; long value; struct entry *next; };\n\n"
	"static unsigned hash(const char *s)\n{\n\tunsigned h = 5381;\n"
	"\twhile (*s)\n\t\th = h * 33 + (unsigned char)*s++;\n\treturn h;\n}\n\n"
	"static struct entry *table[256];\n\n"
	"void put(const char *key, long value)\n{\n\tunsigned b = hash(key) % 256;\n"
	"\tfor (struct entry *e = table[b]; e; e = e->next)\n"
	"\t\tif (strcmp(e->key, key) == 0) {\n\t\t\te->value = value;\n\t\t\treturn;\n\t\t}\n"
	"\tstruct entry *e = calloc(1, sizeof *e);\n\tif (!e)\n\t\tabort();\n"
	"\tsnprintf(e->key, sizeof e->key, \"%s\", key);\n\te->value = value;\n"
	"\te->next = table[b];\n\ttable[b] = e;\n}\n\n"
	"long get(const char *key)\n{\n"
	"\tfor (struct entry *e = table[hash(key) % 256]; e; e = e->next)\n"
	"\t\tif (strcmp(e->key, key) == 0)\n\t\t\treturn e->value;\n\treturn -1;\n}\n\n"
	"int main(int argc, char **argv)\n{\n\tfor (int i = 1; i < argc; i++)\n"
	"\t\tput(argv[i], i);\n\tprintf(\"%ld\\n\", get(argc > 1 ? argv[1] : \"x\"));\n"
	"\treturn 0;\n}\n";

/* Runs argv with envp, stdin and stdout on /dev/null; dies unless it exits 0. */
static void run(char *const argv[])
{
	fflush(stdout);
	int pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		bench_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "debian: `%s %s` ended with status %#x\n", argv[0],
			argv[1] ? argv[1] : "", status);
		exit(1);
	}
}

static uint64_t run_true(long n, void *arg)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		run(true_cmd);
	return now_ns() - t0;
}

static uint64_t timed(void *argv)
{
	uint64_t t0 = now_ns();
	run(argv);
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* what was measured shows even if a later part hangs */
	const char *root = argc > 1 ? argv[1] : "/debian";
	char probe[512];
	snprintf(probe, sizeof probe, "%s/usr/bin/python3", root);
	if (access(probe, X_OK) == 0) {
		if (chroot(root) < 0 || chdir("/") < 0)
			bench_die("chroot");
		printf("# debian: chrooted into %s\n", root);
	} else if (access("/usr/bin/python3", X_OK) == 0) {
		printf("# debian: the root is the Debian image\n");
	} else {
		printf("# debian: no Debian root (neither %s nor /usr/bin/python3)\n", probe);
		return 1;
	}
	int fd = open("/var/tmp/bench-gcc.c", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, source, sizeof source - 1) != (ssize_t)(sizeof source - 1) || close(fd) < 0)
		bench_die("/var/tmp/bench-gcc.c");

	run(true_cmd); /* into the page cache */
	bench_ns(&(struct bench){.name = "debian_exec_true", .run = run_true});
	bench_print("debian_bash_true_200", bench_repeat("debian_bash_true_200", timed, bash_cmd, 3, 1));
	bench_print("debian_python3_pass", bench_repeat("debian_python3_pass", timed, python_cmd, 5, 1));
	bench_print("debian_gcc_c", bench_repeat("debian_gcc_c", timed, gcc_cmd, 3, 1));
	struct stat st;
	if (stat("/var/tmp/bench-gcc.o", &st) < 0 || st.st_size == 0) {
		fprintf(stderr, "debian: gcc left no object file\n");
		return 1;
	}
	unlink("/var/tmp/bench-gcc.o");
	unlink("/var/tmp/bench-gcc.c");
	return 0;
}
