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
 * its file meanwhile (handed to its park: a struct fifo_wait), so its end
 * counts for the other side's open, and it watches the other side's count
 * of opens, so an end that opened and closed again while it slept still
 * lets it go on. A signal or an exit that ends the open lets the file go.
 */
#include "ipc/pipe.h"
#include "ipc/pipe_impl.h"
#include "fs/abi.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* What a parked open holds until it runs again. */
struct fifo_wait {
	struct file *f; /* its end, already counted */
	u64 seen;       /* the other side's count of opens when it began */
};

static void fifo_wait_release(void *arg)
{
	struct fifo_wait *w = arg;
	file_put(w->f);
	kfree(w);
}

/*
 * Attach a new end to ip's pipe, making the pipe if none is open; *seen:
 * the other side's count of opens, for the wait; *met: the other side had
 * an end open as this one attached. That end may close again before this
 * open looks (its open, woken here, runs on another core), and the count
 * it added is already in *seen: without *met the open would wait for a
 * partner that has come and gone.
 */
static int attach(struct inode *ip, u32 fmode, bool nonblock, struct pipe **out, u64 *seen,
		  bool *met)
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
	*met = fmode == FMODE_READ ? p->writers : p->readers;
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
	struct park *pk = park_current();
	if (!(fmode & (FMODE_READ | FMODE_WRITE)))
		return -EINVAL;
	if (!pk)
		flags |= O_NONBLOCK; /* a task without a park cannot wait in a system call */
	struct file *f = NULL;
	u64 seen = 0;
	bool met = false;
	struct fifo_wait *w = park_take(fifo_wait_release);
	if (w && w->f->ip == ip) {
		f = w->f;
		seen = w->seen;
		kfree(w);
	} else if (w) {
		fifo_wait_release(w); /* not this open's: it resolved elsewhere */
	}
	if (!f) {
		struct pipe *p;
		int r = attach(ip, fmode, flags & O_NONBLOCK, &p, &seen, &met);
		if (r < 0)
			return r;
		f = file_alloc(ip, fmode | FMODE_STREAM, flags, &pipe_file_ops);
		if (!f) {
			pipe_end_gone(p, fmode);
			return -ENOMEM;
		}
		f->priv = p;
	}
	struct pipe *p = f->priv;
	if (!met && !(flags & O_NONBLOCK) && fmode != (FMODE_READ | FMODE_WRITE) && p->fifo) {
		w = knew(struct fifo_wait); /* before the lock: only needed if it waits */
		spin_lock(&p->lock);
		if (!partner(p, fmode, seen)) {
			if (!w) {
				spin_unlock(&p->lock);
				file_put(f);
				return -ENOMEM;
			}
			*w = (struct fifo_wait){.f = f, .seen = seen};
			park_hold(fifo_wait_release, w);
			spin_lock(&p->openq.lock);
			long r = park_on(&p->openq);
			spin_unlock(&p->openq.lock);
			spin_unlock(&p->lock);
			return (int)r;
		}
		spin_unlock(&p->lock);
		kfree(w);
	}
	*out = f;
	return 0;
}
