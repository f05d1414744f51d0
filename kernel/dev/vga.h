/*
 * VGA text-mode screen (80x25 cells at physical 0xb8000): the frame buffer
 * and the hardware cursor, nothing more. What goes where is decided by the
 * terminal emulator (vt.h); callers serialise (the console lock).
 */
#pragma once

#include "lib/types.h"

#define VGA_COLS 80
#define VGA_ROWS 25

/* A cell: character in the low byte, attribute (bg << 4 | fg) in the high byte. */
static inline u16 vga_cell(u8 ch, u8 attr)
{
	return (u16)(attr << 8 | ch);
}

void vga_init(void);
/* Copy n cells to the screen at (row, col); must stay within the row. */
void vga_write_cells(int row, int col, const u16 *cells, int n);
/* Put the hardware cursor at (row, col), or hide it. */
void vga_cursor(int row, int col, bool visible);
