/*
 * Unit tests for the tty line discipline (kernel/dev/ldisc.c): canonical
 * lines with editing and echo, ^D as end of file, one line per read, raw
 * mode, VMIN 0, switching modes, signal characters.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "dev/ldisc.h"

static struct ldisc l;
static char echoed[8192];
static size_t nechoed;
static int last_sig;

static void echo(void *ctx, const char *s, size_t n)
{
	memcpy(echoed + nechoed, s, n);
	nechoed += n;
	echoed[nechoed] = 0;
}

static void sig(void *ctx, int s)
{
	last_sig = s;
}

static void setup(void)
{
	ldisc_init(&l, echo, sig, NULL);
	nechoed = 0;
	echoed[0] = 0;
	last_sig = 0;
}

static bool type(const char *s)
{
	bool ready = false;
	for (; *s; s++)
		ready |= ldisc_input(&l, (u8)*s);
	return ready;
}

/* One read of up to max bytes, as a string; *done as ldisc_read says. */
static const char *rd(size_t max, bool *done)
{
	static char buf[8192];
	bool d;
	size_t n = ldisc_read(&l, (u8 *)buf, max, &d);
	buf[n] = 0;
	if (done)
		*done = d;
	return buf;
}

START_TEST(test_canonical_line)
{
	ck_assert(!type("hel"));
	ck_assert(!ldisc_readable(&l));
	ck_assert(type("lo\r")); /* CR is read as NL (ICRNL) */
	ck_assert(ldisc_readable(&l));
	ck_assert_str_eq(echoed, "hello\n");
	ck_assert_uint_eq(ldisc_available(&l), 6);
	bool done;
	ck_assert_str_eq(rd(100, &done), "hello\n");
	ck_assert(done);
	ck_assert(!ldisc_readable(&l));
}
END_TEST

START_TEST(test_one_line_per_read)
{
	type("one\ntwo\n");
	bool done;
	ck_assert_str_eq(rd(2, &done), "on");
	ck_assert(!done);
	ck_assert_str_eq(rd(100, &done), "e\n");
	ck_assert(done);
	ck_assert_str_eq(rd(100, &done), "two\n");
	ck_assert(!ldisc_readable(&l));
}
END_TEST

START_TEST(test_editing)
{
	type("abc\x7f\x7f" "d\b" "e\n");
	ck_assert_str_eq(rd(100, NULL), "ae\n");
	ck_assert_str_eq(echoed, "abc\b \b\b \bd\b \be\n");
	nechoed = 0;
	type("junk\x15" "ok\n"); /* ^U kills the line */
	ck_assert_str_eq(rd(100, NULL), "ok\n");
	type("cp  from to \x17\x17" "x\n"); /* ^W erases words */
	ck_assert_str_eq(rd(100, NULL), "cp  x\n");
	type("\x7f\x7f\x7fz\n"); /* erasing an empty line does nothing */
	ck_assert_str_eq(rd(100, NULL), "z\n");
	type("a\x16\x15" "b\n"); /* ^V makes the next byte literal */
	ck_assert_str_eq(rd(100, NULL), "a\x15" "b\n");
}
END_TEST

START_TEST(test_control_echo)
{
	type("\x01\x7f\n");
	ck_assert_str_eq(echoed, "^A\b \b\b \b\n");
	struct termios_k t = l.t;
	t.c_lflag &= ~ECHO;
	ldisc_set_termios(&l, &t);
	nechoed = 0;
	echoed[0] = 0;
	type("secret\n");
	ck_assert_str_eq(echoed, "");
	ck_assert_str_eq(rd(100, NULL), "\n");
	ck_assert_str_eq(rd(100, NULL), "secret\n");
}
END_TEST

START_TEST(test_eof)
{
	bool done;
	ck_assert(type("\x04"));
	ck_assert(ldisc_readable(&l));
	ck_assert_str_eq(rd(100, &done), "");
	ck_assert(done);
	ck_assert(!ldisc_readable(&l));
	/* ^D after text pushes the text without a newline; the next ^D is EOF. */
	type("part\x04\x04");
	ck_assert_str_eq(rd(100, &done), "part");
	ck_assert(done);
	ck_assert(ldisc_readable(&l));
	ck_assert_str_eq(rd(100, &done), "");
	ck_assert(done);
}
END_TEST

START_TEST(test_raw_mode)
{
	type("half");
	struct termios_k t = l.t;
	t.c_lflag &= ~(ICANON | ECHO);
	ldisc_set_termios(&l, &t);
	ck_assert(ldisc_readable(&l)); /* the half line became bytes */
	ck_assert(type("\x7fx"));      /* no editing in raw mode */
	bool done;
	ck_assert_str_eq(rd(3, &done), "hal");
	ck_assert(!done);
	ck_assert_str_eq(rd(100, &done), "f\x7fx");
	ck_assert(done);
	ck_assert(!ldisc_readable(&l));
	t.c_cc[VMIN] = 0;
	ldisc_set_termios(&l, &t);
	ck_assert(ldisc_readable(&l)); /* VMIN 0: a read returns at once */
	ck_assert_str_eq(rd(10, &done), "");
	/* Back to canonical: waiting bytes come out as one line. */
	type("abc");
	t.c_lflag |= ICANON;
	ldisc_set_termios(&l, &t);
	ck_assert(ldisc_readable(&l));
	ck_assert_str_eq(rd(100, &done), "abc");
}
END_TEST

START_TEST(test_signals)
{
	type("typed");
	ck_assert(!type("\x03"));
	ck_assert_int_eq(last_sig, LDISC_SIGINT);
	ck_assert_str_eq(echoed, "typed^C\n");
	type("x\n");
	ck_assert_str_eq(rd(100, NULL), "x\n"); /* the typed text was flushed */
	type("\x1c");
	ck_assert_int_eq(last_sig, LDISC_SIGQUIT);
	struct termios_k t = l.t;
	t.c_lflag &= ~ISIG;
	ldisc_set_termios(&l, &t);
	last_sig = 0;
	type("\x03\n");
	ck_assert_int_eq(last_sig, 0);
	ck_assert_str_eq(rd(100, NULL), "\x03\n");
}
END_TEST

START_TEST(test_limits)
{
	/* A line longer than 4095 characters keeps 4095 and its newline. */
	char *s = malloc(5000);
	memset(s, 'a', 4999);
	s[4999] = 0;
	ck_assert(!type(s));
	ck_assert(type("\n"));
	bool done;
	const char *got = rd(8000, &done);
	ck_assert_uint_eq(strlen(got), 4096);
	ck_assert_int_eq(got[4095], '\n');
	/* More complete lines than records: later ones are dropped, not corrupted. */
	for (int i = 0; i < LDISC_RECS + 5; i++)
		type("l\n");
	int lines = 0;
	while (ldisc_readable(&l)) {
		ck_assert_str_eq(rd(100, NULL), "l\n");
		lines++;
	}
	ck_assert_int_eq(lines, LDISC_RECS);
	/* Raw input stops at the buffer size. */
	struct termios_k t = l.t;
	t.c_lflag &= ~(ICANON | ECHO);
	ldisc_set_termios(&l, &t);
	type(s);
	ck_assert_uint_eq(ldisc_available(&l), LDISC_BUF);
	ldisc_flush_input(&l);
	ck_assert_uint_eq(ldisc_available(&l), 0);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ldisc");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_canonical_line);
	tcase_add_test(tc, test_one_line_per_read);
	tcase_add_test(tc, test_editing);
	tcase_add_test(tc, test_control_echo);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_raw_mode);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
