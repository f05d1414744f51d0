/*
 * mlock: mlock, mlock2, munlock, mlockall, munlockall and MAP_LOCKED,
 * with RLIMIT_MEMLOCK (VmLck in /proc/self/status), and bad input. Linux
 * spares root the limit (CAP_IPC_LOCK): those checks run on Ferry only.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "t.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

int main(void)
{
	size_t len = 64 * 4096;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mlock(m, len) == 0, "mlock of 256 KiB");
	CHECK(mlock(m + 100, 10) == 0, "mlock of an unaligned range (rounded to pages)");
	CHECK(munlock(m, len) == 0, "munlock");
	CHECK(syscall(SYS_mlock2, m, len, MLOCK_ONFAULT) == 0, "mlock2(MLOCK_ONFAULT)");
	CHECK_ERR(syscall(SYS_mlock2, m, len, 2), EINVAL, "mlock2 with unknown flags: EINVAL");
	munlock(m, len);
	munmap(m + 16 * 4096, 4096);
	CHECK_ERR(mlock(m, len), ENOMEM, "mlock over a hole: ENOMEM");
	CHECK_ERR(mlock((void *)4096, 4096), ENOMEM, "mlock of unmapped memory: ENOMEM");
	CHECK(mlockall(MCL_CURRENT) == 0 && munlockall() == 0, "mlockall(MCL_CURRENT) and munlockall");
	CHECK(mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0 && munlockall() == 0, "mlockall with MCL_FUTURE and MCL_ONFAULT");
	CHECK_ERR(mlockall(0), EINVAL, "mlockall(0): EINVAL");
	CHECK_ERR(mlockall(MCL_ONFAULT), EINVAL, "mlockall(MCL_ONFAULT) alone: EINVAL");
	CHECK_ERR(mlockall(64), EINVAL, "mlockall with unknown flags: EINVAL");
	void *l = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	CHECK(l != MAP_FAILED, "mmap with MAP_LOCKED");
	munmap(l, 8192);
	pid_t c = fork();
	if (c == 0) {
		/* RLIMIT_MEMLOCK binds only processes without CAP_IPC_LOCK: become nobody. */
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(3);
		struct rlimit r = {8192, 8192};
		setrlimit(RLIMIT_MEMLOCK, &r);
		char *a = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int ok = mlock(a, 8192) == 0;
		ok &= mlock(a + 8192, 4096) == -1 && errno == ENOMEM;
		ok &= munlock(a, 4096) == 0 && mlock(a + 8192, 4096) == 0;
		ok &= mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) == MAP_FAILED && errno == EAGAIN;
		ok &= mlockall(MCL_CURRENT) == -1 && errno == ENOMEM;
		struct rlimit z = {0, 0};
		setrlimit(RLIMIT_MEMLOCK, &z);
		ok &= mlock(a, 4096) == -1 && errno == EPERM;
		ok &= mlockall(MCL_CURRENT) == -1 && errno == EPERM;
		_exit(ok ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "RLIMIT_MEMLOCK 8 KiB: mlock past it ENOMEM, MAP_LOCKED EAGAIN, mlockall ENOMEM; 0: EPERM");
	return t_done();
}
