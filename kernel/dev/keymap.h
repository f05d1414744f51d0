/*
 * PC keyboard scan code set 1 (what the i8042 hands out with translation
 * on) to the bytes a terminal sends: US layout, shift, caps lock, ctrl,
 * alt as an ESC prefix, num lock for the keypad, and the Linux console's
 * escape sequences for arrows, editing and function keys (TERM=linux).
 *
 * Pure logic: the caller owns the state and feeds it one scan code at a
 * time (kbd.c does, from its interrupt handler).
 */
#pragma once

#include "lib/types.h"

#define KEYMAP_OUT_MAX 8 /* the longest sequence one scan code can produce */

struct keymap_state {
	bool shift_l, shift_r, ctrl_l, ctrl_r, alt_l, alt_r, caps, num;
	bool e0;      /* the previous code was the 0xE0 prefix */
	u8 e1_skip;   /* codes left of a 0xE1 sequence (Pause), dropped */
};

void keymap_init(struct keymap_state *k);
/* One scan code in; the bytes it types go to out (at most KEYMAP_OUT_MAX); returns how many. */
size_t keymap_decode(struct keymap_state *k, u8 code, char *out);
