/*
 * SPLICE and TEE: bytes between a pipe and another file (or pipe), and a
 * pipe's bytes copied into another pipe without being taken. Ferry has no
 * page references to move, so the bytes go through a kernel buffer of at
 * most SPLICE_CHUNK: the read side runs first (a pipe with nothing in it
 * parks the request), then the write side; a write that must wait keeps
 * the buffer in the request's park (park_hold) and picks it up again when
 * the request runs again, so nothing is read twice or lost across a wait.
 * A cancelled SPLICE that had taken bytes from its source drops them.
 */
#include "uring/uring.h"
#include "fs/abi.h"
#include "fs/vfs.h"
#include "fs/fsproc.h"
#include "ipc/pipe.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SPLICE_F_MOVE     0x01
#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_F_MORE     0x04
#define SPLICE_F_GIFT     0x08
#define SPLICE_F_FD_IN_FIXED (1U << 31)
#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT | \
		      SPLICE_F_FD_IN_FIXED)
#define SPLICE_CHUNK (64 * 1024)
#define NO_OFFSET (~0UL)

struct splice_buf {
	size_t n;
	u8 data[];
};

static void splice_buf_free(void *b)
{
	kfree(b);
}

static int prep_common(struct uring_req *req, bool tee)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->ioprio)
		return -EINVAL;
	if (s->op_flags & ~SPLICE_FLAGS)
		return -EINVAL;
	if (tee && (s->addr || s->off))
		return -EINVAL;
	if (s->op_flags & SPLICE_F_NONBLOCK) {
		uring_unsupported("SPLICE_F_NONBLOCK");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int splice_prep(struct uring_req *req)
{
	return prep_common(req, false);
}

static int tee_prep(struct uring_req *req)
{
	return prep_common(req, true);
}

static void splice_cleanup(struct uring_req *req)
{
	if (req->splice.in)
		file_put(req->splice.in);
	req->splice.in = NULL; /* a request reused for the next entry starts clean */
}

/* The source: sqe.splice_fd_in, a fixed index with SPLICE_F_FD_IN_FIXED. */
static int in_file(struct uring_req *req)
{
	if (req->splice.in)
		return 0;
	struct uring *r = req->ring;
	i32 fd = req->sqe.splice_fd_in;
	if (req->sqe.op_flags & SPLICE_F_FD_IN_FIXED) {
		spin_lock(&r->lock);
		struct file *f = (u32)fd < r->nr_files ? r->files[fd] : NULL;
		if (f)
			file_get(f);
		spin_unlock(&r->lock);
		req->splice.in = f;
	} else {
		req->splice.in = fs_fget(fd);
	}
	return req->splice.in ? 0 : -EBADF;
}

/* splice(2)'s checks: -ESPIPE for an offset on a pipe, -EINVAL without a pipe. */
static int check(struct file *in, u64 off_in, struct file *out, u64 off_out, bool tee)
{
	bool pin = file_is_pipe(in), pout = file_is_pipe(out);
	if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE))
		return -EBADF;
	if (tee)
		return pin && pout && in->priv != out->priv ? 0 : -EINVAL;
	if (!pin && !pout)
		return -EINVAL;
	if ((pin && off_in != NO_OFFSET) || (pout && off_out != NO_OFFSET))
		return -ESPIPE;
	if ((!pin && (in->fmode & FMODE_STREAM) && off_in != NO_OFFSET) ||
	    (!pout && (out->fmode & FMODE_STREAM) && off_out != NO_OFFSET))
		return -ESPIPE;
	if (out->flags & O_APPEND)
		return -EINVAL;
	return 0;
}

static long issue_common(struct uring_req *req, bool tee)
{
	struct io_uring_sqe *s = &req->sqe;
	int e = in_file(req);
	if (e < 0)
		return e;
	struct file *in = req->splice.in, *out = req->file;
	u64 off_in = s->addr, off_out = s->off;
	e = check(in, off_in, out, off_out, tee);
	if (e < 0 || s->len == 0)
		return e;
	struct splice_buf *b = park_take(splice_buf_free);
	if (!b) {
		size_t want = MIN((size_t)s->len, (size_t)SPLICE_CHUNK);
		b = kmalloc(sizeof *b + want);
		if (!b)
			return -ENOMEM;
		ssize_t r;
		if (tee) {
			r = pipe_peek(in, b->data, want);
		} else {
			struct uio u;
			uio_init_kernel(&u, b->data, want);
			r = off_in == NO_OFFSET ? vfs_read(in, &u) : vfs_pread(in, &u, (i64)off_in);
		}
		if (r <= 0) {
			kfree(b);
			return r; /* 0 at end of file, an error, or parked with nothing taken */
		}
		b->n = (size_t)r;
	}
	struct uio u;
	uio_init_kernel(&u, b->data, b->n);
	ssize_t w = tee || off_out == NO_OFFSET ? vfs_write(out, &u)
						: vfs_pwrite(out, &u, (i64)off_out);
	if (w == -ERESTART_PARK) {
		park_hold(splice_buf_free, b); /* what was read waits with the request */
		return w;
	}
	kfree(b);
	return w;
}

static long splice_issue(struct uring_req *req)
{
	return issue_common(req, false);
}

static long tee_issue(struct uring_req *req)
{
	return issue_common(req, true);
}

const struct uring_op uring_op_splice = {.name = "SPLICE",
					 .prep = splice_prep,
					 .issue = splice_issue,
					 .cleanup = splice_cleanup,
					 .needs_file = true};
const struct uring_op uring_op_tee = {.name = "TEE",
				      .prep = tee_prep,
				      .issue = tee_issue,
				      .cleanup = splice_cleanup,
				      .needs_file = true};
