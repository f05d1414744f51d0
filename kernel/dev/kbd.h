/*
 * PS/2 keyboard on the i8042 controller: IRQ 1 through the I/O APIC, scan
 * code set 1 decoded by keymap.h, typed bytes fed to the console tty
 * (tty_input) beside COM1's.
 */
#pragma once

/* Set up the controller and route its interrupt to the boot core (after ioapic_init). */
void kbd_init(void);
