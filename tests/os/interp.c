/*
 * interp: programs that name another program to run them. Scripts
 * ("#!interpreter [arg]") with Linux's argument rules, chains of scripts
 * up to Linux's depth (then ELOOP), and the bad lines Linux refuses;
 * dynamically linked ELF programs (PT_INTERP): a real one (musl's ld.so
 * runs tests/os/data/dynhello), a program whose interpreter is this very
 * static-pie binary (so the auxiliary vector it gets can be checked), and
 * broken PT_INTERP headers. This program is its own interpreter: with
 * INTERP_DUMP in its environment it prints its arguments and exits.
 */
#include <elf.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "t.h"

static char self[4096];

/* Run path with argv in a child (INTERP_DUMP set); its output into out, its status returned. */
static int run(const char *path, char *const argv[], char *out, size_t outlen, int *exec_errno)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		char *envp[] = {"INTERP_DUMP=1", NULL};
		execve(path, argv, envp);
		_exit(100 + errno);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while (got + 1 < outlen && (n = read(p[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(p[0]);
	int st = t_wait(pid);
	*exec_errno = WIFEXITED(st) && WEXITSTATUS(st) >= 100 ? WEXITSTATUS(st) - 100 : 0;
	return st;
}

/* Write a scratch file; its path stays valid (t_tmp's buffers are reused). */
static const char *write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	const char *path = strdup(t_tmp(name));
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

/* out on one line, for a check's message. */
static const char *shown(const char *out)
{
	static char buf[256];
	size_t i = 0;
	for (; out[i] && i + 1 < sizeof buf; i++)
		buf[i] = out[i] == '\n' ? '/' : out[i];
	buf[i] = 0;
	return buf;
}

static const char *script(const char *name, const char *line)
{
	return write_file(name, line, strlen(line), 0755);
}

static void check_scripts(void)
{
	char line[8192], out[8192], want[8192];
	int err;

	snprintf(line, sizeof line, "#!%s --dump\necho not shell\n", self);
	const char *s1 = script("interp-s1", line);
	char *argv1[] = {"ignored-argv0", "a", "b c", NULL};
	int st = run(s1, argv1, out, sizeof out, &err);
	snprintf(want, sizeof want, "%s|--dump|%s|a|b c|\n", self, s1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !strcmp(out, want),
	      "a script runs its interpreter with its one argument, its path, then argv[1..] (got "
	      "%s)",
	      shown(out));

	snprintf(line, sizeof line, "#!  \t%s   --dump  x  y \t\r\n", self);
	const char *s2 = script("interp-s2", line);
	char *argv2[] = {"s2", NULL};
	run(s2, argv2, out, sizeof out, &err);
	snprintf(want, sizeof want, "%s|--dump  x  y \t\r|%s|\n", self, s2);
	CHECK(!strcmp(out, want),
	      "the argument is the rest of the line as one word, trailing blanks trimmed (got %s)",
	      shown(out));

	snprintf(line, sizeof line, "#!%s\n", self);
	const char *s3 = script("interp-s3", line);
	run(s3, argv2, out, sizeof out, &err);
	snprintf(want, sizeof want, "%s|%s|\n", self, s3);
	CHECK(!strcmp(out, want), "no argument: just the interpreter and the script (got %s)",
	      shown(out));

	/* A line longer than Linux reads: the argument is cut, the interpreter kept. */
	int len = snprintf(line, sizeof line, "#!%s --dump ", self);
	memset(line + len, 'x', 400);
	line[len + 400] = '\n';
	line[len + 401] = 0;
	const char *s4 = script("interp-s4", line);
	run(s4, argv2, out, sizeof out, &err);
	snprintf(want, sizeof want, "%s|--dump %.*s|%s|\n", self, 255 - len, line + len, s4);
	CHECK(!strcmp(out, want),
	      "a long line's argument is cut at 255 bytes of the line (got %.60s...)", shown(out));

	/* A chain: s5 -> s1 -> this program. */
	snprintf(line, sizeof line, "#!%s y\n", s1);
	const char *s5 = script("interp-s5", line);
	run(s5, argv1, out, sizeof out, &err);
	snprintf(want, sizeof want, "%s|--dump|%s|y|%s|a|b c|\n", self, s1, s5);
	CHECK(!strcmp(out, want), "a script whose interpreter is a script (got %s)", shown(out));

	/* Five scripts in a chain run; a sixth is too many. */
	char prev[4096], name[32];
	snprintf(prev, sizeof prev, "%s", self);
	const char *last = NULL;
	for (int i = 0; i <= 5; i++) {
		snprintf(line, sizeof line, "#!%s\n", prev);
		snprintf(name, sizeof name, "interp-chain%d", i);
		last = script(name, line);
		snprintf(prev, sizeof prev, "%s", last);
		char *a[] = {"x", NULL};
		st = run(last, a, out, sizeof out, &err);
		if (i < 5)
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a chain of %d script(s) runs",
			      i + 1);
		else
			CHECK(err == ELOOP, "a chain of 6 scripts is ELOOP (got %s)",
			      strerror(err));
	}

	struct {
		const char *line, *what;
		int err;
	} bad[] = {
	    {"#!\n", "nothing after #!", ENOEXEC},
	    {"#!  \t \n", "only blanks after #!", ENOEXEC},
	    {"#!/nonexistent/interpreter\n", "a missing interpreter", ENOENT},
	    {"#!/\n", "a directory as the interpreter", EACCES},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *s = script("interp-bad", bad[i].line);
		run(s, argv2, out, sizeof out, &err);
		CHECK(err == bad[i].err, "%s: %s (got %s)", bad[i].what, strerror(bad[i].err),
		      strerror(err));
	}
	/* An interpreter's path that does not fit in the line Linux reads. */
	strcpy(line, "#!/");
	memset(line + 3, 'p', 300);
	strcpy(line + 303, "\n");
	const char *s6 = script("interp-bad", line);
	run(s6, argv2, out, sizeof out, &err);
	CHECK(err == ENOEXEC, "an interpreter path longer than the line is ENOEXEC (got %s)",
	      strerror(err));
}

/* ---- PT_INTERP ---- */

static unsigned char *image;
static size_t image_len;

static int load_self(void)
{
	int fd = open(self, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !(image = malloc((size_t)st.st_size + 8192)))
		return -1;
	image_len = (size_t)st.st_size;
	size_t got = 0;
	ssize_t n;
	while (got < image_len && (n = read(fd, image + got, image_len - got)) > 0)
		got += (size_t)n;
	close(fd);
	return got == image_len ? 0 : -1;
}

/*
 * A copy of this program with a PT_INTERP: an unused program header
 * (PT_NOTE or PT_GNU_STACK) becomes one naming the bytes of interp
 * (len of them, so a missing NUL can be tried), appended to the file.
 */
static const char *with_interp(const char *interp, size_t len)
{
	unsigned char *img = malloc(image_len + len + 16);
	memcpy(img, image, image_len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);
	int k = -1;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_NOTE || ph[i].p_type == PT_GNU_STACK)
			k = i;
	if (k < 0) {
		free(img);
		return NULL;
	}
	size_t off = (image_len + 15) & ~15UL;
	memset(img + image_len, 0, off - image_len);
	memcpy(img + off, interp, len);
	ph[k] = (Elf64_Phdr){.p_type = PT_INTERP,
			     .p_flags = PF_R,
			     .p_offset = off,
			     .p_filesz = len,
			     .p_memsz = len,
			     .p_align = 1};
	const char *path = write_file("interp-prog", img, off + len, 0755);
	free(img);
	return path;
}

static void check_elf_interp(void)
{
	char out[8192], data[4096];
	int err;
	snprintf(data, sizeof data, "%s/data/dynhello", dirname(strdup(self)));
	char *argv[] = {data, "one", NULL};
	int st = run(data, argv, out, sizeof out, &err);
	char want[8192];
	snprintf(want, sizeof want, "dynhello: argc 2 argv0 %s base set\ndynhello: arg one\n",
		 data);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3 && !strcmp(out, want),
	      "a dynamically linked musl program runs through ld.so (%s, got %s)", t_status(st),
	      shown(out));

	if (!CHECK(load_self() == 0, "read this program"))
		return;
	/* This static-pie program as the interpreter of a copy of itself. */
	const char *prog = with_interp(self, strlen(self) + 1);
	char *pargv[] = {"prog", "p1", NULL};
	st = run(prog, pargv, out, sizeof out, &err);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "|interp:") &&
		  strstr(out, "base=set") && strstr(out, "entry=prog") && strstr(out, "phdr=prog"),
	      "the interpreter runs first, with AT_BASE its own and AT_ENTRY, AT_PHDR the "
	      "program's (got %s)",
	      shown(out));

	struct {
		const char *path;
		size_t len;
		const char *what;
		int err;
	} bad[] = {
	    {"/nonexistent/ld.so", 19, "a missing interpreter", ENOENT},
	    {"/nonexistent/ld.so", 18, "an interpreter path without its NUL", ENOEXEC},
	    {"/", 2, "a directory as the interpreter", EACCES},
	};
	char *bargv[] = {"prog", NULL};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		prog = with_interp(bad[i].path, bad[i].len);
		run(prog, bargv, out, sizeof out, &err);
		CHECK(err == bad[i].err, "%s: %s (got %s)", bad[i].what, strerror(bad[i].err),
		      strerror(err));
	}
	char *huge = malloc(5000);
	memset(huge, 'a', 4999);
	huge[0] = '/';
	huge[4999] = 0;
	prog = with_interp(huge, 5000);
	run(prog, bargv, out, sizeof out, &err);
	CHECK(err == ENOEXEC || err == ENAMETOOLONG,
	      "an interpreter path longer than PATH_MAX is refused (got %s)", strerror(err));
	char text_data[200];
	memset(text_data, 't', sizeof text_data);
	const char *text = write_file("interp-text", text_data, sizeof text_data, 0755);
	prog = with_interp(text, strlen(text) + 1);
	run(prog, bargv, out, sizeof out, &err);
	CHECK(err == ELIBBAD, "an interpreter that is not an ELF file is ELIBBAD (got %s)",
	      strerror(err));
	if (!t_on_linux()) {
		/* Linux ignores an interpreter's own PT_INTERP (and then crashes in it). */
		prog = with_interp(data, strlen(data) + 1);
		run(prog, bargv, out, sizeof out, &err);
		CHECK(err == ELOOP, "an interpreter that is itself dynamic is ELOOP (got %s)",
		      strerror(err));
	}
}

/* As an interpreter: say how this program was started. */
static int dump(int argc, char **argv)
{
	char buf[8192];
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s|", argv[i]);
	unsigned long base = getauxval(AT_BASE), entry = getauxval(AT_ENTRY),
		      phdr = getauxval(AT_PHDR);
	if (base) {
		/* Run as a PT_INTERP: the program is elsewhere than this image. */
		extern char __ehdr_start[];
		unsigned long me = (unsigned long)__ehdr_start;
		n += (size_t)snprintf(buf + n, sizeof buf - n, "interp: base=%s entry=%s phdr=%s",
				      base == me ? "set" : "wrong",
				      entry && entry != me ? "prog" : "?",
				      phdr && (phdr < me || phdr > me + (1 << 24)) ? "prog" : "?");
	}
	buf[n++] = '\n';
	return write(1, buf, n) == (ssize_t)n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (getenv("INTERP_DUMP"))
		return dump(argc, argv);
	snprintf(self, sizeof self, "%s", t_self());
	check_scripts();
	check_elf_interp();
	return t_done();
}
