/*
 * signalfd (signalfd(2)): reading takes the caller's pending signals in
 * the file's mask, as their delivery would (consumed), as struct
 * signalfd_siginfo records; poll and epoll see them pending. The signals
 * are the caller's, whoever made the file (as on Linux). Waiters park on
 * the queue proc/signal.c wakes when a signal is sent to their process.
 * The mask is an atomic; the file has no other state.
 */
#include "event/event.h"
#include "event/timerfd.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "sched/waitq.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct signalfd {
	struct inode inode; /* anon_inode:[signalfd]; freed with it */
	u64 mask;           /* [a] never SIGKILL or SIGSTOP */
};

/* struct signalfd_siginfo: 128 bytes (linux/signalfd.h). */
struct signalfd_siginfo {
	u32 ssi_signo;
	i32 ssi_errno;
	i32 ssi_code;
	u32 ssi_pid;
	u32 ssi_uid;
	i32 ssi_fd;
	u32 ssi_tid;
	u32 ssi_band;
	u32 ssi_overrun;
	u32 ssi_trapno;
	i32 ssi_status;
	i32 ssi_int;
	u64 ssi_ptr;
	u64 ssi_utime;
	u64 ssi_stime;
	u64 ssi_addr;
	u16 ssi_addr_lsb;
	u16 pad2;
	i32 ssi_syscall;
	u64 ssi_call_addr;
	u32 ssi_arch;
	u8 pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

static struct superblock signalfdfs = {.fstype = "signalfd"};

static ssize_t sfd_read(struct file *f, struct uio *u, u64 *pos)
{
	struct signalfd *s = f->priv;
	if (u->resid < sizeof(struct signalfd_siginfo))
		return -EINVAL;
	u64 mask = __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
	ssize_t done = 0;
	while (u->resid >= sizeof(struct signalfd_siginfo)) {
		struct ksiginfo k;
		if (!signal_take(mask, &k)) {
			if (done)
				break;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			/* Queued first, then looked at again: a signal sent in between wakes us. */
			struct waitq *q = signal_waitq();
			spin_lock(&q->lock);
			long r = (signal_pending_set() & mask) ? 0 : park_on(q); /* invariant 3 */
			spin_unlock(&q->lock);
			if (r)
				return r;
			continue;
		}
		struct signalfd_siginfo si = {
		    .ssi_signo = (u32)k.signo,
		    .ssi_errno = k.errno_,
		    .ssi_code = k.code,
		    .ssi_pid = k.pid,
		    .ssi_uid = k.uid,
		    .ssi_status = k.status,
		    .ssi_fd = k.fd,
		    .ssi_tid = (u32)k.tid,
		    .ssi_band = (u32)k.band,
		    .ssi_overrun = (u32)k.overrun,
		    .ssi_int = (i32)k.value,
		    .ssi_ptr = k.value,
		    .ssi_addr = k.addr,
		};
		if (uio_copy_out(u, &si, sizeof si) < 0)
			return done ? done : -EFAULT; /* as on Linux, that signal is gone */
		done += sizeof si;
	}
	return done;
}

static u32 sfd_poll(struct file *f, struct poll_set *ps)
{
	struct signalfd *s = f->priv;
	poll_wait_add(ps, signal_waitq());
	return (signal_pending_set() & __atomic_load_n(&s->mask, __ATOMIC_RELAXED)) ? POLLIN | POLLRDNORM : 0;
}

static const struct file_ops sfd_fops = {.read = sfd_read, .poll = sfd_poll};

static void sfd_evict(struct inode *ip)
{
	kfree(container_of(ip, struct signalfd, inode));
}

static const struct inode_ops sfd_inode_ops = {.evict = sfd_evict};

#define UNBLOCKABLE_SIGS ((1UL << (9 - 1)) | (1UL << (19 - 1))) /* SIGKILL, SIGSTOP */

int signalfd_new(u64 mask, u32 flags, struct file **out)
{
	struct signalfd *s = knew(struct signalfd);
	if (!s)
		return -ENOMEM;
	s->mask = mask & ~UNBLOCKABLE_SIGS;
	anon_inode_init(&s->inode, &signalfdfs, &sfd_inode_ops);
	struct file *f = file_alloc(&s->inode, FMODE_READ | FMODE_STREAM, O_RDONLY | (flags & O_NONBLOCK),
				    &sfd_fops);
	inode_put(&s->inode);
	if (!f)
		return -ENFILE;
	f->priv = s;
	*out = f;
	return 0;
}

int signalfd_set_mask(struct file *f, u64 mask)
{
	if (f->ops != &sfd_fops)
		return -EINVAL;
	struct signalfd *s = f->priv;
	__atomic_store_n(&s->mask, mask & ~UNBLOCKABLE_SIGS, __ATOMIC_RELAXED);
	/* Waiters look again under the new mask. */
	waitq_wake_all(signal_waitq());
	return 0;
}
