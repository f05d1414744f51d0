/*
 * fuzz: random system calls from many processes, to find what makes the
 * kernel fault, hang or lose its way.
 *
 *   fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-j WORKERS] [-v] [-r WORKERSEED]
 *
 * WORKERS processes (default 6) each make calls drawn from fuzz_calls.h,
 * with arguments biased toward edges (0, -1, page boundaries, kernel and
 * non-canonical addresses, huge sizes, descriptors of every kind, pointers
 * into the fuzzer's own memory and just past it). A worker that dies (of
 * its own calls: a signal, exit, execve) is replaced by a fresh one; one
 * that makes no progress for WATCHDOG_S seconds is killed and replaced.
 * The run ends after CALLS calls in all (default 20000) or SECONDS seconds,
 * whichever comes first; then fuzz checks that the system still works (a
 * file written and read back, a program run) and removes its scratch
 * directory.
 *
 * Output: "fuzz: seed S" first, "fuzz: N calls in T s by W workers (R
 * replaced), seed S" last; status 0 if the system still worked. A kernel
 * fault stops the machine instead: the host script (tools/fuzz.sh) prints
 * the seed, and `make fuzz FUZZ_SEED=S` replays the same call streams
 * (each worker's calls follow from the seed, its index and how many
 * workers had that index before it; how they interleave does not). -r
 * runs one worker alone on the seed a verbose run printed for it; -v
 * prints every call before it is made, on the console.
 *
 * The fuzzer's world is protected (fuzz_calls.h says how): it runs in a
 * session of its own, workers in a process group of their own, and
 * whatever changes files stays in /tmp/fuzz-PID. It refuses to run on
 * anything but Ferry: random calls as root may harm the machine.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_calls.h"

#define MAX_WORKERS 32
#define WATCHDOG_S 20 /* no call finished for this long: the worker is killed (not a failure) */
#define BUF_SIZE (256 * 1024)
/* The top of a worker's buffer holds what arguments point to: strings, a timespec, ... */
#define STR_SLOT 8192
#define STR_AT(slot) (BUF_SIZE - STR_SLOT * (6 - (slot)))
#define TS_AT (STR_AT(0) - 64)
#define SIGSET_AT (STR_AT(0) - 128)
#define IOV_AT (STR_AT(0) - 512)
#define ARGV_AT(slot) (STR_AT(0) - 1024 - 64 * (slot))
#define PG 4096UL
#define NCALLS (sizeof fuzz_calls / sizeof fuzz_calls[0])
#define LOG_FD 999  /* -v: the console, where random calls seldom reach */
#define MARK_FD 998 /* a worker's mark: /bin/fuzz, so that a fuzz it executes exits at once */

typedef uint64_t u64;

/* Shared by the parent and every worker (MAP_SHARED before the forks). */
struct shared {
	u64 calls;                         /* [atomic] calls made in all */
	int stop;                          /* [atomic] the run is over */
	u64 made[NCALLS], ok[NCALLS];       /* [atomic] each call's count, and its successes */
	struct {
		u64 progress;              /* [atomic] calls this worker made */
		long nr;                   /* the call it is in, for the watchdog's report */
		pid_t pid;
	} w[MAX_WORKERS];
};

static struct shared *sh;
static char scratch[64];
static dev_t scratch_dev;
static u64 master_seed;
static int verbose;
static pid_t fuzz_parent, worker_group;

/* ---- random numbers: splitmix64, one stream per worker ---- */

static u64 rng;

static u64 mix64(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rnd(void)
{
	rng += 0x9e3779b97f4a7c15ULL;
	return mix64(rng);
}

static u64 below(u64 n)
{
	return n ? rnd() % n : 0;
}

static int chance(int percent)
{
	return (int)below(100) < percent;
}

#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

/* ---- raw calls ---- */

static long raw(long nr, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f)
{
	register u64 r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * fork, vfork and clone: the child (rax 0) leaves with exit(2) at once,
 * never touching the stack it may share with its parent or the one it
 * was given.
 */
static long raw_forklike(long nr, u64 a, u64 b, u64 c, u64 d, u64 e)
{
	register u64 r10 __asm__("r10") = d, r8 __asm__("r8") = e;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

/* A signal handler the fuzz may install: it returns, through restore_rt. */
static void on_signal(int sig)
{
	(void)sig;
}

__asm__(".text\n"
	"restore_rt:\n\t"
	"mov $15, %eax\n\t" /* rt_sigreturn */
	"syscall\n\t"
	"ud2\n");
extern char restore_rt[];

/* A thread entry (thread_clone) that exits the thread at once. */
__asm__(".text\n"
	"fuzz_thread_exit:\n\t"
	"mov $60, %eax\n\t"
	"xor %edi, %edi\n\t"
	"syscall\n\t"
	"ud2\n");
extern char fuzz_thread_exit[];

/* ---- a worker's world: descriptors, memory, names ---- */

#define MAXFDS 48
static int fds[MAXFDS], nfds;       /* descriptors of every kind */
static int wfds[MAXFDS], nwfds;     /* those that may be written to */
static int dirfds[8], ndirfds;      /* scratch directories */
static ino_t dirinos[8];
static int chanfds[4], nchanfds;
static char *buf;                   /* BUF_SIZE bytes, then an unmapped page */
static char *ro_page, *none_page;
static u64 maps[16];                /* mappings made by fuzzed mmap calls */
static int nmaps;
static u64 msgs[8];                 /* message buffers */
static int nmsgs;
static int ipc_ids[8];              /* System V ids the worker's *get calls returned */
static int nipc_ids;
static const char *const xattr_names[] = {"user.fuzz", "user.a", "trusted.fuzz", "security.fuzz",
					  "system.posix_acl_access", "user.", "bogus.x", "user.x"};
static pid_t kids[16];
static int nkids;
static int widx;                    /* this worker's index */
static char victim[2 * 4096];       /* data calls may scribble on: the rest would kill the worker */
extern char __executable_start[], _end[];

/* Is [a, a + len) clear of this program's image and its buffers? */
static int clear_of_self(u64 a, u64 len)
{
	u64 lo = (u64)__executable_start, hi = (u64)_end;
	if (len > (1UL << 46))
		len = 1UL << 46;
	return (a + len <= lo || a >= hi) && (a + len <= (u64)buf || a >= (u64)buf + BUF_SIZE);
}

static void add_fd(int fd, int writable)
{
	if (fd < 0 || nfds >= MAXFDS)
		return;
	fds[nfds++] = fd;
	if (writable && nwfds < MAXFDS)
		wfds[nwfds++] = fd;
}

static int fd_pipe(void)
{
	int p[2];
	if (pipe2(p, chance(50) ? O_NONBLOCK : 0) < 0)
		return -1;
	add_fd(p[0], 0);
	add_fd(p[1], 1);
	return 0;
}

static int fd_chan(void)
{
	int c[2];
	if (chan_create(c) < 0)
		return -1;
	add_fd(c[0], 1);
	add_fd(c[1], 1);
	if (nchanfds < 4)
		chanfds[nchanfds++] = c[0];
	return 0;
}

static int fd_socketpair(void)
{
	int s[2];
	if (socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, s) < 0)
		return -1;
	add_fd(s[0], 1);
	add_fd(s[1], 1);
	return 0;
}

static int fd_simple(long nr, u64 a, u64 b, u64 c, int writable)
{
	long fd = raw(nr, a, b, c, 0, 0, 0);
	add_fd(fd < 0 ? -1 : (int)fd, writable);
	return fd < 0 ? -1 : 0;
}

static int fd_socket_inet(void) { return fd_simple(SYS_socket, 2, 1 | 0x800, 0, 1); }
static int fd_socket_udp(void) { return fd_simple(SYS_socket, 2, 2 | 0x800, 0, 1); }
static int fd_eventfd(void) { return fd_simple(SYS_eventfd2, 0, 0x800, 0, 1); }
static int fd_epoll(void) { return fd_simple(SYS_epoll_create1, 0, 0, 0, 0); }
static int fd_timerfd(void) { return fd_simple(SYS_timerfd_create, 1, 0x800, 0, 0); }
static int fd_memfd(void) { return fd_simple(SYS_memfd_create, (u64)"fuzz", 0, 0, 1); }
static int fd_inotify(void) { return fd_simple(SYS_inotify_init1, 0x800, 0, 0, 0); }

static int fd_signalfd(void)
{
	u64 mask = 1UL << (SIGUSR2 - 1);
	return fd_simple(SYS_signalfd4, (u64)-1, (u64)&mask, 8, 0);
}

/*
 * Makers of descriptors, tried when a worker sets up: those whose calls
 * fail (not in Ferry yet) add nothing. A call that makes a new kind of
 * descriptor should add its maker here.
 */
static int (*const fd_makers[])(void) = {
	fd_pipe, fd_pipe, fd_chan, fd_socketpair, fd_socket_inet, fd_socket_udp, fd_eventfd,
	fd_epoll, fd_timerfd, fd_memfd, fd_inotify, fd_signalfd,
};

static void open_fd(const char *path, int flags, int writable)
{
	add_fd(open(path, flags, 0644), writable);
}

static void add_dirfd(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	struct stat st;
	if (fd < 0 || ndirfds >= 8 || fstat(fd, &st) < 0)
		return;
	dirinos[ndirfds] = st.st_ino;
	dirfds[ndirfds++] = fd;
	add_fd(fd, 0);
}

/* Names inside the scratch directory; none of them is a name in "/". */
static const char *const names[] = {
	"f0", "f1", "f2", "d0", "d1", "d0/f3", "d0/d2", "d0/d2/f4", "l0", "l1", "p0", "s0", "m0",
	"d1/f5", "f0/", "d0/.", "d0/../f1" /* ".." under scratch only: d0 is a directory */,
};

static void scratch_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%.300s", scratch, name);
}

/* Everything a worker needs made again (the fuzz may have closed or unmapped it). */
static void setup_world(void)
{
	/* Close every descriptor but 0-2 and the marks: the pool's and those the calls made. */
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int open_fds[256], n = 0;
	while (d && (e = readdir(d)) && n < 256)
		open_fds[n++] = atoi(e->d_name);
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++)
		if (open_fds[i] > 2 && open_fds[i] != LOG_FD && open_fds[i] != MARK_FD)
			close(open_fds[i]);
	for (int i = 0; i < nfds; i++)
		if (fds[i] > 2)
			close(fds[i]);
	nfds = nwfds = ndirfds = nchanfds = 0;
	char p[400];
	scratch_path(p, sizeof p, "f0");
	open_fd(p, O_RDWR | O_CREAT, 1);
	snprintf(p, sizeof p, "%s/w%d", scratch, widx);
	open_fd(p, O_RDWR | O_CREAT | O_APPEND, 1);
	open_fd(p, O_PATH, 0);
	scratch_path(p, sizeof p, "d0");
	mkdir(p, 0755);
	add_dirfd(scratch);
	add_dirfd(p);
	scratch_path(p, sizeof p, "p0");
	mkfifo(p, 0644);
	open_fd(p, O_RDWR | O_NONBLOCK, 1);
	open_fd("/dev/null", O_RDWR, 1);
	open_fd("/dev/zero", O_RDONLY, 0);
	open_fd("/dev/urandom", O_RDONLY, 0);
	open_fd("/proc/self/stat", O_RDONLY, 0);
	open_fd("/proc/self/maps", O_RDONLY, 0);
	open_fd("/proc", O_RDONLY | O_DIRECTORY, 0);
	open_fd("/", O_RDONLY | O_DIRECTORY, 0);
	open_fd("/bin", O_PATH, 0);
	for (size_t i = 0; i < sizeof fd_makers / sizeof fd_makers[0]; i++)
		fd_makers[i]();
}

static void setup_memory(void)
{
	buf = mmap(NULL, BUF_SIZE + PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(3);
	munmap(buf + BUF_SIZE, PG);
	for (size_t i = 0; i < BUF_SIZE; i += 8)
		*(u64 *)(buf + i) = rnd();
	ro_page = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 2; i++) {
		void *m = msg_alloc(PG << i);
		if (m)
			msgs[nmsgs++] = (u64)m;
	}
}

/* ---- arguments ---- */

static const u64 int_edges[] = {
	0, 1, 2, 3, 7, 8, 16, 64, 255, 256, 1023, 1024, 4095, 4096, 4097, 65535, 65536,
	0x7fffffff, 0x80000000, 0xffffffff, 1UL << 32, (1UL << 32) + 1, 1UL << 47,
	(1UL << 47) - 1, 1UL << 63, 0x7fffffffffffffff, (u64)-1, (u64)-2, (u64)-4096,
	(u64)-100, (u64)INT32_MIN,
};

static u64 gen_int(void)
{
	switch (below(4)) {
	case 0:
		return PICK(int_edges);
	case 1:
		return below(64);
	case 2:
		return PICK(int_edges) + below(3) - 1;
	default:
		return rnd() >> below(64);
	}
}

static u64 gen_small(void)
{
	return chance(85) ? below(chance(50) ? 8 : 64) : gen_int();
}

static u64 gen_len(void)
{
	static const u64 lens[] = {0, 1, 8, 16, 64, 100, 511, 512, 4095, 4096, 4097, 8192,
				   65536, BUF_SIZE, BUF_SIZE + 1, 1UL << 20, 1UL << 30,
				   1UL << 31, 1UL << 32, 1UL << 46, 1UL << 47, (u64)-1,
				   (u64)-4096, 0x7fffffffffffffff};
	return chance(60) ? below(chance(50) ? 256 : 16384) : PICK(lens);
}

/* A place in the fuzzer's memory, or near it, or nowhere. */
static u64 gen_buf(void)
{
	u64 b = (u64)buf;
	switch (below(16)) {
	case 0:
		return 0;
	case 1:
		return 8;
	case 2:
		return b + BUF_SIZE - below(64); /* runs into the unmapped page */
	case 3:
		return (u64)ro_page + below(PG);
	case 4:
		return (u64)none_page;
	case 5:
		return PICK(int_edges);
	case 6: {
		static const u64 bad[] = {0xffff800000000000UL, 0xffffffff80000000UL,
					  0x0000800000000000UL, 0x00007ffffffff000UL,
					  0x8000000000000000UL, 0xfffffffffffff000UL};
		return PICK(bad) + below(2) * below(PG);
	}
	case 7:
		return (u64)victim + below(sizeof victim); /* this program's data */
	case 8:
		return (u64)fuzz_calls; /* read-only data */
	case 9:
		return nmsgs ? msgs[below(nmsgs)] + below(2) * below(PG) : b;
	default:
		return b + (below(BUF_SIZE / 8) & ~7UL) + (chance(10) ? below(8) : 0);
	}
}

static u64 gen_addr(void)
{
	u64 slot = (u64)&rng & ~((16UL << 30) - 1);
	switch (below(14)) {
	case 0:
	case 1:
	case 2:
		return nmaps ? maps[below(nmaps)] + below(4) * PG : (u64)buf;
	case 3:
		return (u64)buf + below(BUF_SIZE / PG) * PG;
	case 4:
		return 0;
	case 5:
		return slot + PICK(((u64[]){0, 4UL << 30, (16UL << 30) - PG, 16UL << 30, 32UL << 30}));
	case 6:
		return PICK(((u64[]){PG, 1UL << 30, (64UL << 30) - PG, 96UL << 40, (127UL << 40) - PG,
				     (128UL << 40) - PG, 128UL << 40}));
	case 7:
		return nmsgs ? msgs[below(nmsgs)] : (96UL << 40);
	case 8:
		return (u64)ro_page;
	case 9:
		return (u64)none_page;
	case 10:
		return gen_buf();
	case 11:
		return ((u64)&rng & ~(PG - 1)) - below(3) * PG; /* data pages */
	case 12:
		return (nmaps ? maps[below(nmaps)] : (u64)buf) + below(PG); /* unaligned */
	default:
		return PICK(int_edges) & ~(PG - 1);
	}
}

static u64 gen_fd(void)
{
	if (chance(85) && nfds)
		return (u64)(long)fds[below(nfds)];
	static const long bad[] = {-1, 0, 1, 2, -100, 63, 64, 1000, 1023, 1024, 65536, 0x7fffffff,
				   INT32_MIN};
	return chance(50) ? (u64)PICK(bad) : below(64) | (chance(10) ? 1UL << 32 : 0);
}

static u64 gen_wfd(void)
{
	return chance(90) && nwfds ? (u64)(long)wfds[below(nwfds)] : gen_fd();
}

/* Strings are written into the buffer, in a slot per argument. */
static u64 put_string(int slot, const char *s)
{
	char *p = buf + STR_AT(slot);
	size_t n = strlen(s);
	if (n > STR_SLOT - 1)
		n = STR_SLOT - 1;
	memcpy(p, s, n);
	p[n] = 0;
	return (u64)p;
}

static u64 bad_pointer_or(u64 good)
{
	if (!chance(8))
		return good;
	return PICK(((u64[]){0, 8, 0xffff800000000000UL, 0x800000000000UL,
			     (u64)buf + BUF_SIZE - 1, (u64)none_page}));
}

static const char *long_name(char c, size_t n)
{
	static char s[STR_SLOT + 8];
	memset(s, c, n);
	s[n] = 0;
	return s;
}

static u64 gen_path(int slot)
{
	static const char *const paths[] = {
		"/", "/proc", "/proc/self", "/proc/self/maps", "/proc/self/stat", "/proc/self/fd",
		"/proc/meminfo", "/proc/mounts", "/proc/1/cmdline", "/proc/self/exe", "/dev",
		"/dev/null", "/dev/zero", "/dev/urandom", "/etc", "/bin", "/bin/busybox", "/tmp",
		".", "..", "", "/nonexistent", "/dev/null/x", "//", "/proc/self/fd/3", "/proc/sys",
		"/proc/sys/vm/drop_caches", "/sys", "/sys/devices/system/cpu/online",
		"/sys/devices/system/cpu/cpu1/online", "/sys/devices/system/cpu/cpu0/topology",
		"/sys/class/net/lo", "/sys/class/net/lo/statistics/rx_bytes", "/sys/block",
		"/sys/dev/block",
	};
	char p[400];
	switch (below(10)) {
	case 0:
		return bad_pointer_or(put_string(slot, long_name('a', 255 + below(3))));
	case 1:
		return put_string(slot, long_name('/', chance(50) ? 4095 : 4097));
	case 2:
	case 3:
	case 4:
		scratch_path(p, sizeof p, PICK(names));
		return bad_pointer_or(put_string(slot, p));
	case 5: {
		char g[32];
		for (int i = 0; i < 31; i++)
			g[i] = (char)(1 + below(255));
		g[below(32)] = 0;
		g[31] = 0;
		return put_string(slot, g);
	}
	default:
		return bad_pointer_or(put_string(slot, PICK(paths)));
	}
}

/*
 * A path whose file may be changed: inside the scratch directory. Never
 * NULL or "" unless relative to a scratch directory: with AT_EMPTY_PATH,
 * or a NULL path (utimensat), the call acts on the descriptor itself.
 */
static u64 gen_wpath(int slot, int relative)
{
	char p[400];
	const char *name = chance(3) ? long_name('x', 255 + below(2)) : PICK(names);
	if (relative)
		snprintf(p, sizeof p, "%.300s", chance(2) ? "" : name);
	else
		scratch_path(p, sizeof p, name);
	u64 s = put_string(slot, p);
	if (!chance(6))
		return s;
	return PICK(((u64[]){8, 0xffff800000000000UL, 0x800000000000UL, (u64)buf + BUF_SIZE - 1,
			     (u64)none_page}));
}

static u64 gen_ts(void)
{
	struct timespec *ts = (struct timespec *)(buf + TS_AT);
	static const struct timespec edge[] = {
		{0, 0}, {0, 1}, {0, 999999999}, {0, 1000000000}, {-1, 0}, {0, -1},
		{INT64_MAX, 999999999}, {1, 0}, {INT64_MAX, 0}, {INT64_MIN, 0},
	};
	*ts = chance(70) ? (struct timespec){0, (long)below(2000000)} : PICK(edge);
	return chance(90) ? (u64)ts : gen_buf();
}

static u64 gen_iov(void)
{
	struct iovec *iov = (struct iovec *)(buf + IOV_AT);
	for (int i = 0; i < 16; i++) {
		iov[i].iov_base = (void *)(chance(80) ? (u64)buf + below(BUF_SIZE / 2) : gen_buf());
		iov[i].iov_len = chance(80) ? below(4096) : gen_len();
	}
	return chance(90) ? (u64)iov : gen_buf();
}

static u64 gen_sigset(void)
{
	u64 *s = (u64 *)(buf + SIGSET_AT);
	*s = chance(50) ? 0 : rnd();
	return chance(90) ? (u64)s : gen_buf();
}

static u64 gen_sig(void)
{
	return chance(90) ? below(66) : gen_int();
}

/* Processes the fuzz may act on: its own workers and children, or nobody at all. */
static u64 gen_pid(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return (u64)getpid();
	case 3: {
		int w = (int)below(MAX_WORKERS);
		pid_t p = __atomic_load_n(&sh->w[w].pid, __ATOMIC_RELAXED);
		return p > 0 ? (u64)p : (u64)getpid();
	}
	case 4:
		return nkids ? (u64)kids[below(nkids)] : 0;
	case 5:
		return (u64)(long)-worker_group;
	case 6:
		return (u64)(long)-getpid();
	case 7:
		return ((u64)1 << 32) | (u64)getpid();
	case 8:
		return PICK(((u64[]){40000, 99999, 0x7fffffff, (u64)INT32_MIN, 1UL << 32}));
	default:
		return (u64)gettid();
	}
}

static u64 gen_pidany(void)
{
	return chance(50) ? gen_pid() : chance(50) ? below(64) : gen_int();
}

static u64 gen_mode(void)
{
	static const u64 types[] = {0, S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK,
				    S_IFLNK, 0170000};
	return chance(80) ? (PICK(types) | below(010000)) : gen_int();
}

/* A program execve and spawn may run: this one (it exits at once), or files that are none. */
static u64 gen_exec(int slot)
{
	char p[400];
	switch (below(6)) {
	case 0:
	case 1:
		return put_string(slot, "/bin/fuzz");
	case 2:
		scratch_path(p, sizeof p, PICK(names));
		return put_string(slot, p);
	case 3:
		return put_string(slot, PICK(((const char *[]){"/", "/nonexistent", "/proc/self/maps",
								  "/dev/null", "", "/tmp"})));
	default:
		return bad_pointer_or(put_string(slot, "/bin/fuzz"));
	}
}

static u64 gen_argv(int slot)
{
	u64 *v = (u64 *)(buf + ARGV_AT(slot));
	if (chance(10))
		return chance(50) ? 0 : gen_buf();
	v[0] = (u64)"fuzz";
	v[1] = (u64)"--exit-now";
	int n = 2 + (int)below(4);
	for (int i = 2; i < n; i++)
		v[i] = chance(80) ? (u64)"x" : gen_buf();
	v[n] = 0;
	return (u64)v;
}

static u64 gen_flags(const struct fuzz_call *c)
{
	if (chance(5))
		return gen_int();
	if (chance(5))
		return c->mask;
	return rnd() & c->mask & (chance(50) ? rnd() : ~0UL);
}

/* Clone flags: the usual combinations, and random bits. */
static u64 gen_clone_flags(void)
{
	static const u64 usual[] = {
		SIGCHLD, 0x4111 /* VM|VFORK|SIGCHLD */, 0x3d0f00 /* a thread, as pthread_create */,
		0x10900 /* VM|SIGHAND|THREAD */, 0x100 | SIGCHLD, 0x8000 | SIGCHLD, 0x80000 | SIGCHLD,
	};
	return chance(70) ? PICK(usual) : rnd() & (chance(50) ? 0x7fffffff : ~0UL);
}

/* A directory descriptor and a name for a call that changes files. */
static void gen_wat(u64 *dirfd, u64 *path, int slot)
{
	if (ndirfds && chance(60)) {
		int i = (int)below(ndirfds);
		*dirfd = (u64)(long)dirfds[i];
		*path = gen_wpath(slot, 1);
		/* The descriptor must still be that scratch directory: close and dup may reuse it. */
		struct stat st;
		if (fstat(dirfds[i], &st) < 0 || st.st_ino != dirinos[i] || st.st_dev != scratch_dev) {
			*dirfd = (u64)AT_FDCWD;
			*path = gen_wpath(slot, 0);
		}
	} else {
		/* Absolute: the descriptor does not matter, and is none that is open. */
		*dirfd = chance(70) ? (u64)AT_FDCWD : PICK(((u64[]){(u64)-1, 1000, 0x7fffffff}));
		*path = gen_wpath(slot, 0);
	}
}

/* May a call change the attributes of what fd is? Only of the fuzzer's own files. */
static int fd_is_scratch(u64 fd)
{
	struct stat st;
	return fstat((int)fd, &st) == 0 && st.st_dev == scratch_dev;
}

static const char *const fstypes[] = {"tmpfs", "ramfs", "proc", "ext2", "bogus", ""};
static const char *const mount_data[] = {"size=1m", "size=0", "size=100%", "size=16k,mode=0700",
					 "nr_inodes=8", "mode=1777", "size=-1", "bogus=1",
					 "size=", "size=99999999999999999999"};

/* ---- one call ---- */

static void log_call(const struct fuzz_call *c, const u64 *a)
{
	char line[256];
	int n = snprintf(line, sizeof line, "fuzz[%d]: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
			 widx, c->name, a[0], a[1], a[2], a[3], a[4], a[5]);
	(void)!write(LOG_FD, line, (size_t)n);
}

static void one_call(void)
{
	const struct fuzz_call *c;
	/* Draw a call by weight. */
	static unsigned total;
	if (!total)
		for (size_t i = 0; i < NCALLS; i++)
			total += fuzz_calls[i].weight ? fuzz_calls[i].weight : DEFAULT_WEIGHT;
	unsigned pick = (unsigned)below(total);
	size_t i = 0;
	for (;; i++) {
		unsigned w = fuzz_calls[i].weight ? fuzz_calls[i].weight : DEFAULT_WEIGHT;
		if (pick < w)
			break;
		pick -= w;
	}
	c = &fuzz_calls[i];

	u64 a[6] = {0};
	for (int k = 0; k < 6; k++) {
		switch (c->arg[k]) {
		case A_NONE:
			a[k] = chance(90) ? 0 : rnd();
			break;
		case A_INT:
			a[k] = gen_int();
			break;
		case A_SMALL:
			a[k] = gen_small();
			break;
		case A_LEN:
			a[k] = gen_len();
			break;
		case A_FLAGS:
			a[k] = gen_flags(c);
			break;
		case A_MODE:
			a[k] = gen_mode();
			break;
		case A_FD:
		case A_DIRFD:
			a[k] = c->arg[k] == A_DIRFD && chance(40) ? (u64)AT_FDCWD : gen_fd();
			break;
		case A_WFD:
			a[k] = gen_wfd();
			break;
		case A_PATH:
			a[k] = gen_path(k);
			break;
		case A_WDIRFD:
			gen_wat(&a[k], &a[k + 1], k + 1);
			k++;
			break;
		case A_WPATH:
			a[k] = gen_wpath(k, 0);
			break;
		case A_EXEC:
			a[k] = gen_exec(k);
			break;
		case A_ARGV:
			a[k] = gen_argv(k);
			break;
		case A_BUF:
			a[k] = gen_buf();
			break;
		case A_ADDR:
			a[k] = gen_addr();
			break;
		case A_TS:
			a[k] = gen_ts();
			break;
		case A_IOV:
			a[k] = gen_iov();
			break;
		case A_SIGSET:
			a[k] = gen_sigset();
			break;
		case A_SIGSZ:
			a[k] = chance(90) ? 8 : gen_len();
			break;
		case A_SIG:
			a[k] = gen_sig();
			break;
		case A_PID:
			a[k] = gen_pid();
			break;
		case A_PIDANY:
			a[k] = gen_pidany();
			break;
		case A_STR:
			a[k] = put_string(k, chance(50) ? PICK(fstypes) : PICK(mount_data));
			break;
		case A_MSG:
			a[k] = nmsgs && chance(80) ? msgs[below(nmsgs)] : gen_addr();
			break;
		case A_CHILD:
			a[k] = gen_clone_flags();
			break;
		case A_ENTRY:
			a[k] = chance(90) ? (u64)fuzz_thread_exit : gen_addr();
			break;
		}
	}

	/* What each call needs beyond its argument kinds, to keep the fuzzer's world safe. */
	switch (c->nr) {
	case SYS_open:
		/* Anywhere, so read-only: no O_CREAT, O_TRUNC, write access or O_TMPFILE. */
		a[1] &= (u64)(O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_NOCTTY |
			      O_NOATIME | O_LARGEFILE | O_EXCL | O_DIRECT | O_SYNC | O_ASYNC);
		break;
	case SYS_mount:
		a[0] = put_string(0, PICK(((const char *[]){"none", "tmpfs", "/dev/vda", "vdb", ""})));
		a[2] = chance(90) ? put_string(2, PICK(fstypes)) : gen_buf();
		a[4] = chance(80) ? put_string(4, PICK(mount_data)) : chance(50) ? 0 : gen_buf();
		break;
	case SYS_mknod:
	case SYS_mknodat: {
		/* Device nodes only for devices that do nothing (null, zero) or none at all. */
		int m = c->nr == SYS_mknod ? 1 : 2;
		static const u64 devs[] = {(1 << 8) | 3, (1 << 8) | 5, (200 << 8) | 7, 0};
		a[m + 1] = PICK(devs);
		break;
	}
	case SYS_fchmod:
	case SYS_fchown:
		if (!fd_is_scratch(a[0]))
			a[0] = (u64)-1;
		break;
	case SYS_mmap: {
		static const u64 types[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS,
					    MAP_PRIVATE, MAP_SHARED, 0, MAP_SHARED_VALIDATE | MAP_ANONYMOUS};
		static const u64 more[] = {0, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_POPULATE,
					   MAP_NORESERVE, MAP_STACK, MAP_GROWSDOWN, MAP_32BIT};
		a[2] = chance(90) ? below(8) : gen_int();
		a[3] = chance(90) ? PICK(types) | PICK(more) | (chance(20) ? PICK(more) : 0) : gen_int();
		if (a[3] & MAP_ANONYMOUS && chance(80))
			a[4] = (u64)-1;
		if (a[3] & MAP_POPULATE && a[1] > (16UL << 20))
			a[1] = 16UL << 20; /* filled at once: the memory must exist */
		break;
	}
	case SYS_rt_sigaction: {
		/* A struct sigaction that makes sense mostly: default, ignore, or a handler that returns. */
		u64 *act = (u64 *)(buf + ARGV_AT(5) - 64);
		act[0] = chance(80) ? PICK(((u64[]){0, 1, (u64)on_signal})) : gen_addr();
		act[1] = chance(80) ? 0x04000000 /* SA_RESTORER */ | (rnd() & 0x58000000) : rnd();
		act[2] = (u64)restore_rt;
		act[3] = chance(80) ? 0 : rnd();
		if (a[0] == SIGALRM && chance(95))
			a[0] = SIGUSR1; /* the worker's own timer keeps its handler, mostly */
		if (chance(85))
			a[1] = (u64)act;
		break;
	}
	case SYS_getxattr:
	case SYS_lgetxattr:
	case SYS_fgetxattr:
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_fsetxattr:
	case SYS_removexattr:
	case SYS_fremovexattr:
		if (chance(90))
			a[1] = put_string(1, PICK(xattr_names));
		break;
	case SYS_mq_open:
	case SYS_mq_unlink:
		if (chance(90))
			a[0] = put_string(0, PICK(((const char *[]){"/fuzz", "/fuzz1", "/", "fuzz", "/a/b", ""})));
		break;
	case SYS_shmget:
	case SYS_msgget:
	case SYS_semget:
		/* Mostly private, else one of a few keys the workers share. */
		a[0] = chance(60) ? 0 /* IPC_PRIVATE */ : chance(90) ? 0xf0220 + below(4) : a[0];
		break;
	case SYS_shmat:
	case SYS_shmctl:
	case SYS_msgsnd:
	case SYS_msgrcv:
	case SYS_msgctl:
	case SYS_semop:
	case SYS_semtimedop:
	case SYS_semctl:
		if (nipc_ids && chance(80))
			a[0] = (u64)ipc_ids[below(nipc_ids)];
		if (c->nr == SYS_shmat && chance(70))
			a[1] = 0; /* the kernel's choice */
		break;
	case SYS_syslog:
		if (a[0] >= 6 && a[0] <= 8) /* not the console's level: panics must show */
			a[0] = 3;
		break;
	case SYS_kill:
	case SYS_tkill:
	case SYS_rt_sigqueueinfo:
		break;
	case SYS_clone:
		a[0] = gen_clone_flags();
		if (chance(70))
			a[1] = (u64)buf + BUF_SIZE / 2 + below(BUF_SIZE / 4); /* a stack of its own */
		break;
	case SYS_munmap:
	case SYS_mprotect:
	case SYS_mremap:
	case SYS_madvise:
	case SYS_mprotect_ro:
		/* Seldom the fuzzer's own image and buffers: it would only die of it. */
		if (!clear_of_self(a[0], c->nr == SYS_mprotect_ro ? a[1] * PG : a[1]) && chance(95))
			a[0] = nmaps ? maps[below(nmaps)] : 0;
		break;
	}

	long nr = c->nr;
	if (nr < 0) {
		/*
		 * An unknown number: unused in Linux's table, or past Ferry's
		 * (ENOSYS, logged once per program), sometimes with garbage in
		 * rax's upper half, which Linux ignores.
		 */
		nr = chance(30) ? 335 + (long)below(424 - 335) : 1100 + (long)below(chance(50) ? 1000 : 1UL << 31);
		if (chance(20))
			nr |= (long)(rnd() & 0xffffffff00000000UL);
	}
	if (verbose)
		log_call(c, a);
	__atomic_store_n(&sh->w[widx].nr, c->nr, __ATOMIC_RELAXED);
	long r;
	if (nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone)
		r = raw_forklike(nr, a[0], a[1], a[2], a[3], a[4]);
	else
		r = raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	__atomic_store_n(&sh->w[widx].nr, -2, __ATOMIC_RELAXED);
	if (verbose > 1) {
		char line[64];
		int n = snprintf(line, sizeof line, "fuzz[%d]: = %ld\n", widx, r);
		(void)!write(LOG_FD, line, (size_t)n);
	}
	__atomic_add_fetch(&sh->made[i], 1, __ATOMIC_RELAXED);
	if (r >= 0)
		__atomic_add_fetch(&sh->ok[i], 1, __ATOMIC_RELAXED);

	/* Remember what the call made, for later calls to use. */
	if (r >= 0) {
		switch (c->nr) {
		case SYS_mmap:
		case SYS_mremap:
			if (r > 0 && nmaps < 16)
				maps[nmaps++] = (u64)r;
			else if (r > 0)
				maps[below(16)] = (u64)r;
			break;
		case SYS_shmget:
		case SYS_msgget:
		case SYS_semget:
			if (nipc_ids < 8)
				ipc_ids[nipc_ids++] = (int)r;
			else
				ipc_ids[below(8)] = (int)r;
			break;
		case SYS_msg_alloc:
			if (nmsgs < 8)
				msgs[nmsgs++] = (u64)r;
			break;
		case SYS_fork:
		case SYS_vfork:
		case SYS_clone:
			if (r > 0 && nkids < 16)
				kids[nkids++] = (pid_t)r;
			break;
		}
	}
}

/* ---- workers ---- */

static volatile u64 alarm_seen; /* progress at the last SIGALRM */

/* Every second: a call that has not returned since the last tick has blocked too long. */
static void on_alarm(int sig)
{
	u64 now = __atomic_load_n(&sh->w[widx].progress, __ATOMIC_RELAXED);
	if (now == alarm_seen && __atomic_load_n(&sh->w[widx].nr, __ATOMIC_RELAXED) >= 0)
		_exit(4);
	alarm_seen = now;
}

static void worker(int index, u64 seed)
{
	widx = index;
	rng = seed;
	char name[16];
	snprintf(name, sizeof name, "fuzz-w%d", index);
	prctl(15 /* PR_SET_NAME */, name);
	/* The parent's signal settings are not a worker's. */
	for (int s = 1; s < 65; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDWR);
	if (verbose)
		dup2(2, LOG_FD);
	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	close(null);
	int mark = open("/bin/fuzz", O_PATH);
	if (mark >= 0 && mark != MARK_FD) {
		dup2(mark, MARK_FD);
		close(mark);
	}
	setpgid(0, worker_group);
	setup_memory();
	setup_world();
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: a blocked call ends */
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{1, 0}, {1, 0}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (u64 n = 0; !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); n++) {
		if (n % 256 == 255) {
			setup_world();
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			nkids = 0;
		}
		one_call();
		__atomic_add_fetch(&sh->w[index].progress, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/* ---- the parent ---- */

static u64 worker_seed(int index, u64 gen)
{
	return mix64(master_seed ^ mix64(((u64)index << 32) ^ gen));
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t start_worker(int index, u64 gen)
{
	u64 seed = worker_seed(index, gen);
	if (verbose)
		fprintf(stderr, "fuzz: worker %d generation %lu: seed %#lx\n", index, gen, seed);
	pid_t pid = fork();
	if (pid == 0)
		worker(index, seed);
	if (pid > 0) {
		/* The workers' group: the first worker's, or a new one if all of that group died. */
		if (!worker_group || setpgid(pid, worker_group) < 0)
			setpgid(pid, pid);
		worker_group = getpgid(pid);
		__atomic_store_n(&sh->w[index].pid, pid, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->w[index].nr, -1, __ATOMIC_RELAXED);
	}
	return pid;
}

/* Unmount whatever the workers mounted under dir, then remove it all. */
static void remove_tree(const char *dir)
{
	umount2(dir, MNT_DETACH);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[4352];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			chmod(p, 0755);
			remove_tree(p);
			rmdir(p);
		} else {
			unlink(p);
		}
	}
	closedir(d);
}

/* After the storm: can the system still do plain things? */
static int still_works(void)
{
	char p[128], back[6] = {0};
	snprintf(p, sizeof p, "/tmp/fuzz-check-%d", getpid());
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, "hello", 5) == 5 && pread(fd, back, 5, 0) == 5 &&
		 !strcmp(back, "hello");
	if (fd >= 0)
		close(fd);
	unlink(p);
	if (!ok)
		fprintf(stderr, "fuzz: a file could not be written and read back\n");
	pid_t c = fork();
	if (c == 0) {
		execl("/bin/fuzz", "fuzz", "--exit-now", (char *)NULL);
		_exit(127);
	}
	int st = -1;
	while (c > 0 && waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	if (!(c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "fuzz: a program could not be run\n");
		ok = 0;
	}
	return ok;
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-j WORKERS] [-v] "
			"[-r WORKERSEED]\n");
	exit(2);
}

static int run(u64 ncalls, double seconds, int nworkers)
{
	double t0 = now_s();
	snprintf(scratch, sizeof scratch, "/tmp/fuzz-%d", getpid());
	if (mkdir(scratch, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "fuzz: cannot make %s: %s\n", scratch, strerror(errno));
		return 1;
	}
	struct stat st;
	stat(scratch, &st);
	scratch_dev = st.st_dev;
	u64 gen[MAX_WORKERS] = {0}, last[MAX_WORKERS] = {0}, respawns = 0;
	double seen_at[MAX_WORKERS];
	for (int i = 0; i < nworkers; i++) {
		start_worker(i, gen[i]++);
		seen_at[i] = now_s();
	}
	int stuck = 0;
	for (;;) {
		u64 calls = __atomic_load_n(&sh->calls, __ATOMIC_RELAXED);
		double t = now_s();
		if (calls >= ncalls || (seconds > 0 && t - t0 >= seconds))
			break;
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
			for (int i = 0; i < nworkers; i++) {
				if (sh->w[i].pid != pid)
					continue;
				if (WIFSTOPPED(status)) {
					kill(pid, SIGCONT);
					break;
				}
				respawns++;
				start_worker(i, gen[i]++);
				seen_at[i] = now_s();
				last[i] = sh->w[i].progress;
			}
		}
		for (int i = 0; i < nworkers; i++) {
			u64 p = __atomic_load_n(&sh->w[i].progress, __ATOMIC_RELAXED);
			if (p != last[i]) {
				last[i] = p;
				seen_at[i] = t;
			} else if (t - seen_at[i] > WATCHDOG_S) {
				long nr = sh->w[i].nr;
				const char *what = "?";
				for (size_t k = 0; k < NCALLS; k++)
					if (fuzz_calls[k].nr == nr)
						what = fuzz_calls[k].name;
				fprintf(stderr, "fuzz: worker %d made no progress for %d s (in %s), killed\n",
					i, WATCHDOG_S, what);
				kill(sh->w[i].pid, SIGKILL);
				kill(sh->w[i].pid, SIGCONT);
				seen_at[i] = t; /* it is replaced when it is reaped */
				stuck++;
			}
		}
		usleep(20000);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	/* Every worker ends: by itself, or by SIGKILL (it may have blocked every other signal). */
	double t_stop = now_s();
	int left = nworkers;
	while (left > 0) {
		if (now_s() - t_stop > 2) {
			kill(-worker_group, SIGKILL);
			for (int i = 0; i < nworkers; i++)
				if (sh->w[i].pid > 0)
					kill(sh->w[i].pid, SIGKILL), kill(sh->w[i].pid, SIGCONT);
		}
		if (now_s() - t_stop > 120) {
			fprintf(stderr, "fuzz: %d workers did not end 2 minutes after SIGKILL\n", left);
			return 1;
		}
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED);
		if (pid < 0 && errno == ECHILD)
			break;
		if (pid <= 0) {
			usleep(20000);
			continue;
		}
		for (int i = 0; i < nworkers; i++) {
			if (sh->w[i].pid == pid && !WIFSTOPPED(status)) {
				sh->w[i].pid = 0;
				left--;
			} else if (sh->w[i].pid == pid) {
				kill(pid, SIGCONT);
			}
		}
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	u64 calls = __atomic_load_n(&sh->calls, __ATOMIC_RELAXED);
	double took = now_s() - t0;
	remove_tree(scratch);
	rmdir(scratch);
	if (verbose) {
		printf("fuzz: call, times made, times it succeeded:\n");
		for (size_t k = 0; k < NCALLS; k++)
			printf("fuzz:   %-20s %8lu %8lu\n", fuzz_calls[k].name, sh->made[k], sh->ok[k]);
	}
	int ok = still_works();
	printf("fuzz: %lu calls in %.0f s by %d workers (%lu replaced, %d stopped by the watchdog), "
	       "seed %#lx\n",
	       calls, took, nworkers, respawns, stuck, master_seed);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	/* What execve in the fuzz runs: exit at once, whatever the (random) arguments. */
	if (argc > 1 && !strcmp(argv[1], "--exit-now"))
		return 0;
	struct stat me, mark;
	if (fstat(MARK_FD, &mark) == 0 && stat("/bin/fuzz", &me) == 0 && me.st_ino == mark.st_ino &&
	    me.st_dev == mark.st_dev)
		return 0;
	u64 ncalls = 20000, replay = 0;
	double seconds = 0;
	int nworkers = 6, force = 0, have_seed = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose++;
		} else if (!strcmp(argv[i], "--force")) {
			force = 1;
		} else if (i + 1 < argc && argv[i][0] == '-' && strchr("sntjr", argv[i][1]) &&
			   !argv[i][2]) {
			char *v = argv[++i];
			switch (argv[i - 1][1]) {
			case 's':
				master_seed = strtoull(v, NULL, 0), have_seed = 1;
				break;
			case 'n':
				ncalls = strtoull(v, NULL, 0);
				break;
			case 't':
				seconds = strtod(v, NULL);
				break;
			case 'j':
				nworkers = atoi(v);
				break;
			case 'r':
				replay = strtoull(v, NULL, 0);
				break;
			}
		} else {
			usage();
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS)
		usage();
	struct utsname u;
	/* Ferry's uname says Linux, as Linux-ABI kernels do, and names itself in the release. */
	if (!force && (uname(&u) < 0 || !strstr(u.release, "ferry"))) {
		fprintf(stderr, "fuzz: this is not Ferry: random system calls as root could harm "
				"this machine (--force to run anyway)\n");
		return 2;
	}
	if (!have_seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		master_seed = mix64((u64)ts.tv_sec * 1000000007ULL ^ (u64)ts.tv_nsec ^ (u64)getpid());
	}
	printf("fuzz: seed %#lx\n", master_seed);
	fflush(stdout);
	/* A session of its own: nothing the workers do to "their" group or session reaches ours. */
	pid_t leader = fork();
	if (leader > 0) {
		int st;
		while (waitpid(leader, &st, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	setsid();
	fuzz_parent = getpid();
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	/* The parent takes no signal but SIGKILL and SIGSTOP. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (int s = 1; s < 65; s++)
		if (s != SIGCHLD)
			signal(s, SIG_IGN);
	if (replay) {
		snprintf(scratch, sizeof scratch, "/tmp/fuzz-%d", getpid());
		mkdir(scratch, 0777);
		struct stat st;
		stat(scratch, &st);
		scratch_dev = st.st_dev;
		verbose += !verbose;
		pid_t w = fork();
		if (w == 0) {
			sigprocmask(SIG_UNBLOCK, &all, NULL);
			worker_group = 0;
			worker(0, replay);
		}
		sh->w[0].pid = w;
		double t0 = now_s();
		while (__atomic_load_n(&sh->calls, __ATOMIC_RELAXED) < ncalls &&
		       (seconds <= 0 || now_s() - t0 < seconds) && waitpid(w, NULL, WNOHANG) == 0)
			usleep(20000);
		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
		remove_tree(scratch);
		rmdir(scratch);
		printf("fuzz: replay of %#lx: %lu calls\n", replay, sh->calls);
		return 0;
	}
	return run(ncalls, seconds, nworkers);
}
