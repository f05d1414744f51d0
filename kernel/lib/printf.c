/*
 * Kernel formatted output: a small printf (d i u x X p s c %, with l/ll/z
 * length and width/zero/left flags) over a character sink, used by kprintf
 * (the console) and snprintf (a buffer).
 */
#include "lib/kernel.h"
#include "dev/console.h"
#include "lib/logbuf.h"

int log_level = LOG_INFO;

struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;
	size_t size, len;
};

static void put_num(struct sink *s, u64 v, bool neg, int base, bool upper, int width, char pad,
		    bool left)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);
	if (neg && pad == '0')
		s->put(s, '-');
	if (!left)
		for (; width > len; width--)
			s->put(s, pad);
	if (neg && pad != '0')
		s->put(s, '-');
	while (n)
		s->put(s, tmp[--n]);
	for (; width > len; width--)
		s->put(s, ' ');
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			s->put(s, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		int width = 0;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int prec = -1;
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		int lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			i64 v = lng ? va_arg(ap, i64) : va_arg(ap, int);
			put_num(s, v < 0 ? -(u64)v : (u64)v, v < 0, 10, false, width, pad, left);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned);
			int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			put_num(s, v, false, base, *fmt == 'X', width, pad, left);
			break;
		}
		case 'p':
			s->put(s, '0');
			s->put(s, 'x');
			put_num(s, (u64)va_arg(ap, void *), false, 16, false, width, pad, left);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int len = (int)strnlen(str, prec >= 0 ? (size_t)prec : (size_t)-1);
			if (!left)
				for (; width > len; width--)
					s->put(s, ' ');
			for (int i = 0; i < len; i++)
				s->put(s, str[i]);
			for (; width > len; width--)
				s->put(s, ' ');
			break;
		}
		case 'c':
			s->put(s, (char)va_arg(ap, int));
			break;
		case '%':
			s->put(s, '%');
			break;
		case 0:
			return;
		default:
			s->put(s, '%');
			s->put(s, *fmt);
		}
	}
}

static void buf_put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {.put = buf_put, .buf = buf, .size = size};
	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = 0;
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * A line is formatted into a stack buffer first so that it reaches the
 * console in one locked write and lines from different cores never mix.
 * Every message goes to the kernel log (dmesg); the console shows those
 * at log_level or more urgent.
 */
static int vlog(int level, const char *fmt, va_list ap)
{
	/* The log speaks Linux's levels (syslog(2)): err 3, warning 4, notice 5, info 6, debug 7. */
	static const u8 syslog_level[] = {[LOG_ERR] = 3, [LOG_WARN] = 4, [LOG_INFO] = 6,
					  [LOG_DEBUG] = 7};
	char line[512];
	int n = vsnprintf(line, sizeof line, fmt, ap);
	size_t len = n < (int)sizeof line ? (size_t)n : sizeof line - 1;
	logbuf_add(level < 0 ? 5 : syslog_level[level], line, len);
	if (level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		console_write(line, len);
	return n;
}

/* kprintf's messages always show (panics, kills, self-tests, benchmarks): notices in the log. */
int vkprintf(const char *fmt, va_list ap)
{
	return vlog(-1, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

int klog(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vlog(level, fmt, ap);
	va_end(ap);
	return n;
}
