/*
 * Pipes (pipe(7)) and named pipes (fifo(7)): a 64 KiB ring shared by
 * read ends and write ends.
 * Shared object: pipe.lock guards the ring and the counts of open ends;
 * readers and writers park on the pipe's own wait queues (invariant 2)
 * and a long write that parks midway keeps its progress (invariant 3).
 */
#pragma once

#include "lib/types.h"

struct file;

/* Is f an end of a pipe or an open FIFO? */
bool file_is_pipe(const struct file *f);
/*
 * tee(2)'s read: copy up to len bytes from the front of the pipe f reads
 * without taking them; 0 when it is empty and has no writers, -EAGAIN if
 * empty and O_NONBLOCK, -ERESTART_PARK parked until data comes.
 */
ssize_t pipe_peek(struct file *f, void *buf, size_t len);

/* A new pipe: out[0] reads, out[1] writes. flags: O_NONBLOCK. */
int pipe_create(u32 flags, struct file *out[2]);

struct inode;

/*
 * Open the FIFO ip (fifo.c; registered with the VFS at boot) with fmode (FMODE_READ and/or FMODE_WRITE)
 * and the open flags: 0 and *out, -ERESTART_PARK while the other end has
 * never been opened, or -errno. A parked open keeps its end in the
 * caller's park (sched/park.h), which lets it go if the open is abandoned.
 */
int fifo_open(struct inode *ip, u32 fmode, u32 flags, struct file **out);
