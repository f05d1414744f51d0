/*
 * The io_uring system calls: io_uring_setup, io_uring_enter and
 * io_uring_register (io_uring_setup(2), io_uring_enter(2),
 * io_uring_register(2)).
 *
 * io_uring_enter submits, then may wait for completions. The wait parks
 * the thread like any blocking call and the call runs again when woken
 * (invariant 3); the submission must not: a restart keeps the count it
 * submitted the first time (park_progress) and goes straight back to
 * waiting, with the same deadline and signal mask.
 */
#include "uring/uring.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "sys/syscall.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define ENTER_FLAGS                                                                        \
	(IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT |             \
	 IORING_ENTER_EXT_ARG | IORING_ENTER_REGISTERED_RING)
#define NSEC 1000000000UL

SYSCALL(NR_io_uring_setup, io_uring_setup)
{
	return uring_setup((u32)a0, a1);
}

/* The ring at fd, with a reference on its file: -EBADF, or -EOPNOTSUPP for another file. */
static long ring_at(int fd, struct file **out)
{
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	if (!uring_of(f)) {
		file_put(f);
		return -EOPNOTSUPP;
	}
	*out = f;
	return 0;
}

/* What the wait takes besides min_complete: a signal mask and a timeout (EXT_ARG or not). */
struct wait_args {
	u64 sigmask, sigmask_sz, ts;
};

static long wait_args_in(u32 flags, u64 argp, u64 argsz, struct wait_args *w)
{
	if (!(flags & IORING_ENTER_EXT_ARG)) {
		*w = (struct wait_args){argp, argsz, 0};
		return 0;
	}
	struct io_uring_getevents_arg arg;
	if (argsz != sizeof arg)
		return -EINVAL;
	if (copy_from_domain(cur_dom(), &arg, argp, sizeof arg) < 0)
		return -EFAULT;
	if (arg.pad)
		return -EINVAL;
	*w = (struct wait_args){arg.sigmask, arg.sigmask_sz, arg.ts};
	return 0;
}

/* The first run sets up the mask and the deadline; a restart keeps both. */
static long wait_for(struct uring *r, u32 min, const struct wait_args *w, bool restart)
{
	u64 first = 0;
	if (!restart) {
		if (w->sigmask) {
			u64 m;
			if (w->sigmask_sz != sizeof m)
				return -EINVAL;
			if (copy_from_domain(cur_dom(), &m, w->sigmask, sizeof m) < 0)
				return -EFAULT;
			signal_call_mask(m);
		}
		if (w->ts) {
			struct kernel_timespec ts;
			if (copy_from_domain(cur_dom(), &ts, w->ts, sizeof ts) < 0) {
				signal_call_mask_end();
				return -EFAULT;
			}
			u64 ns = ts.tv_sec < 0 || ts.tv_nsec < 0 ? 0
				 : (u64)ts.tv_sec > (~0UL >> 2) / NSEC
				     ? ~0UL >> 2
				     : (u64)ts.tv_sec * NSEC + (u64)ts.tv_nsec;
			first = tsc_ns() + ns;
			if (!first)
				first = 1;
		}
	}
	u64 deadline = park_deadline(first);
	/* A signal the mask lets in may have come just before it: look before sleeping. */
	long ret = signal_deliverable() ? -EINTR : uring_wait(r, min, deadline);
	if (ret == -ERESTART_PARK)
		return ret;
	if (ret == -ETIME && uring_cq_ready(r))
		ret = 0; /* something did complete */
	if (ret != -EINTR)
		signal_call_mask_end(); /* EINTR: the signal is taken under the call's mask */
	return ret;
}

/*
 * A call parked in a wait holds a reference to the ring (in its park), so
 * the ring outlives a close of its descriptor by another thread meanwhile.
 */
static void ring_unhold(void *r)
{
	uring_put(r);
}

static long parked(struct uring *r, long submitted)
{
	park_save_progress((u64)submitted);
	uring_get(r);
	park_hold(ring_unhold, r);
	return -ERESTART_PARK;
}

static long enter(struct uring *r, u32 to_submit, u32 min, u32 flags, u64 argp, u64 argsz)
{
	bool restart = park_restarting();
	if (restart) {
		struct uring *held = park_take(ring_unhold);
		if (held)
			uring_put(held); /* the descriptor's reference serves this run */
	}
	long submitted = restart ? (long)park_progress() : 0;
	if (!restart) {
		if (__atomic_load_n(&r->disabled, __ATOMIC_ACQUIRE))
			return -EBADFD;
		if (r->setup_flags & IORING_SETUP_SQPOLL) {
			if (uring_sqpoll_dead(r))
				return -EOWNERDEAD;
			if (flags & IORING_ENTER_SQ_WAKEUP)
				uring_sqpoll_wake(r);
			submitted = to_submit;
		} else if (to_submit) {
			if (r->issuer && r->issuer != task_acting())
				return -EEXIST; /* IORING_SETUP_SINGLE_ISSUER */
			cur_share_files(); /* requests now use our descriptors beside us */
			submitted = uring_submit(r, to_submit);
			if (submitted != (long)to_submit)
				return submitted;
		}
	}
	if ((r->setup_flags & IORING_SETUP_SQPOLL) && (flags & IORING_ENTER_SQ_WAIT)) {
		long w = uring_sqpoll_wait_space(r);
		if (w == -ERESTART_PARK)
			return parked(r, submitted);
		if (w)
			return w;
	}
	if (!(flags & IORING_ENTER_GETEVENTS))
		return submitted;
	min = MIN(min, r->cq_entries);
	if (!restart && uring_cq_ready(r) >= min)
		return submitted; /* the common case: no need to look at the wait's arguments */
	struct wait_args w;
	long ret = wait_args_in(flags, argp, argsz, &w);
	if (ret == 0)
		ret = wait_for(r, min, &w, restart);
	if (ret == -ERESTART_PARK)
		return parked(r, submitted);
	return submitted ? submitted : ret;
}

SYSCALL(NR_io_uring_enter, io_uring_enter)
{
	u32 flags = (u32)a3;
	if (flags & ~ENTER_FLAGS)
		return -EINVAL;
	if (flags & IORING_ENTER_REGISTERED_RING) {
		uring_unsupported("IORING_ENTER_REGISTERED_RING (no registered ring descriptors)");
		return -EINVAL;
	}
	struct file *f;
	long r = ring_at((int)a0, &f);
	if (r < 0)
		return r;
	r = enter(uring_of(f), (u32)a1, (u32)a2, flags, a4, a5);
	file_put(f);
	return r;
}

SYSCALL(NR_io_uring_register, io_uring_register)
{
	struct file *f;
	long r = ring_at((int)a0, &f);
	if (r < 0)
		return r;
	r = uring_register(uring_of(f), (u32)a1, a2, (u32)a3);
	file_put(f);
	return r;
}
