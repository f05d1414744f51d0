/* Kernel console: COM1 plus VGA text, one line at a time under a lock. */
#include "dev/console.h"
#include "dev/serial.h"
#include "dev/vga.h"
#include "lib/spinlock.h"

static struct spinlock lock = SPINLOCK_INIT;
static volatile bool panicking;

void console_init(void)
{
	serial_init();
	vga_init();
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
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
		vga_putc(s[i]);
	}
	if (locked)
		spin_unlock(&lock);
}
