/*
 * seccomp: strict mode, and filters (classic BPF over struct
 * seccomp_data) with each action: ALLOW, ERRNO, TRAP (SIGSYS with its
 * siginfo), KILL_PROCESS, LOG; the newest of equal actions and the
 * strongest of different ones win; filters pass to children; the
 * permission rule (no_new_privs or CAP_SYS_ADMIN); programs refused as
 * Linux refuses them. Each case runs in a child: filters cannot be undone.
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "t.h"

struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
struct seccomp_data {
	int nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

#define LD_W_ABS 0x20
#define JEQ_K 0x15
#define RET_K 0x06
#define JA 0x05
#define STMT(c, k) {(c), 0, 0, (k)}
#define JUMP(c, k, t, f) {(c), (t), (f), (k)}
#define RET_KILL_PROCESS 0x80000000U
#define RET_TRAP 0x00030000U
#define RET_ERRNO 0x00050000U
#define RET_LOG 0x7ffc0000U
#define RET_ALLOW 0x7fff0000U
#define ARCH_X86_64 0xc000003eU
#define SET_MODE_STRICT 0
#define SET_MODE_FILTER 1
#define GET_ACTION_AVAIL 2
#define SYS_SECCOMP 1

/* A filter: for system call nr (on x86-64) return `action`, else allow. */
static long filter_nr(int nr, uint32_t action)
{
	struct sock_filter f[] = {
		STMT(LD_W_ABS, offsetof(struct seccomp_data, arch)),
		JUMP(JEQ_K, ARCH_X86_64, 1, 0),
		STMT(RET_K, RET_KILL_PROCESS),
		STMT(LD_W_ABS, offsetof(struct seccomp_data, nr)),
		JUMP(JEQ_K, (uint32_t)nr, 0, 1),
		STMT(RET_K, action),
		STMT(RET_K, RET_ALLOW),
	};
	struct sock_fprog p = {sizeof f / sizeof f[0], f};
	return syscall(SYS_seccomp, SET_MODE_FILTER, 0, &p);
}

/* Run fn in a child; its wait status. */
static int in_child(int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	return t_wait(pid);
}

/* Exit 0 if every check in the child held; the child prints nothing. */
static int errno_action(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || filter_nr(SYS_getppid, RET_ERRNO | 42))
		return 10;
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != 42)
		return 11;
	if (syscall(SYS_getpid) <= 0)
		return 12; /* others still run */
	if (prctl(PR_GET_SECCOMP) != 2)
		return 13;
	/* A newer filter's ERRNO beats an older one's; a child keeps both. */
	if (filter_nr(SYS_getppid, RET_ERRNO | 7))
		return 14;
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != 7)
		return 15;
	pid_t pid = fork();
	if (pid == 0) {
		errno = 0;
		_exit(syscall(SYS_getppid) == -1 && errno == 7 ? 0 : 1);
	}
	int st = t_wait(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 16;
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	int mode = -1, n = -1;
	while (f && fgets(line, sizeof line, f)) {
		sscanf(line, "Seccomp: %d", &mode);
		sscanf(line, "Seccomp_filters: %d", &n);
	}
	if (f)
		fclose(f);
	if (mode != 2 || n != 2)
		return 17;
	return 0;
}

static volatile int trapped_nr, trapped_code, trapped_errno;
static volatile unsigned trapped_arch;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	trapped_code = si->si_code;
	trapped_errno = si->si_errno;
	/* _sigsys: the call's address, its number and its architecture. */
	const char *f = (const char *)si + 16;
	trapped_nr = *(const int *)(f + 8);
	trapped_arch = *(const unsigned *)(f + 12);
}

static int trap_action(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || filter_nr(SYS_getppid, RET_TRAP | 0x55))
		return 10;
	/* Skipped, the call leaves rax as it was: its own number (as Linux's does). */
	long r = syscall(SYS_getppid);
	if (r != SYS_getppid)
		return 11;
	if (trapped_code != SYS_SECCOMP || trapped_nr != SYS_getppid ||
	    trapped_arch != ARCH_X86_64 || trapped_errno != 0x55)
		return 12;
	return 0;
}

static int kill_action(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || filter_nr(SYS_getppid, RET_KILL_PROCESS))
		return 10;
	syscall(SYS_getppid);
	return 11; /* never here */
}

static int log_action(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || filter_nr(SYS_getppid, RET_LOG))
		return 10;
	return syscall(SYS_getppid) > 0 ? 0 : 11; /* logged, and run */
}

static int strict_mode(void)
{
	if (syscall(SYS_seccomp, SET_MODE_STRICT, 0, NULL))
		return 10;
	if (write(1, "", 0) != 0)
		return 11; /* write is allowed */
	syscall(SYS_getpid); /* anything else: SIGKILL */
	return 12;
}

static int needs_nnp(void)
{
	if (setuid(65534))
		return 10; /* as nobody: no CAP_SYS_ADMIN */
	errno = 0;
	if (filter_nr(SYS_getppid, RET_ERRNO | 1) != -1 || errno != EACCES)
		return 11;
	return 0;
}

static int bad_programs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 10;
	struct sock_filter ok[] = {STMT(RET_K, RET_ALLOW)};
	struct sock_filter far[] = {STMT(JA, 5), STMT(RET_K, RET_ALLOW)};
	struct sock_filter past[] = {STMT(LD_W_ABS, 64), STMT(RET_K, RET_ALLOW)};
	struct sock_filter odd[] = {STMT(LD_W_ABS, 2), STMT(RET_K, RET_ALLOW)};
	struct sock_filter noret[] = {STMT(LD_W_ABS, 0)};
	struct sock_filter unknown[] = {STMT(0xff, 0), STMT(RET_K, RET_ALLOW)};
	struct {
		struct sock_filter *f;
		unsigned short n;
	} bad[] = {{ok, 0}, {far, 2}, {past, 2}, {odd, 2}, {noret, 1}, {unknown, 2}};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sock_fprog p = {bad[i].n, bad[i].f};
		errno = 0;
		if (syscall(SYS_seccomp, SET_MODE_FILTER, 0, &p) != -1 || errno != EINVAL)
			return 20 + (int)i;
	}
	struct sock_fprog p = {1, ok};
	errno = 0;
	if (syscall(SYS_seccomp, SET_MODE_FILTER, 0x80, &p) != -1 || errno != EINVAL)
		return 30; /* an unknown flag */
	errno = 0;
	if (syscall(SYS_seccomp, SET_MODE_FILTER, 0, (void *)8) != -1 || errno != EFAULT)
		return 31;
	errno = 0;
	if (syscall(SYS_seccomp, 99, 0, NULL) != -1 || errno != EINVAL)
		return 32;
	uint32_t allow = RET_ALLOW, bogus = 0x12340000;
	if (syscall(SYS_seccomp, GET_ACTION_AVAIL, 0, &allow) != 0)
		return 33;
	errno = 0;
	if (syscall(SYS_seccomp, GET_ACTION_AVAIL, 0, &bogus) != -1 || errno != EOPNOTSUPP)
		return 34;
	if (prctl(PR_GET_SECCOMP) != 0)
		return 35; /* none of those took */
	return 0;
}

int main(void)
{
	int st = in_child(errno_action);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "SECCOMP_RET_ERRNO: the call fails with the filter's errno, the newest filter wins, a "
	      "child keeps them, /proc/self/status counts them (%s)",
	      t_status(st));
	st = in_child(trap_action);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "SECCOMP_RET_TRAP: SIGSYS with SYS_SECCOMP, the call's number, the arch and the data (%s)",
	      t_status(st));
	st = in_child(kill_action);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "SECCOMP_RET_KILL_PROCESS: killed by SIGSYS (%s)",
	      t_status(st));
	st = in_child(log_action);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SECCOMP_RET_LOG: the call runs (%s)", t_status(st));
	st = in_child(strict_mode);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "strict mode: write runs, getpid is killed with SIGKILL (%s)", t_status(st));
	st = in_child(needs_nnp);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "without no_new_privs or CAP_SYS_ADMIN: EACCES (%s)", t_status(st));
	st = in_child(bad_programs);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "bad programs, flags, operations and pointers: Linux's errors (%s)", t_status(st));
	return t_done();
}
