/*
 * badptr: every system call that takes a pointer checks it. A pointer to
 * page 0, an unmapped or PROT_NONE page, the kernel half or a
 * non-canonical address gets EFAULT; so does a pointer the kernel would
 * write through to a read-only page (data or text), which catches a kernel
 * writing with CR0.WP off. Never a crash: each call runs in a child that
 * exits with the errno, and a child killed by a signal fails the check.
 * Raw syscall() is used throughout, so musl (or the vDSO) cannot catch
 * the bad pointer first.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "t.h"

#define PG 4096

struct bad {
	const char *name;
	void *p;
	int out_only; /* bad only for a write by the kernel: readable memory */
};

static struct bad bads[] = {
    {"NULL", NULL, 0},
    {"unmapped page", NULL, 0},
    {"PROT_NONE page", NULL, 0},
    {"upper half", (void *)0xffff800000000000ul, 0},
    {"Linux direct map", (void *)0xffff888000000000ul, 0},
    {"kernel image", (void *)0xffffffff80000000ul, 0},
    {"non-canonical", (void *)0x0000800000000000ul, 0},
    {"non-canonical high", (void *)0xdead000000000000ul, 0},
    {"read-only page", NULL, 1},
    {"program text", NULL, 1},
};
#define NBADS (sizeof bads / sizeof bads[0])

static int zero_fd, file_fd, dir_fd;
static const char *file_path;

#define S(...) syscall(__VA_ARGS__)

/* Calls where the kernel reads through p. */
static long c_write(void *p)
{
	int fd[2];
	return pipe(fd) ? -2 : S(SYS_write, fd[1], p, 16);
}
static long c_pwrite(void *p)
{
	return S(SYS_pwrite64, file_fd, p, 16, 0);
}
static long c_writev_iov(void *p)
{
	return S(SYS_writev, file_fd, p, 1);
}
static long c_writev_base(void *p)
{
	struct iovec iov = {p, 16};
	return S(SYS_writev, file_fd, &iov, 1);
}
static long c_open(void *p)
{
	return S(SYS_open, p, O_RDONLY);
}
static long c_openat(void *p)
{
	return S(SYS_openat, AT_FDCWD, p, O_RDONLY);
}
static long c_stat_path(void *p)
{
	struct stat st;
	return S(SYS_stat, p, &st);
}
static long c_lstat_path(void *p)
{
	struct stat st;
	return S(SYS_lstat, p, &st);
}
static long c_access(void *p)
{
	return S(SYS_access, p, F_OK);
}
static long c_chdir(void *p)
{
	return S(SYS_chdir, p);
}
static long c_execve(void *p)
{
	char *argv[] = {"x", NULL};
	return S(SYS_execve, p, argv, environ);
}
static long c_nanosleep(void *p)
{
	return S(SYS_nanosleep, p, NULL);
}
static long c_sigaction_in(void *p)
{
	return S(SYS_rt_sigaction, SIGUSR1, p, NULL, 8);
}
static long c_sigprocmask_in(void *p)
{
	return S(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8);
}
static long c_setrlimit(void *p)
{
	return S(SYS_prlimit64, 0, RLIMIT_NOFILE, p, NULL);
}

/* Calls where the kernel writes through p. */
static long c_read_zero(void *p)
{
	return S(SYS_read, zero_fd, p, 16);
}
static long c_read_file(void *p)
{
	return S(SYS_pread64, file_fd, p, 16, 0);
}
static long c_read_pipe(void *p)
{
	int fd[2];
	return pipe(fd) || write(fd[1], "0123456789abcdef", 16) != 16 ? -2
								      : S(SYS_read, fd[0], p, 16);
}
static long c_readv(void *p)
{
	struct iovec iov = {p, 16};
	return S(SYS_preadv, file_fd, &iov, 1, 0, 0);
}
static long c_fstat(void *p)
{
	return S(SYS_fstat, file_fd, p);
}
static long c_stat_buf(void *p)
{
	return S(SYS_stat, "/", p);
}
static long c_fstatat_buf(void *p)
{
	return S(SYS_newfstatat, AT_FDCWD, "/", p, 0);
}
static long c_statx_buf(void *p)
{
	return S(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, p);
}
static long c_getcwd(void *p)
{
	return S(SYS_getcwd, p, 64);
}
static long c_uname(void *p)
{
	return S(SYS_uname, p);
}
static long c_clock_gettime(void *p)
{
	return S(SYS_clock_gettime, CLOCK_MONOTONIC, p);
}
static long c_clock_getres(void *p)
{
	return S(SYS_clock_getres, CLOCK_MONOTONIC, p);
}
static long c_gettimeofday(void *p)
{
	return S(SYS_gettimeofday, p, NULL);
}
static long c_time(void *p)
{
	return S(SYS_time, p);
}
static long c_sysinfo(void *p)
{
	return S(SYS_sysinfo, p);
}
static long c_getrusage(void *p)
{
	return S(SYS_getrusage, RUSAGE_SELF, p);
}
static long c_getrlimit(void *p)
{
	return S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, p);
}
static long c_affinity(void *p)
{
	return S(SYS_sched_getaffinity, 0, 128, p);
}
static long c_pipe(void *p)
{
	return S(SYS_pipe2, p, 0);
}
static long c_getdents(void *p)
{
	return S(SYS_getdents64, dir_fd, p, 4096);
}
static long c_sigprocmask_out(void *p)
{
	return S(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8);
}
static long c_sigaction_out(void *p)
{
	return S(SYS_rt_sigaction, SIGUSR1, NULL, p, 8);
}
static long c_getrandom(void *p)
{
	return S(SYS_getrandom, p, 16, 0);
}
static long c_readlink(void *p)
{
	return S(SYS_readlink, "/proc/self/exe", p, 64);
}

static const struct call {
	const char *name;
	long (*fn)(void *p);
	int out;     /* the kernel writes through p: read-only memory is bad too */
	int null_ok; /* NULL means "not wanted" for this argument */
} calls[] = {
    {"write(pipe, p, 16)", c_write, 0, 0},
    {"pwrite64(file, p, 16, 0)", c_pwrite, 0, 0},
    {"writev(file, p, 1)", c_writev_iov, 0, 0},
    {"writev(file, {p, 16}, 1)", c_writev_base, 0, 0},
    {"open(p)", c_open, 0, 0},
    {"openat(AT_FDCWD, p)", c_openat, 0, 0},
    {"stat(p, buf)", c_stat_path, 0, 0},
    {"lstat(p, buf)", c_lstat_path, 0, 0},
    {"access(p)", c_access, 0, 0},
    {"chdir(p)", c_chdir, 0, 0},
    {"execve(p, argv, envp)", c_execve, 0, 0},
    {"nanosleep(p, NULL)", c_nanosleep, 0, 0},
    {"rt_sigaction(SIGUSR1, p, NULL)", c_sigaction_in, 0, 1},
    {"rt_sigprocmask(SIG_BLOCK, p, NULL)", c_sigprocmask_in, 0, 1},
    {"prlimit64(0, NOFILE, p, NULL)", c_setrlimit, 0, 1},
    {"read(/dev/zero, p, 16)", c_read_zero, 1, 0},
    {"pread64(file, p, 16, 0)", c_read_file, 1, 0},
    {"read(pipe, p, 16)", c_read_pipe, 1, 0},
    {"preadv(file, {p, 16}, 1)", c_readv, 1, 0},
    {"fstat(file, p)", c_fstat, 1, 0},
    {"stat(\"/\", p)", c_stat_buf, 1, 0},
    {"newfstatat(AT_FDCWD, \"/\", p)", c_fstatat_buf, 1, 0},
    {"statx(AT_FDCWD, \"/\", p)", c_statx_buf, 1, 0},
    {"getcwd(p, 64)", c_getcwd, 1, 0},
    {"uname(p)", c_uname, 1, 0},
    {"clock_gettime(MONOTONIC, p)", c_clock_gettime, 1, 0},
    {"clock_getres(MONOTONIC, p)", c_clock_getres, 1, 1},
    {"gettimeofday(p, NULL)", c_gettimeofday, 1, 1},
    {"time(p)", c_time, 1, 1},
    {"sysinfo(p)", c_sysinfo, 1, 0},
    {"getrusage(SELF, p)", c_getrusage, 1, 0},
    {"prlimit64(0, NOFILE, NULL, p)", c_getrlimit, 1, 1},
    {"sched_getaffinity(0, 128, p)", c_affinity, 1, 0},
    {"pipe2(p, 0)", c_pipe, 1, 0},
    {"getdents64(dir, p, 4096)", c_getdents, 1, 0},
    {"rt_sigprocmask(SIG_BLOCK, NULL, p)", c_sigprocmask_out, 1, 1},
    {"rt_sigaction(SIGUSR1, NULL, p)", c_sigaction_out, 1, 1},
    {"getrandom(p, 16, 0)", c_getrandom, 1, 0},
    {"readlink(\"/proc/self/exe\", p, 64)", c_readlink, 1, 0},
};

static const struct call *cur_call;

/* In the child: make the call, exit with its errno (200: it succeeded). */
static void try_call(void *p)
{
	long r = cur_call->fn(p);

	_exit(r == -1 ? errno & 0xff : r == -2 ? 201 : 200);
}

static void check_call(const struct call *c)
{
	char why[400] = "";
	size_t n = 0;
	int tried = 0, good = 0;

	cur_call = c;
	for (size_t i = 0; i < NBADS; i++) {
		if ((bads[i].out_only && !c->out) || (bads[i].p == NULL && c->null_ok))
			continue;
		int st = t_child(try_call, bads[i].p);
		tried++;
		if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == EFAULT) {
			good++;
			continue;
		}
		const char *what = st == -1 || !WIFEXITED(st) ? t_status(st)
				   : WEXITSTATUS(st) == 200   ? "succeeded"
				   : WEXITSTATUS(st) == 201   ? "setup failed"
							      : strerror(WEXITSTATUS(st));
		if (n < sizeof why)
			n += (size_t)snprintf(why + n, sizeof why - n, "%s%s: %s", n ? "; " : "",
					      bads[i].name, what);
	}
	t_check(good == tried, __LINE__, why, "%s: EFAULT for %d bad pointers", c->name, tried);
}

int main(void)
{
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(m != MAP_FAILED, "mmap three pages for bad pointers"))
		return t_done();
	munmap(m, PG);
	mprotect(m + PG, PG, PROT_NONE);
	mprotect(m + 2 * PG, PG, PROT_READ);
	bads[1].p = m;
	bads[2].p = m + PG;
	bads[8].p = m + 2 * PG;
	bads[9].p = (void *)main;

	file_path = t_tmp("badptr");
	file_fd = open(file_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	zero_fd = open("/dev/zero", O_RDONLY);
	dir_fd = open("/", O_RDONLY | O_DIRECTORY);
	if (!CHECK(file_fd >= 0 && zero_fd >= 0 && dir_fd >= 0, "open a file, /dev/zero and /"))
		return t_done();
	CHECK(write(file_fd, "0123456789abcdef", 16) == 16, "fill the file");

	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		check_call(&calls[i]);

	CHECK(syscall(SYS_read, zero_fd, NULL, 0) == 0, "read(fd, NULL, 0) is 0, not EFAULT");
	CHECK(syscall(SYS_write, file_fd, NULL, 0) == 0, "write(fd, NULL, 0) is 0, not EFAULT");
	unlink(file_path);
	return t_done();
}
