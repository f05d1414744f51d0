/* The tty line discipline (see ldisc.h); behaviour follows termios(3). */
#include "dev/ldisc.h"
#include "lib/string.h"

#define CTRL(c) ((c) & 0x1f)
#define DEL     0x7f

void ldisc_init(struct ldisc *l, void (*echo)(void *, const char *, size_t),
		void (*signal)(void *, int), void *ctx)
{
	memset(l, 0, sizeof *l);
	l->t.c_iflag = ICRNL | IXON;
	l->t.c_oflag = OPOST | ONLCR;
	l->t.c_cflag = B38400 | CS8 | CREAD | HUPCL;
	l->t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	static const u8 cc[NCCS] = {
		[VINTR] = CTRL('C'), [VQUIT] = CTRL('\\'), [VERASE] = DEL, [VKILL] = CTRL('U'),
		[VEOF] = CTRL('D'), [VTIME] = 0, [VMIN] = 1, [VSTART] = CTRL('Q'),
		[VSTOP] = CTRL('S'), [VSUSP] = CTRL('Z'), [VREPRINT] = CTRL('R'),
		[VDISCARD] = CTRL('O'), [VWERASE] = CTRL('W'), [VLNEXT] = CTRL('V'),
	};
	memcpy(l->t.c_cc, cc, NCCS);
	l->echo = echo;
	l->signal = signal;
	l->ctx = ctx;
}

static inline bool canon(const struct ldisc *l)
{
	return l->t.c_lflag & ICANON;
}

static void echo_str(struct ldisc *l, const char *s, size_t n)
{
	if (l->echo)
		l->echo(l->ctx, s, n);
}

static bool is_ctl(u8 c)
{
	return c < 0x20 || c == DEL;
}

/* Columns the echo of c took: control characters show as ^X with ECHOCTL. */
static int echo_width(const struct ldisc *l, u8 c)
{
	return is_ctl(c) && c != '\t' && c != '\n' && (l->t.c_lflag & ECHOCTL) ? 2 : 1;
}

static void echo_char(struct ldisc *l, u8 c)
{
	if (echo_width(l, c) == 2) {
		char s[2] = {'^', (char)(c ^ 0x40)};
		echo_str(l, s, 2);
	} else {
		echo_str(l, (const char *)&c, 1);
	}
}

/* Erase the last character of the line being typed, on screen too with ECHOE. */
static void erase_one(struct ldisc *l)
{
	if (!l->edit_len)
		return;
	u8 c = l->edit[--l->edit_len];
	if ((l->t.c_lflag & (ECHO | ECHOE)) == (ECHO | ECHOE)) {
		for (int i = echo_width(l, c); i > 0; i--)
			echo_str(l, "\b \b", 3);
	}
}

static void ring_put(struct ldisc *l, u8 c)
{
	l->ring[(l->head + l->count) % LDISC_BUF] = c;
	l->count++;
}

/* A finished line (or what ^D pushed) becomes one record for readers; dropped if no room. */
static bool push_line(struct ldisc *l)
{
	bool fits = l->nrec < LDISC_RECS && l->count + l->edit_len <= LDISC_BUF;
	if (fits) {
		for (u32 i = 0; i < l->edit_len; i++)
			ring_put(l, l->edit[i]);
		l->rec[(l->rec_head + l->nrec) % LDISC_RECS] = (u16)l->edit_len;
		l->nrec++;
	}
	l->edit_len = 0;
	return fits;
}

void ldisc_flush_input(struct ldisc *l)
{
	l->edit_len = 0;
	l->head = l->count = 0;
	l->rec_head = l->nrec = 0;
	l->lnext = false;
}

static bool is_cc(const struct ldisc *l, int idx, u8 c)
{
	/* A c_cc slot of 0 is disabled (_POSIX_VDISABLE). */
	return l->t.c_cc[idx] && c == l->t.c_cc[idx];
}

bool ldisc_input(struct ldisc *l, u8 c)
{
	u32 lf = l->t.c_lflag, inf = l->t.c_iflag;
	if (inf & ISTRIP)
		c &= 0x7f;
	bool literal = l->lnext;
	l->lnext = false;
	if (!literal) {
		if (c == '\r') {
			if (inf & IGNCR)
				return false;
			if (inf & ICRNL)
				c = '\n';
		} else if (c == '\n' && (inf & INLCR)) {
			c = '\r';
		}
		if (lf & ISIG) {
			int sig = is_cc(l, VINTR, c) ? LDISC_SIGINT : is_cc(l, VQUIT, c) ? LDISC_SIGQUIT
								 : is_cc(l, VSUSP, c) ? LDISC_SIGTSTP
										      : 0;
			if (sig) {
				if (!(lf & NOFLSH))
					ldisc_flush_input(l);
				if (lf & ECHO) {
					echo_char(l, c);
					echo_str(l, "\n", 1);
				}
				if (l->signal)
					l->signal(l->ctx, sig);
				return false;
			}
		}
	}

	if (!canon(l)) {
		if (l->count == LDISC_BUF)
			return false; /* full: the byte is lost, as on a real line */
		ring_put(l, c);
		if (lf & ECHO)
			echo_char(l, c);
		return true;
	}

	if (!literal) {
		if ((lf & IEXTEN) && is_cc(l, VLNEXT, c)) {
			l->lnext = true;
			if ((lf & ECHO) && (lf & ECHOCTL))
				echo_str(l, "^\b", 2);
			return false;
		}
		/* ^H erases too: many serial terminals send it for backspace. */
		if (is_cc(l, VERASE, c) || c == '\b') {
			erase_one(l);
			return false;
		}
		if (is_cc(l, VKILL, c)) {
			if ((lf & ECHO) && (lf & ECHOKE) && (lf & ECHOE)) {
				while (l->edit_len)
					erase_one(l);
			} else {
				l->edit_len = 0;
				if ((lf & ECHO) && (lf & ECHOK))
					echo_str(l, "\n", 1);
			}
			return false;
		}
		if ((lf & IEXTEN) && is_cc(l, VWERASE, c)) {
			while (l->edit_len && (l->edit[l->edit_len - 1] == ' ' ||
					       l->edit[l->edit_len - 1] == '\t'))
				erase_one(l);
			while (l->edit_len && l->edit[l->edit_len - 1] != ' ' &&
			       l->edit[l->edit_len - 1] != '\t')
				erase_one(l);
			return false;
		}
		if ((lf & IEXTEN) && is_cc(l, VREPRINT, c)) {
			if (lf & ECHO) {
				echo_char(l, c);
				echo_str(l, "\n", 1);
				for (u32 i = 0; i < l->edit_len; i++)
					echo_char(l, l->edit[i]);
			}
			return false;
		}
		if (is_cc(l, VEOF, c))
			return push_line(l); /* without the ^D; an empty record is end of file */
	}
	bool eol = !literal && (c == '\n' || is_cc(l, VEOL, c) || is_cc(l, VEOL2, c));
	/* Keep the last place for the end of the line. */
	if (l->edit_len >= LDISC_LINE - 1 && !(eol && l->edit_len < LDISC_LINE))
		return false;
	l->edit[l->edit_len++] = c;
	if ((lf & ECHO) || (c == '\n' && (lf & ECHONL)))
		echo_char(l, c);
	return eol ? push_line(l) : false;
}

bool ldisc_readable(const struct ldisc *l)
{
	if (canon(l))
		return l->nrec > 0;
	return l->count > 0 || l->t.c_cc[VMIN] == 0;
}

static size_t ring_take(struct ldisc *l, u8 *dst, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = l->ring[l->head];
		l->head = (l->head + 1) % LDISC_BUF;
	}
	l->count -= (u32)n;
	return n;
}

size_t ldisc_read(struct ldisc *l, u8 *dst, size_t max, bool *done)
{
	if (!canon(l)) {
		size_t n = ring_take(l, dst, MIN(max, (size_t)l->count));
		*done = l->count == 0;
		return n;
	}
	if (!l->nrec) {
		*done = true;
		return 0;
	}
	u16 *len = &l->rec[l->rec_head];
	size_t n = ring_take(l, dst, MIN(max, (size_t)*len));
	*len -= (u16)n;
	*done = *len == 0;
	if (*done) {
		l->rec_head = (l->rec_head + 1) % LDISC_RECS;
		l->nrec--;
	}
	return n;
}

u32 ldisc_room(const struct ldisc *l)
{
	return canon(l) ? LDISC_BUF : LDISC_BUF - l->count;
}

u32 ldisc_available(const struct ldisc *l)
{
	if (!canon(l))
		return l->count;
	return l->nrec ? l->rec[l->rec_head] : 0;
}

void ldisc_set_termios(struct ldisc *l, const struct termios_k *t)
{
	bool was_canon = canon(l);
	l->t = *t;
	if (was_canon && !canon(l)) {
		/* To raw mode: the half-typed line becomes plain bytes, line bounds go. */
		for (u32 i = 0; i < l->edit_len && l->count < LDISC_BUF; i++)
			ring_put(l, l->edit[i]);
		l->edit_len = 0;
		l->rec_head = l->nrec = 0;
	} else if (!was_canon && canon(l) && l->count) {
		/* To canonical: bytes already waiting are handed out as one line. */
		l->rec_head = 0;
		l->rec[0] = (u16)l->count;
		l->nrec = 1;
	}
}
