/*
 * unsupported.h: which (program, what, value) were logged already, in a
 * small hash set of fingerprints ([a]: a slot is claimed with one
 * compare-and-exchange). A full set stops logging rather than repeat.
 */
#include "proc/unsupported.h"
#include "proc/proc.h"
#include "proc/cur.h"
#include "lib/kernel.h"

#define SEEN_SLOTS 512

static u64 seen[SEEN_SLOTS]; /* [a] fingerprints, 0: free */

static u64 fingerprint(const char *prog, const char *what, u64 value)
{
	u64 h = 1469598103934665603UL; /* FNV-1a */
	for (const char *s = prog; *s; s++)
		h = (h ^ (u8)*s) * 1099511628211UL;
	h = (h ^ 0xff) * 1099511628211UL;
	for (const char *s = what; *s; s++)
		h = (h ^ (u8)*s) * 1099511628211UL;
	h ^= value * 0x9e3779b97f4a7c15UL;
	return h ? h : 1;
}

void unsupported(const char *what, u64 value)
{
	struct proc *p = cur_proc();
	const char *name = p ? p->name : "kernel";
	u64 f = fingerprint(name, what, value);
	for (u32 i = 0; i < 16; i++) {
		u64 *slot = &seen[(f + i) % SEEN_SLOTS];
		u64 old = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (old == f)
			return;
		if (old == 0 && __atomic_compare_exchange_n(slot, &old, f, false, __ATOMIC_RELAXED,
							    __ATOMIC_RELAXED)) {
			pr_warn("ferry: pid %u (%s): %s %lu (0x%lx) not supported\n", p ? p->pid : 0,
				name, what, value, value);
			return;
		}
		if (old == f)
			return;
	}
}
