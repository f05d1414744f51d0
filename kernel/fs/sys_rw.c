/*
 * System calls that move data: read, write, readv, writev, pread64,
 * pwrite64, preadv, pwritev, lseek, ioctl. They check
 * the descriptor and the user ranges, then hand a uio to the VFS. A call
 * that parks (a tty read with nothing typed) has consumed nothing, so its
 * restart repeats it exactly (invariant 3), on the file it parked on.
 */
#include "fs/fsproc.h"
#include "proc/cur.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/*
 * The start of a buffer out in swap comes back before the transfer (which
 * may consume bytes and cannot then park); a longer transfer that meets a
 * page out in swap further on ends short there, as a read or write may.
 */
#define RW_SWAPIN_MAX (256 * 1024)

static long do_rw(int fd, u64 buf, u64 count, bool write, bool positional, i64 off)
{
	struct fd_ref ref = fs_fborrow_call(fd);
	struct file *f = ref.f;
	if (!f)
		return -EBADF;
	count = MIN(count, MAX_RW_COUNT);
	long r;
	if (!user_range_ok(buf, count)) {
		r = -EFAULT;
	} else {
		struct uio u;
		uio_init_user(&u, cur_dom(), buf, count);
		r = uio_swapin(&u, RW_SWAPIN_MAX);
		if (r == 0 && positional)
			r = write ? vfs_pwrite(f, &u, off) : vfs_pread(f, &u, off);
		else if (r == 0)
			r = write ? vfs_write(f, &u) : vfs_read(f, &u);
	}
	return fs_call_done(ref, r);
}

SYSCALL(NR_read, read)
{
	return do_rw((int)a0, a1, a2, false, false, 0);
}

SYSCALL(NR_write, write)
{
	return do_rw((int)a0, a1, a2, true, false, 0);
}

SYSCALL(NR_pread64, pread64)
{
	return do_rw((int)a0, a1, a2, false, true, (i64)a3);
}

SYSCALL(NR_pwrite64, pwrite64)
{
	return do_rw((int)a0, a1, a2, true, true, (i64)a3);
}

/*
 * The vectored calls copy the iovec array in, check it as Linux does
 * (count within IOV_MAX, no negative length, every range in user space)
 * and cap the total at MAX_RW_COUNT, then do one transfer, so a tty readv
 * returns one line.
 */
/* preadv2/pwritev2's flags Ferry knows (Linux 6.1's set): see there. */
#define RWF_KNOWN (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)

static long do_rwv(int fd, u64 uiov, u64 cnt, bool write, bool positional, i64 off, u32 rwf)
{
	struct fd_ref ref = fs_fborrow_call(fd);
	struct file *f = ref.f;
	if (!f)
		return -EBADF;
	long r = 0;
	struct kiovec *iov = NULL;
	u64 total;
	if (!(f->fmode & (write ? FMODE_WRITE : FMODE_READ))) {
		r = -EBADF;
		goto out;
	}
	r = uio_import_iovec(cur_dom(), uiov, cnt, &iov, &total);
	if (r < 0 || total == 0)
		goto out; /* nothing to move: 0, whatever the flags (as Linux) */
	if (rwf & ~(u32)RWF_KNOWN) {
		r = -EOPNOTSUPP;
		goto out;
	}
	struct uio u;
	uio_init_iov(&u, cur_dom(), iov, (int)cnt, total);
	u.rwf = rwf;
	r = uio_swapin(&u, RW_SWAPIN_MAX);
	if (r == 0 && positional)
		r = write ? vfs_pwrite(f, &u, off) : vfs_pread(f, &u, off);
	else if (r == 0)
		r = write ? vfs_write(f, &u) : vfs_read(f, &u);
	if (r == -ERESTART_PARK && (rwf & RWF_NOWAIT)) {
		/* It would wait (an empty pipe, a page still on the disk): EAGAIN, or what moved. */
		u64 done = park_abandon();
		r = done ? (long)done : -EAGAIN;
	}
out:
	kfree(iov);
	return fs_call_done(ref, r);
}

SYSCALL(NR_readv, readv)
{
	return do_rwv((int)a0, a1, a2, false, false, 0, 0);
}

SYSCALL(NR_writev, writev)
{
	return do_rwv((int)a0, a1, a2, true, false, 0, 0);
}

/* On x86-64 the offset arrives whole in the fourth argument (pos_l); pos_h is unused. */
SYSCALL(NR_preadv, preadv)
{
	return do_rwv((int)a0, a1, a2, false, true, (i64)a3, 0);
}

SYSCALL(NR_pwritev, pwritev)
{
	return do_rwv((int)a0, a1, a2, true, true, (i64)a3, 0);
}

/*
 * preadv2/pwritev2: an offset of -1 uses and moves the file's position,
 * as readv/writev. The flags (Linux 6.1's set): RWF_DSYNC and RWF_SYNC
 * make this write an O_DSYNC/O_SYNC one, RWF_APPEND an O_APPEND one,
 * RWF_NOWAIT turns what would wait into EAGAIN (or a short count).
 * RWF_HIPRI asks for polled completion, which only devices with poll
 * queues have; like Linux on such a disk, Ferry's virtio-blk completes
 * by interrupt, so the hint has nothing to change.
 */
static long do_rwv2(u64 a0, u64 a1, u64 a2, u64 a3, u64 a5, bool write)
{
	u32 rwf = (u32)a5; /* an int, as Linux reads it: the upper half is not looked at */
	i64 off = (i64)a3;
	if (off < -1)
		return -EINVAL;
	return do_rwv((int)a0, a1, a2, write, off != -1, off, rwf);
}

SYSCALL(NR_preadv2, preadv2)
{
	return do_rwv2(a0, a1, a2, a3, a5, false);
}

SYSCALL(NR_pwritev2, pwritev2)
{
	return do_rwv2(a0, a1, a2, a3, a5, true);
}

SYSCALL(NR_lseek, lseek)
{
	struct fd_ref ref = fs_fborrow((int)a0);
	if (!ref.f)
		return -EBADF;
	long r = vfs_lseek(ref.f, (i64)a1, (int)a2);
	fd_ref_put(ref);
	return r;
}

SYSCALL(NR_ioctl, ioctl)
{
	int fd = (int)a0;
	u32 cmd = (u32)a1;
	struct fd_ref ref = fs_fborrow(fd);
	struct file *f = ref.f;
	if (!f)
		return -EBADF;
	long r;
	if (f->fmode & FMODE_PATH) {
		r = -EBADF;
	} else if (cmd == FIOCLEX || cmd == FIONCLEX) {
		r = fd_set_cloexec(fs_files(), fd, cmd == FIOCLEX);
	} else if (cmd == FIONBIO) {
		int on;
		if (copy_from_domain(cur_dom(), &on, a2, sizeof on) < 0) {
			r = -EFAULT;
		} else {
			if (on)
				__atomic_or_fetch(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
			else
				__atomic_and_fetch(&f->flags, ~(u32)O_NONBLOCK, __ATOMIC_RELAXED);
			r = 0;
		}
	} else {
		r = vfs_ioctl(f, cmd, a2, cur_dom());
	}
	fd_ref_put(ref);
	return r;
}
