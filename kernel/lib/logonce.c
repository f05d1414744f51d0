/*
 * Once-per-program messages and their rate limit (logonce.h).
 *
 * Seen (program, key) pairs are kept as 64-bit fingerprints in a small
 * open-addressed table; when a probe run is full its first slot is
 * reused, so a pair may be logged again after many others, never more
 * often than the rate limit allows. The limit is a token bucket: BURST
 * lines at once, then one every REFILL_NS; lines over it are counted and
 * the count is printed with the next line that passes.
 *
 * Locks: [lock] the table and the bucket; messages are printed after it
 * is dropped. The hook is [I] after boot.
 */
#include "lib/logonce.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "arch/x86_64/time.h"

#define SEEN_SLOTS 1024 /* a power of two */
#define SEEN_PROBE 8
#define BURST 10
#define REFILL_NS (500 * 1000 * 1000ULL) /* one more line every half second */

static struct spinlock lock = SPINLOCK_INIT;
static u64 seen[SEEN_SLOTS];   /* [lock] fingerprints, 0: empty */
static u64 tokens = BURST;     /* [lock] */
static u64 last_refill;        /* [lock] tsc_ns() of the last token added */
static u64 suppressed;         /* [lock] lines over the limit since the last one printed */
static bool (*caller_hook)(struct logonce_caller *out); /* [I] */

void logonce_set_caller(bool (*who)(struct logonce_caller *out))
{
	caller_hook = who;
}

/* FNV-1a, then a final mix so that nearby keys spread over the table. */
static u64 hash_str(const char *s, u64 h)
{
	for (; s && *s; s++)
		h = (h ^ (u8)*s) * 0x100000001b3ULL;
	return h;
}

static u64 mix(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x ? x : 1;
}

/* True the first time (fingerprint f) is seen. Caller holds lock. */
static bool first_time_locked(u64 f)
{
	assert(spin_is_locked(&lock));
	u64 at = f & (SEEN_SLOTS - 1);
	for (u64 i = 0; i < SEEN_PROBE; i++) {
		u64 *s = &seen[(at + i) & (SEEN_SLOTS - 1)];
		if (*s == f)
			return false;
		if (*s == 0) {
			*s = f;
			return true;
		}
	}
	seen[at] = f; /* full run: forget the oldest guess */
	return true;
}

/* Take a token if there is one; else count a suppressed line. Caller holds lock. */
static bool take_token_locked(void)
{
	assert(spin_is_locked(&lock));
	u64 now = tsc_ns();
	if (now - last_refill >= REFILL_NS) {
		u64 n = (now - last_refill) / REFILL_NS;
		tokens = MIN((u64)BURST, tokens + n);
		last_refill += n * REFILL_NS;
	}
	if (!tokens) {
		suppressed++;
		return false;
	}
	tokens--;
	return true;
}

bool log_ratelimit_ok(void)
{
	spin_lock(&lock);
	bool ok = take_token_locked();
	spin_unlock(&lock);
	return ok;
}

static void vlog_once(u64 key, const char *call, const char *fmt, va_list ap)
{
	struct logonce_caller c = {0, "kernel", "kernel", NULL};
	if (!caller_hook || !caller_hook(&c))
		c = (struct logonce_caller){0, "kernel", "kernel", NULL};
	char what[160];
	vsnprintf(what, sizeof what, fmt, ap);
	u64 f = mix(hash_str(what, hash_str(call, hash_str(c.program, 0xcbf29ce484222325ULL))) ^
		    key * 0x9e3779b97f4a7c15ULL);
	spin_lock(&lock);
	bool print = first_time_locked(f) && take_token_locked();
	u64 dropped = print ? suppressed : 0;
	if (print)
		suppressed = 0;
	spin_unlock(&lock);
	if (!print)
		return;
	if (dropped)
		pr_warn("ferry: %lu more messages about unsupported calls not shown\n", dropped);
	if (call)
		pr_warn("ferry: pid %u (%s): %s: %s\n", c.pid, c.name, call, what);
	else
		pr_warn("ferry: pid %u (%s): %s\n", c.pid, c.name, what);
}

void log_once(u64 key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_once(key, NULL, fmt, ap);
	va_end(ap);
}

static void unsupported(const char *call, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_once(0, call, fmt, ap);
	va_end(ap);
}

void syscall_unsupported(const char *what)
{
	struct logonce_caller c = {0};
	const char *call = caller_hook && caller_hook(&c) ? c.call : NULL;
	unsupported(call ? call : "?", "%s not supported", what);
}
