/*
 * Pipes (pipe(7)): a 64 KiB ring shared by a read end and a write end.
 * Shared object: pipe.lock guards the ring and the counts of open ends;
 * readers and writers park on the pipe's own wait queues (invariant 2)
 * and a long write that parks midway keeps its progress (invariant 3).
 */
#pragma once

#include "lib/types.h"

struct file;

/* A new pipe: out[0] reads, out[1] writes. flags: O_NONBLOCK. */
int pipe_create(u32 flags, struct file *out[2]);
