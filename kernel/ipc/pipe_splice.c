/*
 * Splicing through pipes (pipe_impl.h): the moves behind splice(2) and
 * tee(2). Bytes go through a kernel buffer, at most a ring's worth per
 * call, so each call is one step that either finishes or parks having
 * changed nothing (invariant 3):
 *  - out of a pipe: the bytes are copied, not yet taken; the pipe is
 *    marked `splicing` (other readers wait) while they are written out,
 *    and only what the write took is removed. A write that parks
 *    removes nothing.
 *  - into a pipe: the room is found first, then the file is read at
 *    its offset without moving it, and the offset moves by what went in.
 */
#include "ipc/pipe_impl.h"
#include "fs/abi.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* Copy n bytes of the ring from position pos (rpos-based) out to buf; caller holds p->lock. */
static void ring_peek(struct pipe *p, u64 pos, u8 *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		size_t off = (pos + done) & (p->size - 1);
		size_t chunk = MIN(n - done, p->size - off);
		memcpy(buf + done, p->buf + off, chunk);
		done += chunk;
	}
}

static void ring_put(struct pipe *p, const u8 *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		size_t off = (p->wpos + done) & (p->size - 1);
		size_t chunk = MIN(n - done, p->size - off);
		memcpy(p->buf + off, buf + done, chunk);
		done += chunk;
	}
	p->wpos += n;
}

static long park_pipe(struct pipe *p, struct waitq *q)
{
	spin_lock(&q->lock);
	long r = park_on(q);
	spin_unlock(&q->lock);
	spin_unlock(&p->lock);
	return r;
}

/* Wait (or not) for bytes in p, whose lock is held: 1 there are some, else the call's result. */
static long await_bytes(struct pipe *p, bool nonblock)
{
	if (p->wpos != p->rpos && !p->splicing)
		return 1;
	if (p->wpos == p->rpos && p->writers == 0) {
		spin_unlock(&p->lock);
		return 0;
	}
	if (nonblock) {
		spin_unlock(&p->lock);
		return -EAGAIN;
	}
	return park_pipe(p, &p->readq);
}

ssize_t pipe_splice_out(struct file *pf, struct file *out, i64 *off, size_t len, bool nonblock)
{
	struct pipe *p = pf->priv;
	if (!len)
		return 0;
	spin_lock(&p->lock);
	long w = await_bytes(p, nonblock || (pf->flags & O_NONBLOCK));
	if (w <= 0)
		return w;
	size_t n = MIN(len, p->wpos - p->rpos);
	u8 *buf = kmalloc(n);
	if (!buf) {
		spin_unlock(&p->lock);
		return -ENOMEM;
	}
	ring_peek(p, p->rpos, buf, n);
	p->splicing = true;
	spin_unlock(&p->lock);

	struct uio u;
	uio_init_kernel(&u, buf, n);
	ssize_t r = off ? vfs_pwrite(out, &u, *off) : vfs_write(out, &u);

	spin_lock(&p->lock);
	p->splicing = false;
	if (r > 0)
		p->rpos += (u64)r;
	spin_unlock(&p->lock);
	kfree(buf);
	waitq_wake_all(&p->readq); /* readers held off by the splice */
	if (r > 0) {
		waitq_wake_all(&p->writeq);
		if (off)
			*off += r;
	}
	return r;
}

ssize_t pipe_splice_in(struct file *pf, struct file *in, i64 *off, size_t len, bool nonblock)
{
	struct pipe *p = pf->priv;
	if (!len)
		return 0;
	spin_lock(&p->lock);
	if (p->readers == 0) {
		spin_unlock(&p->lock);
		signal_raise(SIGPIPE);
		return -EPIPE;
	}
	u64 room = p->size - (p->wpos - p->rpos);
	if (!room) {
		if (nonblock || (pf->flags & O_NONBLOCK)) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		return park_pipe(p, &p->writeq);
	}
	size_t n = MIN(len, room);
	spin_unlock(&p->lock);

	u8 *buf = kmalloc(n);
	if (!buf)
		return -ENOMEM;
	i64 at = off ? *off : (i64)__atomic_load_n(&in->pos, __ATOMIC_RELAXED);
	struct uio u;
	uio_init_kernel(&u, buf, n);
	/* A file with no offset of its own (a tty, a socket) is read as such. */
	ssize_t r = (in->fmode & FMODE_STREAM) ? vfs_read(in, &u) : vfs_pread(in, &u, at);
	if (r > 0) {
		spin_lock(&p->lock);
		/* Another writer may have used some of the room meanwhile: keep what fits. */
		u64 now_room = p->size - (p->wpos - p->rpos);
		if ((u64)r > now_room && !(in->fmode & FMODE_STREAM))
			r = (ssize_t)now_room;
		ring_put(p, buf, (size_t)MIN((u64)r, now_room));
		spin_unlock(&p->lock);
		waitq_wake_all(&p->readq);
		if (off)
			*off = at + r;
		else if (!(in->fmode & FMODE_STREAM))
			vfs_lseek(in, at + r, SEEK_SET);
	}
	kfree(buf);
	return r;
}

ssize_t pipe_tee(struct file *inf, struct file *outf, size_t len, bool nonblock)
{
	struct pipe *in = inf->priv, *out = outf->priv;
	if (in == out)
		return -EINVAL;
	if (!len)
		return 0;
	spin_lock(&in->lock);
	long w = await_bytes(in, nonblock || (inf->flags & O_NONBLOCK));
	if (w <= 0)
		return w;
	size_t n = MIN(len, in->wpos - in->rpos);
	u8 *buf = kmalloc(n);
	if (!buf) {
		spin_unlock(&in->lock);
		return -ENOMEM;
	}
	ring_peek(in, in->rpos, buf, n);
	spin_unlock(&in->lock);

	spin_lock(&out->lock);
	ssize_t r;
	u64 room = out->size - (out->wpos - out->rpos);
	if (out->readers == 0) {
		spin_unlock(&out->lock);
		signal_raise(SIGPIPE);
		r = -EPIPE;
	} else if (!room) {
		if (nonblock || (outf->flags & O_NONBLOCK)) {
			spin_unlock(&out->lock);
			r = -EAGAIN;
		} else {
			r = park_pipe(out, &out->writeq);
		}
	} else {
		r = (ssize_t)MIN(n, room);
		ring_put(out, buf, (size_t)r);
		spin_unlock(&out->lock);
		waitq_wake_all(&out->readq);
	}
	kfree(buf);
	return r;
}
