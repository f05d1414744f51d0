/*
 * The kernel log: the last LOGBUF_SIZE bytes of every kernel message,
 * whatever the console's log level, as syslog(2) and dmesg read them:
 * each line starts with "<level>". Shared by all cores under its own
 * lock; a panicking core that cannot take it writes the console only.
 */
#pragma once

#include "lib/types.h"

#define LOGBUF_SIZE (64 * 1024)

/* Add n bytes of a message at a syslog level (0-7); lines get their "<level>" here. */
void logbuf_add(int level, const char *s, size_t n);
/* Copy the newest min(cap, bytes held) bytes to dst; with clear, empty the log after. */
size_t logbuf_read(char *dst, size_t cap, bool clear);
size_t logbuf_used(void);
void logbuf_clear(void);
void logbuf_panic_mode(void); /* from now on, never wait for the lock */
