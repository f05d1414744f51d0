/*
 * The system calls of the descriptors that carry an event: eventfd and
 * eventfd2, timerfd_create/settime/gettime, signalfd and signalfd4. They
 * check their arguments as Linux does and install the file; reading and
 * polling are the files' own (eventfd.c, timerfd.c, signalfd.c).
 */
#include "event/event.h"
#include "event/timerfd.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define EFD_SEMAPHORE 1
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define NSEC 1000000000UL

static long install(struct file *f, u32 flags)
{
	long r = fd_alloc(fs_files(), f, 0, flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

static long do_eventfd(u64 initval, u64 flags)
{
	if (flags & ~(u64)(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *f;
	int r = eventfd_new((u32)initval, flags & EFD_SEMAPHORE, (u32)flags, &f);
	return r < 0 ? r : install(f, (u32)flags);
}

SYSCALL(NR_eventfd, eventfd)
{
	return do_eventfd(a0, 0);
}

SYSCALL(NR_eventfd2, eventfd2)
{
	return do_eventfd(a0, a1);
}

SYSCALL(NR_timerfd_create, timerfd_create)
{
	u32 flags = (u32)a1;
	if (flags & ~(u32)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *f;
	int r = timerfd_new((int)a0, flags, &f);
	return r < 0 ? r : install(f, flags);
}

struct itimerspec64 {
	i64 interval_sec, interval_nsec;
	i64 value_sec, value_nsec;
};

static bool ts_valid(i64 sec, i64 nsec)
{
	return sec >= 0 && nsec >= 0 && nsec < (i64)NSEC;
}

static u64 ts_ns(i64 sec, i64 nsec)
{
	return (u64)sec > (~0UL - NSEC) / NSEC ? ~0UL - NSEC : (u64)sec * NSEC + (u64)nsec;
}

static int put_spec(u64 uaddr, const struct ktimerspec *k)
{
	struct itimerspec64 s = {(i64)(k->interval / NSEC), (i64)(k->interval % NSEC),
				 (i64)(k->value / NSEC), (i64)(k->value % NSEC)};
	return copy_to_domain(cur_dom(), uaddr, &s, sizeof s);
}

/* The timer behind fd (*fp a reference to put): -EBADF, or -EINVAL if it is no timerfd. */
static struct timerfd *timer_get(int fd, struct file **fp, long *err)
{
	struct file *f = fs_fget(fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	struct timerfd *t = file_timerfd(f);
	if (!t) {
		file_put(f);
		*err = -EINVAL;
		return NULL;
	}
	*fp = f;
	return t;
}

SYSCALL(NR_timerfd_settime, timerfd_settime)
{
	u32 flags = (u32)a1;
	struct itimerspec64 s;
	if (copy_from_domain(cur_dom(), &s, a2, sizeof s) < 0)
		return -EFAULT;
	if ((flags & ~(u32)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    !ts_valid(s.interval_sec, s.interval_nsec) || !ts_valid(s.value_sec, s.value_nsec))
		return -EINVAL;
	long r;
	struct file *f;
	struct timerfd *t = timer_get((int)a0, &f, &r);
	if (!t)
		return r;
	struct ktimerspec new = {ts_ns(s.value_sec, s.value_nsec), ts_ns(s.interval_sec, s.interval_nsec)};
	struct ktimerspec old;
	/* TFD_TIMER_CANCEL_ON_SET: the wall clock is never set on Ferry, so nothing cancels. */
	timerfd_set(t, flags & TFD_TIMER_ABSTIME, &new, &old);
	file_put(f);
	return a3 && put_spec(a3, &old) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_timerfd_gettime, timerfd_gettime)
{
	long r;
	struct file *f;
	struct timerfd *t = timer_get((int)a0, &f, &r);
	if (!t)
		return r;
	struct ktimerspec cur;
	timerfd_get(t, &cur);
	file_put(f);
	return put_spec(a1, &cur) < 0 ? -EFAULT : 0;
}

static long do_signalfd(int fd, u64 umask, u64 size, u32 flags)
{
	if (flags & ~(u32)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (size != sizeof(u64))
		return -EINVAL;
	u64 mask;
	if (copy_from_domain(cur_dom(), &mask, umask, sizeof mask) < 0)
		return -EFAULT;
	if (fd == -1) {
		struct file *f;
		int r = signalfd_new(mask, flags, &f);
		return r < 0 ? r : install(f, flags);
	}
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	long r = signalfd_set_mask(f, mask);
	file_put(f);
	return r < 0 ? r : fd;
}

SYSCALL(NR_signalfd, signalfd)
{
	return do_signalfd((int)a0, a1, a2, 0);
}

SYSCALL(NR_signalfd4, signalfd4)
{
	return do_signalfd((int)a0, a1, a2, (u32)a3);
}
