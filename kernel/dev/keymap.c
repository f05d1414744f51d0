/*
 * Scan code set 1 to terminal bytes (see keymap.h). Codes and their keys
 * follow the IBM PC/AT keyboard's set 1 (with the i8042's translation
 * from set 2); the sequences sent for special keys are the Linux
 * console's (console_codes(4), the "linux" terminfo entry).
 */
#include "dev/keymap.h"
#include "lib/string.h"

#define BREAK     0x80 /* set in a key's release code */
#define PREFIX_E0 0xe0
#define PREFIX_E1 0xe1
#define E1_LEN    5    /* Pause: E1 1D 45 E1 9D C5, the prefix and five more */

enum {
	SC_ESC = 0x01, SC_BACKSPACE = 0x0e, SC_ENTER = 0x1c, SC_CTRL = 0x1d, SC_LSHIFT = 0x2a,
	SC_RSHIFT = 0x36, SC_KP_STAR = 0x37, SC_ALT = 0x38, SC_CAPS = 0x3a, SC_F1 = 0x3b,
	SC_NUMLOCK = 0x45, SC_KP7 = 0x47, SC_KP_DOT = 0x53, SC_F11 = 0x57, SC_F12 = 0x58,
	/* After 0xE0 */
	SC_E0_KP_ENTER = 0x1c, SC_E0_KP_SLASH = 0x35, SC_E0_HOME = 0x47, SC_E0_UP = 0x48,
	SC_E0_PGUP = 0x49, SC_E0_LEFT = 0x4b, SC_E0_RIGHT = 0x4d, SC_E0_END = 0x4f,
	SC_E0_DOWN = 0x50, SC_E0_PGDN = 0x51, SC_E0_INS = 0x52, SC_E0_DEL = 0x53,
};

/* Codes 0x00-0x39 to characters, without and with shift; 0: not a character key. */
static const char plain[0x3a] = {
	0, 0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f, '\t',
	'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0, 'a', 's',
	'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
	'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3a] = {
	0, 0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f, '\t',
	'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0, 'A', 'S',
	'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
	'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

/* The keypad, 0x47-0x53: with num lock a character, without it an editing key. */
static const char keypad_num[] = "789-456+1230.";
static const char *const keypad_edit[] = {
	"\033[1~", "\033[A", "\033[5~", "-", "\033[D", "\033[G", "\033[C", "+",
	"\033[4~", "\033[B", "\033[6~", "\033[2~", "\033[3~",
};

/* F1-F12 as the Linux console sends them. */
static const char *const fkeys[12] = {
	"\033[[A", "\033[[B", "\033[[C", "\033[[D", "\033[[E", "\033[17~",
	"\033[18~", "\033[19~", "\033[20~", "\033[21~", "\033[23~", "\033[24~",
};

void keymap_init(struct keymap_state *k)
{
	memset(k, 0, sizeof *k);
}

static size_t put_str(char *out, const char *s)
{
	size_t n = strlen(s);
	memcpy(out, s, n);
	return n;
}

/* What ctrl makes of a character: the C0 control it names, or the character itself. */
static char ctrl_of(char c)
{
	if (c >= 'a' && c <= 'z')
		return (char)(c - 'a' + 1);
	if (c >= '@' && c <= '_')
		return (char)(c & 0x1f); /* @ A-Z [ \ ] ^ _ */
	switch (c) {
	case ' ': case '2': return 0;
	case '6': return 0x1e;
	case '-': case '/': return 0x1f;
	case '?': case '8': return 0x7f;
	default: return c;
	}
}

static size_t extended(struct keymap_state *k, u8 key, bool release, char *out)
{
	bool ctrl = k->ctrl_l || k->ctrl_r;
	switch (key) {
	case SC_CTRL: k->ctrl_r = !release; return 0;
	case SC_ALT: k->alt_r = !release; return 0;
	default: break;
	}
	if (release)
		return 0;
	switch (key) {
	case SC_E0_KP_ENTER: out[0] = '\r'; return 1;
	case SC_E0_KP_SLASH: out[0] = ctrl ? 0x1f : '/'; return 1;
	case SC_E0_UP: return put_str(out, "\033[A");
	case SC_E0_DOWN: return put_str(out, "\033[B");
	case SC_E0_RIGHT: return put_str(out, "\033[C");
	case SC_E0_LEFT: return put_str(out, "\033[D");
	case SC_E0_HOME: return put_str(out, "\033[1~");
	case SC_E0_END: return put_str(out, "\033[4~");
	case SC_E0_INS: return put_str(out, "\033[2~");
	case SC_E0_DEL: return put_str(out, "\033[3~");
	case SC_E0_PGUP: return put_str(out, "\033[5~");
	case SC_E0_PGDN: return put_str(out, "\033[6~");
	default: return 0; /* fake shifts (E0 2A, E0 AA), multimedia keys: nothing */
	}
}

size_t keymap_decode(struct keymap_state *k, u8 code, char *out)
{
	if (k->e1_skip) {
		k->e1_skip--;
		return 0;
	}
	if (code == PREFIX_E0) {
		k->e0 = true;
		return 0;
	}
	if (code == PREFIX_E1) {
		k->e1_skip = E1_LEN;
		return 0;
	}
	bool release = code & BREAK;
	u8 key = code & ~BREAK;
	if (k->e0) {
		k->e0 = false;
		return extended(k, key, release, out);
	}
	switch (key) {
	case SC_LSHIFT: k->shift_l = !release; return 0;
	case SC_RSHIFT: k->shift_r = !release; return 0;
	case SC_CTRL: k->ctrl_l = !release; return 0;
	case SC_ALT: k->alt_l = !release; return 0;
	case SC_CAPS: if (!release) k->caps = !k->caps; return 0;
	case SC_NUMLOCK: if (!release) k->num = !k->num; return 0;
	default: break;
	}
	if (release)
		return 0;
	bool shift = k->shift_l || k->shift_r, ctrl = k->ctrl_l || k->ctrl_r;
	bool alt = k->alt_l || k->alt_r;
	if (key >= SC_F1 && key < SC_F1 + 10)
		return put_str(out, fkeys[key - SC_F1]);
	if (key == SC_F11 || key == SC_F12)
		return put_str(out, fkeys[10 + key - SC_F11]);
	if (key >= SC_KP7 && key <= SC_KP_DOT) {
		if (k->num != shift) { /* shift inverts num lock, as on a PC */
			out[0] = keypad_num[key - SC_KP7];
			return 1;
		}
		return put_str(out, keypad_edit[key - SC_KP7]);
	}
	if (key >= sizeof plain || !plain[key])
		return 0; /* scroll lock, the 102nd key and other codes: not typed */
	char c = plain[key];
	bool letter = c >= 'a' && c <= 'z';
	if (letter ? shift != k->caps : shift)
		c = shifted[key];
	if (ctrl)
		c = ctrl_of(c);
	size_t n = 0;
	if (alt)
		out[n++] = 0x1b; /* meta sends escape, as the Linux console does */
	out[n++] = c;
	return n;
}
