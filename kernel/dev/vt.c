/*
 * VGA console terminal emulator (see vt.h). The behaviour follows the
 * VT100 and Linux's console_codes(4) for the sequences it knows.
 *
 * All state is in `vt` and is touched only under the console lock. The
 * screen copy in vt.cells is what the emulator reads back (scrolling,
 * inserting); the frame buffer is only written, row spans marked dirty by
 * the operations and copied out once per vt_write.
 */
#include "dev/vt.h"
#include "dev/vga.h"
#include "lib/string.h"

#define COLS VGA_COLS
#define ROWS VGA_ROWS
#define NPAR 16      /* CSI parameters kept; more are parsed and dropped */
#define PAR_MAX 9999 /* a parameter saturates here (no overflow on long digit runs) */
#define TAB 8

enum state { NORMAL, ESCAPE, CSI, OSC, OSC_ESC, CHARSET };

/* ANSI colour numbers (black red green yellow blue magenta cyan white) to VGA's. */
static const u8 ansi_to_vga[8] = {0, 4, 2, 6, 1, 5, 3, 7};

#define FG_DEFAULT 7
#define BG_DEFAULT 0
#define BRIGHT     8

struct pen {
	u8 fg, bg; /* VGA colours 0-7 (fg may have BRIGHT from 90-97) */
	bool bold, reverse;
};

static struct {
	u16 cells[ROWS][COLS];
	u8 dirty_lo[ROWS], dirty_hi[ROWS]; /* columns [lo, hi) to copy out; lo >= hi: clean */
	int row, col;
	bool wrap_pending; /* at the last column: the next printable wraps first (VT100) */
	struct pen pen;
	u8 attr;           /* pen as a VGA attribute */
	int top, bot;      /* scroll region, inclusive rows */
	bool cursor_on;
	struct {
		int row, col;
		struct pen pen;
	} saved;
	enum state state;
	int par[NPAR];
	int npar;          /* index of the parameter being read */
	bool priv;         /* '?' (or another private marker) after CSI */
} vt;

static void set_attr(void)
{
	u8 fg = vt.pen.fg, bg = vt.pen.bg;
	if (vt.pen.reverse) {
		u8 t = fg & 7;
		fg = (u8)((fg & BRIGHT) | bg);
		bg = t;
	}
	if (vt.pen.bold)
		fg |= BRIGHT;
	vt.attr = (u8)(bg << 4 | fg); /* bg < 8: attribute bit 7 (blink) stays clear */
}

static void dirty(int row, int lo, int hi)
{
	if (vt.dirty_lo[row] >= vt.dirty_hi[row]) {
		vt.dirty_lo[row] = (u8)lo;
		vt.dirty_hi[row] = (u8)hi;
		return;
	}
	if (lo < vt.dirty_lo[row])
		vt.dirty_lo[row] = (u8)lo;
	if (hi > vt.dirty_hi[row])
		vt.dirty_hi[row] = (u8)hi;
}

static u16 blank(void)
{
	/* Erased cells take the current colours, as on the Linux console. */
	return vga_cell(' ', vt.attr);
}

static void fill(int row, int lo, int hi)
{
	u16 b = blank();
	for (int c = lo; c < hi; c++)
		vt.cells[row][c] = b;
	dirty(row, lo, hi);
}

/* Move rows [t+n, b] up to t and blank the n rows at the bottom of [t, b]. */
static void scroll_up(int t, int b, int n)
{
	if (n > b - t + 1)
		n = b - t + 1;
	if (n <= 0)
		return;
	memmove(vt.cells[t], vt.cells[t + n], (size_t)(b - t + 1 - n) * sizeof vt.cells[0]);
	for (int r = b - n + 1; r <= b; r++)
		fill(r, 0, COLS);
	for (int r = t; r <= b; r++)
		dirty(r, 0, COLS);
}

/* Move rows [t, b-n] down by n and blank the n rows at the top of [t, b]. */
static void scroll_down(int t, int b, int n)
{
	if (n > b - t + 1)
		n = b - t + 1;
	if (n <= 0)
		return;
	memmove(vt.cells[t + n], vt.cells[t], (size_t)(b - t + 1 - n) * sizeof vt.cells[0]);
	for (int r = t; r < t + n; r++)
		fill(r, 0, COLS);
	for (int r = t; r <= b; r++)
		dirty(r, 0, COLS);
}

static void goto_rc(int row, int col)
{
	vt.row = row < 0 ? 0 : row >= ROWS ? ROWS - 1 : row;
	vt.col = col < 0 ? 0 : col >= COLS ? COLS - 1 : col;
	vt.wrap_pending = false;
}

/* LF and IND: down a row, scrolling the region at its bottom. */
static void line_feed(void)
{
	vt.wrap_pending = false;
	if (vt.row == vt.bot)
		scroll_up(vt.top, vt.bot, 1);
	else if (vt.row < ROWS - 1)
		vt.row++;
}

/* RI: up a row, scrolling the region down at its top. */
static void reverse_index(void)
{
	vt.wrap_pending = false;
	if (vt.row == vt.top)
		scroll_down(vt.top, vt.bot, 1);
	else if (vt.row > 0)
		vt.row--;
}

static void put(u8 c)
{
	if (vt.wrap_pending) {
		vt.col = 0;
		line_feed();
	}
	vt.cells[vt.row][vt.col] = vga_cell(c, vt.attr);
	dirty(vt.row, vt.col, vt.col + 1);
	if (vt.col == COLS - 1)
		vt.wrap_pending = true;
	else
		vt.col++;
}

static void reset(void)
{
	vt.pen = (struct pen){.fg = FG_DEFAULT, .bg = BG_DEFAULT};
	set_attr();
	vt.top = 0;
	vt.bot = ROWS - 1;
	vt.cursor_on = true;
	vt.state = NORMAL;
	vt.saved.row = vt.saved.col = 0;
	vt.saved.pen = vt.pen;
	for (int r = 0; r < ROWS; r++)
		fill(r, 0, COLS);
	goto_rc(0, 0);
}

static void save_cursor(void)
{
	vt.saved.row = vt.row;
	vt.saved.col = vt.col;
	vt.saved.pen = vt.pen;
}

static void restore_cursor(void)
{
	vt.pen = vt.saved.pen;
	set_attr();
	goto_rc(vt.saved.row, vt.saved.col);
}

/* Parameter i, or def when missing or 0 (CSI counts treat 0 as 1). */
static int par(int i, int def)
{
	return i <= vt.npar && vt.par[i] ? vt.par[i] : def;
}

static void sgr(void)
{
	for (int i = 0; i <= vt.npar; i++) {
		int p = vt.par[i];
		if (p == 0) {
			vt.pen = (struct pen){.fg = FG_DEFAULT, .bg = BG_DEFAULT};
		} else if (p == 1) {
			vt.pen.bold = true;
		} else if (p == 22) {
			vt.pen.bold = false;
		} else if (p == 7) {
			vt.pen.reverse = true;
		} else if (p == 27) {
			vt.pen.reverse = false;
		} else if (p >= 30 && p <= 37) {
			vt.pen.fg = ansi_to_vga[p - 30];
		} else if (p == 39) {
			vt.pen.fg = FG_DEFAULT;
		} else if (p >= 40 && p <= 47) {
			vt.pen.bg = ansi_to_vga[p - 40];
		} else if (p == 49) {
			vt.pen.bg = BG_DEFAULT;
		} else if (p >= 90 && p <= 97) {
			vt.pen.fg = ansi_to_vga[p - 90] | BRIGHT;
		} else if (p >= 100 && p <= 107) {
			vt.pen.bg = ansi_to_vga[p - 100]; /* no bright backgrounds: bit 7 blinks */
		} else if (p == 38 || p == 48) {
			break; /* 256-colour and RGB forms: not shown; skip their arguments */
		}
		/* Others (underline, blink, ...) have no VGA look here: ignored. */
	}
	set_attr();
}

/* CSI J (0: to end, 1: from start, 2 and 3: all) and CSI K (the same within the line). */
static void erase_display(int how)
{
	if (how == 0) {
		fill(vt.row, vt.col, COLS);
		for (int r = vt.row + 1; r < ROWS; r++)
			fill(r, 0, COLS);
	} else if (how == 1) {
		for (int r = 0; r < vt.row; r++)
			fill(r, 0, COLS);
		fill(vt.row, 0, vt.col + 1);
	} else if (how == 2 || how == 3) {
		for (int r = 0; r < ROWS; r++)
			fill(r, 0, COLS);
	}
}

static void erase_line(int how)
{
	if (how == 0)
		fill(vt.row, vt.col, COLS);
	else if (how == 1)
		fill(vt.row, 0, vt.col + 1);
	else if (how == 2)
		fill(vt.row, 0, COLS);
}

/* CSI P (delete n characters, the rest of the line moves left) and CSI @ (insert blanks). */
static void delete_chars(int n)
{
	u16 *line = vt.cells[vt.row];
	if (n > COLS - vt.col)
		n = COLS - vt.col;
	memmove(line + vt.col, line + vt.col + n, (size_t)(COLS - vt.col - n) * sizeof *line);
	fill(vt.row, COLS - n, COLS);
	dirty(vt.row, vt.col, COLS);
}

static void insert_chars(int n)
{
	u16 *line = vt.cells[vt.row];
	if (n > COLS - vt.col)
		n = COLS - vt.col;
	memmove(line + vt.col + n, line + vt.col, (size_t)(COLS - vt.col - n) * sizeof *line);
	fill(vt.row, vt.col, vt.col + n);
	dirty(vt.row, vt.col, COLS);
}

static void csi_dispatch(u8 final)
{
	int n = par(0, 1);
	if (vt.priv) {
		/* DEC private modes: only the cursor's visibility (?25) shows on VGA. */
		if (final == 'h' || final == 'l')
			for (int i = 0; i <= vt.npar; i++)
				if (vt.par[i] == 25)
					vt.cursor_on = final == 'h';
		return;
	}
	switch (final) {
	case 'A': goto_rc(vt.row - n, vt.col); break;
	case 'B': case 'e': goto_rc(vt.row + n, vt.col); break;
	case 'C': case 'a': goto_rc(vt.row, vt.col + n); break;
	case 'D': goto_rc(vt.row, vt.col - n); break;
	case 'E': goto_rc(vt.row + n, 0); break;
	case 'F': goto_rc(vt.row - n, 0); break;
	case 'G': case '`': goto_rc(vt.row, n - 1); break;
	case 'd': goto_rc(n - 1, vt.col); break;
	case 'H': case 'f': goto_rc(par(0, 1) - 1, par(1, 1) - 1); break;
	case 'J': erase_display(vt.par[0]); vt.wrap_pending = false; break;
	case 'K': erase_line(vt.par[0]); vt.wrap_pending = false; break;
	case 'L':
		if (vt.row >= vt.top && vt.row <= vt.bot)
			scroll_down(vt.row, vt.bot, n);
		vt.wrap_pending = false;
		break;
	case 'M':
		if (vt.row >= vt.top && vt.row <= vt.bot)
			scroll_up(vt.row, vt.bot, n);
		vt.wrap_pending = false;
		break;
	case 'P': delete_chars(n); vt.wrap_pending = false; break;
	case '@': insert_chars(n); vt.wrap_pending = false; break;
	case 'X':
		fill(vt.row, vt.col, vt.col + n > COLS ? COLS : vt.col + n);
		vt.wrap_pending = false;
		break;
	case 'm': sgr(); break;
	case 'r': {
		int t = par(0, 1) - 1, b = par(1, ROWS) - 1;
		if (b >= ROWS)
			b = ROWS - 1;
		if (t < b) {
			vt.top = t;
			vt.bot = b;
			goto_rc(0, 0);
		}
		break;
	}
	case 's': save_cursor(); break;
	case 'u': restore_cursor(); break;
	default:
		/*
		 * Unknown or not shown (n: status reports, which would need an
		 * answer on the input side and the serial terminal answers
		 * those already; h/l: ANSI modes): ignored.
		 */
		break;
	}
}

/* C0 controls act the same inside and outside escape sequences (VT100). */
static bool control(u8 c)
{
	switch (c) {
	case '\n': case '\v': case '\f':
		/* The console writes "\n" as a new line (OPOST|ONLCR): CR LF. */
		vt.col = 0;
		line_feed();
		return true;
	case '\r':
		goto_rc(vt.row, 0);
		return true;
	case '\b':
		goto_rc(vt.row, vt.col - 1); /* also cancels a pending wrap, as Linux does */
		return true;
	case '\t': {
		int c2 = (vt.col / TAB + 1) * TAB;
		goto_rc(vt.row, c2 >= COLS ? COLS - 1 : c2);
		return true;
	}
	case 0x18: case 0x1a: /* CAN, SUB: abandon a sequence */
		vt.state = NORMAL;
		return true;
	case 0x1b:
		vt.state = ESCAPE;
		return true;
	default:
		return c < 0x20; /* BEL and the rest: nothing to show */
	}
}

static void escape(u8 c)
{
	vt.state = NORMAL;
	switch (c) {
	case '[':
		vt.state = CSI;
		memset(vt.par, 0, sizeof vt.par);
		vt.npar = 0;
		vt.priv = false;
		break;
	case ']': vt.state = OSC; break;
	case '(': case ')': case '*': case '+': vt.state = CHARSET; break;
	case 'c': reset(); break;
	case '7': save_cursor(); break;
	case '8': restore_cursor(); break;
	case 'D': line_feed(); break;
	case 'E': vt.col = 0; line_feed(); break;
	case 'M': reverse_index(); break;
	default: break; /* unknown: dropped */
	}
}

static void csi(u8 c)
{
	if (c >= '0' && c <= '9') {
		int *p = &vt.par[vt.npar];
		*p = *p * 10 + (c - '0');
		if (*p > PAR_MAX)
			*p = PAR_MAX;
	} else if (c == ';' || c == ':') {
		if (vt.npar < NPAR - 1)
			vt.npar++;
	} else if (c >= '<' && c <= '?') {
		vt.priv = true;
	} else if (c >= 0x40 && c <= 0x7e) {
		vt.state = NORMAL;
		csi_dispatch(c);
	}
	/* Intermediates (0x20-0x2f) and anything else: skipped. */
}

static void feed(u8 c)
{
	switch (vt.state) {
	case OSC:
		/* An operating-system command (window title...): ends with BEL or ESC \. */
		if (c == 0x07)
			vt.state = NORMAL;
		else if (c == 0x1b)
			vt.state = OSC_ESC;
		return;
	case OSC_ESC:
		vt.state = c == '\\' ? NORMAL : OSC;
		return;
	case CHARSET:
		vt.state = NORMAL; /* the character set named: only one here */
		return;
	default:
		break;
	}
	if (c < 0x20 && control(c))
		return;
	switch (vt.state) {
	case ESCAPE:
		escape(c);
		break;
	case CSI:
		csi(c);
		break;
	default:
		if (c != 0x7f)
			put(c);
		break;
	}
}

static void flush(void)
{
	for (int r = 0; r < ROWS; r++) {
		int lo = vt.dirty_lo[r], hi = vt.dirty_hi[r];
		if (lo < hi)
			vga_write_cells(r, lo, &vt.cells[r][lo], hi - lo);
		vt.dirty_lo[r] = vt.dirty_hi[r] = 0;
	}
	vga_cursor(vt.row, vt.col, vt.cursor_on);
}

void vt_init(void)
{
	reset();
	flush();
}

void vt_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed((u8)s[i]);
	flush();
}

void vt_panic(void)
{
	vt.state = NORMAL;
	vt.pen = (struct pen){.fg = FG_DEFAULT, .bg = BG_DEFAULT};
	set_attr();
	vt.top = 0;
	vt.bot = ROWS - 1;
	vt.cursor_on = true;
}

u16 vt_cell_at(int row, int col)
{
	return vt.cells[row][col];
}

void vt_cursor_at(int *row, int *col)
{
	*row = vt.row;
	*col = vt.col;
}
