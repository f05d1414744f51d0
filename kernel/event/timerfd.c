/*
 * timerfd (timerfd_create(2)): a timer as a file. Its state is when it
 * next expires (in its clock's nanoseconds) and its interval; the
 * expirations since the last read are counted from the clock whenever
 * the timer is looked at, so nothing has to run at each expiration. A
 * kernel timer (sched/timer.h, a function timer) fires at the next
 * expiration only to wake the file's queue, for readers, poll and epoll;
 * whoever looks at the file next arms it for the following one.
 *
 * Clocks: CLOCK_MONOTONIC and CLOCK_BOOTTIME are the TSC's nanoseconds
 * since boot (Ferry does not suspend, so they are one clock, and so are
 * the _ALARM variants); CLOCK_REALTIME is that plus the wall-clock time
 * read at boot. Ferry's wall clock is never set after boot (there is no
 * clock_settime or settimeofday), so TFD_TIMER_CANCEL_ON_SET is accepted
 * and never cancels: a read never gives ECANCELED.
 *
 * Locks: timerfd.lock guards the state; it is never held while a kernel
 * timer is armed or cancelled (the timer's function runs under its
 * core's timers_lock and takes only the queue's lock).
 */
#include "event/event.h"
#include "event/timerfd.h"
#include "fs/abi.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "sched/park.h"
#include "sched/timer.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct timerfd {
	struct inode inode;   /* anon_inode:[timerfd]; freed with it */
	struct spinlock lock;
	int clock;            /* [I] */
	u64 next;             /* [lock] next expiration, clock ns; 0: disarmed */
	u64 interval;         /* [lock] ns; 0: once */
	u64 ticks;            /* [lock] expirations not yet read */
	u64 armed_for;        /* [lock] the expiration the kernel timer was last armed for */
	struct waitq wq;      /* readers; pollers */
	struct timer timer;   /* wakes wq at an expiration */
};

static struct superblock timerfdfs = {.fstype = "timerfd"};

static bool realtime(int clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM;
}

static u64 clock_ns(int clock)
{
	return realtime(clock) ? realtime_epoch_ns() + tsc_ns() : tsc_ns();
}

/* Count the expirations that passed (the caller holds t->lock). */
static void update_locked(struct timerfd *t)
{
	assert(spin_is_locked(&t->lock));
	if (!t->next)
		return;
	u64 now = clock_ns(t->clock);
	if (now < t->next)
		return;
	if (!t->interval) {
		t->ticks++;
		t->next = 0;
		return;
	}
	u64 k = (now - t->next) / t->interval + 1;
	t->ticks += k;
	t->next += k * t->interval;
}

static void fire(struct timer *tm)
{
	struct timerfd *t = container_of(tm, struct timerfd, timer);
	waitq_wake_events(&t->wq, POLLIN | POLLRDNORM);
}

/*
 * Under t->lock: does the kernel timer need arming for t->next? If so, it
 * is noted, and the caller arms it (arm()) once the lock is dropped.
 */
static u64 to_arm_locked(struct timerfd *t)
{
	if (!t->next || t->armed_for == t->next)
		return 0;
	t->armed_for = t->next;
	return t->next;
}

static void arm(struct timerfd *t, u64 when)
{
	if (!when)
		return;
	u64 mono = realtime(t->clock) ? when - MIN(when, realtime_epoch_ns()) : when;
	timer_arm_fn(&t->timer, fire, mono);
}

static ssize_t tfd_read(struct file *f, struct uio *u, u64 *pos)
{
	struct timerfd *t = f->priv;
	if (u->resid < sizeof(u64))
		return -EINVAL;
	spin_lock(&t->lock);
	update_locked(t);
	u64 ticks = t->ticks;
	if (!ticks) {
		long r = -EAGAIN;
		if (!(f->flags & O_NONBLOCK)) {
			spin_lock(&t->wq.lock);
			r = park_on(&t->wq); /* the next expiration wakes it (invariant 3) */
			spin_unlock(&t->wq.lock);
		}
		u64 when = to_arm_locked(t);
		spin_unlock(&t->lock);
		arm(t, when);
		return r;
	}
	t->ticks = 0;
	u64 when = to_arm_locked(t);
	/* Copied under the lock: a fault gives the expirations back. */
	if (uio_copy_out(u, &ticks, sizeof ticks) < 0) {
		t->ticks += ticks;
		spin_unlock(&t->lock);
		arm(t, when);
		return -EFAULT;
	}
	spin_unlock(&t->lock);
	arm(t, when);
	return sizeof ticks;
}

static u32 tfd_poll(struct file *f, struct poll_set *ps)
{
	struct timerfd *t = f->priv;
	poll_wait_add(ps, &t->wq);
	spin_lock(&t->lock);
	update_locked(t);
	bool ready = t->ticks != 0;
	u64 when = to_arm_locked(t);
	spin_unlock(&t->lock);
	arm(t, when);
	return ready ? POLLIN | POLLRDNORM : 0;
}

static void tfd_release(struct file *f)
{
	struct timerfd *t = f->priv;
	timer_cancel(&t->timer); /* waits for a firing in progress: then t may go */
}

static const struct file_ops tfd_fops = {.read = tfd_read, .poll = tfd_poll, .release = tfd_release};

struct timerfd *file_timerfd(struct file *f)
{
	return f->ops == &tfd_fops ? f->priv : NULL;
}

static void tfd_evict(struct inode *ip)
{
	kfree(container_of(ip, struct timerfd, inode));
}

static const struct inode_ops tfd_inode_ops = {.evict = tfd_evict};

int timerfd_new(int clock, u32 flags, struct file **out)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	struct timerfd *t = knew(struct timerfd);
	if (!t)
		return -ENOMEM;
	t->lock = (struct spinlock)SPINLOCK_INIT;
	t->clock = clock;
	waitq_init(&t->wq);
	anon_inode_init(&t->inode, &timerfdfs, &tfd_inode_ops);
	struct file *f = file_alloc(&t->inode, FMODE_READ | FMODE_STREAM, O_RDONLY | (flags & O_NONBLOCK),
				    &tfd_fops);
	inode_put(&t->inode);
	if (!f)
		return -ENFILE;
	f->priv = t;
	*out = f;
	return 0;
}

/* What is left before the next expiration, and the interval (the caller holds t->lock). */
static void current_locked(struct timerfd *t, struct ktimerspec *cur)
{
	update_locked(t);
	u64 now = clock_ns(t->clock);
	cur->value = t->next ? (t->next > now ? t->next - now : 1) : 0;
	cur->interval = t->interval;
}

void timerfd_get(struct timerfd *t, struct ktimerspec *cur)
{
	spin_lock(&t->lock);
	current_locked(t, cur);
	spin_unlock(&t->lock);
}

void timerfd_set(struct timerfd *t, bool absolute, const struct ktimerspec *new,
		 struct ktimerspec *old)
{
	spin_lock(&t->lock);
	current_locked(t, old);
	t->ticks = 0;
	t->interval = new->interval;
	if (!new->value)
		t->next = 0;
	else if (absolute)
		t->next = new->value ? new->value : 1;
	else
		t->next = clock_ns(t->clock) + new->value;
	t->armed_for = t->next;
	u64 when = t->next;
	spin_unlock(&t->lock);
	if (when)
		arm(t, when);
	else
		timer_cancel(&t->timer);
}
