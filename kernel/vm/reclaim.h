/*
 * Reclaim and the end of memory: the task that frees pages when free
 * memory runs low (clean cache pages, then pages to swap: vm/swap.h and
 * the clock in mm/scan.c), the wait of a fault that found no frame, the
 * reserve the kernel keeps for itself, and the out-of-memory killer's
 * trigger (the choice of a process is proc's: it registers it here).
 */
#pragma once

#include "lib/types.h"

/*
 * No frame for a fault or a copy: park until reclaim frees some
 * (-ERESTART_PARK; the access runs again), or -ENOMEM for a caller that
 * cannot park or is being killed.
 */
int reclaim_wait_memory(void);

/*
 * A system call answered ENOMEM because a kernel allocation found no
 * memory (a fork's page tables, a pipe's files): while free memory is low,
 * it waits like a fault (reclaim_wait_memory: its wait counts toward the
 * out-of-memory decision, so when memory and swap are exhausted a
 * process is killed to make room) and runs again, for at most a few
 * seconds in all: -ERESTART_PARK. When memory is not low (it came back
 * on another core, or the piece was too large: fragmentation), it runs
 * again after a pause a few times, then -ENOMEM (no kill would help); also
 * -ENOMEM when the call has waited long enough, or cannot park.
 */
int reclaim_retry_call(void);

/*
 * The layer above's out-of-memory choice: kill one process (the largest
 * resident, never init nor the kernel's work) with one console line;
 * false if there was none to kill.
 */
void reclaim_set_oom_killer(bool (*kill)(void));

struct reclaim_stats {
	u64 scanned, swapped_out, swapped_in_faults, oom_kills;
};
void reclaim_get_stats(struct reclaim_stats *s);

/* After the executors exist: the reserve, the watermarks and the reclaim task. */
void reclaim_init(void);
