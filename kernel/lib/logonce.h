/*
 * Messages about what a program asked for that Ferry does not do (an
 * unknown system call, a flag combination it does not support): each one
 * at most once per program and message, and the console sees at most a
 * few such lines every few seconds overall, so no program can flood it.
 * The kernel log (dmesg) gets the same lines.
 *
 * A program is its executable's path (its name if it has none). The
 * caller is described by a hook the system-call dispatcher registers at
 * boot (a lower layer never calls up); before that, and outside a system
 * call, messages name "kernel".
 */
#pragma once

#include "lib/types.h"

struct logonce_caller {
	u32 pid;
	const char *name;    /* the process's name (comm) */
	const char *program; /* what identifies the program: its executable's path */
	const char *call;    /* the system call being handled, or NULL */
};

/* The dispatcher's: describe the calling thread (false if this core runs none). */
void logonce_set_caller(bool (*who)(struct logonce_caller *out));

/*
 * "ferry: pid P (NAME): WHAT" with WHAT from fmt, at most once per
 * program and key (key 0: the text of WHAT is the key), rate-limited.
 */
void log_once(u64 key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * For system-call handlers: the caller asked for something Ferry does not
 * do (a flag combination, a mode): logs "CALL: WHAT not supported" once per
 * program, call and text. The handler then returns the error Linux gives
 * for an unsupported case (usually -EINVAL or -EOPNOTSUPP).
 */
void syscall_unsupported(const char *what);

/* The console's share of these lines: true if one may be printed now (the rate limit). */
bool log_ratelimit_ok(void);
