/*
 * sendfile(2) and copy_file_range(2): copy from a seekable file to any
 * file (or between regular files) through a kernel buffer, one chunk per call. The input is read at an offset without
 * moving it until the output has taken the bytes, so a write that parks
 * leaves nothing half-done (invariant 3).
 */
#include "fs/abi.h"
#include "fs/fsproc.h"
#include "proc/cur.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SENDFILE_CHUNK (64 * 1024)

/*
 * One chunk: read up to want bytes of in at ioff into a kernel buffer and
 * write what came to out, at ooff or (ooff -1) at its own position. Bytes
 * written, 0 at the input's end, or -errno.
 */
static long copy_chunk(struct file *in, i64 ioff, struct file *out, i64 ooff, size_t want)
{
	void *buf = kmalloc(want);
	if (!buf)
		return -ENOMEM;
	struct uio u;
	uio_init_kernel(&u, buf, want);
	long r = vfs_pread(in, &u, ioff);
	if (r > 0) {
		uio_init_kernel(&u, buf, (size_t)r);
		r = ooff < 0 ? vfs_write(out, &u) : vfs_pwrite(out, &u, ooff);
	}
	kfree(buf);
	return r;
}

SYSCALL(NR_sendfile, sendfile)
{
	struct file *out = fs_fget((int)a0), *in = fs_fget((int)a1);
	long r = 0;
	i64 off = 0;
	if (!out || !in) {
		r = -EBADF;
		goto done;
	}
	if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE)) {
		r = -EBADF;
		goto done;
	}
	/* Like Linux, the input must be a file with an offset (not a pipe or tty). */
	if ((in->fmode & FMODE_STREAM) || !S_ISREG(in->ip->mode)) {
		r = -EINVAL;
		goto done;
	}
	if (a2) {
		if (copy_from_domain(cur_dom(), &off, a2, sizeof off) < 0) {
			r = -EFAULT;
			goto done;
		}
		if (off < 0) {
			r = -EINVAL;
			goto done;
		}
	} else {
		off = (i64)__atomic_load_n(&in->pos, __ATOMIC_RELAXED);
	}
	size_t want = MIN((size_t)a3, (size_t)SENDFILE_CHUNK);
	if (!want)
		goto done;
	r = copy_chunk(in, off, out, -1, want);
	if (r > 0) {
		if (a2) {
			i64 next = off + r;
			copy_to_domain(cur_dom(), a2, &next, sizeof next);
		} else {
			vfs_lseek(in, off + r, SEEK_SET);
		}
	}
done:
	file_put(out);
	file_put(in);
	return r;
}

/*
 * copy_file_range(2): between two regular files, a chunk per call through
 * a kernel buffer, read at the input's offset and written at the
 * output's; offsets move only by what was written (a write that parks
 * moves nothing: invariant 3). Overlapping ranges of one file: EINVAL.
 */
SYSCALL(NR_copy_file_range, copy_file_range)
{
	if ((u32)a5)
		return -EINVAL;
	struct file *in = fs_fget((int)a0), *out = fs_fget((int)a2);
	long r = 0;
	i64 ioff, ooff;
	if (!in || !out) {
		r = -EBADF;
		goto done;
	}
	if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE) ||
	    (__atomic_load_n(&out->flags, __ATOMIC_RELAXED) & O_APPEND)) {
		r = -EBADF;
		goto done;
	}
	if (S_ISDIR(in->ip->mode) || S_ISDIR(out->ip->mode)) {
		r = -EISDIR;
		goto done;
	}
	if (!S_ISREG(in->ip->mode) || !S_ISREG(out->ip->mode)) {
		r = -EINVAL;
		goto done;
	}
	if ((a1 && copy_from_domain(cur_dom(), &ioff, a1, sizeof ioff) < 0) ||
	    (a3 && copy_from_domain(cur_dom(), &ooff, a3, sizeof ooff) < 0)) {
		r = -EFAULT;
		goto done;
	}
	if (!a1)
		ioff = (i64)__atomic_load_n(&in->pos, __ATOMIC_RELAXED);
	if (!a3)
		ooff = (i64)__atomic_load_n(&out->pos, __ATOMIC_RELAXED);
	size_t want = MIN((size_t)a4, (size_t)SENDFILE_CHUNK);
	if (ioff < 0 || ooff < 0) {
		r = -EINVAL;
		goto done;
	}
	if (in->ip == out->ip && ioff < ooff + (i64)want && ooff < ioff + (i64)want) {
		r = -EINVAL;
		goto done;
	}
	if (!want)
		goto done;
	r = copy_chunk(in, ioff, out, ooff, want);
	if (r > 0) {
		i64 ni = ioff + r, no = ooff + r;
		if (a1)
			copy_to_domain(cur_dom(), a1, &ni, sizeof ni);
		else
			vfs_lseek(in, ni, SEEK_SET);
		if (a3)
			copy_to_domain(cur_dom(), a3, &no, sizeof no);
		else
			vfs_lseek(out, no, SEEK_SET);
	}
done:
	file_put(out);
	file_put(in);
	return r;
}
