/*
 * Out of memory: which process goes (oom.c). A page fault that finds no
 * memory left, even after the caches gave back what they could, asks
 * here instead of killing the process that faulted: the largest process
 * (pages mapped plus pipe buffers held) is killed, never init, and the
 * faulting thread tries again once it is gone. Without this the victim was
 * whoever faulted next: a shell, or init, whose end stopped the machine.
 */
#pragma once

#include "lib/types.h"

struct proc;

enum oom_result {
	OOM_WAIT, /* another process is dying for memory: yield, then fault again */
	OOM_SELF, /* self is the largest (or alone, or the victim takes too long): it goes */
};

/* self's thread found no page for a fault (NULL: the OOM task, for a kernel allocation). */
enum oom_result oom_kill_for(struct proc *self);
/* After the executors and the caches' reclaim hooks: the OOM task and its hook. */
void oom_init(void);
