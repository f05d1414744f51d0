/*
 * Pipes: the ring, blocking and non-blocking I/O, EOF and EPIPE, pipe2(2).
 * Named pipes use the same ring (fifo.c).
 */
#include "ipc/pipe.h"
#include "ipc/pipe_impl.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define PIPE_SIZE (64 * 1024)
#define PIPE_BUF 4096 /* writes up to this size are atomic (POSIX) */

/* pipe(2)'s pipe with its own inode (S_IFIFO, for fstat): one allocation, freed together. */
struct pipe_inode {
	struct inode inode;
	struct pipe pipe;
};

static struct superblock pipefs = {.fstype = "pipefs"};

/* A zeroed pipe's ring, locks and queues; false without memory. */
static bool pipe_init(struct pipe *p, struct inode *fifo)
{
	p->buf = kmalloc(PIPE_SIZE);
	if (!p->buf)
		return false;
	p->lock = (struct spinlock)SPINLOCK_INIT;
	waitq_init(&p->readq);
	waitq_init(&p->writeq);
	waitq_init(&p->openq);
	p->fifo = fifo;
	return true;
}

struct pipe *pipe_new(struct inode *fifo)
{
	struct pipe *p = knew(struct pipe);
	if (p && !pipe_init(p, fifo)) {
		kfree(p);
		return NULL;
	}
	return p;
}

void pipe_free(struct pipe *p)
{
	kfree(p->buf);
	kfree(p);
}

static void pipe_evict(struct inode *ip)
{
	struct pipe_inode *pi = container_of(ip, struct pipe_inode, inode);
	kfree(pi->pipe.buf);
	kfree(pi);
}

static const struct inode_ops pipe_inode_ops = {.evict = pipe_evict};

/*
 * Copy n bytes between the ring and a uio, wrapping at the end: into the
 * ring at wpos (in), or out of it from rpos. Bytes moved, or -EFAULT.
 */
static inline __attribute__((always_inline)) ssize_t ring_copy(struct pipe *p, struct uio *u,
								 size_t n, bool in)
{
	size_t done = 0, pos = in ? p->wpos : p->rpos;
	while (done < n) {
		size_t off = (pos + done) % PIPE_SIZE;
		size_t chunk = MIN(n - done, PIPE_SIZE - off);
		int r = in ? uio_copy_in(u, p->buf + off, chunk) : uio_copy_out(u, p->buf + off, chunk);
		if (r < 0)
			return done ? (ssize_t)done : -EFAULT;
		done += chunk;
	}
	return (ssize_t)done;
}

static long park(struct pipe *p, struct waitq *q)
{
	spin_lock(&q->lock);
	long r = park_on(q);
	spin_unlock(&q->lock);
	spin_unlock(&p->lock);
	return r;
}

static ssize_t pipe_read(struct file *f, struct uio *u, u64 *pos)
{
	struct pipe *p = f->priv;
	if (u->resid == 0)
		return 0;
	spin_lock(&p->lock);
	u64 used = p->wpos - p->rpos;
	if (used == 0) {
		if (p->writers == 0) {
			spin_unlock(&p->lock);
			return 0; /* end of file */
		}
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		return park(p, &p->readq);
	}
	ssize_t n = ring_copy(p, u, MIN(used, u->resid), false);
	if (n > 0)
		p->rpos += (u64)n;
	spin_unlock(&p->lock);
	if (n > 0)
		waitq_wake_all(&p->writeq);
	return n;
}

static ssize_t pipe_write(struct file *f, struct uio *u, u64 *pos)
{
	struct pipe *p = f->priv;
	/* A write that parked midway resumes after what it already wrote (invariant 3). */
	u64 done = park_progress();
	if (done)
		uio_skip(u, done);
	size_t total = done + u->resid;
	spin_lock(&p->lock);
	for (;;) {
		if (p->readers == 0) {
			spin_unlock(&p->lock);
			signal_raise(SIGPIPE);
			return done ? (ssize_t)done : -EPIPE;
		}
		size_t left = total - done;
		if (left == 0)
			break;
		u64 room = PIPE_SIZE - (p->wpos - p->rpos);
		/* Up to PIPE_BUF bytes go in at once or not at all. */
		bool fits = total <= PIPE_BUF ? room >= left : room > 0;
		if (!fits) {
			if (f->flags & O_NONBLOCK) {
				spin_unlock(&p->lock);
				return done ? (ssize_t)done : -EAGAIN;
			}
			park_save_progress(done);
			return park(p, &p->writeq);
		}
		ssize_t n = ring_copy(p, u, MIN(room, left), true);
		if (n < 0) {
			spin_unlock(&p->lock);
			return done ? (ssize_t)done : n;
		}
		p->wpos += (u64)n;
		done += (u64)n;
		/* Let readers at it before we possibly wait for more room. */
		waitq_wake_all(&p->readq);
	}
	spin_unlock(&p->lock);
	return (ssize_t)done;
}

void pipe_end_gone(struct pipe *p, u32 fmode)
{
	struct inode *ip = p->fifo;
	if (ip)
		spin_lock(&ip->lock); /* fifo_open finds the pipe under it */
	spin_lock(&p->lock);
	if (fmode & FMODE_READ)
		p->readers--;
	if (fmode & FMODE_WRITE)
		p->writers--;
	bool last = ip && !p->readers && !p->writers;
	if (last) {
		ip->fifo = NULL; /* as on Linux, what nobody read goes with the last end */
	} else {
		/*
		 * The other end sees EOF or EPIPE. Woken under the lock: once
		 * it is dropped, a FIFO's last end may close on another core
		 * and free the pipe (found by the fuzzer).
		 */
		waitq_wake_all(&p->readq);
		waitq_wake_all(&p->writeq);
	}
	spin_unlock(&p->lock);
	if (ip)
		spin_unlock(&ip->lock);
	if (last)
		pipe_free(p); /* no end open: nobody waits on it */
}

static void pipe_release(struct file *f)
{
	pipe_end_gone(f->priv, f->fmode);
}

static u32 pipe_poll(struct file *f, struct poll_set *pw)
{
	struct pipe *p = f->priv;
	spin_lock(&p->lock);
	u32 m = 0;
	u64 used = p->wpos - p->rpos;
	if (f->fmode & FMODE_READ) {
		poll_wait_add(pw, &p->readq);
		if (used)
			m |= POLLIN | POLLRDNORM;
		if (!p->writers)
			m |= POLLHUP;
	}
	if (f->fmode & FMODE_WRITE) {
		poll_wait_add(pw, &p->writeq);
		if (PIPE_SIZE - used >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			m |= POLLERR;
	}
	spin_unlock(&p->lock);
	return m;
}

/* Each end stands for half the ring: a process with both ends holds all of it. */
static u64 pipe_buffer_bytes(struct file *f)
{
	return PIPE_SIZE / 2;
}

const struct file_ops pipe_file_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_release,
	.poll = pipe_poll,
	.buffer_bytes = pipe_buffer_bytes,
};

int pipe_create(u32 flags, struct file *out[2])
{
	struct pipe_inode *pi = knew(struct pipe_inode);
	if (!pi || !pipe_init(&pi->pipe, NULL)) {
		kfree(pi);
		return -ENFILE;
	}
	struct pipe *p = &pi->pipe;
	if (!pipefs.dev)
		pipefs.dev = vfs_anon_dev();
	inode_init(&pi->inode, &pipefs, S_IFIFO | 0600, &pipe_inode_ops);
	pi->inode.fifo = p; /* an open of /proc/<pid>/fd/N attaches to it (fifo_open) */
	p->readers = p->writers = 1;
	u32 st = flags & O_NONBLOCK;
	out[0] = file_alloc(&pi->inode, FMODE_READ | FMODE_STREAM, O_RDONLY | st, &pipe_file_ops);
	out[1] = file_alloc(&pi->inode, FMODE_WRITE | FMODE_STREAM, O_WRONLY | st, &pipe_file_ops);
	inode_put(&pi->inode); /* the files hold it now */
	if (!out[0] || !out[1]) {
		/* Drop what was made; the last release frees the pipe. */
		if (out[0])
			file_put(out[0]);
		else
			p->readers--;
		if (out[1])
			file_put(out[1]);
		else
			p->writers--;
		return -ENFILE;
	}
	out[0]->priv = out[1]->priv = p;
	return 0;
}
