/*
 * Shared anonymous memory: a page cache with no file and no store of its
 * own (PC_SWAPBACKED), made for MAP_SHARED|MAP_ANONYMOUS and shared
 * mappings of /dev/zero (and System V shared memory), so that a fork's
 * two sides, and every process that attaches it, see one set of pages.
 * It lives while something maps or holds it (a reference count); its
 * pages are zero until written and go to swap under pressure.
 */
#pragma once

#include "vm/pcache.h"

/* A new object of size bytes with one reference for the caller, or NULL. */
struct vmobj *shmem_create(u64 size);
/* The caller's reference (shmem_create's, or another's from vmobj get). */
void shmem_put(struct vmobj *o);
/*
 * Whose it is, for a System V segment (ipc finds its segment from the
 * object a region maps): set once, before the object is mapped.
 */
void shmem_set_owner(struct vmobj *o, void *owner);
void *shmem_owner(struct vmobj *o);
/* SHM_LOCK: its pages stay in memory (never go to swap) while locked. */
void shmem_set_locked(struct vmobj *o, bool locked);
/* Its pages in memory and out in swap (SHM_INFO, /proc/sysvipc/shm). */
void shmem_usage(struct vmobj *o, u64 *resident, u64 *swapped);
