/*
 * argedges: system-call arguments at their edges, as outside fuzzing
 * found them. A pid_t is 32 bits: Linux reads 1UL << 32 as 0 (the caller)
 * and (1UL << 32) | pid as pid, in every call that takes one
 * (sched_setaffinity crashed the kernel on it). Ids come back through
 * valid pointers (getresuid). A non-canonical FS base or return address
 * is refused or kills only the caller (it would be a #GP in the kernel on
 * a real CPU).
 */
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "t.h"

#define HIGH (1UL << 32) /* a pid_t of 0 in the low 32 bits */
#define NONCANON 0x0000800000000000UL
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static long sys(long nr, long a, long b, long c, long d, long e)
{
	return syscall(nr, a, b, c, d, e);
}

static void check_pids(void)
{
	pid_t me = getpid();
	unsigned long mask[16] = {0};
	long n = sys(SYS_sched_getaffinity, 0, sizeof mask, (long)mask, 0, 0);
	CHECK(n > 0, "sched_getaffinity(0) works");
	CHECK(sys(SYS_sched_setaffinity, HIGH, n, (long)mask, 0, 0) == 0,
	      "sched_setaffinity(1 << 32) is the caller's (it crashed the kernel)");
	CHECK(sys(SYS_sched_getaffinity, HIGH, sizeof mask, (long)mask, 0, 0) == n,
	      "sched_getaffinity(1 << 32) is the caller's");
	CHECK(sys(SYS_sched_getaffinity, HIGH | me, sizeof mask, (long)mask, 0, 0) == n,
	      "sched_getaffinity((1 << 32) | pid) is pid's");
	CHECK_ERR(sys(SYS_sched_setaffinity, -1, n, (long)mask, 0, 0), ESRCH,
		  "sched_setaffinity(-1) names nobody");
	CHECK_ERR(sys(SYS_sched_getaffinity, -7, sizeof mask, (long)mask, 0, 0), ESRCH,
		  "sched_getaffinity(-7) names nobody");
	CHECK(sys(SYS_sched_getscheduler, HIGH, 0, 0, 0, 0) == 0,
	      "sched_getscheduler(1 << 32) is the caller's SCHED_OTHER");
	CHECK_ERR(sys(SYS_sched_getscheduler, -1, 0, 0, 0, 0), EINVAL,
		  "sched_getscheduler(-1) is EINVAL");

	CHECK(sys(SYS_getpgid, HIGH, 0, 0, 0, 0) == getpgid(0), "getpgid(1 << 32) is the caller's");
	CHECK(sys(SYS_getsid, HIGH, 0, 0, 0, 0) == getsid(0), "getsid(1 << 32) is the caller's");
	CHECK(sys(SYS_getpgid, HIGH | me, 0, 0, 0, 0) == getpgid(0),
	      "getpgid((1 << 32) | pid) is pid's");
	CHECK_ERR(sys(SYS_getpgid, -1, 0, 0, 0, 0), ESRCH, "getpgid(-1) names nobody");
	errno = 0;
	long prio = sys(SYS_getpriority, PRIO_PROCESS, HIGH, 0, 0, 0);
	CHECK(prio == sys(SYS_getpriority, PRIO_PROCESS, 0, 0, 0, 0) && prio > 0,
	      "getpriority(PRIO_PROCESS, 1 << 32) is the caller's");
	struct rlimit rl;
	CHECK(sys(SYS_prlimit64, HIGH, RLIMIT_NOFILE, 0, (long)&rl, 0) == 0,
	      "prlimit64(1 << 32) is the caller's");
	CHECK(sys(SYS_prlimit64, HIGH | me, HIGH | RLIMIT_NOFILE, 0, (long)&rl, 0) == 0,
	      "prlimit64 reads pid and resource as 32 bits");
	CHECK_ERR(sys(SYS_prlimit64, -1, RLIMIT_NOFILE, 0, (long)&rl, 0), ESRCH,
		  "prlimit64(-1) names nobody");
	struct rusage ru;
	CHECK(sys(SYS_getrusage, HIGH, (long)&ru, 0, 0, 0) == 0,
	      "getrusage(1 << 32) is RUSAGE_SELF (an int)");

	CHECK(sys(SYS_kill, HIGH | me, 0, 0, 0, 0) == 0, "kill((1 << 32) | pid, 0) is pid's");
	CHECK_ERR(sys(SYS_kill, INT32_MIN, 0, 0, 0, 0), ESRCH, "kill(INT_MIN) names no group");
	CHECK_ERR(sys(SYS_wait4, INT32_MIN, 0, 0, 0, 0), ESRCH, "wait4(INT_MIN) names no group");
	siginfo_t si;
	CHECK_ERR(sys(SYS_waitid, P_PID, HIGH, (long)&si, WEXITED | WNOHANG, 0), EINVAL,
		  "waitid(P_PID, 1 << 32) is pid 0: EINVAL");
	CHECK_ERR(sys(SYS_waitid, P_PGID, -1, (long)&si, WEXITED | WNOHANG, 0), EINVAL,
		  "waitid(P_PGID, -1) is EINVAL");

	/* setpgid(1 << 32, 0) in a child: the child makes itself a group leader. */
	pid_t c = fork();
	if (c == 0)
		_exit(sys(SYS_setpgid, HIGH, 0, 0, 0, 0) == 0 && getpgid(0) == getpid() ? 0 : 1);
	CHECK_EXITED(t_wait(c), 0, "setpgid(1 << 32, 0) is setpgid(0, 0)");
	CHECK_ERR(sys(SYS_setpgid, 0, -1, 0, 0, 0), EINVAL, "setpgid(0, -1) is EINVAL");
}

static void check_ids(void)
{
	unsigned r = 7, e = 7, s = 7;
	CHECK(sys(SYS_getresuid, (long)&r, (long)&e, (long)&s, 0, 0) == 0 && r == getuid() &&
		  e == geteuid() && s != 7,
	      "getresuid fills three valid pointers (it returned EFAULT)");
	r = e = s = 7;
	CHECK(sys(SYS_getresgid, (long)&r, (long)&e, (long)&s, 0, 0) == 0 && r == getgid() &&
		  e == getegid() && s != 7,
	      "getresgid fills three valid pointers");
	CHECK_ERR(sys(SYS_getresuid, (long)&r, (long)&e, 8, 0, 0), EFAULT,
		  "getresuid with a bad third pointer is EFAULT");
	if (getuid() == 0)
		CHECK(sys(SYS_setuid, HIGH, 0, 0, 0, 0) == 0, "setuid(1 << 32) is setuid(0)");
}

static void check_fs_base(void)
{
	unsigned long before = 0, after = 1;
	CHECK(sys(SYS_arch_prctl, ARCH_GET_FS, (long)&before, 0, 0, 0) == 0, "ARCH_GET_FS");
	CHECK_ERR(sys(SYS_arch_prctl, ARCH_SET_FS, NONCANON, 0, 0, 0), EPERM,
		  "ARCH_SET_FS to a non-canonical address is EPERM");
	CHECK_ERR(sys(SYS_arch_prctl, ARCH_SET_FS, 0xdead000000000000L, 0, 0, 0), EPERM,
		  "ARCH_SET_FS to a kernel address is EPERM");
	sys(SYS_arch_prctl, ARCH_GET_FS, (long)&after, 0, 0, 0);
	CHECK(before == after, "and the FS base is unchanged");

	/* A process clone: a child must not start with a base it cannot load. */
	long r = sys(SYS_clone, SIGCHLD | CLONE_SETTLS, 0, 0, 0, (long)NONCANON);
	if (r == 0)
		syscall(SYS_exit_group, 3); /* should not exist; no TLS use on the way out */
	int e = errno;
	if (r > 0)
		t_wait((pid_t)r);
	CHECK(r == -1 && e == EPERM, "clone(CLONE_SETTLS) with a non-canonical TLS is EPERM");
}

/* A handler that sends its return to a non-canonical address: the caller dies of SIGSEGV. */
static void on_usr1_bad_return(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)NONCANON;
}

static void bad_sigreturn(void *arg)
{
	struct sigaction sa = {.sa_sigaction = on_usr1_bad_return, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static void bad_handler(void *arg)
{
	struct sigaction sa = {.sa_handler = (void (*)(int))(uintptr_t)arg};
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static void check_return_addresses(void)
{
	CHECK_KILLED(t_child(bad_sigreturn, NULL), SIGSEGV,
		     "rt_sigreturn to a non-canonical rip kills the caller with SIGSEGV");
	CHECK_KILLED(t_child(bad_handler, (void *)NONCANON), SIGSEGV,
		     "a handler at a non-canonical address kills the caller with SIGSEGV");
	CHECK_KILLED(t_child(bad_handler, (void *)0xffffffff80000000UL), SIGSEGV,
		     "a handler at a kernel address kills the caller with SIGSEGV");
}

int main(void)
{
	check_pids();
	check_ids();
	check_fs_base();
	check_return_addresses();
	return t_done();
}
