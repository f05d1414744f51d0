/*
 * seccomp(2): set strict mode or add a filter (seccomp.c), and ask which
 * actions there are and how big the notification structures are.
 */
#include "proc/seccomp.h"
#include "proc/cur.h"
#include "mm/domain.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define SECCOMP_SET_MODE_STRICT  0
#define SECCOMP_SET_MODE_FILTER  1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES  3

/* The actions SECCOMP_GET_ACTION_AVAIL says are here (USER_NOTIF needs a listener: not here). */
static bool action_known(u32 a)
{
	switch (a) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG:
	case SECCOMP_RET_ALLOW:
		return true;
	default:
		return false;
	}
}

SYSCALL(NR_seccomp, seccomp)
{
	u32 op = (u32)a0, flags = (u32)a1;
	switch (op) {
	case SECCOMP_SET_MODE_STRICT:
		return flags || a2 ? -EINVAL : seccomp_set_strict();
	case SECCOMP_SET_MODE_FILTER:
		return seccomp_set_filter(flags, a2);
	case SECCOMP_GET_ACTION_AVAIL: {
		u32 action;
		if (flags)
			return -EINVAL;
		if (copy_from_domain(cur_dom(), &action, a2, sizeof action) < 0)
			return -EFAULT;
		return action_known(action) ? 0 : -EOPNOTSUPP;
	}
	case SECCOMP_GET_NOTIF_SIZES: {
		/* struct seccomp_notif, seccomp_notif_resp, seccomp_data: their sizes on x86-64. */
		u16 sizes[3] = {80, 24, SECCOMP_DATA_SIZE};
		if (flags)
			return -EINVAL;
		return copy_to_domain(cur_dom(), a2, sizes, sizeof sizes) < 0 ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}
