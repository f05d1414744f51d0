/*
 * The kernel log ring (logbuf.h). Bytes ever written count up in `head`;
 * the ring holds the last LOGBUF_SIZE of them, from `tail` on.
 */
#include "lib/logbuf.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"

static struct spinlock lock = SPINLOCK_INIT;
static char ring[LOGBUF_SIZE]; /* [lock] */
static u64 head, tail;         /* [lock] bytes ever written; the oldest still held */
static bool line_start = true; /* [lock] the next byte begins a line */
static volatile bool panicking;

static void put(char c)
{
	ring[head++ % LOGBUF_SIZE] = c;
	if (head - tail > LOGBUF_SIZE)
		tail = head - LOGBUF_SIZE;
}

static bool take_lock(void)
{
	if (!panicking) {
		spin_lock(&lock);
		return true;
	}
	/* The holder may be a core the panic stopped: try a while, then do without. */
	for (u64 spins = 0; spins < 10000000; spins++)
		if (spin_trylock(&lock))
			return true;
	return false;
}

void logbuf_add(int level, const char *s, size_t n)
{
	if (!take_lock())
		return;
	for (size_t i = 0; i < n; i++) {
		if (line_start) {
			put('<');
			put((char)('0' + (level & 7)));
			put('>');
		}
		put(s[i]);
		line_start = s[i] == '\n';
	}
	spin_unlock(&lock);
}

size_t logbuf_read(char *dst, size_t cap, bool clear)
{
	spin_lock(&lock);
	u64 n = MIN((u64)cap, head - tail);
	for (u64 i = 0, from = head - n; i < n; i++)
		dst[i] = ring[(from + i) % LOGBUF_SIZE];
	if (clear)
		tail = head;
	spin_unlock(&lock);
	return (size_t)n;
}

size_t logbuf_used(void)
{
	spin_lock(&lock);
	size_t n = (size_t)(head - tail);
	spin_unlock(&lock);
	return n;
}

void logbuf_clear(void)
{
	spin_lock(&lock);
	tail = head;
	spin_unlock(&lock);
}

void logbuf_panic_mode(void)
{
	panicking = true;
}
