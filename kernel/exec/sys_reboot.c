/*
 * reboot(2): power off, halt or restart, for a caller with CAP_SYS_BOOT.
 * File data and metadata are written back first, journals emptied (the
 * call parks while the disks work: invariant 3). busybox's reboot -f
 * calls it itself; without -f it signals init, which calls it.
 */
#include "fs/vfs.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "arch/x86_64/reset.h"
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
	if (!cred_capable(cur_cred(), CAP_SYS_BOOT))
		return -EPERM;
	if ((u32)a0 != LINUX_REBOOT_MAGIC1)
		return -EINVAL;
	switch ((u32)a2) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_RESTART: {
		/*
		 * Everything to the disks first, journals emptied and file systems
		 * marked clean; parks meanwhile (invariant 3).
		 */
		long r = vfs_sync_shutdown();
		if (r == -ERESTART_PARK)
			return r;
		if (r)
			kprintf("ferry: write-back failed (error %ld); stopping anyway\n", -r);
		if ((u32)a2 == LINUX_REBOOT_CMD_RESTART)
			machine_restart();
		if ((u32)a2 == LINUX_REBOOT_CMD_HALT)
			machine_halt();
		kprintf("ferry: powering off\n");
		machine_exit(true);
	}
	default:
		return -EINVAL;
	}
}
