/* futex(2) and the robust-list calls, over futex.c. */
#include "proc/futex.h"
#include "proc/proc.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

SYSCALL(NR_futex, futex)
{
	struct thread *t = current_thread();
	int op = (int)a1 & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool private = (int)a1 & FUTEX_PRIVATE_FLAG;
	switch (op) {
	case FUTEX_WAIT:
		return futex_wait(t, a0, (u32)a2, a3, false, private);
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, a0, (u32)a2, a3, true, private);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (a0 & 3)
			return -EINVAL;
		return futex_wake_addr(cur_dom(), a0, (int)MIN(a2, 0x7fffffffUL), private);
	default:
		return -ENOSYS;
	}
}

SYSCALL(NR_set_robust_list, set_robust_list)
{
	return a1 == 24 ? 0 : -EINVAL; /* recorded nowhere: robust futexes are not supported */
}
