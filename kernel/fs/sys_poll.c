/*
 * poll(2), ppoll, select(2) and pselect6 over the files' poll operations
 * and the caller's poll set (poll.c): one pass over the descriptors; if
 * none is ready, the thread parks on all of their queues at once and the
 * call starts over when any wakes it (invariant 3), its deadline kept.
 */
#include "fs/poll.h"
#include "fs/fsproc.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "proc/cur.h"
#include "proc/signal.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define POLL_MAX_FDS 1024
#define NSEC 1000000000UL

struct pollfd64 {
	i32 fd;
	i16 events, revents;
};

/*
 * One pass over the set; if nothing is ready and the caller may wait, the
 * waiters stay linked (the thread's park takes them off when it runs
 * again) and -ERESTART_PARK is returned; deadline: when to give up (0: never).
 */
static long poll_core(struct pollfd64 *pfd, u32 n, bool may_wait, u64 deadline)
{
	struct poll_waits *pw = NULL;
	if (may_wait) {
		pw = poll_waits_new(2 * (n + 1));
		if (!pw)
			return -ENOMEM;
	}
	long ready = 0;
	for (u32 i = 0; i < n; i++) {
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		struct file *f = fs_fget(pfd[i].fd);
		if (!f) {
			pfd[i].revents = POLLNVAL;
			ready++;
			continue;
		}
		/* Once something is ready there is no need to wait on the rest. */
		u32 m = poll_waits_file(ready ? NULL : pw, f);
		pfd[i].revents = (i16)(m & ((u32)(u16)pfd[i].events | POLLERR | POLLHUP | POLLNVAL));
		if (pfd[i].revents)
			ready++;
	}
	if (ready || !may_wait) {
		poll_waits_free(pw);
		return ready;
	}
	/*
	 * A signal that ppoll's mask lets in may have come just before the
	 * mask did; its sender then saw it blocked and woke nobody. Look once
	 * more before sleeping (the mask store is ordered before this).
	 */
	if (signal_deliverable()) {
		poll_waits_free(pw);
		return -EINTR;
	}
	park_timeout(deadline);
	return park_on_set(poll_waits_free, pw);
}

/* timeout_ns: ~0 waits for ever. The deadline is kept across restarts (*deadline, 0: none). */
static bool poll_may_wait(u64 timeout_ns, u64 *deadline)
{
	*deadline = park_deadline(timeout_ns == ~0UL ? 0 : tsc_ns() + timeout_ns);
	if (timeout_ns == 0)
		return false;
	return !*deadline || tsc_ns() < *deadline;
}

static long do_poll(u64 ufds, u64 nfds, u64 timeout_ns)
{
	if (nfds > fd_limit()) /* as Linux: more than RLIMIT_NOFILE */
		return -EINVAL;
	struct pollfd64 *pfd = kmalloc((nfds ? nfds : 1) * sizeof *pfd);
	if (!pfd)
		return -ENOMEM;
	long r = 0;
	if (nfds && copy_from_domain(cur_dom(), pfd, ufds, nfds * sizeof *pfd) < 0)
		r = -EFAULT;
	u64 deadline;
	if (r == 0) {
		bool may_wait = poll_may_wait(timeout_ns, &deadline);
		r = poll_core(pfd, (u32)nfds, may_wait, deadline);
	}
	if (r >= 0 && nfds && copy_to_domain(cur_dom(), ufds, pfd, nfds * sizeof *pfd) < 0)
		r = -EFAULT;
	kfree(pfd);
	return r;
}

static long timespec_ns(u64 uts, u64 *ns)
{
	if (!uts) {
		*ns = ~0UL;
		return 0;
	}
	i64 ts[2];
	if (copy_from_domain(cur_dom(), ts, uts, sizeof ts) < 0)
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (i64)NSEC)
		return -EINVAL;
	*ns = (u64)ts[0] > (~0UL - NSEC) / NSEC ? ~0UL - 1 : (u64)ts[0] * NSEC + (u64)ts[1];
	return 0;
}

/* ppoll/pselect6's temporary signal mask (umask: the user's sigset, or 0 for none). */
static long call_sigmask(u64 umask, u64 size)
{
	if (!umask)
		return 0;
	u64 m;
	if (size != 8)
		return -EINVAL;
	if (copy_from_domain(cur_dom(), &m, umask, sizeof m) < 0)
		return -EFAULT;
	signal_call_mask(m); /* restored on return; while parked it stays (signals it lets in wake us) */
	return 0;
}

SYSCALL(NR_poll, poll)
{
	i32 ms = (i32)a2;
	return do_poll(a0, (u32)a1, ms < 0 ? ~0UL : (u64)ms * 1000000UL);
}

SYSCALL(NR_ppoll, ppoll)
{
	u64 ns;
	long r = timespec_ns(a2, &ns);
	if (r < 0)
		return r;
	r = call_sigmask(a3, a4);
	if (r < 0)
		return r;
	r = do_poll(a0, (u32)a1, ns);
	/* EINTR: the signal is taken on the way out, under the call's mask (it restores ours). */
	if (r != -ERESTART_PARK && r != -EINTR)
		signal_call_mask_end();
	return r;
}

/* select: fd_sets as bit arrays of longs. */
static long do_select(u64 nfds, u64 urd, u64 uwr, u64 uex, u64 timeout_ns)
{
	if ((int)nfds < 0)
		return -EINVAL;
	nfds = (u32)nfds;
	if (nfds > POLL_MAX_FDS)
		nfds = POLL_MAX_FDS; /* as Linux: no descriptor lies beyond the table */
	size_t words = (nfds + 63) / 64;
	u64 in[3][POLL_MAX_FDS / 64] = {{0}};
	u64 uaddr[3] = {urd, uwr, uex};
	for (int k = 0; k < 3; k++)
		if (uaddr[k] && words && copy_from_domain(cur_dom(), in[k], uaddr[k], words * 8) < 0)
			return -EFAULT;
	struct pollfd64 *pfd = kmalloc((nfds ? nfds : 1) * sizeof *pfd);
	if (!pfd)
		return -ENOMEM;
	u32 n = 0;
	for (u32 fd = 0; fd < nfds; fd++) {
		u16 ev = 0;
		if (in[0][fd / 64] & (1UL << (fd % 64)))
			ev |= POLLIN;
		if (in[1][fd / 64] & (1UL << (fd % 64)))
			ev |= POLLOUT;
		if (in[2][fd / 64] & (1UL << (fd % 64)))
			ev |= POLLPRI;
		if (ev)
			pfd[n++] = (struct pollfd64){.fd = (i32)fd, .events = (i16)ev};
	}
	u64 deadline;
	bool may_wait = poll_may_wait(timeout_ns, &deadline);
	long r = poll_core(pfd, n, may_wait, deadline);
	if (r < 0) {
		kfree(pfd);
		return r;
	}
	u64 out[3][POLL_MAX_FDS / 64] = {{0}};
	long count = 0;
	for (u32 i = 0; i < n; i++) {
		u32 fd = (u32)pfd[i].fd;
		u16 rev = (u16)pfd[i].revents;
		if (rev & POLLNVAL) {
			kfree(pfd);
			return -EBADF;
		}
		u64 bit = 1UL << (fd % 64);
		if ((pfd[i].events & POLLIN) && (rev & (POLLIN | POLLHUP | POLLERR)))
			out[0][fd / 64] |= bit, count++;
		if ((pfd[i].events & POLLOUT) && (rev & (POLLOUT | POLLERR)))
			out[1][fd / 64] |= bit, count++;
		if ((pfd[i].events & POLLPRI) && (rev & POLLPRI))
			out[2][fd / 64] |= bit, count++;
	}
	kfree(pfd);
	for (int k = 0; k < 3; k++)
		if (uaddr[k] && words && copy_to_domain(cur_dom(), uaddr[k], out[k], words * 8) < 0)
			return -EFAULT;
	return count;
}

SYSCALL(NR_select, select)
{
	u64 ns = ~0UL;
	if (a4) {
		i64 tv[2];
		if (copy_from_domain(cur_dom(), tv, a4, sizeof tv) < 0)
			return -EFAULT;
		if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
			return -EINVAL;
		ns = (u64)tv[0] * NSEC + (u64)tv[1] * 1000;
	}
	return do_select(a0, a1, a2, a3, ns);
}

SYSCALL(NR_pselect6, pselect6)
{
	u64 ns;
	long r = timespec_ns(a4, &ns);
	if (r < 0)
		return r;
	/* a5 points at {const sigset_t *ss; size_t ss_len}. */
	u64 sm[2] = {0, 0};
	if (a5 && copy_from_domain(cur_dom(), sm, a5, sizeof sm) < 0)
		return -EFAULT;
	r = call_sigmask(sm[0], sm[1]);
	if (r < 0)
		return r;
	r = do_select(a0, a1, a2, a3, ns);
	if (r != -ERESTART_PARK && r != -EINTR)
		signal_call_mask_end();
	return r;
}
