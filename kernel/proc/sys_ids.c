/*
 * User and group ids. Ferry has no users yet: everyone is root, and the
 * calls say so (issue: users and permissions).
 */
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

/* Everyone is root: Ferry has no users yet. */
SYSCALL(NR_getuid, getuid) { return 0; }
SYSCALL(NR_geteuid, geteuid) { return 0; }
SYSCALL(NR_getgid, getgid) { return 0; }
SYSCALL(NR_getegid, getegid) { return 0; }
SYSCALL(NR_setuid, setuid) { return (u32)a0 == 0 ? 0 : -EPERM; }
SYSCALL(NR_setgid, setgid) { return (u32)a0 == 0 ? 0 : -EPERM; }

SYSCALL(NR_getgroups, getgroups)
{
	return 0;
}

SYSCALL(NR_getresuid, getresuid)
{
	u32 z = 0;
	for (int i = 0; i < 3; i++)
		if (copy_to_domain(cur_dom(), (&a0)[i], &z, sizeof z) < 0)
			return -EFAULT;
	return 0;
}

SYSCALL(NR_getresgid, getresgid)
{
	u32 z = 0;
	for (int i = 0; i < 3; i++)
		if (copy_to_domain(cur_dom(), (&a0)[i], &z, sizeof z) < 0)
			return -EFAULT;
	return 0;
}
