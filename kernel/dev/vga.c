/*
 * VGA text-mode screen (see vga.h). The console lock serialises callers;
 * this file keeps only the frame buffer's address. The hardware cursor is
 * moved through the CRT controller (IBM VGA technical reference, CRTC
 * registers 0x0a, 0x0e, 0x0f).
 */
#include "dev/vga.h"
#include "arch/x86_64/io.h"
#include "mm/layout.h"

#define VGA_PHYS   0xb8000
#define CRTC_INDEX 0x3d4
#define CRTC_DATA  0x3d5
#define CRTC_CURSOR_START 0x0a /* bit 5 disables the cursor */
#define CRTC_CURSOR_HI    0x0e
#define CRTC_CURSOR_LO    0x0f
#define CURSOR_OFF        0x20

static volatile u16 *screen;
static bool cursor_hidden;

void vga_init(void)
{
	screen = (volatile u16 *)phys_to_virt(VGA_PHYS);
	for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
		screen[i] = vga_cell(' ', 0x07);
}

void vga_write_cells(int row, int col, const u16 *cells, int n)
{
	if (!screen || row < 0 || row >= VGA_ROWS || col < 0 || n < 0 || col + n > VGA_COLS)
		return;
	volatile u16 *p = screen + row * VGA_COLS + col;
	for (int i = 0; i < n; i++)
		p[i] = cells[i];
}

static void crtc(u8 reg, u8 val)
{
	outb(CRTC_INDEX, reg);
	outb(CRTC_DATA, val);
}

void vga_cursor(int row, int col, bool visible)
{
	if (!screen)
		return;
	if (visible != !cursor_hidden) {
		/* Keep the scan-line start the BIOS set; only flip the disable bit. */
		outb(CRTC_INDEX, CRTC_CURSOR_START);
		u8 start = inb(CRTC_DATA);
		crtc(CRTC_CURSOR_START, visible ? start & ~CURSOR_OFF : start | CURSOR_OFF);
		cursor_hidden = !visible;
	}
	u16 pos = (u16)(row * VGA_COLS + col);
	crtc(CRTC_CURSOR_LO, pos & 0xff);
	crtc(CRTC_CURSOR_HI, pos >> 8);
}
