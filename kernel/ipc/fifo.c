/*
 * Named pipes (fifo(7)): opening a FIFO inode attaches to its pipe, made
 * by the first opener and freed with the last end (pipe.c). A blocking
 * open for reading waits until some writer has opened it, and one for
 * writing until some reader has; O_RDWR never waits; O_WRONLY|O_NONBLOCK
 * without a reader is ENXIO. A pipe(2) pipe's own inode leads to its pipe
 * too (/proc/<pid>/fd/N reopens it), and such an open neither waits nor
 * fails for want of the other end.
 *
 * A waiting open parks and is re-run when woken (invariant 3). It holds
 * its file meanwhile (t->fifo_pending), so its end counts for the other
 * side's open, and it watches the other side's count of opens, so an end
 * that opened and closed again while it slept still lets it go on.
 */
#include "ipc/pipe.h"
#include "ipc/pipe_impl.h"
#include "fs/abi.h"
#include "fs/vfs.h"
#include "proc/proc.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/*
 * Attach a new end to ip's pipe, making the pipe if none is open; *seen:
 * the other side's count of opens, for the wait.
 */
static int attach(struct inode *ip, u32 fmode, bool nonblock, struct pipe **out, u64 *seen)
{
	spin_lock(&ip->lock);
	struct pipe *p = ip->fifo;
	if (!p) {
		p = pipe_new(ip);
		if (!p) {
			spin_unlock(&ip->lock);
			return -ENOMEM;
		}
		ip->fifo = p;
	}
	spin_lock(&p->lock);
	/* pipe(2)'s pipes (reopened through /proc/<pid>/fd: no fifo) never wait or refuse. */
	if (p->fifo && fmode == FMODE_WRITE && nonblock && !p->readers) {
		bool unused = !p->writers;
		if (unused)
			ip->fifo = NULL;
		spin_unlock(&p->lock);
		spin_unlock(&ip->lock);
		if (unused)
			pipe_free(p);
		return -ENXIO;
	}
	if (fmode & FMODE_READ)
		p->readers++, p->reader_opens++;
	if (fmode & FMODE_WRITE)
		p->writers++, p->writer_opens++;
	*seen = fmode == FMODE_READ ? p->writer_opens : p->reader_opens;
	spin_unlock(&p->lock);
	spin_unlock(&ip->lock);
	waitq_wake_all(&p->openq); /* opens waiting for this end */
	*out = p;
	return 0;
}

/* Has the other end been opened, now or since this open began (seen: its count then)? */
static bool partner(struct pipe *p, u32 fmode, u64 seen)
{
	if (fmode == FMODE_READ)
		return p->writers || p->writer_opens != seen;
	return p->readers || p->reader_opens != seen;
}

int fifo_open(struct inode *ip, u32 fmode, u32 flags, struct file **out)
{
	struct thread *t = current_thread();
	if (!(fmode & (FMODE_READ | FMODE_WRITE)))
		return -EINVAL;
	if (!t)
		flags |= O_NONBLOCK; /* a kernel task cannot park in a system call */
	struct file *f = t ? t->fifo_pending : NULL;
	if (t)
		t->fifo_pending = NULL;
	if (f && (!t->restarting || f->ip != ip)) {
		file_put(f); /* not this open's: it resolved elsewhere */
		f = NULL;
	}
	if (!f) {
		struct pipe *p;
		u64 seen;
		int r = attach(ip, fmode, flags & O_NONBLOCK, &p, &seen);
		if (r < 0)
			return r;
		f = file_alloc(ip, fmode | FMODE_STREAM, flags, &pipe_file_ops);
		if (!f) {
			pipe_end_gone(p, fmode);
			return -ENOMEM;
		}
		f->priv = p;
		if (t)
			t->fifo_seen = seen;
	}
	struct pipe *p = f->priv;
	if (!(flags & O_NONBLOCK) && fmode != (FMODE_READ | FMODE_WRITE) && p->fifo) {
		spin_lock(&p->lock);
		if (!partner(p, fmode, t->fifo_seen)) {
			t->fifo_pending = f;
			spin_lock(&p->openq.lock);
			long r = thread_park_on(&p->openq);
			spin_unlock(&p->openq.lock);
			spin_unlock(&p->lock);
			return (int)r;
		}
		spin_unlock(&p->lock);
	}
	*out = f;
	return 0;
}

void fifo_abandon(struct thread *t)
{
	if (t->fifo_pending) {
		file_put(t->fifo_pending);
		t->fifo_pending = NULL;
	}
}

void fifo_open_ended(void)
{
	struct thread *t = current_thread();
	if (t)
		fifo_abandon(t);
}
