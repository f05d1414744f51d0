/*
 * The console tty: /dev/console and /dev/tty (one terminal for now, on
 * COM1). Output goes to the kernel console (COM1 and VGA); input comes
 * from COM1's receive interrupt through the line discipline (ldisc.h).
 * It owns its termios, foreground process group and window size.
 */
#pragma once

/* Register /dev/tty (5,0) and /dev/console (5,1); called by vfs_init. */
void tty_init(void);
/*
 * Route COM1's interrupt to the boot core and start taking input. Needs
 * the I/O APIC (after ioapic_init); until then reads simply wait.
 */
void tty_irq_init(void);
