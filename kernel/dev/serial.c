/* COM1 16550 UART (PC16550D data sheet). Output is polled. */
#include "dev/serial.h"
#include "arch/x86_64/io.h"

#define COM1 0x3f8
enum { UART_DATA = 0, UART_IER = 1, UART_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5 };
#define LCR_DLAB    0x80
#define LCR_8N1     0x03
#define LSR_DR      0x01 /* data ready */
#define LSR_THRE    0x20 /* transmit holding register empty */
#define IER_RDA     0x01 /* interrupt: received data available (PC16550D, IER bit 0) */

static bool present;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, 1); /* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
	/* A missing UART reads back 0xff from every register. */
	present = inb(COM1 + UART_LSR) != 0xff;
}

void serial_putc(char c)
{
	if (!present)
		return;
	for (int spins = 0; !(inb(COM1 + UART_LSR) & LSR_THRE) && spins < 100000; spins++)
		;
	outb(COM1 + UART_DATA, (u8)c);
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_DATA);
}

void serial_set_rx_irq(bool on)
{
	if (!present)
		return;
	/*
	 * MCR.OUT2 (set in serial_init) connects the UART's interrupt output
	 * to the PC's IRQ line; the receive interrupt clears itself when the
	 * handler reads the data register empty. Turned on with bytes
	 * waiting, it is raised at once: a new edge for the IO-APIC.
	 */
	outb(COM1 + UART_IER, on ? IER_RDA : 0);
}
