/*
 * A kernel log line for an unsupported flag, command or mode a program
 * uses (lib/logonce.h: once per program and text, rate-limited), so the
 * next missing piece names itself: "ferry: pid 12 (prog): prctl option
 * 1234 (0x4d2) not supported". The caller returns the error Linux gives
 * for an unsupported case.
 */
#pragma once

#include "lib/types.h"
#include "lib/logonce.h"

static inline void unsupported(const char *what, u64 value)
{
	log_once(0, "%s %lu (0x%lx) not supported", what, value, value);
}
