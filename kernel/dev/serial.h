/* COM1 16550 UART: polled output; input by interrupt once the tty enables it. */
#pragma once

#include "lib/types.h"

void serial_init(void);
void serial_putc(char c);
int serial_getc(void); /* -1 when nothing is waiting */

/* COM1's ISA interrupt line (IRQ 4 on every PC since the AT). */
#define SERIAL_COM1_IRQ 4
/* Interrupt when a byte arrives (IER bit 0); the caller has routed the IRQ first. */
void serial_enable_rx_irq(void);
