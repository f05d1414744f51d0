/*
 * Short spinlocks for shared objects (invariant 4). Kernel code runs with
 * interrupts off, so a lock never needs to disable them; it is never held
 * across a return to the executor.
 */
#pragma once

#include "lib/types.h"

struct spinlock {
	volatile u32 locked;
};

#define SPINLOCK_INIT {0}

#ifndef FERRY_HOST
/*
 * A core spinning here may hold up another that waits for its answer to a
 * TLB shootdown (the lock holder, say): it answers while it spins
 * (invariant 4), so two cores never wait on each other.
 */
void tlb_shootdown_poll(void);
#define SPIN_WAIT_SERVE() tlb_shootdown_poll()
#else
#define SPIN_WAIT_SERVE() ((void)0)
#endif

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			__builtin_ia32_pause();
			SPIN_WAIT_SERVE();
		}
	}
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
