/*
 * Futex waits and wakes (futex.c), for futex(2) and for the thread code
 * (CLONE_CHILD_CLEARTID wakes a joiner when a thread ends).
 */
#pragma once

#include "lib/types.h"

struct domain;
struct thread;

void futex_init(void);
/*
 * Wait until woken at uaddr in t's domain if the word there still holds
 * val (-EAGAIN otherwise); timeout_uaddr: a relative (or, with absolute,
 * a monotonic) timespec, or 0. Returns -ERESTART_PARK while waiting.
 * private (FUTEX_PRIVATE_FLAG): only this process's threads use the word.
 */
long futex_wait(struct thread *t, vaddr_t uaddr, u32 val, u64 timeout_uaddr, bool absolute,
		bool private);
/* Wake up to n waiters at uaddr in d (shared ones in other processes too unless private). */
long futex_wake_addr(struct domain *d, vaddr_t uaddr, int n, bool private);
