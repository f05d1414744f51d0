/* COM1 16550 UART: polled output, interrupt-driven input comes with the tty. */
#pragma once

#include "lib/types.h"

void serial_init(void);
void serial_putc(char c);
int serial_getc(void); /* -1 when nothing is waiting */
