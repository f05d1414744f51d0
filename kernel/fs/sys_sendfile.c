/*
 * sendfile(2): copy from a seekable file to any file through a kernel
 * buffer, one chunk per call. The input is read at an offset without
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

SYSCALL(NR_sendfile, sendfile)
{
	struct file *out = fs_fget((int)a0), *in = fs_fget((int)a1);
	long r = 0;
	void *buf = NULL;
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
	buf = kmalloc(want);
	if (!buf) {
		r = -ENOMEM;
		goto done;
	}
	struct uio u;
	uio_init_kernel(&u, buf, want);
	ssize_t n = vfs_pread(in, &u, off);
	if (n <= 0) {
		r = n;
		goto done;
	}
	uio_init_kernel(&u, buf, (size_t)n);
	r = vfs_write(out, &u);
	if (r > 0) {
		if (a2) {
			i64 next = off + r;
			copy_to_domain(cur_dom(), a2, &next, sizeof next);
		} else {
			vfs_lseek(in, off + r, SEEK_SET);
		}
	}
done:
	kfree(buf);
	file_put(out);
	file_put(in);
	return r;
}
