/*
 * Operations on the tree and on descriptors: OPENAT, CLOSE, STATX,
 * RENAMEAT, UNLINKAT, MKDIRAT, and FALLOCATE, FADVISE, MADVISE. Paths
 * are copied at prep (IORING_FEAT_SUBMIT_STABLE: the caller may reuse the
 * buffer once io_uring_enter returns); each step then calls the kernel
 * functions the system calls use (fs_openat, fs_statx, vfs_*), which park
 * the request on a block-cache miss like a thread, and start again from
 * the copied path when woken.
 */
#include "uring/uring.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* Copy a user path at prep (NULL path allowed when empty_ok: stays NULL). */
static int path_in(u64 upath, char **out, bool null_ok)
{
	*out = NULL;
	if (!upath && null_ok)
		return 0;
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long r = strncpy_from_domain(cur_dom(), buf, upath, PATH_MAX);
	if (r < 0) {
		kfree(buf);
		return (int)r;
	}
	*out = buf;
	return 0;
}

static void name_cleanup(struct uring_req *req)
{
	kfree(req->name.path);
	kfree(req->name.path2);
	req->name.path = req->name.path2 = NULL; /* a request reused for the next entry: clean */
}

/* ---- OPENAT ---- */

static int openat_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->ioprio)
		return -EINVAL;
	if (s->splice_fd_in) {
		uring_unsupported("OPENAT into a fixed file slot");
		return -EINVAL;
	}
	return path_in(s->addr, &req->name.path, false);
}

static long openat_issue(struct uring_req *req)
{
	return fs_openat(req->sqe.fd, req->name.path, (int)req->sqe.op_flags, req->sqe.len);
}

const struct uring_op uring_op_openat = {
	.name = "OPENAT", .prep = openat_prep, .issue = openat_issue, .cleanup = name_cleanup};

/* ---- CLOSE ---- */

static int close_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->off || s->addr || s->len || s->op_flags || s->buf_index || s->ioprio)
		return -EINVAL;
	if (s->splice_fd_in && s->fd)
		return -EINVAL;
	return 0;
}

static long close_issue(struct uring_req *req)
{
	struct uring *r = req->ring;
	u32 slot = (u32)req->sqe.splice_fd_in;
	if (slot) {
		/* A fixed file's slot (file_index is 1-based). */
		struct file *f = NULL;
		spin_lock(&r->lock);
		if (slot - 1 < r->nr_files) {
			f = r->files[slot - 1];
			r->files[slot - 1] = NULL;
		}
		spin_unlock(&r->lock);
		if (!f)
			return -EBADF;
		file_put(f);
		return 0;
	}
	/* A ring's own descriptor is not closed from inside a ring, as on Linux. */
	struct file *f = fs_fget(req->sqe.fd);
	if (!f)
		return -EBADF;
	bool ring = uring_of(f) != NULL;
	file_put(f);
	if (ring)
		return -EBADF;
	return fd_close(fs_files(), req->sqe.fd);
}

const struct uring_op uring_op_close = {
	.name = "CLOSE", .prep = close_prep, .issue = close_issue};

/* ---- STATX ---- */

static int statx_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	return path_in(s->addr, &req->name.path, s->op_flags & AT_EMPTY_PATH);
}

static long statx_issue(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	return fs_statx(s->fd, req->name.path, s->op_flags, s->len, s->off);
}

const struct uring_op uring_op_statx = {
	.name = "STATX", .prep = statx_prep, .issue = statx_issue, .cleanup = name_cleanup};

/* ---- RENAMEAT, UNLINKAT, MKDIRAT ---- */

static int renameat_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->buf_index || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	int e = path_in(s->addr, &req->name.path, false);
	return e ? e : path_in(s->off, &req->name.path2, false);
}

static long renameat_issue(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	struct inode *os, *ns;
	long r = fs_at_start(s->fd, req->name.path, &os);
	if (r < 0)
		return r;
	r = fs_at_start((int)s->len, req->name.path2, &ns);
	if (r == 0) {
		r = vfs_renameat(os, req->name.path, ns, req->name.path2, s->op_flags);
		inode_put(ns);
	}
	inode_put(os);
	return r;
}

const struct uring_op uring_op_renameat = {.name = "RENAMEAT",
					   .prep = renameat_prep,
					   .issue = renameat_issue,
					   .cleanup = name_cleanup};

static int unlinkat_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->off || s->len || s->buf_index || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	if (s->op_flags & ~(u32)AT_REMOVEDIR)
		return -EINVAL;
	return path_in(s->addr, &req->name.path, false);
}

static long unlinkat_issue(struct uring_req *req)
{
	struct inode *start;
	long r = fs_at_start(req->sqe.fd, req->name.path, &start);
	if (r < 0)
		return r;
	r = vfs_unlinkat(start, req->name.path, req->sqe.op_flags & AT_REMOVEDIR);
	inode_put(start);
	return r;
}

const struct uring_op uring_op_unlinkat = {.name = "UNLINKAT",
					   .prep = unlinkat_prep,
					   .issue = unlinkat_issue,
					   .cleanup = name_cleanup};

static int mkdirat_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	if (s->off || s->op_flags || s->buf_index || s->splice_fd_in || s->ioprio)
		return -EINVAL;
	return path_in(s->addr, &req->name.path, false);
}

static long mkdirat_issue(struct uring_req *req)
{
	struct inode *start;
	long r = fs_at_start(req->sqe.fd, req->name.path, &start);
	if (r < 0)
		return r;
	r = vfs_mkdirat(start, req->name.path, req->sqe.len & ~fs_umask() & S_IALLUGO);
	inode_put(start);
	return r;
}

const struct uring_op uring_op_mkdirat = {
	.name = "MKDIRAT", .prep = mkdirat_prep, .issue = mkdirat_issue, .cleanup = name_cleanup};

/* ---- FALLOCATE, FADVISE, MADVISE ---- */

static int fallocate_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	return s->buf_index || s->op_flags || s->splice_fd_in || s->ioprio ? -EINVAL : 0;
}

static long fallocate_issue(struct uring_req *req)
{
	/* off is the offset, addr the length, len the mode. */
	return vfs_fallocate(req->file, (int)req->sqe.len, (i64)req->sqe.off, (i64)req->sqe.addr);
}

const struct uring_op uring_op_fallocate = {.name = "FALLOCATE",
					    .prep = fallocate_prep,
					    .issue = fallocate_issue,
					    .needs_file = true};

static int fadvise_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	return s->buf_index || s->addr || s->splice_fd_in || s->ioprio ? -EINVAL : 0;
}

static long fadvise_issue(struct uring_req *req)
{
	return vfs_fadvise(req->file, (i64)req->sqe.off, (i64)req->sqe.len, (int)req->sqe.op_flags);
}

const struct uring_op uring_op_fadvise = {
	.name = "FADVISE", .prep = fadvise_prep, .issue = fadvise_issue, .needs_file = true};

static int madvise_prep(struct uring_req *req)
{
	struct io_uring_sqe *s = &req->sqe;
	return s->buf_index || s->off || s->splice_fd_in || s->ioprio ? -EINVAL : 0;
}

static long madvise_issue(struct uring_req *req)
{
	return mm_madvise(req->dom, req->sqe.addr, req->sqe.len, req->sqe.op_flags);
}

const struct uring_op uring_op_madvise = {
	.name = "MADVISE", .prep = madvise_prep, .issue = madvise_issue};
