/*
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
 * epoll_pwait2 (epoll(7)): arguments checked in Linux's order, events
 * gathered in kernel memory by epoll.c and copied out with no lock held.
 * A wait that parks keeps its epoll file (fs_call_done) and its deadline
 * across restarts; a handled signal ends it with EINTR (never restarted).
 */
#include "event/event.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define EPOLL_CLOEXEC O_CLOEXEC
#define EP_MAX_EVENTS (INT32_MAX / sizeof(struct epoll_event))
#define EP_BATCH 1024 /* events gathered per call at most (epoll_wait may return fewer) */
#define NSEC 1000000000UL

static long create(u32 flags)
{
	if (flags & ~(u32)EPOLL_CLOEXEC)
		return -EINVAL;
	struct file *f;
	int r = epoll_new(&f);
	if (r < 0)
		return r;
	r = fd_alloc(fs_files(), f, 0, flags & EPOLL_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL(NR_epoll_create, epoll_create)
{
	return (int)a0 <= 0 ? -EINVAL : create(0);
}

SYSCALL(NR_epoll_create1, epoll_create1)
{
	return create((u32)a0);
}

SYSCALL(NR_epoll_ctl, epoll_ctl)
{
	int epfd = (int)a0, op = (int)a1, fd = (int)a2;
	struct epoll_event ev = {0};
	if (op != EPOLL_CTL_DEL && copy_from_domain(cur_dom(), &ev, a3, sizeof ev) < 0)
		return -EFAULT;
	struct file *ef = fs_fget(epfd);
	if (!ef)
		return -EBADF;
	struct file *tf = fs_fget(fd);
	long r;
	if (!tf) {
		r = -EBADF;
	} else {
		struct eventpoll *ep = file_epoll(ef);
		if (ep)
			r = epoll_ctl_file(ep, ef, op, fd, tf, &ev);
		else
			r = file_can_poll(tf) ? -EINVAL : -EPERM; /* Linux looks at the target first */
		file_put(tf);
	}
	file_put(ef);
	return r;
}

/* timeout_ns: ~0 waits for ever, 0 not at all. */
static long wait(int epfd, u64 uevents, int maxevents, u64 timeout_ns)
{
	if (maxevents <= 0 || (u64)maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok(uevents, (u64)maxevents * sizeof(struct epoll_event)))
		return -EFAULT;
	struct fd_ref ref = fs_fborrow_call(epfd);
	if (!ref.f)
		return -EBADF;
	struct eventpoll *ep = file_epoll(ref.f);
	if (!ep)
		return fs_call_done(ref, -EINVAL);
	u64 deadline = park_deadline(timeout_ns == ~0UL || timeout_ns == 0 ? 0 : tsc_ns() + timeout_ns);
	u32 max = (u32)MIN((u64)maxevents, (u64)EP_BATCH);
	struct epoll_event small[16], *ev = max <= 16 ? small : kmalloc(max * sizeof *ev);
	if (!ev)
		return fs_call_done(ref, -ENOMEM);
	long r = epoll_collect(ep, ev, max, timeout_ns != 0, deadline);
	if (r > 0 && copy_to_domain(cur_dom(), uevents, ev, (u64)r * sizeof *ev) < 0)
		r = -EFAULT; /* as on Linux, what was taken is lost */
	if (ev != small)
		kfree(ev);
	return fs_call_done(ref, r);
}

SYSCALL(NR_epoll_wait, epoll_wait)
{
	int ms = (int)a3;
	return wait((int)a0, a1, (int)a2, ms < 0 ? ~0UL : (u64)ms * 1000000UL);
}

/* epoll_pwait's temporary signal mask (0: none), as ppoll's. */
static long call_mask(u64 umask, u64 size)
{
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	u64 m;
	if (copy_from_domain(cur_dom(), &m, umask, sizeof m) < 0)
		return -EFAULT;
	signal_call_mask(m);
	return 0;
}

static long pwait(int epfd, u64 uevents, int maxevents, u64 ns, u64 umask, u64 size)
{
	long r = call_mask(umask, size);
	if (r < 0)
		return r;
	r = wait(epfd, uevents, maxevents, ns);
	/* EINTR: the signal is taken on the way out under the call's mask, which restores ours. */
	if (r != -ERESTART_PARK && r != -EINTR)
		signal_call_mask_end();
	return r;
}

SYSCALL(NR_epoll_pwait, epoll_pwait)
{
	int ms = (int)a3;
	return pwait((int)a0, a1, (int)a2, ms < 0 ? ~0UL : (u64)ms * 1000000UL, a4, a5);
}

SYSCALL(NR_epoll_pwait2, epoll_pwait2)
{
	u64 ns = ~0UL;
	if (a3) {
		i64 ts[2];
		if (copy_from_domain(cur_dom(), ts, a3, sizeof ts) < 0)
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (i64)NSEC)
			return -EINVAL;
		ns = (u64)ts[0] > (~0UL - NSEC) / NSEC ? ~0UL - 1 : (u64)ts[0] * NSEC + (u64)ts[1];
	}
	return pwait((int)a0, a1, (int)a2, ns, a4, a5);
}
