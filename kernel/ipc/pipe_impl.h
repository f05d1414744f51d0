/*
 * The pipe object, shared inside ipc/ by pipe.c (pipe(2): the pipe owns an
 * inode of its own) and fifo.c (named pipes: the FIFO's inode points at
 * the pipe while anyone has it open). pipe.lock guards the ring and the
 * counts; for a FIFO the inode's lock is taken first.
 */
#pragma once

#include "ipc/pipe.h" /* file_is_pipe */

#include "lib/types.h"
#include "sched/waitq.h"
#include "lib/spinlock.h"
#include "fs/vfs.h"

struct file;
struct inode;

#define PIPE_ASYNC_MAX 8 /* ends of one pipe that may ask for SIGIO at once */

struct pipe {
	struct spinlock lock;
	u8 *buf;               /* [lock] size bytes */
	u32 size;              /* [lock] the ring's size: a power of two (F_SETPIPE_SZ) */
	bool splicing;         /* [lock] a splice is moving bytes out: other readers wait */
	u64 rpos, wpos;        /* [lock] bytes ever read / written: used = wpos - rpos */
	u32 readers, writers;  /* [lock] open ends (a FIFO open still waiting counts) */
	u64 reader_opens;      /* [lock] FIFO: read opens ever, which a waiting write open watches */
	u64 writer_opens;      /* [lock] FIFO: the same for write opens */
	struct waitq readq;    /* readers waiting for data */
	struct waitq writeq;   /* writers waiting for room */
	struct waitq openq;    /* FIFO opens waiting for the other end */
	struct inode *fifo;    /* [I] the FIFO's inode (no reference: its files hold one), or NULL */
	struct file *async[PIPE_ASYNC_MAX]; /* [lock] ends with O_ASYNC (no references: release drops them) */
	u32 nasync;            /* [lock to change; read atomically] how many of async are set */
	struct kcharge *charge; /* [I] the account of the process that made it: its buffer counts
	                           there (proc/cur.h), for the out-of-memory killer */
};

extern const struct file_ops pipe_file_ops;

#define PIPE_SIZE (64 * 1024) /* a new pipe's ring, as Linux's 16 pages */
#define PIPE_BUF 4096         /* writes up to this size are atomic (POSIX) */

/* /proc/sys/fs/pipe-max-size: the largest ring F_SETPIPE_SZ gives (sysctl, [a]). */
extern u32 pipe_max_size;

/*
 * Splicing (sys_splice.c), for the caller's pipe end pf: move up to len
 * bytes out of the pipe into file out (at *off when off is given, else
 * at its position), or into the pipe from file in. Bytes moved, 0 at end
 * of file, -EAGAIN (nonblock), or -ERESTART_PARK with nothing moved.
 */
ssize_t pipe_splice_out(struct file *pf, struct file *out, i64 *off, size_t len, bool nonblock);
ssize_t pipe_splice_in(struct file *pf, struct file *in, i64 *off, size_t len, bool nonblock);
/* tee(2): copy up to len bytes from pipe in to pipe out, leaving them in in. */
ssize_t pipe_tee(struct file *in, struct file *out, size_t len, bool nonblock);

/* A pipe with no ends open yet; NULL without memory. */
struct pipe *pipe_new(struct inode *fifo);
void pipe_free(struct pipe *p);
/* An end (FMODE_READ and/or FMODE_WRITE) closes; a FIFO's pipe goes with its last end. */
void pipe_end_gone(struct pipe *p, u32 fmode);
