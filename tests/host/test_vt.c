/*
 * Unit tests for the VGA console's terminal emulator (kernel/dev/vt.c):
 * text, wrapping and scrolling, cursor movement, erasing, colours,
 * save/restore, reset, insert/delete, scroll regions and junk input. The
 * frame buffer is faked here; after every write it must match the
 * emulator's own copy of the screen.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dev/vga.h"
#include "dev/vt.h"

static u16 screen[VGA_ROWS][VGA_COLS];
static int cur_row, cur_col;
static bool cur_visible;

void vga_write_cells(int row, int col, const u16 *cells, int n)
{
	ck_assert(row >= 0 && row < VGA_ROWS && col >= 0 && n >= 0 && col + n <= VGA_COLS);
	memcpy(&screen[row][col], cells, (size_t)n * sizeof *cells);
}

void vga_cursor(int row, int col, bool visible)
{
	cur_row = row;
	cur_col = col;
	cur_visible = visible;
}

static void out(const char *s)
{
	vt_write(s, strlen(s));
	for (int r = 0; r < VGA_ROWS; r++)
		for (int c = 0; c < VGA_COLS; c++)
			ck_assert_uint_eq(screen[r][c], vt_cell_at(r, c));
	int r, c;
	vt_cursor_at(&r, &c);
	ck_assert_int_eq(cur_row, r);
	ck_assert_int_eq(cur_col, c);
}

static char ch(int row, int col)
{
	return (char)(screen[row][col] & 0xff);
}

static u8 attr(int row, int col)
{
	return (u8)(screen[row][col] >> 8);
}

/* The text of a row without trailing blanks. */
static const char *line(int row)
{
	static char buf[VGA_COLS + 1];
	int n = 0;
	for (int c = 0; c < VGA_COLS; c++)
		buf[c] = ch(row, c);
	for (n = VGA_COLS; n > 0 && buf[n - 1] == ' '; n--)
		;
	buf[n] = 0;
	return buf;
}

static void cursor_is(int row, int col)
{
	ck_assert_int_eq(cur_row, row);
	ck_assert_int_eq(cur_col, col);
}

static void setup(void)
{
	memset(screen, 0, sizeof screen);
	vt_init();
	out("\033c");
}

START_TEST(test_text)
{
	cursor_is(0, 0);
	ck_assert(cur_visible);
	out("hello\nworld\r!");
	ck_assert_str_eq(line(0), "hello");
	ck_assert_str_eq(line(1), "!orld");
	cursor_is(1, 1);
	ck_assert_uint_eq(attr(0, 0), 0x07);
	out("\tx\b\by");
	ck_assert_str_eq(line(1), "!orld  yx");
	/* A tab stops at the last column. */
	out("\r\t\t\t\t\t\t\t\t\t\t\tz");
	ck_assert_int_eq(ch(1, 79), 'z');
}
END_TEST

START_TEST(test_wrap_and_scroll)
{
	char buf[81];
	memset(buf, 'a', 80);
	buf[80] = 0;
	out(buf);
	/* The 80th character leaves the cursor on the last column, wrap pending. */
	cursor_is(0, 79);
	out("b");
	ck_assert_int_eq(ch(1, 0), 'b');
	cursor_is(1, 1);
	/* A newline right after a full line makes one new line, not two. */
	out("\r");
	out(buf);
	out("\nc");
	ck_assert_str_eq(line(2), "c");
	for (int i = 0; i < 30; i++) {
		char l[32];
		snprintf(l, sizeof l, "\nline %d", i);
		out(l);
	}
	ck_assert_str_eq(line(24), "line 29");
	ck_assert_str_eq(line(0), "line 5");
	cursor_is(24, 7);
}
END_TEST

START_TEST(test_cursor_moves)
{
	out("\033[5;10H");
	cursor_is(4, 9);
	out("\033[2A");
	cursor_is(2, 9);
	out("\033[B");
	cursor_is(3, 9);
	out("\033[3C");
	cursor_is(3, 12);
	out("\033[20D");
	cursor_is(3, 0);
	out("\033[99;99f");
	cursor_is(24, 79);
	out("\033[H");
	cursor_is(0, 0);
	out("\033[7G\033[3d");
	cursor_is(2, 6);
	out("\033[2E");
	cursor_is(4, 0);
	out("\033[F");
	cursor_is(3, 0);
	out("\033[;5H");
	cursor_is(0, 4);
	out("\033[0;0H");
	cursor_is(0, 0);
}
END_TEST

START_TEST(test_erase)
{
	for (int r = 0; r < 3; r++)
		out("0123456789\n");
	out("\033[2;5H\033[K");
	ck_assert_str_eq(line(1), "0123");
	out("\033[1;3H\033[1K");
	ck_assert_str_eq(line(0), "   3456789");
	out("\033[3;1H\033[2K");
	ck_assert_str_eq(line(2), "");
	out("\033[1;5H\033[J");
	ck_assert_str_eq(line(0), "   3");
	ck_assert_str_eq(line(1), "");
	/* What busybox clear sends. */
	out("abc\033[H\033[J");
	ck_assert_str_eq(line(0), "");
	cursor_is(0, 0);
	out("x\033[2J");
	ck_assert_str_eq(line(0), "");
	cursor_is(0, 1);
	out("\033[1;1Habcdef\033[1;2H\033[2X");
	ck_assert_str_eq(line(0), "a  def");
}
END_TEST

START_TEST(test_colours)
{
	out("\033[31;44ma");
	ck_assert_uint_eq(attr(0, 0), 0x14); /* red (VGA 4) on blue (VGA 1) */
	out("\033[1mb");
	ck_assert_uint_eq(attr(0, 1), 0x1c);
	out("\033[0mc");
	ck_assert_uint_eq(attr(0, 2), 0x07);
	out("\033[7md");
	ck_assert_uint_eq(attr(0, 3), 0x70);
	out("\033[27;32me\033[me");
	ck_assert_uint_eq(attr(0, 4), 0x02);
	ck_assert_uint_eq(attr(0, 5), 0x07);
	out("\033[33;46;1;7mf");
	ck_assert_uint_eq(attr(0, 6), 0x6b); /* reversed: cyan fg bright, yellow/brown bg */
	out("\033[39;49;22;27mg\033[93mh\033[38;5;100mi");
	ck_assert_uint_eq(attr(0, 7), 0x07);
	ck_assert_uint_eq(attr(0, 8), 0x0e);
	/* Erasing uses the current colours. */
	out("\033[0;41m\033[2K");
	ck_assert_uint_eq(attr(0, 0), 0x47);
}
END_TEST

START_TEST(test_save_restore_reset)
{
	out("\033[3;4H\033[32m\0337\033[10;10H\033[0m\0338x");
	ck_assert_int_eq(ch(2, 3), 'x');
	ck_assert_uint_eq(attr(2, 3), 0x02);
	out("\033[5;5H\033[s\033[H\033[uy");
	ck_assert_int_eq(ch(4, 4), 'y');
	out("\033[?25l");
	ck_assert(!cur_visible);
	out("\033[?25h");
	ck_assert(cur_visible);
	out("\033[?25l\033[31m\033c");
	ck_assert(cur_visible);
	cursor_is(0, 0);
	ck_assert_str_eq(line(2), "");
	out("z");
	ck_assert_uint_eq(attr(0, 0), 0x07);
}
END_TEST

START_TEST(test_insert_delete)
{
	for (int r = 0; r < 5; r++) {
		char l[32];
		snprintf(l, sizeof l, "r%d\n", r);
		out(l);
	}
	out("\033[2;1H\033[L");
	ck_assert_str_eq(line(1), "");
	ck_assert_str_eq(line(2), "r1");
	out("\033[2M");
	ck_assert_str_eq(line(1), "r2");
	out("\033[1;1Habcdef\033[1;2H\033[2P");
	ck_assert_str_eq(line(0), "adef");
	out("\033[3@");
	ck_assert_str_eq(line(0), "a   def");
	/* Reverse index at the top scrolls down. */
	out("\033[H\033M");
	ck_assert_str_eq(line(0), "");
	ck_assert_str_eq(line(1), "a   def");
	out("\033D\033D");
	cursor_is(2, 0);
	out("\033[5C\033E");
	cursor_is(3, 0);
}
END_TEST

START_TEST(test_scroll_region)
{
	for (int r = 0; r < 25; r++) {
		char l[32];
		snprintf(l, sizeof l, "%s%d", r ? "\n" : "", r);
		out(l);
	}
	out("\033[2;4r");
	cursor_is(0, 0);
	out("\033[4;1H\nnew");
	ck_assert_str_eq(line(0), "0");
	ck_assert_str_eq(line(1), "2");
	ck_assert_str_eq(line(3), "new");
	ck_assert_str_eq(line(4), "4");
	out("\033[r\033[25;1H\n");
	ck_assert_str_eq(line(0), "2");
}
END_TEST

START_TEST(test_junk)
{
	/* Long numbers, too many parameters, unknown finals, OSC titles, CAN. */
	out("\033[99999999999999999999A");
	cursor_is(0, 0);
	out("\033[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20m");
	out("\033]0;title\007a\033]2;t\033\\b\033[12q\033(Bc\033[1\030d\033Ze");
	ck_assert_str_eq(line(0), "abcde");
	srand(1);
	char buf[512];
	for (int i = 0; i < 200; i++) {
		for (size_t j = 0; j < sizeof buf - 1; j++) {
			int r = rand() % 8;
			buf[j] = (char)(r == 0 ? 0x1b : r == 1 ? '[' : r == 2 ? ';' : 1 + rand() % 255);
		}
		buf[sizeof buf - 1] = 0;
		out(buf);
	}
	int r, c;
	vt_cursor_at(&r, &c);
	ck_assert(r >= 0 && r < VGA_ROWS && c >= 0 && c < VGA_COLS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vt");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_wrap_and_scroll);
	tcase_add_test(tc, test_cursor_moves);
	tcase_add_test(tc, test_erase);
	tcase_add_test(tc, test_colours);
	tcase_add_test(tc, test_save_restore_reset);
	tcase_add_test(tc, test_insert_delete);
	tcase_add_test(tc, test_scroll_region);
	tcase_add_test(tc, test_junk);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
