/*
 * Unit tests for the scan code set 1 decoder (kernel/dev/keymap.c):
 * letters, shift and caps lock, ctrl, alt, arrows and editing keys (E0
 * prefix), the keypad with and without num lock, Pause's E1 sequence,
 * releases typing nothing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "dev/keymap.h"

static struct keymap_state k;
static char typed[4096];
static size_t ntyped;

static void setup(void)
{
	keymap_init(&k);
	ntyped = 0;
	typed[0] = 0;
}

/* Feed scan codes (a 0-terminated list); what they type is appended to typed[]. */
static void codes(const u8 *c)
{
	for (; *c; c++) {
		char out[KEYMAP_OUT_MAX + 1];
		size_t n = keymap_decode(&k, *c, out);
		ck_assert_uint_le(n, KEYMAP_OUT_MAX);
		memcpy(typed + ntyped, out, n);
		ntyped += n;
		typed[ntyped] = 0;
	}
}

#define CODES(...) codes((const u8[]){__VA_ARGS__, 0})
/* Press and release one key. */
#define KEY(c) CODES(c, (c) | 0x80)

START_TEST(test_letters)
{
	KEY(0x23); /* h */
	KEY(0x12); /* e */
	KEY(0x26); /* l */
	KEY(0x18); /* o */
	KEY(0x39); /* space */
	KEY(0x02); /* 1 */
	KEY(0x1c); /* enter */
	ck_assert_str_eq(typed, "helo 1\r");
}
END_TEST

START_TEST(test_shift_caps)
{
	CODES(0x2a);   /* left shift down */
	KEY(0x1e);     /* A */
	KEY(0x02);     /* ! */
	CODES(0xaa);   /* up */
	KEY(0x1e);     /* a */
	KEY(0x3a);     /* caps lock */
	KEY(0x1e);     /* A */
	KEY(0x02);     /* 1: caps lock leaves digits alone */
	CODES(0x36);   /* right shift with caps: lower case */
	KEY(0x1e);
	KEY(0x0c);     /* _ */
	CODES(0xb6);
	KEY(0x3a);
	KEY(0x1e);
	ck_assert_str_eq(typed, "A!aA1a_a");
}
END_TEST

START_TEST(test_ctrl_alt)
{
	CODES(0x1d);   /* ctrl */
	KEY(0x2e);     /* ^C */
	KEY(0x2b);     /* ^\ */
	KEY(0x20);     /* ^D */
	CODES(0x9d);
	CODES(0xe0, 0x1d); /* right ctrl */
	KEY(0x16);     /* ^U */
	CODES(0xe0, 0x9d);
	KEY(0x0e);     /* backspace: DEL */
	CODES(0x38);   /* alt */
	KEY(0x30);     /* ESC b */
	CODES(0xb8);
	ck_assert_uint_eq(ntyped, 7);
	ck_assert_mem_eq(typed, "\x03\x1c\x04\x15\x7f\x1b" "b", 7);
}
END_TEST

START_TEST(test_extended)
{
	CODES(0xe0, 0x48, 0xe0, 0xc8); /* up */
	CODES(0xe0, 0x50, 0xe0, 0xd0); /* down */
	CODES(0xe0, 0x4d, 0xe0, 0xcd); /* right */
	CODES(0xe0, 0x4b, 0xe0, 0xcb); /* left */
	CODES(0xe0, 0x53);             /* delete */
	ck_assert_str_eq(typed, "\033[A\033[B\033[C\033[D\033[3~");
	setup();
	/* Fake shifts around an extended key type nothing; E0 1C is keypad enter. */
	CODES(0xe0, 0x2a, 0xe0, 0x47, 0xe0, 0xc7, 0xe0, 0xaa, 0xe0, 0x1c, 0xe0, 0x35);
	ck_assert_str_eq(typed, "\033[1~\r/");
	setup();
	KEY(0x3b);  /* F1 */
	KEY(0x58);  /* F12 */
	KEY(0x01);  /* Esc */
	ck_assert_str_eq(typed, "\033[[A\033[24~\033");
}
END_TEST

START_TEST(test_keypad_pause)
{
	KEY(0x48);  /* keypad 8 without num lock: up */
	KEY(0x45);  /* num lock */
	KEY(0x48);  /* 8 */
	KEY(0x53);  /* . */
	KEY(0x4e);  /* + */
	ck_assert_str_eq(typed, "\033[A8.+");
	setup();
	/* Pause: E1 1D 45 E1 9D C5 types nothing and leaves no state behind. */
	CODES(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
	KEY(0x1d);
	KEY(0x1e);
	ck_assert_str_eq(typed, "a");
	/* Unknown codes and acknowledgements type nothing. */
	CODES(0xfa, 0x7a, 0x56, 0x46, 0x59, 0x7f);
	ck_assert_str_eq(typed, "a");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keymap");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_letters);
	tcase_add_test(tc, test_shift_caps);
	tcase_add_test(tc, test_ctrl_alt);
	tcase_add_test(tc, test_extended);
	tcase_add_test(tc, test_keypad_pause);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
