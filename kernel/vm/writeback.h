/*
 * Write-back of dirty file pages: the list of page caches with dirty
 * pages, the task that writes them back every few seconds (and sooner
 * when dirty memory passes a threshold), and the walks sync(2), syncfs,
 * unmount and power-off make over the list.
 *
 * Locks: the list has its own lock ([w] in pcache.h); a cache on it is
 * used only through a reference on its owner (ops->tryget), taken under
 * that lock, so a file may go away at any time in between.
 */
#pragma once

#include "lib/types.h"

struct pcache;

/* pc has dirty pages: it goes on the list (no-op if it is there). */
void wb_note_dirty(struct pcache *pc);
/* pc is going away (its owner's end): off the list. */
void wb_forget(struct pcache *pc);

/*
 * Write back every listed cache that match(pc, arg) accepts (NULL: all)
 * and wait until their pages are on the store: 0; -ERESTART_PARK
 * (parked: the call runs again); -EIO once after a failed write.
 */
int wb_sync(bool (*match)(struct pcache *pc, void *arg), void *arg);
/*
 * Clean power-off (interrupts off, nothing else runs): start every write
 * and call poll() (which collects the disks' completions) until all are
 * done or `ns` nanoseconds pass; false if some were left.
 */
bool wb_shutdown(void (*poll)(void), u64 ns);

/* After the executors exist: start the write-back task. */
void wb_init(void);
