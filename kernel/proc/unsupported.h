/*
 * A kernel log line for each unsupported call, flag or command a program
 * uses, once per (program, call, value), so the next missing piece names
 * itself: "ferry: pid 12 (prog): prctl option 1234 not supported". The
 * caller returns the error Linux would give for an unsupported case.
 */
#pragma once

#include "lib/types.h"

/* Log that the calling program used `what` (a call and its argument) with value; once. */
void unsupported(const char *what, u64 value);
