/*
 * The console tty: /dev/console and /dev/tty (one terminal). Output goes
 * to the kernel console (COM1, and the VGA screen through its escape
 * parser); input comes from COM1's receive interrupt and the PS/2
 * keyboard, both through tty_input and the line discipline (ldisc.h).
 * It owns its termios, controlling session, foreground process group and
 * window size; ^C and ^\ signal the foreground group.
 */
#pragma once

#include "lib/types.h"

/* Register /dev/tty (5,0) and /dev/console (5,1); called by vfs_init. */
void tty_init(void);
/*
 * Route COM1's interrupt to the boot core and start taking input. Needs
 * the I/O APIC (after ioapic_init); until then reads simply wait.
 */
void tty_irq_init(void);
/*
 * Received bytes from any input source (an interrupt handler): the line
 * discipline takes them, readers are woken, typed signals are sent.
 */
void tty_input(const u8 *s, size_t n);
