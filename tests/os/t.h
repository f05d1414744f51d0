/*
 * t.h: the harness every tests/os program includes. One line per check:
 *   ok - what was checked
 *   not ok - what was checked: what happened instead (line N)
 *   skip - why a check does not apply here
 *   # a note
 * and a last line "# NAME: N checks, M failed". main returns t_done(): 0
 * only if every check passed. Lines go out with one write(2) each, so
 * output from forked children never duplicates or interleaves mid-line.
 */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int t_checks, t_failed;

static inline void t_vline(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char buf[512];
	size_t n = (size_t)snprintf(buf, sizeof buf, "%s", prefix);

	n += (size_t)vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	if (n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", suffix);
	if (n > sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	(void)!write(1, buf, n);
}

static inline void t_line(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vline(prefix, fmt, ap, "");
	va_end(ap);
}

#define t_note(...) t_line("# ", __VA_ARGS__)
#define t_skip(...) t_line("skip - ", __VA_ARGS__)

/* Record one check; the message says what should hold. Returns ok. */
/*
 * The condition first, then the message's arguments: a message that shows
 * a value the condition's call filled in shows it filled (the order of a
 * call's arguments is unspecified; GCC's is often right to left).
 */
#define CHECK(cond, ...)                                                                           \
	({                                                                                         \
		int t_ok_ = !!(cond);                                                              \
		t_check(t_ok_, __LINE__, "", __VA_ARGS__);                                         \
	})

static inline int t_check(int ok, int line, const char *why, const char *fmt, ...)
{
	char suffix[160];
	va_list ap;

	t_checks++;
	if (!ok) {
		t_failed++;
		snprintf(suffix, sizeof suffix, "%s%s (line %d)", *why ? ": " : "", why, line);
	}
	va_start(ap, fmt);
	t_vline(ok ? "ok - " : "not ok - ", fmt, ap, ok ? "" : suffix);
	va_end(ap);
	return ok;
}

/* Check that a call failed with the given errno: CHECK_ERR(call, EFAULT, "..."). */
#define CHECK_ERR(call, err, ...)                                                                  \
	(t_r = (long)(call), t_e = errno, t_check_err(t_r, t_e, (err), __LINE__, __VA_ARGS__))

/* The comma sequence above reads errno only after the call returned. */
static long t_r __attribute__((unused));
static int t_e __attribute__((unused));

static inline int t_check_err(long r, int e, int want, int line, const char *fmt, ...)
{
	char why[120];
	va_list ap;

	if (r == -1)
		snprintf(why, sizeof why, "errno %d (%s), want %d", e, strerror(e), want);
	else
		snprintf(why, sizeof why, "returned %ld, want -1 with errno %d", r, want);
	va_start(ap, fmt);
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return t_check(r == -1 && e == want, line, why, "%s", msg);
}

static inline int t_done(void)
{
	const char *name = (const char *)getauxval(AT_EXECFN);
	const char *slash = name ? strrchr(name, '/') : NULL;

	t_note("%s: %d checks, %d failed",
	       slash  ? slash + 1
	       : name ? name
		      : "test",
	       t_checks, t_failed);
	return t_failed ? 1 : 0;
}

/*
 * Ferry-only checks skip themselves on Linux. Ferry's uname says "Linux"
 * in sysname, as Linux-ABI kernels do, and names itself in the release
 * ("6.1.0-ferry"); a kernel without "ferry" there is taken to be Linux.
 */
static inline int t_on_linux(void)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0 && !strstr(u.release, "ferry");
}

/* The path this program was started from, to exec it again. */
static inline const char *t_self(void)
{
	return (const char *)getauxval(AT_EXECFN);
}

/* A fresh path for a scratch file: /tmp if writable, else the current dir. */
static inline const char *t_tmp(const char *name)
{
	static char buf[4][128];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof buf[0], "%s/ferry-%s-%d", access("/tmp", W_OK) == 0 ? "/tmp" : ".", name,
		 (int)getpid());
	return p;
}

/* waitpid that retries on EINTR; returns the status, or -1. */
static inline int t_wait(pid_t pid)
{
	int st;
	pid_t r;

	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return r == pid ? st : -1;
}

/*
 * Run fn(arg) in a forked child that exits 0 if fn returns; return its
 * wait status (-1 if fork or wait failed). The child never dumps core:
 * tests that crash children on purpose must not litter the host.
 */
static inline int t_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none);
		if (t_on_linux())
			prctl(PR_SET_DUMPABLE, 0); /* also stops piped core handlers */
		fn(arg);
		_exit(0);
	}
	return t_wait(pid);
}

/* For t_child: touch one byte at p, which usually should fault. */
static inline void t_read_byte(void *p)
{
	(void)*(volatile char *)p;
}

static inline void t_write_byte(void *p)
{
	*(volatile char *)p = 1;
}

/* A wait status in words, for messages. */
static inline const char *t_status(int st)
{
	static char buf[48];

	if (st == -1)
		snprintf(buf, sizeof buf, "fork or wait failed");
	else if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exited with %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof buf, "status 0x%x", st);
	return buf;
}

/*
 * Check a child's wait status (evaluated once): killed by signal sig, or
 * exited with code. The message says what should have happened.
 */
#define CHECK_KILLED(st, sig, ...) t_check_status((st), 0, (sig), __LINE__, __VA_ARGS__)
#define CHECK_EXITED(st, code, ...) t_check_status((st), 1, (code), __LINE__, __VA_ARGS__)

static inline int t_check_status(int st, int exited, int want, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int ok = st != -1 && (exited ? WIFEXITED(st) && WEXITSTATUS(st) == want
				     : WIFSIGNALED(st) && WTERMSIG(st) == want);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return t_check(ok, line, t_status(st), "%s", msg);
}
