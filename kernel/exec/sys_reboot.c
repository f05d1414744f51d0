/*
 * reboot(2): init asks the machine to stop. The block cache is written
 * back first (the call parks while the disks work: invariant 3).
 */
#include "fs/bcache.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "sys/syscall.h"

#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedc
#define LINUX_REBOOT_CMD_RESTART 0x01234567
#define LINUX_REBOOT_CMD_HALT 0xcdef0123

SYSCALL(NR_reboot, reboot)
{
	if ((u32)a0 != LINUX_REBOOT_MAGIC1)
		return -EINVAL;
	if (cur_proc() != init_proc)
		return -EPERM;
	switch ((u32)a2) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_RESTART: {
		/* Write the block cache back first; parks while the disks work (invariant 3). */
		long r = bcache_sync_thread(NULL);
		if (r == -ERESTART_PARK)
			return r;
		if (r)
			kprintf("ferry: write-back failed (error %ld); powering off anyway\n", -r);
		kprintf("ferry: powering off\n");
		machine_exit(true);
	}
	default:
		return -EINVAL;
	}
}
