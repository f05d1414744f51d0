/*
 * The tty line discipline: termios input processing between a terminal's
 * received bytes and its readers. Canonical mode (ICANON) collects a line
 * with editing (erase, kill, word erase, reprint, literal next) and hands
 * readers one line, or what ^D pushed, per read; raw mode hands out bytes
 * as they come. ECHO sends what is typed back through a callback.
 *
 * Pure logic with one owner: the tty that embeds it guards it with its
 * lock (see dev/tty.c); nothing here locks, sleeps or touches hardware.
 */
#pragma once

#include "lib/types.h"

/* The kernel's struct termios (TCGETS/TCSETS), 36 bytes (asm-generic/termbits.h). */
#define NCCS 19
struct termios_k {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[NCCS];
};
_Static_assert(sizeof(struct termios_k) == 36, "struct termios is 36 bytes");

/* c_cc indices */
enum { VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7,
       VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13,
       VWERASE = 14, VLNEXT = 15, VEOL2 = 16 };

/* c_iflag */
#define ISTRIP 0x0020
#define INLCR  0x0040
#define IGNCR  0x0080
#define ICRNL  0x0100
#define IXON   0x0400
#define IUTF8  0x4000
/* c_oflag */
#define OPOST 0x01
#define ONLCR 0x04
/* c_cflag */
#define B38400 0x000f
#define CS8    0x0030
#define CREAD  0x0080
#define HUPCL  0x0400
/* c_lflag */
#define ISIG    0x00001
#define ICANON  0x00002
#define ECHO    0x00008
#define ECHOE   0x00010
#define ECHOK   0x00020
#define ECHONL  0x00040
#define NOFLSH  0x00080
#define ECHOCTL 0x00200
#define ECHOKE  0x00800
#define IEXTEN  0x08000

#define LDISC_BUF  4096 /* bytes waiting for readers */
#define LDISC_LINE 4096 /* a canonical line: 4095 characters and its newline */
#define LDISC_RECS 64   /* complete lines waiting for readers */

enum { LDISC_SIGINT = 2, LDISC_SIGQUIT = 3, LDISC_SIGTSTP = 20 };

struct ldisc {
	struct termios_k t;
	u8 edit[LDISC_LINE];  /* the line being typed (canonical mode) */
	u32 edit_len;
	u8 ring[LDISC_BUF];   /* bytes readers may take, oldest at head */
	u32 head, count;
	u16 rec[LDISC_RECS];  /* canonical: lengths of the complete lines at the ring's front */
	u32 rec_head, nrec;
	bool lnext;           /* the previous byte was VLNEXT: take this one literally */
	void (*echo)(void *ctx, const char *s, size_t n);
	/* ISIG: a signal character arrived (LDISC_SIG*); the input was already flushed. */
	void (*signal)(void *ctx, int sig);
	void *ctx;
};

/* Linux's defaults (tty_std_termios): canonical, echo, CR read as NL. */
void ldisc_init(struct ldisc *l, void (*echo)(void *, const char *, size_t),
		void (*signal)(void *, int), void *ctx);
/* One received byte; true when readers may now proceed (a line ended, raw bytes came). */
bool ldisc_input(struct ldisc *l, u8 c);
/* Would a read return now (data, an end of file, or raw mode with VMIN 0)? */
bool ldisc_readable(const struct ldisc *l);
/*
 * Take up to max bytes for a reader. Canonical: from the first line only;
 * *done says the line is used up (a 0 return with *done is end of file).
 * Raw: what is there; *done when nothing is left.
 */
size_t ldisc_read(struct ldisc *l, u8 *dst, size_t max, bool *done);
/*
 * Bytes the discipline can still take without losing any: raw mode's free
 * ring space. Canonical input is edited before it is stored, so there it is
 * unbounded (a line that no longer fits is dropped, as on a real line).
 */
u32 ldisc_room(const struct ldisc *l);
/* Bytes a read could return (FIONREAD). */
u32 ldisc_available(const struct ldisc *l);
void ldisc_set_termios(struct ldisc *l, const struct termios_k *t);
void ldisc_flush_input(struct ldisc *l);
