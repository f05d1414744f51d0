/* COM1 16550 UART: polled output; input by interrupt once the tty enables it. */
#pragma once

#include "lib/types.h"

void serial_init(void);
void serial_putc(char c);
int serial_getc(void); /* -1 when nothing is waiting */

/* COM1's ISA interrupt line (IRQ 4 on every PC since the AT). */
#define SERIAL_COM1_IRQ 4
/*
 * Interrupt when a byte arrives (IER bit 0) or not; the caller has routed
 * the IRQ first. Off, received bytes stay in the UART, whose full FIFO
 * holds the sender back: the tty's flow control.
 */
void serial_set_rx_irq(bool on);
