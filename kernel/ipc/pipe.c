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
#include "proc/cur.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

u32 pipe_max_size = 1024 * 1024; /* Linux's default */
#define POLL_IN_CODE 1  /* si_code of SIGIO for input (POLL_IN) */
#define POLL_OUT_CODE 2 /* and output (POLL_OUT) */

static void pipe_sigio(struct pipe *p, u32 fmode);

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
	p->size = PIPE_SIZE;
	p->charge = cur_kcharge();
	kcharge_add(p->charge, PIPE_SIZE);
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

/* The buffer goes, and with it the charge to the process that made it. */
static void pipe_buf_free(struct pipe *p)
{
	kcharge_add(p->charge, -(i64)PIPE_SIZE);
	kcharge_put(p->charge);
	kfree(p->buf);
}

void pipe_free(struct pipe *p)
{
	pipe_buf_free(p);
	kfree(p);
}

static void pipe_evict(struct inode *ip)
{
	struct pipe_inode *pi = container_of(ip, struct pipe_inode, inode);
	pipe_buf_free(&pi->pipe);
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
		size_t off = (pos + done) & (p->size - 1);
		size_t chunk = MIN(n - done, p->size - off);
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
	if (p->splicing) /* a splice is taking bytes from the front: wait for it */
		return park(p, &p->readq);
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
	/* Writers queue themselves under p->lock: one looked at here needs no wake lock. */
	bool writers_wait = n > 0 && waitq_maybe_waiters(&p->writeq);
	spin_unlock(&p->lock);
	if (writers_wait)
		waitq_wake_all(&p->writeq);
	if (n > 0)
		pipe_sigio(p, FMODE_WRITE);
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
		u64 room = p->size - (p->wpos - p->rpos);
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
		/* Let readers at it before we possibly wait for more room (they queue under p->lock). */
		if (waitq_maybe_waiters(&p->readq))
			waitq_wake_all(&p->readq);
	}
	spin_unlock(&p->lock);
	if (done)
		pipe_sigio(p, FMODE_READ);
	return (ssize_t)done;
}

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_file_ops;
}

ssize_t pipe_peek(struct file *f, void *buf, size_t len)
{
	struct pipe *p = f->priv;
	if (!(f->fmode & FMODE_READ))
		return -EBADF;
	if (len == 0)
		return 0;
	spin_lock(&p->lock);
	u64 used = p->wpos - p->rpos;
	if (used == 0) {
		if (p->writers == 0) {
			spin_unlock(&p->lock);
			return 0;
		}
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		return park(p, &p->readq);
	}
	size_t n = MIN(used, len);
	size_t off = p->rpos % PIPE_SIZE, first = MIN(n, PIPE_SIZE - off);
	memcpy(buf, p->buf + off, first);
	memcpy((u8 *)buf + first, p->buf, n - first);
	spin_unlock(&p->lock);
	return (ssize_t)n;
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

static void pipe_fasync(struct file *f, bool on)
{
	struct pipe *p = f->priv;
	spin_lock(&p->lock);
	for (int i = 0; i < PIPE_ASYNC_MAX; i++) {
		if (on && !p->async[i]) {
			p->async[i] = f;
			__atomic_store_n(&p->nasync, p->nasync + 1, __ATOMIC_RELAXED);
			break;
		}
		if (!on && p->async[i] == f) {
			p->async[i] = NULL;
			__atomic_store_n(&p->nasync, p->nasync - 1, __ATOMIC_RELAXED);
		}
	}
	spin_unlock(&p->lock);
}

/* Tell the O_ASYNC ends of p that have fmode that it became ready (caller holds no lock). */
static void pipe_sigio(struct pipe *p, u32 fmode)
{
	/*
	 * Almost no pipe has an O_ASYNC end: one load instead of the lock. An
	 * fcntl that set O_ASYNC before this call began is seen (its store
	 * came first); one racing with it may miss this wake, as on Linux.
	 */
	if (!__atomic_load_n(&p->nasync, __ATOMIC_RELAXED))
		return;
	struct file *to[PIPE_ASYNC_MAX];
	int n = 0;
	spin_lock(&p->lock);
	for (int i = 0; i < PIPE_ASYNC_MAX; i++)
		if (p->async[i] && (p->async[i]->fmode & fmode))
			to[n++] = file_get(p->async[i]);
	spin_unlock(&p->lock);
	for (int i = 0; i < n; i++) {
		if (fmode & FMODE_READ)
			file_send_sigio(to[i], POLL_IN_CODE, POLLIN | POLLRDNORM);
		else
			file_send_sigio(to[i], POLL_OUT_CODE, POLLOUT | POLLWRNORM);
		file_put(to[i]);
	}
}

static void pipe_release(struct file *f)
{
	pipe_fasync(f, false);
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
		if (p->size - used >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			m |= POLLERR;
	}
	spin_unlock(&p->lock);
	return m;
}

/* F_GETPIPE_SZ and F_SETPIPE_SZ: the ring's size, a power of two from a page to pipe-max-size. */
static long pipe_fcntl(struct file *f, int cmd, u64 arg)
{
	struct pipe *p = f->priv;
	if (cmd == F_GETPIPE_SZ)
		return __atomic_load_n(&p->size, __ATOMIC_RELAXED);
	if (cmd != F_SETPIPE_SZ)
		return -EINVAL;
	u64 want = (u32)arg; /* an int argument */
	if ((int)arg < 0 || want > (1U << 31))
		return -EINVAL;
	if (want > __atomic_load_n(&pipe_max_size, __ATOMIC_RELAXED))
		return -EPERM; /* root too: Ferry holds everyone to pipe-max-size */
	u32 size = PAGE_SIZE;
	while (size < want)
		size <<= 1;
	u8 *buf = kmalloc(size);
	if (!buf)
		return -ENOMEM;
	spin_lock(&p->lock);
	u64 used = p->wpos - p->rpos;
	if (used > size || p->splicing) {
		spin_unlock(&p->lock);
		kfree(buf);
		return -EBUSY;
	}
	/* The bytes in the ring move to the new one, from its start. */
	for (u64 i = 0; i < used; i++)
		buf[i] = p->buf[(p->rpos + i) & (p->size - 1)];
	u8 *old = p->buf;
	p->buf = buf;
	p->size = size;
	p->wpos = used;
	p->rpos = 0;
	spin_unlock(&p->lock);
	kfree(old);
	waitq_wake_all(&p->writeq); /* more room, perhaps */
	return size;
}

const struct file_ops pipe_file_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_release,
	.poll = pipe_poll,
	.fasync = pipe_fasync,
	.fcntl = pipe_fcntl,
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
	vfs_owner_is_caller(&pi->inode); /* reopened through /proc/<pid>/fd, it is its maker's */
	pi->inode.fifo = p; /* an open of /proc/<pid>/fd/N attaches to it (fifo_open) */
	p->readers = p->writers = 1;
	u32 st = flags & O_NONBLOCK;
	out[0] = file_alloc(&pi->inode, FMODE_READ | FMODE_STREAM, O_RDONLY | st, &pipe_file_ops);
	out[1] = file_alloc(&pi->inode, FMODE_WRITE | FMODE_STREAM, O_WRONLY | st, &pipe_file_ops);
	for (int i = 0; i < 2; i++)
		if (out[i])
			out[i]->priv = p; /* its release (below, on failure) closes its end */
	if (!out[0] || !out[1]) {
		/*
		 * An end not made is not open; then drop what was made, and our
		 * reference last: it may free the pipe (the inode holds it).
		 */
		if (!out[0])
			p->readers--;
		if (!out[1])
			p->writers--;
		if (out[0])
			file_put(out[0]);
		if (out[1])
			file_put(out[1]);
		inode_put(&pi->inode);
		return -ENOMEM; /* as Linux when a file cannot be allocated */
	}
	inode_put(&pi->inode); /* the files hold it now */
	return 0;
}
