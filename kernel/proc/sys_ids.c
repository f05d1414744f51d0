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
/* uid_t and gid_t are 32 bits; (u32)-1 is no id at all (Linux: EINVAL). */
SYSCALL(NR_setuid, setuid) { return (u32)a0 == 0 ? 0 : (u32)a0 == ~0u ? -EINVAL : -EPERM; }
SYSCALL(NR_setgid, setgid) { return (u32)a0 == 0 ? 0 : (u32)a0 == ~0u ? -EINVAL : -EPERM; }

SYSCALL(NR_getgroups, getgroups)
{
	return 0;
}

/* The three ids (real, effective, saved), each a u32 at its own pointer: all root. */
static long put_three_ids(u64 r, u64 e, u64 s)
{
	const u64 where[3] = {r, e, s};
	u32 z = 0;
	for (int i = 0; i < 3; i++)
		if (copy_to_domain(cur_dom(), where[i], &z, sizeof z) < 0)
			return -EFAULT;
	return 0;
}

SYSCALL(NR_getresuid, getresuid)
{
	return put_three_ids(a0, a1, a2);
}

SYSCALL(NR_getresgid, getresgid)
{
	return put_three_ids(a0, a1, a2);
}
