/*
 * timerfd's interface to its system calls (sys_eventfds.c): times are
 * nanoseconds of the timer's clock (timerfd.c says which).
 */
#pragma once

#include "lib/types.h"

#define CLOCK_REALTIME       0
#define CLOCK_MONOTONIC      1
#define CLOCK_BOOTTIME       7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

struct file;
struct timerfd;

/* An itimerspec in nanoseconds: the first expiration (0: disarmed) and the interval. */
struct ktimerspec {
	u64 value;
	u64 interval;
};

/* A new timer on clock (EINVAL for others); flags: O_NONBLOCK. */
int timerfd_new(int clock, u32 flags, struct file **out);
/* The timer behind a timerfd file, or NULL. */
struct timerfd *file_timerfd(struct file *f);
/* timerfd_gettime: what is left and the interval. */
void timerfd_get(struct timerfd *t, struct ktimerspec *cur);
/* timerfd_settime: arm (absolute: value is a time of the clock) or disarm; the old setting in *old. */
void timerfd_set(struct timerfd *t, bool absolute, const struct ktimerspec *new, struct ktimerspec *old);

/* eventfd.c and signalfd.c, for the same system calls */
int eventfd_new(u64 initval, bool semaphore, u32 flags, struct file **out);
int signalfd_new(u64 mask, u32 flags, struct file **out);
/* signalfd4 on an existing signalfd: a new mask; -EINVAL if f is not one. */
int signalfd_set_mask(struct file *f, u64 mask);
