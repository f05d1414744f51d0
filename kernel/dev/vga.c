/*
 * VGA text-mode screen. The console lock serialises callers; this file
 * keeps only the cursor. The hardware cursor is moved through the CRTC.
 */
#include "dev/vga.h"
#include "arch/x86_64/io.h"
#include "mm/layout.h"
#include "lib/string.h"

#define VGA_PHYS 0xb8000
#define COLS     80
#define ROWS     25
#define ATTR     0x07 /* light grey on black */
#define CRTC_INDEX 0x3d4
#define CRTC_DATA  0x3d5

static volatile u16 *screen;
static int row, col;

void vga_init(void)
{
	screen = (volatile u16 *)phys_to_virt(VGA_PHYS);
	for (int i = 0; i < COLS * ROWS; i++)
		screen[i] = ATTR << 8 | ' ';
	row = col = 0;
}

static void move_cursor(void)
{
	u16 pos = (u16)(row * COLS + col);
	outb(CRTC_INDEX, 0x0f);
	outb(CRTC_DATA, pos & 0xff);
	outb(CRTC_INDEX, 0x0e);
	outb(CRTC_DATA, pos >> 8);
}

void vga_putc(char c)
{
	if (!screen)
		return;
	switch (c) {
	case '\n':
		col = 0;
		row++;
		break;
	case '\r':
		col = 0;
		break;
	case '\b':
		if (col)
			col--;
		break;
	case '\t':
		col = (col + 8) & ~7;
		break;
	default:
		screen[row * COLS + col] = ATTR << 8 | (u8)c;
		col++;
	}
	if (col >= COLS) {
		col = 0;
		row++;
	}
	if (row >= ROWS) {
		for (int i = 0; i < COLS * (ROWS - 1); i++)
			screen[i] = screen[i + COLS];
		for (int i = 0; i < COLS; i++)
			screen[(ROWS - 1) * COLS + i] = ATTR << 8 | ' ';
		row = ROWS - 1;
	}
	move_cursor();
}
