/*
 * The terminal emulator of the VGA text screen: a small VT100/Linux-console
 * state machine that turns console output (text, control characters and
 * ANSI escape sequences) into screen cells. It owns the cursor, the
 * attributes, the scroll region and a copy of the screen; vga.h only
 * stores cells. Serial output does not pass through here.
 *
 * Supported: CR LF BS TAB; ESC c (reset), ESC 7/8 (save/restore), ESC D/E/M;
 * CSI A B C D E F G H f d (cursor), J K (erase), L M P @ X (insert/delete),
 * m (SGR 0 1 7 22 27 30-37 39 40-47 49 90-97 100-107), r (scroll region),
 * s u (save/restore), ?25 h/l (cursor shown/hidden). The rest is parsed
 * and ignored. OSC strings are swallowed.
 *
 * One instance, guarded by the console lock (console.c): nothing here locks.
 */
#pragma once

#include "lib/types.h"

/* Clear the screen and reset the state (after vga_init). */
void vt_init(void);
/* Interpret n bytes of output, then update the screen and its cursor. */
void vt_write(const char *s, size_t n);
/* A panic is coming: drop any half-parsed sequence and odd colours. */
void vt_panic(void);

/* For tests: the cell at (row, col) and where the cursor is. */
u16 vt_cell_at(int row, int col);
void vt_cursor_at(int *row, int *col);
