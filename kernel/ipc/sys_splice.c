/*
 * splice(2), tee(2) and vmsplice(2): moving bytes through pipes without
 * a trip through user memory (pipe_splice.c does the moving). Correctness
 * first: bytes are copied through a kernel buffer, not yet moved as
 * pages.
 */
#include "ipc/pipe_impl.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define SPLICE_F_MOVE     1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE     4
#define SPLICE_F_GIFT     8
#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)
#define SPLICE_MAX (1UL << 20) /* at most this much per call; callers loop */

/*
 * Both files of a splice or tee, held by the call from its first run to
 * its end, parks included (invariant 3): a restart works on the files
 * the call began with, as Linux's call holds them throughout. Without
 * this, a thread closing both ends while the call waited would free the
 * pipe under its waiter, and a restart would look up descriptors that
 * may now name other files.
 */
struct splice_files {
	struct file *in, *out;
};

static void splice_files_release(void *obj)
{
	struct splice_files *sf = obj;
	if (sf->in)
		file_put(sf->in);
	if (sf->out)
		file_put(sf->out);
	kfree(sf);
}

/* The call's files: those it held while parked, or looked up now. NULL: ENOMEM. */
static struct splice_files *splice_files_get(int in_fd, int out_fd)
{
	struct splice_files *sf = park_take(splice_files_release);
	if (sf)
		return sf;
	sf = kmalloc(sizeof *sf);
	if (!sf)
		return NULL;
	sf->in = fs_fget(in_fd);
	sf->out = fs_fget(out_fd);
	return sf;
}

/* The call parks (its files stay held) or ends (they go). */
static long splice_files_done(struct splice_files *sf, long r)
{
	if (r == -ERESTART_PARK)
		park_hold(splice_files_release, sf);
	else
		splice_files_release(sf);
	return r;
}

/* The offset a splice uses on a non-pipe file: *off from the user, or its own position. */
static long get_off(struct file *f, u64 uoff, i64 *off, bool *given)
{
	*given = uoff != 0;
	if (!uoff)
		return 0;
	if (f->fmode & FMODE_STREAM)
		return -ESPIPE;
	if (copy_from_domain(cur_dom(), off, uoff, sizeof *off) < 0)
		return -EFAULT;
	return *off < 0 ? -EINVAL : 0;
}

SYSCALL(NR_splice, splice)
{
	u32 flags = (u32)a5;
	size_t len = MIN(a4, SPLICE_MAX);
	if (flags & ~(u32)SPLICE_FLAGS)
		return -EINVAL;
	struct splice_files *sf = splice_files_get((int)a0, (int)a2);
	if (!sf)
		return -ENOMEM;
	struct file *in = sf->in, *out = sf->out;
	long r;
	i64 off = 0;
	bool given = false;
	if (!in || !out) {
		r = -EBADF;
		goto done;
	}
	if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE)) {
		r = -EBADF;
		goto done;
	}
	if (__atomic_load_n(&out->flags, __ATOMIC_RELAXED) & O_APPEND) {
		r = -EINVAL;
		goto done;
	}
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	if (file_is_pipe(in)) {
		if (a1) {
			r = -ESPIPE;
			goto done;
		}
		if (file_is_pipe(out) && in->priv == out->priv) {
			r = -EINVAL;
			goto done;
		}
		if ((r = get_off(out, a3, &off, &given)) < 0)
			goto done;
		if (S_ISDIR(out->ip->mode)) {
			r = -EISDIR;
			goto done;
		}
		r = pipe_splice_out(in, out, given ? &off : NULL, len, nonblock);
		if (r > 0 && given && copy_to_domain(cur_dom(), a3, &off, sizeof off) < 0)
			r = -EFAULT;
	} else if (file_is_pipe(out)) {
		if (a3) {
			r = -ESPIPE;
			goto done;
		}
		if ((r = get_off(in, a1, &off, &given)) < 0)
			goto done;
		if (S_ISDIR(in->ip->mode)) {
			r = -EISDIR;
			goto done;
		}
		r = pipe_splice_in(out, in, given ? &off : NULL, len, nonblock);
		if (r > 0 && given && copy_to_domain(cur_dom(), a1, &off, sizeof off) < 0)
			r = -EFAULT;
	} else {
		r = -EINVAL; /* one end must be a pipe */
	}
done:
	return splice_files_done(sf, r);
}

SYSCALL(NR_tee, tee)
{
	u32 flags = (u32)a3;
	if (flags & ~(u32)SPLICE_FLAGS)
		return -EINVAL;
	struct splice_files *sf = splice_files_get((int)a0, (int)a1);
	if (!sf)
		return -ENOMEM;
	struct file *in = sf->in, *out = sf->out;
	long r;
	if (!in || !out)
		r = -EBADF;
	else if (!file_is_pipe(in) || !file_is_pipe(out))
		r = -EINVAL;
	else if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE))
		r = -EBADF;
	else
		r = pipe_tee(in, out, MIN(a2, SPLICE_MAX), flags & SPLICE_F_NONBLOCK);
	return splice_files_done(sf, r);
}

/*
 * vmsplice: user memory into a pipe's write end (as writev), or out of
 * its read end (as readv). SPLICE_F_GIFT's pages are copied like the rest.
 */
SYSCALL(NR_vmsplice, vmsplice)
{
	u32 flags = (u32)a3;
	u64 cnt = a2;
	if (flags & ~(u32)SPLICE_FLAGS)
		return -EINVAL;
	if (cnt > IOV_MAX)
		return -EINVAL;
	struct fd_ref ref = fs_fborrow_call((int)a0); /* held while parked, as read and write */
	struct file *f = ref.f;
	if (!f)
		return -EBADF;
	long r = 0;
	struct kiovec *iov = NULL;
	if (!file_is_pipe(f)) {
		r = -EBADF;
		goto out;
	}
	if (!cnt)
		goto out;
	iov = kmalloc(cnt * sizeof *iov);
	if (!iov) {
		r = -ENOMEM;
		goto out;
	}
	if (copy_from_domain(cur_dom(), iov, a1, cnt * sizeof *iov) < 0) {
		r = -EFAULT;
		goto out;
	}
	u64 total = 0;
	for (u64 i = 0; i < cnt; i++) {
		if ((i64)iov[i].len < 0) {
			r = -EINVAL;
			goto out;
		}
		if (!user_range_ok(iov[i].base, iov[i].len)) {
			r = -EFAULT;
			goto out;
		}
		if (iov[i].len > MAX_RW_COUNT - total)
			iov[i].len = MAX_RW_COUNT - total;
		total += iov[i].len;
	}
	struct uio u;
	uio_init_iov(&u, cur_dom(), iov, (int)cnt, total);
	if (f->fmode & FMODE_WRITE)
		r = vfs_write(f, &u);
	else
		r = vfs_read(f, &u);
out:
	kfree(iov);
	return fs_call_done(ref, r);
}
