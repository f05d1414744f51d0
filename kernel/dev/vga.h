/* VGA text-mode screen (80x25 at physical 0xb8000). */
#pragma once

#include "lib/types.h"

void vga_init(void);
void vga_putc(char c);
