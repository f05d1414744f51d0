/*
 * Restarting and halting the machine, for reboot(2). Both write the block
 * cache back first (machine_shutdown_hook), as power off does.
 */
#pragma once

/* Reset the machine as a PC can: never returns. */
__attribute__((noreturn)) void machine_restart(void);
/* Stop without powering off; under QEMU, end QEMU with success. Never returns. */
__attribute__((noreturn)) void machine_halt(void);
