/*
 * Stopping the machine on a kernel bug: one report on the console, the
 * other cores stopped, and under QEMU an exit with a failure status.
 */
#pragma once

#include "lib/types.h"

void panic_begin(void);      /* claim the panic, stop other cores */
__attribute__((noreturn)) void panic_end(void); /* exit QEMU or halt */
bool panic_in_progress(void);
/* Hooks later subsystems set (panic.c): stop the other cores; power the machine off. */
extern void (*panic_stop_others)(void);
extern void (*machine_poweroff_hook)(void);
/* Clean-shutdown work (the block cache's write-back) run by machine_exit, never during a panic. */
extern void (*machine_shutdown_hook)(void);
/* Power off after a successful run (tests): exit QEMU with a pass status. */
__attribute__((noreturn)) void machine_exit(bool success);
