/*
 * The kernel console: every line goes to COM1 and the VGA screen.
 * Shared by all cores; console.lock keeps lines whole.
 */
#pragma once

#include "lib/types.h"

void console_init(void);
void console_write(const char *s, size_t n);
/* After a panic: stop waiting for a lock another (halted) core may hold. */
void console_panic_mode(void);
