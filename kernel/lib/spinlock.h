/*
 * Short spinlocks for shared objects (invariant 4). Kernel code runs with
 * interrupts off, so a lock never needs to disable them; it is never held
 * across a return to the executor.
 *
 * Both rules are checked, in every build: spin_lock asserts that
 * interrupts are off, and each core counts the locks it holds
 * (cpu.locks_held, reached through GS) so the executor can assert the
 * count is zero after every poll. Functions named *_locked assert
 * spin_is_locked on the lock their caller must hold.
 */
#pragma once

#include "lib/types.h"

struct spinlock {
	volatile u32 locked;
};

#define SPINLOCK_INIT {0}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#ifndef FERRY_HOST
#include "arch/x86_64/cpu_offsets.h"

/*
 * A core spinning here may hold up another that waits for its answer to a
 * TLB shootdown (the lock holder, say): it answers while it spins
 * (invariant 4), so two cores never wait on each other.
 */
void tlb_shootdown_poll(void);
#define SPIN_WAIT_SERVE() tlb_shootdown_poll()
__attribute__((noreturn, cold)) void spin_irqs_on(const struct spinlock *l);

#define RFLAGS_IF_BIT 0x200
static inline void spin_check_irqs_off(const struct spinlock *l)
{
	u64 flags;
	asm volatile("pushfq; popq %0" : "=r"(flags));
	if (__builtin_expect((flags & RFLAGS_IF_BIT) != 0, 0))
		spin_irqs_on(l);
}
/*
 * The extra-checking kernel (lib/kernel.h's KCHECKS) fills freed memory
 * with 0x6b bytes (mm/buddy.h's MM_POISON), which reads as a lock held: a
 * lock in freed memory would spin for ever, so it is reported instead.
 */
#ifdef KERNEL_CHECKS
__attribute__((noreturn, cold)) void spin_in_freed_memory(const struct spinlock *l);
#define SPIN_CHECK_OLD(l, old)                                                                     \
	do {                                                                                       \
		if (__builtin_expect((old) == 0x6b6b6b6bu, 0))                                     \
			spin_in_freed_memory(l);                                                   \
	} while (0)
#endif
#define SPIN_HELD_INC() asm volatile("incq %%gs:%c0" : : "i"(CPU_LOCKS_HELD) : "memory")
#define SPIN_HELD_DEC() asm volatile("decq %%gs:%c0" : : "i"(CPU_LOCKS_HELD) : "memory")
#else
#define SPIN_WAIT_SERVE() ((void)0)
#define spin_check_irqs_off(l) ((void)(l))
#define SPIN_HELD_INC() ((void)0)
#define SPIN_HELD_DEC() ((void)0)
#endif
#ifndef SPIN_CHECK_OLD
#define SPIN_CHECK_OLD(l, old) ((void)(old))
#endif

static inline void spin_lock(struct spinlock *l)
{
	spin_check_irqs_off(l);
	u32 old;
	while ((old = __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))) {
		SPIN_CHECK_OLD(l, old);
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			__builtin_ia32_pause();
			SPIN_WAIT_SERVE();
		}
	}
	SPIN_HELD_INC();
}

static inline bool spin_trylock(struct spinlock *l)
{
	spin_check_irqs_off(l);
	u32 old = __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
	SPIN_CHECK_OLD(l, old);
	if (old)
		return false;
	SPIN_HELD_INC();
	return true;
}

static inline void spin_unlock(struct spinlock *l)
{
	SPIN_HELD_DEC();
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
