/*
 * membarrier(2): a memory barrier on other cores, so that user code can
 * keep barriers off its fast paths (user-space RCU, JIT code changes).
 * A core that takes an interrupt has executed a serializing instruction
 * and so a full barrier: the call sends each target core a wake IPI and
 * is done once each has taken it (smp_wake_count moved on). It waits by
 * parking, never by spinning with interrupts off (invariant 1): two cores
 * barriering each other at once must each be able to take the other's
 * IPI. What it waits for is held across restarts (park_hold).
 *
 * Targets: every core for the GLOBAL commands; for PRIVATE_EXPEDITED the
 * cores that have the caller's memory loaded (domain.cpus), which needs
 * the process to have registered first, as on Linux.
 */
#include "proc/proc.h"
#include "proc/cur.h"
#include "proc/unsupported.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

enum {
	MB_QUERY = 0,
	MB_GLOBAL = 1 << 0,
	MB_GLOBAL_EXPEDITED = 1 << 1,
	MB_REGISTER_GLOBAL_EXPEDITED = 1 << 2,
	MB_PRIVATE_EXPEDITED = 1 << 3,
	MB_REGISTER_PRIVATE_EXPEDITED = 1 << 4,
	MB_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5,
	MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6,
	MB_PRIVATE_EXPEDITED_RSEQ = 1 << 7,
	MB_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8,
	MB_GET_REGISTRATIONS = 1 << 9,
};
#define MB_SUPPORTED                                                                        \
	(MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED | MB_PRIVATE_EXPEDITED | \
	 MB_REGISTER_PRIVATE_EXPEDITED | MB_PRIVATE_EXPEDITED_SYNC_CORE |                        \
	 MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | MB_GET_REGISTRATIONS)
#define RECHECK_NS 200000 /* how often a waiting call looks at the counts again */

struct barrier {
	u64 mask;             /* cores still to take their IPI */
	u64 before[MAX_CPUS]; /* their wake counts when it was sent */
};

static void barrier_free(void *b)
{
	kfree(b);
}

/* IPI the cores in mask (not this one) and wait until each has taken it. */
static long barrier_wait(u64 mask)
{
	struct barrier *b = park_take(barrier_free);
	if (!b) {
		mask &= cpus_online_mask() & ~(1UL << this_cpu()->index);
		if (!mask)
			return 0;
		b = knew(struct barrier);
		if (!b)
			return -ENOMEM;
		b->mask = mask;
		for (u64 m = mask; m; m &= m - 1) {
			u32 i = (u32)__builtin_ctzll(m);
			b->before[i] = smp_wake_count(i);
			ipi_send(cpus[i]->apic_id, VEC_WAKE);
		}
	}
	for (u64 m = b->mask; m; m &= m - 1) {
		u32 i = (u32)__builtin_ctzll(m);
		if (smp_wake_count(i) != b->before[i])
			b->mask &= ~(1UL << i);
	}
	if (!b->mask) {
		kfree(b);
		return 0;
	}
	park_hold(barrier_free, b);
	return park_until(tsc_ns() + RECHECK_NS);
}

SYSCALL(NR_membarrier, membarrier)
{
	int cmd = (int)a0;
	u32 flags = (u32)a1;
	struct proc *p = cur_proc();
	if (flags) /* MEMBARRIER_CMD_FLAG_CPU goes only with the rseq command */
		return -EINVAL;
	u32 reg = __atomic_load_n(&p->membarrier_reg, __ATOMIC_RELAXED);
	switch (cmd) {
	case MB_QUERY:
		return MB_SUPPORTED;
	case MB_GLOBAL:
	case MB_GLOBAL_EXPEDITED:
		return barrier_wait(~0UL);
	case MB_REGISTER_GLOBAL_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
		__atomic_fetch_or(&p->membarrier_reg, (u32)cmd, __ATOMIC_RELAXED);
		return 0;
	case MB_PRIVATE_EXPEDITED:
	case MB_PRIVATE_EXPEDITED_SYNC_CORE:
		/* Each command needs its own registration first. */
		if (!(reg & (u32)(cmd << 1)))
			return -EPERM;
		return barrier_wait(__atomic_load_n(&cur_dom()->cpus, __ATOMIC_ACQUIRE));
	case MB_GET_REGISTRATIONS:
		return reg;
	default:
		if (cmd == MB_PRIVATE_EXPEDITED_RSEQ || cmd == MB_REGISTER_PRIVATE_EXPEDITED_RSEQ)
			unsupported("membarrier command (no rseq)", (u64)cmd);
		return -EINVAL;
	}
}
