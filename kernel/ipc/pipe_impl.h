/*
 * The pipe object, shared inside ipc/ by pipe.c (pipe(2): the pipe owns an
 * inode of its own) and fifo.c (named pipes: the FIFO's inode points at
 * the pipe while anyone has it open). pipe.lock guards the ring and the
 * counts; for a FIFO the inode's lock is taken first.
 */
#pragma once

#include "lib/types.h"
#include "sched/waitq.h"
#include "lib/spinlock.h"

struct file;
struct inode;

struct pipe {
	struct spinlock lock;
	u8 *buf;               /* [I] PIPE_SIZE bytes */
	u64 rpos, wpos;        /* [lock] bytes ever read / written: used = wpos - rpos */
	u32 readers, writers;  /* [lock] open ends (a FIFO open still waiting counts) */
	u64 reader_opens;      /* [lock] FIFO: read opens ever, which a waiting write open watches */
	u64 writer_opens;      /* [lock] FIFO: the same for write opens */
	struct waitq readq;    /* readers waiting for data */
	struct waitq writeq;   /* writers waiting for room */
	struct waitq openq;    /* FIFO opens waiting for the other end */
	struct inode *fifo;    /* [I] the FIFO's inode (no reference: its files hold one), or NULL */
	struct kcharge *charge; /* [I] the account of the process that made it: its buffer counts
	                           there (proc/cur.h), for the out-of-memory killer */
};

extern const struct file_ops pipe_file_ops;

/* A pipe with no ends open yet; NULL without memory. */
struct pipe *pipe_new(struct inode *fifo);
void pipe_free(struct pipe *p);
/* An end (FMODE_READ and/or FMODE_WRITE) closes; a FIFO's pipe goes with its last end. */
void pipe_end_gone(struct pipe *p, u32 fmode);
