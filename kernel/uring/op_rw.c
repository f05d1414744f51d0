/*
 * Moving data: READ, WRITE, READV, WRITEV, READ_FIXED, WRITE_FIXED, and
 * FSYNC. Each step builds a uio from the request's own copy of the SQE
 * (and of the iovec array, taken at prep) and calls the VFS as read(2),
 * pread(2) and their kin do, so a pipe with no data, a tty with nothing
 * typed or a block not in the cache parks the request exactly as it would
 * park a thread, and a long pipe write keeps its progress in the
 * request's park across steps.
 *
 * The offset: -1 means the file's position (IORING_FEAT_RW_CUR_POS), any
 * other value a positioned transfer; files without positions (pipes,
 * ttys) ignore it, as on Linux.
 */
#include "uring/uring.h"
#include "fs/abi.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/*
 * The per-request flags, as preadv2/pwritev2's (fs/sys_rw.c says what each
 * does); RWF_HIPRI asks for polled completion, which nothing here has.
 */
#define RWF_KNOWN (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)

static bool is_write(u8 op)
{
	return op == IORING_OP_WRITE || op == IORING_OP_WRITEV || op == IORING_OP_WRITE_FIXED;
}

static int rw_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	u8 op = req->opcode;
	bool fixed = op == IORING_OP_READ_FIXED || op == IORING_OP_WRITE_FIXED;
	if (s->splice_fd_in)
		return -EINVAL;
	if ((s->ioprio >> 13) > 3)
		return -EINVAL; /* no such I/O priority class */
	if (fixed) {
		struct uring *r = req->ring;
		spin_lock(&r->lock);
		bool ok = s->buf_index < r->nr_bufs;
		spin_unlock(&r->lock);
		if (!ok)
			return -EFAULT;
	}
	if (op == IORING_OP_READV || op == IORING_OP_WRITEV)
		return (int)uio_import_iovec(cur_dom(), s->addr, s->len, &req->rw.iov,
					     &req->rw.total);
	req->rw.total = MIN((u64)s->len, MAX_RW_COUNT);
	return 0;
}

static void rw_cleanup(struct uring_req *req)
{
	kfree(req->rw.iov);
	req->rw.iov = NULL; /* a request reused for the next entry starts clean */
}

/* A fixed transfer must lie inside its registered buffer: 0 or -EFAULT. */
static int check_fixed(struct uring_req *req)
{
	struct uring *r = req->ring;
	u64 addr = req->sqe.addr, len = req->sqe.len, end;
	int e = -EFAULT;
	spin_lock(&r->lock);
	if (req->sqe.buf_index < r->nr_bufs && !__builtin_add_overflow(addr, len, &end)) {
		struct uring_buf *b = &r->bufs[req->sqe.buf_index];
		if (addr >= b->addr && end <= b->addr + b->len)
			e = 0;
	}
	spin_unlock(&r->lock);
	return e;
}

static long rw_issue(struct uring_req *req)
{
	struct file *f = req->file;
	struct io_uring_sqe *s = &req->sqe;
	u8 op = req->opcode;
	bool write = is_write(op);
	if (s->op_flags & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	if (!(f->fmode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	struct uio u;
	struct kiovec *iov = NULL;
	if (op == IORING_OP_READV || op == IORING_OP_WRITEV) {
		if (req->rw.total == 0 && !req->rw.iov)
			return 0;
		/* The uio consumes its segments: each step gets a fresh copy of the vector. */
		iov = kmalloc(s->len * sizeof *iov);
		if (!iov)
			return -ENOMEM;
		memcpy(iov, req->rw.iov, s->len * sizeof *iov);
		uio_init_iov(&u, req->dom, iov, (int)s->len, req->rw.total);
	} else {
		if (op == IORING_OP_READ_FIXED || op == IORING_OP_WRITE_FIXED) {
			int e = check_fixed(req);
			if (e < 0)
				return e;
		}
		if (!user_range_ok(s->addr, req->rw.total))
			return -EFAULT;
		uio_init_user(&u, req->dom, s->addr, req->rw.total);
	}
	u.rwf = s->op_flags;
	long r;
	if ((f->fmode & FMODE_STREAM) || s->off == ~0UL)
		r = write ? vfs_write(f, &u) : vfs_read(f, &u);
	else if ((i64)s->off < 0)
		r = -EINVAL;
	else
		r = write ? vfs_pwrite(f, &u, (i64)s->off) : vfs_pread(f, &u, (i64)s->off);
	if (r == -ERESTART_PARK && (s->op_flags & RWF_NOWAIT)) {
		u64 done = park_abandon(); /* it would wait: EAGAIN, or what moved */
		r = done ? (long)done : -EAGAIN;
	}
	kfree(iov);
	return r;
}

static int fsync_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->addr || s->buf_index || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	if (s->op_flags & ~IORING_FSYNC_DATASYNC)
		return -EINVAL;
	return 0;
}

static long fsync_issue(struct uring_req *req)
{
	return vfs_fsync(req->file, req->sqe.op_flags & IORING_FSYNC_DATASYNC);
}

#define RW_OP(id, nm)                                                                      \
	const struct uring_op uring_op_##id = {.name = nm,                                  \
					       .prep = rw_prep,                             \
					       .issue = rw_issue,                           \
					       .cleanup = rw_cleanup,                       \
					       .needs_file = true,                          \
					       .rw = true}
RW_OP(read, "READ");
RW_OP(write, "WRITE");
RW_OP(readv, "READV");
RW_OP(writev, "WRITEV");
RW_OP(read_fixed, "READ_FIXED");
RW_OP(write_fixed, "WRITE_FIXED");

const struct uring_op uring_op_fsync = {
	.name = "FSYNC", .prep = fsync_prep, .issue = fsync_issue, .needs_file = true};
