/*
 * Kernel console: every write goes to COM1 as it is (with "\n" sent as
 * "\r\n") and to the VGA screen through its terminal emulator (vt.h).
 * console.lock keeps writes whole and guards the emulator; it is shared by
 * all cores and by user output through the tty.
 */
#include "dev/console.h"
#include "dev/serial.h"
#include "dev/vga.h"
#include "dev/vt.h"
#include "lib/spinlock.h"

static struct spinlock lock = SPINLOCK_INIT;
static volatile bool panicking;
static bool vt_reset_done; /* [lock, or panicking] */

void console_init(void)
{
	serial_init();
	vga_init();
	vt_init();
}

void console_panic_mode(void)
{
	panicking = true;
}

void console_write(const char *s, size_t n)
{
	/* A panicking core may find the lock held by a core it has stopped. */
	bool locked = false;
	for (u64 spins = 0; !(locked = spin_trylock(&lock)); spins++)
		if (panicking && spins > 10000000)
			break;
	if (panicking && !vt_reset_done) {
		/* The panic message must show, whatever sequence a program left half-sent. */
		vt_panic();
		vt_reset_done = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
	vt_write(s, n);
	if (locked)
		spin_unlock(&lock);
}
